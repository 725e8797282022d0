"""Turn the validated catalogue into search documents."""

from __future__ import annotations

from collections.abc import Iterator

from content.entry_model import train
from content.examples import Examples, shipped_examples
from content.loader import Catalogue
from content.models import AnswerEntry
from content.normalize import Lexicon
from content.search import IndexDoc, SearchIndex


def catalogue_docs(catalogue: Catalogue) -> Iterator[IndexDoc]:
    """One search document per answerable entry and per group of intent examples."""
    for entry in catalogue.entries.values():
        yield IndexDoc(
            id=entry.id,
            kind=entry.kind,
            title=entry.title,
            phrases=(entry.title, *entry.aliases),
            keywords=tuple(entry.keywords),
            summary=entry.summary,
        )
    for group in catalogue.intents.values():
        yield IndexDoc(
            id=group.id,
            kind=group.intent,
            title=group.title,
            phrases=(group.title, *group.aliases),
            keywords=tuple(group.keywords),
        )


def place_names(catalogue: Catalogue) -> list[str]:
    """Place names (current and former) that say where, not what: set aside when searching."""
    ward = catalogue.ward
    names = [ward.name, *ward.place_names]
    for former in ward.former_names:
        names += [former.name, *former.aliases]
    return names


_BUILT: dict[tuple[int, int, tuple[IndexDoc, ...]], SearchIndex] = {}
_KEEP = 16  # distinct catalogues kept built (wards with their own entries each have one)


def build_index(
    catalogue: Catalogue, lexicon: Lexicon, examples: Examples | None = None
) -> SearchIndex:
    """The search index for this catalogue and ward, its entry model taught by residents'
    labelled questions (`examples`, by default the shipped ones); wards whose entries are the
    same share one built index (a province serves a hundred wards from one process)."""
    if examples is None:
        examples = shipped_examples()
    docs = tuple(catalogue_docs(catalogue))
    key = (id(lexicon), id(examples), docs)
    built = _BUILT.get(key)
    if built is None or built.lexicon is not lexicon:
        if len(_BUILT) >= _KEEP:
            _BUILT.clear()
        built = _BUILT[key] = SearchIndex(list(docs), lexicon)
        built.attach_model(train(entry_texts(catalogue, examples), built.prepared))
    return built.with_places(place_names(catalogue))


def card_lines(entry: AnswerEntry) -> list[str]:
    """Every line of an entry's card: its names, summary, documents, notes, steps, contacts."""
    lines = [entry.title, *entry.aliases, *entry.keywords, entry.summary]
    for name in ("documents", "notes", "steps", "body"):
        lines += list(getattr(entry, name, ()) or ())
    for contact in getattr(entry, "contacts", ()):
        lines.append(f"{contact.name} {contact.purpose}")
    return lines


def entry_texts(
    catalogue: Catalogue, examples: Examples | None = None
) -> Iterator[tuple[str, list[str]]]:
    """Every line of every answerable entry and intent group, and the residents' questions
    each entry answers, for the learned entry model (a ward's own entries learn from their
    lines only; questions labelled with an entry this catalogue lacks are left out)."""
    examples = examples or {}
    for entry in catalogue.entries.values():
        yield entry.id, card_lines(entry) + list(examples.get(entry.id, ()))
    for group in catalogue.intents.values():  # "phản ánh", "bóng đá": not an entry's words
        yield group.id, [group.title, *group.aliases, *group.keywords]
