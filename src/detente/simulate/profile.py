"""Strategy profiles: which strategy each party plays, from specs or defaults.

A profile maps party ids to strategy factories (usually parsed specs).
Parties left out play their scenario's default: the built-in ``korea``
scenario has a documented default per party, any other scenario defaults to
tit for tat for everyone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from detente.scenario.compiled import CompiledScenario
from detente.strategies import StrategyError, StrategyFactory, get_strategy

DEFAULT_STRATEGY = "tit_for_tat"

# The korea defaults, one reading of each party's 2017-2019 conduct (docs/simulate.md):
# Russia and China push their own roadmap; the ROK of the Moon government
# reciprocates step by step; Japan and the US answer provocations in kind;
# the DPRK retaliates, but only as much as it is provoked.
DEFAULT_PROFILES: dict[str, dict[str, str]] = {
    "korea": {
        "RUS": "action_for_action",
        "CHN": "action_for_action",
        "US": "tit_for_tat",
        "JPN": "tit_for_tat",
        "DPRK": "grit",
        "ROK": "action_for_action",
    },
}

Assignment = Mapping[str, str | StrategyFactory]
Profile = dict[str, StrategyFactory]


def parse_assignments(items: Iterable[str], what: str = "--strategy") -> dict[str, str]:
    """``["US=tit_for_tat", "DPRK=grit:patience=5"]`` -> ``{"US": ..., "DPRK": ...}``."""
    out: dict[str, str] = {}
    for item in items:
        party, sep, spec = item.partition("=")
        party, spec = party.strip(), spec.strip()
        if not sep or not party or not spec:
            raise StrategyError(f"{what} {item!r}: expected PARTY=STRATEGY[:param=value]")
        if party in out:
            raise StrategyError(f"{what}: party {party} is given twice")
        out[party] = spec
    return out


def resolve_profile(compiled: CompiledScenario, given: Assignment | None = None) -> Profile:
    """A factory for every party, in party order: given ones parsed, the rest defaulted."""
    given = dict(given or {})
    unknown = sorted(set(given) - set(compiled.parties))
    if unknown:
        parties = ", ".join(compiled.parties)
        raise StrategyError(
            f"no party {unknown[0]} in scenario {compiled.scenario.id} (parties: {parties})"
        )
    defaults = DEFAULT_PROFILES.get(compiled.scenario.id, {})
    profile: Profile = {}
    for party in compiled.parties:
        spec = given.get(party, defaults.get(party, DEFAULT_STRATEGY))
        profile[party] = get_strategy(spec) if isinstance(spec, str) else spec
    return profile
