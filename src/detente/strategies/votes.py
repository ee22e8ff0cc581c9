"""How the library's strategies vote in institutions: by their party's utilities.

A member votes on a resolution when adopting it would change its policy's
level in force (public: ``View.institutions``): in favour when the change
is worth more to its party than it costs (the levels' ``utilities``),
against when it costs more (a member holding a veto thus vetoes it), and
abstains when it is worth nothing either way. It does not vote on a
resolution that would change nothing, so a resolution is put to a vote
only when some member wants to move the policy. Votes do not depend on the
stance: a tit-for-tat and a dove vote alike.
"""

from __future__ import annotations

import numpy as np

from detente.dtypes import B8
from detente.scenario.compiled import CompiledScenario
from detente.strategies.base import View


class Votes:
    """One party's voting rule for every resolution it votes on (none: it never votes)."""

    def __init__(self, compiled: CompiledScenario, party: int) -> None:
        model = compiled.institutions
        column = {int(k): i for i, k in enumerate(compiled.seat(party).slots)}
        # per resolution the party votes on: (abstain, in favour, against) columns, its
        # policy's levels, the target, raise or lower, and the party's value of each level
        self._rows: list[tuple[tuple[int, int, int], int, int, int, bool]] = []
        for r in range(len(model.resolutions)):
            found = np.flatnonzero(model.members[r] == party)
            if found.size == 0:
                continue
            slots = model.vote_slots[r][int(found[0])]
            lo, hi = model.policy_levels[model.r_policy[r]]
            cols = (column[int(slots[0])], column[int(slots[1])], column[int(slots[2])])
            self._rows.append((cols, lo, hi, model.r_target[r], model.r_raise[r]))
        self._value = model.value[:, party] if model.n_levels else np.zeros(0)

    def __bool__(self) -> bool:
        return bool(self._rows)

    @property
    def columns(self) -> list[int]:
        """The party's own vote columns (which no other rule of a strategy should take)."""
        return [col for cols, *_ in self._rows for col in cols]

    def cast(self, view: View, actions: B8) -> None:
        """Set the vote columns of ``actions`` (``[B, own columns]``) where available."""
        for (abstain, favour, against), lo, hi, target, raise_ in self._rows:
            if view.institutions is None:
                current = np.full(view.batch, lo - 1)
            else:
                levels = view.institutions[:, lo:hi]
                current = np.where(levels.any(axis=1), lo + levels.argmax(axis=1), lo - 1)
            after = np.maximum(current, target) if raise_ else np.minimum(current, target)
            worth = np.concatenate([[0.0], self._value[lo:hi]])  # index 0: none in force
            gain = worth[after - lo + 1] - worth[current - lo + 1]
            moves = after != current
            actions[:, favour] = view.available[:, favour] & moves & (gain > 0)
            actions[:, against] = view.available[:, against] & moves & (gain < 0)
            actions[:, abstain] = view.available[:, abstain] & moves & (gain == 0)
