"""Institutions in the kernel: the tally of each resolution, and the policy levels in force.

Runs after clearing (a vote is an executed slot of its member's, so a vote
cast by a trembling hand counts as cast) and before payoffs, so a policy
adopted this round pays and meets criteria this round. The tables are one
packed ``int64[1 + R + V, 8]`` array (:func:`pack`): row 0 holds R, rows
``1 .. R`` the resolutions, the rest one row per member's vote. Scenarios
without institutions have ``R = 0`` and the kernel skips the call.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from detente.engine.bits import has
from detente.engine.jit import inner
from detente.scenario.institutions import ADOPTED, NOT_VOTED, REJECTED, VETOED, InstitutionModel

# Columns of a resolution's row, then of a vote's row.
V_LO, V_HI, IN_FAVOUR_OUTSIDE, THRESHOLD, P_LO, P_HI, TARGET, RAISE = range(8)
ABSTAIN_SLOT, IN_FAVOUR_SLOT, AGAINST_SLOT, HOLDS_VETO = range(4)


def pack(model: InstitutionModel) -> NDArray[np.int64]:
    """The kernel's ``int64[1 + R + V, 8]`` table of ``model`` (see the module docstring)."""
    n_res = len(model.resolutions)
    rows = [[n_res, 0, 0, 0, 0, 0, 0, 0]]
    votes: list[list[int]] = []
    first = 1 + n_res
    for r in range(n_res):
        lo, hi = model.policy_levels[model.r_policy[r]]
        n = len(model.members[r])
        start = first + len(votes)
        rows.append(
            [
                start,
                start + n,
                model.outside[r][1],
                model.threshold[r],
                lo,
                hi,
                model.r_target[r],
                int(model.r_raise[r]),
            ]
        )
        for i in range(n):
            slots = model.vote_slots[r][i]
            votes.append(
                [int(slots[0]), int(slots[1]), int(slots[2]), int(model.veto[r][i]), 0, 0, 0, 0]
            )
    return np.array(rows + votes, dtype=np.int64).reshape(-1, 8)


@inner
def adopt_tile(
    inst: NDArray[np.int64],
    lo: int,
    executed: NDArray[np.uint64],
    old_inst: NDArray[np.bool_],
    new_inst: NDArray[np.bool_],
    out_resolved: NDArray[np.int64],
) -> None:
    """Tally every resolution and put the adopted ones' policy levels in force.

    Parameters
    ----------
    inst : int64[1 + R + V, 8]
        Read. The packed table (:func:`pack`).
    lo : int
        The tile's first episode; tile row ``i`` is episode ``b = lo + i``.
    executed : uint64[size, WK]
        Read. The slots executed this round (votes among them).
    old_inst : bool[B, L]
        Read. The policy levels in force before the round.
    new_inst : bool[B, L]
        Written, rows ``lo`` to ``lo + size``. The levels in force after it:
        the old ones, changed by the resolutions adopted, in declared order.
    out_resolved : int64[B, R]
        Written, rows ``lo`` to ``lo + size``. ``NOT_VOTED`` when no member
        voted, else ``ADOPTED``, ``VETOED`` (a member holding a veto voted
        against) or ``REJECTED`` (too few votes in favour).
    """
    n_res = inst[0, 0]
    for i in range(executed.shape[0]):
        b = lo + i
        for level in range(new_inst.shape[1]):
            new_inst[b, level] = old_inst[b, level]
        for r in range(1, n_res + 1):
            cast, vetoed = False, False
            in_favour = inst[r, IN_FAVOUR_OUTSIDE]
            for v in range(inst[r, V_LO], inst[r, V_HI]):
                if has(executed[i], inst[v, IN_FAVOUR_SLOT]):
                    in_favour += 1
                    cast = True
                elif has(executed[i], inst[v, AGAINST_SLOT]):
                    cast = True
                    vetoed |= inst[v, HOLDS_VETO] == 1
                elif has(executed[i], inst[v, ABSTAIN_SLOT]):
                    cast = True
            if not cast:
                out_resolved[b, r - 1] = NOT_VOTED
            elif vetoed:
                out_resolved[b, r - 1] = VETOED
            elif in_favour < inst[r, THRESHOLD]:
                out_resolved[b, r - 1] = REJECTED
            else:
                out_resolved[b, r - 1] = ADOPTED
                p_lo, p_hi, target = inst[r, P_LO], inst[r, P_HI], inst[r, TARGET]
                current = p_lo - 1
                for level in range(p_lo, p_hi):
                    if new_inst[b, level]:
                        current = level
                    new_inst[b, level] = False
                raised = inst[r, RAISE] == 1
                current = max(current, target) if raised else min(current, target)
                if current >= p_lo:
                    new_inst[b, current] = True
