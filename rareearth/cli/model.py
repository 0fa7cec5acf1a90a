"""Verbs that run the model once per option: dependence, exposure, simulate, compare."""

from __future__ import annotations

import re
from typing import Annotated

import typer

from rareearth.cli import inputs
from rareearth.cli.base import UsageError
from rareearth.cli.output import emit, render, resolve_format, write_parquet, write_text
from rareearth.cli.params import (
    Allocation,
    AllocationOption,
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
from rareearth.cli.progress import draws_bar
from rareearth.limits import MAX_DRAWS

__all__ = ["compare", "dependence", "exposure", "simulate"]


def dependence(
    country: CountryOption,
    dataset: Annotated[
        str,
        typer.Option(
            "--dataset", "-d", metavar="NAME|PATH", help="Built-in dataset name or dataset folder."
        ),
    ],
    format: FormatOption = None,
    output: OutputOption = None,
) -> None:
    """Show a country's static dependence on each material: import reliance, origins, HHI.

    Examples:

      rareearth dependence --dataset world-2024 --country JP

      rareearth dependence --dataset world-2024 --country US --format csv
    """
    from rareearth.indicators import dependence_table

    net = inputs.network(dataset)
    country = inputs.check_country(net, country)
    table = dependence_table(net, country)
    emit(table, format, output, title=f"{country}: dependence by material ({net.name})")


def exposure(
    scenario: ScenarioArgument,
    country: CountryOption,
    dataset: DatasetOption = None,
    option: OptionsOption = None,
    allocation: AllocationOption = Allocation.proportional,
    timing: TimingOption = Timing.in_place,
    seed: SeedOption = 0,
    format: FormatOption = None,
    output: OutputOption = None,
) -> None:
    """Score a country's exposure under a scenario (0-100) and its six components.

    The table and csv give one row per component and the total; json gives the whole score
    (components, metrics, split by material).

    Examples:

      rareearth exposure china-2025-heavy --dataset world-2024 --country JP

      rareearth exposure china-2025-heavy --dataset world-2024 --country JP --option stockpile-180d --format json
    """
    from rareearth.scoring import exposure as score_exposure

    sc = inputs.scenario(scenario)
    net = inputs.network(dataset, sc)
    country = inputs.check_country(net, country)
    score = score_exposure(
        net, sc, country, options=inputs.options(option, country), allocation=allocation.value,
        seed=seed, timing=timing.value,
    )
    if resolve_format(format, output) is Format.json:
        write_text(score.model_dump_json(indent=2) + "\n", output)
        return
    import pandas as pd

    from rareearth.economics import headline
    from rareearth.scoring import COMPONENT_NAMES, KINDS

    rows = [(k, COMPONENT_NAMES.get(k, k), KINDS.get(k, ""), v) for k, v in score.components.items()]
    rows.append(("score", "Exposure score", "", score.score))
    frame = pd.DataFrame(rows, columns=["component", "name", "kind", "points"])
    notes = [headline(score.metrics, start=sc.start),
             f"harm {score.harm:.1f} points, resilience {score.resilience:.1f} points"]
    emit(frame, format, output,
         title=f"{country} exposure under {sc.name} ({net.name})",
         note="\n".join(n for n in notes if n))


def simulate(
    scenario: ScenarioArgument,
    country: Annotated[
        str | None,
        typer.Option(
            "--country", "-c", metavar="CC",
            help="Country or region code, e.g. JP (not needed with --all or --format iamc).",
        ),
    ] = None,
    dataset: DatasetOption = None,
    option: OptionsOption = None,
    allocation: AllocationOption = Allocation.proportional,
    seed: SeedOption = 0,
    timing: TimingOption = Timing.in_place,
    all_: Annotated[
        bool, typer.Option("--all", help="Print the whole timeseries, every node.")
    ] = False,
    format: FormatOption = None,
    output: OutputOption = None,
) -> None:
    """Simulate a scenario month by month; print the country's shortfall by commodity.

    --all prints the whole timeseries (every node); --format iamc the run in the IAMC long
    format (model, scenario, region, variable, unit, time, value), every country unless
    --country is given.

    Examples:

      rareearth simulate china-2010 --dataset world-2009 --country JP

      rareearth simulate china-2010 --dataset world-2009 --country JP --format csv

      rareearth simulate china-2025-heavy --dataset world-2024 --option stockpile-180d --all -o out/run.parquet

      rareearth simulate china-2025-heavy --dataset world-2024 --format iamc -o out/run-iamc.csv
    """
    from rareearth.engine import simulate as run_scenario

    sc = inputs.scenario(scenario)
    net = inputs.network(dataset, sc)
    chosen = resolve_format(format, output)
    iamc = chosen is Format.iamc
    if country is not None:
        country = inputs.check_country(net, country)
    elif not (all_ or iamc):
        raise UsageError("simulate needs --country (or --all, or --format iamc, for every country)")
    result = run_scenario(net, sc, options=inputs.options(option, country),
                          allocation=allocation.value, seed=seed, timing=timing.value)
    if iamc:
        table = result.to_iamc()
        if country is not None:
            table = table[table.region.isin([country, "World"])].reset_index(drop=True)
        if output is not None and output.suffix.lower() == ".parquet":
            write_parquet(table, output)
        else:
            write_text(render(table, Format.csv, None), output)
    elif all_:
        frame = result.timeseries
        if country is not None:
            frame = frame[frame.country == country].reset_index(drop=True)
        emit(frame, format, output, title=f"{sc.name} on {net.name}")
    else:
        assert country is not None
        emit(
            result.shortfall(country),
            format,
            output,
            title=f"{country} end-use shortfall, t/month, under {sc.name} ({net.name})",
        )


#: Columns of the ranking shown on a terminal.
_RANKING_COLUMNS = (
    "rank",
    "harm_avoided_usd",
    "harm_avoided_per_busd",
    "score",
    "delta",
    "harm_delta",
    "resilience_delta",
    "cost_usd",
    "lead_time_months",
    "p_beats_none",
    "p_avoids_harm",
    "score_p05",
    "score_p95",
    "units_lost",
    "output_lost_usd",
    "gdp_loss_usd",
)
#: A relocation partner's score and delta (``score_US``, ``delta_US``), also shown.
_PARTNER_COLUMN = re.compile(r"(score|delta)_[A-Z][A-Z0-9]{1,3}")


def compare(
    scenario: ScenarioArgument,
    country: CountryOption,
    dataset: DatasetOption = None,
    option: Annotated[
        list[str] | None,
        typer.Option(
            "--option",
            metavar="NAME",
            help="Option to rank (built-in name or file); repeat. Default: every built-in one.",
        ),
    ] = None,
    draws: Annotated[
        int,
        typer.Option(
            "-n",
            "--draws",
            metavar="N",
            min=0,
            max=MAX_DRAWS,
            help="Monte Carlo draws per option (0: none).",
        ),
    ] = 0,
    timing: TimingOption = Timing.in_place,
    allocation: AllocationOption = Allocation.proportional,
    objective: Annotated[
        str,
        typer.Option("--objective", metavar="world|country",
                     help="With --allocation optimal: the world's lost value, or the country's first."),
    ] = "world",
    seed: SeedOption = 0,
    format: FormatOption = None,
    output: OutputOption = None,
    progress: ProgressOption = None,
) -> None:
    """Rank cooperation options by the harm (lost end-use value) they avoid per dollar.

    Options that avoid harm come first, by harm avoided per dollar; then the rest by score.
    Without --option, the built-in options as templates for the country (those that cannot
    apply to it are listed below the table).

    Examples:

      rareearth compare china-2025-heavy --dataset world-2024 --country JP

      rareearth compare china-2025-heavy --dataset world-2024 --country JP --option stockpile-180d --option us-japan-partnership -n 100 --format csv
    """
    from rareearth.cooperation import options as builtin_options
    from rareearth.ranking import compare as rank_options

    sc = inputs.scenario(scenario)
    net = inputs.network(dataset, sc)
    country = inputs.check_country(net, country)
    runs = (len(option) if option else len(builtin_options())) + 1  # every option and "none"
    with draws_bar(draws * runs or None, progress, auto=draws >= 50, label="draws") as report:
        table = rank_options(
            net, sc, country, inputs.options(option, country) or None, n=draws, seed=seed,
            progress=report, timing=timing.value, allocation=allocation.value, objective=objective,
        )
    title = (f"Options for {country} under {sc.name} ({net.name}, {timing.value}), "
             "best first by harm avoided per dollar")
    if resolve_format(format, output) is Format.table and output is None:
        # the headline columns on a terminal; csv and json carry every metric
        keep = [c for c in table.columns if (c in _RANKING_COLUMNS and table[c].notna().any())
                or _PARTNER_COLUMN.fullmatch(c)]
        notes = ["every metric: --format csv|json"]
        notes += [f"left out {name}: {why.splitlines()[0]}"
                  for name, why in table.attrs.get("skipped", {}).items()]
        emit(table[keep], format, None, title=title, note="\n".join(notes))
    else:
        emit(table, format, output, title=title)
