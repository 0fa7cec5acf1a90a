"""The ``rareearth`` command line: a thin shell over the library (typer + rich).

Every verb is one library call that a script can make too; this package only parses
arguments, loads the named dataset, scenario and options, and prints or writes the result
(:mod:`~rareearth.cli.output`: a rich table on a terminal, CSV when piped, ``--format
csv|json``, ``-o FILE`` written whole or not at all, ``-o FILE.parquet``; ``simulate --format
iamc``: the run in the IAMC long format).

Country codes are case-insensitive (``jp`` is ``JP``). Errors a user can cause print one line
``error: ...`` to stderr and exit with status 2 (:mod:`~rareearth.cli.app`); ``--debug`` adds
the traceback.

Modules: ``app`` (the root command and error handling), ``params`` (shared options),
``inputs`` (loading what a verb names), ``output`` (tables and files), ``progress`` (progress
on stderr), and the verbs: ``catalog`` (datasets, scenarios, options, validate, export),
``model`` (dependence, exposure, simulate, compare), ``draws`` (montecarlo, sensitivity,
frontier, report), ``figures`` (plot). Heavy modules (pandas, the engine, matplotlib, dask)
are imported inside the verbs, so that ``rareearth --help`` and the listings start fast.

To add a verb: write it as a function in the module of its kind (its docstring is its help),
then register it below, in the order ``--help`` lists it.
"""

from __future__ import annotations

from rareearth.cli import catalog, draws, figures, model
from rareearth.cli.app import app, main

__all__ = ["app", "main"]

app.command()(catalog.datasets)
app.add_typer(catalog.scenarios_app, name="scenarios")
app.add_typer(catalog.options_app, name="options")
app.command()(catalog.validate)
app.command()(catalog.export)
app.command()(model.dependence)
app.command()(model.exposure)
app.command()(model.simulate)
app.command()(model.compare)
app.command()(draws.montecarlo)
app.command()(draws.sensitivity)
app.command()(figures.plot)
app.command()(draws.report)
app.command("frontier")(draws.frontier)
