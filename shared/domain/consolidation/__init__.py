"""Consolidators: several labelers' answers in, one label with a confidence out (crowd-kit's fit/predict API).

`default_classifier()` is the single-label consolidator Groundwork uses; the others are there to compare against
and for special cases (Ground Truth's own variant, a cheap vote, multi-label, dynamic overlap).
"""

from shared.domain.consolidation.array_model import ArrayConsolidator
from shared.domain.consolidation.base import Answer, Consolidated, Consolidator, consolidate_objects
from shared.domain.consolidation.collapse_guard import CollapseGuard, majority_disagreement
from shared.domain.consolidation.dawid_skene import DawidSkene
from shared.domain.consolidation.default import default_classifier
from shared.domain.consolidation.dynamic_overlap import (
    OverlapDecision,
    OverlapPolicy,
    WorkerSkills,
    decide,
    object_posterior,
)
from shared.domain.consolidation.encoding import EncodedAnswers, encode_answers, encode_arrays
from shared.domain.consolidation.glad import GLAD
from shared.domain.consolidation.hierarchical_dawid_skene import HierarchicalDawidSkene
from shared.domain.consolidation.mace import MACE
from shared.domain.consolidation.majority_vote import MajorityVote
from shared.domain.consolidation.multi_label import (
    MultiLabelAnswer,
    MultiLabelConsolidated,
    MultiLabelConsolidator,
    consolidate_multi_label,
)
from shared.domain.consolidation.weighted_vote import WeightedVote

__all__ = [
    "GLAD",
    "MACE",
    "Answer",
    "ArrayConsolidator",
    "CollapseGuard",
    "Consolidated",
    "Consolidator",
    "DawidSkene",
    "EncodedAnswers",
    "HierarchicalDawidSkene",
    "MajorityVote",
    "MultiLabelAnswer",
    "MultiLabelConsolidated",
    "MultiLabelConsolidator",
    "OverlapDecision",
    "OverlapPolicy",
    "WeightedVote",
    "WorkerSkills",
    "consolidate_multi_label",
    "consolidate_objects",
    "decide",
    "default_classifier",
    "encode_answers",
    "encode_arrays",
    "majority_disagreement",
    "object_posterior",
]
