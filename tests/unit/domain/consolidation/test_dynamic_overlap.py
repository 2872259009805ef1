"""Dynamic overlap: posterior by hand, the stop rule's four outcomes, the evidence floor and re-opening."""

from __future__ import annotations

import numpy as np
import pytest

from shared.domain.consolidation import DawidSkene, OverlapPolicy, WorkerSkills, decide, object_posterior
from shared.domain.consolidation.dynamic_overlap import EVIDENCE_FLOOR, reopened


def skills() -> WorkerSkills:
    return WorkerSkills.from_accuracies({"good": 0.9, "fair": 0.6}, 2)


def test_posterior_by_hand() -> None:
    # prior 1/2; good says 1 (0.9 vs 0.1), fair says 0 (0.6 vs 0.4): 0.5*0.1*0.6 = 0.03 vs 0.5*0.9*0.4 = 0.18
    np.testing.assert_allclose(object_posterior([("good", 1), ("fair", 0)], skills()), [0.03 / 0.21, 0.18 / 0.21])


def test_an_unknown_worker_gets_the_default_matrix() -> None:
    # default one-coin 0.7: 0.3 vs 0.7
    np.testing.assert_allclose(object_posterior([("stranger", 1)], skills()), [0.3, 0.7])


def test_a_class_prior_enters_the_posterior() -> None:
    s = WorkerSkills.from_accuracies({"good": 0.9}, 2, class_prior=np.array([0.9, 0.1]))
    np.testing.assert_allclose(object_posterior([("good", 1)], s), [0.5, 0.5])
    assert decide([("good", 1)], s, OverlapPolicy(1, 5, 0.5)).label == 0  # tie -> smallest class


@pytest.mark.parametrize(("answers", "stop", "reason"), [
    ([("good", 1)], False, "below_min_workers"),
    ([("good", 1), ("good", 1)], True, "confident"),
    ([("good", 1), ("good", 0)], False, "uncertain"),
    ([("good", 1), ("good", 0), ("fair", 1)], True, "max_workers"),
])
def test_the_stop_rule(answers: list, stop: bool, reason: str) -> None:
    decision = decide(answers, skills(), OverlapPolicy(min_workers=2, max_workers=3, target_confidence=0.95))
    assert (decision.stop, decision.reason) == (stop, reason)
    assert decision.confidence == pytest.approx(decision.posterior.max())


def test_min_agreement_holds_back_a_confident_split_vote() -> None:
    # good, good say 1 and fair says 0: posterior for 1 is 0.9*0.9*0.4 / (that + 0.1*0.1*0.6) = 0.9818
    answers = [("good", 1), ("good", 1), ("fair", 0)]
    assert decide(answers, skills(), OverlapPolicy(3, 9, 0.98)).stop
    assert not decide(answers, skills(), OverlapPolicy(3, 9, 0.98, min_agreement=0.8)).stop


def test_skills_from_a_fitted_dawid_skene() -> None:
    ds = DawidSkene().fit_arrays(["a", "a", "b", "b"], ["u", "v", "u", "v"], [0, 0, 1, 1], 2)
    s = WorkerSkills.from_confusions(ds.confusions_, ds.class_prior_)
    np.testing.assert_allclose(s.default_confusion, (ds.confusions_["u"] + ds.confusions_["v"]) / 2, atol=1e-9)
    assert decide([("u", 1), ("v", 1)], s, OverlapPolicy(2, 5, 0.8)).label == 1


def test_tempering_and_a_floor_make_the_posterior_less_extreme() -> None:
    base = WorkerSkills.from_accuracies({"good": 0.99}, 2)
    tempered = WorkerSkills(base.confusions, base.class_prior, base.default_confusion, floor=0.1, temperature=0.5)
    assert object_posterior([("good", 1)], tempered)[1] < object_posterior([("good", 1)], base)[1]
    # floor 0.1 then power 1/2: sqrt(0.99) vs sqrt(0.1)
    p = np.sqrt(0.99) / (np.sqrt(0.99) + np.sqrt(0.1))
    np.testing.assert_allclose(object_posterior([("good", 1)], tempered), [1 - p, p])


def test_the_factories_floor_learned_cells_so_one_answer_cannot_settle_an_object() -> None:
    # a learned accuracy of 1 (clipped to 1 - 1e-6): its 1e-6 error cell counts as EVIDENCE_FLOOR
    sure = WorkerSkills.from_accuracies({"sure": 1.0}, 2)
    p = (1 - 1e-6) / (1 - 1e-6 + EVIDENCE_FLOOR)
    np.testing.assert_allclose(object_posterior([("sure", 1)], sure), [1 - p, p])
    ds = DawidSkene().fit_arrays(["a", "a", "b", "b"], ["u", "v", "u", "v"], [0, 0, 1, 1], 2)
    assert WorkerSkills.from_confusions(ds.confusions_, ds.class_prior_).floor == EVIDENCE_FLOOR
    unfloored = WorkerSkills.from_accuracies({"sure": 1.0}, 2, floor=0.0)
    assert object_posterior([("sure", 1)], unfloored)[1] > 1 - 1e-5


def test_stopped_objects_reopen_when_re_learned_skills_no_longer_support_the_stop() -> None:
    policy = OverlapPolicy(min_workers=2, max_workers=3, target_confidence=0.95)
    answers = {"x": [("w", 1), ("w", 1)], "full": [("w", 1), ("w", 0), ("w", 1)]}
    early = WorkerSkills.from_accuracies({"w": 0.9}, 2)  # two agreeing answers: 0.81 / 0.82 = 0.988
    assert decide(answers["x"], early, policy).stop
    assert reopened(answers, ["x", "full"], early, policy) == set()
    later = WorkerSkills.from_accuracies({"w": 0.7}, 2)  # 0.49 / 0.58 = 0.845: x takes more answers
    assert reopened(answers, ["x", "full"], later, policy) == {"x"}  # "full" has all it can get


@pytest.mark.parametrize("kwargs", [{"min_workers": 0}, {"min_workers": 4, "max_workers": 3},
                                    {"target_confidence": 0.0}])
def test_bad_policies_are_refused(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        OverlapPolicy(**kwargs)
