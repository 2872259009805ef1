"""Worker-weighted vote: a worker's vote counts by how often they agree with the consensus, re-estimated a few rounds.

Round 0 is the plain majority vote. Each later round sets a worker's weight to their smoothed agreement with the
current consensus, (agreements + 1) / (answers + 2) — Laplace smoothing, so a worker with one answer gets a weight
near 1/2 rather than 0 or 1 — and recomputes the weighted vote. With `weighting="log_odds"` the weight is
log((K - 1) * a / (1 - a)) for smoothed agreement a instead (the Bayes-optimal weight under a one-coin model; a
worker at chance level gets 0 and a worse-than-chance worker a negative weight). Agreement is counted against the
consensus label of each object (ties to the smallest index), as Crowd-Kit's Wawa does, and is fast and stable where
EM is not; it cannot learn asymmetric confusions.

Probability = each class's share of the object's total weight (softmax of the scores for `log_odds`).
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from shared.domain.consolidation.array_model import ArrayConsolidator
from shared.domain.consolidation.em import argmax_smallest, one_coin, vote_shares
from shared.domain.consolidation.encoding import EncodedAnswers


class WeightedVote(ArrayConsolidator):
    """Fitted: `weights_` (worker id -> weight), `weight_` (array by worker index), `agreement_` (worker id ->
    smoothed agreement rate), `n_rounds_`, and — so that it can stand in for an EM model, e.g. as the collapse
    guard's fallback feeding dynamic overlap — `confusions_` (the one-coin matrix of each worker's agreement rate)
    and `class_prior_` (mean posterior)."""

    def __init__(self, n_rounds: int = 5, weighting: Literal["agreement", "log_odds"] = "agreement") -> None:
        if n_rounds < 0:
            raise ValueError("n_rounds must be >= 0")
        if weighting not in ("agreement", "log_odds"):
            raise ValueError(f"unknown weighting {weighting!r}")
        self.n_rounds = n_rounds
        self.weighting = weighting

    def _scores(self, enc: EncodedAnswers, weight: np.ndarray) -> np.ndarray:
        k = enc.n_classes
        return np.bincount(enc.objects * k + enc.labels, weights=weight[enc.workers],
                           minlength=enc.n_objects * k).reshape(-1, k)

    def _fit_encoded(self, enc: EncodedAnswers) -> np.ndarray:
        k = enc.n_classes
        weight = np.ones(enc.n_workers)
        proba = vote_shares(enc)
        consensus = argmax_smallest(proba)
        n_answers = enc.answers_per_worker()
        rate = np.full(enc.n_workers, 0.5)
        rounds = 0
        for rounds in range(1, self.n_rounds + 1):  # noqa: B007 - reported as n_rounds_
            agree = np.bincount(enc.workers, weights=(enc.labels == consensus[enc.objects]).astype(float),
                                minlength=enc.n_workers)
            rate = (agree + 1.0) / (n_answers + 2.0)
            weight = rate if self.weighting == "agreement" else np.log(max(k - 1, 1) * rate / (1.0 - rate))
            scores = self._scores(enc, weight)
            new = argmax_smallest(scores)
            changed = bool((new != consensus).any())
            consensus = new
            if not changed:
                break
        scores = self._scores(enc, weight)
        if self.weighting == "agreement":
            total = scores.sum(axis=1, keepdims=True)
            proba = np.divide(scores, total, out=np.full_like(scores, 1.0 / k), where=total > 0)
        else:
            z = scores - scores.max(axis=1, keepdims=True)
            proba = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
        if self.n_rounds == 0:  # still report how often each worker agrees with the plain vote
            agree = np.bincount(enc.workers, weights=(enc.labels == consensus[enc.objects]).astype(float),
                                minlength=enc.n_workers)
            rate = (agree + 1.0) / (n_answers + 2.0)
        self.weight_ = weight
        self.weights_ = dict(zip(enc.worker_ids, weight.tolist(), strict=True))
        self.agreement_ = dict(zip(enc.worker_ids, rate.tolist(), strict=True))
        self.confusions_ = dict(zip(enc.worker_ids, one_coin(rate, k), strict=True))
        self.class_prior_ = proba.mean(axis=0)
        self.n_rounds_ = rounds
        return proba
