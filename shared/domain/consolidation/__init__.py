"""Consolidators: several labelers' answers in, one label with a confidence out (crowd-kit's fit/predict API)."""

from shared.domain.consolidation.base import Answer, Consolidated, Consolidator, consolidate_objects
from shared.domain.consolidation.majority_vote import MajorityVote

__all__ = ["Answer", "Consolidated", "Consolidator", "MajorityVote", "consolidate_objects"]
