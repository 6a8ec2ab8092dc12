"""Persistence and interop: MATLAB ``.mat`` files (save/load), ONNX export and import.

``matfile`` reads and writes MATLAB's files (v7 through scipy.io, v7.3 through h5py)
as plain values; ``persist`` turns dlarr's objects into plain MATLAB structs and back
(``save``, ``load``); ``onnx_export`` and ``onnx_import`` translate networks to and
from ONNX.  The optional libraries (scipy, h5py: the ``mat`` extra; onnx, onnxruntime:
the ``onnx`` extra) are imported only when a function needs them.

Imports from ``dlarr.core``, ``functions``, ``layers`` and ``networks``; ``training``
sits above and registers how its objects are stored (``persist.register_class``).
"""
