"""GLAD (Whitehill et al., NIPS 2009, "Whose Vote Should Count More"): worker ability x object difficulty.

Worker j answers object i correctly with probability sigmoid(alpha_j * beta_i), beta_i = exp(b_i) > 0, and otherwise
picks one of the K - 1 wrong classes uniformly. Unlike Dawid-Skene it models that some objects are hard for everyone,
at the price of a one-coin error model. Fitted by EM: the E-step is the usual posterior over true classes; the M-step
maximises the expected log-likelihood in (alpha, b) under Gaussian priors alpha ~ N(1, 1), b ~ N(0, 1) with a few
damped diagonal Newton steps (Crowd-Kit calls scipy's optimiser on pandas frames, hence its 10-100 s run times). The
class prior is uniform and fixed, as in the paper and Crowd-Kit (`class_prior="learned"` re-estimates it). Being a
one-coin model it fails where errors are asymmetric (bluebirds) and can collapse on relevance-style data: put it behind
`CollapseGuard`. Deterministic: starts from the majority-vote shares with alpha = 1, b = 0.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from shared.domain.consolidation.array_model import ArrayConsolidator
from shared.domain.consolidation.em import one_coin, safe_log, vote_shares
from shared.domain.consolidation.encoding import EncodedAnswers


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


class GLAD(ArrayConsolidator):
    """Fitted: `ability_` (worker id -> alpha), `difficulty_` (object id -> 1 / beta), `class_prior_`,
    `confusions_` (one-coin matrix of sigmoid(alpha_j), a worker on an object of average difficulty),
    `log_likelihood_`, `n_iter_`."""

    def __init__(self, max_iter: int = 100, tol: float = 1e-7, newton_steps: int = 5,
                 ability_prior: tuple[float, float] = (1.0, 1.0), log_beta_prior: tuple[float, float] = (0.0, 1.0),
                 class_prior: Literal["uniform", "learned"] = "uniform") -> None:
        if class_prior not in ("uniform", "learned"):
            raise ValueError(f"unknown class_prior {class_prior!r}")
        self.class_prior = class_prior
        self.max_iter = max_iter
        self.tol = tol
        self.newton_steps = newton_steps
        self.ability_prior = ability_prior
        self.log_beta_prior = log_beta_prior

    def _posterior(self, enc: EncodedAnswers, alpha: np.ndarray, b: np.ndarray,
                   log_prior: np.ndarray) -> tuple[np.ndarray, float]:
        k = enc.n_classes
        s = np.clip(_sigmoid(alpha[enc.workers] * np.exp(b[enc.objects])), 1e-12, 1 - 1e-12)
        log_right, log_wrong = np.log(s), np.log((1.0 - s) / max(k - 1, 1))
        logp = np.bincount(enc.objects, weights=log_wrong, minlength=enc.n_objects)[:, None] + log_prior
        logp = logp + np.bincount(enc.objects * k + enc.labels, weights=log_right - log_wrong,
                                  minlength=enc.n_objects * k).reshape(-1, k)
        top = logp.max(axis=1, keepdims=True)
        p = np.exp(logp - top)
        total = p.sum(axis=1, keepdims=True)
        return p / total, float((np.log(total) + top).sum())

    def _m_step(self, enc: EncodedAnswers, q: np.ndarray, alpha: np.ndarray, b: np.ndarray) -> None:
        """Damped diagonal Newton ascent on sum_a q_a log s_a + (1 - q_a) log(1 - s_a) + log priors (in place)."""
        mu_a, var_a = self.ability_prior
        mu_b, var_b = self.log_beta_prior
        obj, wrk = enc.objects, enc.workers
        for _ in range(self.newton_steps):
            beta = np.exp(b[obj])
            s = _sigmoid(alpha[wrk] * beta)
            r, w = q - s, s * (1.0 - s)
            grad = np.bincount(wrk, weights=r * beta, minlength=enc.n_workers) - (alpha - mu_a) / var_a
            hess = np.bincount(wrk, weights=w * beta * beta, minlength=enc.n_workers) + 1.0 / var_a
            alpha += np.clip(grad / hess, -1.0, 1.0)
            x = alpha[wrk] * beta
            s = _sigmoid(x)
            r, w = q - s, s * (1.0 - s)
            grad = np.bincount(obj, weights=r * x, minlength=enc.n_objects) - (b - mu_b) / var_b
            hess = np.bincount(obj, weights=w * x * x, minlength=enc.n_objects) + 1.0 / var_b
            b += np.clip(grad / hess, -0.5, 0.5)

    def _fit_encoded(self, enc: EncodedAnswers) -> np.ndarray:
        k = enc.n_classes
        alpha = np.full(enc.n_workers, self.ability_prior[0])
        b = np.full(enc.n_objects, self.log_beta_prior[0])
        posterior = vote_shares(enc)
        previous: float | None = None
        log_likelihood, n_iter, prior = 0.0, 0, np.full(k, 1.0 / k)
        for n_iter in range(1, self.max_iter + 1):  # noqa: B007 - reported as n_iter_
            if self.class_prior == "learned":
                prior = posterior.mean(axis=0)
            self._m_step(enc, posterior[enc.objects, enc.labels], alpha, b)
            posterior, log_likelihood = self._posterior(enc, alpha, b, safe_log(prior))
            if previous is not None and abs(log_likelihood - previous) <= self.tol * abs(previous):
                break
            previous = log_likelihood
        self.ability_ = dict(zip(enc.worker_ids, alpha.tolist(), strict=True))
        self.difficulty_ = dict(zip(enc.object_ids, np.exp(-b).tolist(), strict=True))
        self.confusions_ = dict(zip(enc.worker_ids, one_coin(_sigmoid(alpha), k), strict=True))
        self.class_prior_ = prior
        self.log_likelihood_ = log_likelihood
        self.n_iter_ = n_iter
        return posterior
