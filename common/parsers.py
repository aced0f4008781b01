"""The frontend API's JSON parser: DRF's, with the body size and nesting limits checked first."""

from typing import Any

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils import json

from common.json_input import check_json


class JSONParser(parsers.JSONParser):
    """Refuses (400 `malformed_request`) a body over `API_MAX_BODY_BYTES`, nested deeper than `JSON_MAX_DEPTH`, not
    UTF-8, or not JSON; never lets the decoder recurse into a hostile body."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        limit = settings.API_MAX_BODY_BYTES
        body = stream.read(limit + 1) if stream is not None else b""
        try:
            check_json(body, max_bytes=limit)
            parse_constant = json.strict_constant if self.strict else None
            return json.loads(body.decode("utf-8"), parse_constant=parse_constant)
        except (ValueError, RecursionError) as exc:
            raise ParseError(f"JSON parse error - {exc}"[:200]) from None
