"""Multi-label: one binary problem per label, labels with posterior >= 0.5, never an empty answer."""

from __future__ import annotations

import numpy as np
import pytest

from shared.domain.consolidation import (
    MultiLabelAnswer,
    MultiLabelConsolidated,
    MultiLabelConsolidator,
    WeightedVote,
    consolidate_multi_label,
)


def vote() -> MultiLabelConsolidator:
    return MultiLabelConsolidator(binary=lambda: WeightedVote(n_rounds=0))


def answers(rows: list[tuple[str, str, set[int]]]) -> list[MultiLabelAnswer]:
    return [MultiLabelAnswer(o, w, frozenset(s)) for o, w, s in rows]


BATCH = answers([
    ("o1", "w1", {0, 1}), ("o1", "w2", {0}), ("o1", "w3", {0, 2}),
    ("o2", "w1", {1}), ("o2", "w2", {2}), ("o2", "w3", {0}),
    ("o3", "w1", {1, 2}), ("o3", "w2", {1, 2}),
    ("o4", "w1", {2}),
    ("o5", "w1", {0, 1}), ("o5", "w2", {1}),
])


def test_labels_at_or_above_one_half_are_chosen_with_their_confidence() -> None:
    result = consolidate_multi_label(vote(), BATCH, 3)
    assert result["o1"] == MultiLabelConsolidated(labels=(0,), confidence={0: 1.0}, votes=3)
    assert result["o3"] == MultiLabelConsolidated(labels=(1, 2), confidence={1: 1.0, 2: 1.0}, votes=2)
    assert result["o5"] == MultiLabelConsolidated(labels=(0, 1), confidence={0: 0.5, 1: 1.0}, votes=2)


def test_when_no_label_reaches_one_half_the_most_probable_is_kept_ties_to_the_smallest() -> None:
    result = consolidate_multi_label(vote(), BATCH, 3)
    assert result["o2"] == MultiLabelConsolidated(labels=(0,), confidence={0: 0.33}, votes=3)


def test_a_single_worker_gives_confidence_zero() -> None:
    assert consolidate_multi_label(vote(), BATCH, 3)["o4"] == MultiLabelConsolidated((2,), {2: 0.0}, 1)


def test_probabilities_are_per_label_presence() -> None:
    model = vote().fit(BATCH, 3)
    np.testing.assert_allclose(model.predict_proba()["o1"], [1.0, 1 / 3, 1 / 3])
    assert model.predict()["o3"] == (1, 2)


def test_an_empty_answer_votes_absent_for_every_label() -> None:
    model = vote().fit(answers([("o", "a", set()), ("o", "b", set()), ("o", "c", {1})]), 2)
    np.testing.assert_allclose(model.predict_proba()["o"], [0.0, 1 / 3])
    # Two of three said "none of these": no fallback label.
    assert model.predict() == {"o": ()}


def test_the_fallback_label_needs_most_workers_to_have_ticked_something() -> None:
    model = vote().fit(answers([("o", "a", {0}), ("o", "b", {1}), ("o", "c", set()),
                                ("p", "a", {0}), ("p", "b", {1}), ("p", "c", set()), ("p", "d", set())]), 2)
    assert model.predict() == {"o": (0,), "p": ()}


def test_the_default_binary_model_learns_who_over_ticks() -> None:
    rng = np.random.default_rng(5)
    truth = rng.random((80, 4)) < 0.3
    rows = []
    for i, present in enumerate(truth):
        for w in ("a", "b", "c"):
            flips = rng.random(4) < 0.1
            rows.append((i, w, {k for k in range(4) if present[k] != flips[k]}))
        rows.append((i, "ticks_all", {0, 1, 2, 3}))
    learned = MultiLabelConsolidator().fit(answers(rows), 4)
    voted = vote().fit(answers(rows), 4)
    # compare presence decisions (the keep-one rule aside: about a quarter of the objects have no true label)
    assert np.mean((learned.proba_ >= 0.5) == truth) > 0.95  # 3 workers flipping 10%: ~97% is the best possible
    assert np.mean((voted.proba_ >= 0.5) == truth) < 0.85  # "ticks_all" pushes the plain vote over one half


def test_labels_outside_the_classes_are_refused() -> None:
    with pytest.raises(ValueError, match="outside"):
        vote().fit(answers([("o", "a", {3})]), 3)
