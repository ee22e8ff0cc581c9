"""``detente calibrate`` end to end on a tiny run, its files, and its refusals (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from detente.calibrate import CalibrationError
from detente.calibrate.posterior import FORMAT, check_against, read_posterior
from detente.cli import app
from detente.scenario.overrides import load_document

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
    assert written["format"] == FORMAT == "detente-posterior/1"
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
    post = read_posterior(out)
    assert post.paths == ("noise.false_alarm",)
    assert post.samples.shape == (10, 1)
    doc, _ = load_document("korea")
    check_against(post, doc, "korea", str(out))
    ipd, _ = load_document("ipd", ["noise.false_alarm=0"])
    check_against(post, ipd, "ipd", str(out))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[1, 2]", "not a posterior file"),
        ('{"format": "other"}', "'format' must be 'detente-posterior/1'"),
        ('{"format": "detente-posterior/1", "paths": []}', "'paths' must be a non-empty list"),
        (
            '{"format": "detente-posterior/1", "paths": ["a"], "samples": [[1, 2]]}',
            "samples[0]: expected 1 numbers",
        ),
        (
            '{"format": "detente-posterior/1", "paths": ["a"], "samples": [[1]], "weights": [-1]}',
            "weights[0]: not a finite number >= 0",
        ),
        ("not json", "not a JSON file"),
    ],
)
def test_a_bad_posterior_file_is_refused_naming_what_is_wrong(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(CalibrationError) as err:
        read_posterior(path)
    assert str(err.value).startswith(f"{path}: ")
    assert message in str(err.value)


def test_a_posterior_is_refused_where_a_path_is_missing_or_a_value_invalid(
    tmp_path: Path,
) -> None:
    path = tmp_path / "p.json"
    body = {"format": FORMAT, "paths": ["noise.miss"], "samples": [[0.1], [1.5]], "weights": [1, 1]}
    path.write_text(json.dumps(body))
    post = read_posterior(path)
    np.testing.assert_allclose(post.weights, [0.5, 0.5])
    doc, _ = load_document("korea")
    with pytest.raises(CalibrationError, match=r"samples\[1\] is not valid"):
        check_against(post, doc, "korea", str(path))
    body["paths"] = ["noise.nope"]
    path.write_text(json.dumps(body))
    with pytest.raises(CalibrationError, match="noise has no key 'nope'"):
        check_against(read_posterior(path), doc, "korea", str(path))


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
