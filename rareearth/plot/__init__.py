"""Figures of networks, runs and option rankings (matplotlib).

Every function takes ``ax=None`` (a new figure of a readable default size is made when it is
``None``), draws on it and returns the Axes; nothing here calls ``plt.show()`` or prints. Every
figure carries a title, the units of what it shows and a source line naming the dataset.
Countries have the same colour in every figure: :func:`country_color`.

Modules: :mod:`.style` (colours, titles, source lines), :mod:`.structure` (:func:`network`,
:func:`origins`), :mod:`.runs` (:func:`shortfall`), :mod:`.rankings` (:func:`compare`,
:func:`distribution`), :mod:`.portfolios` (:func:`frontier`), :mod:`.sankey` (:func:`sankey`),
:mod:`.tornado` (:func:`tornado`).

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import rareearth as ree
>>> ax = ree.plot.network(ree.examples.tiny(), material="NdPr")
>>> ax.get_title(loc="left")
'Rare-earth supply network: NdPr'
"""

from __future__ import annotations

from rareearth.plot.portfolios import frontier
from rareearth.plot.rankings import compare, distribution
from rareearth.plot.runs import shortfall
from rareearth.plot.sankey import sankey
from rareearth.plot.structure import network, origins
from rareearth.plot.style import COUNTRY_COLORS, country_color
from rareearth.plot.tornado import tornado

__all__ = [
    "COUNTRY_COLORS",
    "compare",
    "country_color",
    "distribution",
    "frontier",
    "network",
    "origins",
    "sankey",
    "shortfall",
    "tornado",
]
