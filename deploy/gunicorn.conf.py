"""gunicorn settings for the API. Prometheus multiprocess mode: each worker writes its own files, and a dead
worker's live gauges are marked so /metrics stays right across restarts."""

import os

bind = os.environ.get("GW_API_BIND", "0.0.0.0:8080")
workers = int(os.environ.get("GW_API_WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GW_API_THREADS", "4"))
timeout = 60
graceful_timeout = 20
keepalive = 5
accesslog = None
# gunicorn's worker heartbeat files: in containers /tmp may be a slow overlay filesystem, so keep them in memory.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"


def child_exit(server, worker):  # noqa: ANN001, ANN201 - gunicorn's hook signature
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def post_worker_init(worker):  # noqa: ANN001, ANN201 - gunicorn's hook signature
    """Move everything loaded at boot out of the garbage collector's view and collect young objects less often:
    the app's long-lived objects (routes, SQLAlchemy metadata, compiled statements) are never garbage, and scanning
    them in full collections put pauses of tens of milliseconds into the tail of request latency."""
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 50)
