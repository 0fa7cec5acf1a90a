"""A simulation in the IAMC long format: model, scenario, region, variable, unit, time, value.

The IAMC format is what integrated-assessment and energy-system tools exchange (pyam reads it
as it is: ``pyam.IamDataFrame(res.to_iamc())``, pyam being an optional extra,
``pip install 'rareearth[iamc]'``). Time is monthly: the ``time`` column holds the first day of
each month (pyam's datetime time domain). One row per region, variable and month:

===========================================  =================  ==============================
variable                                     unit               what
===========================================  =================  ==============================
``Demand|<commodity>|End use``               t REO/month (*)    end-use demand of the country
``Shortfall|<commodity>|End use``            t REO/month (*)    end-use demand not met
``Production|<commodity>|<Stage>``           t REO/month (*)    output of the country's stage
``Stock|<commodity>``                        t REO (*)          stock held by its nodes
``Stockpile|<commodity>``                    t REO (*)          its national stockpile
``Lost Value|End use``                       USD/month          shortfall × downstream value
``Price Index|<commodity>``                  1                  P/P0; region ``World``
===========================================  =================  ==============================

(*) magnets in t (of magnet), not t REO. Series that are zero in every month (a country with
no stockpile, a stage it does not have) are left out. Regions are the dataset's country and
region codes. ``scenario`` is the scenario's name, followed by `` + option`` for each option.

Examples
--------
>>> import rareearth as ree
>>> res = ree.simulate(ree.examples.tiny(), ree.examples.embargo())
>>> df = res.to_iamc()
>>> list(df.columns)
['model', 'scenario', 'region', 'variable', 'unit', 'time', 'value']
>>> "Shortfall|magnet|End use" in set(df.variable)
True
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from rareearth.errors import RareEarthError
from rareearth.records import MAGNET

if TYPE_CHECKING:
    from rareearth.engine.result import SimulationResult

__all__ = ["IAMC_COLUMNS", "MODEL", "read_iamc", "to_iamc"]

#: Columns of the long format, in order.
IAMC_COLUMNS: tuple[str, ...] = ("model", "scenario", "region", "variable", "unit", "time", "value")
#: The ``model`` column.
MODEL = "rareearth"
WORLD = "World"


def _unit(commodity: str, per_month: bool) -> str:
    base = "t" if commodity == MAGNET else "t REO"
    return f"{base}/month" if per_month else base


def _scenario_label(result: SimulationResult) -> str:
    name = str(getattr(result.scenario, "name", "scenario"))
    options = result.provenance.get("options") or []
    names = []
    for o in options if isinstance(options, list) else [options]:
        names.append(str(o.get("name", o)) if isinstance(o, dict) else str(o))
    return " + ".join([name, *names])


def _series(blocks: list[pd.DataFrame], region: np.ndarray, variable: np.ndarray,
            unit: np.ndarray, values: np.ndarray, times: pd.DatetimeIndex) -> None:
    """Append rows for ``values`` (T, S) whose series ``s`` has region/variable/unit [s]."""
    keep = np.nansum(np.abs(values), axis=0) > 0
    if not keep.any():
        return
    values = values[:, keep]
    t_n, s_n = values.shape
    blocks.append(pd.DataFrame({
        "region": np.tile(region[keep], t_n),
        "variable": np.tile(variable[keep], t_n),
        "unit": np.tile(unit[keep], t_n),
        "time": np.repeat(times.to_numpy(), s_n),
        "value": values.ravel(),
    }))


def to_iamc(result: SimulationResult) -> pd.DataFrame:
    """The run as an IAMC long table (see the module docstring for the variables).

    Parameters
    ----------
    result : SimulationResult

    Returns
    -------
    pandas.DataFrame
        Columns :data:`IAMC_COLUMNS`; ``time`` is datetime64 (first day of the month),
        ``value`` float; sorted by region, variable and time.
    """
    cn = result.compiled
    a = result.arrays
    times = result.periods.to_timestamp(how="start")
    coms = np.asarray(cn.commodities, dtype=object)
    countries = np.asarray(cn.countries, dtype=object)
    k_n, c_n = len(countries), len(coms)
    region = np.repeat(countries, c_n)  # series (k, c), k-major, as reshape(T, K * C) gives
    com = np.tile(coms, k_n)
    blocks: list[pd.DataFrame] = []
    t_n = result.months

    def per_country(key: str, label: str, per_month: bool, suffix: str = "") -> None:
        if key not in a:
            return
        variable = np.array([f"{label}|{c}{suffix}" for c in com], dtype=object)
        unit = np.array([_unit(c, per_month) for c in com], dtype=object)
        _series(blocks, region, variable, unit, a[key].reshape(t_n, k_n * c_n), times)

    per_country("country_demand", "Demand", True, "|End use")
    per_country("country_shortfall", "Shortfall", True, "|End use")
    if "produced" in a:
        stages = tuple(cn.stages)  # the dataset's (declared or default) stages
        names = {s: s.replace("_", " ").capitalize() for s in stages}
        stage = np.asarray(cn.node_stage)
        group = np.asarray(cn.node_country) * len(stages) + stage
        produced = np.nan_to_num(a["produced"]).transpose(1, 0, 2).reshape(len(group), -1)
        sums = np.zeros((k_n * len(stages), t_n * c_n))
        np.add.at(sums, group, produced)
        by_stage = sums.reshape(k_n, len(stages), t_n, c_n).transpose(2, 0, 1, 3)  # T, K, S, C
        g_region = np.repeat(countries, len(stages) * c_n)
        g_stage = np.tile(np.repeat(np.array(stages, dtype=object), c_n), k_n)
        g_com = np.tile(coms, k_n * len(stages))
        variable = np.array([f"Production|{c}|{names[s]}" for s, c in
                             zip(g_stage, g_com, strict=True)], dtype=object)
        unit = np.array([_unit(c, True) for c in g_com], dtype=object)
        _series(blocks, g_region, variable, unit, by_stage.reshape(t_n, -1), times)
    per_country("country_stock", "Stock", False)
    per_country("stockpile", "Stockpile", False)
    if "country_shortfall_value" in a:
        lost = a["country_shortfall_value"].sum(axis=2)  # (T, K) USD/month
        _series(blocks, countries, np.full(k_n, "Lost Value|End use", dtype=object),
                np.full(k_n, "USD/month", dtype=object), lost, times)
    price = a["price"]  # (T, C)
    _series(blocks, np.full(c_n, WORLD, dtype=object),
            np.array([f"Price Index|{c}" for c in coms], dtype=object),
            np.full(c_n, "1", dtype=object), price, times)

    columns = list(IAMC_COLUMNS)
    if not blocks:
        return pd.DataFrame(columns=columns)
    frame = pd.concat(blocks, ignore_index=True)
    frame.insert(0, "model", MODEL)
    frame.insert(1, "scenario", _scenario_label(result))
    frame["value"] = frame["value"].astype(float)
    frame["time"] = pd.to_datetime(frame["time"])
    frame = frame.sort_values(["region", "variable", "time"], kind="stable")
    return frame[columns].reset_index(drop=True)


def read_iamc(path: str | Path) -> pd.DataFrame:
    """Read an IAMC long table written by ``rareearth simulate --format iamc`` (CSV or Parquet).

    Raises
    ------
    RareEarthError
        The file lacks an IAMC column (the message lists the columns it has).
    """
    path = Path(path)
    if path.suffix.lower() == ".parquet":
        frame = pd.read_parquet(path)
    else:
        frame = pd.read_csv(path, keep_default_na=False, na_values=[""])
    missing = [c for c in IAMC_COLUMNS if c not in frame.columns]
    if missing:
        raise RareEarthError(
            f"{path}: not an IAMC table: missing column(s) {', '.join(missing)} "
            f"(it has {', '.join(map(str, frame.columns))})"
        )
    frame["time"] = pd.to_datetime(frame["time"])
    frame["value"] = frame["value"].astype(float)
    for column in ("model", "scenario", "region", "variable", "unit"):
        frame[column] = frame[column].astype(str)
    return frame[list(IAMC_COLUMNS)]
