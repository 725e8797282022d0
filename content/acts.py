"""The dialogue-act classifier: is a message a question, a problem report, a status check, a
request for a person, a wish to learn, a greeting, thanks, or chatter unrelated to the ward?

Word lists miss sentences nobody wrote down ("cây bàng trước trường đổ ngang đường"), so the
act is learned from labelled examples (`content/acts.yaml`) at start: TF-IDF over character
n-grams (robust to typos and missing diacritics) and word pairs, and a logistic regression
(scikit-learn). Text is folded and shorthand expanded first, as for the search.
`cross_validate` reports held-out scores; the evaluation corpus in tests/data is a second,
independent held-out set.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import yaml

from content.normalize import Lexicon, tokenize

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

ACTS_PATH = Path(__file__).resolve().parent / "acts.yaml"
ACTS = ("question", "problem", "status", "handover", "learn", "greeting", "thanks", "chatter")
MAX_CHARS = 600  # a long story's act shows in its first sentences; the rest adds cost only
REGULARISATION = 10.0


class ActsError(ValueError):
    """The examples file is not a mapping of known acts to lists of messages."""


def read_examples(path: Path = ACTS_PATH) -> dict[str, list[str]]:
    """The labelled examples, validated: every act known and every example a string."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise ActsError(f"{path}: expected a mapping of acts to examples")
    unknown = set(raw) - set(ACTS)
    if unknown:
        raise ActsError(f"{path}: unknown acts {sorted(unknown)}")
    examples = {}
    for act, items in raw.items():
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise ActsError(f"{path}: {act} must be a list of messages")
        examples[act] = items
    return examples


@dataclass(frozen=True)
class ActGuess:
    """The most likely act of a message and how sure the classifier is."""

    act: str
    probability: float
    probabilities: Mapping[str, float]


class ActModel:
    """A trained act classifier; built once per process (see load_act_model)."""

    def __init__(self, examples: Mapping[str, Sequence[str]], lexicon: Lexicon) -> None:
        # scikit-learn loads only where a model is trained: commands that never read a
        # resident's message (backups, staff accounts) start without it.
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        self._lexicon = lexicon
        texts = [self.prepare(text) for items in examples.values() for text in items]
        labels = [act for act, items in examples.items() for _ in items]
        self._chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)
        self._words = TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True)
        features = _joined(self._chars.fit_transform(texts), self._words.fit_transform(texts))
        self._classifier = LogisticRegression(
            C=REGULARISATION, max_iter=3000, class_weight="balanced"
        ).fit(features, labels)
        self.acts: tuple[str, ...] = tuple(self._classifier.classes_)

    def prepare(self, text: str) -> str:
        """Folded words, shorthand expanded: the form the model reads."""
        return " ".join(self._lexicon.expand(tokenize(text[:MAX_CHARS])))

    def guess(self, text: str) -> ActGuess:
        """The act of one message."""
        import sklearn

        prepared = self.prepare(text)
        # One short text: sklearn's input checks would cost more than the prediction.
        with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
            row = _joined(self._chars.transform([prepared]), self._words.transform([prepared]))
            probabilities = self._classifier.predict_proba(row)[0]
        best = int(np.argmax(probabilities))
        table = {act: float(p) for act, p in zip(self.acts, probabilities, strict=True)}
        return ActGuess(self.acts[best], float(probabilities[best]), table)


def _joined(chars: csr_matrix, words: csr_matrix) -> csr_matrix:
    from scipy import sparse

    return sparse.hstack([chars, words]).tocsr()


_TRAINED: dict[tuple[Path, int, int], ActModel] = {}


def load_act_model(lexicon: Lexicon, path: Path = ACTS_PATH) -> ActModel:
    """The classifier trained on the examples file; trained once per process while the file
    and the lexicon are unchanged (the wards of a deployment share it)."""
    key = (path, path.stat().st_mtime_ns, id(lexicon))
    model = _TRAINED.get(key)
    if model is None:
        if len(_TRAINED) >= 4:
            _TRAINED.clear()
        model = _TRAINED[key] = ActModel(read_examples(path), lexicon)
    return model


def cross_validate(
    examples: Mapping[str, Sequence[str]], lexicon: Lexicon, folds: int = 5
) -> dict[str, tuple[int, int]]:
    """Held-out scores: each fold's examples guessed by a model trained on the others.
    Returns act -> (right, total)."""
    from sklearn.model_selection import StratifiedKFold

    pairs = [(text, act) for act, items in examples.items() for text in items]
    labels = [act for _, act in pairs]
    table = {act: [0, 0] for act in examples}
    splitter = StratifiedKFold(folds, shuffle=True, random_state=0)
    for train, test in splitter.split(pairs, labels):
        subset: dict[str, list[str]] = {}
        for i in train:
            subset.setdefault(pairs[i][1], []).append(pairs[i][0])
        model = ActModel(subset, lexicon)
        for i in test:
            text, act = pairs[i]
            table[act][0] += model.guess(text).act == act
            table[act][1] += 1
    return {act: (right, total) for act, (right, total) in table.items()}
