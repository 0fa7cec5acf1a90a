"""Conservation checks of a run: nothing is created or lost (MODEL.md §3 invariants).

:func:`check_balance` (``SimulationResult.check_balance``) checks, per node, commodity and
month, from the recorded arrays:

``stock_in``      received − used = change of the input stock (in-slots)
``stock_out``     produced − shipped = change of the output inventory (out-slots)
``capacity``      produced ≤ capacity
``inputs``        produced ≤ what received inputs and the input stock allow (Leontief)
``shortfall``     shortfall = max(need − received − stock drawn, 0)
``received``      received = baseline flows arriving (after their transit lead) + rerouted +
                  stockpile releases, plus recycling at end use (needs ``"flows"``)
``shipped``       shipped = baseline flows leaving + rerouted sales (needs ``"flows"``)
``non_negative``  every quantity ≥ 0

A check whose arrays were not recorded is skipped (listed in ``BalanceReport.skipped``). The
tolerance is relative: ``tol × (1 + max |received| + max |produced|)`` of the run.

Examples
--------
>>> import rareearth as ree
>>> from rareearth import examples
>>> net = examples.tiny()
>>> res = ree.simulate(net, examples.embargo(4))
>>> report = res.check_balance()
>>> report.ok, "stock_in" in report.checked
(True, True)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from rareearth.errors import BalanceError

if TYPE_CHECKING:
    from rareearth.engine.result import SimulationResult

__all__ = ["CHECKS", "BalanceReport", "check_balance"]

#: The checks, in order (module docstring).
CHECKS = ("non_negative", "stock_in", "stock_out", "capacity", "inputs", "shortfall",
          "received", "shipped")
_COLUMNS = ["check", "month", "node", "commodity", "value", "expected", "excess"]


@dataclass
class BalanceReport:
    """What :func:`check_balance` found.

    Attributes
    ----------
    tol, atol : float
        The relative tolerance asked for, and the absolute one it gave (t or t/month).
    checked, skipped : list of str
        Checks run, and checks skipped because their arrays were not recorded.
    violations : pandas.DataFrame
        One row per (check, month, node, commodity) off by more than ``atol``: ``check, month,
        node, commodity, value, expected, excess`` (``excess = |value − expected|``, or how far
        a bound is passed).
    """

    tol: float
    atol: float
    checked: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    violations: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=_COLUMNS))

    @property
    def ok(self) -> bool:
        """No violation."""
        return len(self.violations) == 0

    def __bool__(self) -> bool:
        return self.ok

    def worst(self) -> pd.Series:
        """The largest excess per check that has violations."""
        return self.violations.groupby("check")["excess"].max()

    def summary(self, rows: int = 5) -> str:
        """A few lines naming the worst violations (or that there are none)."""
        if self.ok:
            return f"balance holds ({', '.join(self.checked)}; tolerance {self.atol:.3g})"
        top = self.violations.sort_values("excess", ascending=False).head(rows)
        lines = [f"{len(self.violations)} balance violation(s) beyond {self.atol:.3g}:"]
        lines += [f"  {r.check}: month {r.month}, {r.node} {r.commodity}: {r.value:.6g} vs "
                  f"{r.expected:.6g} (off by {r.excess:.3g})" for r in top.itertuples()]
        return "\n".join(lines)


class _Checker:
    """Collects violations of one result (see :func:`check_balance`)."""

    def __init__(self, res: SimulationResult, atol: float) -> None:
        self.res = res
        self.atol = atol
        self.frames: list[pd.DataFrame] = []

    def compare(self, check: str, value: np.ndarray, expected: np.ndarray, nodes: np.ndarray,
                coms: np.ndarray, *, bound: bool = False) -> None:
        """(T, slots) ``value`` against ``expected``: equal within ``atol``, or (``bound``)
        at most ``expected + atol``."""
        excess = value - expected if bound else np.abs(value - expected)
        bad = np.argwhere(excess > self.atol)  # NaN (not recorded) never counts
        if bad.size == 0:
            return
        t, j = bad[:, 0], bad[:, 1]
        cn = self.res.compiled
        self.frames.append(pd.DataFrame({
            "check": check, "month": np.asarray(self.res.periods)[t],
            "node": np.asarray(cn.node_ids, dtype=object)[nodes[j]],
            "commodity": np.asarray(cn.commodities, dtype=object)[coms[j]],
            "value": value[t, j], "expected": expected[t, j], "excess": excess[t, j],
        }))


def check_balance(res: SimulationResult, tol: float = 1e-7, *,
                  raise_on_error: bool = True) -> BalanceReport:
    """Check conservation of ``res`` per node, commodity and month (module docstring).

    Parameters
    ----------
    res : SimulationResult
    tol : float
        Relative tolerance (scaled by the run's largest receipt and output).
    raise_on_error : bool
        Raise :class:`~rareearth.errors.BalanceError` (its ``report`` attached) when a check
        fails; else return the report.

    Returns
    -------
    BalanceReport
    """
    batch = res._batch
    st, raw, s, t_n = batch.structure, batch.raw, res._s, res.months
    rin = {k: v[:t_n, :, s] for k, v in raw.slots_in.items()}
    rout = {k: v[:t_n, :, s] for k, v in raw.slots_out.items()}
    rec_in = np.arange(st.n_in) if batch.record_in is None else batch.record_in
    rec_out = np.arange(st.n_out) if batch.record_out is None else batch.record_out
    full = batch.record_in is None and batch.record_out is None
    scale = 1.0
    for key, arrays in (("received", rin), ("produced", rout)):
        if key in arrays and arrays[key].size:
            scale += float(np.abs(arrays[key]).max())
    report = BalanceReport(tol=tol, atol=tol * scale)
    chk = _Checker(res, report.atol)
    in_nodes, in_coms = st.in_node[rec_in], st.in_commodity[rec_in]
    out_nodes, out_coms = st.out_node[rec_out], st.out_commodity[rec_out]

    def run(name: str, needs: bool) -> bool:
        (report.checked if needs else report.skipped).append(name)
        return needs

    zeros_in = np.zeros((t_n, rec_in.size))
    zeros_out = np.zeros((t_n, rec_out.size))
    run("non_negative", True)
    for arrays, nodes, coms, zeros in ((rin, in_nodes, in_coms, zeros_in),
                                       (rout, out_nodes, out_coms, zeros_out)):
        for key, value in arrays.items():
            if key not in ("rerouted_in", "rerouted_out", "released"):
                chk.compare("non_negative", zeros, value, nodes, coms, bound=True)
    prev_in = prev_out = None
    if run("stock_in", {"stock_in", "received", "used"} <= rin.keys()):
        prev_in = np.vstack([st.stock_in0[None, rec_in], rin["stock_in"][:-1]])
        chk.compare("stock_in", rin["stock_in"] - prev_in, rin["received"] - rin["used"],
                    in_nodes, in_coms)
    if run("stock_out", {"stock_out", "produced", "shipped"} <= rout.keys()):
        prev_out = np.vstack([st.stock_out0[None, rec_out], rout["stock_out"][:-1]])
        chk.compare("stock_out", rout["stock_out"] - prev_out, rout["produced"] - rout["shipped"],
                    out_nodes, out_coms)
    if run("capacity", {"produced", "capacity"} <= rout.keys()):
        chk.compare("capacity", rout["produced"], rout["capacity"], out_nodes, out_coms,
                    bound=True)
    if run("inputs", full and prev_in is not None and "produced" in rout):
        assert prev_in is not None
        _check_inputs(chk, res, rin["received"] + prev_in, rout["produced"])
    if run("shortfall", {"shortfall", "demand", "received", "used"} <= rin.keys()):
        drawn = np.maximum(rin["used"] - rin["received"], 0.0)
        chk.compare("shortfall", rin["shortfall"],
                    np.maximum(rin["demand"] - rin["received"] - drawn, 0.0), in_nodes, in_coms)
    flows = raw.edge_flow is not None and full
    if run("received", flows and {"received", "rerouted_in", "released"} <= rin.keys()):
        _check_received(chk, res, rin)
    if run("shipped", flows and {"shipped", "rerouted_out"} <= rout.keys()):
        assert raw.edge_flow is not None
        leaving = np.zeros_like(rout["shipped"])
        np.add.at(leaving.T, st.edge_src, raw.edge_flow[:t_n, :, s].T)
        chk.compare("shipped", rout["shipped"], leaving + rout["rerouted_out"], out_nodes,
                    out_coms)
    if chk.frames:
        report.violations = pd.concat(chk.frames, ignore_index=True)
    if raise_on_error and not report.ok:
        raise BalanceError(f"{res!r}: {report.summary()}", report)
    return report


def _check_inputs(chk: _Checker, res: SimulationResult, avail: np.ndarray,
                  produced: np.ndarray) -> None:
    """produced ≤ Leontief limit of (received + stock at the start of the month)."""
    batch = res._batch
    st, raw, t_n = batch.structure, batch.raw, res.months
    coef = np.repeat(st.in_coef[None, :], t_n, axis=0)  # the run's coefficients per month
    if raw.input_factors is not None:
        slots, factor = raw.input_factors
        coef[:, slots] *= factor[:t_n]
    limit = np.full_like(produced, np.inf)
    for o in np.flatnonzero(st.out_stage > 0):
        inputs = np.flatnonzero((st.in_owner == o) & (st.in_coef > 0))
        if inputs.size == 0:
            limit[:, o] = 0.0
            continue
        with np.errstate(divide="ignore"):
            limit[:, o] = np.where(coef[:, inputs] > 0, avail[:, inputs] / coef[:, inputs],
                                   np.inf).min(axis=1)
    chk.compare("inputs", produced, limit, st.out_node, st.out_commodity, bound=True)


def _check_received(chk: _Checker, res: SimulationResult, rin: dict[str, np.ndarray]) -> None:
    """received = baseline flows arriving + rerouted + released (+ recycling ≥ 0 at end use).

    Cross-border baseline flows arrive ``transit_months`` after they ship (the months before
    the run shipped the baseline)."""
    batch = res._batch
    st, raw, s, t_n = batch.structure, batch.raw, res._s, res.months
    assert raw.edge_flow is not None
    lead = float(res.provenance["parameters"].get("transit_months", 0.0))
    whole, frac = int(np.floor(lead)), lead - np.floor(lead)
    cross = st.out_country[st.edge_src] != st.in_country[st.edge_tgt]
    shipped = raw.edge_flow[:t_n, :, s]
    past = np.vstack([np.repeat(st.edge_base[None, :], whole + 1, axis=0), shipped])

    def lagged(k: int) -> np.ndarray:
        return past[whole + 1 - k : whole + 1 - k + t_n]

    arriving = np.where(cross[None, :], (1 - frac) * lagged(whole) + frac * lagged(whole + 1),
                        shipped)
    flows_in = np.zeros_like(rin["received"])
    np.add.at(flows_in.T, st.edge_tgt, arriving.T)
    expected = flows_in + rin["rerouted_in"] + rin["released"]
    e0 = st.in_range[st.end_use][0]
    nodes, coms = st.in_node, st.in_commodity
    chk.compare("received", rin["received"][:, :e0], expected[:, :e0], nodes[:e0], coms[:e0])
    # end use also receives recycled supply: at least the flows
    chk.compare("received", expected[:, e0:], rin["received"][:, e0:], nodes[e0:], coms[e0:],
                bound=True)
