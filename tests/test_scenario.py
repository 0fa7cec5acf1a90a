"""Scenarios: event profiles by hand, every validation rule, files, the built-in catalog."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rareearth.catalog import PRODUCING_STAGES, resolve_commodities
from rareearth.errors import RareEarthError, ScenarioError, UnknownNameError
from rareearth.records import STAGES
from rareearth.scenario import (
    CapacityShock,
    DemandShock,
    ExportQuota,
    ExportRestriction,
    Scenario,
    Uncertainty,
    load_scenario,
    scenarios,
)
from tests.factory import stand_in

BUILT_IN = ["china-2010", "china-2025-heavy", "china-2025-october", "japan-embargo",
            "myanmar-outage"]


def event(**fields: Any) -> dict[str, Any]:
    base = {"type": "export_restriction", "exporter": "CN", "severity": 1.0,
            "start": "2010-03", "end": "2010-04"}
    return {**base, **fields}


def scenario(*events: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"name": "test", "start": "2010-01", "months": 12, "events": list(events), **fields}


def load_text(tmp_path: Path, text: str, suffix: str = ".yaml") -> Scenario:
    path = tmp_path / f"bad{suffix}"
    path.write_text(text, encoding="utf-8")
    return load_scenario(path)


# ---------------------------------------------------------------------------- intensity


def test_day_precise_embargo_covers_partial_months() -> None:
    ev = ExportRestriction(exporter="CN", targets=["JP"], severity=1,
                           start="2010-09-21", end="2010-11-20")
    got = ev.intensity(pd.Period("2010-01", freq="M"), 24)
    expected = np.zeros(24)
    expected[8:11] = [10 / 30, 1.0, 20 / 30]  # Sep 21-30, all October, Nov 1-20
    np.testing.assert_allclose(got, expected, atol=1e-12)


def test_month_precise_step_is_zero_or_one() -> None:
    ev = DemandShock(country="JP", sector="automotive", factor=0.5, start="2010-03", end="2010-04")
    np.testing.assert_array_equal(ev.intensity("2010-01", 6), [0, 0, 1, 1, 0, 0])


def test_leap_february_partial() -> None:
    ev = DemandShock(country="JP", sector="all", factor=0, start="2024-02-15", end="2024-02-29")
    np.testing.assert_allclose(ev.intensity("2024-02", 2), [15 / 29, 0.0])


def test_ramp_in_is_linear_within_months() -> None:
    # rises from 0 at 1 Jan to 1 at 1 Mar: monthly means 1/4 and 3/4
    ev = DemandShock(country="JP", sector="automotive", factor=0.5,
                     start="2025-01", end="2025-06", ramp_in_months=2)
    np.testing.assert_allclose(ev.intensity("2025-01", 7), [0.25, 0.75, 1, 1, 1, 1, 0])


def test_ramp_out_ends_at_the_end_date() -> None:
    # falls from 1 at 1 Oct to 0 at the end of December
    ev = CapacityShock(country="MM", stage="mining", factor=0.5,
                       start="2025-04", end="2025-12", ramp_out_months=3)
    got = ev.intensity("2025-09", 5)
    np.testing.assert_allclose(got, [1, 5 / 6, 1 / 2, 1 / 6, 0])


def test_overlapping_ramps_make_a_triangle() -> None:
    ev = DemandShock(country="JP", sector="automotive", factor=0.5, start="2025-01",
                     end="2025-02", ramp_in_months=1, ramp_out_months=1)
    np.testing.assert_allclose(ev.intensity("2025-01", 3), [0.5, 0.5, 0])


def test_event_outside_part_of_horizon_and_empty_horizon() -> None:
    ev = DemandShock(country="JP", sector="automotive", factor=0.5, start="2009-06", end="2010-02")
    np.testing.assert_array_equal(ev.intensity("2010-01", 3), [1, 1, 0])
    assert ev.intensity("2010-01", 0).shape == (0,)


def test_scenario_intensity_and_periods() -> None:
    sc = Scenario.from_dict(scenario(event(), event(start="2010-12-17", end="2011-01")))
    assert list(sc.periods.astype(str)) == [f"2010-{m:02d}" for m in range(1, 13)]
    assert sc.periods.freqstr == "M"
    table = sc.intensity()
    assert table.shape == (2, 12)
    assert table[1, 11] == pytest.approx(15 / 31)


@settings(max_examples=60, deadline=None)
@given(
    start=st.dates(min_value=pd.Timestamp("2009-01-01").date(),
                   max_value=pd.Timestamp("2012-12-31").date()),
    length=st.integers(min_value=0, max_value=700),
    ramp_in=st.floats(min_value=0, max_value=12),
    ramp_out=st.floats(min_value=0, max_value=12),
)
def test_intensity_is_within_bounds(start: Any, length: int, ramp_in: float,
                                    ramp_out: float) -> None:
    end = start + pd.Timedelta(days=length)
    ev = DemandShock(country="JP", sector="all", factor=0.5, start=start.isoformat(),
                     end=end.isoformat(), ramp_in_months=ramp_in, ramp_out_months=ramp_out)
    got = ev.intensity("2009-01", 96)  # the horizon holds every drawn event
    assert ((got >= 0) & (got <= 1)).all()
    if ramp_in == ramp_out == 0:  # a step covers exactly its days
        days = np.asarray(pd.period_range("2009-01", periods=96, freq="M").days_in_month)
        assert (got * days).sum() == pytest.approx(length + 1)


# ---------------------------------------------------------------------------- validation rules


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (scenario(event(severity=1.5)), r"events\[0\]\.severity: must be ≤ 1 \(got 1\.5\)"),
        (scenario(event(severity=-0.1)), r"events\[0\]\.severity: must be ≥ 0"),
        (scenario(event(type="embargo")), r"events\[0\]\.type: unknown type 'embargo'; allowed"),
        (scenario({"exporter": "CN"}), r"events\[0\]\.type: 'type' is missing"),
        (scenario(event(start="2010-05", end="2010-04")),
         r"events\[0\]\.end: is before start '2010-05'"),
        (scenario(event(start="2010-05-02", end="2010-05-01")), r"events\[0\]\.end: is before"),
        (scenario(event(start="2010/09/21")), r"events\[0\]\.start: must be a date 'YYYY-MM'"),
        (scenario(event(end="2010-02-30")), r"events\[0\]\.end: is not a calendar date"),
        (scenario(event(colour="red")), r"events\[0\]\.colour: unknown field; allowed: .*severity"),
        (scenario(event(exporter="cn")), r"events\[0\]\.exporter: must be an upper-case country"),
        (scenario(event(targets=["CN"])), r"events\[0\]\.targets: lists the exporter 'CN'"),
        (scenario(event(targets="JP")), r"events\[0\]\.targets: must be 'all' or a list"),
        (scenario(event(targets=[])), r"events\[0\]\.targets: must not be empty"),
        (scenario(event(commodities="heavy")), r"events\[0\]\.commodities: must be 'all' or a"),
        (scenario(event(commodities=[])), r"events\[0\]\.commodities: must not be empty"),
        (scenario(event(commodities=["NdPr", "NdPr"])), r"commodities: lists NdPr more than once"),
        (scenario(event(ramp_in_months=-1)), r"events\[0\]\.ramp_in_months: must be ≥ 0"),
        (scenario(event(type="export_quota", severity=None, tonnes_per_year=-5)),
         r"events\[0\]\.severity: unknown field"),
        (scenario({"type": "export_quota", "exporter": "CN", "tonnes_per_year": -5,
                   "start": "2010-01", "end": "2010-02"}),
         r"events\[0\]\.tonnes_per_year: must be ≥ 0 \(got -5\)"),
        (scenario({"type": "capacity_shock", "node": "CN:mining", "country": "CN", "factor": 0.5,
                   "start": "2010-01", "end": "2010-02"}),
         r"events\[0\]\.node: give either node, or country"),
        (scenario({"type": "capacity_shock", "factor": 0.5, "start": "2010-01",
                   "end": "2010-02"}), r"events\[0\]\.country: give a node id, or a country"),
        (scenario({"type": "capacity_shock", "node": "JP:end_use:automotive", "factor": 0.5,
                   "start": "2010-01", "end": "2010-02"}), r"events\[0\]\.node: is an end-use"),
        (scenario({"type": "capacity_shock", "node": "CN-mining", "factor": 0.5,
                   "start": "2010-01", "end": "2010-02"}), r"events\[0\]\.node: node id 'CN-mining'"),
        (scenario({"type": "capacity_shock", "country": "MM", "stage": "end_use", "factor": 0.5,
                   "start": "2010-01", "end": "2010-02"}), r"events\[0\]\.stage: must be one of"),
        (scenario({"type": "capacity_shock", "country": "MM", "factor": -1,
                   "start": "2010-01", "end": "2010-02"}), r"events\[0\]\.factor: must be ≥ 0"),
        (scenario({"type": "demand_shock", "country": "JP", "sector": "Automotive", "factor": 1,
                   "start": "2010-01", "end": "2010-02"}), r"events\[0\]\.sector: must match"),
        (scenario({"type": "demand_shock", "country": "JP", "factor": 1,
                   "start": "2010-01", "end": "2010-02"}), r"events\[0\]\.sector: is required"),
        (scenario(event(start="2012-03", end="2012-04")),
         r"events\[0\]: 2012-03…2012-04 lies outside the horizon 2010-01…2010-12"),
        (scenario(months=0), r"months: must be ≥ 1 \(got 0\)"),
        (scenario(start="2010-01-05"), r"start: must be a month 'YYYY-MM'"),
        (scenario(name="China 2010"), r"name: must match"),
        (scenario(uncertainty={"severity_scale": [1.2, 0.8]}),
         r"uncertainty\.severity_scale: low must be ≤ high \(got \[1\.2, 0\.8\]\)"),
        (scenario(uncertainty={"duration_scale": [-1, 1]}),
         r"uncertainty\.duration_scale: low must be > 0"),
        (scenario(uncertainty={"spread": [0, 1]}), r"uncertainty\.spread: unknown field; allowed: "
                                                   r"severity_scale"),
        ({"start": "2010-01", "months": 3}, r"name: is required"),
    ],
)
def test_every_rule_names_the_field(data: dict[str, Any], match: str) -> None:
    with pytest.raises(ScenarioError, match=match):
        Scenario.from_dict(data, source="my.yaml")


def test_message_names_file_and_field(tmp_path: Path) -> None:
    text = ("name: x\nstart: 2010-01\nmonths: 3\nevents:\n- {type: export_restriction, "
            "exporter: CN, severity: 1.5, start: 2010-01, end: 2010-02}\n")
    with pytest.raises(ScenarioError) as info:
        load_text(tmp_path, text)
    assert str(info.value) == f"{tmp_path / 'bad.yaml'}: events[0].severity: must be ≤ 1 (got 1.5)"
    assert isinstance(info.value, ValueError)  # the family refines the builtin


def test_every_problem_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as info:
        Scenario.from_dict(scenario(event(severity=2), event(exporter="x")), source="s.yaml")
    lines = str(info.value).splitlines()
    assert lines[0].startswith("s.yaml: events[0].severity")
    assert lines[1].startswith("s.yaml: events[1].exporter")


def test_unquoted_yaml_dates_stay_text(tmp_path: Path) -> None:
    text = ("name: x\nstart: 2010-01\nmonths: 12\nevents:\n- {type: export_restriction, "
            "exporter: CN, targets: [JP], severity: 1, start: 2010-09-21, end: 2010-11-20}\n")
    sc = load_text(tmp_path, text)
    assert sc.events[0].start == "2010-09-21"
    assert load_scenario(sc.save(tmp_path / "again.yaml")) == sc


@pytest.mark.parametrize(
    ("text", "suffix", "match"),
    [
        ("name: x\nstart: [2010-01\n", ".yaml", r"bad\.yaml:3:1: malformed YAML"),
        ('{"name": "x",\n "start": }', ".json", r"bad\.json:2:11: malformed JSON: Expecting value"),
        ("- a\n- b\n", ".yaml", r"bad\.yaml: must hold a mapping of fields \(got list\)"),
        ("", ".yml", r"bad\.yml: must hold a mapping of fields \(got NoneType\)"),
        ("name: x", ".txt", r"bad\.txt: unknown file type '\.txt'"),
    ],
)
def test_malformed_files(tmp_path: Path, text: str, suffix: str, match: str) -> None:
    with pytest.raises(ScenarioError, match=match):
        load_text(tmp_path, text, suffix)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=r"nope\.yaml: file not found"):
        load_scenario(tmp_path / "nope.yaml")
    with pytest.raises(ScenarioError, match=r"nope\.json: file not found"):
        load_scenario(str(tmp_path / "nope.json"))


def test_unknown_built_in_name_suggests() -> None:
    with pytest.raises(UnknownNameError, match=r"unknown built-in scenario 'china-201'; did you "
                                               r"mean 'china-2010'\?") as info:
        load_scenario("china-201")
    assert isinstance(info.value, LookupError)
    assert "china-2025-heavy" in str(info.value)


@pytest.mark.parametrize("name", ["../options/combined", "..", "a/b", "/etc/passwd", "China-2010",
                                  "scenarios/../china-2010", ""])
def test_names_never_leave_the_catalog(name: str) -> None:
    with pytest.raises(ScenarioError, match="neither a built-in scenario name"):
        load_scenario(name)


def test_traversal_with_a_yaml_suffix_is_a_plain_path(tmp_path: Path) -> None:
    # a path is read as a path (the user's own file), never joined to the catalog folder
    with pytest.raises(ScenarioError, match="file not found"):
        load_scenario(str(tmp_path / ".." / "missing-dir" / "x.yaml"))


def test_save_rejects_unknown_suffix(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=r"unknown file type '\.toml'"):
        load_scenario("japan-embargo").save(tmp_path / "x.toml")
    assert not list(tmp_path.iterdir())


# ---------------------------------------------------------------------------- catalog


def test_catalog_lists_the_built_ins() -> None:
    assert scenarios() == sorted(BUILT_IN)


@pytest.mark.parametrize("name", BUILT_IN)
@pytest.mark.parametrize("suffix", [".yaml", ".json", ".yml"])
def test_built_ins_round_trip(tmp_path: Path, name: str, suffix: str) -> None:
    sc = load_scenario(name)
    path = sc.save(tmp_path / f"{name}{suffix}")
    again = load_scenario(path)
    assert again == sc
    assert again.model_dump(mode="json") == sc.model_dump(mode="json")
    if suffix == ".json":
        assert json.loads(path.read_text(encoding="utf-8")) == sc.to_dict()


@pytest.mark.parametrize("name", BUILT_IN)
def test_built_ins_are_documented_and_fit_a_network(name: str) -> None:
    sc = load_scenario(name)
    assert sc.name == name
    assert sc.description.strip() and sc.sources and sc.title
    assert sc.dataset in ("world-2009", "world-2024")
    sc.validate_for(stand_in())
    for ev in sc.events:
        spec = getattr(ev, "commodities", "all")
        assert spec == "all" or set(spec) <= {"NdPr", "DyTb", "LaCe", "magnet", "heavy",
                                              "materials"}


def test_china_2010_quota_and_holds() -> None:
    sc = load_scenario("china-2010")
    assert (sc.start, sc.months, sc.dataset) == ("2010-01", 24, "world-2009")
    quota = sc.events[0]
    assert isinstance(quota, ExportQuota)
    assert quota.tonnes_per_year == 30300  # the 2010 annual quota, binding from July
    assert quota.start == "2010-07"
    japan = sc.events[1]
    assert isinstance(japan, ExportRestriction)
    assert (japan.targets, japan.severity, japan.start, japan.end) == (
        ["JP"], 1.0, "2010-09-21", "2010-11-20")
    us_eu = sc.events[2]
    assert isinstance(us_eu, ExportRestriction)
    assert us_eu.intensity(sc.periods[0], 24)[9] == pytest.approx(11 / 31)


def test_china_2025_heavy_severities_as_stated() -> None:
    sc = load_scenario("china-2025-heavy")
    magnets, us, heavy = sc.events
    assert all(isinstance(e, ExportRestriction) for e in sc.events)
    assert magnets.commodities == us.commodities == ["magnet"] and heavy.commodities == ["heavy"]
    assert magnets.targets == heavy.targets == "all" and us.targets == ["US"]
    months = sc.periods[0], sc.months
    cut = magnets.severity * magnets.intensity(*months)
    # the description: magnet exports -45%, -74%, -38% y/y in Apr-Jun 2025, +6% in July
    assert [round(float(x), 2) for x in cut[3:6]] == [0.45, 0.74, 0.38]
    assert cut[:3].sum() == cut[6:].sum() == 0
    # exports to the US: kept 46/603 of H1-2024 in May, 353/603 in June
    keep_us = (1 - cut) * (1 - us.severity * us.intensity(*months))
    assert keep_us[4] == pytest.approx(46 / 603, abs=0.005)
    assert keep_us[5] == pytest.approx(353 / 603, abs=0.005)
    heavy_cut = heavy.severity * heavy.intensity(*months)
    assert [round(float(x), 2) for x in heavy_cut[3:12]] == [0.75, 0.75, 0.58] + [0.5] * 6
    assert heavy_cut[12:].sum() == 0
    assert heavy.resolve_commodities(stand_in()) == ["DyTb"]


def test_china_2025_october_is_suspended_then_back() -> None:
    sc = load_scenario("china-2025-october")
    cuts = sc.intensity() * np.array([[e.severity] for e in sc.events])  # type: ignore[union-attr]
    total = cuts.sum(axis=0)
    assert total[:3].min() > 0  # the April regime, Oct-Dec 2025
    assert total[3:14].sum() == 0  # suspended to 10 Nov 2026
    assert total[14] > 0  # back in force from December 2026


def test_profile_gives_the_monthly_cut() -> None:
    ev = ExportRestriction(exporter="CN", targets="all", commodities=["magnet"], severity=0.5,
                           start="2025-04-16", end="2025-06",
                           profile={"2025-04": 0.8, "2025-05": 1.0, "2025-06": 0.2})
    cut = ev.severity * ev.intensity("2025-03", 5)
    # April: half the month's days in force, at 0.8 of severity 0.5
    assert cut == pytest.approx([0.0, 0.5 * 0.8 * 15 / 30, 0.5, 0.1, 0.0])
    # scaled severity scales each month (capped at 1), and a profile of severity 1 can grow
    up = ev.with_severity(3.0)
    assert up.severity == 1.0 and up.profile == {"2025-04": 1.0, "2025-05": 1.0, "2025-06": 0.3}
    # scaled duration stretches the profile over the new months, and it still validates
    long = ev.with_duration(2.0)
    assert long.profile is not None and sorted(long.profile)[0] == "2025-04"
    ExportRestriction.model_validate(long.model_dump())


@pytest.mark.parametrize(
    ("profile", "message"),
    [({"2025-04": 0.5}, "missing 2025-05"),
     ({"2025-04": 0.5, "2025-05": 0.5, "2025-07": 0.1}, "outside start…end: 2025-07"),
     ({"2025-04": 0.5, "2025-05": 1.5}, "2025-05: must be within 0…1")],
)
def test_profile_must_cover_the_event_months(profile: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ExportRestriction(exporter="CN", targets="all", severity=1.0, start="2025-04",
                          end="2025-05", profile=profile)


def test_other_built_ins() -> None:
    embargo = load_scenario("japan-embargo").events[0]
    assert isinstance(embargo, ExportRestriction)
    assert (embargo.targets, embargo.commodities, embargo.severity) == (["JP"], "all", 1.0)
    assert embargo.intensity("2025-01", 24).sum() == 12
    outage = load_scenario("myanmar-outage").events[0]
    assert isinstance(outage, CapacityShock)
    assert (outage.country, outage.stage, outage.factor) == ("MM", "mining", 0.5)


# ---------------------------------------------------------------------------- against a network


def test_resolve_commodities_aliases() -> None:
    net = stand_in()
    assert resolve_commodities("all", net) == ["NdPr", "DyTb", "LaCe", "magnet"]
    assert resolve_commodities(["heavy"], net) == ["DyTb"]
    assert resolve_commodities(["light", "magnet"], net) == ["NdPr", "LaCe", "magnet"]
    assert resolve_commodities(["materials", "NdPr"], net) == ["NdPr", "DyTb", "LaCe"]


def test_resolve_commodities_with_id_column() -> None:
    net = SimpleNamespace(commodities=["NdPr", "SmGd", "magnet"],
                          materials=pd.DataFrame({"id": ["NdPr", "SmGd"],
                                                  "group": ["light", "heavy"]}))
    assert resolve_commodities(["heavy"], net) == ["SmGd"]


def test_alias_without_members_is_an_error() -> None:
    net = SimpleNamespace(commodities=["NdPr", "magnet"],
                          materials=pd.DataFrame({"id": ["NdPr"], "group": ["light"]}))
    with pytest.raises(ScenarioError, match="alias 'heavy' matches no material"):
        resolve_commodities(["heavy"], net)


@pytest.mark.parametrize(
    ("ev", "match"),
    [
        (event(exporter="KR"), r"events\[0\]\.exporter: unknown country 'KR'"),
        (event(targets=["JP", "XX"]), r"events\[0\]\.targets\[1\]: unknown country 'XX'"),
        (event(commodities=["Nd"]), r"events\[0\]\.commodities: unknown commodity 'Nd'; this "
                                    r"network has DyTb, LaCe, NdPr, magnet"),
        ({"type": "export_quota", "exporter": "CN", "commodities": ["SmGd"], "tonnes_per_year": 1,
          "start": "2010-01", "end": "2010-02"}, r"events\[0\]\.commodities: unknown commodity"),
        ({"type": "capacity_shock", "node": "AU:mining:mt-weld", "factor": 0.5,
          "start": "2010-01", "end": "2010-02"},
         r"events\[0\]\.node: unknown node 'AU:mining:mt-weld'; close: AU:mining"),
        ({"type": "capacity_shock", "country": "MM", "stage": "separation", "factor": 0.5,
          "start": "2010-01", "end": "2010-02"},
         r"events\[0\]\.stage: MM has no separation node in this network \(its nodes: MM:mining\)"),
        ({"type": "capacity_shock", "country": "ZZ", "factor": 0.5,
          "start": "2010-01", "end": "2010-02"}, r"events\[0\]\.country: unknown country 'ZZ'"),
        ({"type": "demand_shock", "country": "JP", "sector": "wind", "factor": 0.5,
          "start": "2010-01", "end": "2010-02"},
         r"events\[0\]\.sector: JP has no end-use sector 'wind' \(its sectors: automotive, "
         r"electronics\)"),
        ({"type": "demand_shock", "country": "MY", "sector": "all", "factor": 0.5,
          "start": "2010-01", "end": "2010-02"}, r"events\[0\]\.sector: MY has no end-use sector"),
    ],
)
def test_validate_for_names_event_and_field(ev: dict[str, Any], match: str) -> None:
    sc = Scenario.from_dict(scenario(ev))
    with pytest.raises(ScenarioError, match=match):
        sc.validate_for(stand_in())


def test_producing_stages_follow_the_records() -> None:
    assert (*PRODUCING_STAGES, "end_use") == STAGES


def test_capacity_shock_nodes() -> None:
    net = stand_in()
    cn = CapacityShock(country="CN", factor=0, start="2010-01", end="2010-02")
    assert cn.nodes(net) == ["CN:mining", "CN:separation", "CN:metal", "CN:magnet"]
    mining = CapacityShock(country="MM", stage="mining", factor=0, start="2010-01", end="2010-02")
    assert mining.nodes(net) == ["MM:mining"]
    node = CapacityShock(node="US:magnet", factor=0, start="2010-01", end="2010-02")
    assert node.nodes(net) == ["US:magnet"]


def test_validate_for_lists_every_problem() -> None:
    sc = Scenario.from_dict(scenario(event(exporter="KR"), event(targets=["XX"])))
    with pytest.raises(ScenarioError) as info:
        sc.validate_for(stand_in())
    text = str(info.value)
    assert text.startswith("scenario 'test' does not fit 'stand-in':")
    assert "events[0].exporter" in text and "events[1].targets[0]" in text


def test_validate_for_a_real_network(tiny: Any) -> None:
    load_scenario("japan-embargo").validate_for(tiny)
    with pytest.raises(ScenarioError, match=r"events\[0\]\.stage: unknown country 'MM'"):
        load_scenario("myanmar-outage").validate_for(tiny)


# ---------------------------------------------------------------------------- Monte Carlo helpers


def test_scaled_severity_and_duration() -> None:
    sc = Scenario.from_dict(scenario(
        event(severity=0.8),
        {"type": "export_quota", "exporter": "CN", "tonnes_per_year": 100,
         "start": "2010-01", "end": "2010-02"},
        {"type": "capacity_shock", "country": "MM", "factor": 0.5,
         "start": "2010-01", "end": "2010-03"},
        {"type": "demand_shock", "country": "JP", "sector": "all", "factor": 0.9,
         "start": "2010-01", "end": "2010-02", "ramp_in_months": 1},
    ))
    harder = sc.scaled(severity=1.5)
    restriction, quota, shock, demand = harder.events
    assert isinstance(restriction, ExportRestriction) and restriction.severity == 1.0  # capped
    assert isinstance(quota, ExportQuota) and quota.tonnes_per_year == pytest.approx(100 / 1.5)
    assert isinstance(shock, CapacityShock) and shock.factor == pytest.approx(0.25)
    assert isinstance(demand, DemandShock) and demand.factor == pytest.approx(0.85)
    assert sc.scaled(severity=3).events[2].factor == 0.0  # type: ignore[union-attr]
    longer = sc.scaled(duration=2)
    assert [e.end for e in longer.events] == ["2010-06-30", "2010-04-30", "2010-06-30",
                                              "2010-04-30"]
    assert longer.events[3].ramp_in_months == 2
    assert sc.scaled() == sc.model_copy(update={"events": [
        e.model_copy(update={"end": e.end_date.date().isoformat()}) for e in sc.events]})


def test_uncertainty_defaults() -> None:
    u = Uncertainty()
    for low, high in (u.severity_scale, u.duration_scale, u.elasticity_scale, u.lead_time_scale):
        assert 0 <= low <= 1 <= high


def test_models_are_frozen() -> None:
    sc = load_scenario("japan-embargo")
    with pytest.raises(Exception, match="frozen"):
        sc.months = 3  # type: ignore[misc]
    assert issubclass(ScenarioError, RareEarthError)
