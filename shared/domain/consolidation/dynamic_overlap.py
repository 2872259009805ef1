"""Dynamic overlap: after each answer, decide whether an object needs another labeler.

Ground Truth buys a fixed number of answers per object (NumberOfHumanWorkersPerDataObject). Most objects are easy:
three good workers agree and the next two answers change nothing. Here the posterior of an object's class is
computed from the answers bought so far with each worker's current confusion matrix (learned by Dawid-Skene on the
job's answers, or carried over from earlier jobs) and a class prior:

    p(c) proportional to prior(c) * prod_j C_j[c, l_j]

and the object stops when it has `min_workers` answers and max_c p(c) >= `target_confidence` (and at least
`min_agreement` of its answers name the leading class), or when it reaches `max_workers`. Unknown workers get
`default_confusion` (one-coin 0.7 unless the caller learned a better crowd average).

Skills learned from a few hundred answers have cells of (almost) exactly 0 or 1: one answer from such a worker then
decides an object on its own (on dog a worker whose learned "says 3 when it is 3" is 0.99 stopped an object after
three answers that the other seven overturn). The factories therefore floor every cell at `EVIDENCE_FLOOR` before
taking logs: no single answer is worth more than log(1 / 0.02), about 4 nats, however sure the fit is.

The rule is pure: it holds no state; the service (or the bench's replay) decides how often to re-learn the
confusions from the answers bought so far, and may re-open stopped objects that no longer meet the rule under the
re-learned skills (`reopened`) where more answers for them can still come.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from shared.domain.consolidation.em import argmax_smallest, normalise_rows, one_coin, safe_log

# Lowest confusion cell the factories let into the posterior (see the module doc). Chosen on the bench's replay of the
# five dense datasets (0.01 to 0.03 behave alike there; 0 lets single answers stop objects the full crowd overturns).
EVIDENCE_FLOOR = 0.02


@dataclass(frozen=True)
class OverlapPolicy:
    min_workers: int = 3
    max_workers: int = 5
    target_confidence: float = 0.95
    min_agreement: float = 0.0

    def __post_init__(self) -> None:
        if not 1 <= self.min_workers <= self.max_workers:
            raise ValueError("need 1 <= min_workers <= max_workers")
        if not 0.0 < self.target_confidence <= 1.0:
            raise ValueError("target_confidence must be in (0, 1]")


@dataclass(frozen=True)
class OverlapDecision:
    posterior: np.ndarray
    label: int
    confidence: float
    stop: bool
    reason: str  # "max_workers" | "confident" | "below_min_workers" | "uncertain"


@dataclass(frozen=True)
class WorkerSkills:
    """What the rule knows about labelers: confusion matrices (true class x given class), a class prior, and the
    matrix assumed for a worker it has never seen."""

    confusions: Mapping[Hashable, np.ndarray]
    class_prior: np.ndarray
    default_confusion: np.ndarray
    floor: float = 0.0
    temperature: float = 1.0
    _log: dict[Hashable, np.ndarray] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def n_classes(self) -> int:
        return int(self.class_prior.shape[0])

    @classmethod
    def uninformed(cls, n_classes: int, accuracy: float = 0.7) -> WorkerSkills:
        """Before any answers: every worker one-coin `accuracy` (Ground Truth's 0.7), uniform prior."""
        return cls({}, np.full(n_classes, 1.0 / n_classes), one_coin(accuracy, n_classes))

    @classmethod
    def from_accuracies(cls, accuracies: Mapping[Hashable, float], n_classes: int,
                        class_prior: np.ndarray | None = None, default_accuracy: float = 0.7,
                        floor: float = EVIDENCE_FLOOR) -> WorkerSkills:
        """One-coin skills: worker j answers correctly with probability a_j, errors spread evenly."""
        prior = np.full(n_classes, 1.0 / n_classes) if class_prior is None else np.asarray(class_prior, float)
        eps = 1e-6
        return cls({w: one_coin(float(np.clip(a, eps, 1 - eps)), n_classes) for w, a in accuracies.items()},
                   prior / prior.sum(), one_coin(default_accuracy, n_classes), floor=floor)

    @classmethod
    def from_confusions(cls, confusions: Mapping[Hashable, np.ndarray], class_prior: np.ndarray,
                        default_confusion: np.ndarray | None = None, floor: float = EVIDENCE_FLOOR) -> WorkerSkills:
        """From a fitted Dawid-Skene (`confusions_`, `class_prior_`); unknown workers get the mean matrix."""
        prior = np.asarray(class_prior, dtype=float)
        k = prior.shape[0]
        if default_confusion is None:
            default_confusion = (np.mean(list(confusions.values()), axis=0) if confusions else one_coin(0.7, k))
        return cls({w: normalise_rows(np.asarray(m, dtype=float)) for w, m in confusions.items()},
                   prior / prior.sum(), normalise_rows(np.asarray(default_confusion, dtype=float)), floor=floor)

    def log_confusion(self, worker: Hashable) -> np.ndarray:
        cached = self._log.get(worker)
        if cached is None:
            matrix = np.asarray(self.confusions.get(worker, self.default_confusion))
            cached = self._log[worker] = self.temperature * safe_log(np.maximum(matrix, self.floor))
        return cached


def object_posterior(answers: Sequence[tuple[Hashable, int]], skills: WorkerSkills) -> np.ndarray:
    """p(c | the object's answers so far), answers given as (worker id, class index) pairs."""
    log_p = safe_log(skills.class_prior).copy()
    for worker, label in answers:
        log_p += skills.log_confusion(worker)[:, label]
    p = np.exp(log_p - log_p.max())
    return p / p.sum()


def decide(answers: Sequence[tuple[Hashable, int]], skills: WorkerSkills, policy: OverlapPolicy) -> OverlapDecision:
    """Posterior of one object and whether to stop buying answers for it."""
    posterior = object_posterior(answers, skills)
    label = int(argmax_smallest(posterior[None, :])[0])
    confidence = float(posterior[label])
    n = len(answers)
    if n >= policy.max_workers:
        stop, reason = True, "max_workers"
    elif n < policy.min_workers:
        stop, reason = False, "below_min_workers"
    elif confidence >= policy.target_confidence and sum(lab == label for _, lab in answers) >= policy.min_agreement * n:
        stop, reason = True, "confident"
    else:
        stop, reason = False, "uncertain"
    return OverlapDecision(posterior=posterior, label=label, confidence=confidence, stop=stop, reason=reason)


def reopened(answers: Mapping[Hashable, Sequence[tuple[Hashable, int]]], stopped: Iterable[Hashable],
             skills: WorkerSkills, policy: OverlapPolicy) -> set[Hashable]:
    """The stopped objects that no longer meet the rule under (re-learned) `skills`: a stop made with skills learned
    from a few answers can be wrong, and an object whose answers are not yet all in can take more. `answers` maps an
    object to the answers bought for it."""
    return {obj for obj in stopped if not decide(answers[obj], skills, policy).stop}
