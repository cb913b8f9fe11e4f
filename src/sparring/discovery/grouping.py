"""Descriptions into themes, offline: TF-IDF vectors of the words (scikit-learn; no model download,
deterministic, fast on 2 cores), reduced by truncated SVD when large, grouped by average-linkage
hierarchical clustering on cosine distance (scipy), the tree cut where the average distance between two
groups reaches DISTANCE_THRESHOLD: that cut decides the number of themes. (Choosing k by the best
silhouette was tried: near-identical descriptions then score best split by exact wording.) The silhouette
(scikit-learn) of the result is reported as a quality figure."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import normalize

DISTANCE_THRESHOLD = 0.8  # cosine distance (average linkage) at which two groups stay apart
SVD_DIMENSIONS = 100  # above this many terms and descriptions, vectors are reduced first
SILHOUETTE_SAMPLE = 2000  # descriptions the silhouette is computed on (seeded sample), so 10,000 stay fast
# Words every failure description shares: they say nothing about which failure it is.
DOMAIN_STOP_WORDS = frozenset({"agent", "customer", "customers", "told", "said", "user"})


@dataclass
class Grouping:
    """Theme number per description, the vectors they were grouped on, and how the count was chosen."""

    labels: list[int]
    vectors: np.ndarray
    terms: list[list[str]]  # per theme, its most weighted words
    silhouette: float | None

    @property
    def themes(self) -> int:
        """How many themes were found."""
        return len(set(self.labels))


def _vectors(texts: list[str], seed: int) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(unit vectors to cluster, TF-IDF matrix, vocabulary). An empty vocabulary gives one shared vector."""
    vectorizer = TfidfVectorizer(stop_words=sorted(ENGLISH_STOP_WORDS | DOMAIN_STOP_WORDS), sublinear_tf=True)
    try:
        tfidf = vectorizer.fit_transform(texts)
    except ValueError:  # only stop words: nothing to tell them apart by
        return np.ones((len(texts), 1)), np.ones((len(texts), 1)), ["(no words)"]
    vocabulary = list(vectorizer.get_feature_names_out())
    if tfidf.shape[1] > SVD_DIMENSIONS and len(texts) > SVD_DIMENSIONS:
        dense = TruncatedSVD(SVD_DIMENSIONS, random_state=seed).fit_transform(tfidf)
    else:
        dense = tfidf.toarray()
    # A tiny shared component keeps all-zero rows (nothing but stop words) defined under cosine distance.
    dense = np.hstack([dense, np.full((len(texts), 1), 1e-9)])
    return normalize(dense), tfidf, vocabulary


def _silhouette(vectors: np.ndarray, labels: np.ndarray, seed: int) -> float | None:
    """The grouping's silhouette (cosine; on a seeded sample of at most SILHOUETTE_SAMPLE), when defined."""
    if not 2 <= len(set(labels)) <= len(labels) - 1:
        return None
    sample = min(len(labels), SILHOUETTE_SAMPLE)
    return float(silhouette_score(vectors, labels, metric="cosine", sample_size=sample, random_state=seed))


def _top_terms(tfidf: np.ndarray, vocabulary: list[str], members: np.ndarray, count: int = 4) -> list[str]:
    weights = np.asarray(tfidf[members].mean(axis=0)).ravel()
    return [vocabulary[i] for i in np.argsort(-weights, kind="stable")[:count] if weights[i] > 0]


def group_descriptions(texts: list[str], seed: int = 0, threshold: float = DISTANCE_THRESHOLD) -> Grouping:
    """Themes for `texts`, numbered 0.. by size (largest first, ties by first appearance)."""
    vectors, tfidf, vocabulary = _vectors(texts, seed)
    if len(texts) == 1:
        return Grouping([0], vectors, [_top_terms(tfidf, vocabulary, np.array([0]))], None)
    raw = fcluster(linkage(vectors, method="average", metric="cosine"), threshold, "distance")
    score = _silhouette(vectors, raw, seed)
    order = sorted(set(raw), key=lambda c: (-int(np.sum(raw == c)), int(np.argmax(raw == c))))
    renumber = {c: i for i, c in enumerate(order)}
    labels = [renumber[c] for c in raw]
    terms = [_top_terms(tfidf, vocabulary, np.flatnonzero(raw == c)) for c in order]
    return Grouping(labels, vectors, terms, score)


def representatives(grouping: Grouping, theme: int, count: int = 3) -> list[int]:
    """Indices of the theme's `count` members closest (cosine) to its centre."""
    members = np.flatnonzero(np.array(grouping.labels) == theme)
    centre = grouping.vectors[members].mean(axis=0)
    similarity = grouping.vectors[members] @ centre
    return [int(members[i]) for i in np.argsort(-similarity, kind="stable")[:count]]
