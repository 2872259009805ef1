"""Prometheus metrics, defined once. Multiprocess-safe: gunicorn workers and Celery children write to
PROMETHEUS_MULTIPROC_DIR and whoever serves /metrics sums them. Increments happen after commit, so the
counters agree with the database."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from shared.domain.counters import label_counters

TASKS_LEASED = Counter("groundwork_tasks_leased_total", "Tasks leased to labelers", ["job"])
ANSWERS_SUBMITTED = Counter("groundwork_answers_submitted_total", "Answers accepted from labelers", ["job"])
TASKS_DECLINED = Counter("groundwork_tasks_declined_total", "Tasks given back by labelers", ["job"])
LEASES_EXPIRED = Counter("groundwork_leases_expired_total", "Leases that ran past their time limit", ["job"])
OBJECTS_INGESTED = Counter("groundwork_objects_ingested_total", "Manifest lines stored", ["job", "result"])
OBJECTS_CONSOLIDATED = Counter("groundwork_objects_consolidated_total", "Objects consolidated", ["job"])
COST_ACCRUED = Counter("groundwork_cost_accrued_usd_total", "Money written to the ledger", ["job", "kind"])
TRAINING_ROUNDS = Counter("groundwork_training_rounds_total", "Automated-labeling rounds finished", ["job", "device"])
OBJECTS_MACHINE_LABELED = Counter("groundwork_objects_machine_labeled_total", "Objects labeled by the trainer's model",
                                  ["job"])
TRAINER_SECONDS = Counter("groundwork_trainer_seconds_total", "Trainer compute time spent on rounds", ["job", "device"])
REQUEST_SECONDS = Histogram(
    "groundwork_http_request_seconds", "API request latency", ["endpoint"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5),
)


@dataclass(frozen=True)
class DatabaseCounts:
    """What the database says at scrape time (shared/services/queries.py reads it)."""

    objects: Iterable[tuple[str, str, int]]  # (job, state, count)
    jobs: Iterable[tuple[str, int]]  # (status, count)
    machine_labeled: Iterable[tuple[str, int]] = ()  # (job, objects labeled by the trainer's model)
    tasks: Iterable[tuple[str, str, int]] = ()  # (workteam, event, count)
    time_spent: Iterable[tuple[str, float]] = ()  # (workteam, seconds between accept and submit, summed)


# Ground Truth's CloudWatch names (doc §3.12) as Prometheus metrics: per job, and per workteam for task events.
_TASK_EVENTS = {"leased": "accepted", "declined": "declined", "expired": "returned", "submitted": "submitted"}


class DatabaseCollector:
    """Gauges read from the database at scrape time: objects by state and jobs by status, and the same facts under
    Ground Truth's CloudWatch metric names (`gt_*`), so a dashboard built for Ground Truth maps one to one."""

    def __init__(self, read_counts: Callable[[], DatabaseCounts]):
        self.read_counts = read_counts

    def collect(self) -> Iterable[Any]:
        counts = self.read_counts()
        by_state = GaugeMetricFamily("groundwork_objects", "Data objects by job and state", labels=["job", "state"])
        per_job: dict[str, dict[str, int]] = {}
        for job, state, count in counts.objects:
            by_state.add_metric([job, state], count)
            per_job.setdefault(job, {})[state] = count
        by_status = GaugeMetricFamily("groundwork_jobs", "Labeling jobs by status", labels=["status"])
        gt_jobs = GaugeMetricFamily("gt_jobs_total", "Labeling jobs by status (JobsSucceeded, JobsFailed, "
                                    "JobsStopped, ...)", labels=["status"])
        for status, count in counts.jobs:
            by_status.add_metric([status], count)
            gt_jobs.add_metric([status], count)
        return [by_state, by_status, gt_jobs, *self._per_job(per_job, dict(counts.machine_labeled)),
                *self._per_team(counts)]

    @staticmethod
    def _per_job(per_job: dict[str, dict[str, int]], machine: dict[str, int]) -> list[Any]:
        auto = GaugeMetricFamily("gt_dataset_objects_auto_annotated", "DatasetObjectsAutoAnnotated", labels=["job"])
        human = GaugeMetricFamily("gt_dataset_objects_human_annotated", "DatasetObjectsHumanAnnotated",
                                  labels=["job"])
        failed = GaugeMetricFamily("gt_dataset_objects_labeling_failed", "DatasetObjectsLabelingFailed",
                                   labels=["job"])
        total = GaugeMetricFamily("gt_total_dataset_objects_labeled", "TotalDatasetObjectsLabeled", labels=["job"])
        for job, states in per_job.items():
            counters = label_counters(states, machine.get(job, 0))  # the same numbers as the API's LabelCounters
            auto.add_metric([job], counters.MachineLabeled)
            human.add_metric([job], counters.HumanLabeled)
            failed.add_metric([job], counters.FailedNonRetryableError)
            total.add_metric([job], counters.TotalLabeled)
        return [auto, human, failed, total]

    @staticmethod
    def _per_team(counts: DatabaseCounts) -> list[Any]:
        tasks = GaugeMetricFamily("gt_tasks_total", "Tasks by event (TasksAccepted, TasksDeclined, TasksReturned, "
                                  "TasksSubmitted) and workteam", labels=["event", "workteam"])
        for team, state, count in counts.tasks:
            if state in _TASK_EVENTS:
                tasks.add_metric([_TASK_EVENTS[state], team], count)
        spent = GaugeMetricFamily("gt_task_time_seconds_total", "TimeSpent: seconds from accepting a task to "
                                  "submitting it, summed per workteam", labels=["workteam"])
        for team, seconds in counts.time_spent:
            spent.add_metric([team], seconds)
        return [tasks, spent]


class _ThisProcess:
    """The process-local default registry, as a collector (single-process mode)."""

    def collect(self) -> Iterable[Any]:
        return REGISTRY.collect()


def render(extra: list[Any] | None = None) -> bytes:
    """Exposition text: every process's counters (multiprocess mode) or this process's, plus scrape-time gauges."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())  # type: ignore[arg-type]
    for collector in extra or []:
        registry.register(collector)
    return generate_latest(registry)


def serve(port: int) -> None:
    """/metrics for a worker or trainer host (a thread in this process): every process's counters, summed through
    PROMETHEUS_MULTIPROC_DIR when it is set."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        start_http_server(port, registry=registry)
    else:
        start_http_server(port)
