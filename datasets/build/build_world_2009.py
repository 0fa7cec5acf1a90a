"""Build the built-in dataset ``world-2009``: the rare-earth network just before China's 2010 export
restrictions (the reference network of the ``china-2010`` scenario).

Run from the repository root::

    .venv/bin/python datasets/build/build_world_2009.py

It writes ``datasets/world-2009/`` (CSV tables + ``datapackage.json``) and validates it with the
library's loader. Every figure comes from ``rare_earth_facts.csv`` through :func:`common.fact`, or
is computed here from such figures (``derived``), or is our estimate (``estimate``); the ``method``
column of each row states the arithmetic. Nothing is rescaled after the fact: the network is
built so that every node balances, and the closures (China's domestic use, the split of a
supplier's output among buyers) are explicit flows whose method says so.

Reference year. The facts hold no full 2009 country table (SOURCES.md §12), so mine output is the
USGS 2010 table (China 130,000 t = 97% of world), read as the run-rate entering 2010; trade and
demand are 2009 figures (China's 2009 export quota, Japan's 2009 import shares) or 2010 figures
where 2009 is missing (magnet output, METI's demand estimate). The README states each choice.

The story in numbers (t REO/yr unless stated):

* mining: world = 130,000 / 0.97 = 134,021; India, Brazil, Malaysia from their 2010 shares, the
  rest (0.31%) to Russia (loparite); US 0 (Mountain Pass idle), no Lynas yet (2012).
* China's exports of materials = the 2009 quota, 50,145 t, split by the 2010 destination shares
  (Japan 16,000 of 32,200 t in Jan-Sep = 49.7%, US 19.3%, EU = 86% less both, Korea 5.4% (2019
  share), the rest of the world); China's domestic use is what stays (73,699 t; the 2009 figure,
  73,000 t, is the check).
* Japan: imports from China (24,917 t, official + unofficial) = 85.49% (MOF 2009) of all its
  imports, so Japan uses 29,146 t (METI: ~30,000 t); the non-Chinese 4,229 t come from India and
  from European separation (Rhodia, Silmet).
* magnets: 98,200 t of sintered NdFeB blocks (2010) x 70% machining yield = 68,740 t of finished
  magnets, China 79.4%, Japan 19.3%, Europe 1.3%; recipe from Nd 29-32.5 wt% and a pre-2011 Dy mix.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common
from common import Builder, Fact, fact, wgi

NAME = "world-2009"
OUT = common.REPO / "datasets" / NAME
SCRIPT = "world-2009-build"

MATERIALS = ("NdPr", "DyTb", "LaCe", "Y", "Other")
MAGNET = "magnet"


def pct(x: float) -> str:
    return f"{x * 100:.4g}%"


def t(x: float) -> str:
    return f"{x:,.0f} t" if abs(x) >= 100 else f"{x:,.1f} t"


# --------------------------------------------------------------------------- facts used

def F(topic: str, item: str, country: str = "", year: int | None = None) -> Fact:
    return fact(topic, item, country, year)


CN_MINE = F("mine_production", "mine production (REO)", "CN", 2010)
CN_SHARE = F("mine_production", "share of world mine production", "CN", 2010)
SMALL_SHARES = {c: F("mine_production", "share of world mine production", c, 2010)
                for c in ("IN", "BR", "MY")}
US_MINE_2011 = F("mine_production", "mine production (REO)", "US", 2011)
QUOTA_2009 = F("china_export_quota", "export quota", "CN", 2009)
TOP3_SHARE = F("china_exports", "share of China RE exports to Japan+EU+US", "", 2010)
JP_FROM_CN_JS = F("trade_flows", "China RE exports to Japan, Jan-Sep", "JP", 2010)
US_FROM_CN_JS = F("trade_flows", "China RE exports to United States, Jan-Sep", "US", 2010)
CN_EXPORTS_JS = F("china_exports", "rare earth exports Jan-Sep", "CN", 2010)
KR_SHARE_2019 = F("trade_flows", "South Korea share of China RE exports", "KR", 2019)
JP_CN_SHARE = F("japan_imports", "China share of RE imports", "JP", 2009)
JP_IMPORTS_2008 = F("japan_imports", "RE imports, total", "JP", 2008)
JP_IMPORTS_2010 = F("japan_imports", "RE imports, total", "JP", 2010)
JP_FROM_CN_2010 = F("japan_imports", "RE imports from China", "JP", 2010)
JP_DEMAND_METI = F("validation_2010", "Japan RE demand (METI estimate)", "JP", 2010)
JP_DEMAND_2007 = F("validation_2010", "Japan RE demand", "JP", 2007)
JP_UNOFFICIAL = F("trade_flows", "RE entering Japan through unofficial channels", "JP", 2009)
NDFEB_WORLD = F("midstream", "sintered NdFeB production, world", "", 2010)
NDFEB_SHARE = {c: F("midstream", "share of sintered NdFeB production", c, 2010)
               for c in ("CN", "JP", "EU")}
CN_CONSUMPTION = F("midstream", "RE consumption", "CN", 2009)
ND_TO_MAGNETS = F("demand_split", "magnets share of Nd oxide consumption", "", 2009)
WORLD_USE_2009 = F("demand_end_use", "global RE consumption", "", 2009)
US_END_USE = F("demand_end_use", "US end use: catalysts", "US", 2018)
ND_WT = F("recipe", "Nd (RE) content of standard sintered NdFeB (midpoint)", "", 2022)
DY_STD = F("recipe", "Dy content of standard-grade sintered NdFeB (midpoint)", "", 2022)
DY_HC = F("recipe", "Dy content of high-coercivity NdFeB (wind/traction)", "", 2023)
DY_CUT_NISSAN = F("substitution_recycling", "Dy use reduction, Nissan Leaf", "JP", 2012)
DY_CUT_HONDA = F("substitution_recycling", "Dy use reduction, Honda HEV", "JP", 2012)
MACHINING = F("recipe", "overall machining yield, sintered NdFeB blocks to parts (midpoint)", "",
              2025)
OXIDE_TO_MAGNET = F("recipe", "share of RE oxide input ending in finished magnet (midpoint)", "",
                    2025)
METAL_LOSS = F("recipe", "loss in oxide-to-metal conversion (modelling assumption)", "", 2023)
CRACK_RECOVERY = F("recipe", "RE recovery in cracking/leaching, Lynas LAMP commissioning", "MY",
                   2012)
OXMET = {el: fact("recipe", country="", year=2024,
                  item_contains=f"oxide-to-metal mass factor {ox}")
         for el, ox in (("Nd", "Nd2O3"), ("Pr", "Pr6O11"), ("Dy", "Dy2O3"), ("Tb", "Tb4O7"))}
MP_ND = F("composition", "Nd share of TREO, Mountain Pass inferred resource", "US", 2021)
MP_PR = F("composition", "Pr share of TREO, Mountain Pass inferred resource", "US", 2021)
BAYAN_CE = F("composition", "Ce share of REO, Bayan Obo mixed bastnaesite-monazite ore", "CN",
             2016)
BAYAN_LREE = F("composition", "LREE (La-Nd) share of REO, Bayan Obo", "CN", 2016)
ION_SMDY = F("composition", "Sm+Eu+Gd+Tb+Dy share, main (medium-heavy) weathering-crust ore type",
             "CN", 2016)
ION_YHREE = F("composition", "Ho-Lu+Y share, main (medium-heavy) weathering-crust ore type", "CN",
              2016)
IN_MONAZITE = F("composition", "TREO content of Indian beach-sand monazite (midpoint)", "IN", 2023)
LOPARITE = F("composition", "REO content of Lovozero loparite concentrate", "RU", 1997)
PRICE = {el: F("prices", f"{el} oxide FOB China price, Dec", "", 2009)
         for el in ("La", "Ce", "Pr", "Nd", "Sm", "Eu", "Gd", "Tb", "Dy", "Y")}
END_2011 = {el: F("prices", f"{el} oxide year-end price (midpoint)", "", 2011)
            for el in ("La", "Ce", "Nd", "Dy", "Tb")}
QUOTA_CUT = F("china_export_quota", "export quota cut vs previous year", "CN", 2010)
PRICE_X10 = F("value", "RE price multiple within a year of the 2010 embargo", "", 2011)
MAGNET_PRICE_2020 = F("value", "average export price of China RE magnets, month 12", "CN", 2020)
ND_PRICE_2020 = F("prices", "Nd oxide average price", "", 2020)
DY_PRICE_2020 = F("prices", "Dy oxide average price", "", 2020)
MAGNET_EXPORTS_2020 = F("trade_flows", "China magnet exports, total", "CN", 2020)
MAGNET_EXPORTS_TO_2020 = {c: F("trade_flows", f"China magnet exports to {n}", c, 2020)
                          for c, n in (("DE", "Germany"), ("IT", "Italy"), ("US", "United States"),
                                       ("KR", "South Korea"), ("VN", "Vietnam"),
                                       ("TH", "Thailand"))}
MAGNET_EXPORTS_2023 = F("trade_flows", "China magnet exports, implied 2023 total", "CN", 2023)
CN_MAGNETS_2023 = F("midstream", "NdFeB magnet production (estimate)", "CN", 2023)
JP_MAGNETS_JUL25 = F("trade_flows", "China magnet exports to Japan, month 07", "JP", 2025)
CN_MAGNETS_JUL25 = F("trade_flows", "China magnet exports, month 07", "CN", 2025)
GOV = {c: F("governance", "WGI composite (mean of 6 estimates), normalised 0-1", c, 2022)
       for c in ("CN", "AU", "US", "MM", "MY", "VN", "IN", "TH", "RU", "BR", "JP", "KR", "FR",
                 "EE", "LA", "MG", "NG")}
STOCK_MONTHS = F("elasticity", "typical inventory held by Japanese firms and trading houses", "JP",
                 2011)
JOGMEC_DAYS = F("elasticity", "JOGMEC state stockpile actual cover, average of stockpiled metals",
                "JP", 2009)
KORES_2010 = F("stocks", "Korea (KORES) rare-earth stockpile", "KR", 2010)
SUBST = F("elasticity", "peak annual substitution rate after 2010 disruption", "", 2012)
RAMP = F("elasticity", "ramp-up speed of non-Chinese primary production", "", 2012)
RECYCLING = F("substitution_recycling", "end-of-life REE recycling rate", "", 2024)
IMPROVED = F("embargo_2010", "Japanese importers reporting improvement (survey)", "JP", 2010)
EMBARGO_DAYS = F("embargo_2010", "embargo duration vs Japan", "CN", 2010)
LYNAS_START = F("elasticity", "Lynas REO production", "MY", 2014)
MP_RESTART = F("mine_production", "mine production (REO)", "US", 2012)


# =========================================================================== assumptions
# Every number below that is not a fact is an estimate; each one is named, and the rows that use
# it say so in their method column.

#: Ore composition by material group, % of REO.
#: Chinese mineral (light) ores: Bayan Obo Ce 50% and La-Nd > 95% (facts); the split of the
#: remaining La+Pr+Nd (46%) as La 24 / NdPr 22 follows Nd:Pr:La proportions of light ores, and the
#: 4% left over is Sm-Eu-Gd 2.5 + Ho-Lu 0.3 (Other), Y 1.0, Dy-Tb 0.2 (estimates).
LIGHT = {"NdPr": 22.0, "DyTb": 0.2, "LaCe": 74.0, "Y": 1.0, "Other": 2.8}
#: Chinese ion-adsorption clays, main (medium-heavy) type: Sm-Dy 15%, Y+Ho-Lu 29% (facts), so
#: La-Nd 56%; Sm-Dy split Sm+Eu+Gd 10 / Dy+Tb 5, Y+Ho-Lu split Y 23 / Ho-Lu 6 (Y ~4/5, as in
#: the Y-rich clays) and La-Nd split LaCe 28 / NdPr 28 (Ce is depleted in weathering-crust ores)
#: are estimates; Other = Sm+Eu+Gd+Ho-Lu = 16.
ION = {"NdPr": 28.0, "DyTb": 5.0, "LaCe": 28.0, "Y": 23.0, "Other": 16.0}
#: share of China's mine output from ion-adsorption clays (estimate: the southern clays, much
#: of China's undocumented output, supplied roughly a quarter to a third)
ION_SHARE = 0.30
#: monazite (India, Brazil, Malaysia): light ore, heavy REE not extractable (fact for India);
#: composition an estimate typical of beach-sand monazite.
MONAZITE = {"NdPr": 22.0, "DyTb": 0.0, "LaCe": 72.0, "Y": 1.6, "Other": 4.4}
#: loparite (Russia, Lovozero): light ore (fact); composition an estimate.
LOPARITE_COMP = {"NdPr": 18.0, "DyTb": 0.0, "LaCe": 80.0, "Y": 0.5, "Other": 1.5}

SEPARATION_YIELD = 0.95  # estimate; Lynas reported >90% recovery through cracking alone
METAL_YIELD = 0.95  # estimate; Heim & Vander Wal's 20% loss is a modelling upper bound
SWARF_RECOVERY = 0.85  # estimate: share of the RE in machining swarf recycled into new alloy
ND_TO_PR = 3.0  # Nd:Pr mass ratio (Mountain Pass 12.16:4.31 = 2.8; Chinese light ores ~3)
DY_TO_TB = 4.0  # Dy:Tb mass ratio in magnets and in heavy products (estimate, as world-2024)
HC_SHARE = 0.15  # share of 2009 magnet output in high-coercivity (motor, wind) grades, estimate
JP_METAL_SHARE = 0.5  # share of Japan's magnet alloy reduced in Japan (rest bought from China)
EU_FEED_FROM_CN = 3000.0  # t REO of Chinese intermediates separated in Europe (Rhodia), estimate
IN_TO_JP = 0.8  # share of India's separated output exported to Japan, estimate
JP_MAGNET_EXPORT_SHARE = 0.30  # estimate
JP_MAGNET_EXPORTS = {"CN": 0.30, "ROW": 0.30, "US": 0.15, "EU": 0.15, "KR": 0.10}  # estimate
#: value at risk per USD of rare-earth input not received, by sector (the same estimates as
#: world-2024, so that the two datasets compare): the downstream output a tonne stops
SECTOR_MULTIPLIER = {"automotive": 100.0, "wind": 40.0, "electronics": 50.0, "industrial": 30.0,
                     "catalysts": 20.0, "glass_polishing": 10.0, "other": 10.0}
#: make-up of "Other" (Sm, Eu, Gd, Ho-Lu) for its price: world-2024's estimate mix
OTHER_MIX = {"Sm": 0.40, "Gd": 0.30, "Eu": 0.03, "HoLu": 0.27}

#: Capacity / output ratios (estimates): China's spare capacity is real (the quota and production
#: caps sat below capacity); outside China there was little (no Lynas until 2012, Mountain Pass
#: idle), except idle separation lines in India and France.
CAPACITY = {
    ("CN", "mining"): 1.2, ("CN", "separation"): 1.3, ("CN", "metal"): 1.3, ("CN", "magnet"): 1.3,
    ("IN", "mining"): 1.05, ("BR", "mining"): 1.05, ("MY", "mining"): 1.05, ("RU", "mining"): 1.05,
    ("IN", "separation"): 2.5, ("EU", "separation"): 2.0,
    ("JP", "metal"): 1.2, ("JP", "magnet"): 1.2, ("EU", "magnet"): 1.2,
}

#: End-use split of each material (non-magnet uses) by sector: world template (estimate from
#: global use patterns c. 2009: La/Ce in catalysts, polishing/glass, NiMH batteries, metallurgy;
#: Y in phosphors and ceramics; Sm in SmCo magnets, Eu/Gd/Tb in phosphors).
SECTORS_WORLD: dict[str, dict[str, float]] = {
    "LaCe": {"catalysts": 0.30, "glass_polishing": 0.30, "industrial": 0.20, "automotive": 0.08,
             "electronics": 0.07, "other": 0.05},
    "NdPr": {"industrial": 0.50, "automotive": 0.20, "other": 0.30},
    "Other": {"industrial": 0.60, "electronics": 0.40},
    "DyTb": {"electronics": 0.60, "industrial": 0.20, "other": 0.20},
    "Y": {"electronics": 0.50, "industrial": 0.45, "other": 0.05},
}
#: Japan: Ce polishing powders and glass, NiMH batteries for hybrids (10-15 kg La per Prius pack)
SECTORS_JP: dict[str, dict[str, float]] = {
    "LaCe": {"glass_polishing": 0.40, "automotive": 0.20, "catalysts": 0.17, "industrial": 0.10,
             "electronics": 0.08, "other": 0.05},
    "NdPr": {"automotive": 0.40, "industrial": 0.40, "other": 0.20},
    "Other": {"industrial": 0.60, "electronics": 0.40},
    "DyTb": {"electronics": 0.70, "other": 0.30},
    "Y": {"electronics": 0.55, "industrial": 0.40, "other": 0.05},
}
#: material mix of a country's non-magnet use (estimate); Japan's is Ce/La-heavy (polishing,
#: NiMH) with ~2,000 t of Y (phosphors, ceramics; 1,010-1,160 t in 2018-20 after the LED shift)
MIX_JP = {"LaCe": 0.84, "NdPr": 0.05, "Y": 0.085, "Other": 0.022, "DyTb": 0.003}
MIX_WORLD = {"LaCe": 0.80, "NdPr": 0.05, "Y": 0.09, "Other": 0.05, "DyTb": 0.01}
#: US: the USGS 2018 end-use split (catalysts 60%, ceramics/glass 15%, metallurgy 10%,
#: polishing 10%, other 5%) mapped to sectors and materials (mapping is an estimate)
US_SPLIT: dict[str, dict[str, float]] = {
    "catalysts": {"LaCe": 0.60},
    "glass_polishing": {"LaCe": 0.175},
    "industrial": {"LaCe": 0.105, "Y": 0.04375, "NdPr": 0.0175, "Other": 0.00875},
    "other": {"Y": 0.025, "Other": 0.01, "NdPr": 0.01, "DyTb": 0.005},
}
#: magnet use by sector (estimate, c. 2009: electronics incl. HDD/VCM, speakers ~40%; industrial
#: motors, MRI ~25%; vehicles ~20% (hybrid traction + EPS etc.); wind ~5% (>7% by 2011); other)
MAGNET_SECTORS_WORLD = {"electronics": 0.40, "industrial": 0.25, "automotive": 0.20, "wind": 0.05,
                        "other": 0.10}
MAGNET_SECTORS_JP = {"automotive": 0.35, "electronics": 0.35, "industrial": 0.22, "other": 0.08}


def weighted(comp_a: dict[str, float], comp_b: dict[str, float], b_share: float) -> dict[str, float]:
    return {m: (1 - b_share) * comp_a[m] + b_share * comp_b[m] for m in MATERIALS}


CN_COMP = weighted(LIGHT, ION, ION_SHARE)



# =========================================================================== ledger


Key = tuple[str, str, str]


class Ledger:
    """Flows as they are decided, each with its provenance; emitted once at the end."""

    def __init__(self) -> None:
        self.flows: dict[Key, float] = {}
        self.meta: dict[Key, tuple[list[Fact | str], str, str]] = {}

    def add(self, source: str, target: str, commodity: str, tonnes: float,
            ref: list[Fact | str], confidence: str, method: str) -> None:
        key = (source, target, commodity)
        if key in self.flows:
            raise ValueError(f"flow {key} decided twice")
        if tonnes < -1e-9:
            raise ValueError(f"flow {key}: negative {tonnes}")
        if tonnes < 0.05:  # nothing worth a row
            return
        self.flows[key] = tonnes
        self.meta[key] = (ref, confidence, method)

    def into(self, node: str, commodity: str) -> float:
        return sum(v for (s, tg, c), v in self.flows.items() if tg == node and c == commodity)

    def out_of(self, node: str, commodity: str) -> float:
        return sum(v for (s, tg, c), v in self.flows.items() if s == node and c == commodity)

    def targets(self, node: str, commodity: str) -> dict[str, float]:
        return {tg: v for (s, tg, c), v in self.flows.items() if s == node and c == commodity}


def country_of(node: str) -> str:
    return node.split(":")[0]


# =========================================================================== the build


def build() -> Builder:
    b = Builder()
    b.sources.declare(
        SCRIPT,
        "Estimates and closures of datasets/build/build_world_2009.py (each row's method column "
        "states the figures and the arithmetic)",
        "datasets/build/build_world_2009.py",
    )
    L = Ledger()
    node_meta: dict[tuple[str, str], tuple[list[Fact | str], str, str]] = {}
    yields: dict[tuple[str, str], float] = {}

    # ------------------------------------------------------------------ countries
    names = {"CN": "China", "AU": "Australia", "US": "United States", "MM": "Myanmar",
             "MY": "Malaysia", "VN": "Viet Nam", "IN": "India", "TH": "Thailand",
             "RU": "Russian Federation", "BR": "Brazil", "JP": "Japan", "KR": "Korea, Republic of"}
    for code, name in names.items():
        x = GOV[code].value
        b.country(code, name, "country", wgi(x), ref=[GOV[code]],
                  confidence="derived",
                  method=f"WGI 2022 composite (mean of the six WGI estimates, normalised 0-1) "
                         f"{x:.4f} put back on the WGI scale: x*5-2.5; a 2022 figure used for "
                         "2009 (no 2009 values in the facts; not the Political Stability series)")
    eu = (GOV["FR"].value + GOV["EE"].value) / 2
    b.country("EU", "European Union (region)", "region", wgi(eu),
              ref=[GOV["FR"], GOV["EE"], SCRIPT], confidence="estimate",
              method=f"mean of the WGI 2022 composites of the two EU members in the facts, France "
                     f"{GOV['FR'].value:.4f} and Estonia {GOV['EE'].value:.4f} (the EU's "
                     "rare-earth separation sites), = {eu:.4f}, then x*5-2.5".replace(
                         "{eu:.4f}", f"{eu:.4f}"))
    row_codes = sorted(GOV)
    row_x = sum(GOV[c].value for c in row_codes) / len(row_codes)
    b.country("ROW", "Rest of the world (region)", "region", wgi(row_x),
              ref=[GOV[c] for c in row_codes] + [SCRIPT], confidence="estimate",
              method=f"unweighted mean of all {len(row_codes)} WGI 2022 composites in the facts "
                     f"({', '.join(row_codes)}) = {row_x:.4f}, then x*5-2.5")

    # ------------------------------------------------------------------ materials
    la_cn = (1 - ION_SHARE) * 24.0 + ION_SHARE * 24.0
    ce_cn = (1 - ION_SHARE) * BAYAN_CE.value + ION_SHARE * 4.0
    la_share = la_cn / (la_cn + ce_cn)
    nd_share = ND_TO_PR / (1 + ND_TO_PR)
    dy_share = DY_TO_TB / (1 + DY_TO_TB)
    holu = (PRICE["Sm"].value + PRICE["Gd"].value) / 2
    prices = {
        "NdPr": nd_share * PRICE["Nd"].value + (1 - nd_share) * PRICE["Pr"].value,
        "DyTb": dy_share * PRICE["Dy"].value + (1 - dy_share) * PRICE["Tb"].value,
        "LaCe": la_share * PRICE["La"].value + (1 - la_share) * PRICE["Ce"].value,
        "Y": PRICE["Y"].value,
        "Other": OTHER_MIX["Sm"] * PRICE["Sm"].value + OTHER_MIX["Gd"] * PRICE["Gd"].value
        + OTHER_MIX["Eu"] * PRICE["Eu"].value + OTHER_MIX["HoLu"] * holu,
    }
    price_how = {
        "NdPr": f"Dec 2009 FOB China oxide prices weighted Nd:Pr = {ND_TO_PR:g}:1 (Mountain Pass "
                f"2.8:1; light ores ~3:1): ({ND_TO_PR:g}*{PRICE['Nd'].value:g} + "
                f"{PRICE['Pr'].value:g})/{ND_TO_PR + 1:g}",
        "DyTb": f"Dec 2009 FOB China oxide prices weighted Dy:Tb = {DY_TO_TB:g}:1 (estimate): "
                f"({DY_TO_TB:g}*{PRICE['Dy'].value:g} + {PRICE['Tb'].value:g})/{DY_TO_TB + 1:g}",
        "LaCe": f"Dec 2009 FOB China La {PRICE['La'].value:g} and Ce {PRICE['Ce'].value:g} USD/kg "
                f"weighted by China's La:Ce ({la_cn:.1f}:{ce_cn:.1f} % of REO: light ores La 24, "
                f"Ce {BAYAN_CE.value:g}; clays La 24, Ce 4; {ION_SHARE:.0%} clays) = "
                f"{la_share:.3f}*La + {1 - la_share:.3f}*Ce",
        "Y": "Dec 2009 FOB China Y oxide price",
        "Other": f"Dec 2009 FOB China Sm {PRICE['Sm'].value:g}, Gd {PRICE['Gd'].value:g}, "
                 f"Eu {PRICE['Eu'].value:g} USD/kg, Ho-Lu (no price) at the Sm/Gd mean "
                 f"{holu:.2f}, weighted Sm {OTHER_MIX['Sm']:.0%}, Gd {OTHER_MIX['Gd']:.0%}, "
                 f"Eu {OTHER_MIX['Eu']:.0%}, Ho-Lu {OTHER_MIX['HoLu']:.0%} (world-2024's "
                 "estimate of the group's make-up)",
    }
    price_refs: dict[str, list[Fact | str]] = {
        "NdPr": [PRICE["Nd"], PRICE["Pr"], MP_ND, MP_PR],
        "DyTb": [PRICE["Dy"], PRICE["Tb"], SCRIPT],
        "LaCe": [PRICE["La"], PRICE["Ce"], BAYAN_CE, SCRIPT],
        "Y": [PRICE["Y"]],
        "Other": [PRICE["Sm"], PRICE["Gd"], PRICE["Eu"], SCRIPT],
    }
    cut = QUOTA_CUT.value / 100
    s_over_d = 1 - cut
    multiple = {
        "LaCe": la_share * END_2011["La"].value / PRICE["La"].value
        + (1 - la_share) * END_2011["Ce"].value / PRICE["Ce"].value,
        "NdPr": END_2011["Nd"].value / PRICE["Nd"].value,
        "DyTb": dy_share * END_2011["Dy"].value / PRICE["Dy"].value
        + (1 - dy_share) * END_2011["Tb"].value / PRICE["Tb"].value,
        "Y": PRICE_X10.value,
        "Other": PRICE_X10.value,
    }
    multiple_how = {
        "LaCe": f"year-end 2011 La {END_2011['La'].value:g} / Dec 2009 {PRICE['La'].value:g} and "
                f"Ce {END_2011['Ce'].value:g} / {PRICE['Ce'].value:g}, La:Ce-weighted",
        "NdPr": f"year-end 2011 Nd oxide {END_2011['Nd'].value:g} / Dec 2009 "
                f"{PRICE['Nd'].value:g} (no 2011 Pr price)",
        "DyTb": f"year-end 2011 Dy {END_2011['Dy'].value:g} / {PRICE['Dy'].value:g} and "
                f"Tb {END_2011['Tb'].value:g} / {PRICE['Tb'].value:.2f}, Dy:Tb-weighted",
        "Y": "~10x within a year of the embargo (IEEJ/WEF; no 2011 Y price)",
        "Other": "~10x within a year of the embargo (IEEJ/WEF; no 2011 Sm/Gd/Eu price)",
    }
    mat_names = {"NdPr": ("neodymium-praseodymium oxide", "Nd;Pr", "light"),
                 "DyTb": ("dysprosium-terbium oxide", "Dy;Tb", "heavy"),
                 "LaCe": ("lanthanum-cerium oxide", "La;Ce", "light"),
                 "Y": ("yttrium oxide", "Y", "heavy"),
                 "Other": ("other rare-earth oxides (Sm, Eu, Gd, Ho-Lu)",
                           "Sm;Eu;Gd;Ho;Er;Tm;Yb;Lu", "heavy")}
    elasticity: dict[str, float] = {}
    for m in MATERIALS:
        eta = math.log(1 / s_over_d) / math.log(multiple[m])
        elasticity[m] = eta
        name, elements, group = mat_names[m]
        b.material(
            m, name, elements, group, round(prices[m] * 1000, 1), round(eta, 4),
            ref=[*price_refs[m], QUOTA_CUT, *([END_2011["La"]] if m == "LaCe" else []),
                 *([END_2011["Nd"]] if m == "NdPr" else []),
                 *([END_2011["Dy"], END_2011["Tb"]] if m == "DyTb" else []),
                 *([PRICE_X10] if m in ("Y", "Other") else [])],
            confidence="derived",
            method=f"price {prices[m]:.3f} USD/kg = {price_how[m]}. Elasticity calibrated on the "
                   f"2010-11 episode with P/P0 = (S/D)^(-1/eta): S/D = 1 - {cut:.0%} quota cut = "
                   f"{s_over_d:g}, P/P0 = {multiple[m]:.2f} ({multiple_how[m]}); "
                   f"eta = ln(1/{s_over_d:g}) / ln({multiple[m]:.2f}) = {eta:.4f}",
        )

    # ------------------------------------------------------------------ mining
    world = CN_MINE.value / (CN_SHARE.value / 100)
    mined: dict[str, float] = {"CN": CN_MINE.value}
    mine_how: dict[str, str] = {"CN": "USGS 2010 (97% of world)"}
    mine_ref: dict[str, list[Fact | str]] = {"CN": [CN_MINE, CN_SHARE]}
    for c, f in SMALL_SHARES.items():
        mined[c] = world * f.value / 100
        mine_how[c] = (f"world {world:,.0f} t (= {CN_MINE.value:,.0f} / {CN_SHARE.value:g}%) x "
                       f"{f.value:g}% (USGS 2010 share)")
        mine_ref[c] = [CN_MINE, CN_SHARE, f]
    rest = 100 - CN_SHARE.value - sum(f.value for f in SMALL_SHARES.values())
    mined["RU"] = world * rest / 100
    mine_how["RU"] = (f"world {world:,.0f} t x {rest:.2f}% = 100% - China, India, Brazil, "
                      "Malaysia shares (USGS 2010): the unlisted rest, given to Russia (Lovozero "
                      "loparite, the one other producer of the period; refined in Russia and "
                      "Estonia)")
    mine_ref["RU"] = [CN_MINE, CN_SHARE, *SMALL_SHARES.values(), LOPARITE, SCRIPT]
    comp = {"CN": CN_COMP, "IN": MONAZITE, "BR": MONAZITE, "MY": MONAZITE, "RU": LOPARITE_COMP}
    comp_how = {
        "CN": (f"China's mix: {1 - ION_SHARE:.0%} light mineral ores (Bayan Obo Ce "
               f"{BAYAN_CE.value:g}%, La-Nd >{BAYAN_LREE.value:g}%; split "
               + ", ".join(f"{m} {LIGHT[m]:g}" for m in MATERIALS)
               + f") and {ION_SHARE:.0%} ion-adsorption clays (Sm-Dy {ION_SMDY.value:g}%, Y+Ho-Lu "
               f"{ION_YHREE.value:g}%; split "
               + ", ".join(f"{m} {ION[m]:g}" for m in MATERIALS) + ")"),
        "IN": "beach-sand monazite (HREE not extractable), estimate "
              + ", ".join(f"{m} {MONAZITE[m]:g}" for m in MATERIALS),
        "RU": "loparite (light ore), estimate "
              + ", ".join(f"{m} {LOPARITE_COMP[m]:g}" for m in MATERIALS),
    }
    comp_how["BR"] = comp_how["IN"].replace("beach-sand monazite (HREE not extractable)",
                                            "monazite (as India)")
    comp_how["MY"] = comp_how["IN"].replace("beach-sand monazite (HREE not extractable)",
                                            "tin-tailings monazite (as India; xenotime ignored)")
    comp_ref: dict[str, list[Fact | str]] = {
        "CN": [BAYAN_CE, BAYAN_LREE, ION_SMDY, ION_YHREE, SCRIPT],
        "IN": [IN_MONAZITE, SCRIPT], "BR": [IN_MONAZITE, SCRIPT], "MY": [IN_MONAZITE, SCRIPT],
        "RU": [LOPARITE, SCRIPT],
    }
    mined_m = {c: {m: mined[c] * comp[c][m] / 100 for m in MATERIALS} for c in mined}
    mine_dest = {"CN": "CN:separation", "IN": "IN:separation", "MY": "CN:separation",
                 "BR": "EU:separation", "RU": "EU:separation"}
    dest_how = {
        "IN": "IREL separates Indian monazite in India",
        "MY": "estimate: Malaysian concentrate sold to Chinese separators",
        "BR": "estimate: Brazilian monazite to European separation (Rhodia)",
        "RU": "Lovozero loparite refined in Russia and Estonia (Silmet), counted as EU separation",
    }
    for c in mined:
        for m in MATERIALS:
            x = mined_m[c][m]
            if x <= 0:
                continue
            conf = "estimate"  # the total is a figure, the split by material an estimate
            how = (f"{mine_how[c]} = {mined[c]:,.1f} t REO x {comp[c][m]:.3g}% {m} "
                   f"({comp_how[c]})")
            node_meta[(f"{c}:mining", m)] = (mine_ref[c] + comp_ref[c], conf, how)
            if c == "CN":
                to_eu = EU_FEED_FROM_CN * comp[c][m] / 100
                L.add("CN:mining", "EU:separation", m, to_eu, [SCRIPT], "estimate",
                      f"Chinese intermediates separated in Europe (Rhodia, La Rochelle): "
                      f"{EU_FEED_FROM_CN:,.0f} t REO (estimate; no figure in the facts) x "
                      f"China's {comp[c][m]:.3g}% {m}; counted in China's exports")
                L.add("CN:mining", "CN:separation", m, x - to_eu, mine_ref[c] + comp_ref[c],
                      "estimate", f"China's {m} mined {x:,.1f} t ({how}) less {to_eu:,.1f} t "
                                  "sent to European separation")
            else:
                L.add(f"{c}:mining", mine_dest[c], m, x, mine_ref[c] + comp_ref[c], "estimate",
                      f"all of {c}'s {m} output {x:,.1f} t ({dest_how[c]})")
    # Mountain Pass: idle (0 t in 2011, restart 3,000 t in 2012): a zero-capacity node
    for m in ("NdPr", "LaCe"):
        node_meta[("US:mining", m)] = (
            [US_MINE_2011, MP_RESTART], "derived",
            f"Mountain Pass idle in 2009 (USGS: 0 t in 2011, restart {MP_RESTART.value:,.0f} t in "
            "2012); kept as a node of zero output and zero capacity for options that add "
            "capacity")

    # ------------------------------------------------------------------ separation
    sep_out: dict[str, dict[str, float]] = {}
    for node in ("CN:separation", "IN:separation", "EU:separation"):
        sep_out[node] = {}
        for m in MATERIALS:
            inflow = L.into(node, m)
            if inflow <= 0:
                continue
            sep_out[node][m] = inflow * SEPARATION_YIELD
            yields[(node, m)] = SEPARATION_YIELD
            node_meta[(node, m)] = (
                [CRACK_RECOVERY, SCRIPT], "estimate",
                f"output = inflow {inflow:,.1f} t x yield {SEPARATION_YIELD:g} (estimate: "
                f"cracking alone recovers >{CRACK_RECOVERY.value:g}% at Lynas; mature separation "
                "plants ~95%)")

    # ------------------------------------------------------------------ magnets
    finished_world = NDFEB_WORLD.value * MACHINING.value / 100
    magnets = {c: finished_world * NDFEB_SHARE[c].value / 100 for c in ("CN", "JP", "EU")}
    mag_yield = MACHINING.value / 100 + (1 - MACHINING.value / 100) * SWARF_RECOVERY
    cut_mean = (DY_CUT_HONDA.value + DY_CUT_NISSAN.value) / 2 / 100
    dy_hc_2009 = DY_HC.value / (1 - cut_mean)
    dy_wt = HC_SHARE * dy_hc_2009 + (1 - HC_SHARE) * DY_STD.value
    ndpr_wt = ND_WT.value - dy_wt
    f_ndpr = nd_share / (OXMET["Nd"].value / 100) + (1 - nd_share) / (OXMET["Pr"].value / 100)
    f_dytb = dy_share / (OXMET["Dy"].value / 100) + (1 - dy_share) / (OXMET["Tb"].value / 100)
    recipe = {"NdPr": ndpr_wt / 100 * f_ndpr, "DyTb": dy_wt / 100 * f_dytb}
    recipe_ref: list[Fact | str] = [ND_WT, DY_STD, DY_HC, DY_CUT_HONDA, DY_CUT_NISSAN,
                                    *OXMET.values(), SCRIPT]
    recipe_how = {
        "DyTb": f"Dy+Tb {dy_wt:.3f} wt% = {HC_SHARE:.0%} high-coercivity grades (motors, wind) at "
                f"{dy_hc_2009:.2f} wt% (today's ~{DY_HC.value:g} wt% / (1 - {cut_mean:.0%}), "
                f"the mean of Honda's {DY_CUT_HONDA.value:g}% and Nissan's "
                f"{DY_CUT_NISSAN.value:g}% Dy cuts of 2012) + {1 - HC_SHARE:.0%} standard grades "
                f"at {DY_STD.value:g} wt% (midpoint 0.6-1.2); as oxide x {f_dytb:.4f} t REO per t "
                f"metal (Dy2O3 {OXMET['Dy'].value:g}%, Tb4O7 {OXMET['Tb'].value:g}% metal, "
                f"Dy:Tb {DY_TO_TB:g}:1) = {recipe['DyTb']:.5f} t REO/t magnet",
        "NdPr": f"Nd+Pr {ndpr_wt:.3f} wt% = total RE {ND_WT.value:g} wt% (midpoint of 29-32.5) "
                f"less Dy+Tb {dy_wt:.3f} wt%; as oxide x {f_ndpr:.4f} t REO per t metal (Nd2O3 "
                f"{OXMET['Nd'].value:g}%, Pr6O11 {OXMET['Pr'].value:g}% metal, Nd:Pr "
                f"{ND_TO_PR:g}:1) = {recipe['NdPr']:.5f} t REO/t magnet",
    }
    for m in ("NdPr", "DyTb"):
        b.recipe("default", m, round(recipe[m], 6), ref=recipe_ref, confidence="derived",
                 method=recipe_how[m])
    mag_inputs = {c: {m: recipe[m] * magnets[c] / mag_yield for m in recipe} for c in magnets}
    mag_how = (f"finished magnets = {NDFEB_WORLD.value:,.0f} t of sintered NdFeB (2010, read as "
               f"blocks) x {MACHINING.value:g}% machining yield = {finished_world:,.0f} t")
    mag_yield_how = (f"yield {mag_yield:.3f} = machining yield {MACHINING.value:g}% + swarf "
                     f"{100 - MACHINING.value:g}% x {SWARF_RECOVERY:.0%} recycled into alloy "
                     "(estimate); with the metal stage's 0.95 the oxide-to-finished-magnet "
                     f"yield is {mag_yield * METAL_YIELD:.3f} net of swarf recycling (gross "
                     f"{OXIDE_TO_MAGNET.value:g}% without it)")
    for c in magnets:
        node = f"{c}:magnet"
        yields[(node, MAGNET)] = mag_yield
        node_meta[(node, MAGNET)] = (
            [NDFEB_WORLD, NDFEB_SHARE[c], MACHINING, OXIDE_TO_MAGNET, SCRIPT], "derived",
            f"{mag_how} x {c} share {NDFEB_SHARE[c].value:g}% = {magnets[c]:,.1f} t; "
            f"{mag_yield_how}")
    # inputs: China's and Europe's magnet makers buy Chinese metal; Japan's half and half
    for m in recipe:
        L.add("CN:metal", "CN:magnet", m, mag_inputs["CN"][m], [*recipe_ref, NDFEB_SHARE["CN"]],
              "derived", f"recipe {recipe[m]:.5f} x {magnets['CN']:,.1f} t / yield "
                         f"{mag_yield:.3f}")
        L.add("CN:metal", "EU:magnet", m, mag_inputs["EU"][m], [*recipe_ref, NDFEB_SHARE["EU"]],
              "estimate", f"recipe {recipe[m]:.5f} x {magnets['EU']:,.1f} t / yield "
                          f"{mag_yield:.3f}; European makers' alloy assumed Chinese")
        L.add("CN:metal", "JP:magnet", m, (1 - JP_METAL_SHARE) * mag_inputs["JP"][m],
              [*recipe_ref, NDFEB_SHARE["JP"]], "estimate",
              f"{1 - JP_METAL_SHARE:.0%} of Japan's alloy input {mag_inputs['JP'][m]:,.1f} t "
              f"(recipe {recipe[m]:.5f} x {magnets['JP']:,.1f} t / {mag_yield:.3f}) bought as "
              "Chinese metal (split an estimate)")
        L.add("JP:metal", "JP:magnet", m, JP_METAL_SHARE * mag_inputs["JP"][m],
              [*recipe_ref, NDFEB_SHARE["JP"]], "estimate",
              f"{JP_METAL_SHARE:.0%} of Japan's alloy input {mag_inputs['JP'][m]:,.1f} t reduced "
              "in Japan (Shin-Etsu, Santoku, Showa Denko; split an estimate)")
    metal_out = {n: {m: L.out_of(n, m) for m in recipe} for n in ("CN:metal", "JP:metal")}
    metal_in = {n: {m: v / METAL_YIELD for m, v in d.items()} for n, d in metal_out.items()}
    for n in metal_out:
        for m in recipe:
            yields[(n, m)] = METAL_YIELD
            node_meta[(n, m)] = (
                [METAL_LOSS, SCRIPT], "estimate",
                f"output = what its magnet buyers take, {metal_out[n][m]:,.1f} t; input = output /"
                f" yield {METAL_YIELD:g} (estimate: reduction losses ~5%; Heim & Vander Wal's "
                f"{METAL_LOSS.value:g}% is a modelling upper bound)")
    L.add("CN:separation", "CN:metal", "NdPr", metal_in["CN:metal"]["NdPr"], [SCRIPT], "derived",
          f"CN:metal output {metal_out['CN:metal']['NdPr']:,.1f} t / {METAL_YIELD:g}")
    L.add("CN:separation", "CN:metal", "DyTb", metal_in["CN:metal"]["DyTb"], [SCRIPT], "derived",
          f"CN:metal output {metal_out['CN:metal']['DyTb']:,.1f} t / {METAL_YIELD:g}")

    # ------------------------------------------------------------------ China's exports
    quota = QUOTA_2009.value
    share = {
        "JP": JP_FROM_CN_JS.value / CN_EXPORTS_JS.value,
        "US": US_FROM_CN_JS.value / CN_EXPORTS_JS.value,
    }
    share["EU"] = TOP3_SHARE.value / 100 - share["JP"] - share["US"]
    share["KR"] = KR_SHARE_2019.value / 100
    share["ROW"] = 1 - TOP3_SHARE.value / 100 - share["KR"]
    exports = {c: quota * s for c, s in share.items()}
    share_how = {
        "JP": f"Japan {JP_FROM_CN_JS.value:,.0f} of {CN_EXPORTS_JS.value:,.0f} t, Jan-Sep 2010",
        "US": f"US {US_FROM_CN_JS.value:,.0f} of {CN_EXPORTS_JS.value:,.0f} t, Jan-Sep 2010",
        "EU": f"EU = Japan+EU+US {TOP3_SHARE.value:g}% (2010) less Japan and US",
        "KR": f"Korea {KR_SHARE_2019.value:g}% (2019 share used for 2009)",
        "ROW": f"rest = 100% - {TOP3_SHARE.value:g}% - Korea {KR_SHARE_2019.value:g}%",
    }
    exp_ref: list[Fact | str] = [QUOTA_2009, JP_FROM_CN_JS, US_FROM_CN_JS, CN_EXPORTS_JS,
                                 TOP3_SHARE, KR_SHARE_2019]
    exp_how = {c: (f"China's exports of materials = 2009 quota {quota:,.0f} t; {c} takes "
                   f"{share[c]:.2%} ({share_how[c]}) = {exports[c]:,.1f} t") for c in share}

    def alloc(supply: float, weights: dict[str, float]) -> dict[str, float]:
        tot = sum(weights.values())
        return {k: supply * w / tot for k, w in weights.items()} if tot > 0 else {}

    # ------------------------------------------------------------------ Japan
    jp_total = exports["JP"] / (JP_CN_SHARE.value / 100)
    jp_noncn = jp_total - exports["JP"]
    official_2009 = JP_FROM_CN_2010.value / 1.49
    jp_how = (f"Japan's imports from China {exports['JP']:,.1f} t ({exp_how['JP']}) are "
              f"{JP_CN_SHARE.value:g}% of its imports (MOF 2009), so Japan imports {jp_total:,.1f} "
              f"t (METI: ~{JP_DEMAND_METI.value:,.0f} t demand) and {jp_noncn:,.1f} t from "
              f"elsewhere. Unofficial trade is inside the Chinese figure: official 2009 imports "
              f"from China were {JP_FROM_CN_2010.value:,.0f}/1.49 = {official_2009:,.0f} t, plus "
              f">{JP_UNOFFICIAL.value:,.0f} t/yr unofficial = {official_2009 + JP_UNOFFICIAL.value:,.0f}"
              " t")
    jp_ref: list[Fact | str] = [*exp_ref, JP_CN_SHARE, JP_FROM_CN_2010, JP_UNOFFICIAL,
                                JP_DEMAND_METI]
    jp_magnet_chain = {m: metal_in["JP:metal"][m] + L.flows[("CN:metal", "JP:magnet", m)]
                       for m in recipe}
    jp_end = jp_total - sum(jp_magnet_chain.values())
    # non-Chinese supply: India (80% of its separated output) and European separation (the rest)
    in_to_jp = {m: IN_TO_JP * v for m, v in sep_out["IN:separation"].items()}
    eu_to_jp_total = jp_noncn - sum(in_to_jp.values())
    eu_sep_total = sum(sep_out["EU:separation"].values())
    eu_frac = eu_to_jp_total / eu_sep_total
    if not 0 < eu_frac < 1:
        raise ValueError(f"European separation cannot supply Japan's remainder ({eu_frac:.2f})")
    eu_to_jp = {m: eu_frac * v for m, v in sep_out["EU:separation"].items()}
    # Japan's end-use targets
    jp_target: dict[tuple[str, str], float] = {}
    for m in MATERIALS:
        for s, w in SECTORS_JP[m].items():
            jp_target[(f"JP:end_use:{s}", m)] = jp_end * MIX_JP[m] * w
    jp_metal_need = dict(metal_in["JP:metal"])
    for src, supply, frac_how in (
        ("IN:separation", in_to_jp, f"{IN_TO_JP:.0%} of India's separated output to Japan "
                                    "(estimate)"),
        ("EU:separation", eu_to_jp, f"{eu_frac:.1%} of European separated output to Japan: "
                                    f"Japan's non-Chinese {jp_noncn:,.1f} t less India's"),
    ):
        for m, x in supply.items():
            to_metal = min(x, jp_metal_need.get(m, 0.0))
            if to_metal > 0:
                jp_metal_need[m] -= to_metal
                L.add(src, "JP:metal", m, to_metal, [*jp_ref, SCRIPT], "estimate",
                      f"{frac_how}; {m} goes first to Japanese metal makers")
            rest_x = x - to_metal
            targets = {k: v for k, v in jp_target.items() if k[1] == m}
            for node, y in alloc(rest_x, {k[0]: v for k, v in targets.items()}).items():
                jp_target[(node, m)] -= y
                L.add(src, node, m, y, [*jp_ref, SCRIPT], "estimate",
                      f"{frac_how}; {m} spread over Japan's sectors in proportion to their use")
    for m in recipe:
        L.add("CN:separation", "JP:metal", m, jp_metal_need[m], [*jp_ref, SCRIPT], "derived",
              f"Japanese metal makers' {m} input {metal_in['JP:metal'][m]:,.1f} t less "
              f"Indian and European supply. {jp_how}")
    for (node, m), y in jp_target.items():
        sector = node.split(":")[2]
        L.add("CN:separation", node, m, y, [*jp_ref, SCRIPT], "estimate",
              f"Japan's end uses take {jp_end:,.1f} t (= {jp_total:,.1f} t imports less "
              f"{sum(jp_magnet_chain.values()):,.1f} t for magnet alloy) x {MIX_JP[m]:.1%} {m} x "
              f"{SECTORS_JP[m][sector]:.0%} {sector} (estimates), less the Indian and European "
              f"share. {jp_how}")

    # ------------------------------------------------------------------ US, EU, KR, ROW, IN
    for s, mats in US_SPLIT.items():
        for m, w in mats.items():
            L.add("CN:separation", f"US:end_use:{s}", m, exports["US"] * w,
                  [*exp_ref, US_END_USE, SCRIPT], "estimate",
                  f"{exp_how['US']}; x {w:.4g} for {s}/{m}: USGS 2018 US end-use split "
                  "(catalysts 60%, ceramics/glass 15%, metallurgy 10%, polishing 10%, other 5%) "
                  "mapped to sectors and materials (mapping an estimate)")
    eu_direct = exports["EU"] - EU_FEED_FROM_CN - L.flows[("CN:metal", "EU:magnet", "NdPr")] \
        - L.flows[("CN:metal", "EU:magnet", "DyTb")]
    eu_kept = {m: v - eu_to_jp[m] for m, v in sep_out["EU:separation"].items()}
    for m in MATERIALS:
        mat_total = eu_direct * MIX_WORLD[m] + eu_kept.get(m, 0.0)
        for s, w in SECTORS_WORLD[m].items():
            node = f"EU:end_use:{s}"
            own = eu_kept.get(m, 0.0) * w
            L.add("EU:separation", node, m, own, [SCRIPT], "estimate",
                  f"European separated {m} kept in Europe {eu_kept.get(m, 0.0):,.1f} t x "
                  f"{w:.0%} {s} (world sector template, estimate)")
            L.add("CN:separation", node, m, mat_total * w - own, [*exp_ref, SCRIPT], "estimate",
                  f"{exp_how['EU']}, less {EU_FEED_FROM_CN:,.0f} t of intermediates and the "
                  f"magnet alloy = {eu_direct:,.1f} t of separated products x {MIX_WORLD[m]:.0%} "
                  f"{m} x {w:.0%} {s} (world templates, estimates)")
    for c in ("KR", "ROW"):
        for m in MATERIALS:
            for s, w in SECTORS_WORLD[m].items():
                L.add("CN:separation", f"{c}:end_use:{s}", m, exports[c] * MIX_WORLD[m] * w,
                      [*exp_ref, SCRIPT], "estimate",
                      f"{exp_how[c]} x {MIX_WORLD[m]:.0%} {m} x {w:.0%} {s} (world material mix "
                      "and sector template, estimates)")
    for m, v in sep_out["IN:separation"].items():
        L.add("IN:separation", "IN:end_use:other", m, v - in_to_jp[m], [SCRIPT], "estimate",
              f"India keeps {1 - IN_TO_JP:.0%} of its separated {m} (estimate)")

    # ------------------------------------------------------------------ China's own use
    cn_exported = {m: sum(v for (s_, tg, c_), v in L.flows.items()
                          if s_ == "CN:separation" and c_ == m and country_of(tg) != "CN")
                   for m in MATERIALS}
    residual = {m: sep_out["CN:separation"][m] - metal_in["CN:metal"].get(m, 0.0) - cn_exported[m]
                for m in MATERIALS}
    for m, r in residual.items():
        if r <= 0:
            raise ValueError(f"China has no {m} left for its own use ({r:,.1f} t)")
    cn_use = sum(residual.values()) + sum(mag_inputs["CN"][m] / METAL_YIELD for m in recipe)
    cn_use_how = (f"China's domestic use in this network = {cn_use:,.0f} t (non-magnet "
                  f"{sum(residual.values()):,.0f} t + oxide for its own magnets); reported 2009 "
                  f"consumption {CN_CONSUMPTION.value:,.0f} t")
    for m, r in residual.items():
        for s, w in SECTORS_WORLD[m].items():
            L.add("CN:separation", f"CN:end_use:{s}", m, r * w,
                  [CN_CONSUMPTION, QUOTA_2009, SCRIPT], "estimate",
                  f"closure: China's separated {m} {sep_out['CN:separation'][m]:,.1f} t less metal "
                  f"feed {metal_in['CN:metal'].get(m, 0.0):,.1f} t and exports "
                  f"{cn_exported[m]:,.1f} t = {r:,.1f} t, x {w:.0%} {s} (world sector template); "
                  f"{cn_use_how}")

    # ------------------------------------------------------------------ magnet trade
    cn_export_share = MAGNET_EXPORTS_2023.value / CN_MAGNETS_2023.value
    dest = {
        "EU": (MAGNET_EXPORTS_TO_2020["DE"].value + MAGNET_EXPORTS_TO_2020["IT"].value)
        / MAGNET_EXPORTS_2020.value,
        "US": MAGNET_EXPORTS_TO_2020["US"].value / MAGNET_EXPORTS_2020.value,
        "KR": MAGNET_EXPORTS_TO_2020["KR"].value / MAGNET_EXPORTS_2020.value,
        "JP": JP_MAGNETS_JUL25.value / CN_MAGNETS_JUL25.value,
    }
    dest["ROW"] = 1 - sum(dest.values())
    mag_ref: list[Fact | str] = [MAGNET_EXPORTS_2023, CN_MAGNETS_2023, MAGNET_EXPORTS_2020,
                                 *MAGNET_EXPORTS_TO_2020.values(), JP_MAGNETS_JUL25,
                                 CN_MAGNETS_JUL25, SCRIPT]
    dest_how = {"EU": "Germany+Italy 2020", "US": "US 2020", "KR": "Korea 2020",
                "JP": "Japan Jul 2025", "ROW": "the rest (Viet Nam, Thailand, India...)"}

    def magnet_sectors(c: str) -> dict[str, float]:
        return MAGNET_SECTORS_JP if c == "JP" else MAGNET_SECTORS_WORLD

    def ship_magnets(src: str, dst: str, tonnes: float, ref: list[Fact | str], how: str) -> None:
        for s, w in magnet_sectors(dst).items():
            L.add(src, f"{dst}:end_use:{s}", MAGNET, tonnes * w, ref, "estimate",
                  f"{how} x {w:.0%} {s} (magnet sector split of {dst}, estimate)")

    cn_mag = magnets["CN"]
    for c, s_ in dest.items():
        ship_magnets("CN:magnet", c, cn_mag * cn_export_share * s_, mag_ref,
                     f"China's magnets {cn_mag:,.1f} t x export share {cn_export_share:.1%} "
                     f"(2023: {MAGNET_EXPORTS_2023.value:,.0f} of {CN_MAGNETS_2023.value:,.0f} t) x "
                     f"{s_:.1%} to {c} ({dest_how[c]} destination share)")
    ship_magnets("CN:magnet", "CN", cn_mag * (1 - cn_export_share), mag_ref,
                 f"China's magnets {cn_mag:,.1f} t x {1 - cn_export_share:.1%} used at home")
    jp_mag = magnets["JP"]
    for c, s_ in JP_MAGNET_EXPORTS.items():
        ship_magnets("JP:magnet", c, jp_mag * JP_MAGNET_EXPORT_SHARE * s_, [NDFEB_SHARE["JP"],
                     SCRIPT], f"Japan's magnets {jp_mag:,.1f} t x export share "
                     f"{JP_MAGNET_EXPORT_SHARE:.0%} x {s_:.0%} to {c} (estimates)")
    ship_magnets("JP:magnet", "JP", jp_mag * (1 - JP_MAGNET_EXPORT_SHARE),
                 [NDFEB_SHARE["JP"], SCRIPT],
                 f"Japan's magnets {jp_mag:,.1f} t x {1 - JP_MAGNET_EXPORT_SHARE:.0%} used at home")
    ship_magnets("EU:magnet", "EU", magnets["EU"], [NDFEB_SHARE["EU"], SCRIPT],
                 f"Europe's magnets {magnets['EU']:,.1f} t, all used in Europe")

    # ------------------------------------------------------------------ emit nodes and flows
    return finish(b, L, node_meta, yields, prices, recipe, magnets, mag_yield, jp_total,
                  elasticity, world)


def finish(b: Builder, L: Ledger, node_meta: dict[tuple[str, str], tuple[list[Fact | str], str, str]],
           yields: dict[tuple[str, str], float], prices: dict[str, float],
           recipe: dict[str, float], magnets: dict[str, float], mag_yield: float,
           jp_total: float, elasticity: dict[str, float], world: float) -> Builder:
    """Emit nodes, flows, demand, stocks, stockpiles and parameters from the decided flows."""
    # ------------------------------------------------------------------ nodes
    capacity_how = ("capacity = output x {r:g} ({why})")
    why = {"CN": "estimate: China's capacity exceeded its quota-bound output",
           "JP": "estimate: Japanese plants ran below capacity in the 2009 recession",
           "IN": "estimate: Indian monazite processing ~10,000 t/yr capacity vs ~4,000 t/yr "
                 "output in 2023, ratio applied to 2009",
           "EU": "estimate: French and Estonian separation lines were feed-limited"}
    for (node, c), (ref, conf, how) in sorted(node_meta.items()):
        cc, stage = node.split(":")[:2]
        out = L.out_of(node, c)
        if cc == "US":
            b.node(node, c, 0.0, 0.0, 1.0, ref=ref, confidence=conf, method=how)
            continue
        ratio = CAPACITY[(cc, stage)]
        reason = why.get(cc, "estimate: little spare capacity outside China before Lynas "
                             "(2012) and the Mountain Pass restart")
        b.node(node, c, round(out * ratio, 3), round(out, 3), round(yields.get((node, c), 1.0), 6),
               ref=ref, confidence=conf,
               method=f"{how}; {capacity_how.format(r=ratio, why=reason)}")
    # ------------------------------------------------------------------ flows
    for (s, tg, c), v in L.flows.items():
        ref, conf, how = L.meta[(s, tg, c)]
        b.flow(s, tg, c, round(v, 3), ref=ref, confidence=conf, method=how)
    # ------------------------------------------------------------------ demand and value
    re_2020 = (recipe["NdPr"] * ND_PRICE_2020.value + recipe["DyTb"] * DY_PRICE_2020.value) * 1000
    non_re = MAGNET_PRICE_2020.value - re_2020
    re_2009 = (recipe["NdPr"] * prices["NdPr"] + recipe["DyTb"] * prices["DyTb"]) * 1000
    magnet_price = re_2009 + non_re
    magnet_price_how = (
        f"magnet price 2009 {magnet_price:,.0f} USD/t = RE content at Dec 2009 prices "
        f"{re_2009:,.0f} (recipe x NdPr {prices['NdPr']:.2f}, DyTb {prices['DyTb']:.2f} USD/kg) + "
        f"non-RE cost {non_re:,.0f} = China's Dec 2020 magnet export value "
        f"{MAGNET_PRICE_2020.value:,.0f} less its RE content at 2020 prices {re_2020:,.0f} (Nd "
        f"oxide {ND_PRICE_2020.value:g}, Dy oxide {DY_PRICE_2020.value:g} USD/kg)")
    value_how = ("value at risk = reference price x sector multiplier (downstream value stopped "
                 "per USD of input; the same estimates as world-2024): "
                 + ", ".join(f"{k} {v:g}" for k, v in SECTOR_MULTIPLIER.items()))
    inflows: dict[tuple[str, str], dict[str, float]] = {}
    for (s, tg, c), v in L.flows.items():
        if tg.split(":")[1] == "end_use":
            inflows.setdefault((tg, c), {})
            inflows[(tg, c)][s] = inflows[(tg, c)].get(s, 0.0) + v
    for (node, c), by_src in sorted(inflows.items()):
        tot = sum(by_src.values())
        k = SECTOR_MULTIPLIER[node.split(":")[2]]
        if c == MAGNET:
            value = magnet_price * k
            vref: list[Fact | str] = [MAGNET_PRICE_2020, ND_PRICE_2020, DY_PRICE_2020,
                                      PRICE["Nd"], PRICE["Dy"], SCRIPT]
            vhow = f"{value_how}; {magnet_price_how}"
        else:
            value = prices[c] * 1000 * k
            vref = [PRICE["Nd"] if c in ("NdPr",) else PRICE["La"] if c == "LaCe"
                    else PRICE["Dy"] if c == "DyTb" else PRICE["Sm"] if c == "Other"
                    else PRICE["Y"], SCRIPT]
            vhow = f"{value_how}; {c} {prices[c]:.3f} USD/kg (materials.csv)"
        parts = ", ".join(f"{v:,.1f} t from {s}" for s, v in sorted(by_src.items()))
        b.demand(node, c, round(tot, 3), round(value, 0), ref=vref, confidence="estimate",
                 method=f"demand = what the node receives in the reference year ({parts}; see "
                        f"flows.csv); {vhow}")
    # ------------------------------------------------------------------ stocks (firms)
    # Japan's ~3 months (Japan Times, Jan 2011) at every Japanese node; elsewhere the same
    # figure, the only stated cover of the period, at every consumer's metal, magnet and
    # end-use node (an estimate outside Japan).
    months = STOCK_MONTHS.value
    jp_in: dict[tuple[str, str], float] = {}
    other_in: dict[tuple[str, str], float] = {}
    for (_s, tg, c), v in L.flows.items():
        if country_of(tg) == "JP":
            jp_in[(tg, c)] = jp_in.get((tg, c), 0.0) + v
        elif tg.split(":")[1] in ("metal", "magnet", "end_use"):
            other_in[(tg, c)] = other_in.get((tg, c), 0.0) + v
    for (node, c), v in sorted(jp_in.items()):
        st = v * months / 12
        b.stock(node, c, round(st, 3), round(st, 3), ref=[STOCK_MONTHS, SCRIPT],
                confidence="estimate",
                method=f"Japanese users and traders held ~{months:g} months of supply (Japan "
                       f"Times, Jan 2011): {v:,.1f} t/yr received x {months:g}/12; target = the "
                       "same level")
    for (node, c), v in sorted(other_in.items()):
        st = v * months / 12
        b.stock(node, c, round(st, 3), round(st, 3), ref=[STOCK_MONTHS, SCRIPT],
                confidence="estimate",
                method=f"no stated cover for {country_of(node)}: Japanese users' and traders' ~"
                       f"{months:g} months of supply (Japan Times, Jan 2011) applied: {v:,.1f} t/yr "
                       f"received x {months:g}/12; target = the same level")
    # ------------------------------------------------------------------ stockpiles (JOGMEC)
    days = JOGMEC_DAYS.value
    jp_imports = {m: sum(v for (s, tg, c), v in L.flows.items()
                         if c == m and country_of(tg) == "JP" and country_of(s) != "JP")
                  for m in MATERIALS}
    for m in MATERIALS:
        st = jp_imports[m] * days / 365
        b.stockpile("JP", m, round(st, 3), 0.10, round(st / 3, 3), ref=[JOGMEC_DAYS, SCRIPT],
                    confidence="estimate",
                    method=f"JOGMEC's state stockpile held {days:g} days of consumption on average "
                           f"in Mar 2009 (target 42): {jp_imports[m]:,.1f} t/yr Japanese imports "
                           f"of {m} x {days:g}/365, applied to each material (which rare earths "
                           "it held is not disclosed); released when Japan's shortfall exceeds "
                           "10% of demand, at most a third of the stock per month (estimates: "
                           "JOGMEC sells to Japanese firms in emergencies or tight markets)")
    # Korea: KORES held ~62 t of rare earths around 2010 (Japan Metal Bulletin, estimated),
    # split over materials in proportion to Korea's use of each. No other country's state
    # stockpile of rare earths in 2009 is in the facts (the US NDS had none; China's state
    # purchases are reported from 2014).
    kr_use = {m: sum(v for (_s, tg, c), v in L.flows.items() if c == m and country_of(tg) == "KR")
              for m in MATERIALS}
    kr_total = sum(kr_use.values())
    for m in MATERIALS:
        if kr_use[m] <= 0:
            continue
        st = KORES_2010.value * kr_use[m] / kr_total
        b.stockpile("KR", m, round(st, 3), 0.10, round(st / 3, 3), ref=[KORES_2010, SCRIPT],
                    confidence="estimate",
                    method=f"KORES held ~{KORES_2010.value:g} t of rare earths c. 2010 (Japan Metal "
                           f"Bulletin, estimated) x Korea's share of use {kr_use[m] / kr_total:.3f} "
                           f"for {m} ({kr_use[m]:,.1f} of {kr_total:,.1f} t/yr); release as Japan's "
                           "(estimates)")
    # ------------------------------------------------------------------ parameters
    spare = sum(r["capacity_tonnes_per_year"] - r["output_tonnes_per_year"]
                for r in b.tables["nodes"] if ":mining" in r["node"])
    ramp = RAMP.value / 100 * world / 12 / spare
    b.parameter("lead_time_months", 3, "months", 1, 12, ref=[IMPROVED, EMBARGO_DAYS, SCRIPT],
                confidence="estimate",
                method="about a month of shipping plus two of qualifying a new supplier's "
                       "material (estimate; 1 for a known trader, 12 for qualifying a new magnet "
                       f"grade, as world-2024); in 2010 {IMPROVED.value:g} of 27 Japanese "
                       f"importers reported improvement ~2 months into the "
                       f"~{EMBARGO_DAYS.value:g}-day hold")
    b.parameter("ramp_rate_per_month", round(ramp, 5), "1/month", round(ramp / 2, 5),
                round(ramp * 2, 5), ref=[RAMP, CN_MINE, CN_SHARE, SCRIPT], confidence="derived",
                method=f"non-Chinese primary output ramped at {RAMP.value:g}% of market volume per "
                       f"year after 2010 (Sprecher et al. 2017): {RAMP.value:g}% x world "
                       f"{world:,.0f} t / 12 = {RAMP.value / 100 * world / 12:,.1f} t/month, as a "
                       f"share of this network's spare mining capacity {spare:,.1f} t/yr = "
                       f"{ramp:.5f}/month; range x0.5-x2")
    common.price_parameters(b, PRICE["Dy"], SCRIPT)  # cap from the 2011 peaks, speed from 2010
    b.parameter("recycling_rate", RECYCLING.value / 100, "1", 0.005, 0.02,
                ref=[RECYCLING, SUBST], confidence="approximate",
                method="~1% of rare earths recycled at end of life; Sprecher et al. found no "
                       "appreciable recycling response after 2010; range 0.5-2% (estimate)")
    b.parameter("substitution_max_per_year", SUBST.value / 100, "1/yr", 0.05, 0.15,
                ref=[SUBST, SCRIPT], confidence="derived",
                method="substitution peaked at 10% of total demand per year after 2010 (Sprecher "
                       "et al. 2017); range 5-15% (estimate)")
    common.transit_parameters(b, 1, SCRIPT, calibrated=True)  # checked against Japan's 2010 imports (MOF)
    b.parameter("balance_tolerance", 0.01, "1", ref=[SCRIPT], confidence="estimate",
                method="relative tolerance of the baseline balance check (format default)")
    return b


def write(folder: Path = OUT) -> Path:
    """Build the dataset and write it to ``folder`` (default ``datasets/world-2009``)."""
    b = build()
    problems = common.balance_report(b.tables)
    if problems:
        raise SystemExit("unbalanced:\n  " + "\n  ".join(problems))
    return b.write(folder, name=NAME, title="World rare-earth supply chain, reference year 2009 "
                   "(before China's 2010 export restrictions)", reference_year=2009,
                   description="The network just before China's 2010 export-quota cut and the "
                               "hold on Japan-bound shipments; built by "
                               "datasets/build/build_world_2009.py from the sourced facts; see "
                               "datasets/README.md.")


def main(argv: list[str]) -> None:
    """Write the dataset to ``argv[0]`` (default: datasets/world-2009), as build_world_2024.py."""
    out = Path(argv[0]).resolve() if argv else OUT
    write(out)
    ds = common.check(out)
    print(f"{NAME}: {sum(len(v) for v in ds.tables.values())} rows, "
          f"{len(ds.tables['flows'])} flows, {len(ds.sources)} sources -> {out}")


if __name__ == "__main__":
    main(sys.argv[1:])
