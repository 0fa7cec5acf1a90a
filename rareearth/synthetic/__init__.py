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

from rareearth.synthetic.build import network
from rareearth.synthetic.scenarios import scenario

__all__ = ["network", "scenario"]
