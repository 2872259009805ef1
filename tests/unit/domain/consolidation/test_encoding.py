"""Dense encoding of answers: ids in sorted order, canonical answer order, label checks."""

from __future__ import annotations

import numpy as np
import pytest

from shared.domain.consolidation import Answer, encode_answers, encode_arrays
from shared.domain.consolidation.encoding import index_ids


def test_ids_are_numbered_in_sorted_order_whatever_their_type() -> None:
    assert index_ids(["b", "a", "b", "c"])[0] == ["a", "b", "c"]
    assert index_ids(["b", "a", "b", "c"])[1].tolist() == [1, 0, 1, 2]
    assert index_ids(np.array([30, 10, 30]))[0] == [10, 30]
    assert index_ids([(2, "x"), (1, "y")])[0] == [(1, "y"), (2, "x")]


def test_unorderable_mixed_ids_are_ordered_by_type_name_then_repr() -> None:
    ids, inverse = index_ids([3, "3", 1])
    assert ids == [1, 3, "3"]
    assert inverse.tolist() == [1, 2, 0]


def test_answers_are_sorted_by_object_worker_label() -> None:
    enc = encode_arrays(["o2", "o1", "o1"], ["w1", "w2", "w1"], [1, 0, 2], 3)
    assert enc.object_ids == ["o1", "o2"] and enc.worker_ids == ["w1", "w2"]
    assert enc.objects.tolist() == [0, 0, 1]
    assert enc.workers.tolist() == [0, 1, 0]
    assert enc.labels.tolist() == [2, 0, 1]
    np.testing.assert_array_equal(enc.votes(), [[1, 0, 1], [0, 1, 0]])


def test_the_answer_dataclass_path_equals_the_array_path() -> None:
    answers = [Answer(5, 1, 0), Answer(4, 2, 1), Answer(5, 2, 1)]
    a = encode_answers(answers, 2)
    b = encode_arrays([5, 4, 5], [1, 2, 2], [0, 1, 1], 2)
    assert a.object_ids == b.object_ids and a.worker_ids == b.worker_ids
    for name in ("objects", "workers", "labels"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))


@pytest.mark.parametrize("label", [-1, 3])
def test_a_label_outside_the_classes_is_refused(label: int) -> None:
    with pytest.raises(ValueError, match="outside"):
        encode_arrays([1, 1], [1, 2], [0, label], 3)


def test_columns_of_different_length_are_refused() -> None:
    with pytest.raises(ValueError, match="differ in length"):
        encode_arrays([1, 2], [1], [0, 1], 2)


def test_non_integer_labels_are_refused() -> None:
    with pytest.raises(ValueError, match="integer"):
        encode_arrays([1], [1], np.array([0.5]), 2)
