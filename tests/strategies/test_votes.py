"""The library's strategies vote by their party's utilities of the policy levels.

tests/engine/council.yaml: P1 gains from sanctions (targeted +0.5, comprehensive
+1), P2 loses from comprehensive ones (-0.5) and is indifferent to targeted
ones, E is indifferent. So P1 proposes both, P2 vetoes the embargo, E
abstains; once targeted sanctions are in force nobody votes on ``tighten``
again (it would change nothing), nor on ``ease`` (to targeted), and P1 votes
against ``lift``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from detente.engine import CounterRNG, initial_state
from detente.scenario import load_scenario
from detente.scenario.compiled import CompiledScenario, compile_scenario
from detente.simulate.runner import build_profile, play

COUNCIL = Path(__file__).parents[1] / "engine" / "council.yaml"


@pytest.fixture(scope="module")
def c() -> CompiledScenario:
    return compile_scenario(load_scenario(COUNCIL))


def votes(c: CompiledScenario, profile: dict[str, str], rounds: int) -> list[set[str]]:
    _, strategies = build_profile(c, profile)
    out = []
    for events in play(strategies, initial_state(c, 1), rounds, CounterRNG(0)):
        executed = events.after.executed[0]
        out.append(
            {
                c.slot_label(k)
                for k in range(c.n_slots)
                if executed[k] and c.slot_category[k] == "vote"
            }
        )
    return out


@pytest.mark.parametrize("strategy", ["tit_for_tat", "cooperate", "defect", "forward_looking"])
def test_members_vote_by_their_utilities_whatever_the_stance(
    c: CompiledScenario, strategy: str
) -> None:
    (first,) = votes(c, dict.fromkeys(c.parties, strategy), 1)
    assert first == {
        "P1.tighten.in_favour",
        "P2.tighten.abstain",
        "E.tighten.abstain",
        "P1.embargo.in_favour",
        "P2.embargo.against",
        "E.embargo.abstain",
    }  # ease and lift would change nothing: nothing is in force


def test_a_member_stops_voting_for_what_is_in_force(c: CompiledScenario) -> None:
    # with the threshold lowered to 7, P1's vote alone (and 6 outside) adopts tighten
    low = compile_scenario(
        c.scenario.model_copy(
            update={
                "institutions": [c.scenario.institutions[0].model_copy(update={"threshold": 7})]
            }
        )
    )
    first, second = votes(low, dict.fromkeys(low.parties, "cooperate"), 2)
    assert "P1.tighten.in_favour" in first
    assert not any("tighten" in v for v in second)  # targeted sanctions are in force
    assert {"P1.lift.against", "P2.lift.abstain"} <= second  # lifting would change something
    assert not any("ease" in v for v in second)  # easing to targeted would not
