"""Photos residents sent on Telegram, fetched when staff open the record: getFile, then the
file download, both through the configured Bot API server (TELEGRAM_API_URL). Telegram keeps
the file; the record keeps only its id ("telegram:file:<file_id>").

The token is in both addresses: errors name only their kind, never the URL."""

from __future__ import annotations

from urllib.parse import quote

import aiohttp

PREFIX = "telegram:file:"
MAX_FILE = 20 * 1024 * 1024  # the Bot API serves files up to 20 MB
TIMEOUT = aiohttp.ClientTimeout(total=20)


class FileUnavailable(Exception):
    """Telegram did not give the file (expired id, network, refused)."""


def file_id_of(media_url: str | None) -> str | None:
    """The Telegram file a record's `media_url` names, if it names one."""
    if media_url and media_url.startswith(PREFIX):
        return media_url[len(PREFIX) :] or None
    return None


async def download(http: aiohttp.ClientSession, api_url: str, token: str, file_id: str) -> bytes:
    """The file's bytes (at most `MAX_FILE`)."""
    root = api_url.rstrip("/")
    try:
        async with http.get(
            f"{root}/bot{token}/getFile", params={"file_id": file_id}, timeout=TIMEOUT
        ) as response:
            answer = await response.json(content_type=None)
        path = (answer.get("result") or {}).get("file_path") if answer.get("ok") else None
        if not isinstance(path, str) or not path or ".." in path.split("/"):
            raise FileUnavailable("getFile gave no file path")
        address = f"{root}/file/bot{token}/{quote(path.lstrip('/'), safe='/')}"
        async with http.get(address, timeout=TIMEOUT) as response:
            if response.status != 200:
                raise FileUnavailable(f"the download answered {response.status}")
            data = bytearray()
            async for chunk in response.content.iter_chunked(64 * 1024):
                data += chunk
                if len(data) > MAX_FILE:
                    raise FileUnavailable("the file is larger than the Bot API serves")
            return bytes(data)
    except (aiohttp.ClientError, TimeoutError, ValueError, AttributeError) as exc:
        raise FileUnavailable(type(exc).__name__) from None
