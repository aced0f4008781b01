"""The frontend API's JSON parser: DRF's, with the body size and nesting limits checked first, and no control
characters in any text (one rule for every input serializer of the door, applied before any of them runs)."""

from typing import Any

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.utils import json

from common.json_input import check_json, first_control_character_path


class JSONParser(parsers.JSONParser):
    """Refuses (400 `malformed_request`) a body over `API_MAX_BODY_BYTES`, nested deeper than `JSON_MAX_DEPTH`, not
    UTF-8, or not JSON; never lets the decoder recurse into a hostile body. A string holding a NUL or another
    control character is a 400 `invalid` naming the field."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        limit = settings.API_MAX_BODY_BYTES
        body = stream.read(limit + 1) if stream is not None else b""
        try:
            check_json(body, max_bytes=limit)
            parse_constant = json.strict_constant if self.strict else None
            data = json.loads(body.decode("utf-8"), parse_constant=parse_constant)
        except (ValueError, RecursionError) as exc:
            raise ParseError(f"JSON parse error - {exc}"[:200]) from None
        where = first_control_character_path(data)
        if where is not None:
            raise ValidationError({where: ["Control characters (such as NUL) are not allowed."]})
        return data
