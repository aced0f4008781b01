"""Limits on JSON request bodies, checked before any parser recurses (both doors use them).

Python's `json` decoder recurses once per nesting level: a body of a few thousand `[` raises `RecursionError`
(not a `ValueError`), which used to become a 500 with a traceback, before any login. `check_json` walks the raw
bytes once, iteratively, and refuses a body deeper than `JSON_MAX_DEPTH` or larger than the door's size limit
before `json.loads` sees it. Brackets inside strings do not count: strings are skipped first (a JSON string
cannot contain a raw `"` except escaped).
"""

import re
from typing import Any

from django.conf import settings

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")


class JsonLimitError(ValueError):
    """The body is over a limit; a `ValueError`, so every parser's "malformed JSON" path handles it."""


def check_json(body: bytes, *, max_bytes: int, max_depth: int | None = None) -> None:
    """Raise `JsonLimitError` when `body` is larger than `max_bytes` or nests deeper than `max_depth`
    (default `JSON_MAX_DEPTH`). Unbalanced brackets are left for the parser to refuse."""
    if len(body) > max_bytes:
        raise JsonLimitError(f"JSON body larger than {max_bytes} bytes")
    limit = settings.JSON_MAX_DEPTH if max_depth is None else max_depth
    if body.count(b"[") + body.count(b"{") <= limit:
        return  # cannot be too deep: the common case, with no scan at all
    depth = 0
    for match in _BRACKET.finditer(_STRING.sub(b"", body)):
        if match.group() in b"[{":
            depth += 1
            if depth > limit:
                raise JsonLimitError(f"JSON nested deeper than {limit} levels")
        else:
            depth -= 1


# C0 and C1 control characters (NUL included) and DEL. PostgreSQL refuses NUL in text (a 500 before), SQLite
# stores it; neither belongs in a name, an id or a comment.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def has_control_characters(text: str) -> bool:
    return CONTROL_CHARACTERS.search(text) is not None


def first_control_character_path(data: Any, path: str = "") -> str | None:
    """The path (`field`, `list.0`, `outer.inner`) of the first string in parsed JSON, key or value, that holds a
    control character; None when there is none. Iterative, so no recursion on hostile input."""
    stack: list[tuple[str, Any]] = [(path, data)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, str):
            if has_control_characters(value):
                return where or "non_field_errors"
        elif isinstance(value, dict):
            for key, item in value.items():
                name = f"{where}.{key}" if where else str(key)
                if has_control_characters(str(key)):
                    return where or "non_field_errors"
                stack.append((name, item))
        elif isinstance(value, list):
            stack.extend(
                (f"{where}.{i}" if where else str(i), item) for i, item in enumerate(value)
            )
    return None
