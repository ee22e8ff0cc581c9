"""The per-draw table as Parquet or CSV, and back: one row per draw of the uncertain numbers.

Columns: ``draw``; one per uncertain number, named by its ``--set`` path
(``noise.miss``), holding its value in the draw; ``episodes``; the share of
the draw's episodes with each outcome (``success`` as the scenario counts it,
``reached``, ``held_to_end``, ``stall``: stalled at least once,
``final_<stage>``: in that stage after the last round); each party's mean
discounted payoff (``discounted_<party>``) and its standard deviation over the
draw's episodes (``discounted_sd_<party>``). The run's scenario, seed, rounds,
paths and distributions are in the Parquet schema metadata under ``detente``
(CSV cannot carry them: read the Parquet file back, not the CSV).
pyarrow is imported when a file is written or read.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

import detente
from detente.simulate.uncertainty import DrawTable

KIND = "draws"


def _columns(t: DrawTable) -> dict[str, Any]:
    columns: dict[str, Any] = {"draw": t.first_draw + np.arange(t.draws, dtype=np.int64)}
    columns.update({p: t.values[:, j] for j, p in enumerate(t.paths)})
    columns["episodes"] = t.episodes
    columns["success"] = t.success
    columns["reached"] = t.reached
    if t.held_to_end is not None:
        columns["held_to_end"] = t.held_to_end
    columns["stall"] = t.stall
    columns.update({f"final_{s}": t.final_stage[:, k] for k, s in enumerate(t.stages)})
    columns.update({f"discounted_{p}": t.discounted[:, k] for k, p in enumerate(t.parties)})
    columns.update({f"discounted_sd_{p}": t.discounted_sd[:, k] for k, p in enumerate(t.parties)})
    return columns


def _metadata(t: DrawTable) -> dict[str, Any]:
    return {
        "kind": KIND,
        "scenario": t.scenario,
        "seed": t.seed,
        "rounds": t.rounds,
        "success_counts": t.success_counts,
        "episodes_per_draw": t.episodes_per_draw,
        "first_draw": t.first_draw,
        "paths": t.paths,
        "described": t.described,
        "stages": t.stages,
        "parties": t.parties,
        "detente_version": detente.__version__,
    }


def write_draws(t: DrawTable, path: str | Path) -> Path:
    """Write the per-draw table to ``path``: CSV for a ``.csv`` path, Parquet otherwise."""
    import pyarrow as pa

    path = Path(path)
    table = pa.table(_columns(t))
    if path.suffix.lower() == ".csv":
        import pyarrow.csv as pacsv

        pacsv.write_csv(table, path)
    else:
        import pyarrow.parquet as pq

        meta = {b"detente": json.dumps(_metadata(t)).encode()}
        pq.write_table(table.replace_schema_metadata(meta), path)
    return path


def is_draws_file(path: str | Path) -> bool:
    """Whether ``path`` is a per-draw table :func:`write_draws` wrote (its schema alone is read);
    False for anything else, a missing or unreadable file included."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        raw = (pq.read_schema(path).metadata or {}).get(b"detente")
    except (pa.ArrowException, OSError):
        return False
    try:
        return raw is not None and json.loads(raw).get("kind") == KIND
    except (ValueError, AttributeError):
        return False


def read_draws(path: str | Path) -> DrawTable:
    """The per-draw table of a Parquet file :func:`write_draws` wrote."""
    from detente.simulate.read import ResultsFileError, _table

    path = Path(path)
    table, meta = _table(path)
    if meta.get("kind") != KIND:
        raise ResultsFileError(
            f"{path}: not a per-draw table; expected the draws file of a run in draws"
        )

    def column(name: str) -> Any:
        return table.column(name).to_numpy()

    def matrix(names: list[str], rows: int) -> Any:
        return np.stack([column(n) for n in names], axis=1) if names else np.zeros((rows, 0))

    K = table.num_rows
    paths, stages, parties = (tuple(meta[k]) for k in ("paths", "stages", "parties"))
    return DrawTable(
        scenario=meta["scenario"],
        seed=meta["seed"],
        rounds=meta["rounds"],
        success_counts=meta["success_counts"],
        episodes_per_draw=meta["episodes_per_draw"],
        first_draw=meta["first_draw"],
        paths=paths,
        described=tuple(meta["described"]),
        stages=stages,
        parties=parties,
        values=matrix(list(paths), K).astype(np.float64),
        episodes=column("episodes").astype(np.int64),
        reached=column("reached"),
        held_to_end=column("held_to_end") if "held_to_end" in table.column_names else None,
        stall=column("stall"),
        final_stage=matrix([f"final_{s}" for s in stages], K),
        discounted=matrix([f"discounted_{p}" for p in parties], K),
        discounted_sd=matrix([f"discounted_sd_{p}" for p in parties], K),
    )
