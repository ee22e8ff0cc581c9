"""Row-wise operations on ``[batch, few columns]`` boolean arrays, on one core.

numpy reduces along a short row axis slowly (some 20 ns a row, whatever
its length), and multiplies boolean matrices without BLAS. A float32
matmul would use BLAS, but OpenBLAS then starts threads that keep
spinning on the other cores between calls: a simulation took twice the
CPU time. These helpers work a column at a time, or by table lookup.
"""

from __future__ import annotations

import functools

import numpy as np
from numpy.typing import NDArray

from detente.dtypes import B8, I64

CHUNK = 8  # rows of a BoolMatrix tabulated together: 256 selections each


def any_of(x: B8) -> B8:
    """``x.any(axis=1)``, column by column."""
    out = np.zeros(x.shape[0], dtype=bool)
    for column in x.T:
        out |= column
    return out


def count_of(x: B8) -> I64:
    """``x.sum(axis=1)`` as int64, column by column."""
    out = np.zeros(x.shape[0], dtype=np.int64)
    for column in x.T:
        out += column
    return out


class BoolMatrix:
    """A fixed ``[n, k]`` boolean matrix ``m``, multiplied by boolean ``x`` by table lookup.

    Row b of ``x @ m`` is the OR of the rows of ``m`` that ``x[b]`` selects.
    Each chunk of up to :data:`CHUNK` rows has every possible selection
    tabulated once; a product then packs each episode's selection into a
    number, a column at a time, and gathers the table's entries.

    Products are column-major (Fortran order), like the simulator's
    ``available`` and ``offerable`` (column gathers of the state): numpy
    combines arrays of different memory orders ten times slower, and
    reads a column of a column-major array contiguously.
    """

    def __init__(self, m: B8) -> None:
        self.shape: tuple[int, int] = (int(m.shape[0]), int(m.shape[1]))
        used = np.flatnonzero(m.any(axis=1))  # all-False rows never change the product
        self.chunks = [_tabulate(m, used[i : i + CHUNK]) for i in range(0, used.size, CHUNK)]

    def product(self, x: B8) -> B8:
        """``[B, k]``: ``x @ m`` for ``x`` of shape ``[B, n]`` (nonzero counts as true)."""
        x = np.asarray(x, dtype=bool)
        if not self.chunks:
            return np.zeros((x.shape[0], self.shape[1]), dtype=bool, order="F")
        parts = (np.take(table, _code(x, rows), axis=1).T for rows, table in self.chunks)
        return functools.reduce(np.logical_or, parts)


def _tabulate(m: B8, rows: I64) -> tuple[I64, B8]:
    """``rows`` and the ``[k, 2 ** rows.size]`` OR of ``m[rows]`` for every selection of them."""
    selections = ((np.arange(2**rows.size)[:, None] >> np.arange(rows.size)) & 1) > 0
    table = (selections[:, :, None] & m[rows][None, :, :]).any(axis=1)
    return rows, np.ascontiguousarray(table.T)


def _code(x: B8, rows: I64) -> NDArray[np.uint8]:
    """Each row of ``x[:, rows]`` read as a binary number, column ``rows[i]`` as bit i.

    In bytes (a chunk has at most 8 rows): shifting and ORing bytes, not
    intp, moves an eighth of the memory.
    """
    bits = x.view(np.uint8)
    code = np.zeros(x.shape[0], dtype=np.uint8)
    for bit, row in enumerate(rows):
        code |= bits[:, row] << np.uint8(bit)
    return code
