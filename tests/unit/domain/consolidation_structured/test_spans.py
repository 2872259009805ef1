"""NER span consolidation: clustering by Jaccard, boundary modes, the label tie rule, overlapping entities, the
support rule, confidences and worker skills."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from shared.domain.consolidation.spans import (
    ConsolidatedSpan,
    Span,
    SpanAnswer,
    SpanConsolidator,
    jaccard,
    mode_or_median,
    pairwise_jaccard,
)

CATEGORIES = ["ORG", "LOC", "DATE"]


def one_text(*entities_per_worker: tuple[Span, ...], categories: list[str] = CATEGORIES,
             **kwargs: object) -> list[ConsolidatedSpan]:
    answers = [SpanAnswer(1, w, spans) for w, spans in enumerate(entities_per_worker)]
    return SpanConsolidator(**kwargs).fit(answers, categories).predict()[1]  # type: ignore[arg-type]


def triples(spans: list[ConsolidatedSpan]) -> list[tuple[str, int, int]]:
    return [(s.label, s.start, s.end) for s in spans]


def test_jaccard_by_hand() -> None:
    assert jaccard((0, 4), (0, 4)) == 1.0
    assert jaccard((0, 4), (2, 6)) == pytest.approx(2 / 6)
    assert jaccard((0, 4), (4, 8)) == 0.0  # end is exclusive: adjacent spans share nothing
    assert jaccard((3, 3), (3, 3)) == 0.0
    np.testing.assert_allclose(pairwise_jaccard(np.array([[0, 10]]), np.array([[0, 5], [5, 20]])), [[0.5, 0.25]])


@pytest.mark.parametrize(("values", "weights", "expected"), [
    ([4, 4, 5], [1, 1, 1], 4),  # a clear mode
    ([10, 11, 12], [1, 1, 1], 11),  # all different: median
    ([3, 3, 7, 7], [1, 1, 1, 1], 3),  # tied modes: lower median
    ([3, 3, 7, 7, 9], [1, 1, 1, 1, 1], 7),
    ([4, 4, 5], [1, 1, 5], 5),  # a weighted mode
    ([8], [1], 8),
])
def test_mode_or_median(values: list[int], weights: list[float], expected: int) -> None:
    assert mode_or_median(np.array(values), np.array(weights, dtype=float)) == expected


def test_two_agreeing_workers_give_the_entity_with_full_confidence() -> None:
    [entity] = one_text((Span("ORG", 0, 4),), (Span("ORG", 0, 4),))
    assert entity == ConsolidatedSpan("ORG", 0, 4, confidence=1.0, support=2)
    assert entity.workers == (0, 1)
    assert entity.annotation() == {"label": "ORG", "startOffset": 0, "endOffset": 4}


def test_boundaries_are_the_mode_and_the_median_without_one() -> None:
    [entity] = one_text((Span("LOC", 10, 20),), (Span("LOC", 11, 20),), (Span("LOC", 12, 20),), max_rounds=0)
    assert triples([entity]) == [("LOC", 11, 20)]
    # Jaccard to (11, 20): 9/10, 1, 8/9; all labels agree; 3 of 3 workers
    assert entity.confidence == round((9 / 10 + 1 + 8 / 9) / 3, 2) == 0.93
    [entity] = one_text((Span("LOC", 0, 5),), (Span("LOC", 0, 5),), (Span("LOC", 0, 6),), max_rounds=0)
    assert (entity.start, entity.end) == (0, 5)


def test_a_label_tie_goes_to_the_category_listed_first_in_any_answer_order() -> None:
    org, loc = Span("ORG", 0, 4), Span("LOC", 0, 4)
    for first, second in ((org, loc), (loc, org)):
        assert triples(one_text((first,), (second,))) == [("ORG", 0, 4)]
        assert triples(one_text((first,), (second,), categories=["LOC", "ORG"])) == [("LOC", 0, 4)]
    # the confidence counts only the members who gave the winning label: 1 of 2 workers x Jaccard 1
    assert one_text((org,), (loc,))[0].confidence == 0.5


def test_the_majority_label_wins_and_sets_the_confidence() -> None:
    [entity] = one_text((Span("ORG", 0, 4),), (Span("LOC", 0, 4),), (Span("ORG", 0, 4),), max_rounds=0)
    assert (entity.label, entity.support, entity.confidence) == ("ORG", 3, 0.67)


def test_overlapping_entities_with_different_labels_are_two_clusters() -> None:
    # "Bank of Oslo" as ORG and "Oslo" inside it as LOC (Jaccard 4/12: never one cluster)
    nested = (Span("ORG", 0, 12), Span("LOC", 8, 12))
    assert triples(one_text(nested, nested, nested)) == [("ORG", 0, 12), ("LOC", 8, 12)]
    # the same range with two labels from every worker: one cluster per label, each with full support
    both = (Span("ORG", 0, 4), Span("LOC", 0, 4))
    spans = one_text(both, tuple(reversed(both)), both)
    assert triples(spans) == [("ORG", 0, 4), ("LOC", 0, 4)]
    assert [(s.support, s.confidence) for s in spans] == [(3, 1.0), (3, 1.0)]


def test_a_span_marked_by_fewer_than_half_the_workers_is_dropped() -> None:
    spans = one_text((Span("ORG", 0, 4), Span("DATE", 29, 33)), (Span("ORG", 0, 4),), (Span("ORG", 0, 4),),
                     ())
    assert triples(spans) == [("ORG", 0, 4)]
    assert spans[0].confidence == 0.75  # 3 of 4 workers, one of them answered "no entity"
    # 2 of 4 is half: kept
    spans = one_text((Span("DATE", 29, 33),), (Span("DATE", 29, 33),), (), ())
    assert [(s.label, s.confidence) for s in spans] == [("DATE", 0.5)]


def test_empty_answers_give_no_entities() -> None:
    model = SpanConsolidator().fit([SpanAnswer(1, 0), SpanAnswer(1, 1, ())], CATEGORIES)
    assert model.predict() == {1: []}
    assert model.worker_quality_ == {0: 1.0, 1: 1.0}


def test_one_worker_gives_every_entity_confidence_zero() -> None:
    spans = one_text((Span("ORG", 0, 4), Span("LOC", 21, 25)))
    assert triples(spans) == [("ORG", 0, 4), ("LOC", 21, 25)]
    assert [s.confidence for s in spans] == [0.0, 0.0]


def test_prior_skills_decide_a_label_vote() -> None:
    answers = [SpanAnswer(1, 0, (Span("ORG", 0, 4),)), SpanAnswer(1, 1, (Span("LOC", 0, 4),)),
               SpanAnswer(1, 2, (Span("LOC", 0, 4),))]
    plain = SpanConsolidator(max_rounds=0).fit(answers, ["ORG", "LOC"]).predict()[1]
    assert triples(plain) == [("LOC", 0, 4)]
    # K = 2: weight log(0.99 / 0.01) = 4.6 against 2 x log(0.6 / 0.4) = 0.81
    model = SpanConsolidator(max_rounds=0).fit(answers, ["ORG", "LOC"], prior_quality={0: 0.99, 1: 0.6, 2: 0.6})
    assert triples(model.predict()[1]) == [("ORG", 0, 4)]


def test_the_batch_em_finds_the_worker_who_mislabels() -> None:
    answers = []
    for text in range(12):
        truth = (Span("ORG", 0, 4), Span("LOC", 10, 15), Span("DATE", 20, 24))
        for worker in range(3):
            answers.append(SpanAnswer(text, worker, truth))
        wrong = tuple(Span("LOC" if s.label == "ORG" else s.label, s.start, s.end + (text % 2)) for s in truth)
        answers.append(SpanAnswer(text, 3, wrong))
    model = SpanConsolidator().fit(answers, CATEGORIES)
    q = model.worker_quality_
    assert q[3] < min(q[0], q[1], q[2]) - 0.2
    assert all(triples(spans) == [("ORG", 0, 4), ("LOC", 10, 15), ("DATE", 20, 24)]
               for spans in model.predict().values())


def test_every_order_of_a_small_text_gives_the_same_entities() -> None:
    answers = [SpanAnswer(1, 0, (Span("ORG", 0, 4), Span("LOC", 2, 4))), SpanAnswer(1, 1, (Span("LOC", 0, 4),)),
               SpanAnswer(1, 2, (Span("ORG", 0, 5), Span("DATE", 7, 9))), SpanAnswer(1, 3, (Span("LOC", 0, 4),))]
    expected = SpanConsolidator().fit(answers, CATEGORIES).predict()
    for order in itertools.permutations(answers):
        shuffled = [SpanAnswer(a.object_id, a.worker_id, tuple(reversed(a.entities))) for a in order]
        assert SpanConsolidator().fit(list(order), CATEGORIES).predict() == expected
        assert SpanConsolidator().fit(shuffled, CATEGORIES).predict() == expected


@pytest.mark.parametrize(("span", "match"), [(Span("PERSON", 0, 4), "not a category"), (Span("ORG", 4, 4), "malformed"),
                                             (Span("ORG", -1, 4), "malformed")])
def test_bad_spans_are_refused(span: Span, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        one_text((span,), (Span("ORG", 0, 4),))


def test_bad_categories_and_duplicate_answers_are_refused() -> None:
    with pytest.raises(ValueError, match="categories"):
        SpanConsolidator().fit([], ["ORG", "ORG"])
    with pytest.raises(ValueError, match="twice"):
        SpanConsolidator().fit([SpanAnswer(1, 0), SpanAnswer(1, 0)], CATEGORIES)
