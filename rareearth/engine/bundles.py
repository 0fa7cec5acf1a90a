"""Named bundles of arrays that the compiled kernels take as one argument.

A kernel's inputs come in groups that always travel together: the three arrays of a sparse
matrix, the month's list of restriction cuts, a stage's recipes. Each group is a plain tuple
whose fields are declared here (a type alias and its field order), so that no kernel takes more
than about ten arguments and none takes a "placeholder array when the flag is off" pair: an
optional input is ``None`` (numba compiles the ``is None`` branch away) or a bundle with its own
``on`` flag. Plain tuples, not ``NamedTuple``: numba dispatches a plain tuple of arrays from
its C fast path, a named tuple through Python typing (measured: about 3 µs more per call, some
hundred calls a month). Kernels unpack them by position.

Examples
--------
>>> import numpy as np
>>> import scipy.sparse as sp
>>> m = csr(sp.csr_matrix(np.array([[1.0, 0.0], [0.0, 2.0]])))
>>> indptr, indices, data = m
>>> indptr.tolist(), data.tolist()
([0, 1, 2], [1.0, 2.0])
>>> NO_CUTS[0]  # on: no restriction this month
False
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

__all__ = ["CSR", "NO_CUTS", "Cuts", "Leontief", "csr"]


#: The CSR arrays of a sparse matrix: ``indptr``, ``indices`` (int64), ``data`` (float64).
#: Fields: ``(indptr, indices, data)``.
CSR = tuple[np.ndarray, np.ndarray, np.ndarray]


def csr(m: sp.spmatrix | sp.sparray) -> CSR:
    """The :class:`CSR` arrays of a scipy CSR matrix (indices as int64, data as float64)."""
    m = sp.csr_matrix(m)
    return (m.indptr.astype(np.int64), m.indices.astype(np.int64), m.data.astype(np.float64))


#: This month's restriction and quota cuts (``Engine.cuts``, ``kernels.active_entries``).
#: ``on``: any restriction this month; entries of restricted edge row ``r`` are ``ptr[r]:ptr[r +
#: 1]`` of ``scenario``, ``keep`` and ``allow`` (inf without a quota); ``has_allow``: any quota
#: this month.  Fields: ``(on, ptr, scenario, keep, allow, has_allow)``.
Cuts = tuple[bool, np.ndarray, np.ndarray, np.ndarray, np.ndarray, bool]


#: No cut this month.
NO_CUTS = (False, np.zeros(1, np.int64), np.zeros(0, np.int64), np.zeros(0), np.zeros(0), False)


#: A stage's recipes: ``coef`` (its in-slots' coefficients), ``inputs`` (out-slot → its input
#: in-slots, padded with a sentinel outside the range) and ``i0`` (first in-slot). Fields:
#: ``(coef, inputs, i0)``.
Leontief = tuple[np.ndarray, np.ndarray, int]
