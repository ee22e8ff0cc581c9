"""Clearing properties: sound, maximal, order-independent; cycles clear.

Random commitment structures are checked against a brute-force definition:
the cleared set must be the union of all *self-supporting* sets of offered
commitments (each member's condition met by the outright actions plus the
members' actions, and each member's deal whole).
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.engine import CounterRNG, Submissions, initial_state, step
from detente.engine.clearing import clear
from detente.engine.policies import collapse, policy_lists
from detente.engine.tables import kernel_tables
from detente.scenario import parse_scenario
from detente.scenario.compiled import CompiledScenario, compile_scenario
from tests.engine.moves import executed_labels, moves


def build(
    parties: int, coms: list[tuple[int, int, list[int]]], deal_of: list[int]
) -> CompiledScenario:
    """A scenario with two actions per party; commitment = (party, own action, condition slots)."""
    pids = [f"P{i}" for i in range(parties)]
    slots = [f"P{p}.a{p}_{i}" for p in range(parties) for i in range(2)]
    doc: dict[str, Any] = {
        "id": "clearing",
        "parties": [{"id": p} for p in pids],
        "actions": [
            {"id": f"a{p}_{i}", "actors": [pids[p]], "category": "initiative", "intensity": 1}
            for p in range(parties)
            for i in range(2)
        ],
        "commitments": [
            {
                "id": f"c{m}",
                "party": pids[p],
                "action": f"a{p}_{a}",
                "if": [slots[k] for k in conds],
            }
            for m, (p, a, conds) in enumerate(coms)
        ],
        "deals": [
            {"id": f"d{d}", "commitments": [f"c{m}" for m, dd in enumerate(deal_of) if dd == d]}
            for d in sorted({d for d in deal_of if d >= 0})
        ],
        "roadmap": {"stages": [{"id": "only"}], "success": {"hold_rounds": 1}},
    }
    return compile_scenario(parse_scenario(doc))


@st.composite
def instances(draw: st.DrawFn) -> tuple[CompiledScenario, np.ndarray, np.ndarray]:
    parties = draw(st.integers(2, 4))
    n_slots = 2 * parties
    n_com = draw(st.integers(1, 8))
    coms = [
        (
            p := draw(st.integers(0, parties - 1)),
            draw(st.integers(0, 1)),
            draw(st.lists(st.integers(0, n_slots - 1), min_size=1, max_size=3, unique=True)),
        )
        for _ in range(n_com)
    ]
    del p
    deal_of = draw(st.lists(st.integers(-1, 2), min_size=n_com, max_size=n_com))
    compiled = build(parties, coms, deal_of)
    outright = np.array(draw(st.lists(st.booleans(), min_size=n_slots, max_size=n_slots)))
    offers = np.array(draw(st.lists(st.booleans(), min_size=n_com, max_size=n_com)))
    return compiled, outright & draw(st.booleans()), offers


def words(flags: np.ndarray) -> np.ndarray:
    """Boolean flags as the kernel's bit words."""
    out = np.zeros(max(1, -(-len(flags) // 64)), dtype=np.uint64)
    for i in np.flatnonzero(flags):
        out[i // 64] |= np.uint64(1) << np.uint64(i % 64)
    return out


def flags(w: np.ndarray, n: int) -> np.ndarray:
    return np.array([bool((int(w[i // 64]) >> (i % 64)) & 1) for i in range(n)], dtype=bool)


def clear_flags(
    c: CompiledScenario, outright: np.ndarray, offers: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The kernel's clearing on boolean flags: (cleared commitments, executed slots)."""
    t = kernel_tables(c)
    pl = policy_lists.py_func(t.policy_index, t.policy_bits, t.policy_at)
    remaining = words(offers)
    executed = np.zeros_like(words(outright))
    clear(
        t.com_slot,
        t.com_cond_bits,
        t.com_deal_bits,
        pl.com_any_ptr,
        pl.com_any_bits,
        words(outright),
        remaining,
        executed,
    )
    collapse(pl.graded_ptr, pl.graded_slot, executed)
    return flags(remaining, len(offers)), flags(executed, len(outright))


def self_supporting(c: CompiledScenario, outright: np.ndarray, members: set[int]) -> bool:
    have = outright.copy()
    for m in members:
        have[c.commitment_slot[m]] = True
    for m in members:
        if not all(have[c.commitment_conditions(m)]):
            return False
        if not set(c.package(m).tolist()) <= members:
            return False
    return True


@settings(max_examples=300, deadline=None)
@given(instances())
def test_clearing_is_the_greatest_self_supporting_set(
    inst: tuple[CompiledScenario, np.ndarray, np.ndarray],
) -> None:
    c, outright, offers = inst
    remaining, executed = clear_flags(c, outright, offers)
    offered = [int(m) for m in np.flatnonzero(offers)]
    union: set[int] = set()
    for size in range(len(offered) + 1):
        for subset in combinations(offered, size):
            if self_supporting(c, outright, set(subset)):
                union |= set(subset)
    cleared = {int(m) for m in np.flatnonzero(remaining)}
    assert cleared == union, "maximal: every self-supporting set is inside the cleared one"
    assert self_supporting(c, outright, cleared), "sound: nothing clears without its condition"
    expected = outright.copy()
    expected[kernel_tables(c).com_slot[sorted(cleared)]] = True
    assert (executed == expected).all()


@settings(max_examples=150, deadline=None)
@given(instances(), st.randoms(use_true_random=False))
def test_clearing_is_order_independent(
    inst: tuple[CompiledScenario, np.ndarray, np.ndarray], rnd: Any
) -> None:
    """Permuting parties, actions and commitments in the document changes nothing."""
    c, outright, offers = inst
    _, executed = clear_flags(c, outright, offers)
    doc = c.scenario.model_dump(by_alias=True, exclude_defaults=True)
    for key in ("parties", "actions", "commitments"):
        rnd.shuffle(doc[key])
    shuffled = compile_scenario(parse_scenario(doc))
    out_labels = [c.slot_label(int(k)) for k in np.flatnonzero(outright)]
    offer_names = [c.commitments[int(m)] for m in np.flatnonzero(offers)]
    sub = moves(shuffled, actions=out_labels, offers=offer_names)
    _, executed2 = clear_flags(shuffled, sub.actions[0], sub.offers[0])
    assert executed_labels(c, executed) == executed_labels(shuffled, executed2)


def test_a_cycle_of_commitments_clears() -> None:
    """A if B, B if C, C if A: nobody moves first, all three execute."""
    c = build(3, [(0, 0, [2]), (1, 0, [4]), (2, 0, [0])], [-1, -1, -1])
    remaining, executed = clear_flags(c, np.zeros(6, bool), np.ones(3, bool))
    assert remaining.all()
    assert executed_labels(c, executed) == {"P0.a0_0", "P1.a1_0", "P2.a2_0"}


def test_a_broken_cycle_clears_nothing() -> None:
    c = build(3, [(0, 0, [2]), (1, 0, [4]), (2, 0, [0])], [-1, -1, -1])
    remaining, executed = clear_flags(c, np.zeros(6, bool), np.array([True, True, False]))
    assert not remaining.any()
    assert not executed.any()


def test_a_deal_clears_only_whole() -> None:
    """c0 and c1 support each other, but their deal also needs c2, whose condition fails."""
    c = build(2, [(0, 0, [2]), (1, 0, [0]), (1, 1, [1])], [0, 0, 0])
    remaining, _ = clear_flags(c, np.zeros(4, bool), np.ones(3, bool))
    assert not remaining.any()
    loose = build(2, [(0, 0, [2]), (1, 0, [0]), (1, 1, [1])], [-1, -1, -1])
    remaining, _ = clear_flags(loose, np.zeros(4, bool), np.ones(3, bool))
    assert remaining.tolist() == [True, True, False]


def greatest_fixed_point(
    c: CompiledScenario, outright: np.ndarray, offers: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The definition, on boolean flags: drop unsupported offers until nothing changes."""
    remaining = offers.copy()
    while True:
        executed = outright.copy()
        executed[c.commitment_slot[remaining]] = True
        keep = remaining.copy()
        for m in np.flatnonzero(remaining):
            conds = c.commitment_conditions(m)
            keep[m] = executed[conds].all() and remaining[c.package(m)].all()
        if (keep == remaining).all():
            return remaining, executed
        remaining = keep


@st.composite
def wide_instances(draw: st.DrawFn) -> tuple[CompiledScenario, np.ndarray, np.ndarray]:
    """More than 64 slots and commitments: the kernel's sets span several words."""
    parties, n_com = 36, 70
    n_slots = 2 * parties
    coms = [
        (
            draw(st.integers(0, parties - 1)),
            draw(st.integers(0, 1)),
            draw(st.lists(st.integers(0, n_slots - 1), min_size=1, max_size=2, unique=True)),
        )
        for _ in range(n_com)
    ]
    deal_of = draw(st.lists(st.integers(-1, 5), min_size=n_com, max_size=n_com))
    compiled = build(parties, coms, deal_of)
    outright = np.array(draw(st.lists(st.booleans(), min_size=n_slots, max_size=n_slots)))
    offers = np.array(draw(st.lists(st.booleans(), min_size=n_com, max_size=n_com)))
    return compiled, outright, offers


@settings(max_examples=25, deadline=None)
@given(wide_instances())
def test_clearing_spans_several_words(
    inst: tuple[CompiledScenario, np.ndarray, np.ndarray],
) -> None:
    c, outright, offers = inst
    assert kernel_tables(c).com_cond_bits.shape[1] > 1
    assert kernel_tables(c).deal_bits.shape[1] > 1
    remaining, executed = clear_flags(c, outright, offers)
    expected_remaining, expected_executed = greatest_fixed_point(c, outright, offers)
    assert (remaining == expected_remaining).all()
    assert (executed == expected_executed).all()
    # The same through a whole step, whose rows are unpacked from the words.
    after, events = step(
        initial_state(c, 1), Submissions(outright[None, :], offers[None, :]), CounterRNG(0)
    )
    assert (events.outcome.cleared[0] == expected_remaining).all()
    assert (after.arrays.executed[0] == expected_executed).all()
    assert (after.arrays.taken[0] == expected_executed).all()


# --- graded actions: at-least conditions, one level per party and action ---------------------

LEVELS = ("low", "mid", "high")


def build_graded(
    parties: int, coms: list[tuple[int, str, list[str]]], deal_of: list[int]
) -> CompiledScenario:
    """Each party has an ungraded action ``u`` and a graded ``g`` (low, mid, high); a commitment
    is (party, ``u`` or ``g.LEVEL``, condition references ``Pq.u``, ``Pq.g`` or ``Pq.g.LEVEL``)."""
    pids = [f"P{i}" for i in range(parties)]
    doc: dict[str, Any] = {
        "id": "graded_clearing",
        "parties": [{"id": p} for p in pids],
        "actions": [
            {"id": "u", "actors": pids, "category": "initiative", "intensity": 1},
            {
                "id": "g",
                "actors": pids,
                "category": "concession",
                "intensity": 1,
                "levels": [{"id": lv} for lv in LEVELS],
            },
        ],
        "commitments": [
            {"id": f"c{m}", "party": pids[p], "action": action, "if": conds}
            for m, (p, action, conds) in enumerate(coms)
        ],
        "deals": [
            {"id": f"d{d}", "commitments": [f"c{m}" for m, dd in enumerate(deal_of) if dd == d]}
            for d in sorted({d for d in deal_of if d >= 0})
        ],
        "roadmap": {"stages": [{"id": "only"}], "success": {"hold_rounds": 1}},
    }
    return compile_scenario(parse_scenario(doc))


def meeting(c: CompiledScenario, ref: str) -> list[int]:
    """The slots meeting a condition reference, by the documented rule and labels alone."""
    party, action, *level = ref.split(".")
    if action == "u":
        return [c.slot_of(party, "u")]
    start = LEVELS.index(level[0]) if level else 0
    return [c.slot_of(party, f"g.{lv}") for lv in LEVELS[start:]]


@st.composite
def graded_instances(
    draw: st.DrawFn, wide: bool = False
) -> tuple[CompiledScenario, np.ndarray, np.ndarray]:
    """Random graded instances; ``wide``: 17 parties, 68 slots, so sets span two words."""
    parties = 17 if wide else draw(st.integers(2, 3))
    refs = [f"P{p}.u" for p in range(parties)] + [
        f"P{p}.g{suffix}" for p in range(parties) for suffix in ("", ".low", ".mid", ".high")
    ]
    n_com = draw(st.integers(1, 8))
    coms = [
        (
            draw(st.integers(0, parties - 1)),
            draw(st.sampled_from(["u", "g.low", "g.mid", "g.high"])),
            draw(st.lists(st.sampled_from(refs), min_size=1, max_size=3, unique=True)),
        )
        for _ in range(n_com)
    ]
    deal_of = draw(st.lists(st.integers(-1, 2), min_size=n_com, max_size=n_com))
    compiled = build_graded(parties, coms, deal_of)
    n_slots = compiled.n_slots
    outright = np.array(draw(st.lists(st.booleans(), min_size=n_slots, max_size=n_slots)))
    offers = np.array(draw(st.lists(st.booleans(), min_size=n_com, max_size=n_com)))
    return compiled, outright & draw(st.booleans()), offers


def graded_support(c: CompiledScenario, outright: np.ndarray, members: set[int]) -> bool:
    """Self-supporting with at-least conditions: every condition met by some slot taken."""
    have = outright.copy()
    for m in members:
        have[c.commitment_slot[m]] = True
    for m in members:
        refs = c.scenario.commitments[m].conditions
        if not all(have[meeting(c, ref)].any() for ref in refs):
            return False
        if not set(c.package(m).tolist()) <= members:
            return False
    return True


@settings(max_examples=300, deadline=None)
@given(st.one_of(graded_instances(), graded_instances(wide=True)))
def test_clearing_with_levels_is_sound_and_maximal(
    inst: tuple[CompiledScenario, np.ndarray, np.ndarray],
) -> None:
    """The cleared set is the union of the self-supporting sets (maximal); of each party's levels
    only the strongest executes, and every cleared commitment still has its conditions met and
    its promise kept (its level or a stronger one executed)."""
    c, outright, offers = inst
    remaining, executed = clear_flags(c, outright, offers)
    offered = [int(m) for m in np.flatnonzero(offers)]
    union: set[int] = set()
    for size in range(len(offered) + 1):
        for subset in combinations(offered, size):
            if graded_support(c, outright, set(subset)):
                union |= set(subset)
    cleared = {int(m) for m in np.flatnonzero(remaining)}
    assert cleared == union
    chosen = outright.copy()
    chosen[c.commitment_slot[sorted(cleared)]] = True
    for p in c.parties:
        levels = [c.slot_of(p, f"g.{lv}") for lv in LEVELS]
        taken = [k for k in levels if chosen[k]]
        assert executed[levels].sum() == (1 if taken else 0), "one level per party and action"
        if taken:
            assert executed[taken[-1]], "the strongest level chosen is the one executed"
        chosen[levels] = False
        chosen[taken[-1:]] = True
    assert (executed == chosen).all()
    for m in cleared:
        assert all(executed[meeting(c, ref)].any() for ref in c.scenario.commitments[m].conditions)
        action = c.scenario.commitments[m].action
        party = c.scenario.commitments[m].party
        assert executed[meeting(c, f"{party}.{action}")].any(), "promise kept at least"
