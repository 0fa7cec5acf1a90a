"""Sparse tracing of one material's tonnes through a network (the kernel of the indicators).

A network's flows become edge and node arrays once (:func:`_arrays`, cached per network); a
material's flows weigh what they carry of it, directly or embedded in magnets. :func:`_trace`
follows tonnes upstream with the sparse share matrix ``P[j, i]`` (share of node ``i``'s input
coming from node ``j``), stage by stage, so a call costs O(flows) with no path enumeration.
Nothing here is public: :mod:`rareearth.indicators` builds its indicators on these arrays.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse

from rareearth.protocols import NetworkLike
from rareearth.records import MAGNET

__all__: list[str] = []  # internal to rareearth.indicators


@dataclass(eq=False)
class _Arrays:
    """Edge and node arrays of a network for tracing (built once per network, vectorised)."""

    countries: list[str]
    materials: list[str]
    node_country: np.ndarray  # (N,) index into countries
    stages: tuple[str, ...]  # the network's stages
    node_stage: np.ndarray  # (N,) index into stages
    source: np.ndarray  # (E,) node index
    target: np.ndarray  # (E,)
    tonnes: np.ndarray  # (E,) t/yr of the flow's commodity
    commodity: np.ndarray  # (E,) commodity label
    embedded: np.ndarray  # (E, M) t of each material per t of magnet, magnet flows only
    node_yield: np.ndarray  # (N, M) t out per t in of each material (magnet nodes: magnet yield)
    _weights: dict[str, np.ndarray] = field(default_factory=dict)
    _raw: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def end_use(self) -> int:
        return len(self.stages) - 1

    @property
    def n_nodes(self) -> int:
        return int(self.node_country.shape[0])

    def weights(self, material: str) -> np.ndarray:
        """t/yr of ``material`` each flow carries: its tonnes, or embedded in magnets."""
        if material not in self._weights:
            k = self.materials.index(material)
            w = np.where(self.commodity == material, self.tonnes, 0.0)
            w = w + np.where(self.commodity == MAGNET, self.tonnes * self.embedded[:, k], 0.0)
            self._weights[material] = w
        return self._weights[material]

    def raw_weights(self, material: str) -> np.ndarray:
        """Each flow's material in raw-material equivalent: t of primary output it took.

        A node's output embodies ``ρ = (mix of its inputs' ρ) / yield`` t of primary output per
        t (ρ = 1 at mines and at nodes with no upstream); a flow carries ``w × ρ(source)``.
        """
        if material not in self._raw:
            w = self.weights(material)
            n = self.n_nodes
            inflow, share = _input_shares(self, w)
            # transposed share matrix: row i holds the shares of node i's inputs
            pt = sparse.csr_matrix((share, (self.target, self.source)), shape=(n, n))
            has_input = inflow > 0
            node_yield = self.node_yield[:, self.materials.index(material)]
            rho = np.ones(n)
            for _ in range(len(self.stages) - 1):  # exact after one pass per stage
                rho = np.where(has_input, (pt @ rho) / node_yield, 1.0)
            self._raw[material] = w * rho[self.source]
        return self._raw[material]


def _input_shares(a: _Arrays, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(N,) inflow of each node, and (E,) share of its target's input each flow brings.

    The share is 0 on flows into nodes with no input.
    """
    inflow = np.bincount(a.target, weights=w, minlength=a.n_nodes)
    into = inflow[a.target]
    return inflow, np.divide(w, into, out=np.zeros_like(w), where=into > 0)


def _recipe_matrix(net: NetworkLike, nodes: pd.Series) -> np.ndarray:
    """(len(nodes), M): t of each material per t of magnet made at each node (own rows, else default)."""
    materials = net.material_ids
    out = np.zeros((len(nodes), len(materials)))
    recipes = net.recipes
    if recipes.empty or len(nodes) == 0:
        return out
    is_default = recipes["node"] == "default"
    default = recipes[is_default].groupby("material")["tonnes_per_tonne"].sum().reindex(materials)
    out[:] = default.fillna(0.0).to_numpy(dtype=float)
    own_rows = recipes[~is_default]
    if not own_rows.empty:
        own = own_rows.pivot_table(
            index="node", columns="material", values="tonnes_per_tonne", aggfunc="sum"
        ).reindex(columns=materials)
        has_own = nodes.isin(own.index).to_numpy()
        if has_own.any():
            out[has_own] = own.reindex(nodes[has_own]).fillna(0.0).to_numpy(dtype=float)
    return out


def _arrays(net: NetworkLike) -> _Arrays:
    """The network's tracing arrays, built on first use and kept with the network."""
    return net.cached("indicators.tracing", None, lambda: _build_arrays(net))


def _build_arrays(net: NetworkLike) -> _Arrays:
    countries = net.country_codes
    country_index = {c: i for i, c in enumerate(countries)}
    f = net.flows
    located = pd.concat(
        [
            net.nodes[["node", "country", "stage"]],
            f[["source", "source_country", "source_stage"]].set_axis(
                ["node", "country", "stage"], axis=1
            ),
            f[["target", "target_country", "target_stage"]].set_axis(
                ["node", "country", "stage"], axis=1
            ),
        ],
        ignore_index=True,
    ).drop_duplicates("node")
    index = pd.Index(located["node"])
    commodity = f["commodity"].astype(str).to_numpy(dtype=object)
    embedded = np.zeros((len(f), len(net.material_ids)))
    is_magnet = commodity == MAGNET
    if is_magnet.any():
        embedded[is_magnet] = _recipe_matrix(net, f["source"][is_magnet].reset_index(drop=True))
    materials = net.material_ids
    node_yield = np.ones((len(index), len(materials)))
    made = net.producers
    rows = index.get_indexer(made["node"])
    yields = made["yield"].to_numpy(dtype=float)
    for k, material in enumerate(materials):
        mine = (made["commodity"] == material).to_numpy()
        node_yield[rows[mine], k] = yields[mine]
    magnets = (made["commodity"] == MAGNET).to_numpy()
    node_yield[rows[magnets], :] = yields[magnets, None]  # a magnet's yield applies to its recipe
    arrays = _Arrays(
        countries=countries,
        materials=materials,
        node_country=located["country"].map(country_index).to_numpy(dtype=np.int64),
        stages=net.stages,
        node_stage=located["stage"].map(net.stages.index).to_numpy(dtype=np.int64),
        source=index.get_indexer(f["source"]).astype(np.int64),
        target=index.get_indexer(f["target"]).astype(np.int64),
        tonnes=f["tonnes_per_year"].to_numpy(dtype=float),
        commodity=commodity,
        embedded=embedded,
        node_yield=node_yield,
    )
    return arrays


def _per_country(a: _Arrays, nodes: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """(C,) sum of ``weights`` by the country of ``nodes`` (an index or a mask of the nodes)."""
    return np.bincount(a.node_country[nodes], weights=weights, minlength=len(a.countries))


def _shares(per_country: np.ndarray, countries: list[str]) -> pd.Series:
    """Non-zero entries of a per-country vector as shares summing to 1, largest first."""
    total = float(per_country.sum())
    index = pd.Index([], dtype=object, name="country")
    if not total > 0:
        return pd.Series([], index=index, dtype=float, name="share")
    keep = per_country > total * 1e-12
    series = pd.Series(
        per_country[keep] / total,
        index=pd.Index([countries[i] for i in np.flatnonzero(keep)], dtype=object, name="country"),
        name="share",
    )
    # largest first; ties by code, so the order does not depend on the dataset's row order
    order = sorted(range(len(series)), key=lambda i: (-series.iloc[i], series.index[i]))
    return series.iloc[order]


def _consumed(a: _Arrays, w: np.ndarray, k: int) -> np.ndarray:
    """(N,) t/yr of the material each end-use node of country ``k`` receives."""
    at = (a.node_stage[a.target] == a.end_use) & (a.node_country[a.target] == k)
    return np.bincount(a.target[at], weights=w[at], minlength=a.n_nodes)


def _trace(
    a: _Arrays, w: np.ndarray, start: np.ndarray, keep: np.ndarray, *, to_source: bool
) -> np.ndarray:
    """Trace tonnes back from the nodes in ``start`` and attribute them to countries.

    Tonnes at a node are split over its inputs in proportion to the inflows (``P[j, i]``: share
    of node ``i``'s input from node ``j``). Along ``keep`` edges they move upstream; on any other
    edge they stop and count for the country of the edge's source (``to_source``) or target.
    Tonnes at a node with no inflow count for the node's own country.
    """
    n = a.n_nodes
    inflow, share = _input_shares(a, w)
    live = share > 0
    moves = keep & live
    p = sparse.csr_matrix((share[moves], (a.source[moves], a.target[moves])), shape=(n, n))
    visits = start.astype(float)
    current = visits
    for _ in range(len(a.stages) - 1):  # a path has at most one edge per later stage
        current = p @ current
        if not np.any(current > 0):
            break
        visits = visits + current
    stops = ~keep & live
    stop_nodes = a.source[stops] if to_source else a.target[stops]
    per_country = np.zeros(len(a.countries))
    per_country += _per_country(a, stop_nodes, visits[a.target[stops]] * share[stops])
    primary = inflow <= 0
    per_country += _per_country(a, primary, visits[primary])
    return per_country
