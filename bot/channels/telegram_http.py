"""python-telegram-bot's HTTP layer on aiohttp, through PTB's documented `BaseRequest`.

PTB's default (httpx) spends several milliseconds of CPU per call once many calls are in
flight: its pool checks every connection on each request. At broadcast rates (Telegram allows
up to 1,000 messages/s for paid broadcasts) that, not the network, set the pace. aiohttp,
which the server already runs on, sends the same calls at a fraction of the cost
(bench/broadcast_throughput.py shows both).
"""

from __future__ import annotations

import json

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

JSON = {"Content-Type": "application/json"}


class AiohttpRequest(BaseRequest):
    """One aiohttp session with up to `connections` connections to the Bot API."""

    def __init__(
        self, connections: int, read_timeout: float = 10.0, connect_timeout: float = 5.0
    ) -> None:
        self._connections = connections
        self._read_timeout, self._connect_timeout = read_timeout, connect_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._connections)
            self._session = aiohttp.ClientSession(
                connector=connector, headers={"User-Agent": self.USER_AGENT}
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        timeout = aiohttp.ClientTimeout(
            total=None,
            sock_connect=_seconds(connect_timeout, self._connect_timeout),
            sock_read=_seconds(read_timeout, self._read_timeout),
        )
        body: aiohttp.FormData | bytes | None = None
        headers = None
        if request_data is not None and request_data.contains_files:
            body = aiohttp.FormData()
            for name, value in request_data.json_parameters.items():
                body.add_field(name, value)
            for name, part in request_data.multipart_data.items():
                filename, content, *mime = part
                body.add_field(
                    name, content, filename=filename, content_type=mime[0] if mime else None
                )
        elif request_data is not None:  # the Bot API takes JSON bodies, nested objects and all
            body, headers = json.dumps(request_data.parameters).encode(), JSON
        try:
            async with self._session.request(
                method, url, data=body, headers=headers, timeout=timeout
            ) as response:
                return response.status, await response.read()
        except TimeoutError as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc


def _seconds(value: object, default: float) -> float | None:
    if value is BaseRequest.DEFAULT_NONE:  # PTB's public "not given"
        return default
    return value if isinstance(value, int | float) or value is None else default
