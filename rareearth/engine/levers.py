"""``Levers``: cooperation options in the form the engine applies them.

An option (``rareearth.cooperation``) is translated into :class:`Levers` by its
``to_levers(net, compiled, scenario)`` method; :func:`rareearth.engine.simulate` accepts either.
Entries name nodes, countries and commodities by their ids; a value that varies over time is a
number (constant) or a sequence with one value per month of the scenario (month 0 = its start).

=========================  ======================================================================
``capacity``               :class:`CapacityAddition`: t/yr added at a (node, commodity) from a
                           month on, reaching full size linearly over ``ramp_months`` (or
                           following a given 0…1 ``profile``); added capacity runs at full (it
                           was built for the purpose)
``demand_factors``         :class:`DemandFactor`: end-use demand × factor (substitution,
                           relocation out)
``demand_additions``       :class:`DemandAddition`: t/yr of extra end-use demand (relocation in)
``recycling``              :class:`RecyclingIncrease`: recycling rate above the dataset's, per
                           country and (optionally) commodity: secondary supply = increase ×
                           consumption, to its end users of those commodities
``offtakes``               :class:`Offtake`: a share of a supplier node's output reserved for a
                           partner country's buyers, served before the baseline proportions
                           (from ``start_month``)
``stockpiles``             :class:`StockpileOverride`: national stockpile (t) of a commodity
                           (at the start, or from ``start_month`` on)
``lead_times``             :class:`LeadTime`: a shorter lead time (months) for new links from an
                           exporter to an importer (from ``start_month``)
``input_factors``          :class:`InputFactor`: a producing node's input coefficient of a
                           commodity (t per t of output) × factor, per month (substitution
                           inside magnets); the same for every scenario of a batch
``lead_time_matrix``       optional (K, K) array in ``compiled.countries`` order (NaN = unset),
                           the same thing in bulk
=========================  ======================================================================

Examples
--------
>>> lev = Levers(capacity=(CapacityAddition("AU:mining", "NdPr", 24.0, start_month=2),))
>>> lev + Levers(recycling=(RecyclingIncrease("JP", 0.05),))  # doctest: +ELLIPSIS
Levers(capacity=(CapacityAddition(node='AU:mining', ...), recycling=(RecyclingIncrease(...),), ...)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

import numpy as np

from rareearth.errors import OptionError
from rareearth.network import CompiledNetwork

if TYPE_CHECKING:
    from rareearth.engine.structure import Structure

__all__ = [
    "CapacityAddition",
    "DemandAddition",
    "DemandFactor",
    "InputFactor",
    "LeadTime",
    "LeverArrays",
    "Levers",
    "Offtake",
    "RecyclingIncrease",
    "StockpileOverride",
    "compile_levers",
    "input_factor_key",
    "lever_slots",
]

TimeValue = float | Sequence[float] | np.ndarray

#: Defaults of a stockpile that a lever creates where the dataset has none: released when the
#: country's shortfall exceeds 5 % of its need, emptied over at least 6 months (assumption:
#: Japan's JOGMEC and the US NDS release over months, not at once).
NEW_STOCKPILE_THRESHOLD = 0.05
NEW_STOCKPILE_RELEASE_MONTHS = 6.0


@dataclass(frozen=True)
class CapacityAddition:
    """``tonnes_per_year`` more capacity at ``node`` for ``commodity`` from ``start_month``.

    Without ``profile`` the addition reaches full size linearly over ``ramp_months`` (month
    ``start_month + m`` gets ``min(1, (m + 1) / ramp_months)``); a ``profile`` (0…1 per month,
    or a number) replaces both.
    """

    node: str
    commodity: str
    tonnes_per_year: float
    start_month: int = 0
    ramp_months: float = 0.0
    profile: TimeValue | None = None


@dataclass(frozen=True)
class DemandFactor:
    """End-use demand of (``node``, ``commodity``) × ``factor`` (per month or constant)."""

    node: str
    commodity: str
    factor: TimeValue


@dataclass(frozen=True)
class DemandAddition:
    """Extra end-use demand of (``node``, ``commodity``), t/yr (per month or constant)."""

    node: str
    commodity: str
    tonnes_per_year: TimeValue


@dataclass(frozen=True)
class RecyclingIncrease:
    """Recycling rate of ``country`` raised by ``rate`` (share of consumption), for its end
    uses of ``commodities`` (None: every commodity)."""

    country: str
    rate: TimeValue
    commodities: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Offtake:
    """``share`` of ``supplier``'s output of ``commodity`` reserved for ``partner``'s buyers."""

    supplier: str
    partner: str
    commodity: str
    share: float
    start_month: int = 0


@dataclass(frozen=True)
class StockpileOverride:
    """National stockpile of ``commodity`` in ``country`` set to ``tonnes`` at the start.

    ``release_threshold`` and ``release_tonnes_per_month`` default to the dataset's rule, or,
    where the dataset has none, to 5 % and ``tonnes / 6`` per month. With ``start_month > 0``
    the dataset's stockpile holds until then, and ``tonnes`` minus the dataset's holding is
    added at the start of that month (a stockpile bought over a lead time arrives at its end).
    """

    country: str
    commodity: str
    tonnes: float
    release_threshold: float | None = None
    release_tonnes_per_month: float | None = None
    start_month: int = 0


@dataclass(frozen=True)
class LeadTime:
    """New links from ``exporter`` to ``importer`` reach full volume after ``months``."""

    exporter: str
    importer: str
    months: float
    start_month: int = 0


@dataclass(frozen=True)
class InputFactor:
    """The input coefficient of ``commodity`` at producing ``node`` × ``factor`` (per month or
    constant): t of input per t of output. Every scenario of a batch must have the same input
    factors (the coefficients are shared by the batch)."""

    node: str
    commodity: str
    factor: TimeValue = field(compare=False)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, InputFactor):
            return NotImplemented
        return (self.node, self.commodity) == (other.node, other.commodity) and bool(
            np.array_equal(np.asarray(self.factor, float), np.asarray(other.factor, float)))

    def __hash__(self) -> int:
        return hash((self.node, self.commodity))


@dataclass(frozen=True)
class Levers:
    """Cooperation options in engine form (see module docstring). Add two with ``+``."""

    capacity: tuple[CapacityAddition, ...] = ()
    demand_factors: tuple[DemandFactor, ...] = ()
    demand_additions: tuple[DemandAddition, ...] = ()
    recycling: tuple[RecyclingIncrease, ...] = ()
    offtakes: tuple[Offtake, ...] = ()
    stockpiles: tuple[StockpileOverride, ...] = ()
    lead_times: tuple[LeadTime, ...] = ()
    lead_time_matrix: np.ndarray | None = field(default=None, compare=False)
    input_factors: tuple[InputFactor, ...] = ()

    def __add__(self, other: Levers) -> Levers:
        if not isinstance(other, Levers):
            return NotImplemented
        merged: dict[str, Any] = {}
        for f in fields(self):
            if f.name == "lead_time_matrix":
                a, b = self.lead_time_matrix, other.lead_time_matrix
                merged[f.name] = a if b is None else b if a is None else np.fmin(a, b)
            else:
                merged[f.name] = tuple(getattr(self, f.name)) + tuple(getattr(other, f.name))
        return Levers(**merged)

    @property
    def empty(self) -> bool:
        """True when no lever is set."""
        return all(
            (getattr(self, f.name) is None) if f.name == "lead_time_matrix" else not getattr(self, f.name)
            for f in fields(self)
        )


@dataclass(frozen=True, eq=False)
class LeverArrays:
    """Levers of a batch as arrays (one column per scenario); rates t/month.

    ``cap_slots`` (n,) out-slots with ``cap_add`` (T, n, S); ``mult_slots``/``mult`` and
    ``add_slots``/``add`` the same for end-use in-slots (offsets into the end-use range);
    ``recycling`` (T, K, C, S); offtakes as parallel arrays (``offtake_start``: first month);
    stockpile start, threshold and rate (K, C, S), ``pile_add`` later additions as rows
    (month, country × C + commodity, scenario, tonnes); ``lead_override`` (K, K, S) months
    (inf = none), ``lead_later`` rows (month, exporter, importer, scenario, months) of lead
    times that apply from a later month; ``input_slots`` (n,) in-slots whose
    coefficient is scaled by ``input_factor`` (T, n), the same for every scenario.
    """

    cap_slots: np.ndarray
    cap_add: np.ndarray
    mult_slots: np.ndarray
    mult: np.ndarray
    add_slots: np.ndarray
    add: np.ndarray
    recycling: np.ndarray | None
    offtake_slot: np.ndarray
    offtake_partner: np.ndarray
    offtake_share: np.ndarray
    stockpile: np.ndarray
    release_threshold: np.ndarray
    release_rate: np.ndarray
    lead_override: np.ndarray | None
    offtake_start: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    pile_add: np.ndarray = field(default_factory=lambda: np.zeros((0, 4)))
    lead_later: np.ndarray = field(default_factory=lambda: np.zeros((0, 5)))
    input_slots: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    input_factor: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))


def _series(value: TimeValue, months: int, where: str) -> np.ndarray:
    arr = np.asarray(value, dtype=float)
    if arr.ndim == 0:
        return np.full(months, float(arr))
    if arr.ndim != 1 or arr.shape[0] < months:
        raise OptionError(f"{where}: needs a number or one value per month ({months}); got shape {arr.shape}")
    return arr[:months].copy()


def _node(compiled: CompiledNetwork, node: str, where: str) -> int:
    try:
        return compiled.node_index[node]
    except KeyError:
        raise OptionError(f"{where}: unknown node {node!r} in this network") from None


def _commodity(compiled: CompiledNetwork, commodity: str, where: str) -> int:
    try:
        return compiled.commodity_index[commodity]
    except KeyError:
        raise OptionError(
            f"{where}: unknown commodity {commodity!r}; this network has {', '.join(compiled.commodities)}"
        ) from None


def _country(compiled: CompiledNetwork, country: str, where: str) -> int:
    try:
        return compiled.country_index[country]
    except KeyError:
        raise OptionError(f"{where}: unknown country {country!r} in this network") from None


def lever_slots(
    compiled: CompiledNetwork, levers: Sequence[Levers]
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """(node, commodity) out- and in-slots the levers need (capacity and demand additions)."""
    end_use = compiled.end_use
    out: list[tuple[int, int]] = []
    inn: list[tuple[int, int]] = []
    for lev in levers:
        for i, cap in enumerate(lev.capacity):
            where = f"capacity[{i}]"
            n = _node(compiled, cap.node, where)
            if compiled.node_stage[n] == end_use:
                raise OptionError(f"{where}: {cap.node} is an end-use node; add demand instead")
            out.append((n, _commodity(compiled, cap.commodity, where)))
        for i, add in enumerate(lev.demand_additions):
            where = f"demand_additions[{i}]"
            n = _node(compiled, add.node, where)
            if compiled.node_stage[n] != end_use:
                raise OptionError(f"{where}: {add.node} is not an end-use node")
            inn.append((n, _commodity(compiled, add.commodity, where)))
    return out, inn


def compile_levers(structure: Structure, levers: Sequence[Levers], months: int) -> LeverArrays:
    """Arrays of the levers of a batch, one :class:`Levers` per scenario (see LeverArrays)."""
    from rareearth.engine.structure import slots_of

    st = structure
    cn: CompiledNetwork = st.compiled
    n_s = len(levers)
    k = st.n_countries
    i0, _ = st.in_range[st.end_use]

    def grouped(kind: str) -> tuple[np.ndarray, np.ndarray]:
        entries: dict[int, np.ndarray] = {}
        neutral = 1.0 if kind == "mult" else 0.0
        for s, lev in enumerate(levers):
            items: Sequence[Any] = {"cap": lev.capacity, "mult": lev.demand_factors,
                                    "add": lev.demand_additions}[kind]
            for j, item in enumerate(items):
                where = {"cap": "capacity", "mult": "demand_factors", "add": "demand_additions"}[kind]
                where = f"{where}[{j}]"
                pair = (_node(cn, item.node, where), _commodity(cn, item.commodity, where))
                slot = int(slots_of(st, [pair], kind="out" if kind == "cap" else "in")[0])
                if slot < 0 or (kind != "cap" and st.in_stage[slot] != st.end_use):
                    raise OptionError(f"{where}: {item.node} has no end-use demand of {item.commodity}")
                if kind == "cap":
                    if item.profile is not None:
                        level = _series(item.profile, months, where)
                    else:
                        t = np.arange(months, dtype=float)
                        ramp = max(float(item.ramp_months), 0.0)
                        level = np.clip((t - item.start_month + 1) / ramp, 0.0, 1.0) if ramp > 0 \
                            else (t >= item.start_month).astype(float)
                    series = level * float(item.tonnes_per_year) / 12.0
                elif kind == "mult":
                    series = _series(item.factor, months, where)
                    if (series < 0).any():
                        raise OptionError(f"{where}: factor must be ≥ 0")
                else:
                    series = _series(item.tonnes_per_year, months, where) / 12.0
                key = slot if kind == "cap" else slot - i0
                arr = entries.setdefault(key, np.full((months, n_s), neutral))
                if kind == "mult":
                    arr[:, s] *= series
                else:
                    arr[:, s] += series
        keys = np.array(sorted(entries), dtype=np.int64)
        values = (np.stack([entries[int(x)] for x in keys], axis=1) if keys.size
                  else np.zeros((months, 0, n_s)))
        return keys, values

    cap_slots, cap_add = grouped("cap")
    mult_slots, mult = grouped("mult")
    add_slots, add = grouped("add")

    recycling: np.ndarray | None = None
    n_c = st.n_commodities
    for s, lev in enumerate(levers):
        for j, rec in enumerate(lev.recycling):
            where = f"recycling[{j}]"
            if recycling is None:
                recycling = np.zeros((months, k, n_c, n_s))
            series = _series(rec.rate, months, where)
            if (series < 0).any():
                raise OptionError(f"{where}: rate increase must be ≥ 0")
            coms = (list(range(n_c)) if rec.commodities is None
                    else [_commodity(cn, c, where) for c in dict.fromkeys(rec.commodities)])
            recycling[:, _country(cn, rec.country, where), coms, s] += series[:, None]

    o_slot, o_partner, o_share, o_start = [], [], [], []
    for s, lev in enumerate(levers):
        for j, off in enumerate(lev.offtakes):
            where = f"offtakes[{j}]"
            if not 0.0 <= off.share <= 1.0:
                raise OptionError(f"{where}: share must be within 0…1 (got {off.share})")
            pair = (_node(cn, off.supplier, where), _commodity(cn, off.commodity, where))
            slot = int(slots_of(st, [pair], kind="out")[0])
            if slot < 0:
                raise OptionError(f"{where}: {off.supplier} makes no {off.commodity}")
            share = np.zeros(n_s)
            share[s] = off.share
            o_slot.append(slot)
            o_partner.append(_country(cn, off.partner, where))
            o_share.append(share)
            o_start.append(int(off.start_month))

    pile = np.repeat(cn.stockpile[:, :, None], n_s, axis=2).astype(float)
    thr = np.repeat(cn.release_threshold[:, :, None], n_s, axis=2).astype(float)
    rate = np.repeat(cn.release_rate[:, :, None], n_s, axis=2).astype(float)
    pile_add: list[tuple[float, float, float, float]] = []
    for s, lev in enumerate(levers):
        for j, pil in enumerate(lev.stockpiles):
            where = f"stockpiles[{j}]"
            kk = _country(cn, pil.country, where)
            cc = _commodity(cn, pil.commodity, where)
            if pil.tonnes < 0:
                raise OptionError(f"{where}: tonnes must be ≥ 0")
            if pil.start_month > 0:  # the dataset's holding until then, the rest added then
                added = max(pil.tonnes - float(cn.stockpile[kk, cc]), 0.0)
                if pil.start_month < months and added > 0:
                    pile_add.append((int(pil.start_month), kk * n_c + cc, s, added))
            else:
                pile[kk, cc, s] = pil.tonnes
            if pil.release_threshold is not None:
                thr[kk, cc, s] = pil.release_threshold
            elif cn.release_rate[kk, cc] <= 0:
                thr[kk, cc, s] = NEW_STOCKPILE_THRESHOLD
            if pil.release_tonnes_per_month is not None:
                rate[kk, cc, s] = pil.release_tonnes_per_month
            elif cn.release_rate[kk, cc] <= 0:
                rate[kk, cc, s] = pil.tonnes / NEW_STOCKPILE_RELEASE_MONTHS

    lead: np.ndarray | None = None
    lead_later: list[tuple[int, int, int, int, float]] = []
    for s, lev in enumerate(levers):
        if lev.lead_time_matrix is not None or lev.lead_times:
            if lead is None:
                lead = np.full((k, k, n_s), np.inf)
        if lev.lead_time_matrix is not None:
            assert lead is not None
            matrix = np.asarray(lev.lead_time_matrix, dtype=float)
            if matrix.shape != (k, k):
                raise OptionError(f"lead_time_matrix: needs shape ({k}, {k}) in compiled country order")
            lead[:, :, s] = np.fmin(lead[:, :, s], np.where(np.isnan(matrix), np.inf, matrix))
        for j, lt in enumerate(lev.lead_times):
            where = f"lead_times[{j}]"
            assert lead is not None
            a, b = _country(cn, lt.exporter, where), _country(cn, lt.importer, where)
            if lt.months < 0:
                raise OptionError(f"{where}: months must be ≥ 0")
            if lt.start_month > 0:  # applies from its start month (the engine updates it)
                lead_later.append((int(lt.start_month), a, b, s, float(lt.months)))
                continue
            lead[a, b, s] = min(lead[a, b, s], lt.months)

    input_slots, input_factor = _input_factors(st, levers, months)

    return LeverArrays(
        cap_slots=cap_slots,
        cap_add=cap_add,
        mult_slots=mult_slots,
        mult=mult,
        add_slots=add_slots,
        add=add,
        recycling=recycling,
        offtake_slot=np.array(o_slot, dtype=np.int64),
        offtake_partner=np.array(o_partner, dtype=np.int64),
        offtake_share=np.array(o_share).reshape(len(o_share), n_s),
        stockpile=pile,
        release_threshold=thr,
        release_rate=rate,
        lead_override=lead,
        offtake_start=np.array(o_start, dtype=np.int64),
        pile_add=np.array(pile_add, dtype=float).reshape(len(pile_add), 4),
        lead_later=np.array(lead_later, dtype=float).reshape(len(lead_later), 5),
        input_slots=input_slots,
        input_factor=input_factor,
    )


def input_factor_key(levers: Levers, months: int) -> tuple[tuple[str, str, bytes], ...]:
    """What identifies a Levers' input factors: scenarios batch together only when equal."""
    return tuple(sorted(
        (f.node, f.commodity, _series(f.factor, months, f"input_factors[{j}]").tobytes())
        for j, f in enumerate(levers.input_factors)))


def _input_factors(st: Any, levers: Sequence[Levers], months: int) -> tuple[np.ndarray, np.ndarray]:
    """In-slots and per-month factors (T, n) of the batch's input factors (equal in every
    scenario, else EngineError)."""
    from rareearth.engine.run import EngineError
    from rareearth.engine.structure import slots_of

    if not any(lev.input_factors for lev in levers):
        return np.zeros(0, np.int64), np.zeros((months, 0))
    first = input_factor_key(levers[0], months)
    if any(input_factor_key(lev, months) != first for lev in levers[1:]):
        raise EngineError(
            "input_factors: every scenario of a batch must have the same input factors (the "
            "Leontief coefficients are shared by the batch); run them in separate batches")
    cn = st.compiled
    factors: dict[int, np.ndarray] = {}
    for j, f in enumerate(levers[0].input_factors):
        where = f"input_factors[{j}]"
        pair = (_node(cn, f.node, where), _commodity(cn, f.commodity, where))
        slot = int(slots_of(st, [pair], kind="in")[0])
        if slot < 0 or st.in_stage[slot] == st.end_use or st.in_owner[slot] < 0:
            raise OptionError(f"{where}: {f.node} makes nothing from {f.commodity}")
        series = _series(f.factor, months, where)
        if (series < 0).any():
            raise OptionError(f"{where}: factor must be ≥ 0")
        factors[slot] = factors.get(slot, np.ones(months)) * series
    slots = np.array(sorted(factors), dtype=np.int64)
    return slots, np.stack([factors[int(x)] for x in slots], axis=1)
