"""The base of every API viewset: strict filtering, ordering and pagination."""

from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import viewsets

from uplift.api.ordering import StrictOrderingFilter
from uplift.api.pagination import LimitOffsetPagination


class ReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    """List and retrieve; the FilterSet, ``ordering_fields`` and queryset come from below.

    Permissions are the project default (model ``view`` permission for reads).
    """

    filter_backends = [DjangoFilterBackend, StrictOrderingFilter]
    pagination_class = LimitOffsetPagination
