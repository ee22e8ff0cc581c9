"""The dashboard runs a session in a real browser: created from its form, stalled and resumed by
the facilitator, a seat's deadline counted down with the value of each choice, the outcome and
payoffs once it closes (Playwright driving Debian's chromium against ``detente serve``)."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from tests.server.live import served
from tests.server.play import HttpSeat, play_round


def tokens_in(links: list[str]) -> dict[str, str]:
    """Each party's token, from seat links ``.../seats/PARTY#token=TOKEN``."""
    return {link.split("/seats/")[1].split("#")[0]: link.split("#token=")[1] for link in links}


def test_a_facilitator_runs_a_session_from_the_dashboard(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with served(str(tmp_path / "run.db")) as (base, _):
        http = httpx.Client(base_url=base, timeout=30)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        console: list[str] = []
        page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
        page.goto(base)
        page.wait_for_selector("#create")
        assert "korea" in page.inner_text("#new-scenario")
        page.select_option("#new-scenario", "korea")
        page.fill("#new-rounds", "3")
        page.fill("#new-deadline", "40")
        page.fill("#new-seed", "11")
        page.click("#create-submit")
        page.wait_for_selector("#created-link")
        sid = page.text_content("#created-link") or ""  # (shown upper-case by the CSS)
        made = http.get(f"/api/sessions/{sid}").json()
        assert made["rounds"] == 3
        assert made["scenario"] == "korea"
        assert made["deadline"] is not None  # round 1 opened with its 40 s deadline
        seat_links = page.locator("#created-seats a")
        assert seat_links.count() == 6
        assert "detente play " in page.inner_text("#created-seats")
        admin = page.inner_text("#created-admin")
        who = http.get("/api/whoami", headers={"Authorization": f"Bearer {admin}"}).json()
        assert who == {"session": sid, "role": "facilitator", "party": None}

        # A seat: the deadline counts down, each choice shows its value to the party.
        links = [seat_links.nth(i).get_attribute("href") or "" for i in range(6)]
        (dprk,) = [link for link in links if f"/sessions/{sid}/seats/DPRK#token=" in link]
        seat = browser.new_page(viewport={"width": 1280, "height": 1000})
        seat.goto(f"{base}{dprk}")
        seat.wait_for_selector("#countdown[data-seconds]")
        first = int(seat.get_attribute("#countdown", "data-seconds") or "0")
        assert 30 <= first <= 40
        time.sleep(2.2)
        later = int(seat.get_attribute("#countdown", "data-seconds") or "0")
        assert first - 3 <= later < first
        assert "Deadline in 0:" in seat.inner_text("#countdown")
        token = dprk.split("#token=")[1]
        view = http.get(
            f"/api/sessions/{sid}/seats/DPRK", headers={"Authorization": f"Bearer {token}"}
        ).json()
        values = {f"action:{a['id']}": a["value"] for a in view["actions"]}
        values |= {f"offer:{m['id']}": m["value"] for m in view["commitments"]}
        shown = seat.locator("span.value")
        assert shown.count() == len(values)
        assert seat.inner_text('[data-choice="action:nuclear_test"]') == "+2 to you"
        assert seat.inner_text('[data-choice="action:dismantle_facility"]') == "−20 to you"
        assert seat.inner_text('[data-choice="offer:dprk_summit"]') == "+2 to you if it clears"
        assert values["action:nuclear_test"] == 2.0

        # The facilitator stalls and resumes from the session page (its token kept by the tab).
        page.click("#created-link")
        page.wait_for_selector("#admin-stall")
        page.fill("#admin-reason", "coffee break")
        page.click("#admin-stall")
        page.locator("#waiting", has_text="stalled by the facilitator").wait_for(timeout=10_000)
        assert http.get(f"/api/sessions/{sid}").json()["status"] == "paused"
        seat.locator("#countdown", has_text="no deadline until the session resumes").wait_for(
            timeout=10_000
        )
        page.click("#admin-resume")
        page.locator("#waiting", has_text="waiting for 6 parties").wait_for(timeout=10_000)
        seat.locator("#countdown", has_text="Deadline in 0:").wait_for(timeout=10_000)
        events = http.get(f"/api/sessions/{sid}/events").json()["events"]
        kinds = [(e["type"], e["payload"].get("reason")) for e in events]
        assert ("facilitator_stalled", "coffee break") in kinds
        assert ("facilitator_resumed", "coffee break") in kinds

        # Another browser (no token kept): the facilitator pastes one; a seat's token is refused.
        other = browser.new_context().new_page()
        other.goto(f"{base}/sessions/{sid}")
        other.fill("#admin-token", tokens_in(links)["DPRK"])
        other.click("#admin-use")
        other.click("#admin-stall")
        other.locator("#facilitator-error", has_text="only the facilitator's token").wait_for()
        assert http.get(f"/api/sessions/{sid}").json()["status"] == "open"
        other.click("#admin-forget")
        other.fill("#admin-token", admin)
        other.click("#admin-use")
        other.click("#admin-stall")
        other.locator("#waiting", has_text="stalled by the facilitator").wait_for(timeout=10_000)
        other.click("#admin-resume")
        other.locator("#waiting", has_text="waiting for 6 parties").wait_for(timeout=10_000)
        other.context.close()

        # Round 1 played by every seat (the tokens from the form's links), then closed: the
        # outcome and every party's payoff, as the API has them.
        play_round({p: HttpSeat(http, sid, p, t) for p, t in tokens_in(links).items()}, 1)
        page.locator("#waiting", has_text="Round 2").wait_for(timeout=10_000)
        assert page.locator("#outcome").count() == 0
        page.fill("#admin-reason", "end of the exercise")
        page.click("#admin-close")
        page.wait_for_selector("#payoffs")
        final = http.get(f"/api/sessions/{sid}").json()
        assert final["status"] == "closed"
        outcome = page.inner_text("#outcome")
        assert "(end of the exercise)" in outcome
        assert f"Final stage: {final['stage'].replace('_', ' ')}" in outcome
        assert "Closed in round 2 of 3" in outcome
        assert "Success: not reached" in outcome
        rows = page.locator("#payoffs tr")
        assert rows.count() == 1 + len(final["parties"])
        assert any(final["totals"].values())
        for party in final["parties"]:
            cells = page.locator("#payoffs tr", has_text=party).locator("td").all_inner_texts()
            assert float(cells[1]) == float(f"{final['totals'][party]:.6g}")
            assert float(cells[2]) == float(f"{final['discounted'][party]:.6g}")
        assert page.locator("#facilitator").count() == 0
        assert not [m for m in console if "Content Security Policy" in m], console
