"""Renderers for file-like answers: text a service produced goes out unchanged."""

from __future__ import annotations

import json
from typing import Any

import yaml
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
