"""What every webhook and the web chat do with a request before trusting it: the body read as
JSON (too deep a nesting, not UTF-8 or not JSON: ValueError, answered 400), lone surrogates
("\\ud800", which no database or reply can store) replaced, and secrets compared in constant
time whatever bytes the header carried."""

from __future__ import annotations

import hmac
import json
from typing import Any


def read_json(raw: bytes | str) -> Any:
    """The body as JSON with every string storable; ValueError when it is not JSON."""
    try:
        data = json.loads(raw)
    except RecursionError as exc:  # "[[[[...]]]]" thousands deep
        raise ValueError("nested too deep") from exc
    text = json.dumps(data, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate somewhere: replaced, the rest kept
        return json.loads(text.encode("utf-8", "replace").decode("utf-8"))
    return data


def same_secret(given: str, expected: str) -> bool:
    """Constant-time comparison of a header's secret with ours; a header of non-ASCII or
    undecodable bytes is simply not equal."""
    return hmac.compare_digest(
        given.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass")
    )
