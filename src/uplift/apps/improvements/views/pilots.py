"""Placeholder: written in issue 5."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
