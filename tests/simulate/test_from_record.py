"""The record as an input of the commands: ``detente replay``, forecasts from a date, backtests.

In-process through typer's runner (the kernels compile once for the module):
exit codes, messages, the replay's report page, the equivalence of
``simulate --events --until`` with the Python API, and a small backtest of
the bundled record end to end.
"""

from __future__ import annotations

import datetime
import json
import re
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from detente.cli import app
from detente.record.events import bundled_record
from detente.record.mapping import map_record
from detente.record.rules import load_mapping, mapping_path
from detente.scenario import load_scenario
from detente.scenario.compiled import CompiledScenario, compile_scenario
from detente.simulate import simulate
from detente.simulate.from_record import known_rounds, start_from_record
from detente.simulate.replay_commands import replay_record

HEADER = "date,actor,target,cameo,action,description,source,uncertain\n"
EVE = datetime.date(2019, 2, 27)


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception  # a traceback: never for a user error
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def korea() -> CompiledScenario:
    return compile_scenario(load_scenario("korea"))


@pytest.fixture(scope="module")
def mapped(korea: CompiledScenario):  # type: ignore[no-untyped-def]
    rules = load_mapping(mapping_path("korea"), korea)
    return map_record(korea, bundled_record("korea"), rules)


def test_until_aligns_with_the_round_that_contains_it(mapped) -> None:  # type: ignore[no-untyped-def]
    """The rounds strictly before the one containing the date are known (backtest's cut rule)."""
    assert known_rounds(mapped, EVE, "--until") == 23  # March 2017 .. January 2019
    assert mapped.rounds[23].start == datetime.date(2019, 2, 1)
    assert known_rounds(mapped, datetime.date(2019, 2, 1), "--until") == 23
    assert known_rounds(mapped, datetime.date(2019, 1, 31), "--until") == 22
    assert known_rounds(mapped, None, "--until") == len(mapped.rounds)


def test_the_replay_shows_what_the_record_shows(korea: CompiledScenario, mapped) -> None:  # type: ignore[no-untyped-def]
    """The points of 2017-2019 the issue names, read from the replay of the bundled record
    (exact perception). Expected values follow from the record, not from a run:

    - 2017: the six-party talks had been stalled since 2009 and nothing resumed them, so
      every round of 2017 is stalled in the first stage; the record's escalation (ICBM
      launches of July and November, the sixth nuclear test of 3 September) lowers the
      US's trust in the DPRK from March to November;
    - the 2018 thaw: the DPRK's test moratorium (20 April) is in force from April; the
      Singapore summit (12 June) with the freeze for a drill suspension announced makes
      the double freeze an agreement in force, the talks no longer stalled, and the US
      suspension of drills a policy in force; trust then grows while nothing breaks it;
    - Hanoi (27-28 February 2019) is a summit without a deal: the agreements and the stage
      after February are those after January;
    - the Security Council's sanctions of 2017 (2371 in August, 2375 in September, 2397 in
      December, each adopted 15-0) raise the sanctions level in force step by step, and
      nothing in the record eases them;
    - May 2019: short-range launches resume; they are outside the moratorium (nuclear and
      long-range tests), so the freeze stays in force and unviolated, but the US's trust in
      the DPRK falls that month.
    """
    rows = replay_record(korea, mapped, noise=False).records(0)
    by_month = {mapped.rounds[i].start.strftime("%Y-%m"): row for i, row in enumerate(rows)}

    def trust(month: str) -> float:
        return float(by_month[month]["trust"]["US"]["DPRK"])

    for month in ("2017-03", "2017-07", "2017-09", "2017-11", "2017-12"):
        assert by_month[month]["stalled"]
        assert by_month[month]["stage"] == korea.stages[0]
    assert "nuclear_test" in by_month["2017-09"]["moves"]["DPRK"]["actions"]
    assert by_month["2017-07"]["institutions_in_force"] == []
    for month, level in (
        ("2017-08", "sectoral"),
        ("2017-09", "oil_cap"),
        ("2017-12", "comprehensive"),
    ):
        assert by_month[month]["institutions_in_force"] == [f"UNSC.sanctions.{level}"]
    assert by_month["2019-12"]["institutions_in_force"] == ["UNSC.sanctions.comprehensive"]
    assert trust("2017-11") < trust("2017-03")
    assert "DPRK.freeze_tests" in by_month["2018-04"]["policies_in_force"]
    singapore = by_month["2018-06"]
    assert singapore["agreements_in_force"] == ["double_freeze"]
    assert not singapore["stalled"]
    assert "US.suspend_drills" in singapore["policies_in_force"]
    assert trust("2019-01") > trust("2018-06") > trust("2017-12")
    hanoi, before = by_month["2019-02"], by_month["2019-01"]
    assert "summit" in hanoi["moves"]["US"]["actions"]
    assert hanoi["agreements_in_force"] == before["agreements_in_force"]
    assert hanoi["stage"] == before["stage"]
    may = by_month["2019-05"]
    assert "missile_test.short_range" in may["moves"]["DPRK"]["actions"]
    assert may["agreements_in_force"] == ["double_freeze"]
    assert not may["agreements_violated"]
    assert trust("2019-05") < trust("2019-04")


def test_replay_command_table_json_report(tmp_path: Path) -> None:
    code, out, _ = cli("replay", "korea", "--events", "korea", "--until", "2019-02-27")
    assert code == 0
    assert "2019-01-01" in out
    assert "2019-02-01" not in out
    code, out, _ = cli("replay", "korea", "--events", "korea", "--format", "json", "--no-noise")
    rounds = json.loads(out)["rounds"]
    assert len(rounds) == 34
    assert rounds[-1]["end"] == "2019-12-31"
    page = tmp_path / "replay.html"
    code, _, err = cli("replay", "korea", "--events", "korea", "--report", str(page))
    assert code == 0
    assert f"wrote {page}" in err
    html = page.read_text(encoding="utf-8")
    assert 'id="replay-stage"' in html
    assert 'id="replay-trust"' in html
    assert html.count("data:image/png;base64,") == 2
    # the events marked are numbered in the table: the sixth nuclear test among them
    assert re.search(r"<td>\d+</td><td>2017-09-03</td><td>[^<]*nuclear", html)
    assert "DPRK.nuclear_test" in html


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--until", "2019-13-01"],
            "--until must be an ISO 8601 date (YYYY-MM-DD), got '2019-13-01'",
        ),
        (["--from", "May 2018"], "--from must be an ISO 8601 date"),
        (["--until", "2016-12-31"], "korea: --until 2016-12-31: outside the record (2017-03-01 to"),
        (["--until", "2017-03-15"], "no round to replay"),
        (["--round", "day"], "round"),
        (["--report", "page.png"], "--report page.png: the report page is HTML"),
    ],
)
def test_replay_user_errors_exit_2(args: list[str], message: str) -> None:
    code, _, err = cli("replay", "korea", "--events", "korea", *args)
    assert code == 2
    assert message in err


@pytest.mark.parametrize(
    ("text", "where"),
    [
        (HEADER + "2018-01-01,PKR,,150,,a,s,\n", "row 1, column 'actor'"),
        (HEADER + "2018-02-30,PRK,,150,,b,s,\n", "row 1, column 'date'"),
        ("", "empty"),
        ("id: korea\ntitle: not events\n", "not an event file"),
    ],
)
def test_bad_event_files_exit_2_with_file_row_column(tmp_path: Path, text: str, where: str) -> None:
    path = tmp_path / "events.csv"
    path.write_text(text, encoding="utf-8")
    for command in (["replay", "korea"], ["simulate", "korea", "--episodes", "10"]):
        code, _, err = cli(*command, "--events", str(path))
        assert code == 2, err
        assert str(path) in err, err
        assert where in err, err


def test_simulate_until_equals_the_python_api(korea: CompiledScenario, mapped) -> None:  # type: ignore[no-untyped-def]
    """``simulate --events korea --until D`` = ``simulate(start=replay_record(rounds before D))``
    with as many replayed episodes as forecast ones."""
    code, out, _ = cli(
        "simulate", "korea", "--events", "korea", "--until", "2019-02-27",
        "--episodes", "300", "--rounds", "12", "--seed", "5", "--format", "json",
    )  # fmt: skip
    assert code == 0
    shown = json.loads(out)
    known = type(mapped)(mapped.rounds[:23], ())
    played = replay_record(korea, known, seed=5, episodes=300)
    expected = simulate(korea, None, 300, 12, 5, start=played).summary().to_dict()
    assert {k: v for k, v in shown.items() if k != "start"} == json.loads(json.dumps(expected))
    start = shown["start"]
    assert start["until"] == "2019-02-27"
    assert start["known_rounds"] == 23
    assert start["last_round"] == ["2019-01-01", "2019-01-31"]
    assert start["agreements_in_force"] == ["double_freeze"]
    assert "DPRK.freeze_tests" in start["policies_in_force"]
    code, out, _ = cli("simulate", "korea", "--events", "korea", "--until", "2019-02-27",
                       "--episodes", "50", "--rounds", "2")  # fmt: skip
    assert code == 0
    assert out.startswith("from the record at 2019-02-27: 23 rounds replayed")


def test_compare_sweep_best_response_start_from_the_date() -> None:
    common = ["--events", "korea", "--until", "2018-07-15", "--rounds", "3", "--format", "json"]
    code, out, _ = cli(
        "compare", "korea", "--profile", "base=", "--profile", "grim=US=grim_trigger",
        "--episodes", "40", *common,
    )  # fmt: skip
    assert code == 0
    assert json.loads(out)["start"]["known_rounds"] == 16
    code, out, _ = cli(
        "sweep", "korea", "--grid", "noise.miss=0.05,0.1", "--episodes", "20", "--workers", "1",
        *common,
    )  # fmt: skip
    assert code == 0
    assert json.loads(out)["start"]["agreements_in_force"] == ["double_freeze"]
    code, out, _ = cli(
        "best-response", "--party", "US", "korea", "--candidate", "tit_for_tat",
        "--candidate", "grim_trigger", "--episodes", "20", *common,
    )  # fmt: skip
    assert code == 0
    assert json.loads(out)["start"]["known_rounds"] == 16
    code, _, err = cli("simulate", "korea", "--until", "2018-07-15")
    assert code == 2
    assert "--until needs --events" in err


def test_backtest_on_the_bundled_record(tmp_path: Path) -> None:
    args = [
        "backtest", "korea", "--events", "korea", "--cut", "2017-09-01", "--cut", "2018-06-01",
        "--cut", "2019-02-27", "--horizon", "3,6", "--episodes", "200", "--format", "json",
    ]  # fmt: skip
    code, out, _ = cli(*args)
    assert code == 0
    again = cli(*args)[1]
    assert out == again  # deterministic
    result = json.loads(out)
    assert [c["round"] for c in result["cuts"]] == [6, 15, 23]
    for s in result["scores"]:
        assert 0.0 <= s["brier"] <= 1.0
        assert 0.0 <= s["forecast"] <= 1.0
    for case in result["cases"]:
        assert 0.0 <= case["forecast"] <= 1.0
    happened = {(c["question"], c["cut"], c["horizon"]): c["happened"] for c in result["cases"]}
    # the record after each cut: the nuclear test of 3 September 2017, Singapore in June 2018
    assert happened[("nuclear_test", "2017-09-01", 3)]
    assert happened[("us_dprk_summit", "2018-06-01", 3)]
    assert not happened[("six_party_meeting", "2019-02-27", 6)]
    page = tmp_path / "bt.html"
    code, _, _ = cli(*args[:-2], "--out", str(page))
    assert code == 0
    assert "reliability" in page.read_text(encoding="utf-8")
    code, _, err = cli("backtest", "korea", "--events", "korea", "--cut", "2020-06-01")
    assert code == 2
    assert "--cut 2020-06-01: outside the record" in err


def test_backtest_forecast_is_a_simulation_from_the_replayed_cut(
    korea: CompiledScenario, mapped
) -> None:  # type: ignore[no-untyped-def]
    """The forecaster's paths at a cut are those of ``simulate(start=...)`` from the same replay."""
    from detente.backtest.wiring import record_forecaster

    paths = record_forecaster(korea, mapped, None)(23, 4, 64, 3)
    start = start_from_record(korea, mapped, EVE, seed=3, episodes=64)
    results = simulate(korea, None, 64, 4, 3, start=start.played, trajectories=True)
    assert results.trajectories is not None
    np.testing.assert_array_equal(paths.stage[:, 1:], results.trajectories.stage)
    np.testing.assert_array_equal(paths.stage[:, 0], start.played.final.stage)
