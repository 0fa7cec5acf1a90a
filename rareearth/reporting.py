"""A self-contained HTML report of a country's exposure under a scenario.

:func:`report` runs the scenario, scores the country, ranks the cooperation options and writes
one HTML file: figures are inline SVG, styles are inline, nothing is fetched from the network
and no script runs. The page is rendered by jinja2 from ``rareearth/templates/report.html.j2``
with autoescaping on, so names and titles from datasets, scenarios and options are shown as
text, never interpreted as HTML. The file is written atomically.

Examples
--------
>>> import rareearth as ree, tempfile, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp()) / "jp.html"
>>> path = ree.report("world-2024", "japan-embargo", "JP", options=["stockpile-180d"], path=out)
>>> path.stat().st_size < 2_000_000
True
"""


from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
import pandas as pd

from rareearth import plot
from rareearth.atomic import write_text
from rareearth.network import SupplyNetwork
from rareearth.report_parts import (
    DOCS,
    MAX_ORIGIN_FIGURES,
    MIN_SENSITIVITY_DRAWS,
    _Context,
    _Figure,
    _get,
    _svg,
)
from rareearth.report_sections import (
    _add_limits,
    _add_option_effects,
    _add_origins,
    _add_sankey,
    _add_sensitivity,
    _business_answer,
    _frontier_section,
    _origin_materials,
    _ranking_section,
    _score_section,
    _static_context,
    _summary,
)

if TYPE_CHECKING:
    from rareearth.protocols import OptionItem, ScenarioArg

__all__ = ["DOCS", "MAX_BYTES", "MAX_ORIGIN_FIGURES", "MIN_SENSITIVITY_DRAWS", "report"]

#: The report must stay small enough to mail and to open instantly.
MAX_BYTES = 2_000_000
_TEMPLATE = "report.html.j2"


# ---------------------------------------------------------------------------- rendering


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("rareearth", "templates"),
        # the template is .html.j2: select_autoescape would not match it, so always escape
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _render(ctx: _Context) -> str:
    return _environment().get_template(_TEMPLATE).render(r=ctx)


def _resolve(net: Any, scenario: Any) -> tuple[SupplyNetwork, Any]:
    from rareearth.network import load_network
    from rareearth.scenario import load_scenario

    if isinstance(net, (str, Path)):
        net = load_network(net)
    if isinstance(scenario, (str, Path)):
        scenario = load_scenario(scenario)
    return net, scenario


def report(
    net: SupplyNetwork | str,
    scenario: ScenarioArg,
    country: str,
    options: Sequence[OptionItem] = (),
    path: str | Path = "report.html",
    n: int = 0,
    seed: int = 0,
    *,
    frontier: bool = True,
    progress: Callable[[str], None] | None = None,
) -> Path:
    """Write a self-contained HTML report of ``country``'s exposure under ``scenario``.

    The report holds: a summary and the exposure score with its components
    (:func:`rareearth.exposure`), the country's dependence table
    (:func:`rareearth.indicators.dependence_table`), the network figure, where the country's
    main materials come from, its shortfall month by month (:func:`rareearth.simulate`), the
    ranking of ``options`` (:func:`rareearth.compare`, with ``n`` Monte Carlo draws when
    ``n > 0``), what each option does in tonnes (:mod:`rareearth.option_effects`), the flows
    of the material that weighs most as a Sankey diagram of the worst month beside the
    baseline, with ``n ≥ 10`` draws the inputs that drive the score (a tornado,
    :func:`rareearth.sensitivity`), the method and assumptions (the option timing among them),
    the known limits that bear on this run (:mod:`rareearth.limitations`), and every data source
    cited. Figures are inline
    SVG; there is no script and nothing is loaded from the network. The page is escaped
    (jinja2 autoescaping), written atomically, and stays under :data:`MAX_BYTES`.

    Parameters
    ----------
    net : SupplyNetwork or str
        A network or a built-in dataset name / dataset folder.
    scenario : Scenario or str
        A scenario or a built-in name / YAML or JSON path.
    country : str
        Country or region code of the network.
    options : sequence of Option or str
        Cooperation options to rank (none: the ranking section is left out).
    path : str or Path
        The HTML file written.
    n : int
        Monte Carlo draws for the ranking (0: none); the headline score then carries its
        5–95 % band; when ``n ≥ 10``, also the sensitivity.
    seed : int
        Seed of the simulation and of the draws.
    frontier : bool
        Include the budget frontier of ``options`` (:func:`rareearth.frontier`), when there
        are at most 12 of them.
    progress : callable, optional
        Called with the name of each step as it begins (``"scoring"``, ``"ranking options
        (in_place)"``, ...): the command line shows it on stderr.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    UnknownNameError
        If the country is not in the network.
    """
    from rareearth.engine import simulate
    from rareearth.portfolios import MAX_EXHAUSTIVE
    from rareearth.ranking import compare
    from rareearth.scoring import exposure, resolve_options

    def step(name: str) -> None:
        if progress is not None:
            progress(name)

    net, scenario = _resolve(net, scenario)
    # once, for every section: a built-in name is the template for the report's country
    options = resolve_options(net, country, list(options))
    step("dependence and figures")
    ctx = _static_context(net, scenario, country, seed=seed, draws=n)
    step("scoring")
    score = exposure(net, scenario, country, seed=seed)
    ctx.score = _score_section(score)
    dependence = ctx.dependence["table"] if ctx.dependence else None
    _add_origins(ctx, net, country, _origin_materials(net, country, dependence, score))

    step("simulating")
    result = simulate(net, scenario, seed=seed)
    ctx.figures["shortfall"] = _Figure(
        "shortfall",
        f"Shortfall in {country}, month by month",
        _svg(plot.shortfall(result, country), "shortfall", "shortfall by month"),
    )
    _add_sankey(ctx, net, result, score)
    if n >= MIN_SENSITIVITY_DRAWS:
        step(f"sensitivity ({n} draws)")
        _add_sensitivity(ctx, net, scenario, country, n, seed)

    table: pd.DataFrame | None = None
    if options:
        tables = {}
        for timing in ("in_place", "from_start"):
            step(f"ranking options ({timing}" + (f", {n} draws)" if n else ")"))
            tables[timing] = compare(net, scenario, country, list(options), n=n, seed=seed,
                                     timing=timing)
            tables[timing].attrs.update({"dataset": net.name, "scenario": ctx.scenario["name"],
                                         "country": country})
        table = tables["in_place"]
        ctx.ranking = _ranking_section(tables)
        if "score_p05" in table.columns:
            ctx.score = _score_section(score, (float(table.loc["none", "score_p05"]),
                                               float(table.loc["none", "score_p95"])))
        ctx.options = [str(o) for o in table.index if str(o) != "none"]
        ctx.figures["compare"] = _Figure(
            "compare", "Options ranked", _svg(plot.compare(table), "compare", "options ranked")
        )
        ctx.option_sources = _option_sources(options)
        if frontier and len(options) <= MAX_EXHAUSTIVE:
            from rareearth.portfolios import frontier as budget_frontier

            step("budget frontier")
            front = budget_frontier(net, scenario, country, list(options), seed=seed)
            ctx.frontier = _frontier_section(front)
            ctx.figures["frontier"] = _Figure(
                "frontier", "Budget frontier",
                _svg(plot.frontier(front), "frontier", "budget frontier"),
            )
        _add_option_effects(ctx, net, options)
    step("writing")
    _add_limits(ctx, net, scenario, country, options, n)
    ctx.summary = [*_business_answer(score, table, scenario, net, options),
                   *_summary(ctx, score, table)]
    return write_text(path, _render(ctx))


def _option_sources(options: Sequence[Any]) -> list[dict[str, Any]]:
    from rareearth.cooperation import load_option

    out = []
    for option in options:
        opt = load_option(option) if isinstance(option, (str, Path)) else option
        sources = [str(s) for s in (_get(opt, "sources", None) or [])]
        if sources:
            out.append({"option": str(_get(opt, "name", opt)), "sources": sources})
    return out
