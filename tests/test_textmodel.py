"""The learned parts of understanding: the fast prediction equals scikit-learn's own, the act
classifier keeps its held-out score, and the entry model helps the search."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from content.acts import cross_validate, load_act_model, read_examples
from content.normalize import Lexicon
from content.search import SearchIndex

DATA = Path(__file__).parent / "data"


def corpus_questions() -> list[str]:
    found = []
    for path in sorted((DATA / "questions").glob("*.jsonl")):
        found += [json.loads(line)["q"] for line in path.read_text("utf-8").splitlines() if line]
    return found


def test_the_fast_prediction_equals_scikit_learns(lexicon: Lexicon, index: SearchIndex) -> None:
    acts = load_act_model(lexicon)
    entries = index._model
    assert entries is not None
    for question in corpus_questions()[::7]:
        prepared = acts.prepare(question)
        got, want = acts._model.probabilities(prepared), acts._model.reference(prepared)
        assert np.allclose(got, want, atol=1e-9), question
        tokens = " ".join(index.analyze(question).tokens)
        got, want = entries._model.probabilities(tokens), entries._model.reference(tokens)
        assert np.allclose(got, want, atol=1e-9), question


def test_the_act_classifier_scores_on_messages_it_never_saw(lexicon: Lexicon) -> None:
    folds = cross_validate(read_examples(), lexicon)
    right, total = sum(r for r, _ in folds.values()), sum(n for _, n in folds.values())
    assert right / total >= 0.80  # 5-fold cross-validation on acts.yaml


def test_the_entry_model_helps_the_search_on_questions_it_never_saw(index: SearchIndex) -> None:
    """Trained on the catalogue only: every labelled resident question is held out."""
    cases = []
    for path in sorted(DATA.rglob("*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            row = json.loads(line) if line.strip() else {}
            if row.get("entries"):
                cases.append((row["q"], set(row["entries"])))

    def share(learned: bool) -> float:
        hits = 0
        for question, entries in cases:
            best = index.search(question, learned=learned).best
            hits += best is not None and best.doc.id in entries
        return hits / len(cases)

    words, learned = share(False), share(True)
    print(f"\nfirst card right: words {words:.1%}, with the entry model {learned:.1%}")
    assert learned >= words + 0.01  # 82.9% -> 84.7% when last measured
