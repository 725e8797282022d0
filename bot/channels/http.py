"""One POST helper for the platform clients: JSON back, and network failures reported without
the URL (platform tokens sit in URLs)."""

from __future__ import annotations

from typing import Any

import aiohttp


class Unreachable(Exception):
    """The platform did not answer (connection refused, timeout...); names no URL."""


async def post_json(
    http: aiohttp.ClientSession, url: str, *, seconds: float, **kwargs: Any
) -> tuple[int, Any]:
    """POST and return (HTTP status, parsed JSON body or None)."""
    try:
        async with http.post(
            url, timeout=aiohttp.ClientTimeout(total=seconds), **kwargs
        ) as response:
            try:
                body = await response.json(content_type=None)
            except ValueError:
                body = None
            return response.status, body
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise Unreachable(type(exc).__name__) from None
