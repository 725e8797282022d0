"""Channel events about the resident rather than a message: blocking, following, and the
website widget fetching what the ward sent."""

from __future__ import annotations

from datetime import datetime

from db import outbox_queries, queries
from handlers.deps import Deps
from handlers.domain.types import Reply
from handlers.domain.vocabulary import TOPICS


async def set_reachable(
    deps: Deps, channel: str, user_ref: str, reachable: bool, event_key: str | None = None
) -> bool:
    """A resident blocked (or unblocked) the assistant; False for a re-delivered event.
    Blocked residents are kept, marked inactive, and skipped by senders."""
    async with deps.sessions() as session, session.begin():
        if event_key and not await queries.claim_event(session, channel, event_key):
            return False
        await queries.set_active(session, channel, user_ref[:128], reachable)
    return True


async def follow(deps: Deps, channel: str, user_ref: str, event_key: str | None = None) -> bool:
    """A resident followed the ward's account: active, and subscribed to announcements."""
    async with deps.sessions() as session, session.begin():
        if event_key and not await queries.claim_event(session, channel, event_key):
            return False
        user = await queries.get_or_create_user(session, channel, user_ref[:128])
        await queries.subscribe(session, user.id, list(TOPICS))
    return True


async def unfollow(deps: Deps, channel: str, user_ref: str, event_key: str | None = None) -> bool:
    """A resident unfollowed: no more announcements, and marked unreachable."""
    async with deps.sessions() as session, session.begin():
        if event_key and not await queries.claim_event(session, channel, event_key):
            return False
        user = await queries.get_or_create_user(session, channel, user_ref[:128])
        await queries.unsubscribe(session, user.id)
        await queries.set_active(session, channel, user_ref[:128], False)
    return True


async def last_heard(deps: Deps, channel: str, user_ref: str) -> datetime | None:
    """When the resident last wrote (UTC), for platforms whose reply
    window counts from the resident's last message."""
    async with deps.sessions() as session:
        return await queries.last_seen(session, channel, user_ref[:128])


async def pick_up_for_widget(deps: Deps, user_ref: str) -> list[Reply]:
    """What the ward sent this website visitor since the widget last asked (answers,
    announcements), in order; handed over once."""
    async with deps.sessions() as session, session.begin():
        rows = await outbox_queries.pickup_web(session, user_ref)
    return [Reply.stored(row.text, row.buttons, row.image_url) for row in rows]
