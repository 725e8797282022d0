"""Logging set-up: readable lines or JSON lines, the HTTP request's id on each record, and
secrets (tokens) never written."""

from __future__ import annotations

import contextvars
import json
import logging
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TextIO

# The id of the HTTP request being handled (set by bot/web/observability.py), for the logs.
request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)


class RedactSecrets(logging.Filter):
    """Replace any configured secret in a log record by "***" (tokens sit in API URLs)."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s and len(s) >= 6]

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        message = record.getMessage()
        redacted = message
        for secret in self._secrets:
            redacted = redacted.replace(secret, "***")
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:  # exceptions may name a URL with a token
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            for secret in self._secrets:
                record.exc_text = record.exc_text.replace(secret, "***")
        return True


class AddRequestId(logging.Filter):
    """Put the current HTTP request's id (or None) on the record as `request_id`."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC), level, logger, message, request_id, exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = getattr(record, "request_id", None) or request_id.get()
        if rid:
            entry["request_id"] = rid
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False)


def make_handler(
    fmt: str = "text", secrets: Iterable[str] = (), stream: TextIO | None = None
) -> logging.Handler:
    """A handler writing text or JSON lines, secrets redacted, request ids added."""
    handler = logging.StreamHandler(stream)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(secrets))
    handler.addFilter(AddRequestId())
    return handler


def setup_logging(level: str, secrets: Iterable[str] = (), fmt: str = "text") -> None:
    """Configure the root logger once (`fmt` "text" or "json"); HTTP client libraries only
    log warnings."""
    handler = make_handler(fmt, secrets)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL at INFO, and Telegram URLs contain the bot token.
    for noisy in ("httpx", "httpcore", "telegram.ext.Updater", "aiohttp.access"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
