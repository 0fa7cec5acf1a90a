"""Synthetic supply networks and restriction scenarios, for benchmarks and tests.

:func:`network` builds a layered rare-earth network of any size from about 20 up to 10^5 nodes
(and more) that looks like the real chain: few mines, more separation and metal plants, many
magnet makers and many end users; one dominant country per stage with about the real shares
(China ~69% of mining, ~91% of separation, ~90% of metals and ~92% of magnets); a few
dozen countries; each node with a few suppliers in the stage before it (sparse: about 3–4 flows
per node); magnets made by recipe from the magnet materials (``NdPr``, ``DyTb``) while the
other materials (``LaCe``) go from separation straight to end use; spare capacity mostly outside
the dominant country; stocks at some nodes and national stockpiles for a couple of importers.

The baseline **balances exactly** by construction: flows are built from the end users upstream,
each node's inputs being its output divided by its yield (times the recipe at magnet nodes), so
every check of ``docs/dataset-format.md`` holds up to floating-point rounding.

:func:`scenario` draws a random restriction scenario for such a network (export restrictions
from the dominant countries, sometimes a capacity shock elsewhere) that validates against it.

Node ids follow ``CC:stage[:facility]``: producing facilities are ``CN:magnet:0042``; end users
are ``JP:end_use:automotive``, and when a country has more than one end user of a sector (large
networks) the others are ``JP:end_use:automotive-2``, ``-3``, ...; ``net.demand["sector"]``
always names the plain sector. Networks where every country has at most one end user per
sector are also valid dataset folders (every figure flagged ``confidence="estimate"``).

All figures are illustrative: the stage shares and world totals are rounded from the fact pack
(``../shared/reference``) so that the network has the right shape, not to describe any year.

Examples
--------
>>> from rareearth import synthetic
>>> net = synthetic.network(nodes=200, seed=1)
>>> len(net.node_ids)
200
>>> sc = synthetic.scenario(net, months=24, seed=1)
>>> sc.months, len(sc.events)
(24, 3)
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rareearth.data import PARAMETERS
from rareearth.errors import ArgumentError
from rareearth.network import SupplyNetwork
from rareearth.records import MAGNET, STAGES
from rareearth.scenario import CapacityShock, ExportRestriction, Scenario

__all__ = ["network", "scenario"]

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


def _provenance(frame: pd.DataFrame, method: str) -> pd.DataFrame:
    frame["ref"] = _REF
    frame["confidence"] = "estimate"
    frame["method"] = method
    return frame


def _countries(countries: int | Sequence[str] | None) -> list[_Country]:
    if countries is None:
        return list(_COUNTRIES)
    if isinstance(countries, int):
        if not 2 <= countries <= len(_COUNTRIES):
            raise ArgumentError(
                f"countries={countries}: give 2…{len(_COUNTRIES)} (the built-in list), "
                "or a list of codes"
            )
        return list(_COUNTRIES[:countries])
    codes = list(countries)
    if len(codes) < 2 or len(set(codes)) != len(codes):
        raise ArgumentError(f"countries: give at least two distinct codes (got {codes!r})")
    out = []
    for code in codes:
        if not (code.isalpha() and code.isupper() and 2 <= len(code) <= 4):
            raise ArgumentError(f"countries: {code!r} is not an upper-case country or region code")
        out.append(_BY_CODE.get(code) or _Country(code, code, 0.0, **_OTHER))
    return out


def _stage_shares(chosen: list[_Country], stage: str) -> np.ndarray:
    shares = np.array([getattr(c, stage) for c in chosen], dtype=float)
    if shares.sum() <= 0:  # nobody of the chosen countries works in this stage: the first does
        shares[0] = 1.0
    return shares / shares.sum()


def _counts(n: int, shares: np.ndarray) -> np.ndarray:
    """Nodes per country: every active country gets one (largest first), the rest by share^0.75."""
    counts = np.zeros(len(shares), dtype=np.int64)
    active = np.flatnonzero(shares > 0)
    active = active[np.argsort(-shares[active], kind="stable")]
    first = active[: min(n, len(active))]
    counts[first] = 1
    rest = n - len(first)
    if rest > 0:
        p = shares**0.75
        exact = rest * p / p.sum()
        counts += np.floor(exact).astype(np.int64)
        left = n - int(counts.sum())
        order = np.argsort(-(exact - np.floor(exact)), kind="stable")
        counts[order[:left]] += 1
    return counts


@dataclass
class _Stage:
    """The nodes of one stage: country index and relative size (weights sum to 1 per country)."""

    country: np.ndarray
    size: np.ndarray

    def __len__(self) -> int:
        return len(self.country)


def _stage_nodes(rng: np.random.Generator, n: int, shares: np.ndarray) -> _Stage:
    country = np.repeat(np.arange(len(shares)), _counts(n, shares))
    size = rng.lognormal(0.0, 1.0, size=n)
    size /= np.bincount(country, weights=size, minlength=len(shares))[country]
    return _Stage(country=country, size=size)


@dataclass
class _Links:
    """Flows of one commodity from one stage to buyers (local indices)."""

    supplier: np.ndarray
    buyer: np.ndarray
    tonnes: np.ndarray


def _link(
    rng: np.random.Generator,
    need: np.ndarray,
    buyer_country: np.ndarray,
    weight: np.ndarray,
    supplier_country: np.ndarray,
    k_range: tuple[int, int],
) -> _Links:
    """Split each buyer's ``need`` among a few suppliers drawn by ``weight`` (0 = not eligible).

    Suppliers are drawn with replacement (duplicates merged), domestic ones favoured; each
    supplier with a positive weight gets at least one buyer, so no producing node is idle. The
    tonnes of a buyer sum to its need exactly (up to rounding).
    """
    buyers = np.flatnonzero(need > 0)
    eligible = np.flatnonzero(weight > 0)
    if len(buyers) == 0 or len(eligible) == 0:
        if len(buyers):
            raise RuntimeError("buyers but no eligible supplier")  # a bug in the stage shares
        return _Links(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
    k = rng.integers(k_range[0], k_range[1] + 1, size=len(buyers))
    k = np.minimum(k, len(eligible))
    draw_buyer = np.repeat(buyers, k)
    u = rng.random(len(draw_buyer))
    draw_supplier = np.empty(len(draw_buyer), dtype=np.int64)
    w = weight[eligible]
    home = supplier_country[eligible]
    draw_country = buyer_country[draw_buyer]
    for country in np.unique(draw_country):  # a loop over countries, not over rows
        wk = np.where(home == country, w * _DOMESTIC_BIAS, w)
        cum = np.cumsum(wk)
        mask = draw_country == country
        pick = np.searchsorted(cum, u[mask] * cum[-1], side="right")
        draw_supplier[mask] = eligible[np.minimum(pick, len(eligible) - 1)]
    # every eligible supplier sells to someone: idle ones get one random buyer
    idle = np.setdiff1d(eligible, draw_supplier, assume_unique=False)
    if len(idle):
        draw_supplier = np.concatenate([draw_supplier, idle])
        draw_buyer = np.concatenate([draw_buyer, rng.choice(buyers, size=len(idle))])
    draw_share = rng.gamma(2.0, 1.0, size=len(draw_buyer))
    # merge duplicate (buyer, supplier) pairs; sorted by buyer then supplier
    key = draw_buyer * len(weight) + draw_supplier
    unique, inverse = np.unique(key, return_inverse=True)
    share = np.bincount(inverse, weights=draw_share).astype(float)
    buyer = unique // len(weight)
    supplier = unique % len(weight)
    total = np.bincount(buyer, weights=share, minlength=len(need))
    tonnes = need[buyer] * share / total[buyer]
    return _Links(supplier=supplier, buyer=buyer, tonnes=tonnes)


def _digest(*parts: object) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def network(
    nodes: int = 1000,
    seed: int = 0,
    countries: int | Sequence[str] | None = None,
    materials: Sequence[str] = ("NdPr", "DyTb", "LaCe"),
) -> SupplyNetwork:
    """A random, realistic, exactly balanced supply network of ``nodes`` nodes.

    Parameters
    ----------
    nodes : int
        Number of nodes (≥ 20). About 2% are mines, 5% separation, 8% metal and 15% magnet
        plants, the rest end users; flows number about 3–4 per node.
    seed : int
        Seed of ``numpy.random.default_rng``; the same arguments give the same network.
    countries : int or sequence of str, optional
        ``None``: the built-in list of 32 countries (China first). An int: the first that many
        of that list. A list of codes: those countries (codes not in the built-in list become
        small magnet makers and users). The dominant country of each stage is the one with the
        largest share of it among the chosen countries.
    materials : sequence of str
        Material ids. ``NdPr`` and ``DyTb`` go into magnets (default recipe 0.31 and 0.02 t/t;
        10% of magnet plants make a high-temperature grade with 0.035 t/t DyTb); the others
        (``LaCe``, ``SmGd``, ``Y`` or any id) go from separation straight to end use. At
        least one of ``NdPr``/``DyTb`` is needed.

    Returns
    -------
    SupplyNetwork
        Named ``synthetic-<nodes>-<seed>``; every row's provenance is
        ``ref="synthetic", confidence="estimate"`` with the call in ``method``. World totals:
        290 kt/yr of magnets, 250 kt/yr LaCe, small direct uses of the magnet materials.

    Raises
    ------
    ArgumentError
        On too few nodes, unknown or repeated countries, or no magnet material.

    Examples
    --------
    >>> from rareearth import synthetic
    >>> net = synthetic.network(nodes=100, seed=0)
    >>> len(net.node_ids), net.commodities
    (100, ['NdPr', 'DyTb', 'LaCe', 'magnet'])
    >>> magnets = net.producers[net.producers["commodity"] == "magnet"]
    >>> share = magnets.groupby(magnets["node"].str[:2])["output_tonnes_per_year"].sum()
    >>> share.idxmax(), bool(share["CN"] / share.sum() > 0.7)
    ('CN', True)
    """
    if nodes < _MIN_NODES:
        raise ArgumentError(f"nodes={nodes}: a synthetic network needs at least {_MIN_NODES} nodes")
    materials = list(materials)
    if len(set(materials)) != len(materials) or not materials:
        raise ArgumentError(f"materials: give distinct material ids (got {materials!r})")
    for m in materials:
        if not (m[:1].isalpha() and m.isalnum()) or m == MAGNET:
            raise ArgumentError(f"materials: {m!r} is not a material id (letters and digits)")
    info = {m: _MATERIALS.get(m, _GENERIC) for m in materials}
    magnet_materials = [m for m in materials if info[m].recipe > 0]
    if not magnet_materials:
        raise ArgumentError("materials: include NdPr or DyTb (the magnet materials)")
    chosen = _countries(countries)
    codes = [c.code for c in chosen]
    k_countries = len(chosen)
    rng = np.random.default_rng(seed)
    method = (
        f"rareearth.synthetic.network(nodes={nodes}, seed={seed}, countries={countries!r}, "
        f"materials={tuple(materials)!r})"
    )

    # ---- nodes per stage and their countries
    producing = STAGES[:-1]
    n_stage = {s: max(_STAGE_MIN[s], round(nodes * _STAGE_SHARE[s])) for s in producing}
    n_end = nodes - sum(n_stage.values())
    if n_end < len(magnet_materials) + 2:
        raise ArgumentError(f"nodes={nodes}: too few nodes for the end-use stage")
    shares = {s: _stage_shares(chosen, s) for s in STAGES}
    stage = {s: _stage_nodes(rng, n_stage[s], shares[s]) for s in producing}
    dominant = {s: int(np.argmax(shares[s])) for s in STAGES}

    def weights(s: str, material: str) -> np.ndarray:
        """Supplier weight of each node of stage ``s`` for ``material`` (sums to ≤ 1)."""
        st = stage[s]
        country_share = shares[s].copy()
        if info[material].group == "heavy":
            if s == "mining":
                heavy = np.array([_HEAVY_MINING.get(c, 0.0) for c in codes])
                country_share = heavy if heavy[np.unique(st.country)].sum() > 0 else country_share
            else:  # heavy separation and metal concentrate further in the leading country
                country_share = country_share**2
        present = np.bincount(st.country, minlength=k_countries) > 0
        country_share = np.where(present, country_share, 0.0)
        if country_share.sum() <= 0:
            country_share = present.astype(float)
        return st.size * (country_share / country_share.sum())[st.country]

    # ---- end users: country, sector, commodity, demand
    end_country = np.repeat(np.arange(k_countries), _counts(n_end, shares["end_use"]))
    plain = [m for m in materials if info[m].recipe == 0]
    sectors = list(_MAGNET_SECTORS) + [s for s in _MATERIAL_SECTORS if plain or s == "other"]
    sector_p = np.array([{**_MAGNET_SECTORS, **_MATERIAL_SECTORS}[s] for s in sectors])
    sector = rng.choice(len(sectors), size=n_end, p=sector_p / sector_p.sum())
    sector = rng.permutation(sector)
    # the first end users cover the sectors, so each end-use commodity has someone to need it
    sector[: len(sectors)] = rng.permutation(len(sectors))[: min(n_end, len(sectors))]
    sector_name = np.array(sectors, dtype=object)[sector]
    commodity_of_node = np.empty(n_end, dtype=object)
    is_magnet_sector = np.isin(sector_name, list(_MAGNET_SECTORS))
    commodity_of_node[is_magnet_sector] = MAGNET
    catalysts = np.isin(sector_name, ["catalysts", "glass_polishing"])
    if plain:
        commodity_of_node[catalysts] = np.array(plain, dtype=object)[
            rng.integers(0, len(plain), size=int(catalysts.sum()))
        ]
    other = sector_name == "other"
    other_pick = rng.integers(0, len(materials), size=int(other.sum()))
    # make sure every material has an end user of its own when there is room
    head = min(len(materials), int(other.sum()))
    other_pick[:head] = np.arange(head)
    commodity_of_node[other] = np.array(materials, dtype=object)[other_pick]
    end_size = rng.lognormal(0.0, 1.0, size=n_end) * shares["end_use"][end_country]
    end_demand = np.zeros(n_end)
    totals = {MAGNET: _MAGNETS_PER_YEAR, **{m: info[m].demand for m in materials}}
    for commodity, total in totals.items():
        mask = commodity_of_node == commodity
        if mask.any():
            end_demand[mask] = total * end_size[mask] / end_size[mask].sum()

    # ---- yields and recipes of the producing nodes
    yield_of = {
        s: rng.uniform(*_YIELD[s], size=(n_stage[s], len(materials))) for s in producing
    }
    magnet_yield = rng.uniform(*_YIELD["magnet"], size=n_stage["magnet"])
    high_grade = rng.random(n_stage["magnet"]) < _HIGH_GRADE_SHARE
    recipe = np.zeros((n_stage["magnet"], len(materials)))
    for j, m in enumerate(materials):
        if info[m].recipe > 0:
            recipe[:, j] = np.where(high_grade, _HIGH_GRADE.get(m, info[m].recipe), info[m].recipe)

    # ---- flows, from end users upstream
    k_end, k_prod = _SUPPLIERS["end_use"], _SUPPLIERS["producer"]
    flows: list[tuple[str, str, str, _Links]] = []  # (source stage, target stage, commodity)
    need = np.where(commodity_of_node == MAGNET, end_demand, 0.0)
    magnet_weight = stage["magnet"].size * shares["magnet"][stage["magnet"].country]
    magnet_links = _link(rng, need, end_country, magnet_weight, stage["magnet"].country, k_end)
    flows.append(("magnet", "end_use", MAGNET, magnet_links))
    magnet_out = np.bincount(magnet_links.supplier, weights=magnet_links.tonnes,
                             minlength=n_stage["magnet"])

    metal_out = np.zeros((n_stage["metal"], len(materials)))
    sep_out = np.zeros((n_stage["separation"], len(materials)))
    mine_out = np.zeros((n_stage["mining"], len(materials)))
    for j, m in enumerate(materials):
        if info[m].recipe > 0:
            need = recipe[:, j] * magnet_out / magnet_yield
            links = _link(rng, need, stage["magnet"].country, weights("metal", m),
                          stage["metal"].country, k_prod)
            flows.append(("metal", "magnet", m, links))
            metal_out[:, j] = np.bincount(links.supplier, weights=links.tonnes,
                                          minlength=n_stage["metal"])
            # separation sells to metal plants and to end users of the material itself
            need_metal = metal_out[:, j] / yield_of["metal"][:, j]
        else:
            need_metal = np.zeros(n_stage["metal"])
        need_end = np.where(commodity_of_node == m, end_demand, 0.0)
        need = np.concatenate([need_metal, need_end])
        buyer_country = np.concatenate([stage["metal"].country, end_country])
        # one draw serves metal plants and end users of the material alike
        links = _link(rng, need, buyer_country, weights("separation", m),
                      stage["separation"].country, k_prod)
        to_metal = links.buyer < n_stage["metal"]
        flows.append(("separation", "metal", m, _Links(links.supplier[to_metal],
                                                       links.buyer[to_metal],
                                                       links.tonnes[to_metal])))
        flows.append(("separation", "end_use", m, _Links(links.supplier[~to_metal],
                                                         links.buyer[~to_metal] - n_stage["metal"],
                                                         links.tonnes[~to_metal])))
        sep_out[:, j] = np.bincount(links.supplier, weights=links.tonnes,
                                    minlength=n_stage["separation"])
        need = sep_out[:, j] / yield_of["separation"][:, j]
        links = _link(rng, need, stage["separation"].country, weights("mining", m),
                      stage["mining"].country, k_prod)
        flows.append(("mining", "separation", m, links))
        mine_out[:, j] = np.bincount(links.supplier, weights=links.tonnes,
                                     minlength=n_stage["mining"])

    # ---- node ids
    ids: dict[str, np.ndarray] = {}
    for s in producing:
        st = stage[s]
        width = len(str(len(st)))
        ids[s] = np.array(
            [f"{codes[c]}:{s}:{i:0{width}d}" for i, c in enumerate(st.country, start=1)],
            dtype=object,
        )
    # end users: the first of a (country, sector) is plain, the next ones -2, -3, ...
    order = np.lexsort((np.arange(n_end), sector, end_country))
    group = end_country[order] * len(sectors) + sector[order]
    starts = np.r_[0, np.flatnonzero(np.diff(group)) + 1]
    rank_sorted = np.arange(n_end) - np.repeat(starts, np.diff(np.r_[starts, n_end]))
    rank = np.empty(n_end, dtype=np.int64)
    rank[order] = rank_sorted
    ids["end_use"] = np.array(
        [
            f"{codes[c]}:end_use:{sectors[t]}" + (f"-{r + 1}" if r else "")
            for c, t, r in zip(end_country, sector, rank, strict=True)
        ],
        dtype=object,
    )

    # ---- tables
    frames = []
    for s_from, s_to, commodity, links in flows:
        frames.append(pd.DataFrame({
            "source": pd.array(ids[s_from][links.supplier], dtype="str"),
            "target": pd.array(ids[s_to][links.buyer], dtype="str"),
            "commodity": commodity,
            "tonnes_per_year": links.tonnes,
        }))
    flow_table = _provenance(pd.concat(frames, ignore_index=True), method)

    rows = []
    for s, out in (("mining", mine_out), ("separation", sep_out), ("metal", metal_out)):
        for j, m in enumerate(materials):
            made = np.flatnonzero(out[:, j] > 0)
            if len(made) == 0:
                continue
            rows.append(_producer_rows(rng, ids[s][made], m, out[made, j],
                                       yield_of[s][made, j],
                                       stage[s].country[made] == dominant[s]))
    made = np.flatnonzero(magnet_out > 0)
    rows.append(_producer_rows(rng, ids["magnet"][made], MAGNET, magnet_out[made],
                               magnet_yield[made],
                               stage["magnet"].country[made] == dominant["magnet"]))
    producers = _provenance(pd.concat(rows, ignore_index=True), method)

    recipe_rows = [
        {"node": "default", "material": m, "tonnes_per_tonne": info[m].recipe}
        for m in magnet_materials
    ]
    own = np.flatnonzero(high_grade & (magnet_out > 0))
    recipe_frames = [pd.DataFrame(recipe_rows)]
    for j, m in enumerate(materials):
        if info[m].recipe > 0 and len(own):
            recipe_frames.append(pd.DataFrame({
                "node": ids["magnet"][own], "material": m, "tonnes_per_tonne": recipe[own, j],
            }))
    recipes = _provenance(pd.concat(recipe_frames, ignore_index=True), method)

    demand = _provenance(pd.DataFrame({
        "node": ids["end_use"],
        "commodity": commodity_of_node,
        "demand_tonnes_per_year": end_demand,
        "value_usd_per_tonne": [float(_VALUE[sectors[t]]) for t in sector],
    }), method)
    demand["sector"] = np.array(sectors, dtype=object)[sector]

    stocks = _stocks(rng, flows, ids, stage, dominant, end_country, method)
    stockpiles = _stockpiles(flows, ids, stage, end_country, codes, dominant, method)

    country_table = _provenance(pd.DataFrame({
        "code": codes,
        "name": [c.name for c in chosen],
        "kind": ["country" if len(c) == 2 else "region" for c in codes],
        "governance": [c.governance for c in chosen],
    }), method).set_index("code")
    material_table = _provenance(pd.DataFrame({
        "id": materials,
        "name": [info[m].name or m for m in materials],
        "elements": [info[m].elements or m for m in materials],
        "group": [info[m].group for m in materials],
        "price_usd_per_tonne": [info[m].price_usd_per_tonne for m in materials],
        "price_elasticity": [info[m].price_elasticity for m in materials],
    }), method).set_index("id")
    sources = pd.DataFrame(
        {"title": ["rareearth.synthetic: a generated network (illustrative figures)"],
         "path": [""]},
        index=pd.Index([_REF], name="id"),
    )
    return SupplyNetwork(
        name=f"synthetic-{nodes}-{seed}",
        title=f"Synthetic rare-earth network, {nodes} nodes (seed {seed})",
        countries=country_table,
        materials=material_table,
        producers=producers,
        flows=flow_table,
        recipes=recipes,
        demand=demand,
        stocks=stocks,
        stockpiles=stockpiles,
        sources=sources,
        parameters={name: default for name, (_, default) in PARAMETERS.items()},
        digest=_digest("synthetic", nodes, seed, countries, tuple(materials)),
    )


def _producer_rows(
    rng: np.random.Generator,
    node: np.ndarray,
    commodity: str,
    output: np.ndarray,
    yield_: np.ndarray,
    dominant: np.ndarray,
) -> pd.DataFrame:
    spare = np.where(dominant, rng.uniform(*_SPARE_DOMINANT, size=len(node)),
                     rng.uniform(*_SPARE_OTHER, size=len(node)))
    return pd.DataFrame({
        "node": node,
        "commodity": commodity,
        "capacity_tonnes_per_year": output * (1.0 + spare),
        "output_tonnes_per_year": output,
        "yield": yield_,
    })


def _stocks(
    rng: np.random.Generator,
    flows: list[tuple[str, str, str, _Links]],
    ids: dict[str, np.ndarray],
    stage: dict[str, _Stage],
    dominant: dict[str, int],
    end_country: np.ndarray,
    method: str,
) -> pd.DataFrame:
    """Inventories of inputs at a share of the magnet makers and end users outside the leader."""
    frames = []
    for s_from, s_to, commodity, links in flows:
        if s_to not in ("magnet", "end_use") or s_from == "mining":
            continue
        n = len(ids[s_to])
        country = stage[s_to].country if s_to == "magnet" else end_country
        inflow = np.bincount(links.buyer, weights=links.tonnes, minlength=n)
        holds = (inflow > 0) & (country != dominant[s_to]) & (rng.random(n) < _STOCK_SHARE)
        months = rng.uniform(*_STOCK_MONTHS, size=n)
        held = np.flatnonzero(holds)
        tonnes = inflow[held] * months[held] / 12.0
        frames.append(pd.DataFrame({
            "node": ids[s_to][held], "commodity": commodity,
            "stock_tonnes": tonnes, "target_tonnes": tonnes,
        }))
    columns = ["node", "commodity", "stock_tonnes", "target_tonnes"]
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    return _provenance(table, method)


def _stockpiles(
    flows: list[tuple[str, str, str, _Links]],
    ids: dict[str, np.ndarray],
    stage: dict[str, _Stage],
    end_country: np.ndarray,
    codes: list[str],
    dominant: dict[str, int],
    method: str,
) -> pd.DataFrame:
    """National stockpiles of the magnet materials for two importers (JOGMEC-like, 42 days)."""
    holders = [c for c in _STOCKPILE_COUNTRIES if c in codes and codes.index(c) != dominant["magnet"]]
    holders = holders[:2]
    use: dict[tuple[int, str], float] = {}
    for _, s_to, commodity, links in flows:
        if s_to not in ("magnet", "end_use") or commodity == MAGNET:
            continue
        country = stage[s_to].country if s_to == "magnet" else end_country
        per_country = np.bincount(country[links.buyer], weights=links.tonnes,
                                  minlength=len(codes))
        for k, value in enumerate(per_country):
            use[(k, commodity)] = use.get((k, commodity), 0.0) + float(value)
    rows = []
    for code in holders:
        k = codes.index(code)
        for (kk, material), tonnes_per_year in sorted(use.items()):
            if kk != k or tonnes_per_year <= 0 or material not in ("NdPr", "DyTb"):
                continue
            stock = tonnes_per_year * _STOCKPILE_DAYS / 365.0
            rows.append({"country": code, "material": material, "stock_tonnes": stock,
                         "release_threshold": 0.1, "release_tonnes_per_month": stock / 6.0})
    columns = ["country", "material", "stock_tonnes", "release_threshold",
               "release_tonnes_per_month"]
    return _provenance(pd.DataFrame(rows, columns=columns), method)


def scenario(
    net: SupplyNetwork,
    months: int = 120,
    seed: int = 0,
    n_events: int = 3,
    *,
    validate: bool = True,
) -> Scenario:
    """A random restriction scenario that validates against ``net``.

    Most events are :class:`~rareearth.scenario.ExportRestriction` from the dominant exporters
    of the network (the country with the largest output of each stage, weighted by how many
    stages it leads), each with random targets among its foreign buyers (or ``"all"``), random
    commodities among those it exports (or ``"all"``), a severity between 0.1 and 1 (an
    embargo one time in five), and a window of 1–36 months with ramps of 0–3 months inside
    the horizon. When ``n_events ≥ 2``, the last event is, one time in two, a
    :class:`~rareearth.scenario.CapacityShock` (factor 0–0.8) on a stage of another producing
    country.

    Parameters
    ----------
    net : SupplyNetwork
        A network with foreign flows from at least one producing country (any synthetic one).
    months : int
        Horizon, starting ``2025-01``.
    seed : int
        Seed of ``numpy.random.default_rng``; same arguments, same scenario.
    n_events : int
        Number of events (≥ 0).
    validate : bool
        Check the result with ``Scenario.validate_for(net)``. The events are drawn from the
        network's own countries, stages and commodities, so this only guards the generator;
        it costs about a second at 10^5 nodes, which a benchmark drawing 100 scenarios may skip.

    Returns
    -------
    Scenario
        Named ``synthetic-<seed>``.

    Examples
    --------
    >>> from rareearth import synthetic
    >>> net = synthetic.network(nodes=100, seed=0)
    >>> sc = synthetic.scenario(net, months=36, seed=2, n_events=2)
    >>> sc.name, sc.months, len(sc.events)
    ('synthetic-2', 36, 2)
    >>> sc == synthetic.scenario(net, months=36, seed=2, n_events=2)
    True
    """
    if months < 1:
        raise ArgumentError(f"months={months}: give at least 1")
    if n_events < 0:
        raise ArgumentError(f"n_events={n_events}: give 0 or more")
    rng = np.random.default_rng(seed)
    start = pd.Period("2025-01", freq="M")
    flows = net.flows
    trade = flows.loc[flows["source_country"] != flows["target_country"],
                      ["source_country", "target_country", "commodity"]].drop_duplicates()
    made = net.nodes[net.nodes["stage"] != "end_use"]
    by_stage = made.groupby(["stage", "country"], sort=True)["output_tonnes_per_year"].sum()
    leaders = [str(by_stage[s].idxmax()) for s in STAGES[:-1] if s in by_stage.index]
    exporters = sorted(set(leaders) & set(trade["source_country"]))
    if not exporters:
        raise ArgumentError(f"{net.name}: no dominant producer exports anything to restrict")
    lead_count = np.array([leaders.count(c) for c in exporters], dtype=float)
    plants = made[["country", "stage"]].drop_duplicates()

    def window() -> dict[str, object]:
        first = int(rng.integers(0, months))
        length = int(rng.integers(1, min(36, months - first) + 1))
        ramp_in = float(rng.integers(0, min(3, length) + 1))
        ramp_out = float(rng.integers(0, min(3, length) + 1))
        if ramp_in + ramp_out > length:
            ramp_out = 0.0
        return {"start": str(start + first), "end": str(start + first + length - 1),
                "ramp_in_months": ramp_in, "ramp_out_months": ramp_out}

    events: list[ExportRestriction | CapacityShock] = []
    shock_last = n_events >= 2 and rng.random() < 0.5
    for i in range(n_events):
        if shock_last and i == n_events - 1:
            events.append(_capacity_shock(rng, plants, leaders, window()))
            continue
        exporter = str(exporters[rng.choice(len(exporters), p=lead_count / lead_count.sum())])
        mine = trade[trade["source_country"] == exporter]
        buyers = sorted(set(mine["target_country"]))
        if rng.random() < 0.3:
            targets: str | list[str] = "all"
        else:
            size = int(rng.integers(1, min(5, len(buyers)) + 1))
            targets = sorted(str(b) for b in rng.choice(buyers, size=size, replace=False))
        exported = [c for c in net.commodities if c in set(mine["commodity"])]
        if rng.random() < 0.2:
            commodities: str | list[str] = "all"
        else:
            size = int(rng.integers(1, len(exported) + 1))
            pick = set(rng.choice(exported, size=size, replace=False))
            commodities = [c for c in exported if c in pick]
        severity = 1.0 if rng.random() < 0.2 else round(float(rng.uniform(0.1, 1.0)), 2)
        events.append(ExportRestriction.model_validate({
            "exporter": exporter, "targets": targets, "commodities": commodities,
            "severity": severity, **window(),
        }))
    sc = Scenario(
        name=f"synthetic-{seed}",
        title=f"Random restrictions on {net.name} (seed {seed})",
        description=(
            "Generated by rareearth.synthetic.scenario for benchmarks and tests: export "
            "restrictions from the dominant producers with random targets, commodities, "
            "severities and windows; not a forecast."
        ),
        dataset=None,
        start=str(start),
        months=months,
        events=events,
    )
    if validate:
        sc.validate_for(net)
    return sc


def _capacity_shock(
    rng: np.random.Generator, plants: pd.DataFrame, leaders: list[str], window: dict[str, object]
) -> CapacityShock:
    others = plants[~plants["country"].isin(leaders)]
    pool = others if len(others) else plants
    pairs = sorted(set(zip(pool["country"], pool["stage"], strict=True)))
    country, stage = pairs[int(rng.integers(0, len(pairs)))]
    return CapacityShock.model_validate({
        "country": str(country), "stage": str(stage), "commodities": "all",
        "factor": round(float(rng.uniform(0.0, 0.8)), 2), **window,
    })
