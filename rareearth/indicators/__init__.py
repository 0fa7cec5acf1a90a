"""Static indicators of a country's dependence, from the baseline network (MODEL.md §4).

Free functions ``f(net, country, material, ...)`` over a :class:`~rareearth.network.SupplyNetwork`.
Every quantity is counted in tonnes of the material (t REO/yr): a flow of the material counts its
tonnes, and a flow of magnets counts the material embedded in it, ``t magnet × recipe share`` of
the magnet node that made it (:meth:`SupplyNetwork.recipe`). The definitions, with formulas, are
in ``docs/model.md`` (section *Indicators*); in short:

consumption
    What a country consumes of a material: what its ``end_use`` nodes receive, directly or
    embedded in magnets (domestic or imported). Processing is not consumption: the oxide a
    Japanese metal plant turns into metal for export is consumed where the magnets end up.
apparent consumption, import reliance
    ``production + imports − exports`` at the country border, over all forms of the material
    (concentrate, oxide, metal, embedded in magnets), or those made at a chosen stage or later;
    ``production`` is what enters the country's processing (its mines' output at ``mining``).
    Every flow counts in raw-material equivalent (t of primary output it took, through the
    yields), so that processing losses cancel: with a balanced baseline the apparent
    consumption is the raw-material equivalent of consumption. Import reliance is
    ``(imports − exports) / apparent consumption``, clipped to [0, 1].
direct suppliers
    Each tonne consumed is traced back, through the country's own nodes, to the border it
    crossed: its supplier is the country that shipped it in, or the country itself if it never
    crossed a border (domestic mining).
ultimate origin
    Each tonne consumed is traced back through every stage, proportionally through each node (a
    node's output carries the mix of its inputs, a magnet the mix of its recipe material), to the
    first node at the chosen stage or later it passed: at ``mining``, the mine; at
    ``separation``, the separation plant. Metal bought from Vietnam but made from oxide separated
    in China counts as Chinese at ``separation``; oxide that Vietnam separated from Chinese
    concentrate counts as Chinese at ``mining``. A node with no upstream for the material is its
    own origin.
governance weight
    ``(2.5 − WGI) / 5``: the WGI score (−2.5 … 2.5) rescaled to 0 (best) … 1 (worst), the
    EU criticality assessment's scaling divided by 10.

Shares are :class:`pandas.Series` indexed by country code (name ``country``), largest first,
summing to 1; a country that consumes none of the material gets an empty Series and NaN
indicators, never an error. Unknown countries, materials or stages raise
:class:`~rareearth.errors.UnknownNameError` naming what exists.

Tracing is sparse linear algebra over the flow matrix of one material: the share matrix
``P[j, i]`` (share of node ``i``'s input coming from node ``j``) is applied stage by stage (at
most four times, flows always go to a later stage), so a call costs O(flows), with no path
enumeration, on networks of any size.

Modules: :mod:`.tracing` (the network's arrays, cached per network, and the tracing kernel),
:mod:`.checks` (names asked about), :mod:`.sourcing` (consumption, import reliance, supplier
and origin shares), :mod:`.concentration` (HHI, governance, stage shares, supply risk),
:mod:`.tables` (:func:`dependence_table`).
"""

from __future__ import annotations

from rareearth.indicators.checks import ORIGIN_STAGES as ORIGIN_STAGES
from rareearth.indicators.concentration import EU_WGI_SCALE as EU_WGI_SCALE
from rareearth.indicators.concentration import WGI_RANGE as WGI_RANGE
from rareearth.indicators.concentration import _governance_hhi as _governance_hhi
from rareearth.indicators.concentration import _hhi as _hhi
from rareearth.indicators.concentration import (
    governance_hhi,
    governance_weights,
    hhi,
    stage_shares,
    supply_risk,
)
from rareearth.indicators.sourcing import (
    consumption,
    import_reliance,
    origin_shares,
    supplier_shares,
)
from rareearth.indicators.tables import dependence_table
from rareearth.indicators.tracing import _arrays as _arrays
from rareearth.indicators.tracing import _consumed as _consumed

__all__ = [
    "consumption",
    "dependence_table",
    "governance_hhi",
    "governance_weights",
    "hhi",
    "import_reliance",
    "origin_shares",
    "stage_shares",
    "supplier_shares",
    "supply_risk",
]
