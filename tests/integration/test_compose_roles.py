"""docker-compose.yml without Docker: every app service's command, run here against loopback services.

The compose file is parsed, and each service that starts through `deploy/entrypoint.sh <role>` is started with that
exact command and that service's environment (from its env files), with only the backing services swapped for local
ones: PostgreSQL -> a fresh database, Redis -> DB 5 on 127.0.0.1, S3 -> moto. GW_PROFILE stays `production`, so the
production guard sees every setting. A role that no longer starts, a queue no role consumes, a setting missing from
the example env file or a service that bypasses the entrypoint fails here instead of on the first deployment.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
import yaml

from demo.processes import S3_CREDENTIALS, free_port
from shared.config import Settings, from_env
from shared.messaging import QueueNames
from tests.support.services import postgres_database, redis_db, s3_server

pytestmark = [pytest.mark.integration, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
ENTRYPOINT = "deploy/entrypoint.sh"
ROLES = ("migrate", "api", "worker", "beat", "trainer")
REDIS_DB = 5
START_SECONDS = 60.0  # generous: other test runs share the two cores
STOP_GRACE = 20.0
COMPOSE: dict[str, Any] = yaml.safe_load((REPO / "docker-compose.yml").read_text())
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines as Compose reads them (comments and blank lines skipped); a repeated key is an error."""
    values: dict[str, str] = {}
    for number, raw in enumerate(path.read_text().splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        assert sep, f"{path}:{number}: not KEY=VALUE: {raw!r}"
        assert key.strip() not in values, f"{path}:{number}: {key.strip()} is set twice"
        values[key.strip()] = value.strip()
    return values


def documented_names(path: Path) -> list[str]:
    """Every GW_* name an env file sets or documents as a commented-out `# GW_NAME=` line, in order."""
    return re.findall(r"^#?\s*(GW_[A-Z0-9_]+)=", path.read_text(), flags=re.MULTILINE)


def names_read_by_the_code() -> set[str]:
    """GW_* names read by Settings (shared/config.py), the entrypoint and the gunicorn config."""
    sources = [REPO / "shared" / "config.py", REPO / "deploy" / "entrypoint.sh", REPO / "deploy" / "gunicorn.conf.py"]
    names: set[str] = set()
    for path in sources:
        names.update(re.findall(r"\b(GW_[A-Z0-9_]+[A-Z0-9])\b", path.read_text()))
    return names


def entrypoint_role(service: dict[str, Any]) -> str | None:
    command = service.get("command") or []
    args = shlex.split(command) if isinstance(command, str) else [str(a) for a in command]
    if len(args) >= 2 and args[0].removeprefix("./") == ENTRYPOINT:
        return args[1]
    return None


def compose_environment(service: dict[str, Any]) -> dict[str, str]:
    """The service's environment: its required env files in order, then its `environment` entries."""
    env: dict[str, str] = {}
    env_files = service.get("env_file") or []
    for entry in [env_files] if isinstance(env_files, str | dict) else env_files:
        path, required = (entry, True) if isinstance(entry, str) else (entry["path"], entry.get("required", True))
        if required:
            env.update(read_env_file(REPO / path))
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) for item in environment)
    env.update({k: "" if v is None else str(v) for k, v in environment.items()})
    return env


APP_SERVICES = {name: role for name, svc in SERVICES.items() if (role := entrypoint_role(svc))}
PRODUCTION_ENV = REPO / "deploy" / "env" / "production.env.example"
EMBEDDED_ENV = REPO / "deploy" / "env" / "embedded.env"


# ---- the files agree with each other (no processes) --------------------------------------------------------------


def test_every_app_service_is_built_from_the_dockerfile_and_starts_through_the_entrypoint() -> None:
    dockerfile = (REPO / "deploy" / "docker" / "Dockerfile").read_text()
    targets = set(re.findall(r"^FROM\s+\S+\s+AS\s+(\S+)", dockerfile, flags=re.MULTILINE | re.IGNORECASE))
    built = {name: svc for name, svc in SERVICES.items() if "build" in svc}
    assert built, "docker-compose.yml builds no service from the Dockerfile"
    for name, svc in built.items():
        assert svc["build"]["dockerfile"] == "deploy/docker/Dockerfile", name
        assert svc["build"]["target"] in targets, f"{name}: target {svc['build']['target']} is not in the Dockerfile"
        assert name in APP_SERVICES, f"{name} is built from the app image but does not run `{ENTRYPOINT} <role>`"
    assert sorted(APP_SERVICES.values()) == sorted(ROLES), "each role should run as exactly one compose service"
    assert {svc["build"]["target"] for svc in built.values()} == {"app", "trainer"}
    assert SERVICES[_service_for("trainer")]["build"]["target"] == "trainer"


def test_the_entrypoint_refuses_an_unknown_role_and_names_the_known_ones() -> None:
    result = subprocess.run(["bash", ENTRYPOINT, "webserver"], cwd=REPO, capture_output=True, text=True,
                            env=_base_env(), timeout=30)
    assert result.returncode != 0
    assert "unknown role 'webserver'" in result.stderr
    assert all(role in result.stderr for role in ROLES)


def test_every_queue_is_consumed_by_some_role_in_the_entrypoint() -> None:
    script = (REPO / ENTRYPOINT).read_text()
    consumed = [q for found in re.findall(r"-Q\s+([\w,]+)", script) for q in found.split(",")]
    assert consumed, "the entrypoint starts no worker with -Q"
    assert set(QueueNames.all()) <= set(consumed), f"no role consumes {set(QueueNames.all()) - set(consumed)}"
    assert set(consumed) <= set(QueueNames.all()), f"unknown queues {set(consumed) - set(QueueNames.all())}"


def test_api_worker_beat_and_trainer_start_only_after_migrate_completes() -> None:
    migrate = _service_for("migrate")
    assert SERVICES[migrate].get("restart") == "no", "the migrate step must run once, not restart forever"
    for role in ("api", "worker", "beat", "trainer"):
        depends = SERVICES[_service_for(role)].get("depends_on") or {}
        assert isinstance(depends, dict) and migrate in depends, f"{role} does not wait for {migrate}"
        assert depends[migrate]["condition"] == "service_completed_successfully", role


def test_the_production_example_lists_every_setting_once() -> None:
    listed = documented_names(PRODUCTION_ENV)
    assert len(listed) == len(set(listed)), f"listed twice: {sorted({n for n in listed if listed.count(n) > 1})}"
    read = names_read_by_the_code()
    assert set(listed) == read, f"missing: {sorted(read - set(listed))}, unknown: {sorted(set(listed) - read)}"
    values = read_env_file(PRODUCTION_ENV)
    assert values["GW_PROFILE"] == "production"
    assert values["GW_DATABASE_URL"].startswith("postgresql+psycopg://")
    assert values["GW_BROKER_URL"].startswith("redis://")
    assert values["GW_BLOB_URL"].startswith("s3://")
    assert values["GW_SECRET_KEY"] == "", "the example must not ship a usable secret"
    with pytest.raises(ValueError, match="GW_SECRET_KEY"):
        from_env(values)


def test_the_embedded_env_file_spells_out_exactly_the_defaults() -> None:
    assert set(documented_names(EMBEDDED_ENV)) == names_read_by_the_code()
    assert from_env(read_env_file(EMBEDDED_ENV)) == Settings()


def test_the_production_urls_name_compose_services() -> None:
    values = read_env_file(PRODUCTION_ENV)
    for key in ("GW_DATABASE_URL", "GW_BROKER_URL", "GW_S3_ENDPOINT_URL"):
        host = urlsplit(values[key]).hostname
        assert host in SERVICES, f"{key} points at {host!r}, which is no service in docker-compose.yml"
    bucket = urlsplit(values["GW_BLOB_URL"]).netloc
    assert bucket, "GW_BLOB_URL names no bucket"
    creators = [n for n, s in SERVICES.items() if "mc mb" in " ".join(s.get("command") or [])]
    assert creators, "no one-shot step creates the bucket"
    for role in ("api", "worker", "trainer"):
        assert creators[0] in (SERVICES[_service_for(role)].get("depends_on") or {}), role


def test_prometheus_scrapes_the_api_and_worker_where_they_listen() -> None:
    config = yaml.safe_load((REPO / "deploy" / "prometheus" / "prometheus.yml").read_text())
    targets = {(name, sd["port"]) for job in config["scrape_configs"] for sd in job.get("dns_sd_configs", [])
               for name in sd["names"]}
    env = read_env_file(PRODUCTION_ENV)
    assert (_service_for("api"), int(env["GW_API_BIND"].rsplit(":", 1)[1])) in targets
    assert (_service_for("worker"), int(env["GW_METRICS_PORT"])) in targets


# ---- each role's command, run for real ---------------------------------------------------------------------------


@dataclass
class Backing:
    database_url: str
    redis_url: str
    s3_endpoint: str
    root: Path
    migrated: subprocess.CompletedProcess[str] | None = None
    started: list[subprocess.Popen[bytes]] = field(default_factory=list)


@pytest.fixture(scope="module")
def backing(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backing]:
    bucket = urlsplit(read_env_file(PRODUCTION_ENV)["GW_BLOB_URL"]).netloc
    with postgres_database() as database_url, s3_server(bucket) as endpoint:
        redis_url = redis_db(REDIS_DB)
        b = Backing(database_url, redis_url, endpoint, tmp_path_factory.mktemp("compose"))
        try:
            yield b
        finally:
            for proc in b.started:
                if proc.returncode is None:
                    _stop(proc)
            redis_db(REDIS_DB)  # flushes what the roles left behind


def _base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k in ("HOME", "LANG", "LC_ALL", "TMPDIR", "USER")}
    env["PATH"] = f"{BIN}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}"
    env["PYTHONPATH"] = str(REPO)
    return env


def _service_for(role: str) -> str:
    return next(name for name, r in APP_SERVICES.items() if r == role)


def role_environment(service: str, backing: Backing) -> dict[str, str]:
    """The service's compose environment with each backing service swapped for its loopback stand-in."""
    env = compose_environment(SERVICES[service])
    assert env.get("GW_PROFILE") == "production", f"{service} does not run with GW_PROFILE=production"
    for key, value in env.items():
        scheme = value.split("://", 1)[0] if "://" in value else ""
        if scheme.startswith("postgresql"):
            env[key] = backing.database_url
        elif scheme in ("redis", "rediss"):
            env[key] = backing.redis_url
    assert "GW_S3_ENDPOINT_URL" in env, f"{service} has no GW_S3_ENDPOINT_URL"
    env["GW_S3_ENDPOINT_URL"] = backing.s3_endpoint
    env.update(S3_CREDENTIALS)
    data_dir = backing.root / service  # each container has its own filesystem
    env.update({
        "GW_DATA_DIR": str(data_dir),
        "GW_API_BIND": f"127.0.0.1:{free_port()}",
        "GW_METRICS_PORT": str(free_port()),
        "GW_API_WORKERS": "1",
        "GW_WORKER_CONCURRENCY": "1",
        "GW_SECRET_KEY": env.get("GW_SECRET_KEY") or secrets.token_hex(16),
    })
    for key, value in env.items():
        host = urlsplit(value).hostname if "://" in value else None
        assert host not in SERVICES, f"{key}={value} still points at the compose service {host!r}"
    return {**_base_env(), **env}


def _command(service: str) -> list[str]:
    return ["bash", ENTRYPOINT, APP_SERVICES[service]]


def _migrate(backing: Backing) -> subprocess.CompletedProcess[str]:
    """Run the migrate service's command once per module; later roles depend on it, as in compose."""
    if backing.migrated is None:
        service = _service_for("migrate")
        backing.migrated = subprocess.run(_command(service), cwd=REPO, env=role_environment(service, backing),
                                          capture_output=True, text=True, timeout=120)
    return backing.migrated


def _start(service: str, backing: Backing, log: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    with open(log, "wb") as out:
        proc = subprocess.Popen(_command(service), cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    backing.started.append(proc)
    return proc


def _stop(proc: subprocess.Popen[bytes]) -> bool:
    """SIGTERM, SIGKILL after a grace; True when SIGTERM alone ended it. Anything left in its group is killed."""
    graceful = True
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(STOP_GRACE)
        except subprocess.TimeoutExpired:
            graceful = False
            proc.kill()
            proc.wait(10)
    with contextlib.suppress(ProcessLookupError):  # children that outlived their parent (own session and group)
        os.killpg(proc.pid, signal.SIGKILL)
    return graceful


def _wait_until(check: Callable[[], bool], proc: subprocess.Popen[bytes], log: Path, what: str,
                seconds: float = START_SECONDS) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        if proc.poll() is not None:
            pytest.fail(f"{what}: exited with {proc.returncode} first\n{_tail(log)}")
        time.sleep(0.2)
    pytest.fail(f"{what}: not within {seconds:.0f}s\n{_tail(log)}")


def _tail(log: Path, lines: int = 40) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) if log.exists() else "(no log)"


def _logged(log: Path, pattern: str) -> Callable[[], bool]:
    return lambda: log.exists() and re.search(pattern, log.read_text(errors="replace")) is not None


def _answers(url: str) -> Callable[[], bool]:
    def check() -> bool:
        try:
            return requests.get(url, timeout=5).status_code == 200
        except requests.RequestException:
            return False

    return check


def _check_api(env: dict[str, str], proc: subprocess.Popen[bytes], log: Path) -> None:
    base = f"http://{env['GW_API_BIND']}"
    _wait_until(_answers(base + "/healthz"), proc, log, "api answering /healthz with 200")
    metrics = requests.get(base + "/metrics", timeout=10)
    assert metrics.status_code == 200, metrics.text[:500]
    assert "groundwork_http_request_seconds" in metrics.text  # the /healthz request, read back from the files


def _check_worker(env: dict[str, str], proc: subprocess.Popen[bytes], log: Path) -> None:
    _wait_until(_logged(log, r"@\S+ ready\."), proc, log, "worker logging ready")
    url = f"http://127.0.0.1:{env['GW_METRICS_PORT']}/metrics"
    _wait_until(_answers(url), proc, log, "worker serving /metrics on GW_METRICS_PORT", 15)


def _check_beat(env: dict[str, str], proc: subprocess.Popen[bytes], log: Path) -> None:
    _wait_until(_logged(log, r"beat: Starting"), proc, log, "beat logging that it started")


def _check_trainer(env: dict[str, str], proc: subprocess.Popen[bytes], log: Path) -> None:
    _wait_until(_logged(log, r"@\S+ ready\."), proc, log, "trainer logging ready")


READY: dict[str, Callable[[dict[str, str], subprocess.Popen[bytes], Path], None]] = {
    "api": _check_api, "worker": _check_worker, "beat": _check_beat, "trainer": _check_trainer,
}
MULTIPROCESS_ROLES = ("api", "worker")


def test_the_migrate_service_exits_zero_and_leaves_the_schema(backing: Backing) -> None:
    import sqlalchemy as sa

    from shared.persistence.tables import Base

    result = _migrate(backing)
    assert result.returncode == 0, result.stdout + result.stderr
    engine = sa.create_engine(backing.database_url)
    try:
        tables = set(sa.inspect(engine).get_table_names())
        with engine.connect() as conn:
            version = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one()
    finally:
        engine.dispose()
    assert set(Base.metadata.tables) <= tables, f"missing tables: {set(Base.metadata.tables) - tables}"
    assert version


@pytest.mark.parametrize("service", [s for s, role in APP_SERVICES.items() if role != "migrate"])
def test_each_long_running_service_comes_up_and_stops_on_sigterm(service: str, backing: Backing) -> None:
    role = APP_SERVICES[service]
    assert role in READY, f"no readiness check for role {role!r}: add one to READY"
    assert _migrate(backing).returncode == 0, "the migrate service failed; see its own test"
    env = role_environment(service, backing)
    stale = Path(env["GW_DATA_DIR"]) / f"prometheus-{role}" / "counter_1.db"
    if role in MULTIPROCESS_ROLES:  # a previous run's metric files must not be summed into this run's
        stale.parent.mkdir(parents=True)
        stale.write_bytes(b"stale")
    log = backing.root / f"{service}.log"
    proc = _start(service, backing, log, env)
    try:
        READY[role](env, proc, log)
        cmdline = Path(f"/proc/{proc.pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        assert ENTRYPOINT not in cmdline, f"the entrypoint did not exec its command: {cmdline}"
        if role in MULTIPROCESS_ROLES:
            assert not stale.exists(), "the entrypoint left old Prometheus files in PROMETHEUS_MULTIPROC_DIR"
    finally:
        graceful = _stop(proc)
    assert graceful, f"{service} ignored SIGTERM for {STOP_GRACE:.0f}s\n{_tail(log)}"


def test_the_worker_runs_the_sweep_that_beat_schedules(backing: Backing) -> None:
    assert _migrate(backing).returncode == 0, "the migrate service failed; see its own test"
    worker_service, beat_service = _service_for("worker"), _service_for("beat")
    log = backing.root / f"chain-{worker_service}.log"
    worker = _start(worker_service, backing, log, role_environment(worker_service, backing))
    beat = _start(beat_service, backing, backing.root / f"chain-{beat_service}.log",
                  role_environment(beat_service, backing))
    try:
        _wait_until(_logged(log, r"Task gw\.sweep\[[^\]]+\] succeeded"), worker, log,
                    "the worker running a sweep sent by beat")
    finally:
        _stop(beat)
        _stop(worker)
