"""Prometheus metrics, defined once. Multiprocess-safe: gunicorn workers and Celery children write to
PROMETHEUS_MULTIPROC_DIR and whoever serves /metrics sums them. Increments happen after commit, so the
counters agree with the database."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

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


class DatabaseCollector:
    """Gauges read from the database at scrape time: objects by state and jobs by status."""

    def __init__(self, read_counts: Callable[[], tuple[Iterable[tuple[str, str, int]], Iterable[tuple[str, int]]]]):
        self.read_counts = read_counts

    def collect(self) -> Iterable[Any]:
        objects, jobs = self.read_counts()
        by_state = GaugeMetricFamily("groundwork_objects", "Data objects by job and state", labels=["job", "state"])
        for job, state, count in objects:
            by_state.add_metric([job, state], count)
        by_status = GaugeMetricFamily("groundwork_jobs", "Labeling jobs by status", labels=["status"])
        for status, count in jobs:
            by_status.add_metric([status], count)
        return [by_state, by_status]


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
