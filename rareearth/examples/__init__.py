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

A product tier: cars (automotive, 30,000 USD, value added 20%, 4 weeks of magnets in stock,
2 kg of magnet each), 100,000 a year built in JP and 75,000 in CN; GDP per USD of car output
not built JP 0.7, CN 0.5; JP exports 1 bn USD of cars a year to CN, which levies 10% on them,
25% from 1 June 2025.

:func:`embargo` is a scenario on it: CN stops every export to JP for the first half of 2025;
:func:`offtake` an option: JP reserves half of CN:separation's NdPr (50 t/yr).

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
from typing import TYPE_CHECKING

from rareearth.network import SupplyNetwork, load_network

if TYPE_CHECKING:
    from rareearth.cooperation import Option
    from rareearth.scenario import Scenario

__all__ = ["embargo", "offtake", "tiny", "tiny_path"]


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


def embargo(months: int = 6) -> Scenario:
    """CN stops every export to JP from January 2025, for ``months`` months (a scenario of
    ``months`` months).

    Examples
    --------
    >>> import rareearth as ree
    >>> res = ree.simulate(tiny(), embargo())
    >>> res.shortfall("JP")["magnet"].gt(0).any()  # JP's automotive buys 100 t/yr CN magnets
    np.True_
    """
    import pandas as pd

    from rareearth.scenario import Scenario

    end = str(pd.Period("2025-01", freq="M") + (months - 1))
    return Scenario.from_dict({
        "name": "tiny-embargo", "start": "2025-01", "months": months,
        "description": "illustrative: CN stops every export to JP",
        "events": [{"type": "export_restriction", "exporter": "CN", "targets": ["JP"],
                    "commodities": "all", "severity": 1.0, "start": "2025-01", "end": end}],
    })


def offtake(share: float = 0.5) -> Option:
    """JP reserves ``share`` of CN:separation's NdPr output (100 t/yr), in place from month 0,
    at no stated cost (illustrative).

    Examples
    --------
    >>> offtake().measures[0].share
    0.5
    """
    from rareearth.cooperation import Option

    return Option.from_dict({
        "name": "tiny-offtake", "title": "JP reserves CN separation's NdPr (illustrative)",
        "country": "JP", "cost_usd": 0, "lead_time_months": 0,
        "measures": [{"type": "offtake", "supplier": "CN:separation", "partner": "JP",
                      "commodity": "NdPr", "share": share}],
    })
