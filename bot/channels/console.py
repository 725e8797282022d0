"""The terminal channel: `python -m bot chat` and `python -m bot ask`. No buttons, so choices
are shown as numbered lines and chosen by typing the number."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from typing import TextIO

from handlers.deps import Deps
from handlers.domain.types import IncomingMessage, Response
from handlers.engine import handle
from handlers.render import numbered_choices

PROMPT = "Bạn: "
EXIT_WORDS = {"/exit", "/quit", "exit", "quit"}


def render(response: Response) -> str:
    """The replies as a resident on a channel without buttons would read them."""
    return "\n\n".join(numbered_choices(r) for r in response.replies)


async def chat(deps: Deps, read: Callable[[], str], out: TextIO, user_ref: str) -> None:
    """Interactive chat until end of input or /exit; `read` raises EOFError at the end."""
    greeting = await handle(IncomingMessage("console", user_ref, text="/start"), deps)
    print(f"Trợ lý: {render(greeting)}\n", file=out, flush=True)
    while True:
        try:
            line = await asyncio.to_thread(read)
        except (EOFError, KeyboardInterrupt):
            print("\nTạm biệt!", file=out)
            return
        if line.strip().lower() in EXIT_WORDS:
            print("Tạm biệt!", file=out)
            return
        response = await handle(IncomingMessage("console", user_ref, text=line), deps)
        print(f"\nTrợ lý: {render(response)}\n", file=out, flush=True)


def as_json(question: str, response: Response) -> str:
    """One answer as a JSON line (the `ask` command's output)."""
    return json.dumps(
        {
            "q": question,
            "intent": response.intent,
            "content_id": response.content_id,
            "title": response.title,
            "text": render(response),
            "options": response.options,
            "score": response.score,
        },
        ensure_ascii=False,
    )


async def ask(deps: Deps, question: str) -> Response:
    """Answer a question as the first message of a new resident."""
    user_ref = f"ask-{uuid.uuid4().hex}"
    return await handle(IncomingMessage("cli", user_ref, text=question), deps)


async def ask_lines(deps: Deps, lines: TextIO, out: TextIO) -> int:
    """Answer every line of `lines` in order, one JSON object per line; returns the count."""
    count = 0
    for line in lines:
        question = line.rstrip("\n")
        response = await ask(deps, question)
        print(as_json(question, response), file=out, flush=True)
        count += 1
    return count
