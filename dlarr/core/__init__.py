"""dlarr's core wing: the DLArray and everything every other wing builds on.

DLArray (``dlarray``), the dimension-label rules (``formats``), backend dispatch
(``backend``), the tape and the primitive registry (``tape``, ``registry``),
dlfeval/dlgradient (``autodiff``), nested containers (``tree``), the operations on
dlarray (``ops``), creation and inspection (``create``), host/GPU moves
(``device``) and the option vocabulary with its matcher (``options``).

The core imports from no other wing.
"""
