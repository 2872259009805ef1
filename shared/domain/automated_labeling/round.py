"""One active-learning round's decisions, given the model's class probabilities: which pool objects the machine
labels, which of those a person audits, which validation objects retire, and which objects people label next.

Pure numpy, so the whole rule is tested without torch or a database; the trainer supplies the probabilities.

Why each round tests at a stricter level than the job's `confidence`: a job runs many rounds, and each round's
threshold search is a new chance to certify machine labels that miss the target. The rounds split the allowed
error 1 - confidence between them, fixed in advance: round 1, the first trained round, which faces the whole pool
and so certifies most of what a job machine-labels, gets FIRST_ROUND_SHARE (80%) of it; round r >= 2 gets
(1 - FIRST_ROUND_SHARE) * 6 / (pi^2 (r - 1)^2) of it, a series that sums to the rest. So with probability at least
`confidence` no round's machine labels miss the target, however many rounds the job takes.

Why validation objects are drawn at random and retired: the threshold is only trustworthy for the objects it is
applied to if the validation objects are a random sample of those same objects. So every human batch holds a
`validation_share` of objects drawn uniformly from what is left of the pool (the rest of the batch is the least
certain objects, which teach the model most), and a validation object leaves the validation set ("retires") as
soon as a round's rule would machine-label it: the objects that rule machine-labels leave the pool too, so what
stays in the validation set keeps describing the pool that is left. Retired objects become training data.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

import numpy as np

from shared.domain.automated_labeling.acquisition import select_uncertain
from shared.domain.automated_labeling.audit import pick_audit
from shared.domain.automated_labeling.plan import AutoLabelingSettings, human_batch_size, stopping_reason
from shared.domain.automated_labeling.thresholds import ThresholdPlan, choose_thresholds


@dataclass(frozen=True)
class JobProgress:
    """Counts the stopping conditions and batch sizes need, as they stand before the round."""

    dataset_size: int
    human_labeled: int  # objects people labeled or are labeling (sent to people), audits included
    labeled_total: int  # objects with a label, human or machine
    max_concurrent: int


@dataclass
class RoundDecision:
    machine: list[tuple[int, int, float]] = field(default_factory=list)  # (object, class, confidence)
    audits: list[tuple[int, int, float]] = field(default_factory=list)  # machine labels sent to people to check
    to_humans: list[tuple[int, str]] = field(default_factory=list)  # (object, "train" | "validation")
    retired: list[int] = field(default_factory=list)
    plan: ThresholdPlan | None = None
    level: float | None = None  # the confidence this round's bounds were computed at
    stop_reason: str | None = None
    paused: str | None = None  # why this round machine-labeled nothing although a threshold passed


FIRST_ROUND_SHARE = 0.8


def round_level(confidence: float, round_no: int) -> float:
    """The one-sided confidence round `round_no` (>= 1) tests at: its share of the job's error budget."""
    if round_no < 1:
        raise ValueError("only rounds 1 and later test thresholds")
    share = FIRST_ROUND_SHARE if round_no == 1 else (1 - FIRST_ROUND_SHARE) * 6.0 / (math.pi**2 * (round_no - 1)**2)
    return 1.0 - (1.0 - confidence) * share


def _human_batch(ids: np.ndarray, proba: np.ndarray | None, count: int, settings: AutoLabelingSettings,
                 rng: np.random.Generator) -> list[tuple[int, str]]:
    """`count` objects for people: the least certain ones, plus a uniform random `validation_share` of the rest."""
    if count <= 0 or ids.size == 0:
        return []
    count = min(count, int(ids.size))
    n_validation = int(round(settings.validation_share * count))
    if proba is None:  # no model yet: the whole batch is random (Ground Truth's first batch)
        picked = rng.permutation(ids.size)[:count]
        return [(int(ids[i]), "validation" if n < n_validation else "train") for n, i in enumerate(picked)]
    active = select_uncertain(proba, count - n_validation, settings.strategy)
    rest = np.setdiff1d(np.arange(ids.size), active)
    random_picks = rng.permutation(rest)[:n_validation]
    return ([(int(ids[i]), "train") for i in active]
            + [(int(ids[i]), "validation") for i in random_picks])


def first_round(pool_ids: np.ndarray, settings: AutoLabelingSettings, progress: JobProgress,
                rng: np.random.Generator) -> RoundDecision:
    """Round 0: no model yet, a random batch goes to people (initial_batch_size, else the batch size)."""
    size = settings.initial_batch_size or settings.batch_size or progress.max_concurrent
    count = human_batch_size(dataclasses.replace(settings, batch_size=size),
                             progress.max_concurrent, int(pool_ids.size), progress.human_labeled,
                             progress.dataset_size, progress.labeled_total)
    return RoundDecision(to_humans=_human_batch(pool_ids, None, count, settings, rng),
                         stop_reason=stopping_reason(settings, progress.human_labeled, progress.labeled_total,
                                                     progress.dataset_size))


def decide_round(settings: AutoLabelingSettings, progress: JobProgress, pool_ids: np.ndarray, pool_proba: np.ndarray,
                 validation_ids: np.ndarray, validation_proba: np.ndarray, validation_labels: np.ndarray,
                 rng: np.random.Generator, round_no: int = 1, audit_below_target: bool = False) -> RoundDecision:
    """A round with a trained model: threshold on the validation set, machine labels above it (less a random
    audit), retire validation objects the rule covers, then the next human batch from what is left.

    `audit_below_target`: people's answers on audited machine labels already show the machine below the target
    (the interval's upper end under it). Then the round machine-labels nothing, whatever the validation bound says,
    and says why: the job never goes on trading accuracy the requester did not agree to."""
    val_pred = validation_proba.argmax(axis=1) if validation_ids.size else np.zeros(0, dtype=int)
    val_conf = validation_proba.max(axis=1) if validation_ids.size else np.zeros(0)
    level = round_level(settings.confidence, round_no)
    plan = choose_thresholds(val_conf, val_pred, val_pred == validation_labels, settings.target_accuracy,
                             level, settings.per_class_min_items)
    pool_pred = pool_proba.argmax(axis=1)
    pool_conf = pool_proba.max(axis=1)
    accepted = plan.accepts(pool_pred, pool_conf) if pool_ids.size else np.zeros(0, dtype=bool)
    decision = RoundDecision(plan=plan, level=level)
    if audit_below_target:
        if accepted.any():
            decision.paused = "machine labeling paused: the audit measured the machine's labels below the target"
        accepted = np.zeros_like(accepted)
    if validation_ids.size and not audit_below_target:  # paused: nothing leaves the pool, so nothing retires
        decision.retired = [int(i) for i in validation_ids[plan.accepts(val_pred, val_conf)]]
    accepted_idx = np.flatnonzero(accepted)
    audit_idx = set(accepted_idx[pick_audit(accepted_idx.size, settings.audit_rate, rng)].tolist())
    for i in accepted_idx:
        row = (int(pool_ids[i]), int(pool_pred[i]), float(pool_conf[i]))
        (decision.audits if i in audit_idx else decision.machine).append(row)
    left = np.flatnonzero(~accepted)
    human_so_far = progress.human_labeled + len(decision.audits)
    labeled_after = progress.labeled_total + len(decision.machine)
    count = human_batch_size(settings, progress.max_concurrent, int(left.size), human_so_far,
                             progress.dataset_size, labeled_after)
    decision.to_humans = _human_batch(pool_ids[left], pool_proba[left], count, settings, rng)
    if left.size > len(decision.to_humans):
        decision.stop_reason = stopping_reason(settings, human_so_far + len(decision.to_humans), labeled_after,
                                               progress.dataset_size)
    return decision
