"""EM-collapse guard: refuse an EM result that overturns too many of the objects the crowd clearly agreed on.

EM can converge to a degenerate fixed point — classes swapped, or everything pulled into one class. On the TREC
relevance data Ground Truth's one-coin-like Dawid-Skene scores 0.19, GLAD with a learned class prior 0.27 and
Crowd-Kit's OneCoinDawidSkene 0.26, against 0.54 for a plain vote. The symptom is visible without gold: the model
disagrees with clear majorities.

Definition used here:
- a *clear* object has at least `min_answers` (3) answers and a strict majority (> 1/2 of its answers) on one class;
- disagreement = share of clear objects whose EM label differs from that majority label;
- if disagreement > `max_disagreement` (0.35), the EM result is declared collapsed and the fallback (plain majority
  vote by default) is used for the whole batch.

Why 0.35: a sound model overturns a clear majority only where it has learned that those particular workers are
unreliable. Measured on the eight datasets of bench/consolidation.py, healthy fits overturn at most 27.5% (relevance,
where a few heavy workers answer one constant class; 14% on bluebirds, 10% or less elsewhere), while the collapsed fits
on relevance overturn 40% (GLAD, learned prior) and 60% (Ground Truth's variant). The threshold sits between the two
groups; it was set by looking at those numbers, so it is calibrated on the bench data. With fewer than `min_clear`
clear objects there is nothing to judge by and the EM result is kept.
"""

from __future__ import annotations

import numpy as np

from shared.domain.consolidation.array_model import ArrayConsolidator
from shared.domain.consolidation.em import argmax_smallest
from shared.domain.consolidation.encoding import EncodedAnswers
from shared.domain.consolidation.weighted_vote import WeightedVote


def majority_disagreement(enc: EncodedAnswers, labels: np.ndarray, min_answers: int = 3) -> tuple[float, int]:
    """(share of clear-majority objects whose `labels` entry differs from the majority, number of clear objects)."""
    votes = enc.votes()
    total = votes.sum(axis=1)
    clear = (total >= min_answers) & (votes.max(axis=1) * 2 > total)
    n_clear = int(clear.sum())
    if n_clear == 0:
        return 0.0, 0
    majority = argmax_smallest(votes)
    return float((labels[clear] != majority[clear]).mean()), n_clear


class CollapseGuard(ArrayConsolidator):
    """Fit `model`; if it collapsed (see module doc), use `fallback` instead.

    Fitted: `collapsed_` (bool), `disagreement_` (share of clear objects overturned), `n_clear_`, `model_` (the
    fitted consolidator whose output is returned); attribute access falls through to `model_` (e.g. `confusions_`).
    """

    def __init__(self, model: ArrayConsolidator, fallback: ArrayConsolidator | None = None,
                 max_disagreement: float = 0.35, min_answers: int = 3, min_clear: int = 10) -> None:
        self.model = model
        self.fallback = fallback if fallback is not None else WeightedVote(n_rounds=0)
        self.max_disagreement = max_disagreement
        self.min_answers = min_answers
        self.min_clear = min_clear

    def _fit_encoded(self, enc: EncodedAnswers) -> np.ndarray:
        fitted = self.model.fit_encoded(enc)
        disagreement, n_clear = majority_disagreement(enc, fitted.labels_, self.min_answers)
        self.disagreement_ = disagreement
        self.n_clear_ = n_clear
        self.collapsed_ = n_clear >= self.min_clear and disagreement > self.max_disagreement
        if self.collapsed_:
            fitted = self.fallback.fit_encoded(enc)
        self.model_ = fitted
        return fitted.proba_

    def __getattr__(self, name: str) -> object:
        # Only reached for attributes not set on the guard itself: expose the chosen model's fitted state.
        if name.endswith("_") and not name.startswith("__") and "model_" in self.__dict__:
            return getattr(self.__dict__["model_"], name)
        raise AttributeError(name)
