"""The allocator contract: what steps 3–4 of the month may read, write and call.

An *allocation mode* (``allocation="proportional"``, ``"optimal"``, or one registered with
:func:`rareearth.engine.register_allocation`) is an :class:`Allocator`. The engine calls it with
a :class:`MonthContext` — the only view of the run it gets: the structure, levers and events of
the batch, the run's :class:`~rareearth.engine.state.RunState` and the month's
:class:`~rareearth.engine.state.MonthFlows`, and the engine's services (what an edge may ship,
spare capacity, booking rerouted sales, recording rerouted flows). An allocator that uses only
this protocol works with any engine that implements it; ``mypy`` checks that it does.

Examples
--------
>>> from rareearth.engine.proportional import ProportionalAllocator
>>> isinstance(ProportionalAllocator(), Allocator)
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    import scipy.sparse as sp

    from rareearth.engine.bundles import Cuts
    from rareearth.engine.events import MonthEvents
    from rareearth.engine.kernels_flow import Sold, StockDraw, TakeSlots
    from rareearth.engine.kernels_pass import RoomSource
    from rareearth.engine.levers import LeverArrays
    from rareearth.engine.state import MonthFlows, Rerouted, RunState
    from rareearth.engine.structure import Group, Structure
    from rareearth.engine.transit import Transit

__all__ = ["Allocator", "MonthContext"]


class MonthContext(Protocol):
    """What an allocator sees of the run (implemented by :class:`~rareearth.engine.core.Engine`).

    Reads: ``st``, ``levers``, ``t``, ``ev``, ``n_scenarios``, the arrays of ``state`` and
    ``flows``; ``track[key]`` says whether ``rerouted_in``, ``rerouted_out``, ``released`` and
    ``shipped`` must be kept up to date this run; ``explicit[stage]`` whether the stage's
    edge flows are formed; ``records_flows`` whether rerouted flows are recorded.

    Writes (in ``allocate``, after the stage's production): the stage's ``edge_flow`` rows, its
    out-slots' ``shipped``/``left``/``rerouted_out``/``extra_next``/``asked``, and its buyers'
    ``received``/``rerouted_in``; in ``reroute``, buyers' ``received`` from suppliers' ``left``
    and ramp room, booked with :meth:`take`. An allocator that replaces the engine's
    production or stockpile release (the optimal LP) may also write ``prod``, ``used``,
    ``state.inv_in``, ``state.pile``, ``rate_left`` and ``released`` and must then call
    :meth:`shortfall`.
    """

    @property
    def st(self) -> Structure: ...
    @property
    def levers(self) -> LeverArrays: ...
    @property
    def t(self) -> int: ...
    @property
    def ev(self) -> MonthEvents: ...
    @property
    def n_scenarios(self) -> int: ...
    @property
    def state(self) -> RunState: ...
    @property
    def flows(self) -> MonthFlows: ...
    @property
    def track(self) -> Mapping[str, bool]: ...
    @property
    def explicit(self) -> Sequence[bool]: ...
    @property
    def records_flows(self) -> bool: ...
    @property
    def has_pile(self) -> bool: ...
    @property
    def use(self) -> Sequence[sp.csr_matrix]: ...
    @property
    def blocked_version(self) -> int: ...
    @property
    def keep_now(self) -> np.ndarray | None:
        """Share of each restricted edge's order that may ship this month (R, S), or None."""
        ...
    @property
    def transit(self) -> Transit | None:
        """Cross-border deliveries under way (``None`` without a transit lead): a reroute that
        crosses a border goes through its ``reroute``, against its ``basis``."""
        ...

    def scratch(self, name: str, rows: int, dtype: npt.DTypeLike = np.float64) -> np.ndarray:
        """A reusable (rows, S) work array (contents undefined; one name, one use at a time)."""
        ...

    def cuts(self) -> Cuts:
        """This month's restriction and quota cuts (:class:`~rareearth.engine.bundles.Cuts`)."""
        ...

    def stage_cuts(self, stage: int) -> tuple[Cuts, np.ndarray]:
        """The cuts that apply to ``stage``'s edges, and each ``fill_to_in`` entry's row."""
        ...

    def restricted_rows(self, stage: int) -> tuple[int, int, np.ndarray] | None:
        """Rows (r0, r1) of the stage's restricted edges in ``keep_now``, and those edges."""
        ...

    def shippable(self, stage: int) -> np.ndarray:
        """Most each edge of ``stage`` may carry this month, (E_stage, S)."""
        ...

    def room(self, stage: int) -> np.ndarray:
        """Extra output the stage's out-slots can still make this month if asked."""
        ...

    def spare(self, stage: int, prow: np.ndarray, pools: np.ndarray) -> None:
        """What the stage's pools can sell to rerouted buyers now, into ``pools``."""
        ...

    def take(self, stage: int, prow: np.ndarray, ratio: np.ndarray, pool_asked: np.ndarray,
             sales: np.ndarray | None = None) -> None:
        """Book rerouted sales ``spare × ratio[prow]`` of a stage."""
        ...

    def take_slots(self, stage: int) -> tuple[TakeSlots, StockDraw | None, Sold | None]:
        """What :meth:`take` books a stage's rerouted sales on (for a kernel that books them):
        its out-slots' arrays, the input stock ramped output draws on, the tracked sales."""
        ...

    def room_source(self, stage: int) -> RoomSource:
        """The stage's capacity, ramp and "room computed" flag (a kernel computes
        :meth:`room` from them when needed)."""
        ...

    def input_limit(self, stage: int, avail: np.ndarray,
                    out: np.ndarray | None = None) -> np.ndarray:
        """Most each out-slot of ``stage`` can make from ``avail`` of its in-slots."""
        ...

    def shortfall(self, i0: int, i1: int) -> None:
        """Recompute the shortfall of in-slots ``i0:i1`` (the engine's rounding)."""
        ...

    def group_lead(self, g: Group) -> tuple[np.ndarray, np.ndarray | None]:
        """Lead times (S, Ks, Kb) of a group's country pairs (0 → 1), and where they were 0."""
        ...

    def group_blocked(self, g: Group) -> np.ndarray | None:
        """This month's closed pairs of a group, (Cg, S, Ks, Kb) bool, or None."""
        ...

    def record_rerouted(self, entry: Rerouted) -> None:
        """Record rerouted deliveries (call only when :attr:`records_flows`)."""
        ...


@runtime_checkable
class Allocator(Protocol):
    """Steps 3–4 of the month: ship a stage's output, and reroute for a stage's buyers.

    ``start(ctx)`` is called when a run (one batch) begins: per-run state is reset there.
    ``allocate(ctx, stage)`` runs right after the stage's production: it must move what the
    stage's out-slots have (``flows.prod`` + ``state.inv_out``) to buyers' in-slots
    (``flows.received``), writing ``flows.edge_flow`` for the stage's edges when
    ``ctx.explicit[stage]`` and leaving what is unsold in ``flows.left``. ``reroute(ctx,
    stage)`` runs before the stage's production: it may add to ``flows.received`` of the
    stage's in-slots from suppliers' ``flows.left`` and ramp room (:meth:`MonthContext.room`),
    and must book what it takes with :meth:`MonthContext.take`. ``tracks_everything``: the
    allocator may write any bookkeeping array (``rerouted_in``, ``released``, ...), so the
    engine keeps them all up to date.
    """

    tracks_everything: bool

    def start(self, ctx: MonthContext) -> None: ...

    def allocate(self, ctx: MonthContext, stage: int) -> None: ...

    def reroute(self, ctx: MonthContext, stage: int) -> None: ...
