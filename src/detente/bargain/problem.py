"""The bargaining problem over binary actions and exact evaluation of packages.

A *slot* is one ``(party, action)`` pair that may or may not be executed; a *package* is
the set of slots executed together, written as a boolean vector ``x`` of length ``K``.
Party ``p`` values a package at::

    u_p(x) = base[p] + sum_k linear[k, p] x_k + sum_(k, l, v) v[p] x_k x_l

and its *gain* is ``u_p(x) - d_p`` where ``d`` is the disagreement point (the status
quo ``base`` unless given). Every number this package reports is evaluated here, in
floating point from the package itself, never read back from a solver.

*Deals* give a problem structure: a deal is a set of slots that enters a package whole
(all its slots) or not at all, and a *bound* slot is one that may enter only through a
deal containing it. Every other slot is a free choice. A package is feasible when,
besides the conflicts, required and forbidden slots, each of its bound slots belongs to
a deal whose slots are all in the package; equivalently, it is the union of some deals
and some free slots. Deals may overlap (a slot counts once, whichever deals bring it),
and a problem without deals is the unstructured problem over all ``2**K`` packages.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from numbers import Integral
from types import MappingProxyType
from typing import Any

import numpy as np
import numpy.typing as npt

from detente.bargain.errors import EmptyActionSetError, InfeasibleError, InvalidInputError
from detente.scenario.utility import evaluate

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.intp]

#: Gains and utility differences at most ``REL_TOL * problem.scale`` in size are treated
#: as zero: a gain counts as "strictly positive" only above it. The MILPs are solved with
#: HiGHS feasibility tolerances a thousand times smaller (see ``milp.py``), so that
#: solver round-off can never decide what counts as an agreement or a tie.
REL_TOL = 1e-6


def _float_array(name: str, value: Any, shape: tuple[int, ...], meaning: str) -> FloatArray:
    """Copy ``value`` to a read-only float64 array of ``shape``, or say what is wrong."""
    try:
        array = np.array(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"BargainProblem.{name} is not numeric: {exc}") from None
    if array.shape != shape:
        raise InvalidInputError(
            f"BargainProblem.{name} has shape {array.shape}; expected {shape} ({meaning})"
        )
    bad = np.argwhere(~np.isfinite(array))
    if bad.size:
        where = tuple(int(i) for i in bad[0])
        raise InvalidInputError(
            f"BargainProblem.{name}{list(where)} is {array[where]}; values must be finite"
        )
    array.setflags(write=False)
    return array


def _index(name: str, value: Any, n_slots: int) -> int:
    """Check that ``value`` is a slot index in ``range(n_slots)`` and return it as int."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise InvalidInputError(f"{name} is {value!r}; expected an integer slot index")
    if not 0 <= int(value) < n_slots:
        raise InvalidInputError(f"{name} is {value}; slot indices run from 0 to {n_slots - 1}")
    return int(value)


def _labels(name: str, values: Any) -> tuple[str, ...]:
    """Check that ``values`` are distinct non-empty strings."""
    labels = tuple(values)
    seen: set[str] = set()
    for i, label in enumerate(labels):
        if not isinstance(label, str) or not label:
            raise InvalidInputError(
                f"BargainProblem.{name}[{i}] is {label!r}; expected a non-empty string"
            )
        if label in seen:
            raise InvalidInputError(f"BargainProblem.{name}[{i}] repeats the label {label!r}")
        seen.add(label)
    return labels


@dataclass(frozen=True, eq=False)
class BargainProblem:
    """Parties, candidate slots and how each party values every package of slots.

    Arrays are copied to read-only float64 on construction, so a problem never changes
    after it is built. Construction validates everything and raises
    :class:`~detente.bargain.errors.InvalidInputError` (bad shapes, indices, values),
    :class:`~detente.bargain.errors.EmptyActionSetError` (nothing to bargain over) or
    :class:`~detente.bargain.errors.InfeasibleError` (no package meets the hard
    constraints). Hard constraints on pairs are "not both", so the package made of the
    required slots alone is always feasible once those checks pass.

    Attributes:
        parties: party names, ``P`` of them.
        slots: slot labels such as ``"US:sanctions_relief"``, ``K`` of them.
        base: ``[P]`` utility of the empty package (the status quo).
        linear: ``[K, P]`` utility each slot adds for each party.
        pairwise: ``(k, l, values[P])`` terms added when slots ``k != l`` are both in
            the package; repeated pairs add up.
        disagreement: ``[P]`` disagreement point; ``None`` means the status quo ``base``.
        conflicts: pairs of slots that cannot both be in a package.
        required: slots every package must contain (none of them bound).
        forbidden: slots no package may contain (a deal with one is never chosen).
        deals: deal name -> the slots that enter a package together or not at all.
        bound: slots that may enter only through a deal containing them; each must be
            in some deal. Slots not listed are free choices, in deals or not.
    """

    parties: tuple[str, ...]
    slots: tuple[str, ...]
    base: FloatArray
    linear: FloatArray
    pairwise: tuple[tuple[int, int, FloatArray], ...] = ()
    disagreement: FloatArray | None = None
    conflicts: tuple[tuple[int, int], ...] = ()
    required: tuple[int, ...] = ()
    forbidden: tuple[int, ...] = ()
    deals: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    bound: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        parties = _labels("parties", self.parties)
        slots = _labels("slots", self.slots)
        if not parties:
            raise InvalidInputError("BargainProblem.parties is empty; at least one party needed")
        n_slots, n_parties = len(slots), len(parties)
        if n_slots == 0:
            raise EmptyActionSetError(
                "no actions available to bargain over: the problem has no slots"
            )
        set_ = object.__setattr__
        set_(self, "parties", parties)
        set_(self, "slots", slots)
        set_(self, "base", _float_array("base", self.base, (n_parties,), "one per party"))
        set_(
            self,
            "linear",
            _float_array("linear", self.linear, (n_slots, n_parties), "slots x parties"),
        )
        if self.disagreement is not None:
            set_(
                self,
                "disagreement",
                _float_array("disagreement", self.disagreement, (n_parties,), "one per party"),
            )
        set_(self, "pairwise", tuple(self._check_pair(i, t) for i, t in enumerate(self.pairwise)))
        conflicts = tuple(self._check_conflict(i, pair) for i, pair in enumerate(self.conflicts))
        set_(self, "conflicts", conflicts)
        required = tuple(_index(f"required[{i}]", k, n_slots) for i, k in enumerate(self.required))
        forbidden = tuple(
            _index(f"forbidden[{i}]", k, n_slots) for i, k in enumerate(self.forbidden)
        )
        set_(self, "required", required)
        set_(self, "forbidden", forbidden)
        set_(self, "deals", self._check_deals())
        set_(self, "bound", self._check_bound())
        self._check_satisfiable()

    def _check_deals(self) -> Mapping[str, tuple[int, ...]]:
        if not isinstance(self.deals, Mapping):
            raise InvalidInputError(
                f"BargainProblem.deals is {self.deals!r}; expected a mapping name -> slots"
            )
        _labels("deals", self.deals)
        deals: dict[str, tuple[int, ...]] = {}
        for name, members in self.deals.items():
            try:
                listed = tuple(members)
            except TypeError:
                raise InvalidInputError(
                    f"BargainProblem.deals[{name!r}] is {members!r}; expected slot indices"
                ) from None
            indices = tuple(
                _index(f"BargainProblem.deals[{name!r}][{i}]", k, self.n_slots)
                for i, k in enumerate(listed)
            )
            if not indices:
                raise InvalidInputError(f"BargainProblem.deals[{name!r}] has no slots")
            deals[name] = tuple(sorted(set(indices)))
        return MappingProxyType(deals)

    def _check_bound(self) -> tuple[int, ...]:
        bound = tuple(_index(f"bound[{i}]", k, self.n_slots) for i, k in enumerate(self.bound))
        in_deals = {k for members in self.deals.values() for k in members}
        for i, k in enumerate(bound):
            if k not in in_deals:
                raise InvalidInputError(
                    f"BargainProblem.bound[{i}] is slot {k} ({self.slots[k]!r}), which is in no "
                    "deal: it could never enter a package (forbid it instead)"
                )
        return tuple(sorted(set(bound)))

    def _check_pair(self, i: int, term: Any) -> tuple[int, int, FloatArray]:
        try:
            first, second, values = term
        except (TypeError, ValueError):
            raise InvalidInputError(
                f"BargainProblem.pairwise[{i}] is {term!r}; expected (k, l, values[P])"
            ) from None
        a = _index(f"BargainProblem.pairwise[{i}] index k", first, len(self.slots))
        b = _index(f"BargainProblem.pairwise[{i}] index l", second, len(self.slots))
        if a == b:
            raise InvalidInputError(
                f"BargainProblem.pairwise[{i}] pairs slot {a} with itself; "
                "put a single slot's value in linear"
            )
        vals = _float_array(f"pairwise[{i}] values", values, (len(self.parties),), "one per party")
        return (a, b, vals)

    def _check_conflict(self, i: int, pair: Any) -> tuple[int, int]:
        try:
            first, second = pair
        except (TypeError, ValueError):
            raise InvalidInputError(
                f"BargainProblem.conflicts[{i}] is {pair!r}; expected a pair (k, l)"
            ) from None
        a = _index(f"BargainProblem.conflicts[{i}] index k", first, len(self.slots))
        b = _index(f"BargainProblem.conflicts[{i}] index l", second, len(self.slots))
        if a == b:
            raise InvalidInputError(
                f"BargainProblem.conflicts[{i}] pairs slot {a} ({self.slots[a]!r}) with itself"
            )
        return (a, b)

    def _check_satisfiable(self) -> None:
        tied = sorted(set(self.required) & set(self.bound))
        if tied:
            k = tied[0]
            raise InvalidInputError(
                f"slot {k} ({self.slots[k]!r}) is required but enters only through a deal; "
                "a required slot must be a free choice"
            )
        both = sorted(set(self.required) & set(self.forbidden))
        if both:
            k = both[0]
            raise InfeasibleError(f"slot {k} ({self.slots[k]!r}) is both required and forbidden")
        required = set(self.required)
        for i, (a, b) in enumerate(self.conflicts):
            if a in required and b in required:
                raise InfeasibleError(
                    f"conflicts[{i}]: required slots {a} ({self.slots[a]!r}) and "
                    f"{b} ({self.slots[b]!r}) cannot both be in a package"
                )
        if len(set(self.forbidden)) == len(self.slots):
            raise EmptyActionSetError(
                f"no actions available to bargain over: all {len(self.slots)} slots are forbidden"
            )

    @property
    def n_parties(self) -> int:
        """Number of parties ``P``."""
        return len(self.parties)

    @property
    def n_slots(self) -> int:
        """Number of slots ``K``."""
        return len(self.slots)

    @property
    def disagreement_point(self) -> FloatArray:
        """``d``: the given disagreement point, or the status quo ``base``."""
        return self.base if self.disagreement is None else self.disagreement

    @property
    def deal_names(self) -> tuple[str, ...]:
        """Names of the deals, in the order of :attr:`deal_matrix`'s rows."""
        return tuple(self.deals)

    @cached_property
    def deal_matrix(self) -> BoolArray:
        """``[D, K]``: which slots each deal brings, one row per deal."""
        matrix = np.zeros((len(self.deals), self.n_slots), dtype=np.bool_)
        for d, members in enumerate(self.deals.values()):
            matrix[d, list(members)] = True
        matrix.setflags(write=False)
        return matrix

    @cached_property
    def bound_mask(self) -> BoolArray:
        """``[K]``: the slots that enter only through a deal."""
        mask = np.zeros(self.n_slots, dtype=np.bool_)
        mask[list(self.bound)] = True
        mask.setflags(write=False)
        return mask

    @cached_property
    def pair_terms(self) -> tuple[IntArray, IntArray, FloatArray]:
        """Pairwise terms merged per unordered pair: ``(k[M], l[M], values[M, P])``, k < l."""
        merged: dict[tuple[int, int], FloatArray] = {}
        for a, b, values in self.pairwise:
            key = (min(a, b), max(a, b))
            merged[key] = merged[key] + values if key in merged else values
        keys = sorted(merged)
        firsts = np.array([a for a, _ in keys], dtype=np.intp)
        seconds = np.array([b for _, b in keys], dtype=np.intp)
        values = np.array([merged[key] for key in keys], dtype=np.float64)
        return firsts, seconds, values.reshape(len(keys), self.n_parties)

    @cached_property
    def scale(self) -> float:
        """Largest coefficient magnitude of the gains (1 if all are zero).

        Tolerances are relative to it, and the MILPs see gains divided by it, so that
        HiGHS's absolute tolerances mean the same thing whatever the units of utility.
        """
        offsets = self.base - self.disagreement_point
        parts = [self.linear.ravel(), self.pair_terms[2].ravel(), offsets]
        largest = max(float(np.max(np.abs(part), initial=0.0)) for part in parts)
        return largest if largest > 0.0 else 1.0


def as_packages(problem: BargainProblem, packages: Any) -> BoolArray:
    """Validate ``packages`` (``[N, K]`` or ``[K]`` of bools or 0/1) as a 2-D bool array."""
    array = np.asarray(packages)
    if array.ndim == 1:
        array = array[np.newaxis, :]
    if array.ndim != 2 or array.shape[1] != problem.n_slots:
        raise InvalidInputError(
            f"packages has shape {np.shape(packages)}; expected (N, {problem.n_slots}) or "
            f"({problem.n_slots},)"
        )
    if array.dtype != np.bool_:
        if not np.all((array == 0) | (array == 1)):
            raise InvalidInputError("packages must hold only booleans or 0/1 values")
        array = array.astype(np.bool_)
    return array


def utilities(problem: BargainProblem, packages: Any) -> FloatArray:
    """Utility of every party for every package: ``[N, K]`` -> ``[N, P]`` (``[K]`` -> ``[P]``)."""
    x = as_packages(problem, packages)
    firsts, seconds, values = problem.pair_terms
    result = evaluate(x, problem.base, problem.linear, firsts, seconds, values)
    return result[0] if np.ndim(packages) == 1 else result


def gains(problem: BargainProblem, packages: Any) -> FloatArray:
    """Utility minus the disagreement point, same shapes as :func:`utilities`."""
    return utilities(problem, packages) - problem.disagreement_point


def deals_in(problem: BargainProblem, packages: Any) -> BoolArray:
    """``[N, D]``: which deals have all their slots in each package (``[K]`` -> ``[D]``)."""
    x = as_packages(problem, packages)
    missing = (~x).astype(np.int64) @ problem.deal_matrix.T.astype(np.int64)
    inside: BoolArray = missing == 0
    return inside[0] if np.ndim(packages) == 1 else inside


def is_feasible(problem: BargainProblem, packages: Any) -> BoolArray:
    """``[N]``: whether each package meets the conflicts, required and forbidden slots,
    and brings each of its bound slots with a deal that is whole in it.

    A single ``[K]`` package is checked as ``N = 1``.
    """
    x = as_packages(problem, packages)
    ok: BoolArray = np.logical_and(
        x[:, list(problem.required)].all(axis=1), ~x[:, list(problem.forbidden)].any(axis=1)
    )
    for a, b in problem.conflicts:
        ok &= ~(x[:, a] & x[:, b])
    if problem.bound:
        whole = deals_in(problem, x).astype(np.int64) @ problem.deal_matrix.astype(np.int64)
        ok &= ~(x & problem.bound_mask & (whole == 0)).any(axis=1)
    return ok
