"""What the handlers need from the outside world, passed in explicitly (no globals)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from content.acts import ActModel
from content.learned import TaughtWordings
from content.loader import Catalogue
from content.normalize import Lexicon
from content.search import SearchIndex
from db.models import utcnow
from handlers.domain.contest_calendar import ContestCalendar
from handlers.learned import LiveLearned
from handlers.live_ward import LiveWard


@dataclass(frozen=True)
class Deps:
    """Resources shared by every message: database sessions, catalogue, search index, clock."""

    sessions: async_sessionmaker[AsyncSession]
    catalogue: Catalogue
    lexicon: Lexicon
    index: SearchIndex
    acts: ActModel  # the dialogue-act classifier
    clock: Callable[[], datetime] = field(default=utcnow)
    # (channel, recipient) pairs told about each new feedback, e.g. a Telegram staff group.
    staff_alerts: tuple[tuple[str, str], ...] = ()
    # The server's public root, for links residents' apps fetch (certificates); None locally.
    public_url: str | None = None
    # RETENTION_DAYS: messages are kept this many days (0: until the resident erases them);
    # the privacy notice and /du_lieu_cua_toi tell residents.
    retention_days: int = 365
    # Called after each handled message (not duplicates) with the channel, the intent, the
    # handling time in seconds and whether it went unanswered: the server's metrics.
    observe: Callable[[str, str, float, bool], None] | None = None
    # The contests open now, shown in every menu: read once a minute, not once a message.
    contests: ContestCalendar = field(default_factory=ContestCalendar)
    # The ward's contacts and facts as the console last saved them (checked every message).
    live_ward: LiveWard = field(default_factory=LiveWard)
    # What staff taught from answered questions (checked every message), and its wordings.
    learned: LiveLearned = field(default_factory=LiveLearned)
    taught: TaughtWordings | None = None
