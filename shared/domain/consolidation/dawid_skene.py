"""Ground Truth's modified Dawid-Skene (docs/ground-truth.md §5.1), vectorised, with confusion matrices that can be
carried from one batch or job to the next.

The recipe, as AWS published it:
- every worker starts with M(0.7): 0.7 on the diagonal, 0.3 / (K - 1) elsewhere; the class prior starts uniform;
- E-step: p_i(c) proportional to prior(c) * prod_j C_j[c, l_ij]; the prior is then replaced by the class marginal;
- M-step: soft counts C_j[c, l] += p_i(c); acc_j = trace(C_j) / n_j; add the Dirichlet pseudo-counts
  n_j * M(acc_j) + (n_j / 2) * M(global_acc) and normalise rows; global_acc (0.7 at first) becomes the mean worker
  accuracy;
- at most 20 epochs, or stop when the log-likelihood changes by less than 1e-8 relative.

The pseudo-counts are 1.5 n_j per row against n_j real answers in all rows together, so each worker's matrix stays
close to a one-coin matrix: robust for sparse workers (Ground Truth's 5 workers per object), but it inherits the
one-coin failure modes (asymmetric errors, collapse on relevance-style data) — see `collapse_guard.py`.

`pseudo_counts="none"` and `init="majority_vote"` give the classic maximum-likelihood Dawid-Skene instead
(what Crowd-Kit's `DawidSkene` computes), for comparison and for the binary sub-problems of multi-label jobs.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Literal

import numpy as np

from shared.domain.consolidation.array_model import ArrayConsolidator
from shared.domain.consolidation.em import (
    EStepper,
    history_counts,
    normalise_rows,
    one_coin,
    run_em,
    safe_log,
    vote_shares,
)
from shared.domain.consolidation.encoding import EncodedAnswers


class DawidSkene(ArrayConsolidator):
    """Full confusion-matrix Dawid-Skene; defaults are exactly Ground Truth's published variant.

    prior_confusions: worker id -> (K, K) row-stochastic matrix from earlier batches/jobs. It is the worker's
        starting matrix and also enters every M-step as `prior_weight` past answers (see `em.history_counts`), so a
        labeler seen on thousands of objects keeps that evidence when a new batch holds only a few of their answers.
    prior_weight: pseudo-answers per seeded worker (a number, or a mapping worker id -> number, e.g. their answer
        count so far).

    Fitted: `confusions_` (worker id -> matrix), `confusion_` (workers, K, K), `class_prior_`, `worker_accuracy_`,
    `log_likelihood_`, `n_iter_` (M-steps run), plus the `ArrayConsolidator` attributes.
    """

    def __init__(self, initial_accuracy: float = 0.7, max_epochs: int = 20, tol: float = 1e-8,
                 pseudo_counts: Literal["ground_truth", "none"] = "ground_truth",
                 init: Literal["one_coin", "majority_vote"] = "one_coin",
                 prior_confusions: Mapping[Hashable, np.ndarray] | None = None,
                 prior_weight: float | Mapping[Hashable, float] = 10.0) -> None:
        if not 0.0 < initial_accuracy < 1.0:
            raise ValueError("initial_accuracy must be in (0, 1)")
        if pseudo_counts not in ("ground_truth", "none"):
            raise ValueError(f"unknown pseudo_counts {pseudo_counts!r}")
        if init not in ("one_coin", "majority_vote"):
            raise ValueError(f"unknown init {init!r}")
        self.initial_accuracy = initial_accuracy
        self.max_epochs = max_epochs
        self.tol = tol
        self.pseudo_counts = pseudo_counts
        self.init = init
        self.prior_confusions = prior_confusions
        self.prior_weight = prior_weight

    def _fit_encoded(self, enc: EncodedAnswers) -> np.ndarray:
        k, n_workers = enc.n_classes, enc.n_workers
        if k == 1:
            return self._trivial(enc)
        stepper = EStepper(enc)
        history = history_counts(enc, self.prior_confusions, self.prior_weight)
        start = np.broadcast_to(one_coin(self.initial_accuracy, k), (n_workers, k, k)).copy()
        if self.prior_confusions:
            index = {w: j for j, w in enumerate(enc.worker_ids)}
            for worker, matrix in self.prior_confusions.items():
                if worker in index:
                    start[index[worker]] = normalise_rows(np.asarray(matrix, dtype=float))
        if self.init == "one_coin":
            posterior, _ = stepper.posterior(safe_log(start), np.full(k, -np.log(k)))
        else:
            posterior = vote_shares(enc)
        state = {"global_accuracy": self.initial_accuracy}

        def m_step(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            prior = p.mean(axis=0)
            counts = stepper.soft_counts(p)
            if history is not None:
                counts = counts + history
            if self.pseudo_counts == "ground_truth":
                n = counts.sum(axis=(1, 2))
                accuracy = np.divide(np.trace(counts, axis1=1, axis2=2), n, out=np.full(n_workers,
                                     state["global_accuracy"]), where=n > 0)
                counts = (counts + n[:, None, None] * one_coin(accuracy, k)
                          + (n / 2)[:, None, None] * one_coin(state["global_accuracy"], k))
                state["global_accuracy"] = float(accuracy.mean())
            return normalise_rows(counts), prior

        result = run_em(stepper, posterior, m_step, self.max_epochs, self.tol)
        self._store(enc, result.confusion, result.class_prior, result.log_likelihood, result.n_iter)
        return result.posterior

    def _trivial(self, enc: EncodedAnswers) -> np.ndarray:
        self._store(enc, np.ones((enc.n_workers, 1, 1)), np.ones(1), 0.0, 0)
        return np.ones((enc.n_objects, 1))

    def _store(self, enc: EncodedAnswers, confusion: np.ndarray, prior: np.ndarray, log_likelihood: float,
               n_iter: int) -> None:
        self.confusion_ = confusion
        self.confusions_ = dict(zip(enc.worker_ids, confusion, strict=True))
        self.class_prior_ = prior
        self.worker_accuracy_ = dict(zip(enc.worker_ids, (confusion.diagonal(axis1=1, axis2=2) @ prior).tolist(),
                                         strict=True))
        self.log_likelihood_ = log_likelihood
        self.n_iter_ = n_iter
