"""The row-wise helpers and the playbook built on them equal the plain numpy they replace."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from detente.engine import CompiledScenario, CounterRNG
from detente.strategies import Playbook, Stance, View
from detente.strategies.base import B8, F64, I64
from detente.strategies.booleans import CHUNK, BoolMatrix, any_of, count_of
from detente.strategies.playbook import columns


def bools(rows: int, cols: int) -> st.SearchStrategy[B8]:
    return hnp.arrays(bool, (rows, cols))


@given(x=st.integers(0, 40).flatmap(lambda b: st.integers(0, 7).flatmap(lambda c: bools(b, c))))
def test_row_reductions_equal_numpy(x: B8) -> None:
    assert np.array_equal(any_of(x), x.any(axis=1))
    assert np.array_equal(count_of(x), x.sum(axis=1))
    assert count_of(x).dtype == np.int64


@settings(max_examples=60)
@given(
    sizes=st.tuples(st.integers(0, 30), st.integers(0, 2 * CHUNK + 3), st.integers(0, 6)),
    data=st.data(),
)
def test_bool_matrix_product_equals_boolean_matmul(
    sizes: tuple[int, int, int], data: st.DataObject
) -> None:
    batch, n, k = sizes
    m = data.draw(bools(n, k))
    x = data.draw(bools(batch, n))
    assert np.array_equal(BoolMatrix(m).product(x), x @ m)


@given(cols=hnp.arrays(np.int64, st.integers(0, 6), elements=st.integers(0, 9)))
def test_columns_select_the_same_columns(cols: I64) -> None:
    x = np.arange(30).reshape(3, 10)
    assert np.array_equal(x[:, columns(cols)], x[:, cols])


def exclusive_sets(c: CompiledScenario, party: int) -> list[list[int]]:
    """The party's own columns of which a move takes at most one, read from the scenario's
    declarations: each action's levels, mildest (first declared) first, then its counter-action."""
    own = {name: i for i, name in enumerate(c.seat(party).actions)}
    sets = []
    for action in c.scenario.declared_actions:  # the resolutions' votes too
        names = [f"{action.id}.{level.id}" for level in action.levels] or [action.id]
        counter = action.revoked_by or action.reversed_by
        names += [counter.id] if counter is not None else []
        columns = [own[n] for n in names if n in own]
        if len(columns) > 1:
            sets.append(columns)
    return sets


def reference_move(playbook: Playbook, view: View, stance: Stance, allowed: B8 | None) -> B8:
    """Playbook.realise as first written (boolean matmul and cumulative sums), then the rule
    of one per exclusive set: of two levels of an action the milder, of an act and its
    counter-action the act."""
    actions = np.zeros(view.available.shape, dtype=bool)
    prov = playbook.provocations
    avail = view.available[:, prov]
    actions[:, prov] = avail & (np.cumsum(avail, axis=1) <= stance.provoke[:, None])
    for cols, wanted in (
        (playbook.restraints, stance.restrain),
        (playbook.gestures, stance.attend),
    ):
        actions[:, cols] = view.available[:, cols] & wanted[:, None]
    actions |= reference_votes(playbook, view)
    for group in exclusive_sets(playbook.compiled, playbook.party):
        chosen = actions[:, group]
        first = np.cumsum(chosen, axis=1) == 1  # up to and including the first chosen
        actions[:, group] = chosen & first
    offers = view.offerable & ~(stance.distrust @ playbook.involves.T)
    if allowed is not None:
        offers &= allowed[None, :]
    return np.concatenate([actions, offers], axis=1)


def reference_votes(playbook: Playbook, view: View) -> B8:
    """The votes of a member with nothing in force (a view without institutions): for each
    resolution that adopts a level, by the sign of the level's utility to the party (easing
    what is not in force changes nothing: no vote)."""
    c = playbook.compiled
    own = {name: i for i, name in enumerate(c.seat(playbook.party).actions)}
    votes = np.zeros(view.available.shape, dtype=bool)
    for inst in c.scenario.institutions:
        if c.parties[playbook.party] not in inst.members:
            continue
        for res in inst.resolutions:
            if res.adopts is None:
                continue
            level = c.institutions.levels.index(f"{inst.id}.{res.adopts}")
            gain = c.institutions.value[level, playbook.party]
            vote = "in_favour" if gain > 0 else "against" if gain < 0 else "abstain"
            votes[:, own[f"{res.id}.{vote}"]] = view.available[:, own[f"{res.id}.{vote}"]]
    return votes


def reference_provoked_by(playbook: Playbook, view: View) -> B8:
    c = playbook.compiled
    hits = view.perceived[:, playbook.hurt_slots]
    out = np.zeros((view.batch, c.n_parties), dtype=bool)
    for j in np.flatnonzero(playbook.adversaries):
        out[:, j] = hits[:, c.slot_party[playbook.hurt_slots] == j].any(axis=1)
    return out


def random_view(c: CompiledScenario, party: int, rng: np.random.Generator, batch: int) -> View:
    """A view with random contents, laid out as the simulator lays them out."""
    slots, coms = c.party_slots(party), c.party_commitments(party)
    P, K = c.n_parties, c.n_slots
    perceived = rng.random((batch, P, K)) < 0.3
    trust: F64 = rng.random((batch, P, P))
    avail = rng.random((batch, K)) < 0.7
    return View(
        compiled=c,
        party=party,
        round=3,
        episodes=np.arange(batch),
        stage=np.zeros(batch, dtype=np.int64),
        stalled=np.zeros(batch, dtype=bool),
        perceived=perceived[:, party],
        trust=trust[:, party],
        payoff=np.zeros(batch),
        in_force=np.zeros((batch, len(c.deals)), dtype=bool),
        available=avail[:, slots],
        offerable=avail[:, c.commitment_slot][:, coms],
        rng=CounterRNG(0),
    )


def playbooks(*scenarios: CompiledScenario) -> list[Playbook]:
    return [Playbook(c, p) for c in scenarios for p in range(c.n_parties)]


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), threshold=st.floats(0, 1))
def test_playbook_reads_a_view_like_its_reference(
    korea: CompiledScenario, ipd: CompiledScenario, seed: int, threshold: float
) -> None:
    rng = np.random.default_rng(seed)
    for playbook in playbooks(korea, ipd):
        view = random_view(playbook.compiled, playbook.party, rng, 50)
        assert np.array_equal(playbook.provoked_by(view), reference_provoked_by(playbook, view))
        hits = view.perceived[:, playbook.hurt_slots]
        assert np.array_equal(playbook.hurt_count(view), hits.sum(axis=1))
        chosen = rng.random(50) < 0.5
        own = view.perceived[:, playbook.provocation_slots].any(axis=1)
        last = own if playbook.n_provocations else chosen
        assert np.array_equal(playbook.defected_last(view, chosen), last)
        below = (view.trust < threshold) & playbook.others[None, :]
        assert np.array_equal(playbook.below(view.trust, threshold), below)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_realise_equals_its_reference(
    korea: CompiledScenario, ipd: CompiledScenario, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    for playbook in playbooks(korea, ipd):
        view = random_view(playbook.compiled, playbook.party, rng, 50)
        stance = Stance(
            provoke=rng.integers(0, playbook.n_provocations + 2, 50),
            restrain=rng.random(50) < 0.5,
            attend=rng.random(50) < 0.5,
            distrust=rng.random((50, playbook.others.size)) < 0.3,
        )
        allowed = rng.random(view.offerable.shape[1]) < 0.5
        hostile = playbook.retaliate(playbook.provoked_by(view))
        for s, allow in ((stance, None), (stance, allowed), (hostile, None)):
            move = playbook.realise(view, s, allow)
            got = np.concatenate([move.actions, move.offers], axis=1)
            assert np.array_equal(got, reference_move(playbook, view, s, allow))
