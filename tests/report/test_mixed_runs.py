"""A file that mixes runs is never pooled: a sweep file is split by grid point, anything
else with repeated episodes is refused."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from detente.cli import app
from detente.engine import CompiledScenario
from detente.report.build import load_runs
from detente.simulate import simulate
from detente.simulate.parquet import episodes_table
from detente.simulate.read import ResultsFileError, read_runs


def test_a_sweep_file_is_split_by_grid_point(tmp_path: Path) -> None:
    out = tmp_path / "sweep.parquet"
    args = ["sweep", "ipd", "--grid", "noise.tremble=0,0.3", "--episodes", "40", "--out", str(out)]
    assert CliRunner().invoke(app, args).exit_code == 0
    runs = read_runs(out)
    assert list(runs) == ["noise.tremble=0", "noise.tremble=0.3"]
    for r in runs.values():
        assert r.n == 40
        np.testing.assert_array_equal(r.episodes, np.arange(40))
    assert runs["noise.tremble=0"].summary() != runs["noise.tremble=0.3"].summary()
    again = tmp_path / "again.parquet"
    shutil.copy(out, again)
    assert list(load_runs([out, again])) == [
        f"{stem} noise.tremble={v}" for stem in ("sweep", "again") for v in ("0", "0.3")
    ]


def test_a_file_with_repeated_episodes_is_refused(ipd: CompiledScenario, tmp_path: Path) -> None:
    table = episodes_table(simulate(ipd, {}, 10, 5))
    pooled = pa.concat_tables([table, table])
    path = tmp_path / "pooled.parquet"
    pq.write_table(pooled, path)
    with pytest.raises(ResultsFileError, match="episode ids repeat, so the file mixes runs"):
        read_runs(path)
    result = CliRunner().invoke(app, ["report", str(path), "--out", str(tmp_path / "r.html")])
    assert result.exit_code == 2
    assert "mixes runs" in result.stderr
