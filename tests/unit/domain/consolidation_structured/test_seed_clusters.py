"""Greedy seeding of one-per-labeler clusters, on hand-built similarity matrices."""

from __future__ import annotations

import numpy as np

from shared.domain.consolidation.seed_clusters import seed_clusters

# Marks 0..4: labeler 0 drew 0 and 1, labeler 1 drew 2, labeler 2 drew 3 and 4.
WORKERS = np.array([0, 0, 1, 2, 2])
SIMILARITY = np.array([
    [1.0, 0.0, 0.9, 0.8, 0.6],
    [0.0, 1.0, 0.1, 0.0, 0.7],
    [0.9, 0.1, 1.0, 0.7, 0.6],
    [0.8, 0.0, 0.7, 1.0, 0.0],
    [0.6, 0.7, 0.6, 0.0, 1.0],
])
ALL = np.arange(5)


def test_the_best_supported_mark_seeds_first_and_takes_each_labelers_closest_mark() -> None:
    # marks 0 and 2 both match two other labelers; 0 has the larger summed similarity (0.9 + 0.8 against
    # 0.9 + 0.7), so it seeds {0, 2, 3} (3 is labeler 2's closer mark); 1 and 4 are left to pair up.
    assert [c.tolist() for c in seed_clusters(SIMILARITY, WORKERS, ALL, 0.5)] == [[0, 2, 3], [1, 4]]


def test_no_mark_joins_below_the_threshold() -> None:
    assert [c.tolist() for c in seed_clusters(SIMILARITY, WORKERS, ALL, 0.85)] == [[0, 2], [1], [3], [4]]


def test_a_preferred_mark_wins_over_a_closer_one() -> None:
    prefer = np.zeros((5, 5), dtype=bool)
    prefer[0, 4] = prefer[4, 0] = True  # e.g. the same entity label
    clusters = seed_clusters(SIMILARITY, WORKERS, ALL, 0.5, prefer=prefer)
    # then mark 3 (support 2: marks 0 and 2) seeds before mark 1 (support 1), and both stand alone
    assert [c.tolist() for c in clusters] == [[0, 2, 4], [3], [1]]


def test_labeler_weights_reorder_the_seeds() -> None:
    # labeler 0 drew marks 0 and 1, labeler 1 mark 2, labeler 2 mark 3. Both of labeler 0's marks are matched by
    # the two others: mark 0 by 0.6 (labeler 1) and 0.9 (labeler 2), mark 1 by 0.9 and 0.55. With equal weights
    # mark 0 scores 1.5 against 1.45 and seeds first, taking marks 2 and 3; if labeler 2 weighs nothing, mark 1
    # scores 0.9 against 0.6, seeds first and takes them instead.
    workers = np.array([0, 0, 1, 2])
    similarity = np.array([
        [1.0, 0.0, 0.6, 0.9],
        [0.0, 1.0, 0.9, 0.55],
        [0.6, 0.9, 1.0, 0.3],
        [0.9, 0.55, 0.3, 1.0],
    ])
    every = np.arange(4)
    assert [c.tolist() for c in seed_clusters(similarity, workers, every, 0.5)] == [[0, 2, 3], [1]]
    weight = np.array([1.0, 1.0, 1.0, 0.0])
    assert [c.tolist() for c in seed_clusters(similarity, workers, every, 0.5, worker_weight=weight)] == [
        [1, 2, 3], [0]]


def test_a_pool_restricts_the_marks_and_an_empty_pool_gives_nothing() -> None:
    assert [c.tolist() for c in seed_clusters(SIMILARITY, WORKERS, np.array([1, 3, 4]), 0.5)] == [[1, 4], [3]]
    assert seed_clusters(SIMILARITY, WORKERS, np.array([], dtype=np.int64), 0.5) == []
