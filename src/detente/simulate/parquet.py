"""Results as Parquet: one row per episode (and optionally one per episode and round).

Columns are flat and named for humans (``reached_peace_mechanism``,
``discounted_US``) so the files open as they are in pandas, polars and
DuckDB. Rounds never reached are nulls, not -1. The run's scenario, seed,
rounds and profile (and what success counts) are in the schema metadata
under ``detente``. ``success_round`` is the round success was first reached;
``success_held`` whether it was in force after the last round and
``success_losses`` how often it was lost, ``rounds_in_<stage>`` the rounds
after which the episode was in that stage (columns added later: files
without them still read). Attribution (added later too): ``stalls_by_<party>``
and ``setbacks_by_<party>`` count the firings of the rules that stall the
process and of those that send it back which the party's acts met,
``stalls_on_trust`` and ``setbacks_on_trust`` those that trust below a
threshold met; ``triggers_<rule>_by_<party>`` and ``triggers_<rule>_on_trust``
the same per rule (the columns a summary is read back from).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

import detente
from detente.dtypes import I64
from detente.simulate.paths import trajectories_path
from detente.simulate.results import Results, Trajectories


def _nullable(x: I64) -> pa.Array:
    return pa.array(x, mask=x < 0)


def _names(codes: I64, names: tuple[str, ...]) -> pa.Array:
    return pa.DictionaryArray.from_arrays(pa.array(codes, type=pa.int32()), pa.array(names))


def _metadata(r: Results) -> dict[bytes, bytes]:
    meta = {
        "scenario": r.scenario,
        "seed": r.seed,
        "rounds": r.rounds,
        "profile": r.profile,
        "parties": r.parties,
        "stages": r.stages,
        "rules": r.rules,
        "detente_version": detente.__version__,
        "success_counts": r.success_counts,
        "hold_rounds": r.hold_rounds,
    }
    if r.rule_kinds is not None:
        meta["rule_kinds"] = r.rule_kinds
    return {b"detente": json.dumps(meta).encode()}


def episodes_table(r: Results, draws: I64 | None = None) -> pa.Table:
    """One row per episode; ``draws``: the draw of the uncertain numbers each played under
    (a ``draw`` column, after ``episode``)."""
    columns: dict[str, pa.Array] = {
        "episode": pa.array(r.episodes),
        **({} if draws is None else {"draw": pa.array(draws)}),
        "success_round": _nullable(r.success_round),
        "max_stage": _names(r.max_stage, r.stages),
        "final_stage": _names(r.final_stage, r.stages),
        "final_stalled": pa.array(r.final_stalled),
        "stalls": pa.array(r.stalls),
    }
    if r.success_held is not None and r.success_losses is not None:
        columns["success_held"] = pa.array(r.success_held)
        columns["success_losses"] = pa.array(r.success_losses)
    for s, stage in enumerate(r.stages):
        columns[f"reached_{stage}"] = _nullable(r.first_reached[:, s])
    if r.stage_rounds is not None:
        for s, stage in enumerate(r.stages):
            columns[f"rounds_in_{stage}"] = pa.array(r.stage_rounds[:, s])
    for q, rule in enumerate(r.rules):
        columns[f"breakdown_{rule.replace('.', '__')}"] = pa.array(r.breakdowns[:, q])
    columns |= attribution_columns(r)
    for p, party in enumerate(r.parties):
        columns[f"total_{party}"] = pa.array(r.total[:, p])
        columns[f"discounted_{party}"] = pa.array(r.discounted[:, p])
    table = pa.table(columns)
    return table.replace_schema_metadata(_metadata(r))


def by_names(parties: tuple[str, ...]) -> list[str]:
    """The column suffixes of attribution, in the order of ``Results.triggers``' last axis."""
    return [f"by_{party}" for party in parties] + ["on_trust"]


def trigger_columns(rules: tuple[str, ...], parties: tuple[str, ...]) -> list[list[str]]:
    """``[rules][P + 1]`` the names of the per-rule attribution columns."""
    return [
        [f"triggers_{rule.replace('.', '__')}_{by}" for by in by_names(parties)] for rule in rules
    ]


def attribution_columns(r: Results) -> dict[str, pa.Array]:
    """Per party (and trust): the stalls and setbacks it triggered, then the same per rule;
    none for results that did not record attribution."""
    if r.triggers is None or r.rule_kinds is None:
        return {}
    back = np.array([kind == "back" for kind in r.rule_kinds], dtype=bool)
    columns: dict[str, pa.Array] = {}
    for kind, rules in (("stalls", ~back), ("setbacks", back)):
        counts = r.triggers[:, rules].sum(axis=1, dtype=np.int32)
        for i, by in enumerate(by_names(r.parties)):
            columns[f"{kind}_{by}"] = pa.array(counts[:, i])
    for q, names in enumerate(trigger_columns(r.rules, r.parties)):
        for i, name in enumerate(names):
            columns[name] = pa.array(r.triggers[:, q, i])
    return columns


def trajectories_table(r: Results, t: Trajectories) -> pa.Table:
    """One row per episode and round: the stage, stalled flag and trust matrix after it."""
    n, rounds = t.stage.shape
    columns: dict[str, pa.Array] = {
        "episode": pa.array(np.repeat(r.episodes, rounds)),
        "round": pa.array(np.tile(np.arange(1, rounds + 1, dtype=np.int64), n)),
        "stage": _names(t.stage.reshape(-1).astype(np.int64), r.stages),
        "stalled": pa.array(t.stalled.reshape(-1)),
    }
    for i, truster in enumerate(r.parties):
        for j, trusted in enumerate(r.parties):
            if i != j:
                columns[f"trust_{truster}_{trusted}"] = pa.array(t.trust[:, :, i, j].reshape(-1))
    return pa.table(columns).replace_schema_metadata(_metadata(r))


def write_parquet(r: Results, path: Path, draws: I64 | None = None) -> list[Path]:
    """Write the episodes (and the trajectories, if recorded); return the paths written.

    A ``.csv`` path gets the same columns as CSV (stage names as text; the run's
    metadata, which CSV cannot carry, is left out: ``detente report`` reads Parquet).
    ``draws``: each episode's draw of the uncertain numbers, a ``draw`` column.
    """
    write_table(episodes_table(r, draws), path)
    written = [path]
    if r.trajectories is not None:
        extra = trajectories_path(path)
        write_table(trajectories_table(r, r.trajectories), extra)
        written.append(extra)
    return written


def write_table(table: pa.Table, path: Path) -> None:
    """``table`` as Parquet, or as CSV for a ``.csv`` path."""
    if path.suffix.lower() == ".csv":
        _write_csv(table, path)
    else:
        pq.write_table(table, path)


def _write_csv(table: pa.Table, path: Path) -> None:
    plain = pa.table(
        {
            name: column.cast(pa.string()) if pa.types.is_dictionary(column.type) else column
            for name, column in zip(table.column_names, table.columns, strict=True)
        }
    )
    pacsv.write_csv(plain, path)
