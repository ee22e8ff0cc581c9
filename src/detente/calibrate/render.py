"""The posterior as text: the summary table, the statistics and the diagnostics (rich)."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.text import Text

from detente.calibrate.posterior import Posterior, summary


def header(post: Posterior) -> list[str]:
    """What was fitted to what, and how the run went, in a few lines (also the page's notes)."""
    d, s = post.diagnostics, post.settings
    rounds = s.get("record_rounds", ["?", "?"])
    return [
        f"{post.scenario}: {', '.join(post.paths)} fitted to {s.get('rounds')} rounds of the "
        f"record {post.events} ({rounds[0]} .. {rounds[1]}, before --until {post.until}) by "
        f"{post.method}",
        f"{s.get('population')} particles, {d.get('generations')} generations, "
        f"{s.get('episodes_per_particle')} episodes per particle, seed {s.get('seed')}"
        + (
            "" if s.get("deterministic", True) else f", {s.get('workers')} cores (not reproducible)"
        ),
        f"{d.get('simulations', 0):,} simulations; final epsilon {d.get('final_epsilon', 0):.4g}; "
        f"effective sample size {d.get('effective_sample_size', 0):.1f}",
    ]


def statistic_rows(post: Posterior) -> list[list[str]]:
    """Per statistic: observed, the posterior's mean simulated value, its scale and weight."""
    d = post.diagnostics
    out = []
    for name, value in post.statistics.items():
        weight = d.get("statistic_weights", {}).get(name, 1.0)
        out.append(
            [
                name,
                f"{value:.3f}",
                f"{d.get('predictive', {}).get(name, float('nan')):.3f}",
                f"{d.get('scales', {}).get(name, float('nan')):.3g}",
                "used" if weight > 0 else "constant under the prior: not used",
            ]
        )
    return out


def generation_rows(post: Posterior) -> list[list[str]]:
    d = post.diagnostics
    return [
        [str(t), f"{eps:.4g}", str(n), f"{rate:.3f}", f"{ess:.1f}"]
        for t, (eps, n, rate, ess) in enumerate(
            zip(
                d.get("epsilons", []),
                d.get("simulations_per_generation", []),
                d.get("acceptance_rates", []),
                d.get("effective_sample_sizes", []),
                strict=True,
            )
        )
    ]


def view(post: Posterior) -> Group:
    """The header, the posterior summary, the statistics and the generations."""
    from detente.simulate.render import table

    parts: list[Any] = [Text("\n".join(header(post)))]
    t = table("parameter", "prior", "mean", "median", "5%", "95%")
    t.title = "posterior (90% interval: 5% to 95%)"
    for r in summary(post):
        t.add_row(
            r["path"], r["prior"], *(f"{r[k]:.4g}" for k in ("mean", "median", "low", "high"))
        )
    parts.append(t)
    s = table("statistic", "record", "posterior mean", "scale", "")
    s.title = "summary statistics: the record and the model at the posterior"
    for row in statistic_rows(post):
        s.add_row(*row)
    parts.append(s)
    g = table("generation", "epsilon", "simulations", "acceptance", "ESS")
    g.title = "generations"
    for row in generation_rows(post):
        g.add_row(*row)
    parts.append(g)
    return Group(*parts)
