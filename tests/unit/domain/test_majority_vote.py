"""Majority vote: hand-computed examples, the tie rule, order independence and the published accuracies on real
crowd datasets (REFERENCE_DIR/datasets/README.md, column "own MV")."""

from __future__ import annotations

import csv
import itertools
import random

import numpy as np
import pytest

from shared.domain.consolidation import Answer, Consolidated, MajorityVote, consolidate_objects
from shared.domain.consolidation.base import ground_truth_confidence
from tests.conftest import REFERENCE_DIR

DATASETS = REFERENCE_DIR / "datasets"


def one_object(labels: list[int], n_classes: int) -> Consolidated:
    answers = [Answer(object_id=7, worker_id=w, label=lab) for w, lab in enumerate(labels)]
    return consolidate_objects(MajorityVote(), answers, n_classes)[7]


@pytest.mark.parametrize(("labels", "n_classes", "label", "confidence"), [
    ([0, 0, 1], 2, 0, 0.67),
    ([1, 1, 0], 2, 1, 0.67),
    ([1, 2, 2], 3, 2, 0.67),
    ([2, 2, 2], 3, 2, 1.0),
    ([0, 1, 2], 3, 0, 0.33),
    ([0, 1, 1, 1, 2, 2, 3], 4, 1, 0.43),
    ([3, 3, 3, 3, 3, 1], 4, 3, 0.83),
    ([5, 1, 1, 4, 4, 4, 4, 4, 4, 4], 6, 4, 0.7),
])
def test_the_plurality_wins_with_its_vote_share(labels: list[int], n_classes: int, label: int,
                                                 confidence: float) -> None:
    assert one_object(labels, n_classes) == Consolidated(label=label, confidence=confidence, votes=len(labels))


@pytest.mark.parametrize(("labels", "n_classes", "label", "confidence"), [
    ([1, 0], 2, 0, 0.5),
    ([2, 1], 3, 1, 0.5),
    ([3, 3, 1, 1], 4, 1, 0.5),
    ([4, 4, 1, 1, 2], 5, 1, 0.4),
    ([9, 8, 7], 10, 7, 0.33),
    ([2, 2, 0, 0, 1, 1], 3, 0, 0.33),
])
def test_a_tie_goes_to_the_smallest_class_index(labels: list[int], n_classes: int, label: int,
                                                 confidence: float) -> None:
    assert one_object(labels, n_classes) == Consolidated(label=label, confidence=confidence, votes=len(labels))


@pytest.mark.parametrize("label", [0, 1, 3])
def test_a_single_answer_wins_with_confidence_zero(label: int) -> None:
    assert one_object([label], 4) == Consolidated(label=label, confidence=0.0, votes=1)


@pytest.mark.parametrize(("probability", "n", "confidence"), [
    (2 / 3, 3, 0.67), (1 / 3, 3, 0.33), (1.0, 5, 1.0), (0.4, 5, 0.4), (1.0, 1, 0.0), (1.0, 0, 0.0),
    (np.float64(5 / 7), 7, 0.71),
])
def test_ground_truth_confidence_has_two_decimals_and_is_zero_for_one_answer(probability: float, n: int,
                                                                               confidence: float) -> None:
    value = ground_truth_confidence(probability, n)
    assert value == confidence and type(value) is float


def test_objects_in_one_batch_are_counted_separately() -> None:
    answers = [Answer(1, 10, 0), Answer(2, 10, 1), Answer(1, 11, 0), Answer(2, 11, 1), Answer(1, 12, 1),
               Answer(3, 12, 2)]
    assert consolidate_objects(MajorityVote(), answers, 3) == {
        1: Consolidated(0, 0.67, 3), 2: Consolidated(1, 1.0, 2), 3: Consolidated(2, 0.0, 1)}


def test_the_probabilities_are_each_classs_share_of_the_votes() -> None:
    mv = MajorityVote().fit([Answer(1, 0, 2), Answer(1, 1, 2), Answer(1, 2, 0), Answer(1, 3, 1)], 3)
    np.testing.assert_allclose(mv.predict_proba()[1], [0.25, 0.25, 0.5])
    assert mv.predict() == {1: 2}


@pytest.mark.parametrize("label", [-1, 3, 10])
def test_a_label_outside_the_classes_is_refused(label: int) -> None:
    with pytest.raises(ValueError, match="outside"):
        MajorityVote().fit([Answer(1, 0, 0), Answer(1, 1, label)], 3)


def test_every_permutation_of_a_small_batch_gives_the_same_result() -> None:
    # Two tied objects and one clear one; the larger class arrives first in half the orders.
    answers = [Answer(1, 0, 1), Answer(1, 1, 0), Answer(2, 0, 2), Answer(2, 1, 2), Answer(2, 2, 0),
               Answer(3, 1, 2), Answer(3, 2, 1)]
    expected = {1: Consolidated(0, 0.5, 2), 2: Consolidated(2, 0.67, 3), 3: Consolidated(1, 0.5, 2)}
    count = 0
    for order in itertools.permutations(answers):
        assert consolidate_objects(MajorityVote(), list(order), 3) == expected
        count += 1
    assert count == 5040


def read_crowd_dataset(name: str) -> tuple[list[Answer], dict[int, int], int]:
    """labels.csv (task, worker, label) and gold.csv (task, label); ids read as strings and numbered."""
    folder = DATASETS / name
    tasks: dict[str, int] = {}
    workers: dict[str, int] = {}
    answers: list[Answer] = []
    with (folder / "labels.csv").open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            oid = tasks.setdefault(row["task"], len(tasks))
            wid = workers.setdefault(row["worker"], len(workers))
            answers.append(Answer(object_id=oid, worker_id=wid, label=int(row["label"])))
    with (folder / "gold.csv").open(newline="", encoding="utf-8") as fh:
        gold = {tasks[row["task"]]: int(row["label"]) for row in csv.DictReader(fh)}
    n_classes = max(max(a.label for a in answers), max(gold.values())) + 1
    return answers, gold, n_classes


@pytest.mark.parametrize(("name", "published", "n_answers"), [
    ("rte", 0.919, 8000), ("dog", 0.818, 8070), ("birds_gt", 0.904, 1510)])
def test_accuracy_on_real_crowd_data_matches_the_published_majority_vote(name: str, published: float,
                                                                         n_answers: int) -> None:
    answers, gold, n_classes = read_crowd_dataset(name)
    assert len(answers) == n_answers
    result = consolidate_objects(MajorityVote(), answers, n_classes)
    assert set(gold) <= set(result)
    accuracy = sum(result[t].label == g for t, g in gold.items()) / len(gold)
    assert accuracy == pytest.approx(published, abs=0.002)
    assert all(round(c.confidence, 2) == c.confidence and 0 < c.confidence <= 1 for c in result.values())


def test_shuffling_a_real_dataset_with_many_ties_never_changes_a_label() -> None:
    answers, _, n_classes = read_crowd_dataset("rte")  # 65 of 800 tasks are ties
    expected = consolidate_objects(MajorityVote(), answers, n_classes)
    ties = sum(c.confidence == 0.5 for c in expected.values())
    assert ties == 65
    rng = random.Random(20240502)
    for _ in range(5):
        shuffled = answers[:]
        rng.shuffle(shuffled)
        assert consolidate_objects(MajorityVote(), shuffled, n_classes) == expected


def test_the_datasets_readme_states_the_numbers_checked_here() -> None:
    readme = (DATASETS / "README.md").read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip(): line for line in readme.splitlines() if line.startswith("| [")}
    for name, published in (("rte", "0.919"), ("dog", "0.818"), ("birds_gt", "0.904")):
        row = next(v for k, v in rows.items() if k.startswith(f"[{name}]"))
        assert row.split("|")[9].strip() == published, row

