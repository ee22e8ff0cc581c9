"""Fixtures of the server tests: databases (SQLite and PostgreSQL) and an in-process client."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from detente.server.app import create_app
from tests.databases import db_url, postgres_cluster, postgres_server

__all__ = ["db_url", "postgres_cluster", "postgres_server"]


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(db_url)) as c:
        yield c
