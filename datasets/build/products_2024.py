"""The product tier of ``world-2024``: vehicles by powertrain, where and by whom they are built,
the economy they feed, and the US tariff on Japanese vehicles.

Called by ``build_world_2024.py`` (:func:`add`) with its builder. Figures come from
``../shared/reference/facts_economy.csv`` (``pack="economy"``) and ``facts_2025_stocks.csv``
(``pack="stocks"``); every estimate's arithmetic is here and in its row's ``method``.

Only Japan and the United States get products: they are the only countries with a powertrain
mix in the facts (China, Korea and Europe have vehicle totals but no mix, and Europe's OICA
region is not the dataset's EU).
"""

from __future__ import annotations

from typing import Any

from common import Builder, Fact, fact

#: The vehicle products and their bill (magnet kg per unit): see :func:`add`.
POWERTRAINS = ("ice", "hev", "phev", "bev")
NAMES = {"ice": "internal-combustion vehicle", "hev": "full hybrid vehicle",
         "phev": "plug-in hybrid vehicle", "bev": "battery-electric vehicle"}


def E(topic: str, item: str, country: str | None = None, year: int | None = None) -> Fact:
    return fact(topic, item, country, year, pack="economy")


def add(b: Builder, *, build: str, recipe_ndpr: float, recipe_fact: Any) -> None:
    """Add the product tables to ``b`` (``recipe_ndpr``: t NdPr oxide per t magnet)."""
    jp_units = E("auto_production", "motor vehicle production (cars + commercial vehicles)", "JP", 2024)
    us_units = E("auto_production", "motor vehicle production (cars + commercial vehicles)", "US", 2024)
    jp_us = E("auto_us_production", "Japanese automakers vehicle production in the US (JAMA)", "US", 2024)
    shipments = E("economy", "automotive industry shipments value", "JP", 2022)
    inputs = E("io_multiplier", "intermediate inputs per 1 million yen of passenger car output", "JP", 2011)
    gdp_jp = E("economy", "nominal GDP (calendar year, preliminary)", "JP", 2024)
    fx_fact = E("tariff_cost", "Toyota estimated US tariff hit, FY2025 (Apr 2025-Mar 2026), Aug guidance",
                "JP", 2025)
    fx = 147.23  # JPY per USD: the rate printed in fx_fact's note (Toyota's guidance, Aug 2025)
    elasticity_2017 = E("io_multiplier", "elasticity of GDP growth to domestic passenger-car production",
                        "JP", 2015)
    loss_2009 = E("gdp_loss_estimate", "nominal GDP loss from a 10% cut in auto production (2009 IO estimate)",
                  "JP", 2009)
    elasticity_2009 = 0.7 / 15  # loss_2009's note: "two years of -15% => nominal GDP -0.7%/yr"
    exports_us = E("auto_trade", "Japan exports to the United States", "JP", 2024)
    vehicle_share = E("auto_trade", "vehicles (cars, trucks, buses) share of Japan exports to the US by value",
                      "JP", 2024)
    inventory = fact("disruptions", "typical auto just-in-time inventory of critical components", "", 2025,
                     pack="stocks")
    clepa = fact("disruptions", "European supplier inventory cover before further outages (CLEPA, 4 Jun)",
                 "EU", 2025, pack="stocks")

    # ---------------------------------------------------------------- products
    parts_share = 537_000 / 1_000_000  # inputs' note: parts/accessories 537k of a 1 M yen car
    value_jpy = shipments.value * 1e12 / (1 + parts_share) / jp_units.value
    value_usd = round(value_jpy / fx, -1)
    va_share = round(1 - inputs.value / 1_000_000, 3)
    for p in POWERTRAINS:
        b.product_row("products", {
            "product": f"vehicle_{p}", "name": NAMES[p], "sector": "automotive",
            "value_usd_per_unit": value_usd, "value_added_share": va_share,
            "inventory_weeks": inventory.value, "inventory_weeks_low": 2, "inventory_weeks_high": 4,
        }, ref=[shipments, inputs, jp_units, fx_fact, inventory, clepa], confidence="estimate",
            method=(f"value per vehicle = Japan's automotive shipments {shipments.value:g} JPY tn (2022, parts "
                    f"makers included) / (1 + parts {parts_share:.3f} of a car's value, Dai-ichi 2011 IO) / "
                    f"{jp_units.value:,.0f} vehicles (2024) / {fx} JPY/USD = {value_usd:,.0f} USD, the same for "
                    "every powertrain and country (no per-powertrain or US price in the facts); value added "
                    f"share = 1 - {inputs.value:,.0f} JPY of inputs per 1 M JPY of car output = {va_share}; "
                    f"component inventory between magnet and assembly line {inventory.value:g} weeks "
                    f"(typical just-in-time cover; range 2-4; CLEPA: {clepa.value:g} weeks in Europe, Jun 2025)"))

    # ---------------------------------------------------------------- bill of rare earths
    bev_ndpr = E("magnet_content", "NdPr oxide per EV (implied)", "", 2023)
    hev_ndpr = E("magnet_content", "NdPr oxide per HEV (implied)", "", 2023)
    neo = E("magnet_content", "NdFeB per EV (implied by Neo estimate)", "", 2035)
    ice = E("magnet_content", "NdFeB magnet per conventional car (micromotors), projected", "", 2012)
    bev_kg = round(bev_ndpr.value / recipe_ndpr, 3)
    hev_kg = round(hev_ndpr.value / recipe_ndpr, 3)
    phev_kg = round((bev_kg + hev_kg) / 2, 3)
    b.product_row("product_inputs", {"product": "vehicle_bev", "commodity": "magnet", "kg_per_unit": bev_kg},
                  ref=[bev_ndpr, recipe_fact, neo], confidence="derived",
                  method=(f"Lynas rule of thumb {bev_ndpr.value:g} kg NdPr oxide per EV / the dataset's recipe "
                          f"{recipe_ndpr} t NdPr oxide per t magnet = {bev_kg} kg NdFeB (Neo's estimate implies "
                          f"{neo.value:g} kg)"))
    b.product_row("product_inputs", {"product": "vehicle_hev", "commodity": "magnet", "kg_per_unit": hev_kg},
                  ref=[hev_ndpr, recipe_fact], confidence="derived",
                  method=(f"Lynas rule of thumb {hev_ndpr.value:g} kg NdPr oxide per hybrid / recipe "
                          f"{recipe_ndpr} = {hev_kg} kg NdFeB"))
    b.product_row("product_inputs", {"product": "vehicle_phev", "commodity": "magnet", "kg_per_unit": phev_kg},
                  ref=[hev_ndpr, bev_ndpr, recipe_fact, build], confidence="estimate",
                  method=(f"no plug-in figure in the facts: midpoint of the hybrid ({hev_kg} kg) and BEV "
                          f"({bev_kg} kg) values"))
    b.product_row("product_inputs", {"product": "vehicle_ice", "commodity": "magnet", "kg_per_unit": ice.value},
                  ref=[ice], confidence="approximate",
                  method=("micromotors of a conventional car (~30 magnet parts); Rare Earth Exchanges' "
                          "'30-50x less than an EV' gives ~0.1 kg too"))

    # ---------------------------------------------------------------- production, Japan
    mix_jp = {p: E("powertrain_mix", item, "JP", 2024) for p, item in (
        ("bev", "BEV share of passenger car sales"),
        ("hev", "full-hybrid (HEV) share of passenger car sales"),
        ("ice", "ICE-only share of passenger car sales (residual)"))}
    phev_jp = E("powertrain_mix", "PHEV passenger car sales", "JP", 2024)
    shares_jp = {"ice": mix_jp["ice"].value, "hev": mix_jp["hev"].value, "phev": 2.0,
                 "bev": mix_jp["bev"].value}
    for p in POWERTRAINS:
        units = round(jp_units.value * shares_jp[p] / 100)
        b.product_row("product_production", {"country": "JP", "owner": "JP", "product": f"vehicle_{p}",
                                             "units_per_year": units},
                      ref=[jp_units, *mix_jp.values(), phev_jp], confidence="estimate",
                      method=(f"Japan's 2024 production {jp_units.value:,.0f} (OICA) x the {p.upper()} share of "
                              f"2024 passenger-car sales {shares_jp[p]:g}% (Inovev; PHEV 2%: 63,691 units): no "
                              "powertrain mix of production in the facts, so the domestic sales mix is used; "
                              "all built by Japanese makers (foreign makers' output in Japan is not in the facts)"))

    # ---------------------------------------------------------------- production, United States
    us_ice = E("powertrain_mix", "ICE (gasoline/diesel) share of new light-vehicle sales", "US", 2024)
    us_bev = E("powertrain_mix", "BEV share of new light-duty vehicle sales, Q2", "US", 2024)
    us_phev = E("powertrain_mix", "PHEV share of new light-duty vehicle sales, Q2", "US", 2024)
    us_electrified = E("powertrain_mix", "electrified share (HEV+PHEV+BEV) of new light-vehicle sales", "US", 2024)
    bev_q3 = 7.0  # us_hev_q3's note: the revised Q3 release gives BEV 7.0%
    us_hev_q3 = E("powertrain_mix", "HEV share of new light-duty vehicle sales, Q3 (EIA revised)", "US", 2024)
    shares_us = {"ice": us_ice.value, "bev": bev_q3, "phev": us_phev.value}
    shares_us["hev"] = round(100 - shares_us["ice"] - shares_us["bev"] - shares_us["phev"], 1)
    other_units = us_units.value - jp_us.value
    for owner, total, what in (("JP", jp_us.value, "Japanese makers' US production (JAMA)"),
                               ("other", other_units, f"US production {us_units.value:,.0f} (OICA) less "
                                                      f"Japanese makers' {jp_us.value:,.0f} (JAMA)")):
        for p in POWERTRAINS:
            units = round(total * shares_us[p] / 100)
            b.product_row("product_production", {"country": "US", "owner": owner, "product": f"vehicle_{p}",
                                                 "units_per_year": units},
                          ref=[us_units, jp_us, us_ice, us_bev, us_phev, us_electrified, us_hev_q3],
                          confidence="estimate",
                          method=(f"{what} {total:,.0f} x the {p.upper()} share of 2024 US light-vehicle sales "
                                  f"{shares_us[p]:g}% (ICE {us_ice.value:g}% Motor Intelligence; BEV {bev_q3:g}% "
                                  f"EIA revised Q3; PHEV {us_phev.value:g}% EIA Q2; HEV the rest of "
                                  f"{us_electrified.value:g}% electrified): no mix of US production, or of "
                                  "Japanese makers' US plants, in the facts"))

    # ---------------------------------------------------------------- economy
    output_jpy = jp_units.value * value_jpy
    central = round(elasticity_2009 * gdp_jp.value * 1e12 / output_jpy, 3)
    high = round(elasticity_2017.value * gdp_jp.value * 1e12 / output_jpy, 3)
    b.product_row("economy", {"country": "JP", "gdp_usd_per_year": round(gdp_jp.value * 1e12 / fx, -9),
                              "gdp_per_output": central, "gdp_per_output_low": va_share,
                              "gdp_per_output_high": high},
                  ref=[gdp_jp, fx_fact, loss_2009, elasticity_2017, inputs, shipments, jp_units],
                  confidence="derived",
                  method=(f"GDP {gdp_jp.value:g} JPY tn (2024) / {fx} JPY/USD; GDP lost per USD of vehicle output "
                          f"not built = elasticity of GDP to domestic car production x GDP / vehicle output "
                          f"({output_jpy / 1e12:.1f} JPY tn = {jp_units.value:,.0f} vehicles x value per vehicle): "
                          f"central {central} with Dai-ichi's 2009 IO estimate (two years of -15% production, "
                          f"-0.7% of GDP a year: elasticity {elasticity_2009:.4f}), high {high} with its 2017 "
                          f"elasticity {elasticity_2017.value:g}, low {va_share} = the assembler's own value "
                          "added only (suppliers keep their output)"))
    b.product_row("economy", {"country": "US", "gdp_usd_per_year": "", "gdp_per_output": central,
                              "gdp_per_output_low": va_share, "gdp_per_output_high": high},
                  ref=[loss_2009, elasticity_2017, inputs, build], confidence="estimate",
                  method=("no US GDP or motor-vehicle multiplier in the facts (BEA's is a gap): Japan's "
                          "GDP-per-output range is used; GDP left empty, so no US GDP share is computed"))

    # ---------------------------------------------------------------- trade and tariffs
    to_us = exports_us.value * vehicle_share.value / 100 * 1e12 / fx
    b.product_row("product_trade", {"exporter": "JP", "importer": "US", "sector": "automotive",
                                    "value_usd_per_year": round(to_us, -6)},
                  ref=[exports_us, vehicle_share, fx_fact], confidence="derived",
                  method=(f"Japan's exports to the US {exports_us.value:g} JPY tn (2024, MOF) x vehicles' share "
                          f"{vehicle_share.value:g}% / {fx} JPY/USD (vehicles only, parts excluded)"))
    mfn = E("us_tariffs", "combined US tariff on Japanese cars before the deal (2.5% MFN + 25%)", "JP", 2025)
    s232 = E("us_tariffs", "Section 232 25% tariff on imported automobiles effective", "US", 2025)
    deal = E("us_tariffs", "15% all-in tariff on Japanese cars and parts effective", "JP", 2025)
    deal_rate = E("us_tariffs", "all-in US tariff on Japanese cars after the deal", "JP", 2025)
    rows = (("2024-01-01", 0.025, [mfn], "exact", "MFN passenger-car rate before 2025 (2.5%, in the note "
             "of the 27.5% row); in force before the reference year"),
            (_date(s232.value), mfn.value / 100, [s232, mfn], "exact",
             "Section 232 25% on top of the 2.5% MFN rate = 27.5% on Japanese cars, entries from 3 Apr 2025"),
            (_date(deal.value), deal_rate.value / 100, [deal, deal_rate], "exact",
             "US-Japan agreement (EO 14345): 15% all-in on Japanese cars for entries from 16 Sep 2025, "
             "not retroactive"))
    for start, rate, ref, confidence, method in rows:
        b.product_row("tariffs", {"importer": "US", "exporter": "JP", "sector": "automotive",
                                  "start": start, "rate": rate},
                      ref=ref, confidence=confidence, method=method)


def _date(yyyymmdd: float) -> str:
    s = f"{int(yyyymmdd):08d}"
    return f"{s[:4]}-{s[4:6]}-{s[6:]}"
