"""A sweep as one Parquet file: the episodes of every grid point, with the point's values.

Rows are those of :func:`detente.simulate.parquet.episodes_table`, plus
``point`` (the grid point's index) and one ``grid_<path>`` column per swept
path (numbers where every value of the axis is a number, text otherwise),
so ``GROUP BY grid_noise_miss`` works as it is in DuckDB or pandas.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from detente.simulate.parquet import episodes_table
from detente.sweep.grid import Axis
from detente.sweep.sweep import Sweep


def column_name(path: str) -> str:
    """``trust.priors[0].trust`` -> ``grid_trust_priors_0_trust``."""
    return "grid_" + re.sub(r"[^A-Za-z0-9]+", "_", path).strip("_")


def _column(axis: Axis, values: list[str]) -> pa.Array:
    parsed = [yaml.safe_load(v) for v in axis.values]
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in parsed):
        number = dict(zip(axis.values, parsed, strict=True))
        return pa.array([float(number[v]) for v in values], type=pa.float64())
    return pa.array(values, type=pa.string())


def sweep_table(s: Sweep) -> pa.Table:
    """Every grid point's episodes, stacked."""
    names = [column_name(a.path) for a in s.axes]
    if len(set(names)) != len(names):
        raise ValueError(f"swept paths give the same column name: {', '.join(names)}")
    tables = []
    for k, point in enumerate(s.points):
        table = episodes_table(point.results)
        n = table.num_rows
        table = table.add_column(0, "point", pa.array([k] * n, type=pa.int64()))
        for i, (axis, name) in enumerate(zip(s.axes, names, strict=True)):
            table = table.add_column(1 + i, name, _column(axis, [point.settings[axis.path]] * n))
        tables.append(table)
    stacked = pa.concat_tables(tables)
    meta = json.loads(stacked.schema.metadata[b"detente"])
    meta["grid"] = {a.path: list(a.values) for a in s.axes}
    return stacked.replace_schema_metadata({b"detente": json.dumps(meta).encode()})


def write_sweep(s: Sweep, path: Path) -> None:
    pq.write_table(sweep_table(s), path)
