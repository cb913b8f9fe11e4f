"""Which transcripts to extract scenarios from: the first N, a random N, or N diverse ones (k-means on
TF-IDF vectors of what the customers wrote, one transcript per cluster) so rare situations are not
crowded out by the most common one."""

from __future__ import annotations

import math
import random
import re
from collections import Counter

import numpy as np
from scipy.cluster.vq import kmeans2

from sparring.data_model import CustomerTurn
from sparring.transcripts import Transcript

SAMPLING = ("first", "random", "diverse")


def _words(transcript: Transcript) -> list[str]:
    text = " ".join(t.content for t in transcript.turns if isinstance(t, CustomerTurn)).lower()
    text = re.sub(r"\[[a-z]+_\d+\]", " ", text)  # placeholders say nothing about the situation
    return [w for w in re.findall(r"[a-z][a-z']+", text) if len(w) > 2]


def tfidf(transcripts: list[Transcript]) -> np.ndarray:
    documents = [Counter(_words(t)) for t in transcripts]
    frequency = Counter(word for doc in documents for word in doc)
    vocabulary = sorted(w for w, n in frequency.items() if n >= 2) or sorted(frequency)
    index = {w: i for i, w in enumerate(vocabulary)}
    matrix = np.zeros((len(transcripts), max(1, len(vocabulary))))
    for row, doc in enumerate(documents):
        for word, count in doc.items():
            if word in index:
                matrix[row, index[word]] = (1 + math.log(count)) * math.log(len(transcripts) / frequency[word]) + 1e-9
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1, norms)


def sample_transcripts(
    transcripts: list[Transcript], n: int | None, how: str = "first", seed: int = 0
) -> list[Transcript]:
    if how not in SAMPLING:
        raise ValueError(f"unknown sampling {how!r}; one of {', '.join(SAMPLING)}")
    if n is None or n >= len(transcripts):
        return list(transcripts)
    if how == "first":
        return transcripts[:n]
    if how == "random":
        return random.Random(seed).sample(transcripts, n)
    vectors = tfidf(transcripts)
    centroids, labels = kmeans2(vectors, n, seed=seed, minit="++")
    chosen: list[int] = []
    for cluster in range(n):
        members = np.flatnonzero(labels == cluster)
        if len(members):
            distances = np.linalg.norm(vectors[members] - centroids[cluster], axis=1)
            chosen.append(int(members[np.argmin(distances)]))
    # Empty clusters: add the transcripts farthest from everything chosen so far.
    while len(chosen) < n:
        rest = [i for i in range(len(transcripts)) if i not in chosen]
        gaps = [min(float(np.linalg.norm(vectors[i] - vectors[j])) for j in chosen) if chosen else 0.0 for i in rest]
        chosen.append(rest[int(np.argmax(gaps))])
    return [transcripts[i] for i in sorted(chosen)]
