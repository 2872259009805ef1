"""Settings.from_env: every GW_* variable parsed, defaults for a bare checkout, bad values refused at startup."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from shared.config import Settings, from_env


def test_an_empty_environment_gives_the_embedded_defaults(tmp_path: Path) -> None:
    settings = from_env({"GW_DATA_DIR": str(tmp_path)})

    assert settings.profile == "embedded"
    assert settings.data_dir == tmp_path
    assert settings.effective_database_url == f"sqlite:///{tmp_path.resolve() / 'groundwork.sqlite3'}"
    assert settings.broker_url == "filesystem://"
    assert settings.broker_folder == tmp_path.resolve() / "broker"
    assert settings.effective_blob_url == (tmp_path / "blobs").resolve().as_uri()
    assert settings.s3_endpoint_url is None and settings.s3_region == "us-east-1"
    assert settings.allowed_file_roots == (tmp_path.resolve(),)
    assert settings.chunk_lines == 2000 and settings.sweep_seconds == 2.0


def test_from_env_with_no_mapping_reads_the_process_environment(monkeypatch: pytest.MonkeyPatch,
                                                                tmp_path: Path) -> None:
    monkeypatch.setenv("GW_DATA_DIR", str(tmp_path / "from-process"))
    monkeypatch.setenv("GW_SERVICE_FEE_USD", "0.1")

    settings = from_env()

    assert settings.data_dir == tmp_path / "from-process" and settings.service_fee_usd == "0.1"


def test_every_variable_is_parsed(tmp_path: Path) -> None:
    roots = os.pathsep.join([str(tmp_path / "a"), "", str(tmp_path / "b")])
    env = {
        "GW_DATA_DIR": str(tmp_path / "data"),
        "GW_DATABASE_URL": "postgresql+psycopg://gw@db:5432/gw",
        "GW_BROKER_URL": "redis://redis:6379/2",
        "GW_BLOB_URL": "s3://bucket/prefix",
        "GW_S3_ENDPOINT_URL": "http://seaweed:8333",
        "GW_S3_REGION": "eu-west-1",
        "GW_PROFILE": "embedded",
        "GW_SECRET_KEY": "s3cr3t",
        "GW_PUBLIC_BASE_URL": "https://label.example.com/",
        "GW_SERVICE_FEE_USD": "0.12",
        "GW_SWEEP_SECONDS": "1.5",
        "GW_REDRIVE_SECONDS": "45",
        "GW_MEDIA_URL_SECONDS": "120",
        "GW_CHUNK_LINES": "5000",
        "GW_FILE_ROOTS": roots,
        "GW_METRICS_PORT": "9108",
        "GW_AUTH_CACHE_SECONDS": "0",
    }

    s = from_env(env)

    assert s.effective_database_url == "postgresql+psycopg://gw@db:5432/gw"
    assert s.broker_url == "redis://redis:6379/2"
    assert s.effective_blob_url == "s3://bucket/prefix"
    assert (s.s3_endpoint_url, s.s3_region) == ("http://seaweed:8333", "eu-west-1")
    assert s.secret_key == "s3cr3t"
    assert s.public_base_url == "https://label.example.com"
    assert s.service_fee_usd == "0.12"
    assert (s.sweep_seconds, s.redrive_seconds, s.media_url_seconds) == (1.5, 45.0, 120)
    assert s.chunk_lines == 5000
    assert s.file_roots == (tmp_path / "a", tmp_path / "b")
    assert s.allowed_file_roots == ((tmp_path / "data").resolve(), (tmp_path / "a").resolve(),
                                    (tmp_path / "b").resolve())
    assert (s.metrics_port, s.auth_cache_seconds) == (9108, 0.0)


def test_an_empty_s3_endpoint_means_aws_itself(tmp_path: Path) -> None:
    assert from_env({"GW_DATA_DIR": str(tmp_path), "GW_S3_ENDPOINT_URL": ""}).s3_endpoint_url is None


@pytest.mark.parametrize(("value", "expected"), [("10", 1000), ("999", 1000), ("1000", 1000), ("25000", 25000)])
def test_chunk_lines_has_a_floor_of_1000(tmp_path: Path, value: str, expected: int) -> None:
    assert from_env({"GW_DATA_DIR": str(tmp_path), "GW_CHUNK_LINES": value}).chunk_lines == expected


@pytest.mark.parametrize(("name", "value"), [
    ("GW_SWEEP_SECONDS", "often"),
    ("GW_REDRIVE_SECONDS", ""),
    ("GW_MEDIA_URL_SECONDS", "1.5"),
    ("GW_CHUNK_LINES", "lots"),
    ("GW_METRICS_PORT", "http"),
    ("GW_AUTH_CACHE_SECONDS", "x"),
])
def test_a_value_that_is_not_a_number_fails_at_startup(tmp_path: Path, name: str, value: str) -> None:
    with pytest.raises(ValueError):
        from_env({"GW_DATA_DIR": str(tmp_path), name: value})


@pytest.mark.parametrize("profile", ["Production", "prod", "staging", ""])
def test_an_unknown_profile_fails_at_startup_instead_of_skipping_the_production_checks(tmp_path: Path,
                                                                                       profile: str) -> None:
    with pytest.raises(ValueError, match="GW_PROFILE"):
        from_env({"GW_DATA_DIR": str(tmp_path), "GW_PROFILE": profile})


def test_production_settings_pass_and_embedded_ones_are_refused(tmp_path: Path) -> None:
    production = {"GW_PROFILE": "production", "GW_DATABASE_URL": "postgresql+psycopg://gw@db/gw",
                  "GW_BROKER_URL": "redis://redis:6379/0", "GW_BLOB_URL": "s3://bucket",
                  "GW_SECRET_KEY": "a-real-secret", "GW_DATA_DIR": str(tmp_path)}

    assert from_env(production).profile == "production"
    with pytest.raises(ValueError, match="GW_DATABASE_URL"):
        from_env({**production, "GW_DATABASE_URL": ""})
    with pytest.raises(ValueError, match="GW_SECRET_KEY"):
        from_env({k: v for k, v in production.items() if k != "GW_SECRET_KEY"})


def test_with_overrides_changes_only_what_it_names(tmp_path: Path) -> None:
    base = Settings(data_dir=tmp_path)

    changed = base.with_overrides(chunk_lines=3)

    assert changed.chunk_lines == 3 and base.chunk_lines == 2000
    assert changed.data_dir == base.data_dir
