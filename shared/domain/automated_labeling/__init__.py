"""Automated data labeling (active learning) with a stated accuracy guarantee.

Pure rules, no training or storage: exact binomial bounds (`bounds`), the threshold above which the model labels
items itself so that their accuracy meets the requester's target at the requester's confidence (`thresholds`),
which items people label next (`acquisition`), the random audit of machine labels (`audit`), and the job's
settings, validation split, round sizes and stopping conditions (`plan`).
"""

from shared.domain.automated_labeling.acquisition import STRATEGIES, select_uncertain, uncertainty
from shared.domain.automated_labeling.audit import AuditReport, audit_count, audit_report, pick_audit
from shared.domain.automated_labeling.bounds import (
    binomial_upper_tail,
    clopper_pearson_interval,
    clopper_pearson_lower,
    clopper_pearson_upper,
    min_items_for,
    regularized_incomplete_beta,
)
from shared.domain.automated_labeling.plan import (
    AutoLabelingSettings,
    human_batch_size,
    is_validation,
    stopping_reason,
)
from shared.domain.automated_labeling.thresholds import (
    ThresholdChoice,
    ThresholdPlan,
    choose_threshold,
    choose_thresholds,
)

__all__ = [
    "STRATEGIES",
    "AuditReport",
    "AutoLabelingSettings",
    "ThresholdChoice",
    "ThresholdPlan",
    "audit_count",
    "audit_report",
    "binomial_upper_tail",
    "choose_threshold",
    "choose_thresholds",
    "clopper_pearson_interval",
    "clopper_pearson_lower",
    "clopper_pearson_upper",
    "human_batch_size",
    "is_validation",
    "min_items_for",
    "pick_audit",
    "regularized_incomplete_beta",
    "select_uncertain",
    "stopping_reason",
    "uncertainty",
]
