"""ABC-SMC by pyabc: the particles, the distance, the acceptance and the run (imports pyabc).

Each particle (a value of every fitted number) plays M episodes of the
record's rounds from the scenario's start, with dice of its own (a seed
drawn from numpy's generator, so the run is reproducible from ``--seed``
on one core and every particle's simulation is an independent draw).

* Distance of one episode to the record: the root mean square, over the
  statistics, of (simulated - observed) / scale, where a statistic's scale
  is its median absolute deviation over every episode of the calibration
  sample (drawn from the prior before the first generation; its standard
  deviation where the MAD is 0). A statistic that does not vary under the
  prior cannot tell the numbers apart and gets weight 0. The scales are
  fixed for the run, so the acceptance regions of successive generations
  are nested.
* Acceptance: a particle is accepted when at least one of its M episodes
  is within the generation's epsilon, with weight the share of them that
  are. That share estimates, without bias, the probability that one
  episode falls within epsilon, which is the ABC likelihood of the uniform
  kernel: the posterior is that of one history (the record is one), and M
  only lowers the variance of the weights. A particle's recorded distance
  is its smallest episode distance.
* Epsilon: the weighted median of the accepted distances of the last
  generation (pyabc's ``QuantileEpsilon``), starting from the median over
  the calibration sample. Proposals: pyabc's multivariate normal kernel.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyabc
from pyabc.acceptor import Acceptor, AcceptorResult

from detente.calibrate import CalibrationError
from detente.calibrate.priors import Prior
from detente.calibrate.statistics import simulated
from detente.dtypes import F64
from detente.scenario.distributions import Distribution
from detente.sensitivity.points import realise

KEY = "episodes"  # the one summary statistic pyabc sees: [M, S] per particle
MAX_SEED = 2**31 - 1
TINY = 1e-9


def key(i: int) -> str:
    """pyabc's name of the i-th fitted number (paths are not valid column names)."""
    return f"p{i}"


class PriorRV(pyabc.RVBase):  # type: ignore[misc]
    """A prior's distribution as a pyabc random variable (draws from numpy's global generator),
    of the continuous value: integer numbers are rounded where they are applied."""

    def __init__(self, prior: Distribution) -> None:
        self.prior = prior

    def copy(self) -> PriorRV:
        return PriorRV(self.prior)

    def rvs(self, *args: Any, **kwargs: Any) -> float:
        return float(self.prior.ppf(np.array(np.random.uniform()), rounded=False))

    def pdf(self, x: float, *args: Any, **kwargs: Any) -> float:
        return float(self.prior.pdf(np.asarray(x)))

    def pmf(self, x: float, *args: Any, **kwargs: Any) -> float:
        return self.pdf(x)

    def cdf(self, x: float, *args: Any, **kwargs: Any) -> float:
        return float(self.prior.cdf(np.asarray(x)))


@dataclass
class EpisodeDistance(pyabc.Distance):  # type: ignore[misc]
    """Scaled distance of each simulated episode to the record (see the module docstring)."""

    scales: F64 | None = None
    weights: F64 | None = None

    def __post_init__(self) -> None:
        super().__init__()

    def requires_calibration(self) -> bool:
        return self.scales is None

    def initialize(
        self, t: int, get_sample: Callable[[], Any], x_0: dict[str, Any], total_sims: int
    ) -> None:
        if self.scales is not None:  # fixed for the run
            return
        pooled = np.concatenate([np.asarray(x[KEY]) for x in get_sample().all_sum_stats])
        self.scales, self.weights = scales(pooled)
        if not self.weights.any():
            raise CalibrationError(
                "no summary statistic varies over the calibration sample from the prior: the "
                "record cannot tell these numbers' values apart (docs/calibrate.md)"
            )

    def episodes(self, x: dict[str, Any], x_0: dict[str, Any]) -> F64:
        """Each episode's distance to the record."""
        assert self.scales is not None
        assert self.weights is not None
        z = (np.asarray(x[KEY]) - np.asarray(x_0[KEY])) / self.scales
        total = max(float(self.weights.sum()), 1.0)
        out: F64 = np.sqrt((self.weights * z**2).sum(axis=1) / total)
        return out

    def __call__(
        self, x: dict[str, Any], x_0: dict[str, Any], t: int | None = None, par: Any = None
    ) -> float:
        return float(self.episodes(x, x_0).min())


def scales(pooled: F64) -> tuple[F64, F64]:
    """Per statistic: its scale over the pooled episodes ``[n, S]`` (MAD, else SD), and its
    weight (1, or 0 when it does not vary at all)."""
    mad = np.median(np.abs(pooled - np.median(pooled, axis=0)), axis=0)
    sd = pooled.std(axis=0)
    scale = np.where(mad > TINY, mad, sd)
    varies = scale > TINY  # below: rounding noise of a constant
    return np.where(varies, scale, 1.0), varies.astype(float)


class ShareAcceptor(Acceptor):  # type: ignore[misc]
    """Accept a particle when some episode is within epsilon; weight: the share that are."""

    def __call__(
        self,
        distance_function: EpisodeDistance,
        eps: Any,
        x: dict[str, Any],
        x_0: dict[str, Any],
        t: int,
        par: Any,
    ) -> AcceptorResult:
        d = distance_function.episodes(x, x_0)
        share = float(np.mean(d <= eps(t)))
        return AcceptorResult(distance=float(d.min()), accept=share > 0, weight=share)


@dataclass(frozen=True)
class Simulator:
    """The model pyabc runs: a particle's numbers applied as ``--set`` overrides, M episodes."""

    doc: dict[str, Any]
    source: str
    priors: tuple[Prior, ...]
    profile: dict[str, str]
    rounds: int
    episodes: int

    def values(self, par: Any) -> list[float]:
        return [float(par[key(i)]) for i in range(len(self.priors))]

    def __call__(self, par: Any) -> dict[str, F64]:
        from detente.scenario.compiled import compile_scenario

        params = [p.parameter() for p in self.priors]
        compiled = compile_scenario(realise(self.doc, self.source, params, self.values(par)))
        seed = int(np.random.randint(MAX_SEED))
        return {KEY: simulated(compiled, self.profile, self.rounds, self.episodes, seed)}


@dataclass(frozen=True)
class Generation:
    """One generation's diagnostics."""

    t: int
    epsilon: float
    simulations: int
    accepted: int
    effective_sample_size: float

    @property
    def acceptance_rate(self) -> float:
        return self.accepted / self.simulations if self.simulations else 0.0


@dataclass(frozen=True)
class Fit:
    """The last generation's particles and the run's diagnostics."""

    samples: F64  # [n, P] values as applied (integers rounded)
    weights: F64  # [n], summing to 1
    generations: tuple[Generation, ...]
    calibration_simulations: int
    scales: F64
    statistic_weights: F64
    predictive: F64  # [S] the posterior's mean simulated statistics (weighted)
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def simulations(self) -> int:
        return self.calibration_simulations + sum(g.simulations for g in self.generations)


Progress = Callable[[str], None]


class _Forward(logging.Handler):
    """pyabc's generation lines (epsilon, acceptance, ESS), to ``say``."""

    SHOWN = ("Calibration sample", "t:", "Accepted:", "Stopping")

    def __init__(self, say: Progress) -> None:
        super().__init__(logging.INFO)
        self.say = say

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.name == "ABC" and message.startswith(self.SHOWN):
            self.say(message)


@contextmanager
def _quiet_pyabc(say: Progress | None) -> Iterator[None]:
    """pyabc's loggers silenced but for the generation lines; numpy's global generator kept."""
    loggers = [logging.getLogger(n) for n in ("ABC", "ABC.History", "ABC.Epsilon", "ABC.Sampler")]
    saved = [(lg.level, lg.propagate, list(lg.handlers)) for lg in loggers]
    state = np.random.get_state()
    for lg in loggers:
        lg.handlers, lg.propagate = [], False
        lg.setLevel(logging.WARNING)
    if say is not None:
        loggers[0].setLevel(logging.INFO)
        loggers[0].addHandler(_Forward(say))
    try:
        yield
    finally:
        np.random.set_state(state)
        for lg, (level, propagate, handlers) in zip(loggers, saved, strict=True):
            lg.setLevel(level)
            lg.propagate, lg.handlers = propagate, handlers


def run_abc(
    simulator: Simulator,
    observed: F64,
    *,
    population: int,
    generations: int,
    max_simulations: int,
    seed: int,
    db: Path | None = None,
    workers: int = 1,
    say: Progress | None = None,
) -> Fit:
    """ABC-SMC of ``simulator`` against the ``observed`` statistics ``[S]``.

    One worker (the default): pyabc's single-core sampler, every draw from
    numpy's generator seeded with ``seed``, so the same inputs give the same
    posterior. More workers: pyabc's multicore sampler, faster and not
    reproducible (the order particles finish in decides which are kept).
    """
    sampler = (
        pyabc.sampler.SingleCoreSampler(check_max_eval=True)
        if workers == 1
        else pyabc.sampler.MulticoreEvalParallelSampler(n_procs=workers, check_max_eval=True)
    )
    priors = pyabc.Distribution(
        **{key(i): PriorRV(p.distribution) for i, p in enumerate(simulator.priors)}
    )
    distance = EpisodeDistance()
    with _quiet_pyabc(say), tempfile.TemporaryDirectory(prefix="detente-abc-") as tmp:
        np.random.seed(seed)
        abc = pyabc.ABCSMC(
            simulator,
            priors,
            distance,
            population_size=population,
            sampler=sampler,
            acceptor=ShareAcceptor(),
            eps=pyabc.QuantileEpsilon(alpha=0.5),
        )
        where = db if db is not None else Path(tmp) / "abc.db"
        history = abc.new(f"sqlite:///{where}", {KEY: observed[None, :]})
        abc.run(max_nr_populations=generations, max_total_nr_simulations=max_simulations)
        return _collect(history, simulator, distance)


def _collect(history: Any, simulator: Simulator, distance: EpisodeDistance) -> Fit:
    from pyabc.weighted_statistics import effective_sample_size

    table = history.get_all_populations()
    calibration = int(table.loc[table.t < 0, "samples"].sum())
    gens = []
    for row in table[table.t >= 0].itertuples():
        _, w = history.get_distribution(m=0, t=int(row.t))
        gens.append(
            Generation(
                int(row.t),
                float(row.epsilon),
                int(row.samples),
                int(row.particles),
                float(effective_sample_size(np.asarray(w))),
            )
        )
    frame, w = history.get_distribution(m=0, t=history.max_t)
    raw = np.column_stack([frame[key(i)].to_numpy() for i in range(len(simulator.priors))])
    samples = np.array(
        [
            [
                round(v) if p.distribution.integer else v
                for p, v in zip(simulator.priors, row, strict=True)
            ]
            for row in raw
        ],
        dtype=float,
    )
    weights = np.asarray(w, dtype=float)
    weights = weights / weights.sum()
    stat_w, stats = history.get_weighted_sum_stats(t=history.max_t)
    means = np.stack([np.asarray(s[KEY]).mean(axis=0) for s in stats])
    stat_w = np.asarray(stat_w, dtype=float)
    predictive = (stat_w[:, None] * means).sum(axis=0) / stat_w.sum()
    assert distance.scales is not None
    assert distance.weights is not None
    return Fit(
        samples, weights, tuple(gens), calibration, distance.scales, distance.weights, predictive
    )
