"""``detente backtest --posterior``: forecasts over draws of a calibration's posterior, on the
bundled korea record (the real wiring: each draw replays the record under its own numbers)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from detente.cli import app
from detente.scenario.posterior import POSTERIOR_FORMAT

RUN = ["backtest", "korea", "--events", "korea", "--cut", "2018-06-01", "--horizon", "3",
       "--episodes", "40", "--format", "json"]  # fmt: skip


def posterior(tmp_path: Path, *samples: float) -> Path:
    fit = tmp_path / "fit.json"
    weights = [1 / len(samples)] * len(samples)
    fit.write_text(json.dumps({"format": POSTERIOR_FORMAT, "paths": ["noise.false_alarm"],
                               "samples": [[s] for s in samples], "weights": weights}))  # fmt: skip
    return fit


def backtest(*extra: str) -> tuple[int, Any, str]:
    result = CliRunner().invoke(app, [*RUN, *extra])
    data = json.loads(result.stdout) if result.exit_code == 0 else None
    return result.exit_code, data, result.stderr


def forecasts(data: Any) -> list[float]:
    return [case["forecast"] for case in data["cases"]]


def test_one_draw_at_the_scenarios_own_number_forecasts_as_without_a_posterior(
    tmp_path: Path,
) -> None:
    code, plain, err = backtest()
    assert code == 0, err
    code, drawn, err = backtest("--posterior", str(posterior(tmp_path, 0.02)), "--draws", "1")
    assert code == 0, err
    assert forecasts(drawn) == forecasts(plain)
    assert plain["numbers"] is None
    assert drawn["numbers"] == f"drawn from {tmp_path / 'fit.json'} (1 draw)"


def test_the_posterior_moves_the_forecasts(tmp_path: Path) -> None:
    code, plain, err = backtest()
    assert code == 0, err
    code, drawn, err = backtest("--posterior", str(posterior(tmp_path, 0.3, 0.4)), "--draws", "4")
    assert code == 0, err
    assert forecasts(drawn) != forecasts(plain)
    assert len(drawn["cases"]) == len(plain["cases"])


def test_bad_posterior_options_exit_2(tmp_path: Path) -> None:
    code, _, err = backtest("--draws", "4")
    assert code == 2
    assert "--draws needs --posterior" in err
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"paths": ["noise.false_alarm"], "samples": [[0.1]]}))
    code, _, err = backtest("--posterior", str(bad))
    assert code == 2
    assert f"{bad}: no format tag" in err
    code, _, err = backtest("--posterior", str(posterior(tmp_path, 1.5)))
    assert code == 2
    assert "noise.false_alarm" in err
    code, _, err = backtest("--posterior", str(posterior(tmp_path, 0.02)), "--draws", "41")
    assert code == 2
    assert "--draws 41 is more than --episodes 40" in err


def test_the_heading_counts_the_draws_played(tmp_path: Path) -> None:
    """40 episodes asked in 16 draws are 14 draws of 3 (the last of 1): 14 are named."""
    code, data, err = backtest("--posterior", str(posterior(tmp_path, 0.02)), "--draws", "16")
    assert code == 0, err
    assert data["numbers"] == f"drawn from {tmp_path / 'fit.json'} (14 draws)"
