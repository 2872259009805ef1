"""Job and assignment state machines: every allowed move, a table of refused ones, terminal states final."""

from __future__ import annotations

import itertools

import pytest

from shared.domain.errors import Conflict, IllegalTransition
from shared.domain.states import (
    ASSIGNMENT_TRANSITIONS,
    FINAL_OBJECT_STATES,
    JOB_TRANSITIONS,
    TERMINAL_JOB_STATES,
    AssignmentState,
    JobStatus,
    ObjectState,
    check_assignment_transition,
    check_job_transition,
)

J = JobStatus
ALLOWED_JOB_MOVES = [
    (J.INITIALIZING, J.IN_PROGRESS),
    (J.INITIALIZING, J.FAILED),
    (J.INITIALIZING, J.STOPPING),
    (J.IN_PROGRESS, J.COMPLETED),
    (J.IN_PROGRESS, J.FAILED),
    (J.IN_PROGRESS, J.STOPPING),
    (J.STOPPING, J.STOPPED),
]
FORBIDDEN_JOB_MOVES = [
    (J.INITIALIZING, J.COMPLETED),
    (J.INITIALIZING, J.STOPPED),
    (J.INITIALIZING, J.INITIALIZING),
    (J.IN_PROGRESS, J.INITIALIZING),
    (J.IN_PROGRESS, J.STOPPED),
    (J.IN_PROGRESS, J.IN_PROGRESS),
    (J.STOPPING, J.IN_PROGRESS),
    (J.STOPPING, J.COMPLETED),
    (J.STOPPING, J.FAILED),
    (J.COMPLETED, J.IN_PROGRESS),
    (J.FAILED, J.IN_PROGRESS),
    (J.STOPPED, J.IN_PROGRESS),
]


def test_job_status_values_are_ground_truths_strings() -> None:
    assert [s.value for s in JobStatus] == ["Initializing", "InProgress", "Completed", "Failed", "Stopping",
                                            "Stopped"]


@pytest.mark.parametrize(("current", "target"), ALLOWED_JOB_MOVES, ids=lambda s: str(s))
def test_an_allowed_job_move_passes(current: JobStatus, target: JobStatus) -> None:
    check_job_transition(current.value, target.value)


def test_the_allowed_table_lists_exactly_the_moves_the_machine_allows() -> None:
    allowed = {(a, b) for a, targets in JOB_TRANSITIONS.items() for b in targets}
    assert allowed == set(ALLOWED_JOB_MOVES)


@pytest.mark.parametrize(("current", "target"), FORBIDDEN_JOB_MOVES, ids=lambda s: str(s))
def test_a_forbidden_job_move_raises_illegal_transition(current: JobStatus, target: JobStatus) -> None:
    with pytest.raises(IllegalTransition) as info:
        check_job_transition(current.value, target.value)
    assert current.value in info.value.message and target.value in info.value.message
    assert isinstance(info.value, Conflict) and info.value.status == 409


@pytest.mark.parametrize(("terminal", "target"), list(itertools.product(sorted(TERMINAL_JOB_STATES), JobStatus)))
def test_a_terminal_job_state_is_final(terminal: JobStatus, target: JobStatus) -> None:
    with pytest.raises(IllegalTransition):
        check_job_transition(terminal.value, target.value)


def test_the_terminal_states_are_completed_failed_and_stopped() -> None:
    assert {J.COMPLETED, J.FAILED, J.STOPPED} == TERMINAL_JOB_STATES
    assert {s for s, targets in JOB_TRANSITIONS.items() if not targets} == TERMINAL_JOB_STATES


def test_every_non_terminal_job_state_can_reach_a_terminal_state() -> None:
    for start in JobStatus:
        seen, frontier = {start}, [start]
        while frontier:
            for nxt in JOB_TRANSITIONS[frontier.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    frontier.append(nxt)
        assert seen & TERMINAL_JOB_STATES, start


def test_an_unknown_job_status_is_refused() -> None:
    with pytest.raises(ValueError):
        check_job_transition("Running", "Completed")


A = AssignmentState


@pytest.mark.parametrize("target", [A.SUBMITTED, A.DECLINED, A.EXPIRED])
def test_a_leased_assignment_may_be_submitted_declined_or_expire(target: AssignmentState) -> None:
    check_assignment_transition(A.LEASED.value, target.value)


@pytest.mark.parametrize(("current", "target"), [
    *[(final, t) for final in (A.SUBMITTED, A.DECLINED, A.EXPIRED) for t in AssignmentState],
    (A.LEASED, A.LEASED),
])
def test_an_ended_assignment_never_moves_again(current: AssignmentState, target: AssignmentState) -> None:
    with pytest.raises(IllegalTransition):
        check_assignment_transition(current.value, target.value)
    assert not ASSIGNMENT_TRANSITIONS[current] or target == A.LEASED


def test_final_object_states_are_labeled_failed_and_unlabeled() -> None:
    assert {ObjectState.LABELED, ObjectState.FAILED, ObjectState.UNLABELED} == FINAL_OBJECT_STATES
