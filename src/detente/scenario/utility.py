"""The utility model: what executing a set of slots is worth to each party, per round.

``u_p(x) = base[p] + sum_k linear[k, p] x_k + sum_t pair_value[t, p] x_(pair_k[t]) x_(pair_l[t])``
for executed slots ``x`` (booleans). One model serves the simulation's
payoffs (the engine's kernel computes the same sums, and a test checks it),
bargaining's packages and the strategies' valuations, through
:func:`evaluate`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from detente.dtypes import F64, I64
from detente.scenario.schema import Utilities


def evaluate(
    executed: ArrayLike, base: F64, linear: F64, pair_k: I64, pair_l: I64, pair_value: F64
) -> F64:
    """``[N, K]`` executed slots -> ``[N, P]`` utilities (``[K]`` -> ``[P]``) under these terms."""
    x = np.asarray(executed, dtype=bool)
    rows = x if x.ndim == 2 else x[np.newaxis, :]
    result: F64 = base + rows.astype(np.float64) @ linear
    if len(pair_k):
        result = result + (rows[:, pair_k] & rows[:, pair_l]).astype(np.float64) @ pair_value
    return result if x.ndim == 2 else result[0]


@dataclass(frozen=True, eq=False)
class UtilityModel:
    """Every party's per-round utility over executed slots, and the discount per round.

    Attributes:
        base: ``[P]`` utility of the status quo (nothing executed).
        linear: ``[K, P]`` what each executed slot adds for each party.
        pair_k, pair_l: ``[T]`` the two slots of each pairwise term (``pair_k < pair_l``).
        pair_value: ``[T, P]`` what the term adds when both its slots are executed.
        discount: per-round discount factor of payoffs.
    """

    base: F64
    linear: F64
    pair_k: I64
    pair_l: I64
    pair_value: F64
    discount: float

    def value(self, executed: ArrayLike) -> F64:
        """``[N, K]`` -> ``[N, P]`` (``[K]`` -> ``[P]``): each party's utility of the slots."""
        return evaluate(executed, self.base, self.linear, self.pair_k, self.pair_l, self.pair_value)

    @staticmethod
    def of(
        spec: Utilities, party: Mapping[str, int], slot: Callable[[str], int], n_slots: int
    ) -> UtilityModel:
        """The model of a scenario's ``utilities`` section (``party`` and ``slot`` index names).

        A pairwise term of a slot with itself is linear (``x * x == x`` for a
        boolean); terms on the same pair of slots add up.
        """
        P = len(party)
        base = np.zeros(P)
        linear = np.zeros((n_slots, P))
        pairs: dict[tuple[int, int], F64] = {}
        for pid, util in spec.parties.items():
            p = party[pid]
            base[p] = util.base
            for ref, value in util.linear.items():
                linear[slot(ref), p] += value
            for term in util.pairwise:
                k, k2 = sorted((slot(term.slots[0]), slot(term.slots[1])))
                if k == k2:
                    linear[k, p] += term.value
                    continue
                pairs.setdefault((k, k2), np.zeros(P))[p] += term.value
        keys = sorted(pairs)
        return UtilityModel(
            base=base,
            linear=linear,
            pair_k=np.array([k for k, _ in keys], dtype=np.int64),
            pair_l=np.array([k2 for _, k2 in keys], dtype=np.int64),
            pair_value=np.array([pairs[key] for key in keys], dtype=np.float64).reshape(-1, P),
            discount=float(spec.discount),
        )
