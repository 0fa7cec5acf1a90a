"""Build the built-in dataset ``world-2024`` from the sourced facts.

Run from the repository root: ``.venv/bin/python datasets/build/build_world_2024.py [FOLDER]``.
It writes ``datasets/world-2024/`` (or FOLDER, which the rebuild test uses) and validates it with
the library's loader (balance included).
Every estimate's arithmetic is in this script, and the same words go into the row's ``method``.
The world is built in four passes:

1. mining: USGS MCS 2025 tonnages per country, split into materials by ore type (COMPOSITION);
2. the magnet chain is *pulled*: magnet outputs -> metal needed (recipe / magnet yield) ->
   oxide needed (/ metal yield), sourced by stated shares;
3. the other materials are *pushed*: separated oxide goes to named buyers by stated shares;
4. what China's separation makes and nobody above takes is China's own end use (a documented
   balance closure, which also holds China's unsold Ce/La surplus).
"""

from __future__ import annotations

import math
import sys
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import products_2024
from common import (
    REPO,
    Builder,
    Fact,
    balance_report,
    check,
    fact,
    price_parameters,
    transit_parameters,
    wgi,
)

OUT = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else REPO / "datasets" / "world-2024"
YEAR = 2024
MATERIALS = ("NdPr", "DyTb", "LaCe", "Y", "Other")

b = Builder()
BUILD = b.sources.declare(
    "rareearth-build-world-2024",
    "rareearth: estimates and balance closures made in datasets/build/build_world_2024.py",
    "datasets/build/build_world_2024.py",
)


def F(topic: str, item: str, country: str | None = None, year: int | None = None, **kw: str) -> Fact:
    return fact(topic, item, country, year, **kw)


# --------------------------------------------------------------------------- facts used

USGS = {c: F("mine_production", "mine production (REO)", c, YEAR)
        for c in ("CN", "US", "MM", "AU", "NG", "TH", "IN", "RU", "MG", "VN", "MY", "BR")}
USGS_OTHER = F("mine_production", "mine production (REO), other countries", "", YEAR)
USGS_WORLD = F("mine_production", "mine production (REO), world total (rounded)", "", YEAR)
CN_QUOTA = F("china_export_quota", "mining quota (REO)", "CN", YEAR)
CN_SEP_QUOTA_T = 254_000.0  # printed in CN_QUOTA's note: "separation quota 254,000 t (+4.2%)"
MM_ION_SHARE = F("trade_flows", "Myanmar share of China's ion-adsorption RE consumption", "MM", 2020)
MM_OXIDES = F("trade_flows", "China imports of RE oxides from Myanmar, Jan-Sep", "MM", YEAR)

COMP_MP = {k: F("composition", f"{k} share of TREO, Mountain Pass bastnaesite (reserve basis)", "US", 2021)
           for k in ("Ce", "La", "NdPr", "SEG+")}
COMP_BAYAN_CE = F("composition", "Ce share of REO, Bayan Obo mixed bastnaesite-monazite ore", "CN", 2016)
COMP_BAYAN_LREE = F("composition", "LREE (La-Nd) share of REO, Bayan Obo", "CN", 2016)
COMP_ION_SMDY = F("composition", "Sm+Eu+Gd+Tb+Dy share, main (medium-heavy) weathering-crust ore type", "CN", 2016)
COMP_ION_HOLUY = F("composition", "Ho-Lu+Y share, main (medium-heavy) weathering-crust ore type", "CN", 2016)
COMP_LOPARITE = F("composition", "REO content of Lovozero loparite concentrate", "RU", 1997)
COMP_INDIA = F("composition", "TREO content of Indian beach-sand monazite (midpoint)", "IN", 2023)
INDIA_MONAZITE = F("composition", "in-situ monazite resource, coastal and inland placers", "IN", 2023)
MTWELD_GRADE = F("composition", "ore reserve grade, Mt Weld", "AU", YEAR)

LYNAS_NDPR = F("lynas", "NdPr production", "AU", YEAR)
LYNAS_MTWELD_CAP = F("lynas", "Mt Weld expansion target capacity", "AU", 2025)
LYNAS_MY_CAP = F("lynas", "Lynas Malaysia SX/finishing capacity", "MY", 2025)
LYNAS_LAMP2 = F("lynas", "LAMP Phase 2 design capacity", "MY", 2012)
LYNAS_HRE = F("lynas", "HRE separation circuit capacity", "MY", 2025)
LYNAS_TO_CN = F("trade_flows", "China imports of NdPr from Lynas", "AU", YEAR)
LYNAS_JP_2018 = F("trade_flows", "Lynas share of output sold to Japan (lower bound)", "JP", 2018)
LYNAS_RECOVERY = F("recipe", "RE recovery in cracking/leaching, Lynas LAMP commissioning", "MY", 2012)

MP_CONC = F("mp_materials", "REO in concentrate production", "US", YEAR)
MP_NDPR = F("mp_materials", "NdPr oxide production", "US", YEAR)
MP_CHINA_REV = F("mp_materials", "share of revenue from concentrate sales (Shenghe/China)", "US", YEAR)
MP_INDEPENDENCE = F("mp_materials", "Independence (Fort Worth) magnet capacity", "US", 2025)
MP_HALT = F("mp_materials", "halted concentrate shipments to China (date)", "US", 2025)
US_CONC_EXPORTS = F("mp_materials", "US concentrate exports (ores & compounds)", "US", YEAR)

IEA_MAG = F("midstream", "share of permanent magnet manufacturing", "CN", YEAR)
JSNM_CN_MAG = F("midstream", "NdFeB magnet production (estimate)", "CN", 2023)
JSNM_JP_MAG = F("midstream", "NdFeB magnet production", "JP", 2020)
EU_MAG_2010 = F("midstream", "share of sintered NdFeB production", "EU", 2010)
WORLD_MAG_2010 = F("midstream", "sintered NdFeB production, world", "", 2010)
SHINETSU_VN = F("midstream", "NdFeB capacity, Shin-Etsu Vietnam", "VN", 2022)

RECIPE_ND = F("recipe", "Nd (RE) content of standard sintered NdFeB (midpoint)", "", 2022)
RECIPE_DY = F("recipe", "Dy content of standard-grade sintered NdFeB (midpoint)", "", 2022)
RECIPE_DY_HI = F("recipe", "Dy content of high-coercivity NdFeB (wind/traction)", "", 2023)
OX_ND = F("recipe", "oxide-to-metal mass factor Nd2O3 -> Nd", "", YEAR)
OX_PR = F("recipe", "oxide-to-metal mass factor Pr6O11 -> Pr", "", YEAR)
OX_DY = F("recipe", "oxide-to-metal mass factor Dy2O3 -> Dy", "", YEAR)
OX_TB = F("recipe", "oxide-to-metal mass factor Tb4O7 -> Tb", "", YEAR)
MP_ND = F("composition", "Nd share of TREO, Mountain Pass inferred resource", "US", 2021)
MP_PR = F("composition", "Pr share of TREO, Mountain Pass inferred resource", "US", 2021)
TO_MAGNET = F("recipe", "share of RE oxide input ending in finished magnet (midpoint)", "", 2025)
MACHINING = F("recipe", "overall machining yield, sintered NdFeB blocks to parts (midpoint)", "", 2025)
ND_TO_MAGNETS = F("demand_split", "magnets share of Nd oxide consumption", "", 2009)
MAG_SHARE_2020 = F("demand_end_use", "permanent magnets share of total REE demand", "", 2020)

CN_MAG_EXPORTS = F("trade_flows", "China exports of RE permanent magnets and magnet alloys", "CN", YEAR)
CN_MAG_2020_TOTAL = F("trade_flows", "China magnet exports, total", "CN", 2020)
CN_MAG_2020 = {c: F("trade_flows", f"China magnet exports to {n}", c, 2020) for c, n in
               (("DE", "Germany"), ("US", "United States"), ("KR", "South Korea"), ("VN", "Vietnam"),
                ("TH", "Thailand"), ("IT", "Italy"))}
CN_MAG_JP_2025 = [F("trade_flows", "China magnet exports to Japan, month 07", "JP", 2025),
                  F("trade_flows", "China magnet exports to Japan, month 12", "JP", 2025),
                  F("japan_imports", "China RE magnet exports to Japan (Nov)", "JP", 2025)]
CN_RE_EXPORTS = F("trade_flows", "China exports of rare earths (ores, compounds, metals)", "CN", YEAR)
CN_RE_TOP4 = F("trade_flows", "top-4 destinations' share of China RE exports (JP, US, NL, TW)", "CN", YEAR)
CN_RE_2019 = {c: F("trade_flows", f"{n} share of China RE exports", c, 2019) for c, n in
              (("JP", "Japan"), ("US", "United States"), ("NL", "Netherlands"), ("KR", "South Korea"),
               ("IT", "Italy"))}

JP_DEMAND = F("japan_demand", "domestic RE demand", "JP", YEAR)
JP_CE = F("japan_demand", "cerium demand", "JP", YEAR)
JP_LA = F("demand_split", "lanthanum demand", "JP", 2020)
JP_Y = F("demand_split", "yttrium demand", "JP", 2020)
JP_CE_CN = F("trade_flows", "China share of Japan's cerium oxide imports, Jan-Jun", "JP", YEAR)
JP_Y_CN = F("trade_flows", "China share of Japan's yttrium oxide imports, Jan-Jun", "JP", YEAR)
JP_HS2805_VN = F("japan_imports", "Vietnam share of HS2805 import value", "VN", YEAR)
JP_HS2805_CN = F("japan_imports", "China share of HS2805 import value", "CN", YEAR)
JP_INDIA = F("japan_policy", "India supply under Toyota Tsusho/Indian DAE-subsidiary deal", "IN", 2018)
JP_STOCK_MONTHS = F("elasticity", "typical inventory held by Japanese firms and trading houses", "JP", 2011)
JP_STOCKPILE_DAYS = F("japan_policy", "national stockpile target (rare metals)", "JP", 2020)
JP_STATE_DAYS = F("japan_policy", "state share of stockpile target", "JP", 2020)
JP_STOCKPILE_2009 = F("elasticity", "JOGMEC state stockpile actual cover, average of stockpiled metals", "JP", 2009)
SUZUKI_HALT = F("export_controls", "Suzuki Swift production halt start", "JP", 2025)
# stocks of other countries (facts_2025_stocks.csv)
FORD_IDLE = F("disruptions", "Ford Chicago Assembly (Explorer) idled for magnet shortage", "US", 2025)
CLEPA_SHUT = F("disruptions", "European supplier inventory cover before further outages (CLEPA, 4 Jun)",
               "EU", 2025)
CLEPA_DATE = date(2025, 6, 4)  # the date in CLEPA_SHUT's item: plants already shut on 4 Jun 2025
AUTO_JIT = F("disruptions", "typical auto just-in-time inventory of critical components", "", 2025)
KR_DY_Y = F("stocks", "Korea public stockpile of Dy and Y (cover)", "KR", 2025)
KR_ND = F("stocks", "KOMIR Gunsan neodymium stock (domestic automakers' use)", "KR", 2024)
KR_RELEASE = F("stocks", "Korea stockpile release lead time (target)", "KR", 2024)
US_NDS_HEAVY = F("stocks", "US NDS heavy rare earths held", "US", 2025)
US_NDS_NDPR = F("stocks", "US NDS FY2025 potential acquisition: NdPr oxide", "US", 2025)
EU_PILOT = F("stocks", "EU pilot joint stockpiling scheme operational", "EU", 2026)
CN_RESERVE = F("stocks", "China State Reserve Bureau rare-earth purchase in one week", "CN", 2014)
CN_MAG_2025 = {4: F("trade_flows", "China magnet exports, month 04", "CN", 2025),
               5: F("export_controls", "China RE magnet exports (May)", "CN", 2025),
               6: F("trade_flows", "China magnet exports, month 06", "CN", 2025)}
US_MAG_MAY25 = F("trade_flows", "China magnet exports to US, month 05", "US", 2025)
US_MAG_2024 = F("trade_flows", "China magnet exports to US, monthly level", "US", 2024)
CONTROLS_APR25 = F("export_controls", "Announcement No.18: licensing of 7 medium/heavy REEs + magnets", "CN", 2025)

NEV_T = F("demand_split", "NdFeB demand, new-energy vehicles", "", YEAR)
NEV_SHARE = F("demand_split", "NEV share of global NdFeB demand", "", YEAR)
AIRCON_T = F("demand_split", "NdFeB demand, inverter air conditioners", "", YEAR)
WIND_T = F("demand_split", "NdFeB demand, wind turbines", "", YEAR)
ELEC_SHARE = F("demand_split", "consumer electronics share of NdFeB demand", "", 2023)
CATALYST_SHARE = F("demand_end_use", "catalysts share of total REE demand", "", 2020)
US_END = F("demand_end_use", "US end use: catalysts", "US", 2020)

PRICE = {k: F("prices", f"{k} oxide average price", "", YEAR) for k in ("Nd", "Dy", "Tb", "Ce", "La", "Eu")}
PRICE_MP_NDPR = F("prices", "MP realized NdPr oxide price", "US", YEAR)
PRICE_NDPR_DEC = F("prices", "NdPr China domestic price ex-VAT, Dec", "CN", YEAR)
PRICE_2009 = {k: F("prices", f"{k} oxide FOB China price, Dec", "", 2009) for k in ("Nd", "Dy", "Ce", "Y", "Sm", "Gd")}
PRICE_2011 = {k: F("prices", f"{k} oxide year-end price (midpoint)", "", 2011) for k in ("Nd", "Dy", "Ce")}
QUOTA_CUT_2010 = F("china_export_quota", "export quota cut vs previous year", "CN", 2010)
PRICE_X10 = F("value", "RE price multiple within a year of the 2010 embargo", "", 2011)
POTHEN_H = F("elasticity", "HREE price uplift vs free trade under continued export restrictions (lower bound)", "", 2014)
MAG_VALUE = F("value", "average export value of China RE magnets", "CN", YEAR)
ND_PER_PRIUS = F("recipe", "Nd per Toyota Prius traction motor", "JP", 2009)
NDFEB_PER_MW = F("recipe", "NdFeB per MW, all PM wind turbines (average assumption)", "", 2023)

SPRECHER_RAMP = F("elasticity", "ramp-up speed of non-Chinese primary production", "", 2012)
SPRECHER_SUBST = F("elasticity", "peak annual substitution rate after 2010 disruption", "", 2012)
LYNAS_RAMP = F("elasticity", "Lynas time from first feed to Phase-1 rate (11,000 t/yr REO)", "MY", 2016)
RECYCLING = F("substitution_recycling", "end-of-life REE recycling rate", "", YEAR)

GOV = {c: F("governance", "WGI composite (mean of 6 estimates), normalised 0-1", c, 2022)
       for c in ("CN", "AU", "US", "MM", "MY", "VN", "IN", "BR", "RU", "TH", "MG", "NG", "JP", "FR", "EE", "KR")}


# --------------------------------------------------------------------------- helpers

def pct(f: Fact) -> float:
    return f.value / 100.0


@dataclass
class FlowRec:
    t: float
    ref: list[Fact | str]
    conf: str
    method: str


flows: dict[tuple[str, str, str], FlowRec] = {}


def flow(src: str, dst: str, mat: str, t: float, ref: Sequence[Fact | str], conf: str, method: str) -> None:
    """Record a baseline flow (adds to an existing one with the same key)."""
    if t < 1e-9:
        return
    key = (src, dst, mat)
    if key in flows:
        rec = flows[key]
        rec.t += t
        rec.method = f"{rec.method} + {method}"
        rec.conf = "estimate" if "estimate" in (rec.conf, conf) else rec.conf
        rec.ref = [*rec.ref, *ref]
    else:
        flows[key] = FlowRec(t, list(ref), conf, method)


def outflow(node: str, mat: str) -> float:
    return sum(v.t for (s, _, m), v in flows.items() if s == node and m == mat)


def inflow(node: str, mat: str) -> float:
    return sum(v.t for (_, d, m), v in flows.items() if d == node and m == mat)


# --------------------------------------------------------------------------- countries

COUNTRIES = [
    ("CN", "China"), ("AU", "Australia"), ("US", "United States"), ("MM", "Myanmar"),
    ("MY", "Malaysia"), ("VN", "Vietnam"), ("IN", "India"), ("TH", "Thailand"), ("RU", "Russia"),
    ("BR", "Brazil"), ("NG", "Nigeria"), ("MG", "Madagascar"), ("JP", "Japan"),
    ("KR", "South Korea"),
]
for code, name in COUNTRIES:
    g = GOV[code]
    b.country(code, name, "country", wgi(g.value), ref=[g], confidence="derived",
              method=f"WGI composite 2022 (mean of the six WGI estimates) rescaled back from 0-1: "
                     f"{g.value} x 5 - 2.5; not the Political Stability series (not retrieved)")
eu = (GOV["FR"].value + GOV["EE"].value) / 2
b.country("EU", "European Union", "region", wgi(eu), ref=[GOV["FR"], GOV["EE"]],
          confidence="estimate",
          method=f"no EU or German WGI in the facts: mean of the two EU members with a figure, France "
                 f"{GOV['FR'].value} and Estonia {GOV['EE'].value}, = {eu:.4f} on 0-1, x 5 - 2.5")
b.country("ROW", "Rest of world", "region", 0.0, ref=[BUILD], confidence="estimate",
          method="WGI estimates are standardised to mean 0 over all countries; the rest of the world "
                 "is given that mean, 0.0")

# --------------------------------------------------------------------------- materials

nd_ratio = MP_ND.value / (MP_ND.value + MP_PR.value)  # Nd share of NdPr (Mountain Pass Nd:Pr)
DY_SHARE = 0.8  # estimate: Dy:Tb = 4:1 by mass in magnet heavy-RE use


def eta(p0: float, p1: float) -> float:
    """Calibrated elasticity: a 40% supply cut raised prices p1/p0: P/P0 = (S/D)^(-1/eta)."""
    return math.log(1 / (1 - pct(QUOTA_CUT_2010))) / math.log(p1 / p0)


eta_nd = eta(PRICE_2009["Nd"].value, PRICE_2011["Nd"].value)
eta_dy = eta(PRICE_2009["Dy"].value, PRICE_2011["Dy"].value)
eta_ce = eta(PRICE_2009["Ce"].value, PRICE_2011["Ce"].value)
eta_gen = math.log(1 / (1 - pct(QUOTA_CUT_2010))) / math.log(PRICE_X10.value)
CAL = (f"calibrated on 2010-11: China's export quota cut {QUOTA_CUT_2010.value:g}% (S/D = 0.6) "
       "with P/P0 = (S/D)^(-1/eta) -> eta = ln(1/0.6)/ln(P1/P0)")

p_ndpr = PRICE_MP_NDPR.value * 1000
b.material("NdPr", "neodymium-praseodymium oxide", "Nd;Pr", "light", p_ndpr, round(eta_nd, 3),
           ref=[PRICE_MP_NDPR, PRICE_NDPR_DEC, PRICE["Nd"], QUOTA_CUT_2010, PRICE_2009["Nd"], PRICE_2011["Nd"]],
           confidence="derived",
           method=f"price: MP Materials' realised 2024 NdPr oxide price {PRICE_MP_NDPR.value:g} USD/kg "
                  f"(between China's Dec-2024 {PRICE_NDPR_DEC.value:g} and the Nd-oxide average "
                  f"{PRICE['Nd'].value:g}); elasticity {CAL}, Nd oxide {PRICE_2009['Nd'].value:g} (Dec 2009)"
                  f" -> {PRICE_2011['Nd'].value:g} USD/kg (end 2011): eta = {eta_nd:.3f}")
p_dytb = (DY_SHARE * PRICE["Dy"].value + (1 - DY_SHARE) * PRICE["Tb"].value) * 1000
b.material("DyTb", "dysprosium-terbium oxide", "Dy;Tb", "heavy", p_dytb, round(eta_dy, 3),
           ref=[PRICE["Dy"], PRICE["Tb"], QUOTA_CUT_2010, PRICE_2009["Dy"], PRICE_2011["Dy"], POTHEN_H, BUILD],
           confidence="estimate",
           method=f"price: 2024 averages Dy oxide {PRICE['Dy'].value:g} and Tb oxide {PRICE['Tb'].value:g} "
                  f"USD/kg weighted Dy:Tb = 4:1 (estimate of magnet use) = {p_dytb / 1000:g} USD/kg; "
                  f"elasticity {CAL}, Dy oxide {PRICE_2009['Dy'].value:g} -> {PRICE_2011['Dy'].value:g}: "
                  f"eta = {eta_dy:.3f} (Pothen 2013: heavy prices react more than light, so this may be high)")
p_lace = (PRICE["Ce"].value + PRICE["La"].value) / 2 * 1000
b.material("LaCe", "lanthanum-cerium oxide", "La;Ce", "light", p_lace, round(eta_ce, 3),
           ref=[PRICE["Ce"], PRICE["La"], QUOTA_CUT_2010, PRICE_2009["Ce"], PRICE_2011["Ce"]],
           confidence="derived",
           method=f"price: mean of 2024 Ce oxide {PRICE['Ce'].value:g} and La oxide {PRICE['La'].value:g} "
                  f"USD/kg; elasticity {CAL}, Ce oxide {PRICE_2009['Ce'].value:g} -> "
                  f"{PRICE_2011['Ce'].value:g}: eta = {eta_ce:.3f}")
p_y = PRICE_2009["Y"].value * 1000
b.material("Y", "yttrium oxide", "Y", "heavy", p_y, round(eta_gen, 3),
           ref=[PRICE_2009["Y"], QUOTA_CUT_2010, PRICE_X10], confidence="estimate",
           method=f"no 2024 yttrium price in the facts: Dec-2009 FOB price {PRICE_2009['Y'].value:g} USD/kg "
                  f"held; elasticity {CAL} with the generic ~{PRICE_X10.value:g}x price rise: "
                  f"eta = {eta_gen:.3f}")
p_other = (0.4 * PRICE_2009["Sm"].value + 0.3 * PRICE_2009["Gd"].value + 0.03 * PRICE["Eu"].value
           + 0.27 * (PRICE_2009["Sm"].value + PRICE_2009["Gd"].value) / 2) * 1000
b.material("Other", "other rare-earth oxides (Sm, Eu, Gd, Ho-Lu; SEG and heavies but Dy, Tb, Y)",
           "Sm;Eu;Gd;Ho;Er;Tm;Yb;Lu", "heavy", round(p_other), round(eta_gen, 3),
           ref=[PRICE_2009["Sm"], PRICE_2009["Gd"], PRICE["Eu"], QUOTA_CUT_2010, PRICE_X10],
           confidence="estimate",
           method=f"mix (estimate) 40% Sm {PRICE_2009['Sm'].value:g}, 30% Gd {PRICE_2009['Gd'].value:g} "
                  f"(Dec-2009 prices, no later ones), 3% Eu {PRICE['Eu'].value:g} (2024), 27% Ho-Lu at the "
                  f"Sm/Gd mean = {p_other / 1000:.2f} USD/kg; elasticity {CAL} with the generic "
                  f"~{PRICE_X10.value:g}x: eta = {eta_gen:.3f}")

# --------------------------------------------------------------------------- recipe

ox_ndpr = nd_ratio * pct(OX_ND) + (1 - nd_ratio) * pct(OX_PR)
ox_dytb = DY_SHARE * pct(OX_DY) + (1 - DY_SHARE) * pct(OX_TB)
DYTB_WT = 1.0  # wt% Dy+Tb, estimate (see method)
ndpr_wt = RECIPE_ND.value - DYTB_WT
R_NDPR = ndpr_wt / 100 / ox_ndpr
R_DYTB = DYTB_WT / 100 / ox_dytb
MAGNET_YIELD = 0.80  # upper end of MACHINING's 60-80% range, see the node method
METAL_YIELD = 0.75 / MAGNET_YIELD  # upper end of TO_MAGNET's 60-75% range / MAGNET_YIELD
SEP_YIELD = 0.95  # estimate, see node methods
rec_ref: list[Fact | str] = [RECIPE_ND, RECIPE_DY, RECIPE_DY_HI, OX_ND, OX_PR, OX_DY, OX_TB, MP_ND, MP_PR]
b.recipe("default", "NdPr", round(R_NDPR, 4), ref=rec_ref, confidence="derived",
         method=f"RE metal {RECIPE_ND.value:g} wt% (midpoint of 29-32.5) minus {DYTB_WT:g} wt% Dy+Tb = "
                f"{ndpr_wt:g} wt% NdPr metal; / oxide-to-metal factor {ox_ndpr:.4f} (Nd2O3 "
                f"{OX_ND.value:g}% and Pr6O11 {OX_PR.value:g}% weighted Nd:Pr = {nd_ratio:.3f}, Mountain "
                f"Pass Nd {MP_ND.value:g} / Pr {MP_PR.value:g}) = {R_NDPR:.4f} t NdPr oxide per t of "
                f"finished magnet; fabrication losses are in the metal and magnet yields")
b.recipe("default", "DyTb", round(R_DYTB, 4), ref=rec_ref, confidence="estimate",
         method=f"Dy+Tb {DYTB_WT:g} wt% (estimate: standard grades {RECIPE_DY.value:g} wt% Dy midpoint of "
                f"0.6-1.2, high-coercivity ~{RECIPE_DY_HI.value:g} wt%, cut by Tb grain-boundary diffusion) / "
                f"oxide-to-metal factor {ox_dytb:.4f} (Dy2O3 {OX_DY.value:g}%, Tb4O7 {OX_TB.value:g}%, Dy:Tb "
                f"4:1) = {R_DYTB:.4f} t DyTb oxide per t of finished magnet")

# --------------------------------------------------------------------------- mining

ion_cn = USGS["MM"].value * (1 - pct(MM_ION_SHARE)) / pct(MM_ION_SHARE)
rock_cn = USGS["CN"].value - ion_cn
mtweld_ndpr = LYNAS_NDPR.value / SEP_YIELD / USGS["AU"].value
mp_seg = pct(COMP_MP["SEG+"])
COMPOSITION: dict[str, dict[str, float]] = {
    "rock": {"NdPr": 0.20, "LaCe": 0.755, "DyTb": 0.002, "Y": 0.003, "Other": 0.04},
    "mountain-pass": {"NdPr": pct(COMP_MP["NdPr"]), "LaCe": pct(COMP_MP["Ce"]) + pct(COMP_MP["La"]),
                      "DyTb": mp_seg * 0.05, "Y": mp_seg * 0.05, "Other": mp_seg * 0.9},
    "ionic": {"NdPr": 0.22, "LaCe": 0.34, "DyTb": 0.05, "Y": 0.24, "Other": 0.15},
    "monazite": {"NdPr": 0.22, "LaCe": 0.69, "DyTb": 0.005, "Y": 0.025, "Other": 0.06},
    # India: heavies 'not available in extractable quantities' (PIB 2023): light part only
    "india-monazite": {"NdPr": round(0.22 / 0.91, 4), "LaCe": round(0.69 / 0.91, 4)},
    "loparite": {"NdPr": 0.20, "LaCe": 0.78, "Other": 0.02},
    "mt-weld": {"NdPr": mtweld_ndpr, "LaCe": 1 - mtweld_ndpr - 0.03, "Other": 0.03},
}
COMP_METHOD = {
    "rock": (f"Bayan Obo / Sichuan bastnaesite-type split (estimate within the sources' ranges): La-Nd "
             f">{COMP_BAYAN_LREE.value:g}% and Ce ~{COMP_BAYAN_CE.value:g}% of REO; NdPr 20% (estimate: the facts "
             "give no NdPr share for these ores, only La-Nd and Ce; 20% is what La-Nd leaves after Ce and "
             "~25% La), La+Ce 75.5%, Sm-Gd+Ho-Lu 4%, Y 0.3%, Dy+Tb 0.2%", [COMP_BAYAN_CE, COMP_BAYAN_LREE]),
    "mountain-pass": (f"MP 10-K distribution of TREO: Ce {COMP_MP['Ce'].value:g} + La {COMP_MP['La'].value:g}"
                      f" = LaCe, NdPr {COMP_MP['NdPr'].value:g}, SEG+ {COMP_MP['SEG+'].value:g}% split "
                      "90% Other, 5% DyTb, 5% Y (estimate)", list(COMP_MP.values())),
    "ionic": (f"medium-heavy ion-adsorption type (~90% of deposits): Sm-Dy {COMP_ION_SMDY.value:g}% -> "
              f"Dy+Tb 5% (estimate, a third) + Sm/Eu/Gd 10%; Ho-Lu+Y {COMP_ION_HOLUY.value:g}% -> Y 24% "
              "(estimate) + Ho-Lu 5%; LREE 56% -> NdPr 22%, La+Ce 34% (estimate: Ce-depleted ores)",
              [COMP_ION_SMDY, COMP_ION_HOLUY]),
    "monazite": ("no element split for these monazites in the facts (SOURCES §19): typical monazite "
                 "assumed, Ce+La 69%, Nd+Pr 22%, Sm/Gd/others 6%, Y 2.5%, Dy+Tb 0.5% (estimate)",
                 [COMP_INDIA]),
    "india-monazite": ("typical monazite's light part (Ce+La 69%, Nd+Pr 22%, renormalised: NdPr 0.2418, "
                       "LaCe 0.7582; estimate): India's heavy rare earths are 'not available in "
                       "extractable quantities' and only Nd and Pr are extracted (PIB 2023), so the "
                       "model's Indian output carries no DyTb, Y or Other", [COMP_INDIA]),
    "loparite": (f"loparite concentrate (~{COMP_LOPARITE.value:g}% REO) is a light-RE ore: bastnaesite-like "
                 "split without heavies assumed, NdPr 20%, La+Ce 78%, Other 2% (estimate)", [COMP_LOPARITE]),
    "mt-weld": (f"no Mt Weld split published (SOURCES §13): NdPr share set so that USGS' "
                f"{USGS['AU'].value:g} t REO yields Lynas' FY24 {LYNAS_NDPR.value:g} t NdPr at separation "
                f"yield {SEP_YIELD}: {LYNAS_NDPR.value:g}/{SEP_YIELD}/{USGS['AU'].value:g} = "
                f"{mtweld_ndpr:.3f} (above the ore's own NdPr share: Lynas also draws on concentrate "
                "stocks, and FY24 is not calendar 2024); SEG/heavy concentrate 3% -> Other, rest La+Ce "
                "(estimate)", [LYNAS_NDPR, MTWELD_GRADE]),
}

# (node, ore, tonnes, capacity tonnes, capacity refs, capacity method)
MINES: list[tuple[str, str, float, float, list[Fact | str], str]] = []
cn_ref: list[Fact | str] = [USGS["CN"], CN_QUOTA, MM_ION_SHARE, USGS["MM"]]
MINES.append(("CN:mining:rock-type", "rock", rock_cn, rock_cn, cn_ref,
              f"China's {USGS['CN'].value:g} t (= the {CN_QUOTA.value:g} t mining quota, spare ~0) less the "
              f"ion-adsorption part {ion_cn:.0f} t; that part from Myanmar being >{MM_ION_SHARE.value:g}% of "
              f"China's ion-adsorption feed: {USGS['MM'].value:g} x (1-0.6)/0.6"))
MINES.append(("CN:mining:ionic-clay", "ionic", ion_cn, ion_cn, cn_ref,
              f"ion-adsorption mining = Myanmar's {USGS['MM'].value:g} t x (1-0.6)/0.6 (Myanmar >"
              f"{MM_ION_SHARE.value:g}% of China's ion-adsorption feed, 2020); at the quota, spare 0"))
MM_2023 = fact("mine_production", "mine production (REO)", "MM", 2023)
MINES.append(("MM:mining", "ionic", USGS["MM"].value, MM_2023.value, [USGS["MM"], MM_2023],
              f"capacity = 2023 output {MM_2023.value:g} t (MCS 2025), shown possible a year earlier"))
MINES.append(("US:mining:mountain-pass", "mountain-pass", USGS["US"].value, MP_CONC.value, [MP_CONC],
              f"capacity = MP's record 2024 concentrate output {MP_CONC.value:g} t REO"))
mtweld_cap = LYNAS_MTWELD_CAP.value / SEP_YIELD / mtweld_ndpr
MINES.append(("AU:mining:mt-weld", "mt-weld", USGS["AU"].value, mtweld_cap, [LYNAS_MTWELD_CAP],
              f"capacity = Mt Weld expansion target {LYNAS_MTWELD_CAP.value:g} t/yr NdPr / {SEP_YIELD} / "
              f"NdPr share {mtweld_ndpr:.3f} = {mtweld_cap:.0f} t REO"))
india_cap = USGS["IN"].value * 10000 / 4000
MINES.append(("IN:mining", "india-monazite", USGS["IN"].value, india_cap, [INDIA_MONAZITE],
              f"India ~10,000 t/yr monazite capacity vs ~4,000 t/yr output (PIB 2023): "
              f"{USGS['IN'].value:g} x 10/4 = {india_cap:.0f}"))
for c, ore, cap_year in (("NG", "monazite", None), ("TH", "monazite", None), ("MG", "monazite", 2021),
                         ("RU", "loparite", 2023), ("VN", "rock", 2022), ("MY", "monazite", 2023),
                         ("BR", "monazite", 2023)):
    if cap_year is None:
        MINES.append((f"{c}:mining", ore, USGS[c].value, USGS[c].value, [USGS[c]],
                      "no spare capacity reported: capacity = 2024 output"))
    else:
        item = "mine production (REO), MCS 2024 estimate" if c == "RU" else "mine production (REO)"
        yr = 2023 if c == "RU" else cap_year
        prior = fact("mine_production", item, c, yr)
        if c == "VN":
            prior = fact("mine_production", "mine production (REO)", "VN", 2022)
        MINES.append((f"{c}:mining", ore, USGS[c].value, max(prior.value, USGS[c].value), [prior],
                      f"capacity = earlier output {prior.value:g} t ({prior.year}), shown possible"))
MINES.append(("ROW:mining", "monazite", USGS_OTHER.value, USGS_OTHER.value, [USGS_OTHER],
              "no spare capacity reported: capacity = 2024 output"))

mine_out: dict[str, dict[str, float]] = {}
for node, ore, t, cap, cref, cmeth in MINES:
    comp = COMPOSITION[ore]
    cmethod, cfacts = COMP_METHOD[ore]
    country = node.split(":")[0]
    mref = [USGS.get(country, USGS_OTHER), *cfacts, *cref]
    mine_out[node] = {}
    for m, share in comp.items():
        out = t * share
        mine_out[node][m] = out
        conf = "derived" if ore == "mountain-pass" and m in ("NdPr", "LaCe") else "estimate"
        b.node(node, m, round(cap * share, 3), round(out, 3), 1.0, ref=mref, confidence=conf,
               method=f"output = {t:.0f} t REO (USGS MCS 2025 {country if country != 'ROW' else 'other countries'}"
                      f"{' part, see capacity' if country == 'CN' else ''}) x {m} share {share:.4f}; "
                      f"split: {cmethod}; capacity: {cmeth}")

# mining destinations
US_SEP_FEED = MP_NDPR.value / SEP_YIELD / COMPOSITION["mountain-pass"]["NdPr"]
ORE = {node: ore for node, ore, *_ in MINES}


def mconf(node: str, m: str) -> str:
    """A mine's flow of ``m`` is derived where its tonnes rest on a published split (Mountain
    Pass' NdPr and La+Ce), else an estimate (the split is; nodes.csv gives it)."""
    return "derived" if ORE[node] == "mountain-pass" and m in ("NdPr", "LaCe") else "estimate"


for node in mine_out:
    country = node.split(":")[0]
    for m, t in mine_out[node].items():
        if country == "CN":
            flow(node, "CN:separation", m, t, [USGS["CN"]], mconf(node, m),
                 "all Chinese ore is separated in China (export of concentrate negligible)")
        elif country == "US":
            share_us = US_SEP_FEED / USGS["US"].value
            flow(node, "US:separation:mountain-pass", m, t * share_us, [MP_NDPR, COMP_MP["NdPr"]], mconf(node, m),
                 f"feed separated in California = {MP_NDPR.value:g} t NdPr oxide / {SEP_YIELD} yield / "
                 f"{COMPOSITION['mountain-pass']['NdPr']:.3f} NdPr share = {US_SEP_FEED:.0f} t REO, "
                 "by composition")
            flow(node, "CN:separation", m, t * (1 - share_us), [MP_CHINA_REV, US_CONC_EXPORTS, USGS["US"]],
                 mconf(node, m),
                 f"rest of the {USGS['US'].value:g} t REO concentrate ({USGS['US'].value - US_SEP_FEED:.0f} t) "
                 f"to China (Shenghe; >{MP_CHINA_REV.value:g}% of MP revenue; US exports "
                 f"{US_CONC_EXPORTS.value:g} t REO per MCS)")
        elif country == "AU":
            flow(node, "MY:separation:lynas", m, t, [LYNAS_NDPR, USGS["AU"]], mconf(node, m),
                 "all Mt Weld concentrate is cracked and separated at Lynas Malaysia (LAMP)")
        elif country == "IN":
            flow(node, "IN:separation", m, t, [USGS["IN"], COMP_INDIA], mconf(node, m),
                 "Indian monazite is processed in India (IREL)")
        elif country == "RU":
            flow(node, "RU:separation", m, t, [USGS["RU"], COMP_LOPARITE], mconf(node, m),
                 "loparite concentrate processed at Solikamsk (Russia)")
        elif country == "MM":
            flow(node, "CN:separation", m, t, [USGS["MM"], MM_OXIDES], mconf(node, m),
                 f"USGS estimates Myanmar's output from China's imports: all of it to Chinese separation; "
                 f"China imported {MM_OXIDES.value:g} t of oxides from Myanmar in Jan-Sep 2024 alone "
                 "(74.9% of its oxide imports), so USGS' full-year figure may be low")
        else:
            flow(node, "CN:separation", m, t, [USGS.get(country, USGS_OTHER)], mconf(node, m),
                 "USGS estimates this country's output from China's import statistics: all of it goes "
                 "to Chinese separation" if country != "ROW" else
                 "other countries' output assumed separated in China (estimate)")

# --------------------------------------------------------------------------- magnets (pulled)

jp_mag = JSNM_JP_MAG.value
vn_mag = SHINETSU_VN.value * 0.7
eu_mag = pct(EU_MAG_2010) * WORLD_MAG_2010.value
MAGNETS: dict[str, tuple[float, float, list[Fact | str], str, str]] = {
    "JP:magnet": (jp_mag, 14000.0, [JSNM_JP_MAG,
                  F("midstream", "NdFeB magnet production", "JP", 2018)], "approximate",
                  "output: JSNM 2020 (latest); capacity: the 2018 output 'just over 14,000 t'"),
    "VN:magnet": (vn_mag, SHINETSU_VN.value, [SHINETSU_VN, BUILD], "estimate",
                  f"output = Shin-Etsu Vietnam capacity {SHINETSU_VN.value:g} t/yr x 70% utilisation "
                  "(estimate); capacity = that capacity"),
    "EU:magnet": (eu_mag, eu_mag * 1.5, [EU_MAG_2010, WORLD_MAG_2010, BUILD], "estimate",
                  f"Europe's 2010 share {EU_MAG_2010.value:g}% x world {WORLD_MAG_2010.value:g} t "
                  "held constant (no later figure); capacity +50% (estimate)"),
    "US:magnet": (0.0, MP_INDEPENDENCE.value, [MP_INDEPENDENCE, MP_HALT], "approximate",
                  f"MP Independence (Texas) ~{MP_INDEPENDENCE.value:g} t/yr capacity; commercial output "
                  "began in 2025, so 2024 output 0"),
}
# oxide sources of the non-Chinese metal nodes ------------------------------------------
# Lynas NdPr: China 3,261 t (exact), the rest to Japan (offtake)
lynas_out = {m: inflow("MY:separation:lynas", m) * SEP_YIELD for m in MATERIALS}
flow("MY:separation:lynas", "CN:metal", "NdPr", LYNAS_TO_CN.value, [LYNAS_TO_CN], "exact",
     "China's 2024 imports of NdPr from Lynas")
lynas_jp = lynas_out["NdPr"] - LYNAS_TO_CN.value
flow("MY:separation:lynas", "JP:metal", "NdPr", lynas_jp, [LYNAS_NDPR, LYNAS_TO_CN, LYNAS_JP_2018], "estimate",
     f"Lynas NdPr {lynas_out['NdPr']:.0f} t less {LYNAS_TO_CN.value:g} t to China, all to Japan (Sojitz "
     "offtake); an estimate: the 2018 fact says 'most of its output is sold to Japanese customers' "
     "without a share (this flow is Lynas' NdPr only, a minority of its REO; La/Ce go elsewhere) and "
     "other non-China buyers are not split out")
# MP NdPr: 232 t to China (exact), rest Japan (estimate)
mp_cn = F("trade_flows", "China imports of NdPr from Lynas", "AU", YEAR)  # note carries MP's 232 t
flow("US:separation:mountain-pass", "CN:metal", "NdPr", 232.0, [mp_cn], "approximate",
     "China's 2024 NdPr imports from MP Materials, 232 t (note of the Lynas import fact)")
mp_rest = MP_NDPR.value - 232.0
flow("US:separation:mountain-pass", "JP:metal", "NdPr", mp_rest, [MP_NDPR, mp_cn, MP_HALT], "estimate",
     f"MP's {MP_NDPR.value:g} t NdPr oxide less 232 t to China = {mp_rest:.0f} t to Japanese metal makers "
     "(estimate: no fact gives MP's oxide buyers outside China; all of the rest is put on Japan, "
     "its likeliest market, which may overstate Japan's non-Chinese NdPr)")
# India: Toyota Tsusho deal ~2,500 t/yr to Japan, NdPr first
in_out = {m: inflow("IN:separation", m) * SEP_YIELD for m in MATERIALS}
flow("IN:separation", "JP:metal", "NdPr", in_out["NdPr"], [JP_INDIA, COMP_INDIA], "estimate",
     f"India separates only Nd/Pr (PIB 2023); all its NdPr to Japan under the Toyota Tsusho deal (~"
     f"{JP_INDIA.value:g} t/yr expected in 2018; its La/Ce assumed used in India) (estimate)")

# metal sourcing of the magnet nodes (share of each material's metal need)
hs_vn, hs_cn = pct(JP_HS2805_VN), pct(JP_HS2805_CN)
jp_nd_need = MAGNETS["JP:magnet"][0] * R_NDPR / MAGNET_YIELD
jp_nonchina_oxide = inflow("JP:metal", "NdPr")
JP_DOMESTIC_METAL = min(1.0, jp_nonchina_oxide * METAL_YIELD / jp_nd_need)
DOM_WHY = (f"Japanese metal makers turn all non-Chinese NdPr oxide Japan gets ({jp_nonchina_oxide:.0f} t) into "
           f"metal: {jp_nonchina_oxide:.0f} x {METAL_YIELD:.4f} / NdPr metal need {jp_nd_need:.0f} t = "
           f"{JP_DOMESTIC_METAL:.1%} of Japan's magnet metal; the same share for DyTb")
MAGNET_METAL_SRC: dict[str, list[tuple[str, float, str]]] = {
    "JP:magnet": [("JP:metal", JP_DOMESTIC_METAL, DOM_WHY),
                  ("VN:metal", (1 - JP_DOMESTIC_METAL) * hs_vn / (hs_vn + hs_cn),
                   f"imported {1 - JP_DOMESTIC_METAL:.1%} split by HS 2805 value shares Vietnam {JP_HS2805_VN.value:g}% : China "
                   f"{JP_HS2805_CN.value:g}% (renormalised)"),
                  ("CN:metal", (1 - JP_DOMESTIC_METAL) * hs_cn / (hs_vn + hs_cn),
                   f"imported {1 - JP_DOMESTIC_METAL:.1%} split by HS 2805 value shares Vietnam {JP_HS2805_VN.value:g}% : China "
                   f"{JP_HS2805_CN.value:g}% (renormalised)")],
    "VN:magnet": [("VN:metal", 1.0, "Vietnamese metal makers supply Shin-Etsu Vietnam (estimate)")],
    "EU:magnet": [("CN:metal", 1.0, "European magnet makers buy Chinese metal/alloy (estimate)")],
}
RECIPE = {"NdPr": R_NDPR, "DyTb": R_DYTB}


def metal_need(out: float, m: str) -> float:
    return out * RECIPE[m] / MAGNET_YIELD



for node, srcs in MAGNET_METAL_SRC.items():
    out = MAGNETS[node][0]
    for m in RECIPE:
        for src, share, why in srcs:
            ref: list[Fact | str] = [JP_HS2805_VN, JP_HS2805_CN, MACHINING, BUILD] if node == "JP:magnet" \
                else [MACHINING, BUILD]
            flow(src, node, m, metal_need(out, m) * share, ref, "estimate",
                 f"{node} need = {out:.0f} t magnet x recipe {RECIPE[m]:.4f} / magnet yield "
                 f"{MAGNET_YIELD}; {why}")


metal_out: dict[str, dict[str, float]] = {n: {m: outflow(n, m) for m in RECIPE}
                                          for n in ("JP:metal", "VN:metal")}
for node in ("JP:metal", "VN:metal"):
    for m in RECIPE:
        need = metal_out[node][m] / METAL_YIELD
        have = inflow(node, m)
        rest = need - have
        if rest < -1e-6:
            raise ValueError(f"{node} {m}: oxide from non-Chinese sources {have:.0f} exceeds need {need:.0f}")
        flow("CN:separation", node, m, rest, [TO_MAGNET, MACHINING, BUILD], "estimate",
             f"balance of {node}'s oxide need ({metal_out[node][m]:.0f} t metal / metal yield "
             f"{METAL_YIELD:.4f} = {need:.0f} t) not covered by Lynas/MP/India: Chinese oxide")

# --------------------------------------------------------------------------- Japan's end use of materials

jp_lace = JP_CE.value + JP_LA.value
jp_y = JP_Y.value
lynas_lace_jp = jp_lace * (1 - pct(JP_CE_CN))
JP_MAT = {  # material -> {sector: share}
    "LaCe": {"catalysts": 0.4, "glass_polishing": 0.45, "other": 0.15},
    "Y": {"electronics": 0.5, "other": 0.5},
}
JP_MAT_METHOD = {
    "LaCe": (f"Japan's Ce {JP_CE.value:g} t (2024) + La {JP_LA.value:g} t (2020) = {jp_lace:.0f} t; split "
             "catalysts 40%, glass/polishing 45%, other (NiMH, alloys) 15% (estimate)"),
    "Y": f"Japan's Y demand {JP_Y.value:g} t (2020, latest); split electronics (phosphor) 50%, other (YSZ ceramics) 50% (estimate)",
}
for m, total in (("LaCe", jp_lace), ("Y", jp_y)):
    for sector, share in JP_MAT[m].items():
        node = f"JP:end_use:{sector}"
        if m == "LaCe":
            flow("CN:separation", node, m, total * share * pct(JP_CE_CN), [JP_CE, JP_LA, JP_CE_CN], "estimate",
                 f"{JP_MAT_METHOD[m]}; China {JP_CE_CN.value:g}% (H1-2024 share of Japan's Ce oxide imports)")
            flow("MY:separation:lynas", node, m, total * share * (1 - pct(JP_CE_CN)), [JP_CE, JP_LA, JP_CE_CN],
                 "estimate", f"{JP_MAT_METHOD[m]}; non-China {100 - JP_CE_CN.value:.1f}% from Lynas (estimate)")
        else:
            flow("CN:separation", node, m, total * share, [JP_Y, JP_Y_CN], "estimate",
                 f"{JP_MAT_METHOD[m]}; China {JP_Y_CN.value:g}% of Japan's Y oxide imports: taken as all")
# Japan's other materials: the rest of JSNM's 18,835 t
jp_used = (sum(inflow("JP:metal", m) for m in RECIPE) + jp_lace + jp_y
           + sum(inflow("JP:magnet", m) for m in RECIPE) - sum(outflow("JP:metal", m) for m in RECIPE))
jp_rest = JP_DEMAND.value - jp_used
if jp_rest < 0:
    raise ValueError(f"Japan's modelled use {jp_used:.0f} exceeds JSNM demand {JP_DEMAND.value:g}")
JP_REST_SPLIT = {"NdPr": 0.2, "Other": 0.75, "DyTb": 0.05}
for m, share in JP_REST_SPLIT.items():
    flow("CN:separation", "JP:end_use:other", m, jp_rest * share, [JP_DEMAND, JP_CE, JP_LA, JP_Y, BUILD], "estimate",
         f"rest of Japan's {JP_DEMAND.value:g} t REO demand (JSNM 2024) after magnet feed, La+Ce and Y = "
         f"{jp_rest:.0f} t; split NdPr 20% (glass, ceramics, alloys), Other 75% (Sm, Gd, Eu ...), DyTb 5% "
         "(estimate); Chinese oxide")

# --------------------------------------------------------------------------- other buyers' materials

# Lynas La/Ce and Other, US La/Ce etc., India's rest, Russia's output
for m in ("LaCe", "Other"):
    rest = lynas_out[m] - outflow("MY:separation:lynas", m)
    if m == "LaCe":
        for dst, sh in (("EU:end_use:catalysts", 0.3), ("US:end_use:catalysts", 0.2),
                        ("KR:end_use:glass_polishing", 0.1), ("ROW:end_use:catalysts", 0.4)):
            flow("MY:separation:lynas", dst, m, rest * sh, [LYNAS_NDPR, BUILD], "estimate",
                 f"Lynas La/Ce not sold to Japan ({rest:.0f} t): EU 30%, US 20%, Korea 10%, rest of world 40% "
                 "(estimate; no Lynas sales split by destination, SOURCES §19)")
    else:
        flow("MY:separation:lynas", "ROW:end_use:other", m, rest, [LYNAS_HRE, BUILD], "estimate",
             "Lynas' SEG/heavy concentrate (separated only from 2025): buyer not published, to rest of world")
us_out = {m: inflow("US:separation:mountain-pass", m) * SEP_YIELD for m in MATERIALS}
for m in MATERIALS:
    rest = us_out[m] - outflow("US:separation:mountain-pass", m)
    if m == "LaCe":
        for sector, sh in (("catalysts", 0.75), ("glass_polishing", 0.11), ("industrial", 0.04), ("other", 0.10)):
            flow("US:separation:mountain-pass", f"US:end_use:{sector}", m, rest * sh, [US_END], "estimate",
                 f"MP's La/Ce products used in the US by the USGS 2020 end-use split: catalysts "
                 f"{US_END.value:g}%, ceramics/glass+polishing 11%, metallurgy 4%, other 10%")
    elif rest > 0:
        flow("US:separation:mountain-pass", "US:end_use:other", m, rest, [MP_NDPR, BUILD], "estimate",
             "MP's small SEG+ output, used in the US (estimate)")
for m in MATERIALS:
    rest = in_out[m] - outflow("IN:separation", m)
    flow("IN:separation", "ROW:end_use:other", m, rest, [USGS["IN"], COMP_INDIA, BUILD], "estimate",
         "India's own use (India is inside the rest of world for end use)")
ru_out = {m: inflow("RU:separation", m) * SEP_YIELD for m in MATERIALS}
for m, t in ru_out.items():
    flow("RU:separation", "ROW:end_use:other", m, t, [USGS["RU"], COMP_LOPARITE, BUILD], "estimate",
         "Russia's output used in Russia and CIS (rest of world)")

# China's exports of materials to US, EU, KR, ROW -------------------------------------
cn_to_jp = sum(v.t for (s, d, _), v in flows.items()
               if s.startswith("CN:") and d.startswith("JP:") and _ != "magnet")
cn_to_vn = sum(inflow("VN:metal", m) for m in RECIPE)
cn_rest_exports = CN_RE_EXPORTS.value - cn_to_jp - cn_to_vn
SH = {"US": pct(CN_RE_2019["US"]), "EU": pct(CN_RE_2019["NL"]) + pct(CN_RE_2019["IT"]),
      "KR": pct(CN_RE_2019["KR"]), "ROW": 0.121}
BASKET = {"LaCe": 0.83, "Y": 0.08, "Other": 0.06, "NdPr": 0.02, "DyTb": 0.01}
SECT = {"LaCe": {"catalysts": 0.5, "glass_polishing": 0.3, "industrial": 0.1, "other": 0.1},
        "Y": {"electronics": 0.5, "other": 0.5}, "Other": {"other": 1.0}, "NdPr": {"other": 1.0},
        "DyTb": {"other": 1.0}}
for c, sh in SH.items():
    tot = cn_rest_exports * sh / sum(SH.values())
    for m, bs in BASKET.items():
        for sector, ss in SECT[m].items():
            flow("CN:separation", f"{c}:end_use:{sector}", m, tot * bs * ss,
                 [CN_RE_EXPORTS, CN_RE_TOP4, *CN_RE_2019.values()], "estimate",
                 f"China's RE exports {CN_RE_EXPORTS.value:g} t (customs weight taken as t REO) less "
                 f"Japan's {cn_to_jp:.0f} t and Vietnam's {cn_to_vn:.0f} t modelled above = "
                 f"{cn_rest_exports:.0f} t, split by 2019 destination shares US 33.4 : EU (NL 9.6 + IT 3.5)"
                 f" : KR 5.4 : rest 12.1; basket La/Ce 83%, Y 8%, Other 6%, NdPr 2%, DyTb 1%; sectors "
                 "La/Ce catalysts 50% glass/polishing 30% industrial 10% other 10%, Y electronics/other "
                 "(all estimates)")

# --------------------------------------------------------------------------- China's magnets

cn_sep_out = {m: inflow("CN:separation", m) * SEP_YIELD for m in MATERIALS}
NONMAG = 1 - 0.9  # estimate: 10% of China's NdPr/DyTb not used for magnets
cn_metal_in = {}
for m in RECIPE:
    avail = cn_sep_out[m] - outflow("CN:separation", m)
    cn_metal_in[m] = avail * (1 - NONMAG)
# China's magnet output limited by NdPr (DyTb checked below)
cn_metal_ndpr_total = cn_metal_in["NdPr"] + inflow("CN:metal", "NdPr")
cn_metal_ndpr_out = cn_metal_ndpr_total * METAL_YIELD
cn_metal_ndpr_for_cn = cn_metal_ndpr_out - outflow("CN:metal", "NdPr")
cn_mag = cn_metal_ndpr_for_cn * MAGNET_YIELD / R_NDPR
flow("CN:separation", "CN:metal", "NdPr", cn_metal_in["NdPr"], [ND_TO_MAGNETS, MAG_SHARE_2020, BUILD], "estimate",
     f"China's separated NdPr left after exports ({cn_sep_out['NdPr'] - outflow('CN:separation', 'NdPr'):.0f} t)"
     f": 90% to metal for magnets, 10% to other uses (estimate; magnets took {ND_TO_MAGNETS.value:g}% of Nd "
     "oxide in 2009 and their share has grown since)")
cn_dytb_need = metal_need(cn_mag, "DyTb") + outflow("CN:metal", "DyTb")
cn_dytb_oxide = cn_dytb_need / METAL_YIELD
flow("CN:separation", "CN:metal", "DyTb", cn_dytb_oxide, [MACHINING, TO_MAGNET, BUILD], "derived",
     f"DyTb oxide China's metal makers need for its magnets and metal exports: {cn_dytb_need:.0f} t metal"
     f" / {METAL_YIELD:.4f}")
for m in RECIPE:
    flow("CN:metal", "CN:magnet", m, metal_need(cn_mag, m), [MACHINING, JSNM_CN_MAG, BUILD], "derived",
         f"China's magnet output {cn_mag:.0f} t (limited by its NdPr, see CN:magnet) x recipe "
         f"{RECIPE[m]:.4f} / magnet yield {MAGNET_YIELD}")
MAGNETS["CN:magnet"] = (cn_mag, JSNM_CN_MAG.value, [JSNM_CN_MAG, IEA_MAG, BUILD], "derived",
                        f"output = what China's NdPr supports: NdPr metal {cn_metal_ndpr_for_cn:.0f} t x "
                        f"magnet yield {MAGNET_YIELD} / recipe {R_NDPR:.4f}; JSNM's ~{JSNM_CN_MAG.value:g} t "
                        "(2023, likely gross of recycled swarf) cannot be fed by 2024 primary supply at this "
                        "recipe; capacity = JSNM's 2023 production estimate (China's plants made that much, "
                        "in gross terms)")

# magnet flows to end uses ---------------------------------------------------------------
jp_from_cn = sum(v.value for v in CN_MAG_JP_2025) / 3 * 12
exp_2020 = {c: f.value / CN_MAG_2020_TOTAL.value for c, f in CN_MAG_2020.items()}
# the EU: its share of China's H1-2025 exports (the 2020 split names only Germany and Italy, 20%;
# Europe took 37-41% in 2025: Rare Earth Exchanges, SMM)
EU_MAG_H1_25 = F("trade_flows", "China magnet exports to EU, Jan-Jun", "EU", 2025)
CN_MAG_H1_25 = F("trade_flows", "China magnet exports Jan-Jun", "CN", 2025)
eu_share_25 = EU_MAG_H1_25.value / CN_MAG_H1_25.value
cn_mag_dest = {"EU": eu_share_25 * CN_MAG_EXPORTS.value,
               "US": exp_2020["US"] * CN_MAG_EXPORTS.value,
               "KR": exp_2020["KR"] * CN_MAG_EXPORTS.value,
               "JP": jp_from_cn}
cn_mag_dest["ROW"] = CN_MAG_EXPORTS.value - sum(cn_mag_dest.values())
cn_mag_dest["CN"] = cn_mag - CN_MAG_EXPORTS.value
MAG_SECT_WORLD = {
    "automotive": pct(NEV_SHARE),
    "industrial": AIRCON_T.value / (NEV_T.value / pct(NEV_SHARE)),
    "wind": WIND_T.value / (NEV_T.value / pct(NEV_SHARE)),
    "electronics": pct(ELEC_SHARE),
}
MAG_SECT_WORLD["other"] = 1 - sum(MAG_SECT_WORLD.values())
world_ndfeb = NEV_T.value / pct(NEV_SHARE)
MAG_SECT_CN = {"automotive": 0.216 + 0.122, "wind": 0.067, "industrial": 0.078, "electronics": 0.142}
MAG_SECT_CN["other"] = 1 - sum(MAG_SECT_CN.values())
sect_world_method = (f"world NdFeB demand split (ACREI 2024): NEV {NEV_T.value:g} t = {NEV_SHARE.value:g}% -> "
                     f"total {world_ndfeb:.0f} t; air-con {AIRCON_T.value:g} t (industrial), wind "
                     f"{WIND_T.value:g} t, electronics ~{ELEC_SHARE.value:g}% (Heim & Vander Wal), rest other")
sect_cn_method = ("China's magnet end use (JSNM 2023): EV traction 21.6% + other auto 12.2%, wind 6.7%, "
                  "air-con 7.8% (industrial), electronics 14.2%, rest other")
ref_w = [NEV_T, NEV_SHARE, AIRCON_T, WIND_T, ELEC_SHARE]


# End users split by supplier: (country, sector) -> {supplier country: named end user}. One
# aggregate node pools every user's stock, so a cut that falls on the users of one supplier
# draws the stock of all; the facts give the stock of a user of Chinese magnets (Suzuki's days,
# below), not of a user of Japanese ones. Japan's automotive users of Chinese-made magnets
# (Suzuki's Swift stopped for want of them, 26 May 2025) are apart from the users of Japanese
# makers' magnets (made in Japan and at Shin-Etsu's Vietnam plant).
SPLIT_BY_SUPPLIER = {("JP", "automotive"): {"CN": "automotive-cn", "JP": "automotive-jp",
                                            "VN": "automotive-jp"}}
SPLIT_WHY = {"automotive-cn": "users of Chinese-made magnets (Suzuki's kind)",
             "automotive-jp": "users of Japanese makers' magnets (made in Japan and by Shin-Etsu Vietnam)"}


def end_user(src: str, country: str, sector: str) -> str:
    """The end-use node of ``country``'s ``sector`` that buys from ``src`` (see SPLIT_BY_SUPPLIER)."""
    split = SPLIT_BY_SUPPLIER.get((country, sector))
    if split is None:
        return f"{country}:end_use:{sector}"
    supplier = src.split(":")[0]
    if supplier not in split:
        raise ValueError(f"{country}'s {sector} is split by supplier ({', '.join(split)}): "
                         f"say which end user buys from {src}")
    return f"{country}:end_use:{split[supplier]}"


def magnet_to(src: str, country: str, t: float, ref: Sequence[Fact | str], conf: str, why: str) -> None:
    split = MAG_SECT_CN if country == "CN" else MAG_SECT_WORLD
    how = sect_cn_method if country == "CN" else sect_world_method
    for sector, sh in split.items():
        node = end_user(src, country, sector)
        named = node.split(":")[2]
        whose = f"; {country}'s {sector} split by supplier: {SPLIT_WHY[named]}" if named in SPLIT_WHY else ""
        flow(src, node, "magnet", t * sh, [*ref, *ref_w, JSNM_CN_MAG], conf,
             f"{why}; sectors: {how}{whose}")


for c, t in cn_mag_dest.items():
    if c == "CN":
        magnet_to("CN:magnet", "CN", t, [CN_MAG_EXPORTS], "derived",
                  f"China's magnet output {cn_mag:.0f} t less exports {CN_MAG_EXPORTS.value:g} t")
    elif c == "JP":
        magnet_to("CN:magnet", "JP", t, CN_MAG_JP_2025, "estimate",
                  f"China's magnet exports to Japan: mean of 2025 months (Jul {CN_MAG_JP_2025[0].value:g}, "
                  f"Nov {CN_MAG_JP_2025[2].value:g}, Dec {CN_MAG_JP_2025[1].value:g} t) x 12 = {t:.0f} t; "
                  "an estimate: no 2024 figure for Japan is in the facts, and these are months after "
                  "China's April-2025 controls standing in for 2024 (Reuters put Dec 2025 at +31% y/y, "
                  "so 2024 may be lower)")
    elif c == "ROW":
        magnet_to("CN:magnet", "ROW", t, [CN_MAG_EXPORTS, CN_MAG_2020_TOTAL], "estimate",
                  f"China's magnet exports {CN_MAG_EXPORTS.value:g} t (2024) less the EU (2025 share), US, KR "
                  f"(2020 shares scaled) and Japan = {t:.0f} t to the rest (Vietnam, Thailand, India, "
                  "Mexico ...)")
    elif c == "EU":
        magnet_to("CN:magnet", "EU", t, [CN_MAG_EXPORTS, EU_MAG_H1_25, CN_MAG_H1_25], "estimate",
                  f"China's 2024 magnet exports {CN_MAG_EXPORTS.value:g} t x the EU's share of China's "
                  f"H1-2025 exports ({EU_MAG_H1_25.value:g} / {CN_MAG_H1_25.value:g} = {eu_share_25:.3f}) = "
                  f"{t:.0f} t; an estimate: no 2024 split, and the EU's share fell a little in 2025 (-22.4% "
                  "y/y against -18.9% for all); the 2020 split (Germany + Italy, 20%) missed most of the EU")
    else:
        who = c
        magnet_to("CN:magnet", c, t, [CN_MAG_EXPORTS, CN_MAG_2020_TOTAL, *CN_MAG_2020.values()], "estimate",
                  f"China's 2024 magnet exports {CN_MAG_EXPORTS.value:g} t x {who}'s 2020 share of "
                  f"China's magnet exports (Argus 2020 split, scaled; no 2024 split) = {t:.0f} t")
JP_MAG_HOME = 0.75
magnet_to("JP:magnet", "JP", jp_mag * JP_MAG_HOME, [JSNM_JP_MAG, BUILD], "estimate",
          "Japanese magnets used in Japan: 75% of output (estimate, no export statistics in the facts)")
for c, sh in (("US", 0.08), ("EU", 0.07), ("ROW", 0.10)):
    magnet_to("JP:magnet", c, jp_mag * sh, [JSNM_JP_MAG, BUILD], "estimate",
              "Japanese magnet exports: 25% of output split US 8%, EU 7%, rest 10% (estimate)")
magnet_to("VN:magnet", "JP", vn_mag * 0.5, [SHINETSU_VN, BUILD], "estimate",
          "Shin-Etsu Vietnam output: half to Japan (estimate)")
magnet_to("VN:magnet", "ROW", vn_mag * 0.5, [SHINETSU_VN, BUILD], "estimate",
          "Shin-Etsu Vietnam output: half to the rest of the world (estimate)")
magnet_to("EU:magnet", "EU", eu_mag, [EU_MAG_2010, BUILD], "estimate", "European magnets used in Europe")

# --------------------------------------------------------------------------- China's own end use (closure)

cn_metal_nd_rest = (inflow("CN:metal", "NdPr") * METAL_YIELD) - outflow("CN:metal", "NdPr")
flow("CN:metal", "CN:end_use:other", "NdPr", cn_metal_nd_rest, [BUILD], "estimate",
     "balance closure: NdPr metal left at China's metal makers after magnets (rounding of the NdPr-limited "
     "magnet output) to other uses")
CN_SECT = {"LaCe": {"catalysts": 0.3, "glass_polishing": 0.25, "industrial": 0.2, "other": 0.25},
           "Y": {"electronics": 0.4, "industrial": 0.3, "other": 0.3},
           "Other": {"industrial": 0.5, "other": 0.5}, "NdPr": {"industrial": 0.5, "other": 0.5},
           "DyTb": {"other": 1.0}}
for m in MATERIALS:
    rest = cn_sep_out[m] - outflow("CN:separation", m)
    if rest < -1e-6:
        raise ValueError(f"CN:separation {m}: buyers take {-rest:.0f} t more than it makes")
    for sector, sh in CN_SECT[m].items():
        flow("CN:separation", f"CN:end_use:{sector}", m, rest * sh, [USGS["CN"], CATALYST_SHARE, BUILD],
             "estimate",
             f"balance closure: China's separated {m} not taken by its metal makers or exports "
             f"({rest:.0f} t) is China's own non-magnet use, incl. unsold La/Ce surplus; split "
             + ", ".join(f"{s} {v:.0%}" for s, v in CN_SECT[m].items())
             + f" (estimate; catalysts ~{CATALYST_SHARE.value:g}% of world REE volume, 2020)")

# --------------------------------------------------------------------------- nodes: separation, metal, magnet

SEP_CAP: dict[str, tuple[float | None, list[Fact | str], str]] = {
    "CN:separation": (1.0, [CN_QUOTA], f"capacity = output: the {CN_SEP_QUOTA_T:g} t separation quota "
                      "(note of the quota fact) binds domestic ore; no spare capacity reported"),
    "MY:separation:lynas": (None, [LYNAS_LAMP2, LYNAS_MY_CAP, LYNAS_HRE],
                            f"capacity: LAMP Phase 2 {LYNAS_LAMP2.value:g} t REO/yr by composition; NdPr "
                            f"finishing {LYNAS_MY_CAP.value:g} t/yr; Other: HRE circuit {LYNAS_HRE.value:g} t/yr"),
    "US:separation:mountain-pass": (2.0, [MP_NDPR, MP_HALT, BUILD],
                                    "capacity 2x 2024 output (estimate: half of concentrate was refined in "
                                    "California after Apr 2025)"),
    "IN:separation": (10000 / 4000, [INDIA_MONAZITE], "capacity: India ~10,000 vs ~4,000 t/yr monazite"),
    "RU:separation": (1.0, [USGS["RU"]], "capacity = output (no figure)"),
}
for node, (mult, cref, cmeth) in SEP_CAP.items():
    for m in MATERIALS:
        inp = inflow(node, m)
        if inp <= 0:
            continue
        out = inp * SEP_YIELD
        if node == "MY:separation:lynas":
            cap = {"NdPr": LYNAS_MY_CAP.value,
                   "LaCe": LYNAS_LAMP2.value * COMPOSITION["mt-weld"]["LaCe"],
                   "Other": LYNAS_HRE.value}[m]
            cap = max(cap, out)
        else:
            cap = out * (mult or 1.0)
        b.node(node, m, round(cap, 3), round(out, 3), SEP_YIELD, ref=[*cref, LYNAS_RECOVERY, BUILD],
               confidence="estimate",
               method=f"output = input {inp:.0f} t x yield {SEP_YIELD} (estimate: Lynas >"
                      f"{LYNAS_RECOVERY.value:g}% recovery in cracking, a few % lost in separation); {cmeth}")
METAL_CAP = {"CN:metal": 1.0, "JP:metal": 1.5, "VN:metal": 1.25}
for node, mult in METAL_CAP.items():
    for m in ("NdPr", "DyTb"):
        out = outflow(node, m)
        b.node(node, m, round(out * mult, 3), round(out, 3), round(METAL_YIELD, 4),
               ref=[TO_MAGNET, MACHINING, BUILD], confidence="derived",
               method=f"output = outgoing metal; yield {METAL_YIELD:.4f} = oxide-to-finished-magnet 75% "
                      f"(upper end of 60-75%, midpoint {TO_MAGNET.value:g}%) / magnet yield {MAGNET_YIELD} "
                      f"(the rest of the fabrication loss sits at the magnet node); capacity = output x {mult} (estimate: "
                      "Japanese and Vietnamese metal plants ran below their 2010s levels)")
for node, (out, cap, mref, conf, meth) in MAGNETS.items():
    b.node(node, "magnet", round(max(cap, out), 3), round(out, 3), MAGNET_YIELD, ref=[*mref, MACHINING],
           confidence=conf if conf != "approximate" or node != "JP:magnet" else "approximate",
           method=f"{meth}; yield {MAGNET_YIELD} = upper end of the 60-80% machining yield (midpoint "
                  f"{MACHINING.value:g}%): upper ends because part of the swarf is re-fed in-plant (estimate)")

# --------------------------------------------------------------------------- flows, demand

for (s, d, m), rec in sorted(flows.items()):
    b.flow(s, d, m, round(rec.t, 3), ref=rec.ref, confidence=rec.conf, method=rec.method)

mag_value = MAG_VALUE.value
MULT = {"automotive": 100, "electronics": 50, "wind": 40, "industrial": 30, "catalysts": 20,
        "glass_polishing": 10, "other": 10}
MULT_WHY = (f"value at risk = reference price x sector multiplier (downstream value stopped per USD of "
            f"input; estimates): automotive 100 (~1 kg Nd per Prius motor, i.e. ~{ND_PER_PRIUS.value / 0.3:.1f} "
            f"kg magnet at ~{mag_value / 1000:.0f} USD/kg, stops a vehicle worth >100x), wind 40 "
            f"({NDFEB_PER_MW.value:g} kg NdFeB/MW vs ~1 M USD/MW), electronics 50, industrial 30, "
            "catalysts 20, glass/polishing 10, other 10")
prices = {"NdPr": p_ndpr, "DyTb": p_dytb, "LaCe": p_lace, "Y": p_y, "Other": p_other, "magnet": mag_value}
ends: dict[tuple[str, str], float] = defaultdict(float)
for (_, d, m), v in flows.items():
    if ":end_use:" in d:
        ends[(d, m)] += v.t
for (node, m), t in sorted(ends.items()):
    sector = node.split(":")[2].split("-", 1)[0]
    b.demand(node, m, round(t, 3), round(prices[m] * MULT[sector]),
             ref=[MAG_VALUE, ND_PER_PRIUS, NDFEB_PER_MW, BUILD], confidence="estimate",
             method=f"demand = baseline inflow (see flows); {MULT_WHY}; price {prices[m]:.0f} USD/t "
                    f"({'China magnet export unit value 2024' if m == 'magnet' else 'materials.csv'})")

# --------------------------------------------------------------------------- stocks, stockpiles

# Firms' stocks, every consumer country (metal and magnet makers' inputs, end users' stocks).
# Materials: Japan's "about three months" (Japan Times 2011) is the only stated stock of
# materials in the facts; it is applied to every country's metal and magnet makers and end uses
# (an estimate outside Japan). Magnets at end users: the days from China's licensing (4 Apr
# 2025) to the first reported stoppage of a country's line for want of magnets (Japan: Suzuki,
# 26 May; US: Ford Chicago in May, day not found: mid-May taken; EU: CLEPA said on 4 Jun that
# plants were already shut, an upper bound); where no stoppage was reported, the typical
# automotive just-in-time cover of 2-4 weeks (midpoint 3; a blog, weak).
months = JP_STOCK_MONTHS.value
controls = date.fromisoformat(str(int(CONTROLS_APR25.value)))
ford = date.fromisoformat(f"{int(FORD_IDLE.value) // 100}-{int(FORD_IDLE.value) % 100:02d}-15")
# The stock a user fully dependent on Chinese magnets drew from 4 Apr 2025 until its line
# stopped: each day the share of its supply that China's exports lacked in the month they
# shipped (a month before they arrive: transit) against the 2024 mean month (cut = 1 - exports / (2024 exports / 12); to the US in May, against the US
# 2024 level), i.e. days of full use drawn, not calendar days (supply was cut, not stopped).
mag_month_2024 = CN_MAG_EXPORTS.value / 12
CUT_2025 = {m: 1 - f.value / mag_month_2024 for m, f in CN_MAG_2025.items()}
CUT_US = dict(CUT_2025)
CUT_US[5] = 1 - US_MAG_MAY25.value / US_MAG_2024.value


TRANSIT = 1  # months from China to the buyer (the transit_months parameter below)


def drawn_days(stop: date, cut: dict[int, float]) -> float:
    """Days of full use drawn between China's controls and ``stop``: each day the cut of the
    exports that arrive that day, those shipped ``TRANSIT`` months earlier (see above)."""
    days = 0.0
    day = controls
    while day < stop:
        days += cut.get(day.month - TRANSIT, 0.0)
        day = date.fromordinal(day.toordinal() + 1)
    return round(days, 1)


cut_text = ", ".join(f"{date(2025, m, 1):%b} {c:.3f}" for m, c in CUT_2025.items())
MAGNET_DAYS: dict[str, tuple[float, list[Fact], str]] = {
    "JP": (drawn_days(date.fromisoformat(str(int(SUZUKI_HALT.value))), CUT_2025),
           [SUZUKI_HALT, CONTROLS_APR25, CN_MAG_EXPORTS, *CN_MAG_2025.values(), BUILD],
           f"China's licensing from 4 Apr 2025 stopped Suzuki's Swift line on 26 May 2025; each day "
           f"counts the cut of China's magnet exports shipped a month earlier (transit) vs the 2024 "
           f"mean month ({cut_text})"),
    "US": (drawn_days(ford, CUT_US),
           [FORD_IDLE, CONTROLS_APR25, CN_MAG_EXPORTS, *CN_MAG_2025.values(), US_MAG_MAY25,
            US_MAG_2024, BUILD],
           f"China's licensing from 4 Apr 2025 idled Ford's Chicago plant in May 2025 (day not found: "
           f"the 15th taken); each day counts the cut of a month earlier ({cut_text}; to the US in May "
           f"{CUT_US[5]:.3f}: {US_MAG_MAY25.value:g} t vs ~{US_MAG_2024.value:g} t/month in 2024)"),
    "EU": (drawn_days(CLEPA_DATE, CUT_2025),
           [CLEPA_SHUT, CONTROLS_APR25, CN_MAG_EXPORTS, *CN_MAG_2025.values(), BUILD],
           f"China's licensing from 4 Apr 2025 had shut several European supplier plants by 4 Jun "
           f"(CLEPA; an upper bound, the first stoppage's day not given); each day counts the cut of a "
           f"month earlier ({cut_text})"),
}
jit_days = AUTO_JIT.value * 7
for country in ("KR", "CN", "ROW"):
    MAGNET_DAYS[country] = (jit_days, [AUTO_JIT, BUILD],
                            f"no stoppage reported: typical automotive just-in-time cover "
                            f"{AUTO_JIT.value:g} weeks (published range 2-4; a blog, weak)")
# Japan's automotive users split by supplier (SPLIT_BY_SUPPLIER): each holds the days of its own
# use. Suzuki's days are those of a user of Chinese magnets; the facts give none for the users
# of Japanese makers' magnets, which get the same days (the same industry's just-in-time cover;
# before the split one node held these days of all Japanese automotive use).
SPLIT_STOCK_WHY = {
    "automotive-cn": " (Suzuki bought Chinese magnets: these are the days of a user of them)",
    "automotive-jp": (" (users of Japanese makers' magnets: no figure in the facts, Suzuki's days "
                      "taken, the same industry's just-in-time cover; an estimate)"),
}
consumer_nodes = sorted({d for (_, d, _) in flows}
                        | {s for (s, _, _) in flows})
for node in consumer_nodes:
    stage = node.split(":")[1]
    if stage not in ("metal", "magnet", "end_use"):
        continue
    for m in (*MATERIALS, "magnet"):
        use = inflow(node, m)
        if use <= 0:
            continue
        country = node.split(":")[0]
        where = "Japanese firms/traders" if country == "JP" else "Japan's firms/traders (applied to " + country + ")"
        if m == "magnet":
            days, dref, why = MAGNET_DAYS[country]
            t = use * days / 365
            whose = SPLIT_STOCK_WHY.get(node.split(":")[2], "")
            b.stock(node, m, round(t, 3), round(t, 3), ref=dref, confidence="estimate",
                    method=f"magnet users' stock ~{days:g} days of use: {why}{whose}; "
                           f"{use:.0f} t/yr x {days:g}/365")
        else:
            t = use * months / 12
            b.stock(node, m, round(t, 3), round(t, 3), ref=[JP_STOCK_MONTHS], confidence="estimate",
                    method=f"{where} held ~{months:g} months of use (Japan Times 2011): "
                           f"{use:.0f} t/yr x {months:g}/12")
# National stockpiles.
use_of: dict[tuple[str, str], float] = defaultdict(float)  # (country, material) -> t/yr bought
imports_of: dict[tuple[str, str], float] = defaultdict(float)
for (s, d, m), v in flows.items():
    if m != "magnet" and ":mining" not in s and d.split(":")[1] != "separation":
        use_of[(d.split(":")[0], m)] += v.t
    if m != "magnet" and s.split(":")[0] != d.split(":")[0]:
        imports_of[(d.split(":")[0], m)] += v.t
jp_use: dict[str, float] = {m: imports_of[("JP", m)] for m in MATERIALS}
for m in MATERIALS:
    stock = jp_use[m] * JP_STATE_DAYS.value / 365
    b.stockpile("JP", m, round(stock, 3), 0.1, round(stock / 3, 3),
                ref=[JP_STOCKPILE_DAYS, JP_STATE_DAYS, JP_STOCKPILE_2009, BUILD], confidence="estimate",
                method=f"JOGMEC holdings are not disclosed: the state's {JP_STATE_DAYS.value:g}-day share of the "
                       f"{JP_STOCKPILE_DAYS.value:g}-day target x Japan's imports {jp_use[m]:.0f} t/yr "
                       f"(in 2009 it held {JP_STOCKPILE_2009.value:g} days on average: could be half; in 2020 "
                       "no rare earth was among the seven metals actually held, Argus); released "
                       "when shortfall >10% of demand, at most a third per month (estimates)")
# Korea (KOMIR): Dy and Y "exceed six months" of use (MOTIE, Apr 2025); Nd ~180 days of
# automakers' use at Gunsan (2024), taken as 180 days of Korea's NdPr use; release within 30 days
# (8 in an emergency): threshold and rate as Japan's (estimates).
for m, days, kref, what in (("DyTb", KR_DY_Y.value * 365 / 12, [KR_DY_Y],
                             f"public Dy stocks 'exceed {KR_DY_Y.value:g} months' (MOTIE, Apr 2025)"),
                            ("Y", KR_DY_Y.value * 365 / 12, [KR_DY_Y],
                             f"public Y stocks 'exceed {KR_DY_Y.value:g} months' (MOTIE, Apr 2025)"),
                            ("NdPr", KR_ND.value, [KR_ND],
                             f"KOMIR Gunsan holds Nd for ~{KR_ND.value:g} days of automakers' use (2024), "
                             "taken as that many days of Korea's NdPr use")):
    use = use_of[("KR", m)]
    stock = use * days / 365
    b.stockpile("KR", m, round(stock, 3), 0.1, round(stock / 3, 3), ref=[*kref, KR_RELEASE, BUILD],
                confidence="estimate",
                method=f"{what}: {use:.0f} t/yr x {days:.0f}/365 (a lower bound); released when shortfall "
                       f">10% of demand, at most a third per month (estimates; KOMIR's target release lead "
                       f"time {KR_RELEASE.value:g} days, 8 in an emergency)")
# United States: the National Defense Stockpile holds no heavy rare earths (MCS 2026); its
# rare-earth holdings are not published, and FY2025's NdPr oxide (300 t) and magnet block (450 t)
# are potential acquisitions, not stock: none is counted.
for m, sref, why in (("DyTb", [US_NDS_HEAVY], "'Government Stockpile: None' for heavy rare earths (MCS 2026)"),
                     ("NdPr", [US_NDS_NDPR, BUILD],
                      f"holdings not published; {US_NDS_NDPR.value:g} t NdPr oxide is a FY2025 potential "
                      "acquisition, not stock (estimate: none held)")):
    b.stockpile("US", m, 0.0, 0.1, 0.0, ref=sref, confidence="exact" if m == "DyTb" else "estimate",
                method=why)
# EU: no stockpile before RESourceEU's pilot joint scheme (early 2026).
b.stockpile("EU", "DyTb", 0.0, 0.1, 0.0, ref=[EU_PILOT, BUILD], confidence="estimate",
            method="no EU stockpile in 2024: RESourceEU's pilot joint stockpile is due in early 2026")
# China: the State Reserve Bureau bought 10,000 t in one week of 2014 (Bloomberg, unconfirmed);
# no later figure: a lower bound, split over materials in proportion to China's use of each.
cn_use = {m: use_of[("CN", m)] for m in MATERIALS}
cn_total = sum(cn_use.values())
for m in MATERIALS:
    stock = CN_RESERVE.value * cn_use[m] / cn_total
    b.stockpile("CN", m, round(stock, 3), 0.1, round(stock / 3, 3), ref=[CN_RESERVE, BUILD],
                confidence="estimate",
                method=f"State Reserve Bureau bought {CN_RESERVE.value:g} t in one week of 2014 (Bloomberg; no "
                       f"later figure: a lower bound) x China's share of use {cn_use[m] / cn_total:.3f} for {m} "
                       f"({cn_use[m]:.0f} of {cn_total:.0f} t/yr); release as Japan's (estimates)")

# --------------------------------------------------------------------------- parameters

non_cn_spare = sum(float(r["capacity_tonnes_per_year"]) - float(r["output_tonnes_per_year"])
                   for r in b.tables["nodes"] if ":mining" in r["node"] and not r["node"].startswith("CN:"))
ramp = pct(SPRECHER_RAMP) * USGS_WORLD.value / 12 / non_cn_spare
b.parameter("lead_time_months", 3, "months", 1, 12, ref=[BUILD, LYNAS_RAMP], confidence="estimate",
            method="shipping plus qualification of a new supplier: 3 months (estimate), 1 for a known "
                   "trader, 12 for qualifying a new magnet grade")
b.parameter("ramp_rate_per_month", round(ramp, 4), "1/month", round(1 / (LYNAS_RAMP.value * 12), 4), 0.1,
            ref=[SPRECHER_RAMP, USGS_WORLD, LYNAS_RAMP], confidence="derived",
            method=f"Sprecher 2017: non-Chinese output ramped {SPRECHER_RAMP.value:g}% of market volume per "
                   f"year: {pct(SPRECHER_RAMP)} x {USGS_WORLD.value:g} t / 12 / non-Chinese spare mining "
                   f"capacity {non_cn_spare:.0f} t = {ramp:.4f}; low: Lynas took {LYNAS_RAMP.value:g} years to "
                   "nameplate (1/42 per month); high 0.1 (estimate)")
price_parameters(b, PRICE_2009["Dy"], BUILD)  # cap from the 2011 peaks, speed from 2010
b.parameter("recycling_rate", pct(RECYCLING), "1", 0.0, 0.03, ref=[RECYCLING], confidence="approximate",
            method="end-of-life recycling ~1% (ZMT/Nature 2024); range 0-3% (estimate)")
b.parameter("substitution_max_per_year", pct(SPRECHER_SUBST), "1/yr", 0.05, 0.15, ref=[SPRECHER_SUBST],
            confidence="derived",
            method="Sprecher 2017: substitution peaked at 10% of demand per year; range +-5 points (estimate)")
transit_parameters(b, TRANSIT, BUILD, calibrated=False)  # checked against Japan's 2010 imports (MOF)
b.parameter("balance_tolerance", 0.01, "1", ref=[BUILD], confidence="estimate",
            method="format default: 1% relative tolerance")

# --------------------------------------------------------------------------- product tier

products_2024.add(b, build=BUILD, recipe_ndpr=round(R_NDPR, 4), recipe_fact=RECIPE_ND)

# --------------------------------------------------------------------------- write and check

problems = balance_report(b.tables)
if problems:
    raise SystemExit("balance problems:\n" + "\n".join(problems))
b.write(OUT, name="world-2024", title="World rare-earth supply chain, reference year 2024",
        reference_year=YEAR,
        description=("Mining -> separation -> metal -> magnet -> end use by element group (NdPr, DyTb, LaCe, "
                     "Y, Other), t REO/yr and t magnet/yr, reference year 2024. Built by "
                     "datasets/build/build_world_2024.py from ../shared/reference/rare_earth_facts.csv; see "
                     "datasets/README.md."))
ds = check(OUT)
mined = sum(r["output_tonnes_per_year"] for r in b.tables["nodes"] if ":mining" in r["node"])
cn_mined = sum(r["output_tonnes_per_year"] for r in b.tables["nodes"] if r["node"].startswith("CN:mining"))
sep = {r["node"]: 0.0 for r in b.tables["nodes"]}
for r in b.tables["nodes"]:
    sep[r["node"]] += r["output_tonnes_per_year"]
sep_all = sum(v for k, v in sep.items() if ":separation" in k)
mag_all = sum(v for k, v in sep.items() if ":magnet" in k)
all_nodes = {r["node"] for r in b.tables["nodes"]} | {k[0] for k in ends}
print(f"world-2024: {len(all_nodes)} "
      f"nodes, {len(ds.tables['flows'])} flows; mining {mined:.0f} t (China {cn_mined / mined:.1%}); "
      f"China separation {sep['CN:separation'] / sep_all:.1%}; China magnets {cn_mag:.0f} t "
      f"({sep['CN:magnet'] / mag_all:.1%})")
