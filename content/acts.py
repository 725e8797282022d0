"""The dialogue-act classifier: is a message a question, a problem report, a status check, a
request for a person, a wish to learn, a greeting, thanks, or chatter unrelated to the ward?

Word lists miss sentences nobody wrote down ("cây bàng trước trường đổ ngang đường"), so the
act is learned from labelled examples (`content/acts.yaml`) at start (`content/textmodel.py`:
TF-IDF over character n-grams and word pairs, a linear model with logistic loss). Text is
folded and shorthand expanded first, as for the search.
`cross_validate` reports held-out scores; the evaluation corpus in tests/data is a second,
independent held-out set.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from content.normalize import Lexicon
from content.textmodel import TextClassifier
from content.yaml_text import read_yaml

ACTS_PATH = Path(__file__).resolve().parent / "acts.yaml"
ACTS = ("question", "problem", "status", "handover", "learn", "greeting", "thanks", "chatter")
MAX_CHARS = 600  # a long story's act shows in its first sentences; the rest adds cost only
REGULARISATION = 3e-5  # the gradient descent's alpha (higher: smoother)


class ActsError(ValueError):
    """The examples file is not a mapping of known acts to lists of messages."""


def read_examples(path: Path = ACTS_PATH) -> dict[str, list[str]]:
    """The labelled examples, validated: every act known and every example a string."""
    raw = read_yaml(path)
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
        self._lexicon = lexicon
        texts = [self.prepare(text) for items in examples.values() for text in items]
        labels = [act for act, items in examples.items() for _ in items]
        self._model = TextClassifier.trained(texts, labels, alpha=REGULARISATION, balanced=True)
        self.acts: tuple[str, ...] = self._model.labels

    def prepare(self, text: str) -> str:
        """Folded words, shorthand expanded: the form the model reads."""
        return " ".join(self._lexicon.words(text[:MAX_CHARS]))

    def guess(self, text: str) -> ActGuess:
        """The act of one message."""
        probabilities = self._model.probabilities(self.prepare(text))
        best = max(range(len(probabilities)), key=probabilities.__getitem__)  # first on a tie
        table = dict(zip(self.acts, probabilities, strict=True))
        return ActGuess(self.acts[best], probabilities[best], table)


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
