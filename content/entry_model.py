"""A second opinion on which entry a message is about, learned from the catalogue's own text.

BM25 over aliases needs the resident's words to be the catalogue's words. A classifier over
character n-grams (`content/textmodel.py`), trained at start on every line an entry holds
(title, aliases, keywords, summary, documents, steps, notes), also recognises a message whose
words only the entry's steps or notes use, and survives typos and missing marks. Its
probabilities are added to the search's scores (`SearchIndex.rank`); it never answers alone.
It is trained on the catalogue only, so every labelled resident question in tests/data is
held out from it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from content.textmodel import TextClassifier

REGULARISATION = 1e-5  # the gradient descent's alpha
MAX_ENTRIES = 1000  # beyond this, training at start costs too much: the search works alone
SEEN = 2048  # recent messages whose probabilities are kept


class EntryModel:
    """Entry probabilities for a prepared (folded, expanded) message."""

    def __init__(self, texts: list[str], labels: list[str]) -> None:
        self._model = TextClassifier.trained(texts, labels, alpha=REGULARISATION, balanced=True)
        self.ids: tuple[str, ...] = self._model.labels
        self._seen: dict[str, list[float]] = {}

    def probabilities(self, prepared: str) -> list[float]:
        """One probability per entry id (in `ids` order); a message read several times in a
        turn (its clauses, a follow-up) is computed once."""
        found = self._seen.get(prepared)
        if found is None:
            found = self._model.probabilities(prepared)
            if len(self._seen) >= SEEN:
                self._seen.clear()
            self._seen[prepared] = found
        return found


def train(
    entries: Iterable[tuple[str, Iterable[str]]], prepare: Callable[[str], str]
) -> EntryModel | None:
    """The model for (entry id, its texts) pairs; None for a catalogue too large or too small
    to train one at start."""
    texts: list[str] = []
    labels: list[str] = []
    for entry_id, lines in entries:
        for line in lines:
            prepared = prepare(line)
            if prepared:
                texts.append(prepared)
                labels.append(entry_id)
    distinct = len(set(labels))
    if distinct < 2 or distinct > MAX_ENTRIES:
        return None
    return EntryModel(texts, labels)
