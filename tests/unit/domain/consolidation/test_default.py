"""The default consolidator's fixed configuration and the service's `consolidate_objects` path."""

from __future__ import annotations

import pytest

from shared.domain.consolidation import (
    GLAD,
    MACE,
    Answer,
    CollapseGuard,
    Consolidated,
    DawidSkene,
    HierarchicalDawidSkene,
    WeightedVote,
    consolidate_objects,
    default_classifier,
)
from shared.domain.consolidation.hierarchical_dawid_skene import DEFAULT_STRENGTHS
from shared.domain.consolidation.voted_classes import VotedClassesOnly

ANSWERS = [Answer(1, 10, 2), Answer(1, 11, 2), Answer(1, 12, 0), Answer(2, 10, 1), Answer(3, 11, 0),
           Answer(3, 12, 0)]


def test_the_default_is_the_guarded_hierarchical_model_with_fixed_settings() -> None:
    outer = default_classifier()
    assert isinstance(outer, VotedClassesOnly)
    model = outer.model
    assert isinstance(model, CollapseGuard) and model.max_disagreement == 0.35
    inner = model.model
    assert isinstance(inner, HierarchicalDawidSkene)
    assert (inner.strengths, inner.beta, inner.gamma, inner.tol, inner.class_pseudo_count) == (
        DEFAULT_STRENGTHS, 1.0, 2.0, 1e-6, 1.0)
    assert default_classifier() is not outer


def test_the_default_never_labels_an_object_with_a_class_nobody_gave() -> None:
    # One labeler, always the same class: EM alone can swap classes here (the data cannot tell them apart).
    model = default_classifier().fit_arrays([1, 2, 3, 4], [9, 9, 9, 9], [2, 2, 2, 2], 3)
    assert model.predict() == {1: 2, 2: 2, 3: 2, 4: 2}
    assert model.proba_[:, :2].sum() == 0.0


@pytest.mark.parametrize("make", [default_classifier, DawidSkene, HierarchicalDawidSkene, WeightedVote, MACE, GLAD])
def test_every_consolidator_serves_consolidate_objects(make) -> None:  # noqa: ANN001
    result = consolidate_objects(make(), ANSWERS, 3)
    assert set(result) == {1, 2, 3}
    assert result[1].label == 2 and result[1].votes == 3
    assert (result[2].confidence, result[2].votes) == (0.0, 1)  # one answer: Ground Truth's 0.00
    assert result[3].label == 0 and 0.5 <= result[3].confidence <= 1.0


@pytest.mark.parametrize("make", [default_classifier, HierarchicalDawidSkene, WeightedVote, GLAD])
def test_a_lone_answer_is_kept_when_the_class_prior_is_smoothed_or_fixed(make) -> None:  # noqa: ANN001
    assert consolidate_objects(make(), ANSWERS, 3)[2] == Consolidated(label=1, confidence=0.0, votes=1)


def test_ground_truths_variant_lets_its_learned_prior_overrule_a_lone_answer() -> None:
    # The class marginal is learned without smoothing (as published): class 1 has one object and loses it.
    assert consolidate_objects(DawidSkene(), ANSWERS, 3)[2].label == 0


def test_an_empty_batch_gives_nothing() -> None:
    assert consolidate_objects(default_classifier(), [], 3) == {}
