"""Request parsers: JSON for everything, plus raw YAML text for scenario import."""

from __future__ import annotations

import math
from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser, JSONParser

from simengine.api.errors import InvalidInput
from simengine.core.spec import SpecError, decode_document, spec_limits


class ScenarioText(str):
    """A scenario file sent as the request body, still unparsed, with its format."""

    scenario_format = "yaml"


class JsonScenarioText(ScenarioText):
    """A JSON scenario file sent as the request body, still unparsed."""

    scenario_format = "json"


class YamlTextParser(BaseParser):
    """Hands the view the request body as text; the scenario loader parses and validates it.

    The body is read only up to the scenario size limit, so the view answers the same
    `(document): ...` lines as every other way in (console, designer, `loadscenario`).
    """

    media_type = "application/yaml"
    text_class: type[ScenarioText] = ScenarioText

    # DRF's stubs expect a mapping, but a parser may return any value: this one gives text.
    def parse(  # type: ignore[override]
        self, stream: Any, media_type: str | None = None, parser_context: Any = None
    ) -> ScenarioText:
        raw = stream.read(spec_limits().max_bytes + 1) if stream is not None else b""
        try:
            text = decode_document(raw)
        except SpecError as exc:
            raise InvalidInput(exc.errors) from None
        if "\x00" in text:
            raise ParseError("the body contains a NUL character")
        return self.text_class(text)


class JsonTextParser(YamlTextParser):
    """A JSON scenario body handed over as text, parsed by the scenario loader itself."""

    media_type = "application/json"
    text_class = JsonScenarioText


class TextYamlParser(YamlTextParser):
    """The YAML body parser under `text/yaml`."""

    media_type = "text/yaml"


class XYamlParser(YamlTextParser):
    """The YAML body parser under `application/x-yaml`."""

    media_type = "application/x-yaml"


class SafeJSONParser(JSONParser):
    """JSON that every database can store: no NUL characters, no infinite numbers, bounded depth."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - the document is nested too deeply") from None
        problem = find_unstorable(data)
        if problem:
            raise ParseError(f"JSON parse error - {problem}")
        return data


def find_unstorable(data: Any, max_depth: int = 64) -> str:
    """Why `data` cannot be stored as JSON text in PostgreSQL, or "" when it can."""
    stack = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if depth > max_depth:
            return f"the document is nested deeper than {max_depth} levels"
        if isinstance(value, str):
            if "\x00" in value:
                return "strings must not contain NUL characters"
        elif isinstance(value, float):
            if not math.isfinite(value):
                return "numbers must be finite"
        elif isinstance(value, dict):
            stack.extend((key, depth + 1) for key in value)
            stack.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)
    return ""


YAML_PARSERS: list[type[BaseParser]] = [YamlTextParser, TextYamlParser, XYamlParser]
SCENARIO_FILE_PARSERS: list[type[BaseParser]] = [*YAML_PARSERS, JsonTextParser]
JSON_PARSERS: list[type[BaseParser]] = [SafeJSONParser]
