"""dlarr's extension API: what a new operation, layer, solver or GPU kernel needs.

    import dlarr.extend as dx

* a new operation with its derivative: :func:`primitive` (a forward on raw NumPy/CuPy
  arrays registered with its vjp), :func:`bind` (run it on dlarrays and record it for
  dlgradient), :func:`array_namespace` (numpy or cupy for the arrays at hand),
  :func:`as_dlarray` (an operand as a floating dlarray, MATLAB's type rules) and
  :func:`labelled` (the one reader of a ``DataFormat`` option);
* a new layer: :class:`Layer` (its docstring lists the hooks a network calls) and the
  initializer table :data:`INITIALIZERS`;
* a new solver: :func:`register_solver`, :func:`unregister_solver`, and :func:`in_range`
  (a validator for a solver's numeric options);
* option strings: :func:`choose`, MATLAB's validatestring, and the vocabulary module
  :mod:`dlarr.core.options` where dlarr's own option sets are written;
* a new CUDA kernel: :mod:`dlarr.kernels.loader` (``kernel_source``, ``get_function``,
  ``name_expression``, ``ctype``).

``docs/extending.md`` has one worked example of each (run by the tests).
"""
from .core.backend import array_namespace, is_cupy_array
from .core.create import labelled
from .core.operands import _as_float as as_dlarray
from .core.options import choose
from .core.registry import bind, primitive
from .functions.initializers import INITIALIZERS
from .kernels import loader
from .layers.base import Layer
from .training.properties import in_range
from .training.solvers import register_solver, unregister_solver

__all__ = ["primitive", "bind", "array_namespace", "is_cupy_array", "as_dlarray", "labelled",
           "choose", "Layer", "INITIALIZERS", "register_solver", "unregister_solver", "in_range",
           "loader"]
