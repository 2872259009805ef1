"""Job, data-object and assignment state machines, as Ground Truth names them.

Every allowed move is listed here once; persistence refuses any other, and each move is written to the audit trail.
"""

from __future__ import annotations

from enum import StrEnum

from shared.domain.errors import IllegalTransition


class JobStatus(StrEnum):
    INITIALIZING = "Initializing"
    IN_PROGRESS = "InProgress"
    COMPLETED = "Completed"
    FAILED = "Failed"
    STOPPING = "Stopping"
    STOPPED = "Stopped"


JOB_TRANSITIONS: dict[JobStatus, frozenset[JobStatus]] = {
    JobStatus.INITIALIZING: frozenset({JobStatus.IN_PROGRESS, JobStatus.FAILED, JobStatus.STOPPING}),
    JobStatus.IN_PROGRESS: frozenset({JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.STOPPING}),
    JobStatus.STOPPING: frozenset({JobStatus.STOPPED}),
    JobStatus.COMPLETED: frozenset(),
    JobStatus.FAILED: frozenset(),
    JobStatus.STOPPED: frozenset(),
}

TERMINAL_JOB_STATES = frozenset({JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.STOPPED})


def check_job_transition(current: str, target: str) -> None:
    """Raise IllegalTransition unless Ground Truth's state machine allows current -> target."""
    if JobStatus(target) not in JOB_TRANSITIONS[JobStatus(current)]:
        raise IllegalTransition(f"a job cannot go from {current} to {target}")


class ObjectState(StrEnum):
    """A data object's life: queued until released to labelers (MaxConcurrentTaskCount), open while it
    still needs answers, answered when it is ready to consolidate, then labeled, failed or unlabeled."""

    # Automated labeling only: waiting for a training round to machine-label it or send it to people.
    POOL = "pool"
    QUEUED = "queued"
    OPEN = "open"
    ANSWERED = "answered"
    LABELED = "labeled"
    FAILED = "failed"
    UNLABELED = "unlabeled"
    # A gold item: a known answer mixed into the task stream to score labelers; outside the dataset (negative
    # line numbers), never consolidated, never in the output or the LabelCounters.
    GOLD = "gold"


FINAL_OBJECT_STATES = frozenset({ObjectState.LABELED, ObjectState.FAILED, ObjectState.UNLABELED})


class AssignmentState(StrEnum):
    LEASED = "leased"
    SUBMITTED = "submitted"
    DECLINED = "declined"
    EXPIRED = "expired"


ASSIGNMENT_TRANSITIONS: dict[AssignmentState, frozenset[AssignmentState]] = {
    AssignmentState.LEASED: frozenset(
        {AssignmentState.SUBMITTED, AssignmentState.DECLINED, AssignmentState.EXPIRED}
    ),
    AssignmentState.SUBMITTED: frozenset(),
    AssignmentState.DECLINED: frozenset(),
    AssignmentState.EXPIRED: frozenset(),
}


def check_assignment_transition(current: str, target: str) -> None:
    if AssignmentState(target) not in ASSIGNMENT_TRANSITIONS[AssignmentState(current)]:
        raise IllegalTransition(f"an assignment cannot go from {current} to {target}")
