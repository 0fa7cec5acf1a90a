"""Named bundles of arrays that the compiled kernels take as one argument.

A kernel's inputs come in groups that always travel together: the three arrays of a sparse
matrix, the month's list of restriction cuts, the arrays of one rerouting group. Each group is a
``NamedTuple`` here (numba compiles a named tuple of arrays into a struct and reads its fields
with no cost), so that no kernel takes more than about ten arguments and none takes a
"placeholder array when the flag is off" pair: an optional input is ``None`` (numba compiles
the ``is None`` branch away) or a bundle with its own ``on`` flag.

Examples
--------
>>> import numpy as np
>>> import scipy.sparse as sp
>>> m = csr(sp.csr_matrix(np.array([[1.0, 0.0], [0.0, 2.0]])))
>>> m.indptr.tolist(), m.data.tolist()
([0, 1, 2], [1.0, 2.0])
>>> NO_CUTS.on
False
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

__all__ = ["CSR", "NO_CUTS", "Cuts", "Leontief", "csr"]


class CSR(NamedTuple):
    """The CSR arrays of a sparse matrix: ``indptr``, ``indices`` (int64), ``data`` (float64)."""

    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray


def csr(m: sp.spmatrix | sp.sparray) -> CSR:
    """The :class:`CSR` arrays of a scipy CSR matrix (indices as int64, data as float64)."""
    m = sp.csr_matrix(m)
    return CSR(m.indptr.astype(np.int64), m.indices.astype(np.int64), m.data.astype(np.float64))


class Cuts(NamedTuple):
    """This month's restriction and quota cuts (``Engine.cuts``, ``kernels.active_entries``).

    ``on``: any restriction this month; entries of restricted edge row ``r`` are
    ``ptr[r]:ptr[r + 1]`` of ``scenario``, ``keep`` and ``allow`` (inf without a quota);
    ``has_allow``: any quota this month.
    """

    on: bool
    ptr: np.ndarray
    scenario: np.ndarray
    keep: np.ndarray
    allow: np.ndarray
    has_allow: bool


#: No cut this month.
NO_CUTS = Cuts(False, np.zeros(1, np.int64), np.zeros(0, np.int64), np.zeros(0), np.zeros(0), False)


class Leontief(NamedTuple):
    """A stage's recipes: ``coef`` (its in-slots' coefficients), ``inputs`` (out-slot → its
    input in-slots, padded with a sentinel outside the range) and ``i0`` (first in-slot)."""

    coef: np.ndarray
    inputs: np.ndarray
    i0: int
