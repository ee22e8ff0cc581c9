"""Run the package's Alembic migrations programmatically (no alembic.ini needed)."""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database's schema to ``revision`` (the latest by default)."""
    config = Config()
    config.set_main_option("script_location", str(resources.files("detente.ledger") / "migrations"))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
