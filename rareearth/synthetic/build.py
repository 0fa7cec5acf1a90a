""":func:`network`: a layered synthetic network of any size (see :mod:`rareearth.synthetic`)."""

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
from rareearth.synthetic.world import (
    _BY_CODE,
    _COUNTRIES,
    _DOMESTIC_BIAS,
    _GENERIC,
    _HEAVY_MINING,
    _HIGH_GRADE,
    _HIGH_GRADE_SHARE,
    _MAGNET_SECTORS,
    _MAGNETS_PER_YEAR,
    _MATERIAL_SECTORS,
    _MATERIALS,
    _MIN_NODES,
    _OTHER,
    _REF,
    _SPARE_DOMINANT,
    _SPARE_OTHER,
    _STAGE_MIN,
    _STAGE_SHARE,
    _STOCK_MONTHS,
    _STOCK_SHARE,
    _STOCKPILE_COUNTRIES,
    _STOCKPILE_DAYS,
    _SUPPLIERS,
    _VALUE,
    _YIELD,
    _Country,
)

__all__ = ["network"]


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
    out: np.ndarray = shares / shares.sum()
    return out


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
        weights: np.ndarray = st.size * (country_share / country_share.sum())[st.country]
        return weights

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
