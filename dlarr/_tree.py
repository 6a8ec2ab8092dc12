"""Nested containers of DLArrays (dicts, lists, tuples), as MATLAB's structs and cells.

``dlfeval`` traces the DLArrays in its arguments, ``dlgradient`` returns
gradients in the structure of its ``x`` arguments, and the optimizers keep the
structure of their parameters: all through these two functions.  An object can
join in by defining ``_dlarr_tree_map_(fn)`` returning a copy with ``fn``
applied to each of its DLArrays.
"""
from __future__ import annotations

from ._dlarray import DLArray


def tree_map(fn, tree, *rest):
    """Apply ``fn`` to each DLArray leaf (with the matching leaves of ``rest``)."""
    if isinstance(tree, DLArray):
        return fn(tree, *rest)
    if isinstance(tree, dict):
        return type(tree)((k, tree_map(fn, v, *[r[k] for r in rest])) for k, v in tree.items())
    if isinstance(tree, (list, tuple)):
        items = [tree_map(fn, v, *[r[i] for r in rest]) for i, v in enumerate(tree)]
        if isinstance(tree, tuple) and hasattr(tree, "_fields"):
            return type(tree)(*items)
        return type(tree)(items)
    mapper = getattr(tree, "_dlarr_tree_map_", None)
    if mapper is not None and not isinstance(tree, type):
        return mapper(fn, *rest)
    return tree


def tree_leaves(tree, path="x"):
    """``(path, leaf)`` pairs for every leaf that is not a container (DLArrays and others)."""
    if isinstance(tree, dict):
        for k, v in tree.items():
            yield from tree_leaves(v, f"{path}[{k!r}]")
    elif isinstance(tree, (list, tuple)):
        for i, v in enumerate(tree):
            yield from tree_leaves(v, f"{path}[{i}]")
    else:
        leaves = getattr(tree, "_dlarr_tree_leaves_", None)
        if leaves is not None and not isinstance(tree, type):
            yield from leaves(path)
        else:
            yield path, tree
