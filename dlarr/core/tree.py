"""Nested containers of DLArrays (dicts, lists, tuples), as MATLAB's structs and cells.

One walker serves every place that maps over parameters: ``dlfeval`` traces
the DLArrays in its arguments, ``dlgradient`` returns gradients in the
structure of its ``x`` arguments, and the optimizers keep the structure of
their parameters (checking that gradients and states match it, with errors
that give the path).  An object joins in by defining
``_dlarr_tree_map_(fn, *rest)`` (a copy with ``fn`` applied to each of its
DLArrays, zipped with the matching values of ``rest``) and
``_dlarr_tree_leaves_(path)``.
"""
from __future__ import annotations

from .backend import is_array
from .dlarray import DLArray


def is_array_leaf(x) -> bool:
    return isinstance(x, DLArray) or is_array(x)


def _kind(x) -> str:
    if isinstance(x, DLArray):
        return "a dlarray"
    if is_array(x):
        return "an array"
    if isinstance(x, dict):
        return f"a dict with keys {list(x)}"
    if isinstance(x, (list, tuple)):
        return f"a {type(x).__name__} of length {len(x)}"
    return f"a {type(x).__name__}"


class TreeMismatch(TypeError):
    """Raised by an object's ``_dlarr_tree_map_`` when argument ``index`` of ``rest`` does
    not match it; :func:`walk` adds the function, the argument's name and the path."""

    def __init__(self, index, text, kind=TypeError):
        super().__init__(text)
        self.index, self.text, self.kind = index, text, kind


def walk(fn, tree, rest, names, where, path="", tname="params", check_leaves=True,
         strict=True):
    """Apply ``fn(path, leaf, *rest_leaves)`` at every leaf of ``tree``.

    Leaves are DLArrays and NumPy/CuPy arrays; dicts, lists and tuples
    (namedtuples too) are walked, their structure kept; an object with
    ``_dlarr_tree_map_`` maps itself (``rest`` passed on as they are).  Each of
    ``rest`` must have ``tree``'s structure; ``names`` name them in errors,
    ``tname`` names ``tree``, and ``path`` is the index path (``"['w'][0]"``).
    """
    if is_array_leaf(tree):
        if check_leaves:
            for r, name in zip(rest, names):
                if not is_array_leaf(r):
                    raise TypeError(f"{where}: {name}{path} must be a dlarray or an array to "
                                    f"match {tname}{path}, not {_kind(r)}")
        return fn(path, tree, *rest)
    if isinstance(tree, dict):
        for r, name in zip(rest, names):
            if not isinstance(r, dict) or set(r) != set(tree):
                raise ValueError(f"{where}: {name}{path} must have the structure of "
                                 f"{tname}{path} ({_kind(tree)}), not {_kind(r)}")
        return type(tree)((k, walk(fn, v, [r[k] for r in rest], names, where,
                                    f"{path}[{k!r}]", tname, check_leaves, strict))
                          for k, v in tree.items())
    if isinstance(tree, (list, tuple)):
        for r, name in zip(rest, names):
            if not isinstance(r, (list, tuple)) or len(r) != len(tree):
                raise ValueError(f"{where}: {name}{path} must have the structure of "
                                 f"{tname}{path} ({_kind(tree)}), not {_kind(r)}")
        items = [walk(fn, v, [r[i] for r in rest], names, where, f"{path}[{i}]", tname,
                      check_leaves, strict)
                 for i, v in enumerate(tree)]
        if isinstance(tree, tuple) and hasattr(tree, "_fields"):
            return type(tree)(*items)
        return type(tree)(items)
    mapper = getattr(tree, "_dlarr_tree_map_", None)
    if mapper is not None and not isinstance(tree, type):
        try:
            return mapper(lambda leaf, *r: fn(path, leaf, *r), *rest)
        except TreeMismatch as e:
            raise e.kind(f"{where}: {names[e.index]}{path} {e.text}") from None
    if not strict:
        return fn(path, tree, *rest)
    raise TypeError(f"{where}: {tname}{path} must be a dlarray, an array, or a dict/list/tuple "
                    f"of them, not {_kind(tree)}")


def walk_n(fn, nout, tree, rest, names, where, tname="params", check_leaves=True):
    """``walk`` for a leaf function returning a tuple of ``nout`` values: ``nout``
    structures (``nout=None``: as many as the leaf function returns).

    The first pass records every leaf's outputs in visiting order; further
    passes rebuild the structure for outputs 2..nout from the record, so this
    works for objects mapped by their own ``_dlarr_tree_map_`` as well.
    """
    record = []

    def first(path, *leaves):
        outs = fn(path, *leaves)
        record.append(outs)
        return outs[0]

    results = [walk(first, tree, rest, names, where, "", tname, check_leaves)]
    if nout is None:
        nout = len(record[0]) if record else 1
    for k in range(1, nout):
        it = iter(record)
        results.append(walk(lambda path, leaf, k=k: next(it)[k], tree, [], [], where, "", tname))
    return tuple(results)


def tree_map(fn, tree, *rest):
    """Apply ``fn`` to each DLArray leaf (with the matching leaves of ``rest``);
    anything that is neither a container nor a DLArray is kept as it is."""
    if not rest:      # dlfeval's and dlgradient's case, on every call: the short walk
        if isinstance(tree, DLArray):
            return fn(tree)
        if isinstance(tree, (list, tuple)) and not hasattr(tree, "_fields"):
            return type(tree)(tree_map(fn, v) for v in tree)
        if not isinstance(tree, (dict, tuple)) and not hasattr(tree, "_dlarr_tree_map_"):
            return tree
    return walk(lambda path, leaf, *r: fn(leaf, *r) if isinstance(leaf, DLArray) else leaf,
                tree, list(rest), [f"argument {i + 2}" for i in range(len(rest))], "tree_map",
                tname="tree", check_leaves=False, strict=False)


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
