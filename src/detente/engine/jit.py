"""How the per-episode code is compiled: without numba's memory manager.

numba counts references to arrays: a call of a compiled helper with array
arguments, or a view such as ``a[b]``, may cost two atomic updates per
array, and numba does not always prune them. In the per-episode loop that
bookkeeping once cost more than the engine's arithmetic. Code compiled with
:func:`inner` does no reference counting at all; in exchange it must not
allocate arrays, and every array it touches must be owned by a caller for
the whole call (the kernel allocates its scratch space before entering).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from numba import njit

F = TypeVar("F", bound=Callable[..., Any])

_OPTIONS: dict[str, Any] = {"cache": True, "error_model": "numpy", "_nrt": False}


def inner(fn: F) -> F:
    """Compile ``fn`` for use inside the kernel's loop (see the module docstring)."""
    return cast(F, njit(**_OPTIONS)(fn))


def inlined(fn: F) -> F:
    """:func:`inner`, inlined into its callers by numba itself.

    For small helpers with array arguments: LLVM often declines to inline a
    numba function, and a call passes every array as a struct of seven
    fields, which can cost more than the helper's own work.
    """
    return cast(F, njit(inline="always", **_OPTIONS)(fn))
