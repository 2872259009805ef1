"""/metrics for a worker host: every process's counters, summed through PROMETHEUS_MULTIPROC_DIR."""

from __future__ import annotations

import os

from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.multiprocess import MultiProcessCollector


def start(port: int) -> None:
    registry = None
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
    if registry is None:
        start_http_server(port)
    else:
        start_http_server(port, registry=registry)
