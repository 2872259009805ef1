"""The production guard: GW_PROFILE=production refuses the embedded adapters and the built-in secret."""

from __future__ import annotations

import pytest

from shared.config import Settings, from_env

PRODUCTION = {
    "GW_PROFILE": "production",
    "GW_DATABASE_URL": "postgresql+psycopg://gw:pw@postgres:5432/groundwork",
    "GW_BROKER_URL": "redis://redis:6379/0",
    "GW_BLOB_URL": "s3://groundwork/data",
    "GW_SECRET_KEY": "3f1c0e6d9a7b4c2e8f5a1d0b7c6e9f2a",
}


def test_production_accepts_postgresql_redis_and_s3() -> None:
    settings = from_env(PRODUCTION)
    assert settings.profile == "production"
    assert settings.effective_database_url == PRODUCTION["GW_DATABASE_URL"]
    assert settings.effective_blob_url == PRODUCTION["GW_BLOB_URL"]


@pytest.mark.parametrize(("name", "value"), [
    ("GW_DATABASE_URL", "sqlite:////var/lib/groundwork/groundwork.sqlite3"),
    ("GW_DATABASE_URL", "sqlite+pysqlite:///gt.sqlite3"),
    ("GW_BROKER_URL", "filesystem://"),
    ("GW_BROKER_URL", "memory://"),
    ("GW_BLOB_URL", "file:///var/lib/groundwork/blobs"),
])
def test_production_refuses_an_embedded_adapter_and_names_its_setting(name: str, value: str) -> None:
    with pytest.raises(ValueError, match=f"production refuses embedded adapters: {name}$"):
        from_env({**PRODUCTION, name: value})


@pytest.mark.parametrize("name", ["GW_DATABASE_URL", "GW_BROKER_URL", "GW_BLOB_URL"])
def test_production_refuses_the_embedded_default_when_a_url_is_left_out(name: str) -> None:
    environ = {k: v for k, v in PRODUCTION.items() if k != name}
    with pytest.raises(ValueError, match=name):
        from_env(environ)


def test_production_names_every_embedded_adapter_at_once() -> None:
    settings = Settings(profile="production", secret_key="s" * 32)  # every URL at its embedded default
    with pytest.raises(ValueError, match="GW_DATABASE_URL, GW_BROKER_URL, GW_BLOB_URL"):
        settings.validate()


@pytest.mark.parametrize("secret", [None, "", Settings.secret_key], ids=["unset", "empty", "built-in"])
def test_production_needs_a_secret_key_of_its_own(secret: str | None) -> None:
    environ = {k: v for k, v in PRODUCTION.items() if k != "GW_SECRET_KEY"}
    if secret is not None:
        environ["GW_SECRET_KEY"] = secret
    with pytest.raises(ValueError, match="GW_SECRET_KEY"):
        from_env(environ)


def test_the_embedded_profile_runs_on_the_embedded_adapters() -> None:
    settings = from_env({"GW_DATA_DIR": "/tmp/groundwork-test"})
    assert settings.profile == "embedded"
    assert settings.effective_database_url.startswith("sqlite:///")
    assert settings.broker_url == "filesystem://"
    assert settings.effective_blob_url.startswith("file:///")
