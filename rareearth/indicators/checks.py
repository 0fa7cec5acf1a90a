"""Checks of the country, material and stage an indicator is asked about.

Each raises :class:`~rareearth.errors.UnknownNameError` naming what exists, so that a typo
says how to fix it.
"""

from __future__ import annotations

from rareearth.errors import UnknownNameError
from rareearth.indicators.tracing import _STAGE_INDEX
from rareearth.network import SupplyNetwork

__all__ = ["ORIGIN_STAGES"]

#: Stages a tonne can be traced back to.
ORIGIN_STAGES: tuple[str, ...] = ("mining", "separation", "metal", "magnet")


def _check_country(net: SupplyNetwork, country: str) -> int:
    codes = net.country_codes
    if country not in codes:
        raise UnknownNameError(
            f"unknown country {country!r}: network {net.name!r} has {', '.join(codes)}"
        )
    return codes.index(country)


def _check_material(net: SupplyNetwork, material: str) -> None:
    if material not in net.material_ids:
        raise UnknownNameError(
            f"unknown material {material!r}: network {net.name!r} has {', '.join(net.material_ids)}"
        )


def _check_stage(stage: str, allowed: tuple[str, ...]) -> int:
    if stage not in allowed:
        raise UnknownNameError(f"unknown stage {stage!r}: use one of {', '.join(allowed)}")
    return _STAGE_INDEX[stage]


def _check_query(
    net: SupplyNetwork, country: str, material: str, stage: str = "mining"
) -> tuple[int, int]:
    """Check a country, a material and an origin stage, in that order.

    Returns the country's index in ``net.country_codes`` and the stage's in ``STAGES``.
    """
    k = _check_country(net, country)
    _check_material(net, material)
    return k, _check_stage(stage, ORIGIN_STAGES)
