"""Verbs that run many simulations (seconds to minutes): montecarlo, sensitivity, frontier,
report. Each shows its progress on stderr (:mod:`rareearth.cli.progress`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rareearth.cli import inputs
from rareearth.cli.base import status
from rareearth.cli.output import emit, resolve_format, writing
from rareearth.cli.params import (
    CountryOption,
    DatasetOption,
    Format,
    FormatOption,
    OptionsOption,
    OutputOption,
    ProgressOption,
    ScenarioArgument,
    SeedOption,
    Timing,
    TimingOption,
)
from rareearth.cli.progress import draws_bar, steps
from rareearth.limits import MAX_DRAWS

__all__ = ["frontier", "montecarlo", "report", "sensitivity"]

#: From this many draws a run takes seconds: the bar is shown on a terminal.
LONG_RUN = 50


def montecarlo(
    scenario: ScenarioArgument,
    country: CountryOption,
    draws: Annotated[
        int,
        typer.Option("-n", "--draws", metavar="N", min=1, max=MAX_DRAWS, help="Number of draws."),
    ],
    dataset: DatasetOption = None,
    option: OptionsOption = None,
    seed: SeedOption = 0,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            metavar="ADDRESS",
            help="Dask scheduler address (tcp://host:8786) to run the draws on.",
        ),
    ] = None,
    timing: TimingOption = Timing.in_place,
    format: FormatOption = None,
    output: OutputOption = None,
    progress: ProgressOption = None,
) -> None:
    """Sample the scenario's uncertainty; summarise the country's exposure over the draws.

    On a terminal, a summary table (mean, quantiles); --format csv|json or -o give every draw.

    Examples:

      rareearth montecarlo china-2025-heavy --dataset world-2024 --country JP -n 200

      rareearth montecarlo china-2025-heavy --dataset world-2024 --country JP -n 10000 --scheduler tcp://10.0.0.5:8786 -o out/draws.csv
    """
    from rareearth.draw_summary import summarize_draws
    from rareearth.ranking import monte_carlo

    sc = inputs.scenario(scenario)
    net = inputs.network(dataset, sc)
    country = inputs.check_country(net, country)
    opts = inputs.options(option, country)
    executor = inputs.executor(scheduler)
    try:
        with draws_bar(draws, progress, auto=draws >= LONG_RUN) as report:
            table = monte_carlo(net, sc, country, n=draws, seed=seed, options=opts,
                                executor=executor, progress=report, timing=timing.value)
    finally:
        if executor is not None:
            executor.close()  # type: ignore[no-untyped-call]
    chosen = resolve_format(format, output)
    if chosen is Format.table and output is None:
        emit(summarize_draws(table), chosen, None,
             title=f"{country} under {sc.name}: {draws} draws ({net.name})",
             note="every draw: --format csv|json or -o FILE")
    else:
        emit(table, chosen, output)


def sensitivity(
    scenario: ScenarioArgument,
    country: CountryOption,
    draws: Annotated[
        int, typer.Option("-n", "--draws", metavar="N", min=10, help="Monte Carlo draws.")
    ] = 200,
    dataset: DatasetOption = None,
    option: OptionsOption = None,
    seed: SeedOption = 0,
    format: FormatOption = None,
    output: OutputOption = None,
    progress: ProgressOption = None,
) -> None:
    """Rank the uncertain inputs by their effect on the country's score and lost value.

    Spearman rank correlations over Monte Carlo draws, and the mean outcome with each input in
    the lowest and highest fifth of its range (a tornado: rareearth plot tornado).

    Examples:

      rareearth sensitivity china-2025-heavy --dataset world-2024 --country JP -n 300

      rareearth sensitivity japan-embargo --country JP --format csv -o out/drivers.csv
    """
    from rareearth.ranking import monte_carlo
    from rareearth.sensitivity_analysis import sensitivity as rank_inputs

    sc = inputs.scenario(scenario)
    net = inputs.network(dataset, sc)
    country = inputs.check_country(net, country)
    with draws_bar(draws, progress, auto=draws >= LONG_RUN) as report:
        draws_table = monte_carlo(net, sc, country, n=draws, seed=seed,
                                  options=inputs.options(option, country), progress=report)
    table = rank_inputs(net, sc, country, draws=draws_table)
    emit(table, format, output,
         title=f"What moves {country}'s exposure under {sc.name}: {draws} draws ({net.name})")


def report(
    scenario: ScenarioArgument,
    country: CountryOption,
    output: Annotated[
        Path, typer.Option("--output", "-o", metavar="FILE", help="HTML file (self-contained).")
    ],
    dataset: DatasetOption = None,
    option: Annotated[
        list[str] | None,
        typer.Option(
            "--option",
            metavar="NAME",
            help="Option to include (name or file); repeat. Default: every built-in.",
        ),
    ] = None,
    draws: Annotated[
        int,
        typer.Option(
            "-n", "--draws", metavar="N", min=0, max=MAX_DRAWS, help="Monte Carlo draws (0: none)."
        ),
    ] = 0,
    frontier: Annotated[
        bool, typer.Option("--frontier/--no-frontier", help="Include the budget frontier.")
    ] = True,
    seed: SeedOption = 0,
    progress: ProgressOption = None,
) -> None:
    """Write a self-contained HTML report: exposure, shortfall, ranked options (both timings),
    the budget frontier.

    Examples:

      rareearth report china-2025-heavy --dataset world-2024 --country JP -o out/report.html

      rareearth report china-2010 --dataset world-2009 --country JP -n 200 -o out/2010.html
    """
    from rareearth.ranking import default_options
    from rareearth.reporting import report as write_report

    sc = inputs.scenario(scenario)
    net = inputs.network(dataset, sc)
    country = inputs.check_country(net, country)
    opts = inputs.options(option, country) if option else default_options(net, country)[0]
    with writing(output), steps(progress, label="report") as step:  # written atomically
        write_report(net, sc, country, options=opts, path=output, n=draws, seed=seed,
                     frontier=frontier, progress=step)
    status(f"wrote {output}")


def frontier(
    scenario: ScenarioArgument,
    country: CountryOption,
    dataset: DatasetOption = None,
    option: Annotated[
        list[str] | None,
        typer.Option("--option", metavar="NAME",
                     help="Option to combine (name or file); repeat. Default: every built-in."),
    ] = None,
    budget: Annotated[
        list[float] | None,
        typer.Option("--budget", metavar="USD", min=0, max=1e15,
                     help="Budget in USD; repeat. Default: every step of the frontier."),
    ] = None,
    draws: Annotated[
        int, typer.Option("-n", "--draws", metavar="N", min=0, max=MAX_DRAWS,
                          help="Monte Carlo draws per chosen portfolio (0: none).")
    ] = 0,
    by: Annotated[
        str, typer.Option("--by", metavar="harm|score",
                          help="Best portfolio: most harm avoided, or lowest score."),
    ] = "harm",
    timing: TimingOption = Timing.in_place,
    seed: SeedOption = 0,
    format: FormatOption = None,
    output: OutputOption = None,
    progress: ProgressOption = None,
) -> None:
    """For each budget, the portfolio of options that avoids the country most harm.

    Every combination of the options is run (a greedy search beyond 12 options).

    Examples:

      rareearth frontier china-2025-heavy --dataset world-2024 --country JP

      rareearth frontier japan-embargo --dataset world-2024 --country JP --budget 1e8 --budget 1e9 -n 100 --format csv
    """
    from rareearth.portfolios import frontier as budget_frontier

    sc = inputs.scenario(scenario)
    net = inputs.network(dataset, sc)
    country = inputs.check_country(net, country)
    # portfolios run, then draws per chosen portfolio: the total is known only at the end
    with draws_bar(None, progress, auto=True, label="runs") as report:
        table = budget_frontier(net, sc, country, options=inputs.options(option, country) or None,
                                budgets=budget, n=draws, seed=seed, timing=timing.value, by=by,
                                progress=report)
    title = (f"Best portfolio per budget for {country} under {sc.name} ({net.name}, "
             f"{timing.value}, {table.attrs['method']}, by {by})")
    notes = [f"left out {name}: {why.splitlines()[0]}"
             for name, why in table.attrs.get("skipped", {}).items()]
    emit(table, format, output, title=title, note="\n".join(notes) or None)
