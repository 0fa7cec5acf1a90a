"""The illustrative world synthetic networks are drawn from: countries with their stage shares
and governance, materials with their prices and recipe shares, and the rounded world totals
(:mod:`rareearth.synthetic`; figures rounded from the fact pack, not any year's data)."""

from __future__ import annotations

from dataclasses import dataclass

_REF = "synthetic"


@dataclass(frozen=True)
class _Country:
    """A country of the built-in list and its share of each stage (any positive scale)."""

    code: str
    name: str
    governance: float
    mining: float = 0.0
    separation: float = 0.0
    metal: float = 0.0
    magnet: float = 0.0
    end_use: float = 0.0


# Governance: WGI composite 2022 (fact pack SOURCES.md §10) taken back from 0–1 to the WGI scale
# (5·g − 2.5) where the fact pack has it; the others are illustrative. Mining shares: USGS MCS
# 2025, mine production 2024 (t REO). Separation ~91% and magnets ~94% China: IEA 2025 (fact pack
# §4); Malaysia ~5% of refining: IEA 2024. Metal, magnet and end-use splits outside China and
# every end-use share are illustrative (ordered like the fact pack's import and magnet figures).
_COUNTRIES: tuple[_Country, ...] = (
    _Country("CN", "China", -0.35, 270_000, 91.0, 90.0, 92.0, 45.0),
    _Country("US", "United States", 1.00, 45_000, 1.0, 0.5, 0.3, 10.0),
    _Country("JP", "Japan", 1.35, 0, 0.5, 3.0, 5.0, 8.0),
    _Country("AU", "Australia", 1.50, 13_000, 0.5, 0, 0, 0.5),
    _Country("MM", "Myanmar", -1.60, 31_000, 0, 0, 0, 0),
    _Country("MY", "Malaysia", 0.45, 130, 5.0, 0, 0, 0.5),
    _Country("DE", "Germany", 1.30, 0, 0, 0, 1.0, 6.0),
    _Country("KR", "South Korea", 1.05, 0, 0, 0.5, 0.5, 5.0),
    _Country("VN", "Vietnam", -0.35, 300, 0.5, 3.0, 0.7, 1.5),
    _Country("TH", "Thailand", -0.20, 13_000, 0, 1.0, 0.1, 1.5),
    _Country("NG", "Nigeria", -1.10, 13_000, 0, 0, 0, 0.2),
    _Country("IN", "India", -0.05, 2_900, 0.5, 0, 0, 3.0),
    _Country("RU", "Russia", -1.05, 2_500, 0.5, 0, 0, 0.5),
    _Country("MG", "Madagascar", -0.75, 2_000, 0, 0, 0, 0),
    _Country("LA", "Laos", -0.70, 1_000, 0, 0.5, 0, 0),
    _Country("BR", "Brazil", -0.30, 20, 0, 0, 0, 1.0),
    _Country("EE", "Estonia", 1.20, 0, 1.0, 1.0, 0, 0.2),
    _Country("FR", "France", 0.90, 0, 0.5, 0, 0, 2.0),
    _Country("GB", "United Kingdom", 0.95, 0, 0, 0.5, 0, 2.0),
    _Country("SI", "Slovenia", 1.00, 0, 0, 0, 0.2, 0.2),
    _Country("PH", "Philippines", -0.40, 0, 0, 0, 0.2, 0.5),
    _Country("IT", "Italy", 0.65, 0, 0, 0, 0, 2.0),
    _Country("MX", "Mexico", -0.45, 0, 0, 0, 0, 2.0),
    _Country("TW", "Taiwan", 1.00, 0, 0, 0, 0, 1.5),
    _Country("ES", "Spain", 0.75, 0, 0, 0, 0, 1.0),
    _Country("PL", "Poland", 0.70, 0, 0, 0, 0, 1.0),
    _Country("CZ", "Czechia", 1.00, 0, 0, 0, 0, 1.0),
    _Country("SE", "Sweden", 1.25, 0, 0, 0, 0, 1.0),
    _Country("NL", "Netherlands", 1.25, 0, 0, 0, 0, 1.0),
    _Country("CA", "Canada", 1.25, 0, 0, 0, 0, 1.0),
    _Country("TR", "Turkey", -0.45, 0, 0, 0, 0, 0.5),
    _Country("ID", "Indonesia", -0.15, 0, 0, 0, 0, 0.5),
)
_BY_CODE = {c.code: c for c in _COUNTRIES}
# Countries given by code but absent from the list above: small magnet makers and users.
_OTHER = {"magnet": 0.1, "end_use": 0.5}

# Heavy rare earths come from the ionic clays of southern China and Myanmar (fact pack §13);
# illustrative split of heavy-material mining.
_HEAVY_MINING = {"CN": 0.60, "MM": 0.35, "AU": 0.03, "US": 0.02}


@dataclass(frozen=True)
class _Material:
    name: str
    elements: str
    group: str
    price_usd_per_tonne: float
    price_elasticity: float
    recipe: float  # t REO per t of magnet in the default recipe; 0 = not a magnet material
    demand: float  # world end-use demand of the material itself (not in magnets), t REO/yr


# Recipes: NdPr ≈ 0.31, DyTb 0.01–0.04 t/t (MODEL.md §1; fact pack §14). Prices and elasticities
# are illustrative round figures; LaCe demand ~ two thirds of ~390 kt world mining (fact pack
# §1, §13: La + Ce ≈ 80% of light ore).
_MATERIALS: dict[str, _Material] = {
    "NdPr": _Material("neodymium-praseodymium", "Nd;Pr", "light", 60_000, 0.5, 0.31, 4_000),
    "DyTb": _Material("dysprosium-terbium", "Dy;Tb", "heavy", 400_000, 0.3, 0.02, 200),
    "LaCe": _Material("lanthanum-cerium", "La;Ce", "light", 1_000, 0.8, 0.0, 250_000),
    "SmGd": _Material("samarium-gadolinium", "Sm;Gd", "light", 20_000, 0.5, 0.0, 5_000),
    "Y": _Material("yttrium", "Y", "heavy", 10_000, 0.5, 0.0, 10_000),
}
_GENERIC = _Material("", "", "light", 10_000, 0.5, 0.0, 5_000)
#: World magnet demand, t/yr: China ~267 kt NdFeB in 2023 at ~92% of the world (fact pack §4).
_MAGNETS_PER_YEAR = 290_000.0
#: High-temperature (EV traction) grade: more DyTb, a little less NdPr (fact pack §14).
_HIGH_GRADE = {"NdPr": 0.30, "DyTb": 0.035}
_HIGH_GRADE_SHARE = 0.1

# Share of nodes per stage (few mines, more processors, many end users) and the least per stage.
_STAGE_SHARE = {"mining": 0.02, "separation": 0.05, "metal": 0.08, "magnet": 0.15}
_STAGE_MIN = {"mining": 2, "separation": 2, "metal": 2, "magnet": 3}
_MIN_NODES = 20
# Sectors: share of end users, and what they consume (None: magnets).
_MAGNET_SECTORS = {"automotive": 0.22, "electronics": 0.2, "wind": 0.08, "industrial": 0.15}
_MATERIAL_SECTORS = {"catalysts": 0.12, "glass_polishing": 0.1, "other": 0.13}
# Downstream value put at risk, USD per t not received (illustrative, as tests/factory.py).
_VALUE = {"automotive": 500_000, "electronics": 300_000, "wind": 400_000, "industrial": 300_000,
          "catalysts": 20_000, "glass_polishing": 10_000, "other": 100_000}
# Suppliers per buyer (inclusive range) and the weight of a domestic supplier over a foreign one.
_SUPPLIERS = {"end_use": (1, 3), "producer": (2, 4)}
_DOMESTIC_BIAS = 3.0
# Spare capacity, share of output: thin in the dominant country, wider elsewhere (illustrative;
# Lynas and Mountain Pass ran below nameplate, fact pack §6, §7).
_SPARE_DOMINANT = (0.02, 0.10)
_SPARE_OTHER = (0.20, 0.60)
# Yields, t out per t in (fact pack §14: >90% recovery in cracking, ~20% loss oxide to metal,
# 60–80% of oxide ending in finished magnets).
_YIELD = {"mining": (1.0, 1.0), "separation": (0.92, 0.98), "metal": (0.85, 0.95),
          "magnet": (0.70, 0.90)}
# Stocks: about 3 months at Japanese firms (fact pack §16); held here by a share of the magnet
# makers and end users outside the dominant country. Stockpiles: JOGMEC's 42-day target,
# released at a sixth per month once shortfall exceeds 10% of demand.
_STOCK_SHARE = 0.3
_STOCK_MONTHS = (1.0, 3.0)
_STOCKPILE_COUNTRIES = ("JP", "KR", "US", "DE")
_STOCKPILE_DAYS = 42.0
