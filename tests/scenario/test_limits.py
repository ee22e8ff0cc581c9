"""Bounded work when reading scenario YAML (issue 13: live sessions under attack).

Alias bombs and deep nesting are refused on the parser's event stream before
anything is built; uploads are bounded in parties, actions, slots, ...; no
message embeds more than a few hundred characters of what was uploaded.

:func:`synthetic` writes valid scenarios of any size and :func:`measure` what
one costs to parse, compile and step: the measurements behind
:data:`UPLOAD_LIMITS` were taken with them, and
:func:`test_a_scenario_at_every_upload_limit_is_cheap` keeps the limits from
being raised past what the server can afford.
"""

from __future__ import annotations

import itertools
import string
import time
import tracemalloc
from typing import Any

import numpy as np
import pytest
import yaml

from detente.engine import CounterRNG, Submissions, initial_state, offerable, step
from detente.scenario import ScenarioError, builtin_text, parse_scenario, parse_yaml
from detente.scenario.compiled import compile_scenario
from detente.scenario.errors import MAX_ISSUES, ScenarioIssue, bounded_repr
from detente.scenario.limits import FILE_LIMITS, UPLOAD_LIMITS, ScenarioLimits
from detente.scenario.load import load_yaml

AT_UPLOAD_LIMITS: dict[str, int] = {
    "parties": UPLOAD_LIMITS.max_parties or 0,
    "actions": UPLOAD_LIMITS.max_actions or 0,
    "actors": (UPLOAD_LIMITS.max_slots or 0) // (UPLOAD_LIMITS.max_actions or 1),
    "commitments": UPLOAD_LIMITS.max_commitments or 0,
    "deals": UPLOAD_LIMITS.max_deals or 0,
    "stages": UPLOAD_LIMITS.max_stages or 0,
    "tracks": UPLOAD_LIMITS.max_tracks or 0,
    "pairwise": UPLOAD_LIMITS.max_pairwise or 0,
    "observers": UPLOAD_LIMITS.max_observers or 0,
}
"""A scenario with every count at its upload limit (each observer with its own miss rate)."""


def synthetic(
    parties: int = 6,
    actions: int = 13,
    actors: int = 2,
    commitments: int = 26,
    deals: int = 7,
    stages: int = 3,
    tracks: int = 1,
    pairwise: int = 3,
    observers: int = 2,
    linear: int = 8,
) -> str:
    """A valid scenario of the given size, as YAML text.

    Action ``j`` has ``actors`` consecutive parties from party ``j``, so there
    are ``actions * actors`` slots; each party has ``linear`` linear terms;
    commitment ``m`` is on slot ``m`` (cycling) conditioned on the next slot;
    deal ``d`` holds commitments ``2d`` and ``2d + 1`` (``d`` alone when there
    are fewer than twice as many commitments as deals); the first ``observers``
    parties each have their own miss rate (the engine compiles one table per
    distinct rate).
    """
    assert actors <= parties
    assert deals <= commitments
    assert observers <= parties
    ids = [f"P{i}" for i in range(parties)]
    out = ["id: synthetic", "rounds: 40", "parties:"]
    out += [f"  - {{id: {p}, name: Party {p}}}" for p in ids]
    out.append("actions:")
    slots: list[str] = []
    for j in range(actions):
        who = [ids[(j + i) % parties] for i in range(actors)]
        category, sign = ("provocation", -1) if j % 4 == 0 else ("restraint", 1)
        out.append(
            f"  - {{id: a{j}, actors: [{', '.join(who)}], category: {category}, "
            f"intensity: {sign * 5.0}}}"
        )
        slots += [f"{p}.a{j}" for p in who]
    K = len(slots)
    out += ["utilities:", "  discount: 0.95", "  parties:"]
    for i, p in enumerate(ids):
        terms = [f"{slots[(i * linear + n) % K]}: {n % 5 - 2}.0" for n in range(min(linear, K))]
        out.append(f"    {p}:")
        out.append(f"      linear: {{{', '.join(terms)}}}")
        mine = range(i, pairwise, parties)
        if mine:
            out.append("      pairwise:")
            out += [
                f"        - {{slots: [{slots[t % K]}, {slots[(7 * t + 1) % K]}], value: 1.0}}"
                for t in mine
            ]
    if commitments:
        out.append("commitments:")
    for m in range(commitments):
        party, action = slots[m % K].split(".")
        out.append(
            f"  - {{id: c{m}, party: {party}, action: {action}, if: [{slots[(m + 1) % K]}]}}"
        )
    if deals:
        out.append("deals:")
    pairs = 2 * deals <= commitments  # else one commitment per deal
    out += [
        f"  - {{id: d{d}, commitments: [c{2 * d}, c{2 * d + 1}]}}"
        if pairs
        else f"  - {{id: d{d}, commitments: [c{d}]}}"
        for d in range(deals)
    ]
    if tracks:
        out.append("tracks:")
    for t in range(tracks):
        out.append(f"  - {{id: t{t}, parties: [P0, {ids[1 % parties]}], levels: [{{id: l0, ")
        out[-1] += "criteria: {calm_rounds: 1}}]}"
    out += ["roadmap:", "  stages:"]
    for s in range(stages):
        exit_ = "{calm_rounds: 1" + (", deals_in_force: [d0]}" if deals and s == 0 else "}")
        rules = ", breakdown: [{id: r, when: {provocations: 2}, then: back}]" if s else ""
        out.append(f"    - {{id: s{s}, exit: {exit_}{rules}}}")
    out += ["  success: {hold_rounds: 2}", "noise:", "  miss: 0.05", "  false_alarm: 0.02"]
    if observers:
        out.append("  observers:")
        out += [f"    {ids[i]}: {{miss: {0.01 + 0.001 * i:.3f}}}" for i in range(observers)]
    return "\n".join(out) + "\n"


def bomb(levels: int, width: int = 9) -> str:
    """The review's alias bomb: ``width ** levels`` strings in a few hundred bytes."""
    names = string.ascii_lowercase[:levels]
    quoted = ", ".join(['"x"'] * width)
    lines = [f"a: &a [{quoted}]"]
    for prev, name in itertools.pairwise(names):
        lines.append(f"{name}: &{name} [{', '.join([f'*{prev}'] * width)}]")
    return "\n".join([*lines, f"parties: *{names[-1]}"]) + "\n"


def _refusal(text: str, limits: ScenarioLimits = UPLOAD_LIMITS) -> tuple[ScenarioError, float]:
    start = time.perf_counter()
    with pytest.raises(ScenarioError) as info:
        parse_yaml(text, "upload", limits)
    return info.value, time.perf_counter() - start


def _only(error: ScenarioError) -> ScenarioIssue:
    (issue,) = error.issues
    return issue


# --- structure: aliases and nesting -----------------------------------------------


@pytest.mark.parametrize(("levels", "width"), [(7, 9), (9, 9), (26, 9), (20, 2)])
@pytest.mark.parametrize("limits", [UPLOAD_LIMITS, FILE_LIMITS], ids=["upload", "file"])
def test_alias_bomb_is_refused_at_once_with_a_short_message(
    levels: int, width: int, limits: ScenarioLimits
) -> None:
    text = bomb(levels, width)
    assert len(text) < 1500
    error, seconds = _refusal(text, limits)
    issue = _only(error)
    assert f"aliases expand to more than {limits.max_nodes:,} YAML nodes" in issue.message
    assert "(ScenarioLimits.max_nodes)" in issue.message
    assert issue.path.startswith("line ")
    assert len(str(error)) < 400
    assert seconds < 1.0


def test_the_reviews_567_byte_bomb_is_refused() -> None:
    text = (
        'a: &a ["x","x","x","x","x","x","x","x","x"]\n'
        + "".join(
            f"{n}: &{n} [{','.join([f'*{p}'] * 9)}]\n"
            for p, n in zip("abcdef", "bcdefg", strict=True)
        )
        + "parties: *g\n"
    )
    error, seconds = _refusal(text)
    assert "aliases expand to more than 20,000 YAML nodes" in _only(error).message
    assert len(str(error)) < 400
    assert seconds < 1.0


def test_aliases_within_the_limit_are_counted_expanded() -> None:
    """``a`` is 1 + 9 nodes, ``b`` 1 + 9 x 10; with the root, 3 keys and ``*b``: 196."""
    text = bomb(2)
    with pytest.raises(ScenarioError) as info:
        parse_yaml(text, "t", ScenarioLimits(max_nodes=196))  # refused by validation only
    assert "YAML nodes" not in str(info.value)
    error, _ = _refusal(text, ScenarioLimits(max_nodes=195))
    assert "aliases expand to more than 195 YAML nodes (196 by here)" in _only(error).message


def test_a_recursive_alias_is_refused() -> None:
    error, _ = _refusal("parties: &p [{id: A}, *p]\n", FILE_LIMITS)
    issue = _only(error)
    assert issue.path == "line 1, column 23"
    assert "the alias *p is inside the node it refers to" in issue.message


@pytest.mark.parametrize("text", ["[" * 100_000, "{a: " * 60_000], ids=["list", "mapping"])
def test_deep_flow_nesting_is_refused_without_recursion(text: str) -> None:
    error, seconds = _refusal(text)
    issue = _only(error)
    assert issue.message.startswith("nesting deeper than 32 levels")
    assert "(ScenarioLimits.max_depth)" in issue.message
    assert issue.path.startswith("line 1, column ")
    assert seconds < 1.0


def test_deep_block_nesting_is_refused_where_it_gets_too_deep() -> None:
    text = "parties:\n" + "".join(" " * (i + 1) + "-\n" for i in range(200))
    error, _ = _refusal(text, FILE_LIMITS)
    issue = _only(error)
    assert issue.message.startswith("nesting deeper than 100 levels; a scenario file may nest")
    assert issue.path == "line 101, column 101"


@pytest.mark.parametrize("accelerated", [True, False], ids=["c", "python"])
def test_both_loaders_refuse_deep_nesting_and_bombs(accelerated: bool) -> None:
    for text, what in [("[" * 5000, "nesting deeper"), (bomb(9), "aliases expand")]:
        with pytest.raises(ScenarioError) as info:
            load_yaml(text, "t", UPLOAD_LIMITS, accelerated=accelerated)
        assert what in _only(info.value).message


def test_size_is_checked_first_in_utf8_bytes() -> None:
    limits = ScenarioLimits(max_bytes=100, subject="an upload")
    error, _ = _refusal("id: " + "é" * 50, limits)  # 54 characters, 104 bytes
    issue = _only(error)
    assert issue.path == "<root>"
    assert issue.message == (
        "the scenario is 104 bytes long; an upload may have at most 100 (ScenarioLimits.max_bytes)"
    )


def test_limits_are_checked_when_made() -> None:
    with pytest.raises(ValueError, match="max_depth must be at most 200"):
        ScenarioLimits(max_depth=1000)
    with pytest.raises(ValueError, match="max_parties must be at least 1"):
        ScenarioLimits(max_parties=0)


# --- counts --------------------------------------------------------------------------


def test_the_reviews_200_by_60_scenario_is_refused_as_an_upload_naming_the_counts() -> None:
    text = synthetic(parties=200, actions=60, actors=200, commitments=0, deals=0, observers=0)
    error, seconds = _refusal(text)
    messages = {i.path: i.message for i in error.issues}
    assert messages["parties"] == (
        "the scenario has 200 parties; an upload may have at most 32 (ScenarioLimits.max_parties)"
    )
    assert "the scenario has 12,000 slots" in str(error)
    assert "(ScenarioLimits.max_slots)" in str(error)
    assert seconds < 1.0


def test_the_reviews_200_by_60_scenario_is_accepted_from_a_file() -> None:
    text = synthetic(parties=200, actions=60, actors=200, commitments=0, deals=0, observers=0)
    scenario = parse_yaml(text, "file", FILE_LIMITS)
    assert (len(scenario.parties), len(scenario.actions)) == (200, 60)
    assert parse_yaml(text, "file") == scenario  # FILE_LIMITS are the default


def test_a_scenario_at_every_upload_limit_is_accepted_and_runs() -> None:
    text = synthetic(**AT_UPLOAD_LIMITS)
    scenario = parse_yaml(text, "upload", UPLOAD_LIMITS)
    compiled = compile_scenario(scenario)
    assert compiled.n_slots == UPLOAD_LIMITS.max_slots
    assert len(scenario.parties) == UPLOAD_LIMITS.max_parties
    assert len(scenario.commitments) == UPLOAD_LIMITS.max_commitments
    assert len(scenario.roadmap.stages) == UPLOAD_LIMITS.max_stages
    assert sum(len(u.pairwise) for u in scenario.utilities.parties.values()) == 256
    assert len(scenario.noise.observers) == UPLOAD_LIMITS.max_observers
    state = initial_state(compiled, 1)
    moves = Submissions(np.zeros((1, compiled.n_slots), bool), offerable(state))
    state, _ = step(state, moves, CounterRNG(seed=1))
    assert state.round == 1


def test_a_scenario_at_every_upload_limit_is_cheap() -> None:
    """Measured: ~0.1 s of CPU and ~16 MB traced; the bounds are generous, not tight."""
    measure(builtin_text("korea"), repeat=1)  # numba's kernels compiled or loaded first
    cost = measure(synthetic(**AT_UPLOAD_LIMITS), repeat=2)
    assert cost["parse"] + cost["compile"] + cost["step"] < 1.0, cost
    assert cost["peak_mb"] < 64, cost


@pytest.mark.parametrize(
    ("count", "path", "limit"),
    [
        ({"parties": 33, "observers": 0}, "parties", "max_parties"),
        ({"actions": 65}, "actions", "max_actions"),
        ({"parties": 32, "actions": 64, "actors": 5}, "actions", "max_slots"),
        ({"commitments": 257}, "commitments", "max_commitments"),
        ({"commitments": 129, "deals": 129}, "deals", "max_deals"),
        ({"stages": 33}, "roadmap.stages", "max_stages"),
        ({"tracks": 33}, "tracks", "max_tracks"),
        ({"pairwise": 257}, "utilities.parties", "max_pairwise"),
        ({"parties": 9, "observers": 9}, "noise.observers", "max_observers"),
    ],
)
def test_one_past_each_upload_limit_is_refused(
    count: dict[str, int], path: str, limit: str
) -> None:
    error, _ = _refusal(synthetic(**count))
    issue = _only(error)
    assert issue.path == path
    assert issue.message.endswith(f"(ScenarioLimits.{limit})")
    assert f"may have at most {getattr(UPLOAD_LIMITS, limit):,}" in issue.message
    assert not issue.has_value


def test_counts_are_not_limited_for_files() -> None:
    assert parse_yaml(synthetic(parties=40, actions=70, stages=40), "f").id == "synthetic"


# --- bounded messages -------------------------------------------------------------


def test_a_huge_string_value_gives_a_short_message() -> None:
    text = synthetic().replace("rounds: 40", "rounds: " + "x" * 100_000)
    error, _ = _refusal(text)
    issue = _only(error)
    assert issue.path == "rounds"
    assert issue.value == "x" * 100_000  # kept as it is, shown bounded
    assert len(str(error)) < 1000
    assert "(got 'xxxx" in str(error)
    assert str(error).endswith("…)")


def test_a_huge_unknown_id_gives_short_messages() -> None:
    text = synthetic().replace("actors: [P1, P2]", "actors: [P1, " + "Q" * 100_000 + "]")
    error, _ = _refusal(text)
    assert 1 < len(error.issues) < 20  # the id is reported wherever it is used
    assert all(len(line) < 1000 for line in str(error).splitlines())
    assert all(len(i.path) <= 300 and len(i.message) <= 500 for i in error.issues)


def test_many_issues_are_cut_to_the_first_hundred() -> None:
    doc: Any = yaml.safe_load(synthetic(parties=150))
    for party in doc["parties"]:
        party["id"] = "not an id"
    with pytest.raises(ScenarioError) as info:
        parse_scenario(doc, "many")
    error = info.value
    assert error.count > MAX_ISSUES
    assert len(error.issues) == MAX_ISSUES + 1
    last = error.issues[-1]
    assert last.message == (
        f"and {error.count - MAX_ISSUES:,} more problems (only the first 100 are listed)"
    )
    assert str(error).splitlines()[0] == f"many: {error.count:,} problems in scenario"
    assert len(str(error).splitlines()) == MAX_ISSUES + 2


@pytest.mark.parametrize(
    "value",
    [
        "short",
        -3,
        2.5,
        None,
        True,
        {"calm_rounds": 2, "trust": [{"pair": ["A", "B"], "min": 0.5}]},
        ("a",),
        (),
        {1, 2},
        set(),
        frozenset({3}),
        b"\x00bytes",
        [[], {}],
    ],
)
def test_bounded_repr_is_repr_when_short(value: Any) -> None:
    assert bounded_repr(value) == repr(value)


def test_bounded_repr_cuts_long_and_self_referential_values() -> None:
    big = list(range(2_000_000))
    start = time.perf_counter()
    shown = bounded_repr(big)
    assert time.perf_counter() - start < 0.01  # repr would take a tenth of a second
    assert len(shown) == 200
    assert shown.startswith("[0, 1, 2")
    assert shown.endswith("…")
    loop: list[Any] = [1]
    loop.append(loop)
    assert bounded_repr(loop) == repr(loop) == "[1, [...]]"
    nest: dict[str, Any] = {}
    nest["me"] = nest
    assert bounded_repr(nest) == "{'me': {...}}"
    assert bounded_repr("y" * 1000, limit=10) == "'yyyyyyyy…"
    assert bounded_repr(10**5000) == "<an integer of 16,610 bits>"
    deep: list[Any] = []
    for _ in range(20_000):
        deep = [deep]
    assert bounded_repr(deep, limit=50) == "[" * 49 + "…"


# --- the loaders -------------------------------------------------------------------


@pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML built without libyaml")
@pytest.mark.parametrize("name", ["korea", "ipd"])
def test_builtins_read_the_same_with_the_c_and_python_loaders(name: str) -> None:
    text = builtin_text(name)
    fast = load_yaml(text, name)
    pure = load_yaml(text, name, accelerated=False)
    assert fast == pure
    assert parse_scenario(fast) == parse_scenario(pure) == parse_yaml(text, name, UPLOAD_LIMITS)


def test_a_synthetic_scenario_reads_the_same_with_both_loaders() -> None:
    text = synthetic(**AT_UPLOAD_LIMITS)
    assert load_yaml(text) == load_yaml(text, accelerated=False)


@pytest.mark.parametrize("accelerated", [True, False], ids=["c", "python"])
def test_duplicate_keys_are_still_refused(accelerated: bool) -> None:
    text = builtin_text("ipd").replace("rounds: 200", "rounds: 200\nrounds: 100")
    with pytest.raises(ScenarioError) as info:
        load_yaml(text, "dup", accelerated=accelerated)
    issue = _only(info.value)
    assert issue.message == "invalid YAML: found duplicate key 'rounds'"
    assert issue.path.startswith("line ")


@pytest.mark.parametrize("accelerated", [True, False], ids=["c", "python"])
@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("id: " + "1" * 5000, "line 1, column 5", "int (Exceeds the limit (4300 digits)"),
        ("id: x\nrounds: 0000-01-01\n", "line 2, column 9", "timestamp (year 0 is out of range)"),
        ("id: !!bool maybe\n", "line 1, column 5", "bool ('maybe')"),
        ("id: !!float high\n", "line 1, column 5", "float (could not convert"),
    ],
)
def test_values_their_tag_cannot_hold_are_yaml_errors(
    accelerated: bool, text: str, where: str, message: str
) -> None:
    """PyYAML lets a ValueError or KeyError out for these: a 500 from the server."""
    with pytest.raises(ScenarioError) as info:
        load_yaml(text, "t", accelerated=accelerated)
    issue = _only(info.value)
    assert issue.message.startswith(f"invalid YAML: cannot read this value as {message}")
    assert issue.path == where


# --- measurements (not a test) -----------------------------------------------------


def measure(text: str, repeat: int = 3) -> dict[str, float]:
    """CPU seconds and traced MB to parse, validate, compile, start and step ``text`` once.

    The fastest of ``repeat`` untraced runs gives the seconds (process CPU
    time: steadier than the wall clock on a busy machine); one more run under
    tracemalloc gives the peak of Python and numpy allocations.
    """

    def run() -> tuple[float, float, float]:
        t0 = time.process_time()
        scenario = parse_yaml(text, "measured")
        t1 = time.process_time()
        compiled = compile_scenario(scenario)
        t2 = time.process_time()
        state = initial_state(compiled, 1)
        moves = Submissions(np.zeros((1, compiled.n_slots), bool), offerable(state))
        step(state, moves, CounterRNG(seed=7))
        return t1 - t0, t2 - t1, time.process_time() - t2

    parse, comp, run_step = min(run() for _ in range(repeat))
    tracemalloc.start()
    run()
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    return {"parse": parse, "compile": comp, "step": run_step, "peak_mb": peak}
