"""`content check`: validate the catalogue and the ward file, print findings, set the exit code."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from pydantic import ValidationError

from content.loader import CONTENT_DIR, DEFAULT_WARD, Catalogue, ContentError, load_ward_catalogue
from content.models import ContactList, HowTo, Procedure, Redirect, Topic
from content.normalize import LEXICON_PATH, folded_phrase, load_lexicon
from content.ward_fields import unfilled

_TRUSTED_SCHEMES = {"https"}


def _link_problems(catalogue: Catalogue) -> Iterator[str]:
    """Links residents will tap must be https and must not be left as examples."""
    for entry in catalogue.entries.values():
        urls = [s.url for s in entry.source if s.url]
        if isinstance(entry, Procedure) and entry.online.url:
            urls.append(entry.online.url)
        if isinstance(entry, HowTo | Redirect):
            urls.extend(link.url for link in entry.links)
        if isinstance(entry, Redirect) and entry.online and entry.online.url:
            urls.append(entry.online.url)
        for url in urls:
            if url.scheme not in _TRUSTED_SCHEMES:
                yield f"entry {entry.id!r}: link {url} is not https"
            if url.host and ("example." in url.host or url.host == "localhost"):
                yield f"entry {entry.id!r}: link {url} is a placeholder"


def _shared_aliases(catalogue: Catalogue) -> Iterator[str]:
    """The same alias on two unrelated entries makes the search ask instead of answer."""
    owners: dict[str, set[str]] = {}
    for entry in catalogue.entries.values():
        for alias in {folded_phrase(a) for a in (entry.title, *entry.aliases)}:
            owners.setdefault(alias, set()).add(entry.id)
    family = {
        frozenset((e.id, child))
        for e in catalogue.entries.values()
        if isinstance(e, Topic)
        for child in e.children
    }
    for alias, ids in sorted(owners.items()):
        pairs = {frozenset((a, b)) for a in ids for b in ids if a < b}
        if pairs - family:
            yield f"alias {alias!r} is shared by {', '.join(sorted(ids))}"


def _summary(catalogue: Catalogue) -> str:
    kinds: dict[str, int] = {}
    for entry in catalogue.entries.values():
        kinds[entry.kind] = kinds.get(entry.kind, 0) + 1
    unset = sorted(k for k, v in catalogue.ward.facts.items() if v is None)
    unset_contacts = sorted(
        key for key, c in catalogue.ward.contacts.items() if c.phone is None and c.url is None
    )
    items = unfilled(catalogue.ward)
    lines = [
        "Catalogue OK: "
        + ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
        + f", {len(catalogue.intents)} intent groups.",
        f"Ward {catalogue.ward.id!r}: {len(unset)} local facts and {len(unset_contacts)} contacts"
        " not filled in yet (residents are told 'chưa cập nhật').",
        f"Unfilled ward items ({len(items)}; an admin fills them in at /staff/ward, where the"
        " values saved override this file):",
        *(f"  - {item.key}" for item in items),
    ]
    national = sum(
        1
        for e in catalogue.entries.values()
        if isinstance(e, ContactList)
        for c in e.contacts
        if c.number
    )
    lines.append(f"{national} national phone numbers, each with a source.")
    return "\n".join(lines)


def run(
    content_dir: Path = CONTENT_DIR, ward_id: str = DEFAULT_WARD, out: TextIO = sys.stdout
) -> int:
    """Validate everything; print problems (exit 1) or a summary (exit 0)."""
    try:
        load_lexicon()
    except (ValidationError, ValueError) as exc:
        print(f"Content check failed: {LEXICON_PATH}: {exc}", file=out)
        return 1
    try:
        catalogue = load_ward_catalogue(ward_id, content_dir=content_dir)
    except ContentError as exc:
        print(f"Content check failed with {len(exc.problems)} problem(s):", file=out)
        for problem in exc.problems:
            print(f"  - {problem}", file=out)
        return 1
    problems = list(_link_problems(catalogue))
    if problems:
        print(f"Content check failed with {len(problems)} problem(s):", file=out)
        for problem in problems:
            print(f"  - {problem}", file=out)
        return 1
    for warning in [*catalogue.warnings, *_shared_aliases(catalogue)]:
        print(f"warning: {warning}", file=out)
    print(_summary(catalogue), file=out)
    return 0


if __name__ == "__main__":
    raise SystemExit(run())
