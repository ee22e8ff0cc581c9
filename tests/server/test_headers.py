"""The dashboard's pages and assets carry security headers; nothing comes from another origin."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from detente.server.app import create_app
from detente.server.headers import SECURITY_HEADERS


@pytest.mark.parametrize("path", ["/", "/sessions/0123456789abcdef", "/static/app.js"])
def test_pages_and_assets_carry_the_security_headers(tmp_path: Path, path: str) -> None:
    with TestClient(create_app(str(tmp_path / "h.db"))) as client:
        r = client.get(path)
        assert r.status_code == 200
        for name, value in SECURITY_HEADERS.items():
            assert r.headers[name] == value
        csp = r.headers["content-security-policy"]
        assert "script-src 'self'" in csp
        assert "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp


def test_the_api_docs_page_is_off_unless_asked_for(tmp_path: Path) -> None:
    with TestClient(create_app(str(tmp_path / "d.db"))) as client:
        assert client.get("/docs").status_code == 404
        assert client.get("/openapi.json").status_code == 200
    with TestClient(create_app(str(tmp_path / "e.db"), api_docs=True)) as client:
        assert client.get("/docs").status_code == 200


def test_the_page_loads_no_asset_from_another_origin() -> None:
    static = Path(__file__).parents[2] / "src/detente/server/static"
    for asset in static.iterdir():
        text = asset.read_text(encoding="utf-8")
        assert "http://" not in text
        assert "https://" not in text, asset.name
