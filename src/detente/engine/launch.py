"""Calling the step kernel without numba's type dispatch on every call.

numba's dispatcher types every argument of every call, in Python for named
tuples: the kernel's arguments hold about 80 arrays, and typing them costs
about 20 us, more than playing a batch of one (a live session's step, an
environment's). Their types do not change for a scenario while the arrays
are those the engine creates (C-contiguous, aligned, writeable, of the
engine's dtypes and dimensions). So the first call of a scenario goes
through the dispatcher, which compiles or loads the kernel, and later
calls whose state has the same type fingerprint go straight to the
compiled entry point. The arrays the kernel writes are the engine's own
(fresh, or a recycled state checked by :func:`~detente.engine.state.step`).
This leans on two numba internals (``compute_fingerprint``, a compile
result's ``entry_point``): ``pyproject.toml`` pins numba to the versions
tested, ``tests/engine/test_launch.py`` pins their behaviour, and without
either hook every call goes through the dispatcher (the same results, about
20 us slower a call).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple
from weakref import WeakKeyDictionary

import numba
import numpy as np

from detente.engine.arrays import Outcome, StateArrays, initial_arrays
from detente.engine.kernel import step_kernel
from detente.engine.tables import Tables, kernel_tables
from detente.scenario.compiled import CompiledScenario

Fingerprint = Callable[[tuple[Any, ...]], bytes]


def _numba_fingerprint() -> Fingerprint | None:
    """numba's C function that types arguments, if this numba has it (an internal)."""
    try:
        from numba._dispatcher import compute_fingerprint as found
    except ImportError:
        return None
    hook: Fingerprint = found
    return hook


compute_fingerprint = _numba_fingerprint()  # without it, every call goes through the dispatcher

Kernel = Callable[..., tuple[int, int, int]]


class _Entry(NamedTuple):
    """Per scenario: its tables, the type fingerprint of the engine's own episode ids and
    state arrays, and the kernel's entry point for them once the dispatcher has made it."""

    tables: Tables
    canonical: bytes | None
    kernel: Kernel | None


_ENTRIES: WeakKeyDictionary[CompiledScenario, _Entry] = WeakKeyDictionary()


def _entry(compiled: CompiledScenario) -> _Entry:
    known = _ENTRIES.get(compiled)
    if known is None:
        first = (np.arange(1), *initial_arrays(compiled, 1))
        canonical = compute_fingerprint(first) if compute_fingerprint is not None else None
        known = _ENTRIES[compiled] = _Entry(kernel_tables(compiled), canonical, None)
    return known


def run_kernel(
    compiled: CompiledScenario,
    seed: np.uint64,
    rnd: int,
    episodes: np.ndarray[Any, Any],
    old: StateArrays,
    actions: np.ndarray[Any, Any],
    offers: np.ndarray[Any, Any],
    new: StateArrays,
    out: Outcome,
) -> tuple[int, int, int]:
    """:func:`~detente.engine.kernel.step_kernel` on ``compiled``'s tables.

    ``actions``, ``offers``, ``new`` and ``out`` must be C-contiguous arrays of
    the engine's dtypes (``step`` makes sure of it). The arrays read are
    recognised by numba's own type fingerprint (dtype, dimensions, layout,
    alignment, read-only flag), computed in C; others are made C-contiguous
    (the kernel reshapes them) and go through the dispatcher.
    """
    tables, canonical, entry = _entry(compiled)
    if entry is not None and _same_types(canonical, episodes, old):
        return entry(tables, seed, rnd, episodes, old, actions, offers, new, out)
    episodes = np.ascontiguousarray(episodes, dtype=np.int64)
    old = StateArrays._make(np.ascontiguousarray(a) for a in old)
    args = (tables, seed, rnd, episodes, old, actions, offers, new, out)
    result = step_kernel(*args)
    if entry is None and _same_types(canonical, episodes, old):
        signature = tuple(numba.typeof(a) for a in args)  # type: ignore[no-untyped-call]
        compiled_kernel: Any = step_kernel.overloads[signature]  # a CompileResult; untyped
        direct = getattr(compiled_kernel, "entry_point", None)
        _ENTRIES[compiled] = _Entry(tables, canonical, direct)
    return result


def _same_types(
    canonical: bytes | None, episodes: np.ndarray[Any, Any], state: StateArrays
) -> bool:
    """Whether these arrays have the engine's own numba types (never, without the hook)."""
    return (
        canonical is not None
        and compute_fingerprint is not None
        and compute_fingerprint((episodes, *state)) == canonical
    )
