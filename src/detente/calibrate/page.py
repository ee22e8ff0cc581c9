"""The posterior as an HTML page (report/ conventions): marginals, the summary, diagnostics."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from detente.calibrate.posterior import Posterior, summary
from detente.calibrate.render import generation_rows, header, statistic_rows


def _marginal(post: Posterior, j: int) -> Any:
    """The weighted histogram of one number's posterior, its prior's density and 90% interval."""
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    row = summary(post)[j]
    x, w = post.samples[:, j], post.weights
    fig = Figure(figsize=(7, 3.2), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    ax.hist(x, bins=min(30, max(5, len(x) // 10)), weights=w, density=True, alpha=0.6,
            label="posterior")  # fmt: skip
    prior = post.settings.get("prior_density", {}).get(post.paths[j])
    if prior:
        ax.plot(
            prior["x"], prior["pdf"], color="0.3", linestyle="--", label=f"prior {row['prior']}"
        )
    for q in (row["low"], row["high"]):
        ax.axvline(q, color="C3", linewidth=1)
    ax.axvline(float(np.sum(w * x)), color="C1", label="mean")
    ax.set(xlabel=post.paths[j], ylabel="density", title=f"{post.paths[j]}: 90% interval in red")
    ax.legend(fontsize="small")
    return fig


def write_page(post: Posterior, path: Path) -> None:
    """A self-contained page: settings, summary table, marginals, statistics, generations."""
    from detente.report.build import _plot
    from detente.report.page import Section, render, table

    rows = [
        [r["path"], r["prior"], *(f"{r[k]:.4g}" for k in ("mean", "median", "low", "high"))]
        for r in summary(post)
    ]
    sections = [
        Section("settings", "Settings", notes=header(post)),
        Section(
            "posterior",
            "Posterior (90% interval: 5% to 95%)",
            html=[table(["parameter", "prior", "mean", "median", "5%", "95%"], rows)],
            plots=[
                _plot(f"posterior_{j}", f"posterior of {p}", _marginal(post, j))
                for j, p in enumerate(post.paths)
            ],
        ),
        Section(
            "statistics",
            "Summary statistics",
            notes=[
                "The record's statistics and the posterior's mean simulated ones; a large "
                "gap is what the fitted numbers cannot explain."
            ],
            html=[
                table(["statistic", "record", "posterior mean", "scale", ""], statistic_rows(post))
            ],
        ),
        Section(
            "generations",
            "Generations",
            html=[
                table(
                    ["generation", "epsilon", "simulations", "acceptance", "ESS"],
                    generation_rows(post),
                )
            ],
        ),
    ]
    path.write_text(render(f"Calibration of {post.scenario}", sections), encoding="utf-8")
