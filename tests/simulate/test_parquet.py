"""Parquet results read back with pyarrow: one row per episode, and per round when asked."""

import json
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from detente.engine import CompiledScenario
from detente.simulate import simulate
from detente.simulate.parquet import trajectories_path, write_parquet


def test_episodes_and_trajectories_round_trip(korea: CompiledScenario, tmp_path: Path) -> None:
    r = simulate(korea, {"DPRK": "random"}, episodes=40, rounds=12, seed=2, trajectories=True)
    out = tmp_path / "results.parquet"
    assert write_parquet(r, out) == [out, tmp_path / "results.trajectories.parquet"]

    table = pq.read_table(out)
    assert table.num_rows == 40
    rows = table.to_pydict()
    assert rows["episode"] == list(range(40))
    np.testing.assert_allclose(rows["discounted_US"], r.discounted[:, korea.parties.index("US")])
    assert rows["max_stage"] == [korea.stages[s] for s in r.max_stage]
    reached = r.first_reached[:, 2]
    assert rows["reached_peace_mechanism"] == [None if v < 0 else v for v in reached]
    assert rows["success_round"] == [None if v < 0 else v for v in r.success_round]
    assert "breakdown_trust_building__nuclear_test_stalls" in rows
    meta = json.loads(table.schema.metadata[b"detente"])
    assert meta["scenario"] == "korea"
    assert meta["seed"] == 2
    assert meta["profile"]["DPRK"] == "random"

    paths = pq.read_table(trajectories_path(out)).to_pydict()
    assert len(paths["round"]) == 40 * 12
    assert paths["round"][:12] == list(range(1, 13))
    assert paths["episode"][12] == 1
    assert r.trajectories is not None
    np.testing.assert_allclose(paths["trust_US_DPRK"][:12], r.trajectories.trust[0, :, 2, 4])
    assert paths["stage"][11] == korea.stages[r.trajectories.stage[0, 11]]


def test_no_trajectories_file_unless_recorded(ipd: CompiledScenario, tmp_path: Path) -> None:
    out = tmp_path / "r.parquet"
    assert write_parquet(simulate(ipd, None, 3, 5), out) == [out]
