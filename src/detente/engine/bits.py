"""Sets of slots or commitments as words of 64 bits, for the kernel.

Bit ``i % 64`` of word ``i // 64`` stands for index ``i``; a scenario with
more than 64 slots (or commitments) simply has more words. Word operations
replace loops over boolean arrays: a commitment's condition holds when its
mask has no bit outside the executed set, and iterating the set bits visits
indices in increasing order, so sums keep the order of the boolean loops
they replace (and their exact floating-point results).

Helpers take a 2-D table and a row index rather than a row, so the kernel
makes no per-episode views.
"""

from __future__ import annotations

import numpy as np
from numba.cpython.unsafe.numbers import trailing_zeros
from numpy.typing import NDArray

from detente.engine.jit import inner

ONE = np.uint64(1)


@inner
def bit(i: int) -> np.uint64:
    """The word with only index ``i``'s bit set (within its word)."""
    return ONE << np.uint64(i & 63)


@inner
def lowest(x: np.uint64) -> int:
    """Position of the lowest set bit of a non-zero word."""
    return int(trailing_zeros(x))  # type: ignore[call-arg]  # an intrinsic: numba fills the context


@inner
def has(words: NDArray[np.uint64], i: int) -> bool:
    """Whether index ``i``'s bit is set."""
    return bool((words[i >> 6] >> np.uint64(i & 63)) & ONE != 0)


@inner
def inside(masks: NDArray[np.uint64], i: int, words: NDArray[np.uint64]) -> bool:
    """Whether every bit of ``masks[i]`` is set in ``words``."""
    for w in range(words.shape[0]):
        if masks[i, w] & ~words[w]:
            return False
    return True


@inner
def meets(masks: NDArray[np.uint64], i: int, words: NDArray[np.uint64]) -> bool:
    """Whether ``masks[i]`` and ``words`` share a bit."""
    for w in range(words.shape[0]):
        if masks[i, w] & words[w]:
            return True
    return False
