"""The base of every API view: DRF authentication instead of the console's login redirect."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.models import User
from rest_framework import generics, status
from rest_framework.parsers import BaseParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.schemas.inspectors import ViewInspector
from rest_framework.views import APIView

from simengine.api.errors import api_exception_handler
from simengine.api.parsers import JSON_PARSERS
from simengine.api.schema import ApiAutoSchema


class ApiMixin(APIView):
    """Token or session auth (401 for anonymous), JSON bodies, our error format and schema.

    `LoginRequiredMiddleware` would redirect API clients to the login page, so API views
    are exempt from it and rely on DRF's `IsAuthenticated` instead. (`ApiAutoSchema` keeps
    view docstrings like this one out of the OpenAPI operations.)
    """

    parser_classes: Sequence[type[BaseParser]] = JSON_PARSERS
    schema: ViewInspector | None = ApiAutoSchema()
    may_conflict = False  # True where a 409 is possible (documented in the schema)
    may_be_missing = False  # True where a query parameter can name a missing object: 404
    staff_only = False  # True where non-staff users get 403
    errors_as_json = False  # True: errors in JSON whatever the view's own format

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Any:
        return login_not_required(super().as_view(**initkwargs))

    def get_exception_handler(self) -> Any:
        return api_exception_handler

    def finalize_response(self, request: Any, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        if self.errors_as_json and isinstance(response, Response) and response.status_code >= 400:
            response.accepted_renderer = JSONRenderer()
            response.accepted_media_type = JSONRenderer.media_type
        return response


class ApiView(ApiMixin, APIView):
    """A single-object or action endpoint of the API."""


class ApiListView(ApiMixin, generics.ListAPIView):
    """A paginated list endpoint whose query parameters `filter_serializer_class` validates."""

    filter_serializer_class: Any = None

    def get_filters(self) -> dict[str, Any]:
        if self.filter_serializer_class is None:
            return {}
        filters = validated_query(self.request, self.filter_serializer_class)
        return {k: v for k, v in filters.items() if v is not None}


class NotFoundApi(ApiView):
    """Any other path under /api/: a JSON 404 (after authentication, like every endpoint)."""

    schema = None  # not an operation of the API
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def _not_found(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        detail = "No API endpoint here."
        if not request.path.endswith("/"):
            detail += " API paths end with a slash."
        return Response({"detail": detail}, status=status.HTTP_404_NOT_FOUND)

    get = post = put = patch = delete = _not_found


def validated_query(request: Any, serializer_class: Any) -> dict[str, Any]:
    """Query parameters checked by a serializer (a plain dict, so booleans keep defaults)."""
    serializer = serializer_class(data=request.query_params.dict())
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def validated_body(request: Any, serializer_class: Any, **kwargs: Any) -> dict[str, Any]:
    """The request body checked by a serializer (a 400 with every problem otherwise)."""
    serializer = serializer_class(data=request.data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def request_user(request: Request) -> User:
    """The signed-in user of an API request (`IsAuthenticated` has refused anonymous ones)."""
    return cast(User, request.user)
