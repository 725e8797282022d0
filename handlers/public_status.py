"""What anyone holding a tracking code may read about a phản ánh on the public page /tra-cuu:
the code, category, status, dates, the office in charge and, once resolved, the answer the
ward chose to publish. Never the resident's words, place, phone or name: the page is built
from this record alone, so it cannot show them by mistake."""

from __future__ import annotations

from dataclasses import dataclass

from db import feedback_queries as fq
from handlers.deps import Deps
from handlers.domain.vocabulary import STATUS_LABELS
from handlers.features.tracking import find_code
from handlers.render import local_date

PATH = "/tra-cuu"


@dataclass(frozen=True)
class PublicStatus:
    """A phản ánh as the public page shows it (dates in the Vietnamese form)."""

    code: str
    category: str
    status: str
    received: str
    due: str
    overdue: bool
    answered: str | None
    resolved: str | None
    agency: str | None
    answer: str | None  # published by staff, shown once resolved


def normalise(typed: str) -> str | None:
    """A code as residents type it ("pa26117k3q", "PA 2611 7K3Q") in its one written form."""
    return find_code(typed.strip()[:64])


def link(public_url: str | None, channel: str, code: str) -> str | None:
    """Where a resident checks a code from any device: the server's public address, or on
    the website widget (same server) a path; None where no address reaches the page."""
    if public_url:
        return f"{public_url}{PATH}?ma={code}"
    return f"{PATH}?ma={code}" if channel == "web" else None


async def lookup(deps: Deps, code: str) -> PublicStatus | None:
    """The public view of the phản ánh with this (normalised) code; None if there is none."""
    async with deps.sessions() as session:
        feedback = await fq.by_code(session, code)
    if feedback is None:
        return None
    categories = {c.code: c.title for c in deps.catalogue.ward.feedback.categories}
    resolved = feedback.status == "resolved"
    return PublicStatus(
        code=feedback.service_request_id,
        category=categories.get(feedback.service_code, feedback.service_code),
        status=STATUS_LABELS.get(feedback.status, feedback.status),
        received=local_date(feedback.requested_datetime),
        due=local_date(feedback.expected_datetime),
        overdue=fq.overdue(feedback, deps.clock()),
        answered=local_date(feedback.first_answered_at) if feedback.first_answered_at else None,
        resolved=local_date(feedback.resolved_at) if resolved and feedback.resolved_at else None,
        agency=feedback.agency_responsible,
        answer=feedback.public_answer if resolved else None,
    )
