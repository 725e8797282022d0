"""A small text classifier for short Vietnamese messages, shared by the act classifier and the
entry model: TF-IDF over character n-grams (2-5, robust to typos and missing marks) and word
pairs, and a linear classifier with logistic loss (scikit-learn), trained at start.

Predicting one message through scikit-learn's `transform` and `predict_proba` costs about
2 ms, most of it input checks for batch use. `probabilities` does the same arithmetic for one
short text with the fitted vocabularies, idf weights and coefficients (sublinear tf, idf, l2
norm per vectoriser, then the one-vs-rest logistic link): a tenth of the time, and
`tests/test_textmodel.py` checks it equals scikit-learn's own result.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np


class TextClassifier:
    """Labels for short, already folded texts."""

    def __init__(
        self, texts: Sequence[str], labels: Sequence[str], alpha: float, balanced: bool = False
    ) -> None:
        # scikit-learn loads only where a model is trained: commands that never read a
        # resident's message (backups, staff accounts) start without it.
        from scipy import sparse
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import SGDClassifier

        self.vectorizers = (
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
            TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True),
        )
        features = sparse.hstack([v.fit_transform(texts) for v in self.vectorizers]).tocsr()
        self.classifier = SGDClassifier(
            loss="log_loss",
            alpha=alpha,
            max_iter=30,
            tol=None,
            random_state=0,
            class_weight="balanced" if balanced else None,
        ).fit(features, labels)
        self.labels: tuple[str, ...] = tuple(self.classifier.classes_)
        self._parts = []
        offset = 0
        for vectorizer in self.vectorizers:
            vocabulary = vectorizer.vocabulary_
            self._parts.append((vectorizer.build_analyzer(), vocabulary, vectorizer.idf_, offset))
            offset += len(vocabulary)
        # (features x labels), row-major: one message's features gather whole rows.
        self._weights = np.ascontiguousarray(self.classifier.coef_.T)
        self._intercept = self.classifier.intercept_.copy()

    def probabilities(self, text: str) -> np.ndarray:
        """One probability per label (in `labels` order) for one folded text."""
        rows: list[int] = []
        values: list[float] = []
        for analyze, vocabulary, idf, offset in self._parts:
            counts = Counter(i for g in analyze(text) if (i := vocabulary.get(g)) is not None)
            weighted = {i: (1.0 + math.log(c)) * idf[i] for i, c in counts.items()}
            norm = math.sqrt(sum(v * v for v in weighted.values())) or 1.0
            rows += [offset + i for i in weighted]
            values += [v / norm for v in weighted.values()]
        scores = self._intercept.copy()
        if rows:
            scores += np.asarray(values) @ self._weights[rows]
        if len(self.labels) == 2:  # scikit-learn's binary case: one column of scores
            positive = 1.0 / (1.0 + math.exp(-float(scores[0])))
            return np.array([1.0 - positive, positive])
        probabilities = 1.0 / (1.0 + np.exp(-scores))
        return probabilities / probabilities.sum()

    def reference(self, text: str) -> np.ndarray:
        """scikit-learn's own probabilities for one text (what `probabilities` must equal)."""
        from scipy import sparse

        row = sparse.hstack([v.transform([text]) for v in self.vectorizers]).tocsr()
        return self.classifier.predict_proba(row)[0]
