"""dlarr's core wing: the DLArray and everything every other wing builds on.

DLArray (``dlarray``), the dimension-label rules (``formats``), backend dispatch
(``backend``), the tape and the primitive registry (``tape``, ``registry``),
dlfeval/dlgradient with ``unbroadcast`` (``autodiff``), nested containers
(``tree``), the operations on dlarray by concern (``structural`` primitives,
``operands`` preparation, ``elementwise``, ``linalg``, ``reduction``, ``shape``;
``ops`` gathers their public functions), DLArray's operators (``operators``,
installed here), creation and inspection (``create``), host/GPU moves
(``device``) and the option vocabulary with its matcher (``options``).

The core imports from no other wing.
"""
from . import operators  # noqa: F401  (installs X + Y, X[key], ... on DLArray)
