"""``detente report``: a self-contained page with the expected plots, and clear errors."""

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from detente.cli import app
from detente.engine import CompiledScenario
from detente.simulate import simulate
from detente.simulate.parquet import write_parquet
from detente.simulate.read import ResultsFileError, read_parquet

pytest.importorskip("matplotlib")


def detente(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "detente", *args], capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def runs(korea: CompiledScenario, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two profiles on the same episodes and seed; only the first with trajectories."""
    folder = tmp_path_factory.mktemp("runs")
    a4a = simulate(korea, None, episodes=60, rounds=12, seed=5, trajectories=True)
    write_parquet(a4a, folder / "a4a.parquet")
    big = simulate(korea, {"US": "big_deal_first:deal=big_deal"}, episodes=60, rounds=12, seed=5)
    write_parquet(big, folder / "big_deal.parquet")
    return folder


def test_results_read_back_as_written(korea: CompiledScenario, tmp_path: Path) -> None:
    r = simulate(korea, {"DPRK": "random"}, episodes=30, rounds=8, seed=2, trajectories=True)
    write_parquet(r, tmp_path / "r.parquet")
    back = read_parquet(tmp_path / "r.parquet")
    for name in ("episodes", "success_round", "first_reached", "final_stage", "max_stage"):
        np.testing.assert_array_equal(getattr(back, name), getattr(r, name), err_msg=name)
    for name in ("final_stalled", "stalls", "breakdowns", "total", "discounted"):
        np.testing.assert_array_equal(getattr(back, name), getattr(r, name), err_msg=name)
    assert back.summary() == r.summary()
    assert back.trajectories is not None
    assert r.trajectories is not None
    np.testing.assert_array_equal(back.trajectories.stage, r.trajectories.stage)
    off = ~np.eye(len(korea.parties), dtype=bool)
    np.testing.assert_array_equal(back.trajectories.trust[..., off], r.trajectories.trust[..., off])


def test_report_is_self_contained_with_every_section(runs: Path, tmp_path: Path) -> None:
    out, png = tmp_path / "report.html", tmp_path / "png"
    run = detente(
        "report", str(runs / "a4a.parquet"), str(runs / "big_deal.parquet"),
        "--out", str(out), "--png", str(png),
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    page = out.read_text(encoding="utf-8")
    assert not re.search(r"https?://", page)  # nothing fetched from the network
    assert not re.search(r"""(src|href)=["'](?!data:)""", page)  # no external file either
    for section in ("runs", "stages", "trust", "payoffs", "comparison"):
        assert f'<section id="{section}">' in page
    figures = {"reached-by-round", "stage-fan-a4a", "trust-a4a", "payoffs", "outcomes"}
    figures.add("differences")  # same episodes and seed: paired
    for name in figures:
        assert f'<figure id="{name}"><img' in page
    assert page.count("data:image/png;base64,") == len(figures)
    assert {p.stem for p in png.iterdir()} == figures
    assert "big_deal has no trajectories" in page  # said, not failed


def test_bad_input_exits_2_with_a_message(tmp_path: Path) -> None:
    junk = tmp_path / "junk.parquet"
    junk.write_text("not parquet")
    run = detente("report", str(junk), "--out", str(tmp_path / "r.html"))
    assert run.returncode == 2
    assert "junk.parquet: not a Parquet file" in run.stderr
    assert "Traceback" not in run.stderr
    missing = CliRunner().invoke(app, ["report", str(tmp_path / "none.parquet")])
    assert missing.exit_code == 2
    assert "none.parquet: no such file" in missing.stderr


def test_a_plain_parquet_file_is_refused(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"x": [1, 2]}), tmp_path / "x.parquet")
    with pytest.raises(ResultsFileError, match="without detente metadata"):
        read_parquet(tmp_path / "x.parquet")
