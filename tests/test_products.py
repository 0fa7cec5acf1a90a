"""The product tier: units built by the Leontief rule after component inventories, the loss in
output and GDP, tariffs and the relocation of production; hand-computed on a 5-node chain.

The chain (t/yr; one country, JP; recipe 0.3 t NdPr per t magnet, yields 1):

    JP:mining NdPr 120 -> JP:separation 120 -> JP:metal 60 -> JP:magnet 200 t magnet
                                           \\-> JP:end_use:automotive 60 NdPr
    JP:magnet 200 -> JP:end_use:automotive (magnet)

One product, a car: 1 kg magnet and 0.3 kg NdPr per unit; 200,000 cars a year need 200 t of
magnets and 60 t of NdPr, which is exactly the end use's demand.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import rareearth as ree
from rareearth.economics import (
    loss_metrics,
    relocate_production,
    relocation_net_cost_usd,
    relocation_tariff_saving_usd,
    tariff_rate,
)
from rareearth.errors import DataError
from rareearth.products import WEEKS_PER_MONTH, build_units, product_table
from tests.engine_helpers import scenario
from tests.factory import PROV, UNITS, write_dataset

PRODUCT_UNITS = {
    "products": {"value_usd_per_unit": "USD", "value_added_share": "1", "inventory_weeks": "weeks",
                 "inventory_weeks_low": "weeks", "inventory_weeks_high": "weeks"},
    "product_inputs": {"kg_per_unit": "kg"},
    "product_production": {"units_per_year": "units/yr"},
    "economy": {"gdp_usd_per_year": "USD/yr", "gdp_per_output": "1", "gdp_per_output_low": "1",
                "gdp_per_output_high": "1"},
    "product_trade": {"value_usd_per_year": "USD/yr"},
    "tariffs": {"rate": "1"},
}
ALL_UNITS = {**UNITS, **PRODUCT_UNITS}
CARS = 200_000.0  # a year
VALUE = 30_000.0  # USD per car


def _node(node: str, commodity: str, out: float) -> dict[str, Any]:
    return {"node": node, "commodity": commodity, "capacity_tonnes_per_year": out,
            "output_tonnes_per_year": out, "yield": 1, **PROV}


def _flow(s: str, t: str, c: str, v: float) -> dict[str, Any]:
    return {"source": s, "target": t, "commodity": c, "tonnes_per_year": v, **PROV}


def chain_tables(weeks: float = 0.0) -> dict[str, list[dict[str, Any]]]:
    """The 5-node chain with one product (see the module docstring)."""
    return {
        "countries": [{"code": "JP", "name": "Japan", "kind": "country", "governance": 1.4, **PROV},
                      {"code": "US", "name": "United States", "kind": "country", "governance": 0.9,
                       **PROV}],
        "materials": [{"id": "NdPr", "name": "NdPr", "elements": "Nd;Pr", "group": "light",
                       "price_usd_per_tonne": 50000, "price_elasticity": 0.5, **PROV}],
        "nodes": [_node("JP:mining", "NdPr", 120), _node("JP:separation", "NdPr", 120),
                  _node("JP:metal", "NdPr", 60), _node("JP:magnet", "magnet", 200)],
        "flows": [_flow("JP:mining", "JP:separation", "NdPr", 120),
                  _flow("JP:separation", "JP:metal", "NdPr", 60),
                  _flow("JP:separation", "JP:end_use:automotive", "NdPr", 60),
                  _flow("JP:metal", "JP:magnet", "NdPr", 60),
                  _flow("JP:magnet", "JP:end_use:automotive", "magnet", 200)],
        "recipes": [{"node": "default", "material": "NdPr", "tonnes_per_tonne": 0.3, **PROV}],
        "demand": [{"node": "JP:end_use:automotive", "commodity": "magnet",
                    "demand_tonnes_per_year": 200, "value_usd_per_tonne": 1e6, **PROV},
                   {"node": "JP:end_use:automotive", "commodity": "NdPr",
                    "demand_tonnes_per_year": 60, "value_usd_per_tonne": 1e5, **PROV}],
        "parameters": [{"name": "substitution_max_per_year", "value": 0, "unit": "1/yr",
                        "low": "", "high": "", **PROV}],
        "products": [{"product": "car", "name": "car", "sector": "automotive",
                      "value_usd_per_unit": VALUE, "value_added_share": 0.2,
                      "inventory_weeks": weeks, "inventory_weeks_low": 0,
                      "inventory_weeks_high": max(weeks, 1.0), **PROV}],
        "product_inputs": [{"product": "car", "commodity": "magnet", "kg_per_unit": 1.0, **PROV},
                           {"product": "car", "commodity": "NdPr", "kg_per_unit": 0.3, **PROV}],
        "product_production": [{"country": "JP", "owner": "JP", "product": "car",
                                "units_per_year": CARS, **PROV}],
        "economy": [{"country": "JP", "gdp_usd_per_year": 1e11, "gdp_per_output": 0.5,
                     "gdp_per_output_low": 0.2, "gdp_per_output_high": 1.0, **PROV}],
        "product_trade": [{"exporter": "JP", "importer": "US", "sector": "automotive",
                           "value_usd_per_year": 1.2e9, **PROV}],
        "tariffs": [{"importer": "US", "exporter": "JP", "sector": "automotive",
                     "start": "2024-01-01", "rate": 0.025, **PROV},
                    {"importer": "US", "exporter": "JP", "sector": "automotive",
                     "start": "2025-04-01", "rate": 0.25, **PROV}],
    }


def chain(tmp_path: Path, weeks: float = 0.0, mutate: Any = None) -> ree.SupplyNetwork:
    tables = chain_tables(weeks)
    if mutate is not None:
        mutate(tables)
    return ree.load_network(write_dataset(tmp_path / f"chain-{weeks}", tables, units=ALL_UNITS))


def shock(node: str, factor: float, start: str = "2025-03", end: str = "2025-05") -> dict[str, Any]:
    return {"type": "capacity_shock", "node": node, "factor": factor, "start": start, "end": end}


# --------------------------------------------------------------------------- the kernel


def test_build_units_is_leontief_with_inventory() -> None:
    a = np.array([[[1.0, 1.0]], [[0.5, 0.8]], [[0.5, 0.8]], [[0.5, 0.8]]])  # (T=4, R=1, I=2)
    uses = np.array([[True, True]])
    assert build_units(np.array([10.0]), a, uses, np.array([0.0]))[:, 0].tolist() == [10, 5, 5, 5]
    # one month of inventory: month 1 draws 0.5 of the first input and 0.2 of the second,
    # month 2 the first input's remaining 0.5, month 3 only the flow, the smaller one (0.5)
    built = build_units(np.array([10.0]), a, uses, np.array([1.0]))[:, 0]
    assert built.tolist() == pytest.approx([10, 10, 10, 5])
    # an input the product does not use never binds
    assert build_units(np.array([10.0]), a, np.array([[True, False]]), np.array([0.0]))[1, 0] == 5
    # scenarios broadcast on a leading axis
    many = np.stack([a, np.ones_like(a)], axis=1)  # (T, S=2, R, I)
    out = build_units(np.array([10.0]), many, uses, np.array([0.0]))
    assert out[:, 0, 0].tolist() == [10, 5, 5, 5] and out[:, 1, 0].tolist() == [10, 10, 10, 10]


# --------------------------------------------------------------------------- the 5-node chain


def test_chain_units_lost_is_the_min_over_inputs(tmp_path: Path) -> None:
    net = chain(tmp_path)
    # magnet line at half capacity in Mar-May: magnets 50% short, NdPr delivered in full
    res = ree.simulate(net, scenario(6, shock("JP:magnet", 0.5)))
    p = res.products
    assert list(p.columns) == ["month", "country", "owner", "product", "demand_units",
                               "built_units", "lost_units", "lost_output_usd"]
    monthly = CARS / 12
    assert p["demand_units"].tolist() == pytest.approx([monthly] * 6)
    assert p["lost_units"].tolist() == pytest.approx([0, 0, monthly / 2, monthly / 2, monthly / 2, 0], abs=1e-6)
    assert p["lost_output_usd"].sum() == pytest.approx(1.5 * monthly * VALUE)
    # separation at 40% as well: it makes 4 t/month; the magnet line (8.33 t/month at half
    # capacity) orders 2.5 t of NdPr through the metal node, the end use 5 t: they get 4 x 2.5/7.5
    # = 1.33 t (4.44 t of magnets: 4/15 of the need) and 2.67 t (8/15). The car gets the smaller.
    res2 = ree.simulate(net, scenario(6, shock("JP:magnet", 0.5), shock("JP:separation", 0.4)))
    lost = res2.products["lost_units"].to_numpy()
    assert lost[2] == pytest.approx((1 - 4 / 15) * monthly)
    cn, a = res2.compiled, res2.arrays
    i = cn.node_index["JP:end_use:automotive"]
    share = {c: 1 - a["shortfall"][:, i, cn.commodity_index[c]] / a["demand"][:, i, cn.commodity_index[c]]
             for c in ("magnet", "NdPr")}
    assert share["NdPr"][2] == pytest.approx(8 / 15)
    assert lost == pytest.approx(monthly * (1 - np.minimum(share["magnet"], share["NdPr"])))
    # separation at 80% with the magnet line at half: magnets bind (0.5 < 0.8)
    res3 = ree.simulate(net, scenario(6, shock("JP:magnet", 0.5), shock("JP:separation", 0.8)))
    assert res3.products["lost_units"].to_numpy()[2:5] == pytest.approx([0.5 * monthly] * 3)


def test_chain_component_inventory_delays_the_stop_by_its_weeks(tmp_path: Path) -> None:
    monthly = CARS / 12
    event = shock("JP:magnet", 0.0, "2025-03", "2025-05")  # magnets stop for three months
    none = ree.simulate(chain(tmp_path, 0.0), scenario(7, event)).products["lost_units"].to_numpy()
    assert none == pytest.approx([0, 0, monthly, monthly, monthly, 0, 0], abs=1e-6)
    weeks = WEEKS_PER_MONTH  # one month of components between magnet and assembly line
    held = ree.simulate(chain(tmp_path, weeks), scenario(7, event)).products["lost_units"].to_numpy()
    assert held == pytest.approx([0, 0, 0, monthly, monthly, 0, 0], abs=1e-6)  # the stop starts a month later
    two = ree.simulate(chain(tmp_path, 2 * weeks), scenario(7, event)).products["lost_units"].to_numpy()
    assert two == pytest.approx([0, 0, 0, 0, monthly, 0, 0], abs=1e-6)
    half = ree.simulate(chain(tmp_path, weeks / 2), scenario(7, event)).products["lost_units"].to_numpy()
    assert half == pytest.approx([0, 0, monthly / 2, monthly, monthly, 0, 0], abs=1e-6)


def test_chain_economic_loss(tmp_path: Path) -> None:
    net = chain(tmp_path)
    res = ree.simulate(net, scenario(6, shock("JP:magnet", 0.5)))
    m = loss_metrics(res, "JP")
    output = 1.5 * CARS / 12 * VALUE
    assert m["units_lost"] == pytest.approx(1.5 * CARS / 12) == pytest.approx(m["units_lost_car"])
    assert m["output_lost_usd"] == pytest.approx(output)
    assert m["value_added_lost_usd"] == pytest.approx(0.2 * output)
    assert m["gdp_loss_usd"] == pytest.approx(0.5 * output)
    assert (m["gdp_loss_usd_low"], m["gdp_loss_usd_high"]) == pytest.approx((0.2 * output, output))
    assert m["gdp_loss_pct"] == pytest.approx(100 * 0.5 * output / 1e11)
    assert m["output_lost_owner_usd"] == pytest.approx(output)
    # Monte Carlo quantiles place the multiplier and the inventory in their ranges
    drawn = loss_metrics(res, "JP", draws={"gdp_per_output_quantile": 1.0})
    assert drawn["gdp_loss_usd"] == pytest.approx(output)
    # no product tier: no loss metrics; a country without products loses nothing
    bare = {k: v for k, v in chain_tables().items() if k not in PRODUCT_UNITS}
    plain = ree.load_network(write_dataset(tmp_path / "plain", bare, units=ALL_UNITS))
    assert loss_metrics(ree.simulate(plain, scenario(6, shock("JP:magnet", 0.5))), "JP") == {}
    assert loss_metrics(res, "US")["units_lost"] == 0 and math.isnan(loss_metrics(res, "US")["gdp_loss_pct"])


def test_score_metrics_speak_in_units_and_usd(tmp_path: Path) -> None:
    net = chain(tmp_path)
    s = ree.exposure(net, scenario(6, shock("JP:magnet", 0.5)), "JP")
    assert s.metrics["units_lost"] == pytest.approx(1.5 * CARS / 12)
    assert s.metrics["units_lost_car"] == pytest.approx(1.5 * CARS / 12)
    for key in ("output_lost_usd", "gdp_loss_usd", "gdp_loss_pct"):
        assert s.metrics[key] > 0


def test_product_table_with_country_aggregates_only(tmp_path: Path) -> None:
    net = chain(tmp_path)
    res = ree.simulate_many(net, [scenario(6, shock("JP:magnet", 0.5))], record=("country",))[0]
    assert product_table(res)["lost_units"].sum() == pytest.approx(
        ree.simulate(net, scenario(6, shock("JP:magnet", 0.5))).products["lost_units"].sum(), rel=0.35)


# --------------------------------------------------------------------------- tariffs, relocation


def test_tariff_rate_by_month(tmp_path: Path) -> None:
    net = chain(tmp_path)
    months = pd.period_range("2025-03", periods=3, freq="M")
    assert tariff_rate(net, "US", "JP", "automotive", months).tolist() == pytest.approx(
        [0.025, 0.25, 0.25])
    assert tariff_rate(net, "JP", "US", "automotive", months).tolist() == [0, 0, 0]


def test_relocation_moves_production_and_saves_tariff(tmp_path: Path) -> None:
    net = chain(tmp_path)
    moved = relocate_production(net, "JP", "US", "automotive", 0.25)
    by = moved.set_index(["country", "owner"])["units_per_year"]
    assert by[("JP", "JP")] == pytest.approx(0.75 * CARS) and by[("US", "JP")] == pytest.approx(0.25 * CARS)
    months = pd.period_range("2025-04", periods=12, freq="M")
    # 25% of 6 bn USD of output = 1.5 bn, of which 1.2 bn replaces exports to the US at 25%
    saved = relocation_tariff_saving_usd(net, "JP", "US", "automotive", 0.25, months)
    assert saved == pytest.approx(1.2e9 * 0.25)
    small = relocation_tariff_saving_usd(net, "JP", "US", "automotive", 0.1, months)
    assert small == pytest.approx(0.1 * CARS * VALUE * 0.25)


def shift_option() -> Any:
    from rareearth.cooperation import Option

    return Option(name="shift", title="shift", country="JP", cost_usd=1e9, lead_time_months=0,
                  measures=[{"type": "relocate", "from_country": "JP", "to_country": "US",
                             "sector": "automotive", "share": 0.2}])


def with_us(t: dict[str, list[dict[str, Any]]]) -> None:
    # a US end use supplied by JP's magnets, so that relocated production has a line to run
    t["flows"][-1]["tonnes_per_year"] = 150
    t["flows"].append(_flow("JP:magnet", "US:end_use:automotive", "magnet", 50))
    t["demand"][0]["demand_tonnes_per_year"] = 150
    t["demand"].append({"node": "US:end_use:automotive", "commodity": "magnet",
                        "demand_tonnes_per_year": 50, "value_usd_per_tonne": 1e6, **PROV})
    t["product_inputs"] = t["product_inputs"][:1]  # the car needs magnets only
    t["product_production"] = [
        {"country": "JP", "owner": "JP", "product": "car", "units_per_year": 150_000, **PROV},
        {"country": "US", "owner": "other", "product": "car", "units_per_year": 50_000, **PROV}]
    t["economy"].append({"country": "US", "gdp_usd_per_year": 1e12, "gdp_per_output": 0.5,
                         "gdp_per_output_low": 0.2, "gdp_per_output_high": 1.0, **PROV})


def test_relocation_moves_territorial_exposure_and_counts_tariff_in_net_cost(tmp_path: Path) -> None:
    net = chain(tmp_path, mutate=with_us)
    option = shift_option()
    # Japan's magnet line at half capacity: JP and US lines share the cut in proportion
    sc = scenario(6, shock("JP:magnet", 0.5), start="2025-04")
    base = ree.simulate(net, sc)
    shifted = ree.simulate(net, sc, options=[option])
    jp0, us0 = loss_metrics(base, "JP"), loss_metrics(base, "US")
    jp1, us1 = loss_metrics(shifted, "JP"), loss_metrics(shifted, "US")
    assert jp1["units_lost"] < jp0["units_lost"] and us1["units_lost"] > us0["units_lost"]
    # owned by Japanese makers wherever built: what moved is still theirs
    assert jp1["units_lost_owner"] == pytest.approx(jp0["units_lost_owner"], rel=0.05)
    cost = relocation_net_cost_usd(net, option, sc)
    exports_replaced = min(0.2 * 150_000 * VALUE, 1.2e9)
    assert cost["tariff_saving_usd"] == pytest.approx(exports_replaced / 12 * 0.25 * 6)
    assert cost["net_cost_usd"] == pytest.approx(1e9 - cost["tariff_saving_usd"])


# --------------------------------------------------------------------------- loader


def _bad(tmp_path: Path, mutate: Any, units: dict[str, dict[str, str]] | None = None) -> str:
    tables = chain_tables()
    mutate(tables)
    with pytest.raises(DataError) as info:
        ree.load_network(write_dataset(tmp_path / "bad", tables, units=units or ALL_UNITS))
    return str(info.value)


def test_product_tier_errors_name_file_row_and_column(tmp_path: Path) -> None:
    def unknown_product(t: dict[str, Any]) -> None:
        t["product_inputs"][1]["product"] = "truck"

    assert "product_inputs.csv:3:product: unknown product 'truck'; products.csv has car" in _bad(
        tmp_path, unknown_product)

    def bad_sector(t: dict[str, Any]) -> None:
        t["products"][0]["sector"] = "cars"

    assert "products.csv:2:sector: Value error, sector 'cars' is not one of" in _bad(
        tmp_path, bad_sector).replace("sector: sector", "sector: Value error, sector")

    def negative_kg(t: dict[str, Any]) -> None:
        t["product_inputs"][0]["kg_per_unit"] = -1

    assert "product_inputs.csv:2:kg_per_unit: Input should be greater than 0" in _bad(tmp_path, negative_kg)

    def no_line(t: dict[str, Any]) -> None:
        t["product_production"][0]["country"] = "US"

    assert ("product_production.csv:2:country: US has no end-use node of sector 'automotive'"
            in _bad(tmp_path, no_line))

    def bad_owner(t: dict[str, Any]) -> None:
        t["product_production"][0]["owner"] = "Toyota"

    assert "product_production.csv:2:owner: Value error, owner must be a country code or 'other'" in _bad(
        tmp_path, bad_owner).replace("owner: owner", "owner: Value error, owner")

    def no_bill(t: dict[str, Any]) -> None:
        t["products"].append({**t["products"][0], "product": "truck"})

    assert "products.csv:3:product: product 'truck' has no bill" in _bad(tmp_path, no_bill)

    def bad_range(t: dict[str, Any]) -> None:
        t["economy"][0]["gdp_per_output_low"] = 0.6

    assert "economy.csv:2: Value error, gdp_per_output 0.5 is outside [low, high]" in _bad(
        tmp_path, bad_range).replace("economy.csv:2: gdp", "economy.csv:2: Value error, gdp")

    def bad_date(t: dict[str, Any]) -> None:
        t["tariffs"][0]["start"] = "April 2025"

    assert "tariffs.csv:2:start:" in _bad(tmp_path, bad_date)

    units = {**ALL_UNITS, "product_inputs": {"kg_per_unit": "t"}}
    assert "field 'kg_per_unit' has unit 't'; this table is read in 'kg'" in _bad(
        tmp_path, lambda t: None, units=units)


# --------------------------------------------------------------------------- world-2024


def test_world_2024_products_match_the_facts() -> None:
    net = ree.load_network("world-2024")
    prod = net.product_production.groupby(["country", "owner"])["units_per_year"].sum()
    assert prod.groupby(level=0).sum()["JP"] == pytest.approx(8_234_681, abs=3)  # OICA 2024
    assert prod.groupby(level=0).sum()["US"] == pytest.approx(10_562_188, abs=3)
    assert prod[("US", "JP")] == pytest.approx(3_280_000, abs=3)  # JAMA: Japanese makers in the US
    kg = net.product_inputs.set_index("product")["kg_per_unit"]
    assert kg["vehicle_ice"] < kg["vehicle_hev"] < kg["vehicle_phev"] < kg["vehicle_bev"]
    assert 1.5 <= kg["vehicle_bev"] <= 2.0  # Lynas- and Neo-implied NdFeB per EV
    months = pd.period_range("2025-03", periods=8, freq="M")
    rates = tariff_rate(net, "US", "JP", "automotive", months)
    assert rates[0] == pytest.approx(0.025) and rates[2] == pytest.approx(0.275)  # May: 25% + MFN
    assert rates[-1] == pytest.approx(0.15)  # Oct: the deal's 15% all-in


# --------------------------------------------------------------------------- faces


def test_cli_exposure_and_report_speak_in_vehicles_and_usd(tmp_path: Path) -> None:
    import yaml
    from typer.testing import CliRunner

    from rareearth import reporting
    from rareearth.cli import app

    folder = write_dataset(tmp_path / "chain-cli", chain_tables(), units=ALL_UNITS)
    sc = tmp_path / "half.yaml"
    sc.write_text(yaml.safe_dump(scenario(6, shock("JP:magnet", 0.5)).model_dump(mode="json")))
    result = CliRunner().invoke(app, ["exposure", str(sc), "-d", str(folder), "-c", "JP"])
    assert result.exit_code == 0, result.output
    flat = " ".join(result.output.split())
    assert "The first line runs short in 2025-03; 25,000 vehicles are not built: $750 m of output" in flat
    assert "$375 m of GDP (range $150 m–$750 m, 0.375% of GDP)" in flat
    html = reporting.report(ree.load_network(folder), scenario(6, shock("JP:magnet", 0.5)), "JP",
                            path=tmp_path / "r.html").read_text()
    summary = html[html.index('id="summary"'):]
    assert summary.index("25,000 vehicles are not built") < summary.index("exposure score of")
    # with a relocation option: the option that avoids most per dollar, and its tariff saving
    net = chain(tmp_path, mutate=with_us)
    sc2 = scenario(6, shock("JP:magnet", 0.5), start="2025-04")
    html = reporting.report(net, sc2, "JP", options=[shift_option()], path=tmp_path / "r2.html").read_text()
    assert "Per dollar, shift avoids most of it" in html
    assert "shift costs $1.00 bn, and the production it moves saves $112 m of tariff" in html
