"""Renderers for file-like answers: text a service produced goes out unchanged."""

from __future__ import annotations

import html
import json
from collections.abc import Iterable
from typing import Any

import yaml
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import BaseParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.utils import encoders


class YamlRenderer(BaseRenderer):
    """Text as is; anything else (an error body) dumped as YAML."""

    media_type = "application/yaml"
    format = "yaml"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        if isinstance(data, str):
            return data.encode("utf-8")
        plain = json.loads(json.dumps(data, cls=encoders.JSONEncoder))  # ErrorDetail -> str
        return yaml.safe_dump(plain, sort_keys=False, allow_unicode=True).encode("utf-8")


class TextJSONRenderer(JSONRenderer):
    """JSON text as is; anything else (an error body) rendered as JSON."""

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        if isinstance(data, str):
            return data.encode("utf-8")
        return super().render(data, accepted_media_type, renderer_context)


class HtmlDocumentRenderer(BaseRenderer):
    """An HTML document a service produced, as is; an error body as a small HTML page."""

    media_type = "text/html"
    format = "html"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        if isinstance(data, str):
            return data.encode("utf-8")
        detail = data.get("detail", "") if isinstance(data, dict) else data
        text = html.escape(str(detail))
        return f"<!doctype html><title>{text}</title><p>{text}</p>".encode()


class JsonLinesRenderer(BaseRenderer):
    """JSON lines (`application/x-ndjson`); an error body as one JSON line."""

    media_type = "application/x-ndjson"
    format = "jsonl"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        if isinstance(data, str):
            return data.encode("utf-8")
        return (json.dumps(data, cls=encoders.JSONEncoder) + "\n").encode("utf-8")


class FirstRendererNegotiation(BaseContentNegotiation):
    """Always the view's first renderer: a file endpoint answers its one format, never 406."""

    def select_parser(self, request: Any, parsers: Iterable[BaseParser]) -> BaseParser | None:
        """The view's first parser."""
        return next(iter(parsers), None)

    def select_renderer(
        self, request: Any, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        """The view's first renderer and its media type."""
        first = next(iter(renderers))
        return first, first.media_type
