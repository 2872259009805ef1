"""The vectorised pieces every EM consolidator shares: E-step, soft confusion counts, the tie rule.

Conventions: a posterior is an (objects, classes) array; a confusion array is (workers, true class, given class)
with rows that sum to 1. Both steps are one `np.bincount` over answers x classes, so an iteration costs O(n K) with no
Python loop over answers, objects or workers.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping

import numpy as np

from shared.domain.consolidation.encoding import EncodedAnswers

TIE_TOLERANCE = 1e-9
"""Classes whose posterior is within this of the maximum count as tied; the smallest index wins (as in MajorityVote)."""

LOG_FLOOR = 1e-300


def argmax_smallest(posterior: np.ndarray, tolerance: float = TIE_TOLERANCE) -> np.ndarray:
    """Row-wise argmax; among classes within `tolerance` of the row maximum, the smallest class index.

    A plain argmax already prefers the first maximum, but two classes that are tied in exact arithmetic can differ
    in the last bit after floating-point sums; the tolerance makes the documented rule hold anyway.
    """
    if posterior.size == 0:
        return np.zeros(posterior.shape[0], dtype=np.int64)
    top = posterior.max(axis=1, keepdims=True)
    return np.argmax(posterior >= top - tolerance, axis=1).astype(np.int64)


def one_coin(accuracy: float | np.ndarray, n_classes: int) -> np.ndarray:
    """Ground Truth's init-style matrix M(a): `a` on the diagonal, (1 - a) / (K - 1) elsewhere.

    A vector of accuracies gives a stack of matrices, one per entry.
    """
    acc = np.asarray(accuracy, dtype=float)
    k = n_classes
    off = (1.0 - acc) / (k - 1) if k > 1 else np.zeros_like(acc)
    out = np.broadcast_to(off[..., None, None], (*acc.shape, k, k)).copy()
    idx = np.arange(k)
    out[..., idx, idx] = acc[..., None]
    return out


class EStepper:
    """Precomputed index arrays for one encoded batch, so each EM iteration is two bincounts."""

    def __init__(self, enc: EncodedAnswers) -> None:
        k = enc.n_classes
        self.enc = enc
        self.k = k
        classes = np.arange(k)
        self._given = enc.workers * k + enc.labels  # row of the (worker, given) table for each answer
        self._object_cells = (enc.objects[:, None] * k + classes).ravel()
        self._count_cells = (self._given[:, None] * k + classes).ravel()

    def posterior(self, log_confusion: np.ndarray, log_prior: np.ndarray) -> tuple[np.ndarray, float]:
        """E-step: p_i(c) proportional to prior(c) * prod_j C_j[c, l_ij]; returns (posterior, log-likelihood)."""
        enc, k = self.enc, self.k
        table = log_confusion.transpose(0, 2, 1).reshape(-1, k)  # [(worker, given), true]
        contrib = table[self._given]
        logp = np.bincount(self._object_cells, weights=contrib.ravel(), minlength=enc.n_objects * k)
        logp = logp.reshape(enc.n_objects, k) + log_prior
        top = logp.max(axis=1, keepdims=True)
        p = np.exp(logp - top)
        total = p.sum(axis=1, keepdims=True)
        return p / total, float((np.log(total) + top).sum())

    def soft_counts(self, posterior: np.ndarray) -> np.ndarray:
        """M-step statistics: C[j, c, l] = sum of p_i(c) over worker j's answers with label l."""
        enc, k = self.enc, self.k
        weights = posterior[enc.objects].ravel()
        counts = np.bincount(self._count_cells, weights=weights, minlength=enc.n_workers * k * k)
        return counts.reshape(enc.n_workers, k, k).transpose(0, 2, 1)


def vote_shares(enc: EncodedAnswers) -> np.ndarray:
    """Majority-vote posterior: each class's share of the object's answers (the usual EM starting point)."""
    votes = enc.votes()
    total = votes.sum(axis=1, keepdims=True)
    return np.divide(votes, total, out=np.full_like(votes, 1.0 / enc.n_classes), where=total > 0)


def safe_log(x: np.ndarray) -> np.ndarray:
    return np.log(np.maximum(x, LOG_FLOOR))


def normalise_rows(counts: np.ndarray, floor: float = 1e-10) -> np.ndarray:
    """Rows to probabilities; an all-zero row becomes uniform (no evidence about that true class)."""
    c = np.maximum(counts, floor)
    return c / c.sum(axis=-1, keepdims=True)


def history_counts(enc: EncodedAnswers, prior_confusions: Mapping[Hashable, np.ndarray] | None,
                   weight: float | Mapping[Hashable, float],
                   class_prior: np.ndarray | None = None) -> np.ndarray | None:
    """Pseudo-counts carrying each known labeler's confusion matrix from earlier batches or jobs.

    A seeded matrix S_j counts as `w_j` past answers spread over true classes like the class prior
    (uniform if none is given): row c gets w_j * prior(c) * S_j[c, :]. Workers without a seed get nothing.
    """
    if not prior_confusions:
        return None
    k = enc.n_classes
    prior = np.full(k, 1.0 / k) if class_prior is None else np.asarray(class_prior, dtype=float)
    out = np.zeros((enc.n_workers, k, k))
    index = {w: j for j, w in enumerate(enc.worker_ids)}
    for worker, matrix in prior_confusions.items():
        j = index.get(worker)
        if j is None:
            continue
        m = np.asarray(matrix, dtype=float)
        if m.shape != (k, k):
            raise ValueError(f"prior confusion for worker {worker!r} has shape {m.shape}, expected {(k, k)}")
        m = normalise_rows(m)
        w = float(weight.get(worker, 0.0)) if isinstance(weight, Mapping) else float(weight)
        if w < 0:
            raise ValueError("prior confusion weight must be >= 0")
        out[j] = w * prior[:, None] * m
    return out


class EMResult:
    """What one EM run leaves behind: final posterior, the parameters that produced it, and how it stopped."""

    def __init__(self, posterior: np.ndarray, confusion: np.ndarray, class_prior: np.ndarray, log_likelihood: float,
                 n_iter: int) -> None:
        self.posterior = posterior
        self.confusion = confusion
        self.class_prior = class_prior
        self.log_likelihood = log_likelihood
        self.n_iter = n_iter


def run_em(stepper: EStepper, posterior: np.ndarray, m_step: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]],
           max_iter: int, tol: float) -> EMResult:
    """Alternate `m_step(posterior) -> (confusion, class prior)` and the E-step from a starting posterior.

    Stops after `max_iter` M-steps or when the log-likelihood changes by less than `tol` relative to its size.
    The returned posterior is always the E-step of the returned parameters.
    """
    previous: float | None = None
    confusion = prior = np.empty(0)
    log_likelihood = 0.0
    n_iter = 0
    for n_iter in range(1, max_iter + 1):  # noqa: B007 - n_iter is reported
        confusion, prior = m_step(posterior)
        posterior, log_likelihood = stepper.posterior(safe_log(confusion), safe_log(prior))
        if previous is not None and abs(log_likelihood - previous) <= tol * abs(previous):
            break
        previous = log_likelihood
    return EMResult(posterior, confusion, prior, log_likelihood, n_iter)
