"""The server process: `python -m bot.server` runs the whole deployment from the environment
(HOST, PORT, ROLES, WARDS_FILE, the channels' variables), as `python -m bot serve` does
without options. This entry point imports no command-line library: it is what deploy/ runs."""

from __future__ import annotations

import logging
import os
import sys

from pydantic import ValidationError

from bot.settings import Settings, settings_problems


def run(settings: Settings) -> None:
    """Log what will be served (no secrets) and serve until stopped."""
    from aiohttp import web

    from bot.app import create_app, describe
    from bot.logs import setup_logging

    setup_logging(settings.log_level, settings.secrets(), settings.log_format)
    log = logging.getLogger("bot")
    for line in describe(settings):
        log.info(line)
    web.run_app(
        create_app(settings), host=settings.host, port=settings.port, print=None, access_log=None
    )


def main() -> None:
    """Serve the deployment; a bad variable stops the process with its name (exit 1)."""
    # PTB's retry_after as a timedelta (its int form is deprecated; the adapter reads both).
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    try:
        settings = Settings()
    except ValidationError as error:
        sys.exit("Error: invalid settings:\n" + settings_problems(error))
    run(settings)


if __name__ == "__main__":
    main()
