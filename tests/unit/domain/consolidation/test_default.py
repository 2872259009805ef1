"""The default consolidator's fixed configuration and the service's `consolidate_objects` path."""

from __future__ import annotations

import numpy as np
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
from shared.domain.consolidation.array_model import ArrayConsolidator
from shared.domain.consolidation.encoding import EncodedAnswers
from shared.domain.consolidation.hierarchical_dawid_skene import DEFAULT_STRENGTHS
from shared.domain.consolidation.voted_classes import VotedOrBaseRateClass

ANSWERS = [Answer(1, 10, 2), Answer(1, 11, 2), Answer(1, 12, 0), Answer(2, 10, 1), Answer(3, 11, 0),
           Answer(3, 12, 0)]


def test_the_default_is_the_guarded_hierarchical_model_with_fixed_settings() -> None:
    outer = default_classifier()
    assert isinstance(outer, VotedOrBaseRateClass)
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


class _FixedPosterior(ArrayConsolidator):
    """A stand-in model whose posterior is given, so the guard's rule can be checked by hand."""

    def __init__(self, posterior: list[list[float]]) -> None:
        self.posterior = np.array(posterior)

    def _fit_encoded(self, enc: EncodedAnswers) -> np.ndarray:
        return self.posterior


def test_the_guard_keeps_the_base_rate_class_and_blocks_any_other_unvoted_one() -> None:
    # Three classes. Object 1 was answered 0, 0, 0, 0, 0, object 2 was answered 1 once, object 3 was answered 1 by
    # four labelers: class 0 is the base rate (5 of 10 answers).
    objects = [1, 1, 1, 1, 1, 2, 3, 3, 3, 3]
    workers = [4, 5, 6, 7, 8, 9, 4, 5, 6, 7]
    labels = [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]
    posterior = [[0.5, 0.1, 0.4], [0.3, 0.1, 0.6], [0.6, 0.3, 0.1]]
    guarded = VotedOrBaseRateClass(_FixedPosterior(posterior), min_shared_answers=0)
    guarded.fit_arrays(objects, workers, labels, 3)
    # object 1 keeps its voted class 0 only; object 2 (one answer) keeps its voted class 1 and the base rate 0 (0.1
    # and 0.3 of 0.4): class 2, which nobody gave and is not the base rate, is blocked though the model preferred it;
    # object 3 has four answers, more than the exemption's three, so only its voted class 1 is left
    assert guarded.proba_ == pytest.approx(np.array([[1.0, 0.0, 0.0], [0.75, 0.25, 0.0], [0.0, 1.0, 0.0]]))
    assert guarded.predict() == {1: 0, 2: 0, 3: 1}
    strict = VotedOrBaseRateClass(_FixedPosterior(posterior), base_rate_max_answers=0)
    assert strict.fit_arrays(objects, workers, labels, 3).predict() == {1: 0, 2: 1, 3: 1}
    # labeler 9 answered only object 2, which nobody else answered: an unmeasured labeler's answer stands
    assert VotedOrBaseRateClass(_FixedPosterior(posterior)).fit_arrays(objects, workers, labels, 3).predict() == {
        1: 0, 2: 1, 3: 1}


def test_a_tie_between_the_base_rate_and_a_voted_class_goes_to_the_voted_class() -> None:
    guarded = VotedOrBaseRateClass(_FixedPosterior([[0.5, 0.5], [0.0, 1.0]]), min_shared_answers=0)
    assert guarded.fit_arrays([1, 2, 2], [7, 7, 8], [1, 0, 0], 2).predict() == {1: 1, 2: 0}


def test_one_labeler_gets_their_own_answers_back() -> None:
    # One labeler, each class once (the browser test's job) or skewed: nobody overlapped with them, so whatever the
    # model's posterior, each object keeps the class they gave.
    assert default_classifier().fit_arrays([1, 2, 3], [9, 9, 9], [0, 1, 2], 3).predict() == {1: 0, 2: 1, 3: 2}
    # A batch of the first two: EM's posterior on two answers is nearly flat (it even prefers "green" for the object
    # answered "red"), and the base rate is a tie that falls to "red".
    assert default_classifier().fit_arrays([1, 2], [9, 9], [0, 1], 3).predict() == {1: 0, 2: 1}
    assert default_classifier().fit_arrays([2], [9], [1], 3).predict() == {2: 1}
    labels = [0] * 7 + [1] * 3
    predicted = default_classifier().fit_arrays(list(range(10)), [9] * 10, labels, 2).predict()
    assert [predicted[i] for i in range(10)] == labels


def test_an_uninformative_labelers_lone_answer_gives_way_to_the_base_rate() -> None:
    # Three careful labelers label 40 objects, 32 of them class 0; labeler s answers "1" on objects 0-19 whatever
    # they are (8 are class 1, 12 class 0), so s's "1" carries no evidence. Objects 100-103 were answered by s alone:
    # their posterior is the base rate and the label is 0, which nobody gave them.
    objects, workers, labels = [], [], []
    for i in range(40):
        for w in ("a", "b", "c"):
            objects.append(i), workers.append(w), labels.append(1 if i < 8 else 0)
        if i < 20:
            objects.append(i), workers.append("s"), labels.append(1)
    for i in range(100, 104):
        objects.append(i), workers.append("s"), labels.append(1)
    predicted = default_classifier().fit_arrays(objects, workers, labels, 2).predict()
    assert [predicted[i] for i in range(100, 104)] == [0, 0, 0, 0]
    assert all(predicted[i] == (1 if i < 8 else 0) for i in range(40))
    strict = VotedOrBaseRateClass(CollapseGuard(HierarchicalDawidSkene(tol=1e-6)), base_rate_max_answers=0)
    assert [strict.fit_arrays(objects, workers, labels, 2).predict()[i] for i in range(100, 104)] == [1, 1, 1, 1]
