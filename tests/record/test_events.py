"""The event format: the bundled record is well formed; a bad file is refused where it is bad."""

from __future__ import annotations

import csv
import datetime
import io
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from detente.record.errors import EventFormatError
from detente.record.events import (
    REQUIRED,
    bundled_record,
    cameo_codes,
    load_events,
    load_record,
)

HEADER = "date,actor,target,cameo,action,description,source,uncertain\n"


def _write(tmp_path: Path, text: str, name: str = "events.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _error(path: Path) -> str:
    with pytest.raises(EventFormatError) as info:
        load_events(path)
    return str(info.value)


def test_the_bundled_record_covers_2017_to_2019_with_sources() -> None:
    record = bundled_record("korea")
    events = record.events
    assert len(events) >= 100
    assert events[0].date >= datetime.date(2017, 3, 1)
    assert events[-1].date <= datetime.date(2019, 12, 31)
    assert [e.date for e in events] == sorted(e.date for e in events)
    assert all(e.source and e.description for e in events)
    assert all(e.cameo in cameo_codes() for e in events)


def test_the_bundled_record_has_the_landmarks_of_the_period() -> None:
    by_day = {(e.date.isoformat(), e.cameo, e.action) for e in bundled_record().events}
    for landmark in [
        ("2017-09-03", "2042", None),  # the sixth nuclear test
        ("2017-07-04", "150", "missile_test.icbm"),
        ("2017-11-29", "150", "missile_test.icbm"),
        ("2018-04-20", "087", None),  # the moratorium
        ("2018-06-12", "057", None),  # Singapore
        ("2019-02-28", "046", None),  # Hanoi
        ("2019-03-04", "150", "large_scale_drills.scaled_down"),  # Dong Maeng
        ("2019-05-04", "150", "missile_test.short_range"),
    ]:
        assert landmark in by_day
    resolutions = {
        e.description.split()[1] for e in bundled_record().events if e.actors == ("UNSC",)
    }
    assert {"2356", "2371", "2375", "2397"} <= resolutions


def test_uncertain_rows_say_what_is_uncertain() -> None:
    flagged = [e for e in bundled_record().events if e.uncertain is not None]
    assert flagged
    assert all(len(e.uncertain or "") > 10 for e in flagged)


def test_the_cameo_list_has_the_codebook_scores() -> None:
    codes = cameo_codes()
    assert len(codes) == 312
    assert codes["150"].goldstein == -7.2
    assert codes["0356"].name == "Express intent to de-escalate military engagement"


def test_csv_and_parquet_load_the_same(tmp_path: Path) -> None:
    record = bundled_record()
    rows = [
        {
            "date": e.date,
            "actor": ";".join(e.actors),
            "target": ";".join(e.targets),
            "cameo": e.cameo,
            "action": e.action,
            "description": e.description,
            "source": e.source,
            "uncertain": e.uncertain,
        }
        for e in record.events
    ]
    path = tmp_path / "korea.parquet"
    pq.write_table(pa.Table.from_pylist(rows), path)
    assert load_events(path).events == record.events


def test_a_parquet_code_must_be_text(tmp_path: Path) -> None:
    path = tmp_path / "ints.parquet"
    rows = [{"date": "2018-01-01", "actor": "PRK", "target": "", "cameo": 36}]
    rows[0].update(description="d", source="s")
    pq.write_table(pa.Table.from_pylist(rows), path)
    text = _error(path)
    assert "column 'cameo': not text" in text
    assert "int64" in text


def test_loading_is_deterministic(tmp_path: Path) -> None:
    text = HEADER + "2018-01-01,PRK,KOR,036,,offer,KCNA,\n2018-01-02,USA;KOR,PRK,087,,defer,WH,\n"
    path = _write(tmp_path, text)
    assert load_events(path) == load_events(path)


def test_a_bundled_name_or_a_path(tmp_path: Path) -> None:
    assert load_record("korea") == bundled_record("korea")
    path = _write(tmp_path, HEADER + "2018-01-01,PRK,,150,,a test,KCNA,\n")
    assert len(load_record(str(path)).events) == 1
    with pytest.raises(EventFormatError, match="no bundled record of this name"):
        bundled_record("atlantis")


@pytest.mark.parametrize(
    ("row", "column", "value", "message"),
    [
        ("2018-13-01,PRK,,150,,x,s,", "date", "2018-13-01", "no such day"),
        ("01/02/2018,PRK,,150,,x,s,", "date", "01/02/2018", "not an ISO 8601 date"),
        ("2018-01-02,PRK,,9999,,x,s,", "cameo", "9999", "not a code of the CAMEO list"),
        ("2018-01-02,PRK,,15a,,x,s,", "cameo", "15a", "2 to 4 digits"),
        ("2018-01-02,PRK,,36,,x,s,", "cameo", "36", "not a code of the CAMEO list"),
        ("2018-01-02,,,150,,x,s,", "actor", "", "an event needs an actor"),
        ("2018-01-02,P RK,,150,,x,s,", "actor", "P RK", "letters and digits"),
        ("2018-01-02,PRK,JPN;JPN,150,,x,s,", "target", "JPN;JPN", "given twice"),
        ("2018-01-02,PRK,,150,missile test,x,s,", "action", "missile test", "an action id"),
    ],
)
def test_a_bad_value_is_named_by_file_row_and_column(
    tmp_path: Path, row: str, column: str, value: str, message: str
) -> None:
    path = _write(tmp_path, HEADER + "2018-01-01,PRK,,150,,first,s,\n" + row + "\n")
    text = _error(path)
    assert text.startswith(str(path))
    assert f"row 2, column '{column}'" in text
    assert message in text
    assert repr(value) in text


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    path = _write(tmp_path, HEADER + "2018-13-01,PRK,,150,,x,s,\n2018-01-02,PRK,,9999,,x,s,\n")
    text = _error(path)
    assert "row 1, column 'date'" in text
    assert "row 2, column 'cameo'" in text


def test_out_of_order_dates_are_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, HEADER + "2018-02-01,PRK,,150,,a,s,\n2018-01-01,PRK,,150,,b,s,\n")
    text = _error(path)
    assert "row 2, column 'date'" in text
    assert "out of order" in text
    assert "2018-02-01" in text


def test_duplicate_rows_are_refused(tmp_path: Path) -> None:
    line = "2018-01-01,PRK,,150,,a launch,s,\n"
    text = _error(_write(tmp_path, HEADER + line + line))
    assert "row 2: duplicate of row 1" in text


def test_an_empty_file_or_a_header_alone_is_refused(tmp_path: Path) -> None:
    assert "empty file" in _error(_write(tmp_path, ""))
    assert "header only" in _error(_write(tmp_path, HEADER, "header.csv"))


def test_a_file_of_another_format_says_what_is_missing(tmp_path: Path) -> None:
    missiles = "date,missile_name,missile_type,facility,confirmation,outcome,source\n"
    text = _error(
        _write(tmp_path, missiles + "2017-07-04,Hwasong-14,ICBM,Panghyon,Confirmed,Success,x\n")
    )
    assert "not an event file: missing column(s) actor, target, cameo, description" in text
    yaml_text = "id: korea\nrounds: 40\nparties: [{id: A}]\n"
    assert "missing column(s) date, actor" in _error(_write(tmp_path, yaml_text, "k.yaml"))
    assert "not UTF-8" in _error(_write_bytes(tmp_path / "b.csv", b"\xff\xfe\x00binary"))
    assert "not a Parquet file" in _error(_write(tmp_path, HEADER, "fake.parquet"))


def _write_bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_unknown_columns_and_ragged_rows_are_refused(tmp_path: Path) -> None:
    text = _error(_write(tmp_path, HEADER.strip() + ",notes\n2018-01-01,PRK,,150,,a,s,,n\n"))
    assert "unknown column(s) notes" in text
    text = _error(_write(tmp_path, HEADER + "2018-01-01,PRK,,150,,a,s,,extra\n", "r.csv"))
    assert "row 1: more values than the header has columns" in text


def test_the_required_columns_are_documented() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "record.md").read_text(encoding="utf-8")
    assert all(f"`{c}`" in doc for c in REQUIRED)


def test_a_missing_file(tmp_path: Path) -> None:
    assert "no such file" in _error(tmp_path / "nope.csv")


def test_quoted_fields_keep_commas(tmp_path: Path) -> None:
    buf = io.StringIO()
    csv.writer(buf).writerow(["2018-01-01", "PRK", "", "150", "", "a, b", "s", ""])
    record = load_events(_write(tmp_path, HEADER + buf.getvalue()))
    assert record.events[0].description == "a, b"


def test_the_bundled_data_is_package_data() -> None:
    """Every data file is matched by pyproject's package-data globs, so wheels carry it."""
    import fnmatch
    import tomllib

    root = Path(__file__).resolve().parents[2]
    pyproject = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    globs = pyproject["tool"]["setuptools"]["package-data"]["detente"]
    data = root / "src" / "detente" / "record" / "data"
    files = [p.relative_to(data.parents[1]).as_posix() for p in data.iterdir()]
    assert len(files) >= 5
    assert all(any(fnmatch.fnmatch(f, g) for g in globs) for f in files)
