"""`groundwork` command line: migrations and requester API keys (the full CLI comes with a later issue)."""

from __future__ import annotations

import click

from shared.config import from_env


@click.group()
def main() -> None:
    """Groundwork administration."""


@main.command()
def migrate() -> None:
    """Apply every database migration (Alembic upgrade head)."""
    from shared.persistence.migrate import upgrade

    settings = from_env()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.effective_database_url)
    click.echo("database is at the latest migration")


@main.group()
def keys() -> None:
    """Requester API keys."""


@keys.command("create")
@click.option("--requester", default="default", show_default=True, help="requester (account) name")
@click.option("--name", "key_name", default="default", show_default=True, help="a label for this key")
def create_key(requester: str, key_name: str) -> None:
    """Create an API key and print it once; only its SHA-256 digest is stored."""
    from shared.clock import SystemClock
    from shared.persistence.engine import make_engine, make_session_factory
    from shared.services.accounts import create_api_key

    settings = from_env()
    engine = make_engine(settings.effective_database_url)
    with make_session_factory(engine).begin() as session:
        issued = create_api_key(session, SystemClock(), requester, key_name)
    engine.dispose()
    click.echo(issued.token)


@keys.command("create-aws")
@click.option("--requester", default="default", show_default=True, help="requester (account) name")
def create_aws_pair(requester: str) -> None:
    """Create an AWS-style access key pair for boto3 (the SageMaker front door) and print it once as
    AWS_ACCESS_KEY_ID=... and AWS_SECRET_ACCESS_KEY=... lines; the secret is stored encrypted."""
    from shared.clock import SystemClock
    from shared.persistence.engine import make_engine, make_session_factory
    from shared.services.access_keys import create_pair
    from shared.services.accounts import ensure_requester

    settings = from_env()
    engine = make_engine(settings.effective_database_url)
    with make_session_factory(engine).begin() as session:
        requester_id = ensure_requester(session, SystemClock(), requester)
        pair = create_pair(session, SystemClock(), settings.secret_key, requester_id)
    engine.dispose()
    click.echo(f"AWS_ACCESS_KEY_ID={pair.access_key_id}")
    click.echo(f"AWS_SECRET_ACCESS_KEY={pair.secret_access_key}")
    click.echo(f"AWS_DEFAULT_REGION={settings.aws_region}")


if __name__ == "__main__":
    main()
