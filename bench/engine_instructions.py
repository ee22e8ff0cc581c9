"""Engine cost in instructions and branch mispredicts per party-round, counted by valgrind.

Timings on a shared machine move by 30% from run to run; instruction counts
hardly do. This runs a small batch of each scenario under cachegrind (with its
branch predictor simulation) twice, for 5 rounds and for 5 more than
``--rounds``, and reports the difference per party-round, so start-up,
import and the first rounds' cost cancel. Repeated counts of the same code
still differ by up to about 4% (memory layout and the interpreter's own
work move a little), so only larger differences mean something. The
baseline, counted the same way in the same run, is the harness alone:
building each round's moves and masking them with ``available`` and
``offerable``, without stepping the engine. Instructions are not time (cache
misses and real mispredicts are not in them), but a change that removes
instructions from the kernel shows here whatever else the machine runs.

numba's cache is keyed by the CPU it compiled for, and valgrind shows the
program a more modest CPU than the host's: the kernels are compiled once,
natively, for the CPU valgrind reports, into a cache of their own
(``--cache``), so that valgrind never runs the compiler.

Usage: python bench/engine_instructions.py [--batch N] [--rounds R] [--cache DIR]
Needs valgrind (Debian package ``valgrind``).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

SCENARIOS = ("korea", "ipd")
WARM = 5  # rounds played by both runs of a measurement, left out of its difference
_COUNTS = re.compile(r"I\s+refs:\s+([\d,]+).*?Mispredicts:\s+([\d,]+)", re.S)


def drive(scenario: str, batch: int, rounds: int, engine: bool) -> None:
    """The measured program: ``rounds`` rounds of bench/engine.py's moves, stepped or not."""
    from detente.engine import CounterRNG, State, initial_state, step
    from detente.scenario import load_scenario
    from detente.scenario.compiled import compile_scenario
    from engine import moves, random_patterns  # bench/engine.py, beside this file

    compiled = compile_scenario(load_scenario(scenario))
    patterns = random_patterns(compiled, batch)
    state = initial_state(compiled, batch)
    spare: State | None = None
    rng = CounterRNG(1)
    for r in range(rounds):
        submissions = moves(state, patterns[r % 4])
        if engine:
            spare, (state, _) = state, step(state, submissions, rng, recycle=spare)


def _fresh(cache: Path) -> None:
    """Empty ``cache`` unless it was filled from the engine's current sources.

    numba keys an entry by its function's own file, not its callees'
    (see ``detente.engine.cache``, which guards the default cache only).
    """
    from detente.engine.cache import sources_digest

    stamp = cache / "detente-engine-sources"
    digest = sources_digest()
    if stamp.is_file() and stamp.read_text() == digest:
        return
    shutil.rmtree(cache, ignore_errors=True)
    cache.mkdir(parents=True)
    stamp.write_text(digest)


def _valgrind_cpu(env: dict[str, str]) -> tuple[str, str]:
    """The CPU name and features LLVM detects when running under valgrind."""
    probe = (
        "import llvmlite.binding as ll; ll.initialize_native_target();"
        "print(ll.get_host_cpu_name()); print(ll.get_host_cpu_features().flatten())"
    )
    out = subprocess.run(
        ["valgrind", "--tool=none", sys.executable, "-c", probe],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return out[0], out[1]


def _counts(args: list[str], env: dict[str, str]) -> tuple[int, int]:
    """Instructions and simulated conditional-plus-indirect mispredicts of one run."""
    run = subprocess.run(
        [
            "valgrind",
            "--tool=cachegrind",
            "--cache-sim=no",
            "--branch-sim=yes",
            "--cachegrind-out-file=/dev/null",
            sys.executable,
            __file__,
            *args,
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    found = _COUNTS.search(run.stderr)
    if found is None:
        raise RuntimeError(f"no counts in valgrind's output:\n{run.stderr[-2000:]}")
    return int(found[1].replace(",", "")), int(found[2].replace(",", ""))


def measure(
    scenario: str, batch: int, rounds: int, engine: bool, env: dict[str, str]
) -> tuple[float, float]:
    """Instructions and mispredicts per episode-round, from runs of 5 and ``rounds + 5`` rounds."""
    mode = "engine" if engine else "moves"
    short = _counts(["--drive", scenario, mode, str(batch), str(WARM)], env)
    long = _counts(["--drive", scenario, mode, str(batch), str(rounds + WARM)], env)
    work = batch * rounds
    return (long[0] - short[0]) / work, (long[1] - short[1]) / work


def main() -> None:
    if len(sys.argv) == 6 and sys.argv[1] == "--drive":
        _, _, scenario, mode, batch, rounds = sys.argv
        drive(scenario, int(batch), int(rounds), mode == "engine")
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=2_000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--cache", type=Path, help="numba cache for the valgrind CPU")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed (apt-get install valgrind)")
    cache = args.cache or Path(tempfile.gettempdir()) / "detente-numba-valgrind"
    _fresh(cache)
    env = dict(os.environ, NUMBA_CACHE_DIR=str(cache), PYTHONHASHSEED="0")
    env["NUMBA_CPU_NAME"], env["NUMBA_CPU_FEATURES"] = _valgrind_cpu(env)
    from detente.engine import compile_scenario
    from detente.scenario import load_scenario

    cpu = env["NUMBA_CPU_NAME"]
    print(f"batch {args.batch}, {args.rounds} rounds; per party-round; valgrind's CPU: {cpu}")
    header = ("scenario", "parties", "engine instr", "moves instr", "engine/moves", "mispredicts")
    print("".join(f"{h:>14}" for h in header))
    for scenario in SCENARIOS:
        parties = len(compile_scenario(load_scenario(scenario)).parties)
        subprocess.run(
            [sys.executable, __file__, "--drive", scenario, "engine", "8", "2"], env=env, check=True
        )  # compile natively for valgrind's CPU, into the cache valgrind reads
        engine = measure(scenario, args.batch, args.rounds, True, env)
        moves = measure(scenario, args.batch, args.rounds, False, env)
        step_instr = (engine[0] - moves[0]) / parties
        harness = moves[0] / parties
        mispredicts = (engine[1] - moves[1]) / parties
        print(
            f"{scenario:>14}{parties:>14}{step_instr:>14,.0f}{harness:>14,.0f}"
            f"{step_instr / harness:>13.1f}x{mispredicts:>14.1f}"
        )


if __name__ == "__main__":
    main()
