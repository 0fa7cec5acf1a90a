"""The ``plot`` verb: one figure of :mod:`rareearth.plot` to a PNG, SVG or PDF file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rareearth.cli import inputs
from rareearth.cli.base import UsageError, status
from rareearth.cli.output import save_figure
from rareearth.cli.params import DatasetOption, OptionsOption, PlotKind, SeedOption
from rareearth.limits import MAX_DRAWS

__all__ = ["plot"]


def plot(
    kind: Annotated[
        PlotKind, typer.Argument(metavar="KIND", help="The figure.", case_sensitive=False)
    ],
    output: Annotated[
        Path, typer.Option("--output", "-o", metavar="FILE", help="Image file: .png, .svg or .pdf.")
    ],
    scenario: Annotated[
        str | None,
        typer.Argument(metavar="SCENARIO", help="Scenario (shortfall, compare, distribution)."),
    ] = None,
    dataset: DatasetOption = None,
    country: Annotated[
        str | None,
        typer.Option("--country", "-c", metavar="CC", help="Country code (all but network)."),
    ] = None,
    material: Annotated[
        str | None,
        typer.Option("--material", "-m", metavar="ID", help="Material id (origins), e.g. NdPr."),
    ] = None,
    option: OptionsOption = None,
    draws: Annotated[
        int,
        typer.Option(
            "-n", "--draws", metavar="N", min=1, max=MAX_DRAWS,
            help="Monte Carlo draws (distribution, tornado).",
        ),
    ] = 200,
    seed: SeedOption = 0,
    month: Annotated[
        str | None,
        typer.Option("--month", metavar="YYYY-MM", help="Month of the run (sankey with SCENARIO)."),
    ] = None,
    dpi: Annotated[
        float,
        typer.Option(
            "--dpi", metavar="N", min=10, max=1200,
            help="Resolution of a PNG (dots per inch; figures are 9-16 in wide). Default 200: "
            "sharp on a slide.",
        ),
    ] = 200.0,
) -> None:
    """Draw a figure to a PNG/SVG/PDF file.

    KIND is network, origins (--country, --material), shortfall, compare, distribution
    (SCENARIO and --country; with --option A --option B, one box per option and one for no
    option), tornado (SCENARIO and --country: which uncertain inputs move the score) or sankey
    (--material, an element or 'magnet' for the magnet chain; with a SCENARIO, its --month
    beside the baseline).

    Examples:

      rareearth plot network --dataset world-2024 -o out/network.png

      rareearth plot origins --dataset world-2024 --country JP --material DyTb -o out/origins.svg

      rareearth plot shortfall china-2010 --dataset world-2009 --country JP -o out/shortfall.png

      rareearth plot compare china-2025-heavy --dataset world-2024 --country JP -o out/compare.png

      rareearth plot distribution china-2025-heavy --dataset world-2024 --country JP -n 500 -o out/dist.png

      rareearth plot distribution china-2025-heavy --dataset world-2024 --country JP --option stockpile-180d --option recycling -o out/dist.png

      rareearth plot sankey --dataset world-2024 --material DyTb -o out/dytb.svg

      rareearth plot sankey china-2025-heavy --dataset world-2024 --material magnet --month 2025-06 -o out/magnets.png

      rareearth plot tornado china-2025-heavy --dataset world-2024 --country JP -n 300 -o out/tornado.png
    """
    if output.suffix.lower() not in (".png", ".svg", ".pdf"):
        raise typer.BadParameter(
            f"{output.name}: the image file must end in .png, .svg or .pdf", param_hint="-o"
        )
    import matplotlib

    matplotlib.use("Agg")  # a command line never opens a window
    from rareearth import plot as plots
    from rareearth.engine import simulate
    from rareearth.ranking import compare, monte_carlo
    from rareearth.sensitivity_analysis import sensitivity

    sc = inputs.scenario(scenario) if scenario is not None else None
    net = inputs.network(dataset, sc)
    if kind is PlotKind.network:
        ax = plots.network(net, material=material)
    elif kind is PlotKind.sankey:
        element = material or "magnet"
        try:
            if sc is None:
                if month is not None:
                    raise UsageError("plot sankey --month needs a SCENARIO")
                ax = plots.sankey(net, element=element)
            else:
                run = simulate(net, sc, options=inputs.options(option), seed=seed)
                ax = plots.sankey(run, element=element, month=month)
        except ValueError as err:  # unknown element, a month outside the run
            raise UsageError(f"plot sankey: {err}") from err
    elif country is None:
        raise UsageError(f"plot {kind.value} needs --country")
    elif kind is PlotKind.origins:
        if material is None:
            raise UsageError("plot origins needs --material (e.g. NdPr)")
        ax = plots.origins(net, inputs.check_country(net, country), material)
    elif sc is None:
        raise UsageError(f"plot {kind.value} needs a SCENARIO (after {kind.value})")
    elif kind is PlotKind.shortfall:
        result = simulate(net, sc, options=inputs.options(option), seed=seed)
        ax = plots.shortfall(result, inputs.check_country(net, country))
    elif kind is PlotKind.compare:
        country = inputs.check_country(net, country)
        ax = plots.compare(compare(net, sc, country, inputs.options(option, country) or None,
                                   seed=seed))
    elif kind is PlotKind.tornado:
        ranked = sensitivity(net, sc, inputs.check_country(net, country), n=draws, seed=seed,
                             options=inputs.options(option))
        ax = plots.tornado(ranked)
    else:
        country = inputs.check_country(net, country)
        opts = inputs.options(option)
        if len(opts) == 0:
            draws_table = monte_carlo(net, sc, country, n=draws, seed=seed)
        else:  # one box per option, and one without: the same draws for each (same seed)
            import pandas as pd

            frames = []
            for name, config in [("none", []), *[(o.name, [o]) for o in opts]]:
                frame = monte_carlo(net, sc, country, n=draws, seed=seed, options=config)
                frames.append(frame.assign(option=name))
            draws_table = pd.concat(frames, ignore_index=True)
        ax = plots.distribution(draws_table)
    save_figure(ax, output, dpi)
    status(f"wrote {output}")
