"""Engine parameters per scenario of a batch: dataset values, overridden per scenario."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from rareearth.data import PARAMETER_BOUNDS
from rareearth.errors import ParameterError
from rareearth.limits import MAX_FACTOR

__all__ = ["OVERRIDABLE", "BatchParameters", "batch_parameters"]

#: Names a ``parameters`` override may set; ``elasticity_scale`` multiplies every price
#: elasticity (Monte Carlo draws it), the others replace the dataset's value.
OVERRIDABLE: tuple[str, ...] = (
    "lead_time_months",
    "ramp_rate_per_month",
    "price_cap",
    "price_adjustment_per_month",
    "recycling_rate",
    "substitution_max_per_year",
    "elasticity_scale",
    "transit_months",
    "held_order_cancellation",
)


#: Bounds of overrides that differ from the dataset's (PARAMETER_BOUNDS).
_OVERRIDE_BOUNDS: dict[str, tuple[float, float]] = {
    "price_cap": (1.0, 1e9),
    "lead_time_months": (0.0, math.inf),
}


@dataclass(frozen=True, eq=False)
class BatchParameters:
    """One value per scenario (shape (S,)) of every engine parameter."""

    lead_time_months: np.ndarray
    ramp_rate_per_month: np.ndarray
    price_cap: np.ndarray
    price_adjustment_per_month: np.ndarray
    recycling_rate: np.ndarray
    substitution_max_per_year: np.ndarray
    elasticity_scale: np.ndarray
    transit_months: np.ndarray
    held_order_cancellation: np.ndarray
    dataset_recycling_rate: float

    def row(self, s: int) -> dict[str, float]:
        """Parameters of scenario ``s`` as a plain dict (for provenance)."""
        return {name: float(getattr(self, name)[s]) for name in OVERRIDABLE}


def batch_parameters(
    dataset: Mapping[str, float],
    overrides: Mapping[str, float] | Sequence[Mapping[str, float] | None] | None,
    n_scenarios: int,
) -> BatchParameters:
    """Per-scenario parameters: dataset values with ``overrides`` (one dict, or one per scenario).

    Raises
    ------
    ParameterError
        An unknown name, a list of the wrong length, or a negative value.
    """
    if overrides is None or isinstance(overrides, Mapping):
        rows: list[Mapping[str, float]] = [overrides or {}] * n_scenarios
    else:
        rows = [o or {} for o in overrides]
        if len(rows) != n_scenarios:
            raise ParameterError(
                f"parameters: got {len(rows)} override dicts for {n_scenarios} scenarios; "
                "give one dict for all, or one per scenario"
            )
    ones = ("elasticity_scale", "held_order_cancellation", "price_adjustment_per_month")
    base = {name: float(dataset.get(name, 1.0 if name in ones else 0.0)) for name in OVERRIDABLE}
    base["elasticity_scale"] = 1.0
    values = {name: np.full(n_scenarios, base[name]) for name in OVERRIDABLE}
    for s, row in enumerate(rows):
        for name, value in row.items():
            if name not in OVERRIDABLE:
                raise ParameterError(
                    f"parameters[{s}]: unknown parameter {name!r}; allowed: {', '.join(OVERRIDABLE)}"
                )
            try:
                value = float(value)
            except (TypeError, ValueError):
                raise ParameterError(
                    f"parameters[{s}].{name}: must be a number (got {value!r})"
                ) from None
            if not np.isfinite(value) or value < 0:
                raise ParameterError(f"parameters[{s}].{name}: must be a finite number ≥ 0 (got {value})")
            # rates as the dataset bounds them; a cap up to 1e9 (tests run "uncapped" at 1e6);
            # a long lead time only slows new links
            low, high = _OVERRIDE_BOUNDS.get(name) or PARAMETER_BOUNDS.get(name, (0.0, MAX_FACTOR))
            if not low <= value <= high:
                raise ParameterError(
                    f"parameters[{s}].{name}: must lie within [{low:g}, {high:g}] (got {value:g})"
                )
            values[name][s] = value
    if (values["elasticity_scale"] <= 0).any():
        raise ParameterError("parameters: elasticity_scale must be > 0")
    return BatchParameters(**values, dataset_recycling_rate=float(dataset.get("recycling_rate", 0.0)))
