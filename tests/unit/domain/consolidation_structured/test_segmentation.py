"""Segmentation consolidation: per-pixel weighted vote, the tie rule, the 3 x 3 mode filter, one confidence per
image, worker skills, and a full-size mask."""

from __future__ import annotations

import numpy as np
import pytest

from shared.domain.consolidation.segmentation import (
    ConsolidatedMask,
    MaskAnswer,
    MaskConsolidator,
    mode_filter_3x3,
    weighted_vote,
)


def consolidate(*masks: np.ndarray, **kwargs: object) -> ConsolidatedMask:
    answers = [MaskAnswer(1, w, np.asarray(m)) for w, m in enumerate(masks)]
    return MaskConsolidator(**kwargs).fit(answers).predict()[1]  # type: ignore[arg-type]


def test_a_clear_majority_wins_every_pixel() -> None:
    a = np.array([[0, 0, 1, 1],
                  [0, 0, 1, 1],
                  [2, 2, 1, 1]])
    b = a.copy()
    c = np.array([[0, 1, 1, 1],
                  [0, 0, 0, 1],
                  [2, 2, 2, 2]])  # disagrees on 4 pixels, each outvoted 2 to 1
    result = consolidate(a, b, c, smooth=False, max_rounds=0)
    np.testing.assert_array_equal(result.label_map, a)
    assert result.label_map.dtype == np.uint8
    # 8 pixels at 3/3 agreement, 4 at 2/3: mean (8 + 8/3) / 12
    assert result.confidence == round((8 + 8 / 3) / 12, 2) == 0.89
    assert result.votes == 3


def test_a_tie_goes_to_the_smallest_class_whatever_the_worker_order() -> None:
    a, b = np.array([[2, 0], [1, 3]]), np.array([[1, 3], [2, 0]])
    for masks in ((a, b), (b, a)):
        result = consolidate(*masks, smooth=False, max_rounds=0)
        np.testing.assert_array_equal(result.label_map, [[1, 0], [1, 0]])
        assert result.confidence == 0.5


def test_smoothing_removes_an_isolated_speckle_but_keeps_a_straight_boundary() -> None:
    base = np.zeros((5, 6), dtype=np.uint8)
    base[:, 3:] = 1
    speckled = base.copy()
    speckled[2, 1] = 2
    # two of three workers put the same stray pixel in: the vote keeps it, the mode filter removes it
    raw = consolidate(speckled, speckled, base, smooth=False, max_rounds=0)
    assert raw.label_map[2, 1] == 2
    smooth = consolidate(speckled, speckled, base, smooth=True, max_rounds=0)
    np.testing.assert_array_equal(smooth.label_map, base)
    # the flipped pixel now reports its support (1 of 3): mean agreement (29 + 1/3) / 30
    assert smooth.confidence == round((29 + 1 / 3) / 30, 2) == 0.98


def test_the_mode_filter_by_hand() -> None:
    labels = np.array([[0, 0, 0],
                       [0, 1, 0],
                       [1, 1, 1]])
    # centre: 5 zeros vs 4 ones in its 3 x 3 -> becomes 0; (1, 0) and (1, 2): 3 zeros vs 3 ones (6 cells inside the
    # image) -> a tie keeps the pixel's own class; the bottom row keeps its majority of ones
    np.testing.assert_array_equal(mode_filter_3x3(labels), [[0, 0, 0], [0, 0, 0], [1, 1, 1]])
    # a one-pixel line of class 2 through class 0 loses to the 6 zeros around each of its pixels
    line = np.zeros((3, 5), dtype=np.uint16)
    line[1, :] = 2
    np.testing.assert_array_equal(mode_filter_3x3(line)[1, 1:4], [0, 0, 0])
    assert mode_filter_3x3(line).dtype == np.uint16
    # among two classes that both beat the pixel's own, the more frequent wins, a tie to the smaller index
    mixed = np.array([[3, 3, 3], [5, 4, 5], [5, 7, 7]])
    assert mode_filter_3x3(mixed)[1, 1] == 3  # 3 threes vs 3 fives: tie -> 3
    assert mode_filter_3x3(np.zeros((0, 0), dtype=np.uint8)).shape == (0, 0)
    with pytest.raises(ValueError, match="2-D"):
        mode_filter_3x3(np.zeros(4, dtype=np.uint8))


def test_weighted_vote_by_hand() -> None:
    masks = np.array([[[0, 1]], [[1, 1]], [[1, 0]]])
    label, best = weighted_vote(masks, np.array([3.0, 1.0, 1.0]))
    np.testing.assert_array_equal(label, [[0, 1]])  # pixel 0: 3 for class 0 vs 2 for class 1
    np.testing.assert_allclose(best, [[3.0, 4.0]])


def test_prior_skills_let_a_trusted_worker_outvote_two_doubtful_ones() -> None:
    trusted, doubtful = np.ones((4, 4), dtype=np.uint8), np.zeros((4, 4), dtype=np.uint8)
    answers = [MaskAnswer(1, 0, trusted), MaskAnswer(1, 1, doubtful), MaskAnswer(1, 2, doubtful)]
    plain = MaskConsolidator(max_rounds=0).fit(answers).predict()[1]
    assert plain.label_map.max() == 0
    # K = 2: weights log(0.99 / 0.01) = 4.6 against 2 x log(0.6 / 0.4) = 0.81
    model = MaskConsolidator(max_rounds=0).fit(answers, prior_quality={0: 0.99, 1: 0.6, 2: 0.6})
    assert model.predict()[1].label_map.min() == 1
    assert model.worker_weight_[0] == pytest.approx(np.log(99))


def test_the_batch_em_ranks_workers_by_pixel_accuracy() -> None:
    rng = np.random.default_rng(3)
    answers = []
    for image in range(6):
        truth = np.zeros((40, 50), dtype=np.uint8)
        truth[5 + image:25, 10:40 - image] = 1 + image % 3
        for worker, flip in enumerate((0.02, 0.05, 0.08, 0.45)):
            mask = truth.copy()
            noisy = rng.random(mask.shape) < flip
            mask[noisy] = rng.integers(0, 4, int(noisy.sum()))
            answers.append(MaskAnswer(image, worker, mask))
    model = MaskConsolidator().fit(answers)
    q = model.worker_quality_
    assert q[0] > q[1] > q[2] > q[3]
    assert model.worker_weight_[3] < model.worker_weight_[2]
    assert model.n_classes_ == 4


def test_one_worker_gives_their_mask_with_confidence_zero() -> None:
    mask = np.array([[0, 3], [3, 3]])
    result = consolidate(mask, smooth=False)
    np.testing.assert_array_equal(result.label_map, mask)
    assert result.confidence == 0.0 and result.votes == 1


def test_large_class_indices_give_a_16_bit_map() -> None:
    mask = np.full((3, 3), 300, dtype=np.int32)
    result = consolidate(mask, mask)
    assert result.label_map.dtype == np.uint16 and int(result.label_map[0, 0]) == 300
    with pytest.raises(ValueError, match="16-bit"):
        consolidate(np.full((2, 2), 70000, dtype=np.int64))


@pytest.mark.parametrize(("masks", "match"), [
    ((np.zeros((2, 2), dtype=int), np.zeros((2, 3), dtype=int)), "differ in size"),
    ((np.zeros((2, 2, 3), dtype=int),), "2-D"),
    ((np.full((2, 2), -1),), "outside"),
    ((np.zeros((2, 2), dtype=float),), "integer"),
])
def test_bad_masks_are_refused(masks: tuple[np.ndarray, ...], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        consolidate(*masks)


def test_a_class_beyond_the_job_s_categories_is_refused() -> None:
    with pytest.raises(ValueError, match="outside"):
        MaskConsolidator().fit([MaskAnswer(1, 0, np.array([[0, 3]]))], n_classes=3)


def test_a_full_size_mask_from_five_workers() -> None:
    rng = np.random.default_rng(0)
    truth = np.zeros((1000, 1000), dtype=np.uint8)
    truth[200:600, 300:800] = 1
    truth[650:900, 100:400] = 2
    answers = []
    for worker in range(5):
        mask = truth.copy()
        noisy = rng.random(mask.shape) < 0.05 * (worker + 1)
        mask[noisy] = rng.integers(0, 3, int(noisy.sum()))
        answers.append(MaskAnswer(1, worker, mask))
    raw = MaskConsolidator(smooth=False).fit(answers).predict()[1]
    smooth = MaskConsolidator().fit(answers).predict()[1]
    raw_errors = int((raw.label_map != truth).sum())
    smooth_errors = int((smooth.label_map != truth).sum())
    assert 0 < raw_errors < 10_000 and smooth_errors < raw_errors / 10
    assert 0.8 < smooth.confidence < 0.95


def test_smoothing_keeps_what_every_worker_painted_alike() -> None:
    """The corners of a rectangle all workers (or the only worker) painted survive; the filter alone shaves them."""
    rect = np.zeros((12, 16), dtype=np.uint8)
    rect[3:8, 4:12] = 1
    for masks in ((rect,), (rect, rect, rect)):
        result = consolidate(*masks, smooth=True, max_rounds=0)
        np.testing.assert_array_equal(result.label_map, rect)
    assert int((mode_filter_3x3(rect) != rect).sum()) == 4
