"""Fail points for crash tests: `crash_point("ingest.mid_chunk")` SIGKILLs its own process, once.

Design: shared/config.py stays the only reader of the environment. It reads GW_CRASH_AT (the name of one fail
point) and GW_CRASH_MARKER (a file path) into Settings; `build_deps` passes them to `configure` once per process
(after fork, in every Celery and gunicorn worker). `crash_point` then only compares against a module-level name,
so with GW_CRASH_AT unset it costs one global lookup and a comparison, and it never touches the environment.

When the name matches, `crash_point` creates the marker file exclusively (O_CREAT | O_EXCL, so of all processes
sharing the setting exactly one wins), writes its pid into it, and kills its own process with SIGKILL: no
`finally`, no rollback, no flushed buffers, as the OOM killer or a lost node would do it. A process restarted
with the same settings finds the marker and runs on, so each test crashes exactly once. The marker also tells
the test which process died.
"""

from __future__ import annotations

import os
import signal

_crash_at: str | None = None
_marker: str = ""


def configure(crash_at: str, marker: str) -> None:
    """Arm one fail point (or none, with an empty name) for this process; called by `build_deps`."""
    global _crash_at, _marker
    if crash_at and not marker:
        raise ValueError("GW_CRASH_AT needs GW_CRASH_MARKER, or every restart would crash again")
    _crash_at, _marker = (crash_at or None), marker


def crash_point(name: str) -> None:
    """SIGKILL this process here if `name` is the armed fail point and no process has crashed for it yet."""
    if _crash_at != name:
        return
    try:
        fd = os.open(_marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        return
    os.write(fd, f"{os.getpid()}\n".encode())
    os.fsync(fd)
    os.close(fd)
    os.kill(os.getpid(), signal.SIGKILL)
