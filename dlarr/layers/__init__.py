"""MATLAB's layer objects, one module per family.

Imports from ``dlarr.core`` and ``dlarr.functions``.
"""
from .base import *  # noqa: F401,F403  (temporary until the split)
from .base import _OUTPUT_LAYERS, _show, layer_table  # noqa: F401
