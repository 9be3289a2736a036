"""Pages of the service portfolio: the portfolio list and a service (placeholder)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import path


@login_required
def service_list(request: HttpRequest) -> HttpResponse:
    return HttpResponse("Service portfolio")


urlpatterns = [path("", service_list, name="service_list")]
