"""Reading results back from Parquet: the inverse of :mod:`detente.simulate.parquet`.

Reports and comparisons work on :class:`Results`, whatever produced them, so a
file written by ``detente simulate --out`` becomes the same object the
simulator returned (nulls back to -1, stage names back to codes). The
trajectories file next to it is read when it exists.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from numpy.typing import NDArray

from detente.dtypes import B8, F64, I64
from detente.simulate.parquet import trigger_columns
from detente.simulate.paths import trajectories_path
from detente.simulate.results import Results, Trajectories


class ResultsFileError(ValueError):
    """A file that is not a detente results file, with what is wrong in words."""


def _table(path: Path) -> tuple[pa.Table, dict[str, Any]]:
    if not path.is_file():
        raise ResultsFileError(f"{path}: no such file")
    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as err:
        raise ResultsFileError(f"{path}: not a Parquet file ({err})") from None
    raw = (table.schema.metadata or {}).get(b"detente")
    if raw is None:
        raise ResultsFileError(
            f"{path}: a Parquet file without detente metadata; "
            "expected the output of `detente simulate --out`"
        )
    return table, json.loads(raw)


def _ints(table: pa.Table, name: str) -> I64:
    """An integer column with nulls as -1."""
    return np.asarray(table.column(name).fill_null(-1).to_numpy(), dtype=np.int64)


def _has(table: pa.Table, name: str) -> bool:
    """Whether the file has column ``name`` (files written before it was added have not)."""
    return name in table.column_names


def _flags(table: pa.Table, name: str) -> B8 | None:
    """A boolean column, or None for files written before it was added."""
    if not _has(table, name):
        return None
    return np.asarray(table.column(name).to_numpy(zero_copy_only=False), dtype=bool)


def _codes(table: pa.Table, name: str, names: list[str]) -> I64:
    """A column of stage names as indices into ``names``."""
    index = {s: i for i, s in enumerate(names)}
    return np.array([index[s] for s in table.column(name).to_pylist()], dtype=np.int64)


def _matrix(table: pa.Table, columns: list[str]) -> F64:
    """Columns side by side, ``[rows, len(columns)]`` even when there are none."""
    out = np.zeros((table.num_rows, len(columns)))
    for k, c in enumerate(columns):
        out[:, k] = table.column(c).fill_null(-1).to_numpy()
    return out


def _triggers(
    table: pa.Table, rules: tuple[str, ...], parties: tuple[str, ...]
) -> NDArray[np.int32] | None:
    """``[N, rules, P + 1]`` the attribution columns, None for files written before them."""
    names = trigger_columns(rules, parties)
    if not all(_has(table, name) for row in names for name in row):
        return None
    flat = _matrix(table, [name for row in names for name in row]).astype(np.int32)
    return flat.reshape(table.num_rows, len(rules), len(parties) + 1)


def _trajectories(path: Path, n: int, meta: dict[str, Any]) -> Trajectories | None:
    extra = trajectories_path(path)
    if not extra.is_file():
        return None
    table, _ = _table(extra)
    parties, rounds = meta["parties"], meta["rounds"]
    if table.num_rows != n * rounds:
        raise ResultsFileError(
            f"{extra}: {table.num_rows} rows, expected {n} episodes x {rounds} rounds"
        )
    P = len(parties)
    trust = np.full((n * rounds, P, P), np.nan, dtype=np.float32)
    for i, truster in enumerate(parties):
        for j, trusted in enumerate(parties):
            if i != j:
                trust[:, i, j] = table.column(f"trust_{truster}_{trusted}").to_numpy()
    return Trajectories(
        stage=_codes(table, "stage", meta["stages"]).astype(np.int8).reshape(n, rounds),
        stalled=table.column("stalled").to_numpy(zero_copy_only=False).reshape(n, rounds),
        trust=trust.reshape(n, rounds, P, P),
    )


def read_parquet(path: Path) -> Results:
    """The results in ``path`` (and its trajectories file, if there is one)."""
    table, meta = _table(path)
    return _results(path, table, meta, _trajectories)


def read_runs(path: Path) -> dict[str, Results]:
    """The runs in ``path``, by label: a ``detente sweep --out`` file gives one per grid point
    (labelled by its settings), any other file one (labelled ""). A file that is neither and
    holds an episode more than once mixes runs: refused, as pooling them would be wrong."""
    table, meta = _table(path)
    if "grid" in meta and _has(table, "point"):
        from detente.sweep.parquet import column_name

        runs = {}
        points = table.column("point")
        for k in pc.unique(points).to_pylist():
            part = table.filter(pc.equal(points, k))
            values = {axis: part.column(column_name(axis))[0].as_py() for axis in meta["grid"]}
            label = ", ".join(
                f"{axis}={v:g}" if isinstance(v, float) else f"{axis}={v}"
                for axis, v in values.items()
            )
            runs[label] = _results(path, part, meta, None)
        return runs
    results = _results(path, table, meta, _trajectories)
    if np.unique(results.episodes).size != results.n:
        raise ResultsFileError(
            f"{path}: episode ids repeat, so the file mixes runs; a report takes one run per "
            "file (or a `detente sweep --out` file, which it splits by grid point)"
        )
    return {"": results}


def _results(
    path: Path,
    table: pa.Table,
    meta: dict[str, Any],
    trajectories: Callable[[Path, int, dict[str, Any]], Trajectories | None] | None,
) -> Results:
    try:
        stages, parties, rules = meta["stages"], meta["parties"], meta["rules"]
        n = table.num_rows
        return Results(
            scenario=meta["scenario"],
            parties=tuple(parties),
            stages=tuple(stages),
            rules=tuple(rules),
            profile=dict(meta["profile"]),
            seed=int(meta["seed"]),
            rounds=int(meta["rounds"]),
            episodes=_ints(table, "episode"),
            success_round=_ints(table, "success_round"),
            max_stage=_codes(table, "max_stage", stages),
            first_reached=_matrix(table, [f"reached_{s}" for s in stages]).astype(np.int64),
            final_stage=_codes(table, "final_stage", stages),
            final_stalled=table.column("final_stalled").to_numpy(zero_copy_only=False),
            stalls=_ints(table, "stalls"),
            breakdowns=_matrix(table, [f"breakdown_{q.replace('.', '__')}" for q in rules]).astype(
                np.int64
            ),
            total=_matrix(table, [f"total_{p}" for p in parties]),
            discounted=_matrix(table, [f"discounted_{p}" for p in parties]),
            trajectories=None if trajectories is None else trajectories(path, n, meta),
            success_held=_flags(table, "success_held"),
            success_losses=_ints(table, "success_losses")
            if _has(table, "success_losses")
            else None,
            success_counts=str(meta.get("success_counts", "reached")),
            hold_rounds=meta.get("hold_rounds"),
            stage_rounds=_matrix(table, [f"rounds_in_{s}" for s in stages]).astype(np.int64)
            if all(_has(table, f"rounds_in_{s}") for s in stages)
            else None,
            triggers=_triggers(table, tuple(rules), tuple(parties)),
            rule_kinds=tuple(meta["rule_kinds"]) if "rule_kinds" in meta else None,
        )
    except (KeyError, ValueError) as err:
        if isinstance(err, ResultsFileError):
            raise
        raise ResultsFileError(f"{path}: not a complete detente results file ({err})") from None
