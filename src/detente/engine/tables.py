"""The kernel's tables: a compiled scenario laid out for speed, private to the engine.

The numba kernels take plain arrays and scalars only, so a scenario's lists
become CSR pairs (``ptr[i]:ptr[i+1]`` slices ``items`` for item ``i``) and
bit words (bit ``i % 64`` of word ``i // 64`` stands for slot or commitment
``i``), its criteria one condition program (``engine/conditions.py``), and
its probabilities integer thresholds the draws compare with. They are built
once per compiled scenario, on first use, and nothing outside the engine
reads them: callers ask :class:`~detente.scenario.compiled.CompiledScenario`
and :class:`~detente.engine.state.State` instead.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple
from weakref import WeakKeyDictionary

import numpy as np

from detente.dtypes import B8, F64, I64, U64
from detente.engine.conditions import ConditionProgram
from detente.engine.institutions import pack
from detente.scenario.compiled import CompiledScenario

THEN_BACK = 0
THEN_STALL = 1


class Tables(NamedTuple):
    """Everything the numba kernels read; plain arrays and scalars only."""

    n_parties: int
    n_stages: int
    slot_party: I64
    party_slot_ptr: I64
    party_slot: I64
    slot_available: B8  # [S, K]
    slot_repeatable: B8
    slot_provocation: B8
    evidence: F64  # [4, P, K] cooperative, hostile evidence of o's reading of k; then failed
    own_reading: B8  # [P] observers whose readings differ from the actions' intensities
    outcomes: U64  # [J, 2 WK + WD] per action that can fail: its slots, success slots, deals
    base: F64  # [P]
    linear: F64  # [K, P]
    pair_k: I64
    pair_l: I64
    pair_value: F64  # [pairs, P]
    discount: float
    com_slot: I64
    com_deal: I64
    com_cond_ptr: I64
    com_cond: I64
    deal_ptr: I64
    deal_com: I64
    breaks_ptr: I64
    breaks: I64
    cond_ptr: I64  # condition program (see engine.conditions)
    cond_kind: I64
    cond_a: I64
    cond_b: I64
    cond_x: F64
    stage_entry: I64  # condition index per stage
    stage_exit: I64
    stage_rule_ptr: I64  # rules of stage s: stage_rule_ptr[s]:stage_rule_ptr[s+1]
    rule_cond: I64  # trigger condition index per rule
    rule_then: I64
    resume: I64  # condition indices, any of which resumes a stalled process
    success_hold: int
    success_cond: int
    track_level_ptr: I64
    track_level_cond: I64
    # Probabilities the kernel compares draws with, in ticks (see _ticks):
    miss_ticks: I64  # [P] the miss rate of each observer
    miss_rate: I64  # [P] each observer's row of miss_cdf
    miss_cdf: I64  # [R, K + 1, K + 1] per distinct miss rate r, row n: CDF of Binomial(n, r)
    false_alarm_cdf: I64  # [P, K + 1] CDF of Binomial(K, false_alarm[p])
    tremble_ticks: int  # the trembling hand's rate
    prior_pos: F64  # [P, P]
    prior_neg: F64  # [P, P]
    forgetting: float
    restraint_evidence: float
    # Bitsets for the kernel: bit i of word i // 64 stands for slot (or commitment) i.
    party_slot_bits: U64  # [P, WK] each party's own slots
    stage_slot_bits: U64  # [S, WK] slots available in each stage
    repeatable_bits: U64  # [WK]
    provocation_bits: U64  # [WK]
    com_cond_bits: U64  # [M, WK] slots a commitment's condition needs
    com_deal_bits: U64  # [M, WM] commitments of its deal (none when outside a deal)
    deal_bits: U64  # [D, WM] commitments of each deal
    deal_breaker_bits: U64  # [D, WK] slots whose execution violates the deal
    # Standing policies, counter-actions and levels (engine.policies), packed into three
    # arrays because every array the kernel takes costs its call (a batch of one) a little:
    # engine.policies.policy_lists unpacks them into named views.
    policies: bool  # whether the state carries policies in force (standing or counter-actions)
    policy_index: I64  # the policy lists, concatenated
    policy_bits: U64  # [rows, WK] the policy bit tables, stacked
    policy_at: I64  # [12] the lists' bounds (7), then the tables' row bounds (5)
    # Institutions (engine.institutions): resolutions and votes packed, and the utility per
    # round of each institution policy level in force.
    inst: I64  # [1 + R + V, 8]
    inst_value: F64  # [L, P]


_TABLES: WeakKeyDictionary[CompiledScenario, Tables] = WeakKeyDictionary()


def kernel_tables(compiled: CompiledScenario) -> Tables:
    """The kernel's tables of ``compiled``, built on first use and kept as long as it lives."""
    found = _TABLES.get(compiled)
    if found is None:
        found = _TABLES[compiled] = _build(compiled)
    return found


def _csr(rows: Sequence[Sequence[int] | I64]) -> tuple[I64, I64]:
    """``(ptr, items)`` of a list of integer lists."""
    ptr = np.zeros(len(rows) + 1, dtype=np.int64)
    for i, row in enumerate(rows):
        ptr[i + 1] = ptr[i] + len(row)
    items = [int(j) for row in rows for j in row]
    return ptr, np.asarray(items, dtype=np.int64)


def _bits(rows: Sequence[Sequence[int] | I64], n: int) -> U64:
    """Row i: the set ``rows[i]`` of indices below ``n``, as ceil(n / 64) words."""
    out = np.zeros((len(rows), max(1, -(-n // 64))), dtype=np.uint64)
    for i, row in enumerate(rows):
        for j in row:
            out[i, int(j) // 64] |= np.uint64(1) << np.uint64(int(j) % 64)
    return out


def _ticks(p: F64) -> I64:
    """Probabilities as ticks of 2**-53, the kernel's draws (``engine.rng.ticks_at``).

    A draw of ``t`` ticks is the uniform ``t * 2**-53``, below ``p`` exactly
    when ``t < ceil(p * 2**53)`` (scaling by a power of two is exact), so
    comparing integers gives the floating-point comparison's results.
    """
    return np.ceil(p * 2.0**53).astype(np.int64)


def _binomial_cdf(n: int, p: F64, width: int) -> F64:
    """Row i: the CDF of Binomial(n, p[i]) at 0..n (forced to 1 from n on), ``width`` entries."""
    k = np.arange(n + 1)
    log_comb = np.array(
        [math.lgamma(n + 1) - math.lgamma(j + 1) - math.lgamma(n - j + 1) for j in k]
    )
    out = np.ones((len(p), width))
    for i, q in enumerate(p):
        if q <= 0.0 or q >= 1.0:
            out[i, : n + 1] = 1.0 if q <= 0.0 else (k >= n).astype(float)
            continue
        pmf = np.exp(log_comb + k * math.log(q) + (n - k) * math.log1p(-q))
        out[i, : n + 1] = np.cumsum(pmf)
    out[:, n] = 1.0
    return out


def _build(c: CompiledScenario) -> Tables:
    scenario = c.scenario
    P, K, S = c.n_parties, c.n_slots, len(c.stages)
    M, D = len(c.commitments), len(c.deals)
    pix = {p: i for i, p in enumerate(c.parties)}
    deal_ix = {d: i for i, d in enumerate(c.deals)}

    def slot(ref: str) -> int:
        party, action = ref.split(".", 1)
        return c.slot_of(party, action)

    def track_level(track: str, level: str) -> tuple[int, int]:
        t = c.tracks.index(track)
        return t, c.track_levels[t].index(level) + 1

    program = ConditionProgram(
        pix.__getitem__,
        slot,
        deal_ix.__getitem__,
        track_level,
        c.condition_slots,
        c.institutions.in_force_range,
    )
    track_criteria = [
        [program.criteria(level.criteria) for level in t.levels] for t in scenario.tracks
    ]
    roadmap = scenario.roadmap
    stage_entry = np.array([program.criteria(s.entry) for s in roadmap.stages], dtype=np.int64)
    stage_exit = np.array([program.criteria(s.exit) for s in roadmap.stages], dtype=np.int64)
    resume = np.array([program.criteria(r) for r in roadmap.resume], dtype=np.int64)
    success_cond = program.criteria(roadmap.success.criteria)
    rule_cond: list[int] = []
    rule_then: list[int] = []
    stage_rule_ptr = [0]
    for stage in roadmap.stages:
        for rule in stage.breakdown:
            rule_cond.append(program.trigger(rule.when))
            rule_then.append(THEN_BACK if rule.then == "back" else THEN_STALL)
        stage_rule_ptr.append(len(rule_cond))
    cond = program.arrays()

    noise = scenario.noise
    miss = np.full(P, noise.miss)
    false_alarm = np.full(P, noise.false_alarm)
    for pid, obs in noise.observers.items():
        if obs.miss is not None:
            miss[pix[pid]] = obs.miss
        if obs.false_alarm is not None:
            false_alarm[pix[pid]] = obs.false_alarm
    # One (K + 1)^2 table of miss CDFs per distinct rate, not per observer (they mostly share one)
    rates, miss_rate = np.unique(miss, return_inverse=True)
    tp = scenario.trust
    prior_pos = np.full((P, P), tp.prior_trust * tp.prior_weight)
    prior_neg = np.full((P, P), (1 - tp.prior_trust) * tp.prior_weight)
    for prior in tp.priors:
        i, j = pix[prior.pair[0]], pix[prior.pair[1]]
        prior_pos[i, j] = prior.trust * prior.weight
        prior_neg[i, j] = (1 - prior.trust) * prior.weight

    party_slots = [c.party_slots(p) for p in range(P)]
    members = [c.deal_members(d) for d in range(D)]
    condition_sets = [c.commitment_condition_sets(m) for m in range(M)]
    conditions = [[int(s[0]) for s in sets if len(s) == 1] for sets in condition_sets]
    breakers = [c.breakers(k) for k in range(K)]
    party_slot_ptr, party_slot = _csr(party_slots)
    com_cond_ptr, com_cond = _csr(conditions)
    deal_ptr, deal_com = _csr(members)
    breaks_ptr, breaks = _csr(breakers)
    track_level_ptr, track_level_cond = _csr(track_criteria)
    any_of = [[s for s in sets if len(s) > 1] for sets in condition_sets]
    policy_index, policy_bits, policy_at = _policies(c, any_of)
    u = c.utilities
    o = c.outcomes
    i64 = np.int64
    return Tables(
        n_parties=P,
        n_stages=S,
        slot_party=c.slot_party,
        party_slot_ptr=party_slot_ptr,
        party_slot=party_slot,
        slot_available=c.slot_available,
        slot_repeatable=c.slot_repeatable,
        slot_provocation=c.slot_provocation,
        evidence=np.stack(
            [
                np.maximum(o.reading, 0.0) / 10.0,
                np.maximum(-o.reading, 0.0) / 10.0,
                np.maximum(o.failed_reading, 0.0) / 10.0,
                np.maximum(-o.failed_reading, 0.0) / 10.0,
            ]
        ),
        own_reading=o.own,
        outcomes=np.concatenate(
            [_bits(o.judged, K), _bits(o.success_slots, K), _bits(o.success_deals, D)], axis=1
        ),
        base=u.base,
        linear=u.linear,
        pair_k=u.pair_k,
        pair_l=u.pair_l,
        pair_value=u.pair_value,
        discount=u.discount,
        com_slot=c.commitment_slot,
        com_deal=c.commitment_deal,
        com_cond_ptr=com_cond_ptr,
        com_cond=com_cond,
        deal_ptr=deal_ptr,
        deal_com=deal_com,
        breaks_ptr=breaks_ptr,
        breaks=breaks,
        cond_ptr=cond.ptr,
        cond_kind=cond.kind,
        cond_a=cond.a,
        cond_b=cond.b,
        cond_x=cond.x,
        stage_entry=stage_entry,
        stage_exit=stage_exit,
        stage_rule_ptr=np.array(stage_rule_ptr, dtype=i64),
        rule_cond=np.array(rule_cond, dtype=i64),
        rule_then=np.array(rule_then, dtype=i64),
        resume=resume,
        success_hold=roadmap.success.hold_rounds,
        success_cond=success_cond,
        track_level_ptr=track_level_ptr,
        track_level_cond=track_level_cond,
        miss_ticks=_ticks(miss),
        miss_rate=miss_rate,
        miss_cdf=_ticks(np.stack([_binomial_cdf(n, rates, K + 1) for n in range(K + 1)], axis=1)),
        false_alarm_cdf=_ticks(_binomial_cdf(K, false_alarm, K + 1)),
        tremble_ticks=int(_ticks(np.asarray(noise.tremble))),
        prior_pos=prior_pos,
        prior_neg=prior_neg,
        forgetting=float(tp.forgetting),
        restraint_evidence=float(tp.restraint_evidence),
        party_slot_bits=_bits(party_slots, K),
        stage_slot_bits=_bits([np.flatnonzero(row) for row in c.slot_available], K),
        repeatable_bits=_bits([np.flatnonzero(c.slot_repeatable)], K)[0],
        provocation_bits=_bits([np.flatnonzero(c.slot_provocation)], K)[0],
        com_cond_bits=_bits(conditions, K),
        com_deal_bits=_bits([members[d] if d >= 0 else [] for d in c.commitment_deal], M),
        deal_bits=_bits(members, M),
        deal_breaker_bits=_bits([c.deal_breakers(d) for d in range(D)], K),
        policies=c.has_policies or bool(c.counters),
        policy_index=policy_index,
        policy_bits=policy_bits,
        policy_at=policy_at,
        inst=pack(c.institutions),
        inst_value=c.institutions.value.reshape(c.institutions.n_levels, P),
    )


def _policies(c: CompiledScenario, any_of: list[list[I64]]) -> tuple[I64, U64, I64]:
    """``policy_index``, ``policy_bits`` and ``policy_at``, in the order of
    :class:`~detente.engine.policies.PolicyLists`."""
    K = c.n_slots
    standing = np.flatnonzero(c.slot_standing)
    revokers = {int(t): k for k, kind, targets in c.counters if kind == "revokes" for t in targets}
    i64 = np.int64
    lists = [
        np.cumsum([0] + [len(rows) for rows in any_of], dtype=i64),
        *_csr([group[::-1] for group in c.graded]),
        np.array([k for k, _, _ in c.counters], dtype=i64),
        np.array([kind == "reverses" for _, kind, _ in c.counters], dtype=i64),
        standing.astype(i64),
    ]
    tables = [
        _bits([s for rows in any_of for s in rows], K),
        _bits([targets for _, _, targets in c.counters], K),
        _bits([_stops(c, int(k), revokers) for k in standing], K),
        _bits([standing], K),
    ]
    ends = np.cumsum([len(x) for x in lists])
    rows = np.cumsum([len(x) for x in tables])
    return (
        np.concatenate(lists).astype(i64),
        np.concatenate(tables),
        np.concatenate([[0], ends, [0], rows]).astype(i64),
    )


def _stops(c: CompiledScenario, k: int, revokers: dict[int, int]) -> list[int]:
    """The outright choices that stop the carry of policy ``k``: its revocation, other levels."""
    group = next((g for g in c.graded if k in g), np.zeros(0, dtype=np.int64))
    stops = [int(j) for j in group if j != k]
    return stops + ([revokers[k]] if k in revokers else [])
