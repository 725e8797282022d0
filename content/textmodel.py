"""A small text classifier for short Vietnamese messages, shared by the act classifier and the
entry model: TF-IDF over character n-grams (2-5, robust to typos and missing marks) and word
pairs, and a linear classifier with logistic loss (scikit-learn), trained at start.

scikit-learn (with SciPy, about 90 MB) is needed to fit, not to predict. So a model is fitted
in a short-lived child process (`python -m content.textmodel`), which hands back the
vocabularies, idf weights and coefficients; the server never loads scikit-learn. Predicting
does the same arithmetic as scikit-learn's `transform` and `predict_proba` for one short text
(sublinear tf, idf, l2 norm per vectoriser, then the one-vs-rest logistic link), with the
n-grams cut as scikit-learn's analysers cut them: `tests/test_textmodel.py` checks both
against scikit-learn itself. The fitted numbers come back as plain `array.array`s and
prediction is pure Python, so the server does not load NumPy either (about 17 MB). The
coefficients are kept as float32 (the entry model's are 2 million numbers: 8.7 MB instead of
17.3 MB in every ward process); the sums are still taken in double precision, and the
probabilities stay within 1e-7 of scikit-learn's, the same label first.
"""

from __future__ import annotations

import hashlib
import math
import os
import pickle
import re
import subprocess
import sys
from array import array
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from itertools import accumulate
from operator import mul
from pathlib import Path

CHAR_RANGE, WORD_RANGE = (2, 5), (1, 2)
WORD = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token pattern
SPACES = re.compile(r"\s\s+")
FIT_VERSION = "2"  # bump when fit_here changes how it fits: kept models are then refitted
CACHE_KEEP = 24  # fitted models kept: every ward catalogue and act set of a deployment, with room
EXP_MAX = 709.0  # math.exp overflows just above; the logistic of -709 is ~1e-308 anyway


def char_wb_ngrams(text: str, low: int = CHAR_RANGE[0], high: int = CHAR_RANGE[1]) -> list[str]:
    """Character n-grams inside word boundaries, padded with a space (analyzer="char_wb")."""
    grams: list[str] = []
    for word in SPACES.sub(" ", text.lower()).split():
        padded = f" {word} "
        for n in range(low, high + 1):
            offset = 0
            grams.append(padded[offset : offset + n])
            while offset + n < len(padded):
                offset += 1
                grams.append(padded[offset : offset + n])
            if offset == 0:  # a short word is counted once
                break
    return grams


def word_ngrams(text: str, low: int = WORD_RANGE[0], high: int = WORD_RANGE[1]) -> list[str]:
    """Words of two letters or more, and runs of them up to `high` (analyzer="word")."""
    tokens = WORD.findall(text.lower())
    grams = list(tokens) if low == 1 else []
    for n in range(max(low, 2), min(high, len(tokens)) + 1):
        grams += [" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
    return grams


ANALYZERS: tuple[Callable[[str], list[str]], ...] = (char_wb_ngrams, word_ngrams)


@dataclass(frozen=True)
class Fitted:
    """What prediction needs of a fitted model: per analyser its vocabulary and idf weights,
    then the coefficients (features x labels, row-major in one flat array) and intercepts.
    Only the standard library's types, so it unpickles without NumPy."""

    labels: tuple[str, ...]
    vocabularies: tuple[dict[str, int], ...]
    idfs: tuple[array[float], ...]
    weights: array[float]
    intercept: array[float]


def fit_here(
    texts: Sequence[str], labels: Sequence[str], alpha: float, balanced: bool = False
) -> tuple[Fitted, tuple[object, ...]]:
    """Fit with scikit-learn in this process: the model, and scikit-learn's own vectorisers
    and classifier (for comparing with them)."""
    from scipy import sparse
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import SGDClassifier

    vectorizers = (
        TfidfVectorizer(analyzer="char_wb", ngram_range=CHAR_RANGE, sublinear_tf=True),
        TfidfVectorizer(analyzer="word", ngram_range=WORD_RANGE, sublinear_tf=True),
    )
    features = sparse.hstack([v.fit_transform(texts) for v in vectorizers]).tocsr()
    classifier = SGDClassifier(
        loss="log_loss",
        alpha=alpha,
        max_iter=30,
        tol=None,
        random_state=0,
        class_weight="balanced" if balanced else None,
    ).fit(features, labels)
    fitted = Fitted(
        labels=tuple(str(label) for label in classifier.classes_),
        vocabularies=tuple(
            {str(k): int(i) for k, i in v.vocabulary_.items()} for v in vectorizers
        ),
        idfs=tuple(_numbers(v.idf_, "d") for v in vectorizers),
        # (features x labels), row-major: one message's features gather whole rows. One flat
        # array: 4 bytes a number and no object per row (20,000 rows for the entry model).
        weights=_numbers(classifier.coef_.T, "f"),
        intercept=_numbers(classifier.intercept_, "d"),
    )
    return fitted, (*vectorizers, classifier)


def _numbers(values: object, typecode: str) -> array[float]:
    """A NumPy array's numbers as a flat `array.array` (C order): "d" keeps them bit for bit,
    "f" rounds them to float32."""
    import numpy as np

    dtype = {"d": np.float64, "f": np.float32}[typecode]
    return array(typecode, np.ascontiguousarray(values, dtype=dtype).tobytes())


def cache_folder() -> Path | None:
    """Where fitted models are kept between starts: $WARD_BOT_MODEL_CACHE, else the user's
    cache folder; "off" keeps none."""
    chosen = os.environ.get("WARD_BOT_MODEL_CACHE")
    if chosen == "off":
        return None
    if chosen:
        return Path(chosen)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ward-bot-models"


def fit_apart(
    texts: Sequence[str], labels: Sequence[str], alpha: float, balanced: bool = False
) -> Fitted:
    """Fit in a child process, so this one never loads scikit-learn and SciPy. The same
    examples fitted by the same scikit-learn give the same numbers (the fit is seeded), so
    a fitted model is kept in the cache folder under a digest of all that, and a restart,
    another ward process or a test run with unchanged examples reads it instead of fitting
    again (seconds each time)."""
    job = pickle.dumps((list(texts), list(labels), alpha, balanced))
    folder = cache_folder()
    if folder is None:
        return _fit_in_child(job)
    digest = hashlib.sha256(job + FIT_VERSION.encode() + _sklearn_version().encode())
    path = folder / f"{digest.hexdigest()}.pickle"
    try:
        kept = pickle.loads(path.read_bytes())  # written by this code, in the user's folder
        if isinstance(kept, Fitted):
            os.utime(path)  # recently used: kept when older ones are pruned
            return kept
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError):
        pass  # not kept yet, or unreadable: fit again
    fitted = _fit_in_child(job)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.part")
        partial.write_bytes(pickle.dumps(fitted))
        partial.replace(path)  # atomic: a concurrent reader sees all of it or nothing
        _prune(folder)
    except OSError:
        pass  # a read-only home only costs the next start a fit
    return fitted


def _prune(folder: Path) -> None:
    """Keep the most recently used models only (each is megabytes; examples change)."""
    kept = sorted(folder.glob("*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in kept[CACHE_KEEP:]:
        old.unlink(missing_ok=True)


def _sklearn_version() -> str:
    try:
        return metadata.version("scikit-learn")
    except metadata.PackageNotFoundError:
        return "?"


def _fit_in_child(job: bytes) -> Fitted:
    done = subprocess.run(
        [sys.executable, "-m", "content.textmodel"], input=job, capture_output=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"fitting a text model failed: {done.stderr.decode()[-500:]}")
    fitted = pickle.loads(done.stdout)  # our own child's answer
    assert isinstance(fitted, Fitted)
    return fitted


class TextClassifier:
    """Labels for short, already folded texts."""

    def __init__(self, fitted: Fitted) -> None:
        self.labels = fitted.labels
        offsets = accumulate(map(len, fitted.vocabularies[:-1]), initial=0)
        self._parts = list(zip(ANALYZERS, fitted.vocabularies, fitted.idfs, offsets, strict=True))
        self._weights = fitted.weights
        self._intercept = fitted.intercept.tolist()
        self._width = len(self._intercept)  # a row of weights: one per label (1 when binary)

    @classmethod
    def trained(
        cls, texts: Sequence[str], labels: Sequence[str], alpha: float, balanced: bool = False
    ) -> TextClassifier:
        """Fitted in a child process (bot, CLI and tests alike)."""
        return cls(fit_apart(texts, labels, alpha, balanced))

    def probabilities(self, text: str) -> list[float]:
        """One probability per label (in `labels` order) for one folded text."""
        rows: list[int] = []
        values: list[float] = []
        for analyze, vocabulary, idf, offset in self._parts:
            counts = Counter(i for g in analyze(text) if (i := vocabulary.get(g)) is not None)
            weighted = {i: (1.0 + math.log(c)) * idf[i] for i, c in counts.items()}
            norm = math.sqrt(sum(v * v for v in weighted.values())) or 1.0
            rows += [offset + i for i in weighted]
            values += [v / norm for v in weighted.values()]
        width, weights = self._width, self._weights
        if rows:
            # values @ weights[rows]: the message's rows side by side, then per label (a
            # column) one sum of products, all loops in C; rows in order, as a dot product.
            gathered = [weights[r * width : (r + 1) * width] for r in rows]
            dots = [sum(map(mul, values, column)) for column in zip(*gathered, strict=True)]
            scores = [b + d for b, d in zip(self._intercept, dots, strict=True)]
        else:
            scores = list(self._intercept)
        if len(self.labels) == 2:  # scikit-learn's binary case: one column of scores
            positive = 1.0 / (1.0 + math.exp(min(-scores[0], EXP_MAX)))
            return [1.0 - positive, positive]
        # One-vs-rest: each label's logistic, normalised to sum to 1 (predict_proba).
        probabilities = [1.0 / (1.0 + math.exp(min(-s, EXP_MAX))) for s in scores]
        total = sum(probabilities)
        return [p / total for p in probabilities]


def child() -> None:
    """The child's work: a job on stdin, the fitted model on stdout (both pickled)."""
    texts, labels, alpha, balanced = pickle.loads(sys.stdin.buffer.read())
    fitted, _ = fit_here(texts, labels, alpha, balanced)
    sys.stdout.buffer.write(pickle.dumps(fitted))


if __name__ == "__main__":
    # Through the importable module, so the pickled class is content.textmodel.Fitted.
    from content import textmodel

    textmodel.child()
