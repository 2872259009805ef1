"""The random audit: people re-label a uniform sample of the machine's labels to measure their real accuracy.

The threshold's guarantee rests on assumptions (a representative validation set, right human labels); the audit
checks the promise on the labels actually delivered, and reports an exact two-sided interval rather than a point
estimate so that a small audit is not over-read.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from numbers import Integral

import numpy as np

from shared.domain.automated_labeling.bounds import clopper_pearson_interval

VERDICT_MEETS = "meets target"
VERDICT_BELOW = "below target"
VERDICT_INCONCLUSIVE = "inconclusive"
VERDICT_NONE = "no audit yet"


def _check_count(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 0:
        raise ValueError(f"{name} must be an integer >= 0, got {value!r}")


def _check_rate(rate: float) -> None:
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0.0 <= rate <= 1.0:
        raise ValueError(f"rate must be between 0 and 1, got {rate!r}")


def audit_count(n_machine_labels: int, rate: float) -> int:
    """ceil(n * rate) when n > 0 and rate > 0, else 0; never more than n.

    Rounding up means any machine labeling, however small, gets at least one audited item. The product is taken on
    the rate's decimal value (0.07 is 7/100, not 0.07000000000000000666...), so 100 labels at 0.07 audit 7, not 8.
    """
    _check_count("n_machine_labels", n_machine_labels)
    _check_rate(rate)
    if n_machine_labels == 0 or rate == 0:
        return 0
    return min(int(n_machine_labels), math.ceil(Fraction(repr(float(rate))) * int(n_machine_labels)))


def pick_audit(n_machine_labels: int, rate: float, rng: np.random.Generator) -> np.ndarray:
    """Sorted indices of `audit_count(n, rate)` machine labels, uniform without replacement.

    Uniform sampling is what makes the audit's interval an unbiased statement about all the machine's labels.
    """
    k = audit_count(n_machine_labels, rate)
    if k == 0:
        return np.zeros(0, dtype=np.int64)
    return np.sort(rng.choice(int(n_machine_labels), size=k, replace=False)).astype(np.int64)


@dataclass(frozen=True)
class AuditReport:
    items: int  # machine labels audited
    agreed: int  # of those, how many the people agreed with
    accuracy: float | None  # agreed / items (None without items)
    lower: float | None  # two-sided Clopper-Pearson interval at `level` (None without items)
    upper: float | None
    level: float
    target_accuracy: float
    verdict: str  # "meets target", "below target", "inconclusive" or "no audit yet"

    def as_dict(self) -> dict:
        return {
            "items": self.items,
            "agreed": self.agreed,
            "accuracy": self.accuracy,
            "lower": self.lower,
            "upper": self.upper,
            "level": self.level,
            "target_accuracy": self.target_accuracy,
            "verdict": self.verdict,
        }


def audit_report(agreed: int, items: int, level: float, target_accuracy: float) -> AuditReport:
    """The audit's accuracy, its exact interval and a verdict against the requester's target.

    "meets target" when the whole interval is at or above the target, "below target" when it is entirely below,
    "inconclusive" otherwise (the audit is too small to tell), "no audit yet" with no audited items.
    """
    _check_count("items", items)
    _check_count("agreed", agreed)
    if agreed > items:
        raise ValueError(f"agreed ({agreed}) cannot exceed items ({items})")
    for name, value in (("level", level), ("target_accuracy", target_accuracy)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 < value < 1.0:
            raise ValueError(f"{name} must be strictly between 0 and 1, got {value!r}")
    if items == 0:
        return AuditReport(0, 0, None, None, None, float(level), float(target_accuracy), VERDICT_NONE)
    lower, upper = clopper_pearson_interval(int(agreed), int(items), level)
    if lower >= target_accuracy:
        verdict = VERDICT_MEETS
    elif upper < target_accuracy:
        verdict = VERDICT_BELOW
    else:
        verdict = VERDICT_INCONCLUSIVE
    return AuditReport(int(items), int(agreed), agreed / items, lower, upper, float(level), float(target_accuracy),
                       verdict)
