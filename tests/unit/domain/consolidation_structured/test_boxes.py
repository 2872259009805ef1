"""Box consolidation: hand-computed matching, fusion, support and confidence; skill estimates; the real-data score
on crowdseg_boxes (REFERENCE_DIR/datasets/crowdseg_boxes)."""

from __future__ import annotations

import csv
import os
import random

import numpy as np
import pytest

from shared.domain.consolidation.boxes import (
    Box,
    BoxAnswer,
    BoxConsolidator,
    FusedBox,
    iou,
    pairwise_iou,
    quality_weight,
    to_corners,
    weighted_median,
)
from tests.conftest import REFERENCE_DIR

CROWDSEG = REFERENCE_DIR / "datasets" / "crowdseg_boxes"


def fuse(answers: list[BoxAnswer], **kwargs: object) -> dict[int, list[FusedBox]]:
    return BoxConsolidator(**kwargs).fit(answers).predict()  # type: ignore[arg-type]


def one_image(*boxes_per_worker: tuple[Box, ...], **kwargs: object) -> list[FusedBox]:
    return fuse([BoxAnswer(1, w, boxes) for w, boxes in enumerate(boxes_per_worker)], **kwargs)[1]


def corners_of(b: FusedBox) -> tuple[float, float, float, float]:
    return (b.left, b.top, b.left + b.width, b.top + b.height)


# -- helpers -------------------------------------------------------------------------------------------------------

def test_iou_of_hand_drawn_boxes() -> None:
    a = Box(0, 0, 0, 10, 10)
    assert iou(a, a) == 1.0
    assert iou(a, Box(0, 5, 0, 10, 10)) == pytest.approx(50 / 150)
    assert iou(a, Box(0, 10, 0, 10, 10)) == 0.0  # touching edges share no area
    assert iou(a, Box(0, 2, 2, 5, 5)) == pytest.approx(25 / 100)
    assert iou(Box(0, 0, 0, 0, 0), Box(0, 0, 0, 0, 0)) == 0.0
    np.testing.assert_allclose(pairwise_iou(to_corners(np.array([[0, 0, 10, 10]])),
                                            to_corners(np.array([[0, 0, 10, 10], [5, 5, 10, 10]]))),
                               [[1.0, 25 / 175]])


@pytest.mark.parametrize(("values", "weights", "expected"), [
    ([1, 2, 3], [1, 1, 1], 2), ([1, 2, 3, 10], [1, 1, 1, 1], 2.5), ([1, 2, 3], [5, 1, 1], 1),
    ([1, 2, 3], [1, 1, 5], 3), ([4, 1], [1, 1], 2.5), ([7], [0.3], 7), ([1, 2, 3, 4], [1, 2, 2, 1], 2.5),
])
def test_weighted_median(values: list[float], weights: list[float], expected: float) -> None:
    assert weighted_median(np.array(values, dtype=float)[:, None], np.array(weights, dtype=float))[0] == expected


def test_the_fusion_weight_is_inverse_noise() -> None:
    np.testing.assert_allclose(quality_weight(np.array([0.95, 0.85, 1.0, 0.0])), [10.0, 5.0, 20.0, 1 / 1.05])


# -- hand-computed images ------------------------------------------------------------------------------------------

def test_two_agreeing_workers_give_the_median_box_and_support_times_iou() -> None:
    [box] = one_image((Box(0, 10, 10, 100, 50),), (Box(0, 12, 10, 100, 50),), max_rounds=0)
    assert corners_of(box) == (11, 10, 111, 60)
    # each member overlaps the fused box by 99 x 50 over a union of 101 x 50; support 2 of 2
    assert box.confidence == round(99 / 101, 2) == 0.98
    assert (box.label, box.support, box.workers) == (0, 2, (0, 1))
    assert box.annotation() == {"class_id": 0, "left": 11, "top": 10, "width": 100, "height": 50}


def test_the_manifest_entry_rounds_each_edge_half_up() -> None:
    box = FusedBox(label=3, left=10.5, top=11.5, width=20.0, height=5.5, confidence=0.5, support=2)
    assert box.annotation() == {"class_id": 3, "left": 11, "top": 12, "width": 20, "height": 5}


def test_an_outlier_box_is_dropped_and_lowers_the_confidence() -> None:
    good = Box(0, 100, 100, 50, 50)
    [box] = one_image((good,), (good,), (Box(0, 400, 400, 50, 50),), max_rounds=0)
    assert corners_of(box) == (100, 100, 150, 150)
    assert (box.support, box.confidence, box.workers) == (2, 0.67, (0, 1))  # 2 of 3 workers x IoU 1


def test_a_far_off_box_joins_no_cluster_even_when_it_is_the_worker_s_only_one() -> None:
    # IoU 0.33 to the others: below the 0.5 threshold, so it cannot drag the median
    good = Box(0, 0, 0, 10, 10)
    [box] = one_image((good,), (good,), (good,), (Box(0, 5, 0, 10, 10),), max_rounds=0)
    assert corners_of(box) == (0, 0, 10, 10) and box.support == 3 and box.confidence == 0.75


def test_boxes_of_different_classes_are_never_merged() -> None:
    a, b = Box(0, 10, 10, 20, 20), Box(1, 10, 10, 20, 20)
    # three workers: class 0 twice, class 1 once -> only class 0 has the support of half the workers
    [box] = one_image((a,), (a,), (b,), max_rounds=0)
    assert (box.label, box.support, box.confidence) == (0, 2, 0.67)
    # two workers who disagree on the class: each box has 1 of 2 workers, which is half, so both stay
    both = one_image((a,), (b,), max_rounds=0)
    assert [(x.label, x.support, x.confidence) for x in both] == [(0, 1, 0.5), (1, 1, 0.5)]


def test_a_cluster_below_half_of_the_workers_is_dropped_and_one_at_half_is_kept() -> None:
    a, b, c = Box(0, 0, 0, 10, 10), Box(0, 100, 100, 10, 10), Box(0, 300, 300, 10, 10)
    boxes = one_image((a, b, c), (a, b), (a,), (), max_rounds=0)
    assert [(corners_of(x)[0], x.support, x.confidence) for x in boxes] == [(0, 3, 0.75), (100, 2, 0.5)]


def test_several_objects_per_image_are_matched_one_box_per_worker() -> None:
    car, van = Box(0, 10, 10, 100, 50), Box(0, 300, 200, 40, 40)
    boxes = one_image(
        (car, van),
        (Box(0, 300, 202, 40, 38), Box(0, 12, 10, 98, 50)),  # listed in the other order
        (Box(0, 11, 11, 100, 48), Box(0, 302, 200, 40, 40), Box(0, 500, 500, 20, 20)),  # and a stray box
        max_rounds=0)
    assert [corners_of(b) for b in boxes] == [(11, 10, 110, 60), (300, 200, 340, 240)]
    assert [b.support for b in boxes] == [3, 3]


def test_two_boxes_of_one_worker_over_the_same_object_split_into_two_clusters() -> None:
    a = Box(0, 0, 0, 10, 10)
    boxes = one_image((a, a), (a,), (a,), max_rounds=0)
    assert [b.support for b in boxes] == [3]  # the duplicate alone is 1 of 3: dropped


def test_empty_answers_give_no_boxes_and_full_quality() -> None:
    model = BoxConsolidator().fit([BoxAnswer(1, 0), BoxAnswer(1, 1), BoxAnswer(2, 0, ())])
    assert model.predict() == {1: [], 2: []}
    assert model.worker_quality_ == {0: 1.0, 1: 1.0}


def test_one_worker_gets_the_box_with_confidence_zero() -> None:
    [box] = one_image((Box(2, 5, 6, 7, 8),))
    assert (corners_of(box), box.label, box.confidence, box.support) == ((5, 6, 12, 14), 2, 0.0, 1)


def test_zero_area_boxes_are_ignored() -> None:
    good = Box(0, 0, 0, 10, 10)
    [box] = one_image((good, Box(0, 50, 50, 0, 10)), (good,))
    assert box.support == 2 and box.confidence == 1.0


@pytest.mark.parametrize("bad", [Box(0, 0, 0, -1, 5), Box(0, float("nan"), 0, 5, 5), Box(-1, 0, 0, 5, 5)])
def test_a_malformed_box_is_refused(bad: Box) -> None:
    with pytest.raises(ValueError, match="box|label"):
        one_image((bad,), (Box(0, 0, 0, 5, 5),))


def test_a_worker_answering_an_image_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="twice"):
        fuse([BoxAnswer(1, 0, ()), BoxAnswer(1, 0, ())])


# -- skills --------------------------------------------------------------------------------------------------------

def test_prior_skills_pull_the_fused_box_toward_the_trusted_worker() -> None:
    answers = [BoxAnswer(1, 0, (Box(0, 0, 0, 100, 100),)), BoxAnswer(1, 1, (Box(0, 10, 0, 100, 100),)),
               BoxAnswer(1, 2, (Box(0, 20, 0, 100, 100),))]
    plain = BoxConsolidator(max_rounds=0).fit(answers).predict()[1][0]
    assert plain.left == 10
    # weights 1 / (1 - q + 0.05): 20 for worker 2 against 1.67 + 1.67 for the others
    trusted = BoxConsolidator(max_rounds=0).fit(answers, prior_quality={0: 0.45, 1: 0.45, 2: 1.0}).predict()[1][0]
    assert trusted.left == 20


def synthetic_batch(seed: int, sloppy: int = 3, n_images: int = 30) -> tuple[list[BoxAnswer], dict[int, np.ndarray]]:
    """Four workers, one object per image; worker `sloppy` jitters each side by ~12 px, the others by ~1.5 px."""
    rng = np.random.default_rng(seed)
    answers, truth = [], {}
    for i in range(n_images):
        x, y = rng.uniform(0, 400, 2)
        w, h = rng.uniform(40, 150, 2)
        truth[i] = np.array([x, y, x + w, y + h])
        for worker in range(4):
            noise = rng.normal(0, 12 if worker == sloppy else 1.5, 4)
            x1, y1, x2, y2 = truth[i] + noise
            answers.append(BoxAnswer(i, worker, (Box(0, x1, y1, x2 - x1, y2 - y1),)))
    return answers, truth


def test_the_batch_em_finds_the_sloppy_worker_and_carries_over() -> None:
    answers, truth = synthetic_batch(7)
    model = BoxConsolidator().fit(answers)
    q = model.worker_quality_
    assert q[3] < min(q[0], q[1], q[2]) - 0.05
    assert model.worker_weight_[3] < min(model.worker_weight_[w] for w in (0, 1, 2))
    # one score per image; a box outside every kept cluster adds a second (missed + stray)
    assert [model.worker_observations_[w] for w in (0, 1, 2)] == [30, 30, 30]
    assert model.worker_observations_[3] > 30
    # a later batch seeded with these qualities starts from the same ranking
    later, _ = synthetic_batch(8, n_images=3)
    seeded = BoxConsolidator(max_rounds=0).fit(later, prior_quality=q)
    assert seeded.worker_weight_[3] == pytest.approx(float(quality_weight(q[3])))


def test_skill_weighting_is_at_least_as_close_to_the_truth_as_equal_weights() -> None:
    answers, truth = synthetic_batch(11)
    def mean_iou(model: BoxConsolidator) -> float:
        fused = model.fit(answers).predict()
        return float(np.mean([pairwise_iou(np.array([corners_of(fused[i][0])]), truth[i][None])[0, 0]
                              for i in truth]))
    assert mean_iou(BoxConsolidator()) >= mean_iou(BoxConsolidator(max_rounds=0)) - 1e-9


def test_input_order_never_changes_the_result() -> None:
    answers, _ = synthetic_batch(3, n_images=8)
    extra = [BoxAnswer(100, w, (Box(0, 0, 0, 10, 10), Box(0, 4, 0, 10, 10), Box(1, 0, 0, 10, 10))[: w + 1])
             for w in range(3)]
    answers += extra
    expected = BoxConsolidator().fit(answers)
    rng = random.Random(5)
    for _ in range(5):
        shuffled = [BoxAnswer(a.object_id, a.worker_id, tuple(rng.sample(a.boxes, len(a.boxes)))) for a in answers]
        rng.shuffle(shuffled)
        again = BoxConsolidator().fit(shuffled)
        assert again.predict() == expected.predict()
        assert again.worker_quality_ == pytest.approx(expected.worker_quality_)


# -- real data -----------------------------------------------------------------------------------------------------

def read_crowdseg() -> tuple[list[BoxAnswer], dict[int, np.ndarray]]:
    if not CROWDSEG.is_dir():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{CROWDSEG} is missing")
        pytest.skip(f"{CROWDSEG} is missing")
    labels: dict[str, int] = {}
    answers = []
    with (CROWDSEG / "boxes.csv").open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            x1, y1, x2, y2 = (float(row[k]) for k in ("xmin", "ymin", "xmax", "ymax"))
            box = Box(labels.setdefault(row["label"], len(labels)), x1, y1, x2 - x1, y2 - y1)
            answers.append(BoxAnswer(int(row["task"]), int(row["worker"]), (box,)))
    with (CROWDSEG / "gold_boxes.csv").open(newline="", encoding="utf-8") as fh:
        gold = {int(r["task"]): np.array([float(r[k]) for k in ("xmin", "ymin", "xmax", "ymax")])
                for r in csv.DictReader(fh)}
    return answers, gold


def test_fused_boxes_beat_the_per_corner_median_on_crowdseg_boxes() -> None:
    """Measured: one worker 0.829, per-corner median 0.890, BoxConsolidator 0.894 mean IoU to gold.

    The brief's 0.90 is not reached without looking at gold: the crowd's boxes sit about 1 px left and 1-2 px above
    the gold ones (median offsets -1, -2, -1, -2 on x1, y1, x2, y2), and task 35's gold outlines a part of what 39
    of 41 workers boxed; see bench/consolidation_boxes.py. Gold is, on 35 of its 43 tasks, exactly worker 3's box
    (the gold author answered as a worker), and where worker 3 and the rest split (tasks 7, 25, 35, 43) gold
    follows worker 3. Estimator changes (weighted/trimmed mean, Huber, noise-scale EM, per-worker edge bias) all
    stay within 0.892-0.896; only an outward-leaning quantile (40th/60th percentile edges, 0.901) passes 0.90,
    and that is a choice read off gold, not a property of the crowd."""
    answers, gold = read_crowdseg()
    assert len(answers) == 1947 and len(gold) == 47
    fused = BoxConsolidator().fit(answers).predict()
    assert all(len(boxes) == 1 for boxes in fused.values())  # one object per task, every task kept
    ours = np.array([pairwise_iou(np.array([corners_of(fused[t][0])]), g[None])[0, 0] for t, g in gold.items()])
    by_task: dict[int, list[np.ndarray]] = {}
    for a in answers:
        b = a.boxes[0]
        by_task.setdefault(a.object_id, []).append(np.array([b.left, b.top, b.left + b.width, b.top + b.height]))
    median = np.array([pairwise_iou(np.median(by_task[t], axis=0)[None], g[None])[0, 0] for t, g in gold.items()])
    assert median.mean() == pytest.approx(0.890, abs=0.0005)
    assert ours.mean() >= 0.893
    assert ours.mean() > median.mean()
    assert np.mean(ours >= 0.5) >= 0.97
    assert all(0 < b[0].confidence <= 1 for b in fused.values())
