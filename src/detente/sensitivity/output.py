"""An analysis as a ranked table, JSON, Parquet (one row per output and parameter) and HTML."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rich.console import Group
from rich.text import Text

from detente.sensitivity.analysis import CONFIDENCE, INDICES, MEANINGS, RANK_BY, Analysis, Ranking
from detente.sensitivity.model import describe

TOP = 20  # parameters drawn per output in the report's chart


def to_dict(a: Analysis) -> dict[str, Any]:
    """Plain JSON-ready data: settings, parameters with ranges, rankings per output."""
    names, bounds = a.problem["names"], a.problem["bounds"]
    return {
        **a.settings,
        "method": a.method,
        "samples": a.samples,
        "seed": a.seed,
        "model_runs": len(a.X),
        "ranked_by": RANK_BY[a.method],
        "indices": {k: MEANINGS[k] for k in INDICES[a.method]},
        "parameters": [
            {"path": n, "low": b[0], "high": b[1]} for n, b in zip(names, bounds, strict=True)
        ],
        "outputs": {r.output: r.rows() for r in a.rankings},
        "constant_outputs": [r.output for r in a.rankings if r.constant],
    }


def _header(a: Analysis) -> list[str]:
    s = a.settings
    lines = [
        f"{s.get('scenario', 'model')}: {a.method}, {len(a.problem['names'])} parameters, "
        f"{len(a.X):,} model runs"
        + (f" x {s['episodes']:,} episodes, seed {a.seed} (common random numbers)" if s else ""),
        f"ranked by {RANK_BY[a.method]}; "
        + "; ".join(f"{k}: {MEANINGS[k]}" for k in INDICES[a.method] if not k.endswith("_conf"))
        + f"; _conf: half-width of the {CONFIDENCE:.0%} bootstrap interval.",
    ]
    if s.get("range_note"):
        lines.append(s["range_note"] + ".")
    return lines


def _title(r: Ranking) -> str:
    same = " (the same at every point: no parameter moves it)" if r.constant else ""
    return f"{r.output}: {describe(r.output)}{same}"


def view(a: Analysis, top: int | None = None) -> Group:
    """Per output, the ranked parameters and their indices (``top`` rows each)."""
    from detente.simulate.render import table

    parts: list[Any] = [Text("\n".join(_header(a)))]
    for r in a.rankings:
        t = table("rank", "parameter", *INDICES[a.method])
        t.title = _title(r)
        for row in r.rows()[:top]:
            t.add_row(
                str(row["rank"]), row["parameter"], *(f"{row[k]:.4g}" for k in INDICES[a.method])
            )
        parts.append(t)
    return Group(*parts)


def write_parquet(a: Analysis, path: Path) -> None:
    """One row per output and parameter: rank, range and indices; settings in the metadata."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    bounds = dict(zip(a.problem["names"], a.problem["bounds"], strict=True))
    rows = [
        {"output": r.output, **row, "low": bounds[row["parameter"]][0],
         "high": bounds[row["parameter"]][1]}
        for r in a.rankings
        for row in r.rows()
    ]  # fmt: skip
    table = pa.Table.from_pylist(rows)
    meta = {k: v for k, v in to_dict(a).items() if k not in ("outputs",)}
    pq.write_table(table.replace_schema_metadata({b"detente": json.dumps(meta).encode()}), path)


def _chart(r: Ranking, method: str) -> Any:
    """Horizontal bars of the ranking index with its interval (and S1 beside ST for Sobol)."""
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    n = min(TOP, len(r.parameters))
    fig = Figure(figsize=(10, 1.5 + 0.35 * n), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    at = np.arange(n)[::-1]
    key = RANK_BY[method]
    if method == "sobol":
        ax.barh(at + 0.2, r.indices["ST"][:n], 0.4, xerr=r.indices["ST_conf"][:n], label="ST")
        ax.barh(at - 0.2, r.indices["S1"][:n], 0.4, xerr=r.indices["S1_conf"][:n], label="S1")
        ax.legend(loc="lower right")
    else:
        ax.barh(at, r.indices[key][:n], xerr=r.indices[f"{key}_conf"][:n], label=key)
    ax.set_yticks(at, r.parameters[:n], fontsize="small")
    ax.set(
        xlabel=f"{key} (bars: 95% bootstrap interval)", title=f"{r.output}: {describe(r.output)}"
    )
    return fig


def write_report(a: Analysis, path: Path) -> None:
    """A self-contained HTML page: the settings, then per output a chart and the ranked table."""
    from detente.report.build import _plot
    from detente.report.page import Section, render, table

    intro = Section("settings", "Settings", notes=_header(a))
    sections = [intro]
    for r in a.rankings:
        keys = INDICES[a.method]
        rows = [[str(x["rank"]), x["parameter"], *(f"{x[k]:.4g}" for k in keys)] for x in r.rows()]
        sections.append(
            Section(
                r.output.replace(".", "_"),
                _title(r),
                html=[table(["rank", "parameter", *keys], rows)],
                plots=[
                    _plot(f"sensitivity_{r.output}", f"{r.output}, top {TOP}", _chart(r, a.method))
                ],
            )
        )
    title = f"Sensitivity of {a.settings.get('scenario', 'the model')} ({a.method})"
    path.write_text(render(title, sections), encoding="utf-8")
