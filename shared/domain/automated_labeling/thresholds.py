"""Choosing the model-confidence threshold above which items are labeled by the machine.

The requester chose `target_accuracy` and a confidence `level`; the threshold is picked on a held-out validation set
(items people labeled, never used for training) so that, with probability at least `level`, the accuracy of the
items the machine will label is at least the target. See `choose_threshold` for why the search is statistically
valid although it looks at many thresholds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from shared.domain.automated_labeling.bounds import binomial_upper_tail, clopper_pearson_lower, min_items_for

REASON_MET = "bound met"
REASON_TOO_FEW = "too few validation items"
REASON_NOT_MET = "bound not met"

# A tail this close to alpha is re-checked by inverting the bound, so the decision always agrees with the reported
# lower_bound (the tail is the fast path: one incomplete-beta evaluation instead of a bisection).
_TAIL_MARGIN = 1e-6


@dataclass(frozen=True)
class ThresholdChoice:
    threshold: float | None  # auto-label items whose model confidence >= threshold; None = auto-label nothing
    covered: int  # validation items at or above the threshold
    correct: int  # of those, how many the model got right
    lower_bound: float  # Clopper-Pearson one-sided lower bound of their accuracy (0.0 when none)
    reason: str  # short human-readable why: "bound met", "too few validation items" or "bound not met"

    def as_dict(self) -> dict:
        return {
            "threshold": self.threshold,
            "covered": self.covered,
            "correct": self.correct,
            "lower_bound": self.lower_bound,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class ThresholdPlan:
    overall: ThresholdChoice
    per_class: dict[int, ThresholdChoice] = field(default_factory=dict)  # only classes with enough items

    def threshold_for(self, predicted_class: int) -> float | None:
        """The class's own threshold when it had enough validation items (even if that is None), else the overall."""
        choice = self.per_class.get(int(predicted_class))
        return (choice if choice is not None else self.overall).threshold

    def accepts(self, predicted: np.ndarray, confidence: np.ndarray) -> np.ndarray:
        """Bool mask of the items the machine may label: confidence >= the threshold of their predicted class."""
        predicted = np.asarray(predicted)
        confidence = np.asarray(confidence, dtype=float)
        if predicted.shape != confidence.shape or predicted.ndim != 1:
            raise ValueError(f"predicted and confidence must be 1-d of equal length, got {predicted.shape} "
                             f"and {confidence.shape}")
        # "Auto-label nothing" is a cutoff of +inf; non-finite confidences are never accepted.
        thresholds = np.full(confidence.shape, _as_cutoff(self.overall.threshold), dtype=float)
        for cls, choice in self.per_class.items():
            thresholds[predicted == cls] = _as_cutoff(choice.threshold)
        return (confidence >= thresholds) & np.isfinite(confidence)

    def as_dict(self) -> dict:
        return {
            "overall": self.overall.as_dict(),
            "per_class": {str(cls): choice.as_dict() for cls, choice in sorted(self.per_class.items())},
        }


def _as_cutoff(threshold: float | None) -> float:
    return np.inf if threshold is None else float(threshold)


def _check_level(name: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 < value < 1.0:
        raise ValueError(f"{name} must be strictly between 0 and 1, got {value!r}")


def _as_arrays(confidence: np.ndarray, correct: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    confidence = np.asarray(confidence, dtype=float)
    correct = np.asarray(correct)
    if confidence.ndim != 1 or correct.shape != confidence.shape:
        raise ValueError(f"confidence and correct must be 1-d of equal length, got {confidence.shape} and "
                         f"{correct.shape}")
    if not np.all(np.isfinite(confidence)):
        raise ValueError("confidence must be finite")
    if correct.dtype != bool:
        if correct.size and not np.all((correct == 0) | (correct == 1)):
            raise ValueError("correct must be booleans (or 0/1)")
        correct = correct.astype(bool)
    return confidence, correct


def _passes(correct: int, covered: int, target: float, level: float) -> bool:
    """Whether the Clopper-Pearson lower bound of correct/covered at `level` is >= target."""
    tail = binomial_upper_tail(correct, covered, target)  # lower bound >= target  <=>  tail <= 1 - level
    alpha = 1.0 - level
    if tail <= alpha * (1.0 - _TAIL_MARGIN):
        return True
    if tail >= alpha * (1.0 + _TAIL_MARGIN):
        return False
    return clopper_pearson_lower(correct, covered, level) >= target


def choose_threshold(
    confidence: np.ndarray, correct: np.ndarray, target_accuracy: float, level: float
) -> ThresholdChoice:
    """The lowest confidence threshold whose covered validation items demonstrate `target_accuracy` at `level`.

    Candidates are the distinct confidences of the validation items, from highest to lowest; candidate t covers
    every item with confidence >= t (tied items always go together, as they would at labeling time). Candidates
    covering fewer than `min_items_for(target, level)` items are skipped: even all-correct they cannot reach the
    bound, so they are not tests. The rest are tested in order, "accuracy of the covered items >= target" by the
    one-sided Clopper-Pearson lower bound at `level`, and the walk stops at the first failure. The answer is the
    last (lowest) candidate that passed before that failure; None when the first test fails or no candidate covers
    enough items.

    Why this is valid although many thresholds are looked at: this is fixed-sequence testing. The hypotheses are
    tested in an order fixed before looking at the outcomes (most to least confident), and a hypothesis is only
    tested when every earlier one passed. A false acceptance then requires the *first* untrue hypothesis in the
    order to pass its own level-`level` test, so the probability of accepting any threshold whose true accuracy is
    below target is at most 1 - level, with no Bonferroni-style correction. Taking the lowest passing threshold
    anywhere in the list (past a failure) would forfeit that: it would be the minimum over many tests, and its error
    rate would grow with the number of candidates.

    Assumptions the guarantee rests on (the callers' job): the validation items are a uniform random sample of the
    items that will be auto-labeled (not chosen by uncertainty sampling), they were not used to train the model, and
    their human labels are right. The guarantee is about the accuracy of the auto-labeled set as a whole, not of each
    item.
    """
    _check_level("target_accuracy", target_accuracy)
    _check_level("level", level)
    confidence, correct = _as_arrays(confidence, correct)
    needed = min_items_for(target_accuracy, level)
    if confidence.size < needed:
        return ThresholdChoice(None, 0, 0, 0.0, REASON_TOO_FEW)

    order = np.argsort(-confidence, kind="stable")
    sorted_conf = confidence[order]
    correct_so_far = np.cumsum(correct[order], dtype=np.int64)
    # Last position of each run of equal confidences: that is where a candidate's covered set ends.
    group_ends = np.flatnonzero(np.append(sorted_conf[1:] != sorted_conf[:-1], True))

    best: ThresholdChoice | None = None
    for end in group_ends:
        covered = int(end) + 1
        if covered < needed:
            continue  # cannot pass even with every item right: not a test, so it cannot stop the walk
        n_correct = int(correct_so_far[end])
        if not _passes(n_correct, covered, target_accuracy, level):
            break
        best = ThresholdChoice(float(sorted_conf[end]), covered, n_correct,
                               clopper_pearson_lower(n_correct, covered, level), REASON_MET)
    if best is None:
        return ThresholdChoice(None, 0, 0, 0.0, REASON_NOT_MET)
    return best


def choose_thresholds(
    confidence: np.ndarray,
    predicted: np.ndarray,
    correct: np.ndarray,
    target_accuracy: float,
    level: float,
    per_class_min_items: int = 100,
) -> ThresholdPlan:
    """A threshold of its own for each predicted class with enough validation items, and one shared threshold
    (`overall`) for the other classes pooled.

    Models are often over-confident on some classes and under-confident on others, so one threshold either wastes
    auto-labels on the easy classes or lets a hard class through; per-class thresholds fix that where the data
    suffice.

    The guarantee holds for the machine labels as a whole. The predicted classes are split into groups (each
    class with at least `per_class_min_items` validation items alone, all other classes pooled), each group gets
    the fixed-sequence search of `choose_threshold` on its own items, and each search runs at the Bonferroni level
    1 - (1 - level) / groups. So with probability at least `level` every group's machine labels meet the target,
    and then so does their union (its accuracy is a weighted mean of the groups'). The pooled group is calibrated
    on the pooled classes' items only, never on the big classes' easier ones. With no big class there is one group:
    every item, at `level`.
    """
    confidence, correct = _as_arrays(confidence, correct)
    predicted = np.asarray(predicted)
    if predicted.shape != confidence.shape:
        raise ValueError(f"predicted must have the shape of confidence {confidence.shape}, got {predicted.shape}")
    if isinstance(per_class_min_items, bool) or not isinstance(per_class_min_items, (int, np.integer)) \
            or per_class_min_items < 1:
        raise ValueError(f"per_class_min_items must be an integer >= 1, got {per_class_min_items!r}")
    classes, counts = np.unique(predicted, return_counts=True)
    big = [int(c) for c, n in zip(classes, counts, strict=True) if n >= per_class_min_items]
    rest = ~np.isin(predicted, big) if big else np.ones(confidence.shape, dtype=bool)
    groups = len(big) + (1 if rest.any() or not big else 0)
    group_level = 1.0 - (1.0 - level) / groups
    overall = choose_threshold(confidence[rest], correct[rest], target_accuracy, group_level)
    per_class: dict[int, ThresholdChoice] = {}
    for cls in big:
        mask = predicted == cls
        per_class[cls] = choose_threshold(confidence[mask], correct[mask], target_accuracy, group_level)
    return ThresholdPlan(overall, per_class)
