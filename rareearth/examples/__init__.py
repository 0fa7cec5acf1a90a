"""Small networks shipped with the package, for examples, doctests and first steps.

:func:`tiny` is a three-country network (CN, AU, JP) with two materials whose every figure is a
round, **illustrative** number (source ``illustrative``, confidence ``estimate``: not data
about the real countries), chosen so that any result can be computed by hand. t REO/yr;
magnets t/yr; recipe 0.3 t NdPr and 0.02 t DyTb per t of magnet::

    CN:mining NdPr 100, DyTb 9 -> CN:separation
    AU:mining NdPr 40 (cap 60) -> AU:separation (cap 50) -> JP:metal 40
    CN:separation NdPr 100 -> CN:metal 75, JP:metal 20, CN:end_use:other 5
    CN:separation DyTb 9  -> CN:metal 5, JP:metal 4
    JP:metal NdPr 60, DyTb 4 -> JP:magnet 200 t -> JP:end_use:automotive 150, electronics 50
    CN:metal NdPr 75, DyTb 5 -> CN:magnet 250 t -> CN:end_use:automotive 150,
                                                   JP:end_use:automotive 100

JP's magnet maker holds 1 t of DyTb in stock; JP's stockpile holds 0.5 t DyTb (released at
0.25 t/month once supply falls 10% short); new trade links take 2 months (1-4 in Monte Carlo).

Examples
--------
>>> from rareearth import examples
>>> net = examples.tiny()
>>> net.country_codes, net.commodities
(['CN', 'AU', 'JP'], ['NdPr', 'DyTb', 'magnet'])
>>> net.flows.groupby("target_country")["tonnes_per_year"].sum().to_dict()
{'AU': 40.0, 'CN': 424.0, 'JP': 428.0}
"""

from __future__ import annotations

from pathlib import Path

from rareearth.network import SupplyNetwork, load_network

__all__ = ["tiny", "tiny_path"]


def tiny_path() -> Path:
    """The folder of the tiny dataset (``datapackage.json`` and its CSV tables)."""
    return Path(__file__).resolve().parent / "tiny"


def tiny() -> SupplyNetwork:
    """The tiny illustrative network (see the module docstring); a new network each call.

    Examples
    --------
    >>> net = tiny()
    >>> net
    <SupplyNetwork 'tiny': 12 nodes, 17 flows, 3 countries, commodities NdPr, DyTb, magnet>
    >>> net.nodes.set_index(["node", "commodity"]).loc[("JP:magnet", "magnet"), "output_tonnes_per_year"]
    np.float64(200.0)
    """
    return load_network(tiny_path())
