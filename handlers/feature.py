"""What a conversation feature declares to the dispatcher: its button verbs, slash commands,
typed phrases, the dialogue acts it answers, and the hooks of the flow it owns.

The dispatcher (`handlers/dispatch.py`) reads one ordered table of these
(`handlers/features/__init__.py`); a new feature is one module and one line there.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from handlers.acts import Act
from handlers.domain.types import Reply, Response
from handlers.turn import Turn

ActionHandler = Callable[[Turn, str], Awaitable[Response]]  # (turn, argument) -> reply
Hook = Callable[[Turn], Awaitable[Response | None]]  # None: not for this feature
Prompt = Callable[[Turn], Reply]


@dataclass(frozen=True)
class Feature:
    """One conversation feature as the dispatcher sees it."""

    name: str
    # Button payload verbs ("fb" in "fb:send") -> handler(turn, argument).
    verbs: Mapping[str, ActionHandler] = field(default_factory=dict)
    # Slash commands ("/phan_anh") -> handler(turn, the rest of the line).
    commands: Mapping[str, ActionHandler] = field(default_factory=dict)
    # Phrases the feature recognises wherever they are typed ("ngừng", "học tiếp ABC123").
    typed: Hook | None = None
    # Dialogue acts the feature answers, in the table's order.
    acts: Mapping[Act, Hook] = field(default_factory=dict)
    # Conversation-state flows the feature owns.
    flows: frozenset[str] = frozenset()
    # A message while its flow runs; None hands it on (a side question), the flow stays.
    on_message: Hook | None = None
    # The flow's current question, asked again after a side question was answered.
    resume: Prompt | None = None
    # Asked before the flow is cancelled; a reply keeps the flow (to confirm dropping a draft).
    on_cancel: Hook | None = None
    # Sees each message before anything else (a confirmation the next message decides).
    first: Hook | None = None
    # The main menu's section action that opens this feature (`action:` in menu.yaml).
    section: str | None = None
    start: Callable[[Turn], Awaitable[Response]] | None = None
