"""Events become moves: rules, dyads, levels, standing policies, deals, periods, reasons."""

from __future__ import annotations

import datetime
import json
from functools import cache
from pathlib import Path

import pytest
from scripts.record_golden import OUTPUT, golden

from detente.record.errors import MappingError, RecordError
from detente.record.events import EventRecord, bundled_record, parse_csv
from detente.record.mapping import MappedRecord, map_record, mapped_payload
from detente.record.rules import EventMapping, load_mapping, mapping_path, parse_mapping
from detente.scenario import load_scenario
from detente.scenario.compiled import CompiledScenario, compile_scenario
from detente.scenario.moves import NamedMove

HEADER = "date,actor,target,cameo,action,description,source\n"


@cache
def korea() -> CompiledScenario:
    return compile_scenario(load_scenario("korea"))


@cache
def bundled_mapping() -> EventMapping:
    return load_mapping("korea.mapping.yaml", korea())


def _record(*rows: str) -> EventRecord:
    lines = [f"{r},d{i},s" for i, r in enumerate(rows)]
    return parse_csv(HEADER + "\n".join(lines) + "\n", "test.csv")


def _map(*rows: str, **kwargs: object) -> MappedRecord:
    return map_record(korea(), _record(*rows), bundled_mapping(), **kwargs)  # type: ignore[arg-type]


def _moves(mapped: MappedRecord) -> list[dict[str, NamedMove]]:
    return [{p: m for p, m in r.moves.items() if m.actions or m.offers} for r in mapped.rounds]


def test_every_bundled_event_maps_as_the_golden_file_says() -> None:
    assert json.loads(Path(OUTPUT).read_text(encoding="utf-8")) == golden()


def test_the_bundled_record_shows_the_period() -> None:
    mapped = map_record(korea(), bundled_record(), bundled_mapping())
    assert len(mapped.rounds) == 34  # March 2017 to December 2019
    by_month = {r.start.isoformat()[:7]: r.moves for r in mapped.rounds}
    assert "nuclear_test" in by_month["2017-09"]["DPRK"].actions
    assert by_month["2017-11"]["DPRK"].actions == ("missile_test.icbm",)
    assert by_month["2018-04"]["DPRK"].actions == ("freeze_tests",)
    singapore = by_month["2018-06"]
    assert "summit" in singapore["US"].actions
    assert "summit" in singapore["DPRK"].actions
    assert singapore["DPRK"].offers == ("dprk_freeze",)
    assert singapore["ROK"].offers == ("rok_suspend",)
    assert by_month["2019-02"]["US"].actions == ("summit",)
    assert by_month["2019-05"]["DPRK"].actions == ("missile_test.short_range",)
    assert by_month["2019-12"]["DPRK"].actions == ("end_moratorium",)
    assert len(mapped.mapped_events()) + len(mapped.unmapped) == len(bundled_record().events)


def test_every_unmapped_event_has_a_reason_and_none_is_dropped() -> None:
    mapped = map_record(korea(), bundled_record(), bundled_mapping())
    assert all(why for _, why in mapped.unmapped)
    reasons = {why.split(":")[0] for _, why in mapped.unmapped}
    assert "not modelled" in reasons
    mapped_rows = {e.row for e in mapped.mapped_events()}
    unmapped_rows = {e.row for e, _ in mapped.unmapped}
    assert not mapped_rows & unmapped_rows
    assert mapped_rows | unmapped_rows == {e.row for e in bundled_record().events}


def test_the_same_code_is_read_by_its_dyad() -> None:
    mapped = _map("2018-01-04,USA;KOR,PRK,087,", "2018-01-20,PRK,,087,")
    moves = _moves(mapped)[0]
    assert moves["US"].actions == moves["ROK"].actions == ("suspend_drills",)
    assert moves["DPRK"].actions == ("freeze_tests",)


def test_a_rule_for_a_pair_does_not_match_one_of_them_alone() -> None:
    mapped = _map("2017-09-23,USA,PRK,150,")
    assert _moves(mapped) == [{}]
    assert "show of force by the US alone" in mapped.unmapped[0][1]


def test_the_action_column_comes_before_the_rules() -> None:
    mapped = _map("2019-03-04,USA;KOR,PRK,150,large_scale_drills.scaled_down")
    assert _moves(mapped)[0]["US"].actions == ("large_scale_drills.scaled_down",)


def test_one_level_per_move_keeps_the_strongest_and_says_so() -> None:
    mapped = _map(
        "2017-08-25,PRK,,150,missile_test.short_range",
        "2017-08-29,PRK,,150,missile_test.intermediate",
    )
    assert _moves(mapped)[0]["DPRK"].actions == ("missile_test.intermediate",)
    assert mapped.rounds[0].notes == (
        "DPRK: missile_test.intermediate kept over missile_test.short_range (one level per move)",
    )
    assert mapped.unmapped[0][0].row == 1
    assert "superseded by DPRK.missile_test.intermediate" in mapped.unmapped[0][1]


def test_a_standing_policy_is_one_action_in_the_round_it_starts() -> None:
    mapped = _map("2018-04-20,PRK,,087,", "2018-05-24,PRK,,087,", "2018-07-23,PRK,,087,")
    assert [m.get("DPRK", NamedMove()).actions for m in _moves(mapped)] == [
        ("freeze_tests",),
        (),
        (),
        (),
    ]
    assert [why for _, why in mapped.unmapped] == [
        "DPRK.freeze_tests already in force since 2018-04-20"
    ] * 2


def test_a_revocation_is_a_move_only_while_its_policy_is_in_force() -> None:
    never = _map("2019-12-31,PRK,USA,1246,")
    assert _moves(never) == [{}]
    assert never.unmapped[0][1] == "DPRK.end_moratorium revokes freeze_tests, which is not in force"
    ended = _map("2018-04-20,PRK,,087,", "2019-12-31,PRK,USA,1246,", "2020-01-05,PRK,,087,")
    dprk = [m.get("DPRK", NamedMove()).actions for m in _moves(ended)]
    assert dprk[0] == ("freeze_tests",)
    assert dprk[20] == ("end_moratorium",)
    assert dprk[21] == ("freeze_tests",)  # started again after its revocation


def test_full_drills_during_a_suspension_end_it_but_scaled_down_ones_do_not() -> None:
    mapped = _map(
        "2018-01-04,USA;KOR,PRK,087,",
        "2018-02-04,USA;KOR,PRK,150,large_scale_drills.scaled_down",
        "2018-04-01,USA;KOR,PRK,150,",
        "2018-06-18,USA;KOR,PRK,087,",
    )
    us = [m.get("US", NamedMove()).actions for m in _moves(mapped)]
    assert us == [
        ("suspend_drills",),
        ("large_scale_drills.scaled_down",),
        (),
        ("large_scale_drills.full", "resume_drills"),
        (),
        ("suspend_drills",),
    ]
    assert (
        "US: large_scale_drills.full while suspend_drills is in force ends it"
        in (mapped.rounds[3].notes[0])
    )


def test_a_deal_announced_is_every_partys_offer_and_its_policies_are_in_force() -> None:
    mapped = _map("2018-06-12,USA,PRK;KOR,0356,", "2018-07-18,USA;KOR,PRK,087,")
    first = _moves(mapped)[0]
    assert first["US"].offers == ("us_suspend",)
    assert first["ROK"].offers == ("rok_suspend",)
    assert first["DPRK"].offers == ("dprk_freeze",)
    assert _moves(mapped)[1] == {}
    assert mapped.unmapped[0][1].startswith("US.suspend_drills already in force since 2018-06-12")
    origins = mapped.rounds[0].origins["US.offer:us_suspend"]
    assert [e.row for e in origins] == [1]


def test_actors_that_are_not_parties_are_unmapped_with_the_reason() -> None:
    mapped = _map("2017-06-02,UNSC,PRK,010,")  # no rule for the body reads a statement
    assert mapped.unmapped[0][1] == "actor not a party: UNSC"


def test_a_body_s_resolution_is_its_members_votes() -> None:
    mapped = _map("2017-06-02,UNSC,PRK,163,", "2017-08-05,UNSC,PRK,163,")
    moves = _moves(mapped)[-1]
    for party in ("US", "CHN", "RUS"):
        assert moves[party].actions == ("unscr_2371.in_favour",)
    assert set(moves) == {"US", "CHN", "RUS"}
    assert "no resolution for" in mapped.unmapped[0][1]  # 2356: listings korea does not model


def test_an_event_without_a_rule_says_which_dyad_and_code() -> None:
    mapping = parse_mapping(
        "scenario: korea\nrules:\n"
        "  - {when: {actors: [DPRK], cameo: '2042'}, take: [nuclear_test]}\n",
        "tiny.yaml",
        korea(),
    )
    mapped = map_record(korea(), _record("2018-01-01,USA;KOR,PRK,087,"), mapping)
    assert mapped.unmapped[0][1] == "no rule for US+ROK 087 -> DPRK"


@pytest.mark.parametrize(
    ("unit", "starts"),
    [
        ("month", ["2018-01-01", "2018-02-01", "2018-03-01"]),
        ("quarter", ["2018-01-01"]),
        ("week", ["2018-01-01", "2018-01-08"]),
    ],
)
def test_rounds_are_periods(unit: str, starts: list[str]) -> None:
    rows = ["2018-01-02,PRK,,2042,", "2018-01-09,PRK,,2042,", "2018-03-01,PRK,,2042,"]
    until = datetime.date(2018, 1, 14) if unit == "week" else None
    mapped = _map(*rows, unit=unit, until=until)
    assert [r.start.isoformat() for r in mapped.rounds] == starts
    ends = [r.end + datetime.timedelta(days=1) for r in mapped.rounds]
    assert [e.isoformat() for e in ends[:-1]] == starts[1:]
    assert sum(len(r.events) for r in mapped.rounds) == (2 if unit == "week" else 3)


def test_events_outside_the_period_are_listed() -> None:
    mapped = _map(
        "2017-09-03,PRK,,2042,",
        "2018-04-20,PRK,,087,",
        "2019-12-31,PRK,USA,1246,",
        since=datetime.date(2018, 1, 15),
        until=datetime.date(2018, 12, 31),
    )
    assert next(r.start.isoformat() for r in mapped.rounds) == "2018-01-01"
    assert len(mapped.rounds) == 12
    assert [why for _, why in mapped.unmapped] == [
        "outside the replayed period (before it)",
        "outside the replayed period (after it)",
    ]


def test_period_bounds_outside_the_record_are_refused() -> None:
    with pytest.raises(RecordError, match=r"until: before the record's first event \(2018-01-02\)"):
        _map("2018-01-02,PRK,,2042,", until=datetime.date(2017, 1, 1))
    with pytest.raises(RecordError, match="from: after the record's last event"):
        _map("2018-01-02,PRK,,2042,", since=datetime.date(2019, 1, 1))
    with pytest.raises(RecordError, match="the unit is one of month, week, quarter"):
        _map("2018-01-02,PRK,,2042,", unit="day")


def test_unknown_actors_and_impossible_actions_are_named_by_row_and_column() -> None:
    with pytest.raises(RecordError) as info:
        _map(
            "2018-01-02,PKR,,2042,", "2018-01-03,PRK,XYZ,2042,", "2018-01-04,USA,,150,nuclear_test"
        )
    text = str(info.value)
    assert "row 1, column 'actor': unknown actor" in text
    assert "'PKR'" in text
    assert "row 2, column 'target': unknown actor" in text
    assert "row 3, column 'action': US cannot take it" in text


def test_a_graded_action_needs_its_level() -> None:
    with pytest.raises(RecordError, match="row 1, column 'action': a graded action: name a level"):
        _map("2018-01-02,PRK,,150,missile_test")


def test_mapping_problems_are_reported_at_once_with_their_paths() -> None:
    text = """scenario: ipd
others: {PRK: party code}
policies: {summit: {ended_by: [nope]}}
rules:
  - {when: {actors: [NOBODY], cameo: '15x', target: MARS}, take: [missile_test, summit]}
  - {when: {actors: [US]}, deals: [no_deal]}
  - {when: {body: UN, cameo: '163'}, moves: {US: [unscr_2371.yes], MARS: [summit]}}
  - {when: {actors: [US]}, take: [summit], none: both}
"""
    with pytest.raises(MappingError) as info:
        parse_mapping(text, "bad.mapping.yaml", korea())
    text_ = str(info.value)
    assert "rules[3]: Value error, give `take`, `deals` and/or `moves`, or `none`" in text_
    bad = text.replace("  - {when: {actors: [US]}, take: [summit], none: both}\n", "")
    with pytest.raises(MappingError) as info:
        parse_mapping(bad, "bad.mapping.yaml", korea())
    lines = str(info.value).splitlines()
    for expected in [
        "bad.mapping.yaml: scenario: the mapping is for another scenario than 'korea'",
        "others.PRK: a party's code",
        "policies.summit: not a standing policy",
        "policies.summit.ended_by[0]: not an action of the scenario",
        "rules[0].when.cameo: a CAMEO code or prefix is 2 to 4 digits",
        "rules[0].when.actors[0]: not a party",
        "rules[0].when.target: not a party",
        "rules[0].take[0]: a graded action: name a level",
        "rules[1].deals[0]: not a deal",
        "rules[2].when.body: not a code of `others:`",
        "rules[2].moves.US[0]:",
        "rules[2].moves.MARS[0]:",
    ]:
        assert any(expected in line for line in lines), expected


def test_a_mapping_file_that_is_not_yaml_or_missing(tmp_path: Path) -> None:
    with pytest.raises(MappingError, match=r"bad\.yaml"):
        parse_mapping("rules: [", "bad.yaml", korea())
    with pytest.raises(MappingError, match="no such mapping file"):
        load_mapping(tmp_path / "none.mapping.yaml", korea())


def test_the_mapping_lives_beside_its_scenario(tmp_path: Path) -> None:
    assert mapping_path("korea") == "korea.mapping.yaml"
    assert mapping_path(str(tmp_path / "my.yaml")) == tmp_path / "my.mapping.yaml"


def test_mapping_is_deterministic() -> None:
    first = mapped_payload(map_record(korea(), bundled_record(), bundled_mapping()))
    second = mapped_payload(map_record(korea(), bundled_record(), bundled_mapping()))
    assert first == second
