"""Active learning: which unlabeled items go to people next.

People are the expensive part, so each round sends them the items the current model is least sure about; those
teach the model most, while the confident ones are what it can label itself. Three classic uncertainty measures
(as in SageMaker Ground Truth and the active-learning literature) are offered; all are "higher = less certain".
"""

from __future__ import annotations

import numpy as np

STRATEGIES = ("least-confidence", "margin", "entropy")

_ROW_SUM_TOLERANCE = 1e-3  # float32 softmax outputs sum to 1 only approximately


def _check_probabilities(probabilities: np.ndarray) -> np.ndarray:
    p = np.asarray(probabilities, dtype=float)
    if p.ndim != 2 or p.shape[1] < 1:
        raise ValueError(f"probabilities must be an (n, k) array with k >= 1, got shape {p.shape}")
    if p.size and (not np.all(np.isfinite(p)) or np.any(p < 0.0)):
        raise ValueError("probabilities must be finite and non-negative")
    if p.size and np.any(np.abs(p.sum(axis=1) - 1.0) > _ROW_SUM_TOLERANCE):
        raise ValueError("each row of probabilities must sum to 1")
    return p


def _check_strategy(strategy: str) -> None:
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r}; allowed: {', '.join(STRATEGIES)}")


def uncertainty(probabilities: np.ndarray, strategy: str) -> np.ndarray:
    """Per-item uncertainty, higher = less certain.

    least-confidence: 1 - max p. margin: 1 - (p1 - p2), the gap between the two most likely classes (0 with one
    class). entropy: -sum p log p (natural log, 0 log 0 = 0).
    """
    _check_strategy(strategy)
    p = _check_probabilities(probabilities)
    n, k = p.shape
    if strategy == "least-confidence":
        return 1.0 - p.max(axis=1)
    if strategy == "margin":
        if k == 1:
            return np.zeros(n)
        top2 = np.sort(p, axis=1)[:, -2:]
        return 1.0 - (top2[:, 1] - top2[:, 0])
    positive = p > 0.0
    logs = np.log(np.where(positive, p, 1.0))  # log(1) = 0 stands in for 0 log 0 = 0, with no warning
    return -(p * logs).sum(axis=1)


def select_uncertain(probabilities: np.ndarray, count: int, strategy: str) -> np.ndarray:
    """Indices of the `count` most uncertain items, most uncertain first, ties by lower index (all if count > n).

    Ties broken by index keep a round reproducible: the same model output always sends the same items.
    """
    if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or count < 0:
        raise ValueError(f"count must be an integer >= 0, got {count!r}")
    scores = uncertainty(probabilities, strategy)
    order = np.argsort(-scores, kind="stable")  # stable: equal scores stay in index order
    return order[: int(count)].astype(np.int64)
