"""``detente calibrate`` end to end on a tiny run, its files, and its refusals (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from detente.cli import app
from detente.scenario.posterior import (
    POSTERIOR_FORMAT,
    PosteriorError,
    check_posterior,
    read_posterior_file,
)
from detente.scenario.uncertain import load_uncertain

BASE = ["calibrate", "korea", "--events", "korea", "--until", "2017-09-01"]
PRIOR = ["--param", "noise.false_alarm=uniform(0,0.2)"]
TINY = ["--population", "10", "--generations", "1", "--episodes-per-particle", "2", "-q"]


def _invoke(*args: str) -> object:
    return CliRunner().invoke(app, list(args))


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path, Path]:
    folder = tmp_path_factory.mktemp("calibrate")
    out, page = folder / "post.json", folder / "post.html"
    args = [*BASE, *PRIOR, *TINY, "--format", "json", "--out", str(out), "--report", str(page)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout), out, page


def test_a_tiny_run_writes_the_posterior_file_of_the_interface(tiny: tuple) -> None:
    printed, out, page = tiny
    written = json.loads(out.read_text())
    assert written["format"] == POSTERIOR_FORMAT == "detente-posterior/1"
    assert written["paths"] == ["noise.false_alarm"]
    assert written["until"] == "2017-09-01"
    assert written["events"] == "korea"
    assert len(written["samples"]) == len(written["weights"]) == 10
    assert abs(sum(written["weights"]) - 1) < 1e-9
    assert all(0 <= row[0] <= 0.2 for row in written["samples"])
    # the record's statistics: March to August 2017, 6 rounds, 5 DPRK launches
    assert written["statistics"]["provocations.DPRK"] == pytest.approx(5 / 6)
    d = written["diagnostics"]
    assert d["generations"] == 1
    assert len(d["acceptance_rates"]) == 1
    assert 0 < d["acceptance_rates"][0] <= 1
    assert d["effective_sample_size"] > 0
    assert printed["samples"] == written["samples"]
    assert "<img" in page.read_text()


def test_the_posterior_file_reads_back_and_fits_its_scenario(tiny: tuple) -> None:
    _, out, _ = tiny
    post = read_posterior_file(out)
    assert post.paths == ("noise.false_alarm",)
    assert post.samples.shape == (10, 1)
    check_posterior(post, load_uncertain("korea"))
    check_posterior(post, load_uncertain("ipd", ["noise.false_alarm=0"]))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[1, 2]", "the file must hold a JSON object (got list)"),
        (
            '{"format": "other"}',
            'unknown format \'other\' (expected "format": "detente-posterior/1")',
        ),
        ('{"format": "detente-posterior/1", "paths": []}', "paths: must be a non-empty list"),
        (
            '{"format": "detente-posterior/1", "paths": ["a"], "samples": [[1, 2]]}',
            "samples[0]: has 2 values for 1 paths",
        ),
        (
            '{"format": "detente-posterior/1", "paths": ["a"], "samples": [[1]], "weights": [-1]}',
            "weights[0]: a weight cannot be negative (got -1)",
        ),
        (
            '{"format": "detente-posterior/1", "paths": ["a"], "samples": [[1], [true]], '
            '"weights": [1, "x"]}',
            "samples[1][0]: not a finite number (True)",
        ),
        ("not json", "not JSON"),
    ],
)
def test_a_bad_posterior_file_is_refused_naming_what_is_wrong(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(PosteriorError) as err:
        read_posterior_file(path)
    assert str(err.value).startswith(f"{path}: ")
    assert message in str(err.value)


def test_a_posterior_is_refused_where_a_path_is_missing_or_a_value_invalid(
    tmp_path: Path,
) -> None:
    path = tmp_path / "p.json"
    body = {
        "format": POSTERIOR_FORMAT,
        "paths": ["noise.miss"],
        "samples": [[0.1], [1.5]],
        "weights": [1, 1],
    }
    path.write_text(json.dumps(body))
    post = read_posterior_file(path)
    np.testing.assert_allclose(post.weights, [0.5, 0.5])
    korea = load_uncertain("korea")
    with pytest.raises(PosteriorError, match=r"samples\[1\]\[0\]: noise.miss = 1.5 is outside"):
        check_posterior(post, korea)
    # in range, but korea's horizon is too short for its stages at 400 calm rounds
    body.update(paths=["roadmap.stages[trust_building].exit.calm_rounds"], samples=[[3], [400]])
    path.write_text(json.dumps(body))
    with pytest.raises(PosteriorError, match=r"samples\[1\]: the scenario is not valid there"):
        check_posterior(read_posterior_file(path), korea)
    body["paths"] = ["noise.nope"]
    path.write_text(json.dumps(body))
    with pytest.raises(PosteriorError, match="noise has no key 'nope'"):
        check_posterior(read_posterior_file(path), korea)


def _refused(args: list[str], message: str) -> None:
    result = _invoke(*args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_bad_priors_are_refused_before_any_simulation() -> None:
    _refused([*BASE, "--param", "noise.miss=gamma(1,2)"], "unknown distribution 'gamma'")
    _refused([*BASE, "--param", "noise.miss=normal(0,-1)"], "normal needs sd > 0")
    _refused([*BASE, "--param", "noise.miss=beta(0,1)"], "beta(a, b) needs a > 0")
    _refused([*BASE, "--param", "noise.miss=uniform(-0.1,0.5)"], "outside the range [0, 1]")
    _refused([*BASE, "--param", "noise.nope=beta(2,2)"], "--param noise.nope")


def test_an_events_file_without_the_needed_columns_is_refused(tmp_path: Path) -> None:
    events = tmp_path / "events.csv"
    events.write_text("date,actor,target\n2017-03-06,PRK,USA\n")
    args = ["calibrate", "korea", "--events", str(events), "--until", "2017-09-01", *PRIOR]
    _refused(args, "missing column(s) cameo, description")


def test_a_cut_before_the_record_or_at_its_first_round_is_refused() -> None:
    before = ["calibrate", "korea", "--events", "korea", "--until", "2016-01-01", *PRIOR]
    _refused(before, "outside the record")
    first = ["calibrate", "korea", "--events", "korea", "--until", "2017-03-15", *PRIOR]
    _refused(first, "no round of the record before it")
    _refused(["calibrate", "korea", "--events", "korea", "--until", "soon", *PRIOR], "ISO 8601")


def test_bad_sizes_and_outputs_are_refused(tmp_path: Path) -> None:
    _refused([*BASE, *PRIOR, "--population", "3"], "--population must be at least 10")
    _refused([*BASE, *PRIOR, "--generations", "0"], "--generations must be at least 1")
    missing = tmp_path / "nowhere" / "post.json"
    _refused([*BASE, *PRIOR, "--out", str(missing)], "does not exist")
