"""The dashboard in a real browser: Playwright driving Debian's chromium through a round."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import httpx

from detente.scenario.moves import NamedMove
from tests.server.live import served
from tests.server.play import seats


def test_a_person_plays_a_round_from_the_seat_page(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with served(str(tmp_path / "ui.db")) as (base, _):
        http = httpx.Client(base_url=base, timeout=30)
        created = http.post(
            "/api/sessions", json={"scenario": "korea", "seed": 5, "rounds": 4}
        ).json()
        sid = created["session"]["id"]
        all_seats = seats(http, created)
        for party in ("RUS", "CHN", "US", "JPN", "ROK"):
            seat = all_seats[party]
            move = NamedMove([], [m["id"] for m in seat.view()["commitments"] if m["offerable"]])
            assert seat.commit(1, move).status_code == 200
            assert seat.reveal(1, move).status_code == 200

        page = browser.new_page(viewport={"width": 1280, "height": 900})
        token = created["seat_tokens"]["DPRK"]
        page.goto(f"{base}/sessions/{sid}/seats/DPRK#token={token}")
        page.wait_for_selector("#waiting")
        assert "waiting for 1 party" in page.inner_text("#waiting")
        assert "(DPRK)" in page.inner_text("#waiting")
        page.check("input[name=offer][value=dprk_freeze]")
        page.check("input[name=action][value=summit]")
        assert page.is_disabled("input[name=action][value=peace_treaty]")
        page.click("#submit")
        # (a locator, not wait_for_function: the page's CSP forbids the eval that one needs)
        page.locator("#waiting", has_text="Round 2").wait_for(timeout=10_000)
        assert "waiting for 6 parties" in page.inner_text("#waiting")
        page.screenshot(path=str(tmp_path / "seat.png"), full_page=True)

        dash = browser.new_page(viewport={"width": 1280, "height": 1000})
        console: list[str] = []
        dash.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
        dash.goto(f"{base}/sessions/{sid}")
        dash.wait_for_selector("#timeline .ev")
        timeline = dash.inner_text("#timeline")
        assert "commitment dprk_freeze cleared" in timeline
        assert "DPRK revealed: summit, offer dprk_freeze" in timeline
        assert "double_freeze" in dash.inner_text("#in-force")
        assert "trust building" in dash.inner_text("#roadmap")
        assert dash.locator("#trust td.cell:not(.muted)").count() == 30
        colored = dash.locator("#trust td.cell:not(.muted)").first.evaluate(
            "c => getComputedStyle(c).backgroundColor"
        )
        assert colored not in ("rgba(0, 0, 0, 0)", "transparent")  # styled under the CSP
        assert not [m for m in console if "Content Security Policy" in m], console
        dash.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
        shots = os.environ.get("DETENTE_SCREENSHOTS")
        if shots:
            for name in ("seat.png", "dashboard.png"):
                shutil.copy(tmp_path / name, Path(shots) / name)

        listing = browser.new_page()
        listing.goto(base)
        listing.wait_for_selector("#sessions")
        assert sid in listing.inner_text("#sessions")
