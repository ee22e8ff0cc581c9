"""``detente strategies`` and ``detente run`` as a user runs them."""

import json
import re

import numpy as np
import pytest
from typer.testing import CliRunner

from detente.cli import app
from detente.engine import CompiledScenario
from detente.simulate import simulate
from detente.simulate.narrate import collapsed
from detente.strategies import strategy_names


def detente(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_strategies_lists_every_registered_strategy_in_80_columns() -> None:
    out = detente("strategies")
    heads = [line.split()[0] for line in out.splitlines() if not line.startswith(" ")]
    assert heads == strategy_names()
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "    g: float = 0.333\n" in out
    assert "grim_trigger  memory inf; reciprocal; uses perception\n" in out
    assert "    Always defect: take every provocation available, offer nothing.\n" in out


def test_strategies_as_json_gives_parameters_and_tags() -> None:
    listed = {
        s["name"]: s for s in json.loads(detente("strategies", "--format", "json"))["strategies"]
    }
    assert list(listed) == strategy_names()
    assert listed["generous_tit_for_tat"]["parameters"] == [
        {"name": "g", "type": "float", "default": 1 / 3, "optional": False}
    ]
    assert listed["win_stay_lose_shift"]["parameters"][0]["optional"]
    assert listed["grim_trigger"]["classifier"] == {
        "memory_depth": "inf",
        "stochastic": False,
        "reciprocal": True,
        "uses": ["perception"],
    }
    assert listed["tit_for_tat"]["summary"].startswith("Cooperate first, then do what")
    assert listed["tit_for_tat"]["kind"] == "vectorised"


def test_run_tells_the_episode_of_the_profile_it_is_given() -> None:
    default = detente("run", "korea", "--rounds", "3")
    hawk = detente("run", "korea", "--rounds", "3", "--strategy", "DPRK=hawk")
    assert "DPRK=grit" in default
    assert "nuclear_test (DPRK)" not in default
    assert "DPRK=hawk" in hawk
    assert "executed: nuclear_test (DPRK), missile_test.short_range (DPRK)" in hawk
    # korea starts stalled (since 2009): a test keeps it stalled, nothing resumes it
    assert "resumed" not in hawk
    assert "\nstart: trust_building (stalled)\n" in hawk
    assert "resumed in trust_building" in default  # the default profile's round-1 summit
    assert re.search(r"^round   3  trust_building \(stalled\)$", hawk, re.M)


def picked(out: str) -> int:
    found = re.match(r"picked episode (\d+) of 80 episodes \(seed 4, 30 rounds\) ", out)
    assert found, out
    return int(found.group(1))


def test_run_picks_a_typical_success_of_the_simulation(korea: CompiledScenario) -> None:
    out = detente(
        "run", "korea", "--pick", "success", "--episodes", "80", "--rounds", "30", "--seed", "4"
    )
    episode = picked(out)
    r = simulate(korea, None, episodes=80, rounds=30, seed=4)
    assert r.success_round[episode] >= 0
    assert f"reached success in round {r.success_round[episode]};" in out.splitlines()[0]
    assert f"outcome: success in round {r.success_round[episode]};" in out
    assert f"Korean Peninsula: episode {episode}, seed 4, 30 rounds" in out
    totals = ", ".join(f"{p} {v:.1f}" for p, v in zip(korea.parties, r.total[episode], strict=True))
    assert f"total payoffs: {totals}\n" in out
    # typical: the median of the successes' summed discounted payoffs
    welfare = r.discounted.sum(axis=1)
    successes = np.sort(welfare[r.success_round >= 0])
    assert welfare[episode] == successes[(successes.size - 1) // 2]


def test_run_picks_a_collapse(korea: CompiledScenario) -> None:
    out = detente(
        "run", "korea", "--pick", "collapse", "--episodes", "80", "--rounds", "30", "--seed", "4"
    )
    episode = picked(out)
    r = simulate(korea, None, episodes=80, rounds=30, seed=4)
    assert collapsed(r)[episode]
    assert "outcome: no success; ended " in out
    assert f"the {collapsed(r).sum()} collapses" in out.splitlines()[0]


ERRORS = [
    (
        ("run", "korea", "--pick", "best"),
        "--pick must be one of typical, success, collapse, got 'best'",
    ),
    (
        ("run", "ipd", "--pick", "success", "--rounds", "5"),
        "no episode of 200 episodes (seed 0, 5 rounds) reached success",
    ),
    (("run", "ipd", "--pick", "collapse", "--rounds", "5"), "collapsed; try more episodes"),
    (("run", "korea", "--pick", "success", "--episode", "3"), "give --pick or --episode, not both"),
    (("run", "korea", "--strategy", "US=tit_for_tatt"), "did you mean tit_for_tat?"),
    (("run", "korea", "--strategy", "NK=grit"), "no party NK in scenario korea"),
    (("run", "nowhere.yaml"), "no such file"),
    (("strategies", "--format", "xml"), "--format must be one of table, json"),
]


@pytest.mark.parametrize(("args", "message"), ERRORS, ids=[m for _, m in ERRORS])
def test_user_errors_exit_2_with_a_clear_message(args: tuple[str, ...], message: str) -> None:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.stderr
