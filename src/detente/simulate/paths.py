"""Where results files go, known without pyarrow (the CLI checks them before a run)."""

from __future__ import annotations

from pathlib import Path


def trajectories_path(path: Path) -> Path:
    """Where the trajectories of ``results.parquet`` go: ``results.trajectories.parquet``."""
    return path.with_name(f"{path.stem}.trajectories{path.suffix or '.parquet'}")
