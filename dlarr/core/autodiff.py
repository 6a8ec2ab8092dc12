"""dlfeval and dlgradient: MATLAB's automatic differentiation workflow.

``dlfeval(fun, *args)`` opens a tape, traces every DLArray in ``args`` (also
inside dicts, lists and tuples), runs ``fun`` and returns its outputs
untraced.  Inside, ``dlgradient(y, x1, ...)`` runs the reverse pass: an
iterative sweep over the recorded nodes in reverse creation order (no
recursion, so a chain of any length works), calling each primitive's vjp
from the registry and undoing broadcasting with :func:`unbroadcast`.
"""
from __future__ import annotations

import numbers

import numpy as np

from .arguments import name_value_pairs
from .backend import array_namespace
from .dlarray import DLArray
from .elementwise import _add
from .formats import describe
from .reduction import _sum
from .registry import bind, primitive
from .structural import _reshape
from .tape import Node, close_tape, innermost_tape, open_tape, paused, resumed
from .tree import tree_leaves, tree_map


def unbroadcast(g: DLArray, shape) -> DLArray:
    """Sum ``g`` down to ``shape``, undoing broadcasting: the one helper for it."""
    shape = tuple(shape)
    gs = g._data.shape
    if gs == shape:
        return g
    lead = len(gs) - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape)
                                      if n == 1 and gs[lead + i] != 1)
    if axes:
        g = bind(_sum, [g], "", axes=axes)
    if g._data.shape != shape:
        g = bind(_reshape, [g], "", shape=shape)
    return g


def _trace(tape):
    def fn(x):
        if x._data.dtype.kind != "f":
            return x
        return DLArray._new(x._data, x._fmt, Node(tape, x._data.shape))
    return fn


def _untrace(x):
    return DLArray._new(x._data, x._fmt, None)


def dlfeval(fun, *args, **kwargs):
    """Evaluate a function with automatic differentiation, MATLAB's ``dlfeval``.

    Syntax::

        out = dl.dlfeval(fun, X1, ..., Xn)
        y1, ..., yk = dl.dlfeval(fun, X1, ..., Xn)

    Input arguments:
        fun: a callable (MATLAB's function handle), called as ``fun(X1, ..., Xn)``.
        X1, ..., Xn: its arguments, and any keyword arguments, passed on.  Every
            floating-point dlarray among them, also inside dicts, lists and tuples,
            a dlnetwork or a Learnables table, is traced, so that :func:`dlgradient`
            inside ``fun`` can differentiate with respect to it; other values are
            passed as they are.

    Output arguments:
        What ``fun`` returns (a tuple for several outputs, which unpacks as MATLAB's
        ``[y1, ..., yk]``), with every dlarray in it untraced.  The trace is closed
        when ``fun`` returns (or raises).

    Differences from MATLAB: there is no nargout: the outputs are those ``fun``
    returns.  Calls may nest (a dlfeval inside ``fun`` records its own trace).

    Example::

        def f(x):
            y = dl.sum(x ** 2, "all")
            return y, dl.dlgradient(y, x)

        x = dl.dlarray(np.array([1.0, 2.0, 3.0]))
        y, g = dl.dlfeval(f, x)            # y is 14, g is 2*x
    """
    if not callable(fun):
        raise TypeError(f"dlfeval: fun must be callable, not {type(fun).__name__}")
    tape = open_tape()
    try:
        trace = _trace(tape)
        out = fun(*tree_map(trace, args), **tree_map(trace, kwargs))
        return tree_map(_untrace, out)
    finally:
        close_tape(tape)


# The marker for "no second derivative": a gradient computed by a primitive with
# higher=False is recorded as one node of this primitive (the op's name in its
# kwargs), so differentiating through that gradient is an error naming the op.
def _no_second_derivative_vjp(needs, g, ans, *inputs, op):
    raise ValueError(f"dlgradient: {op} has no second derivative; "
                     "EnableHigherDerivatives cannot differentiate through its gradient")


@primitive("no_second_derivative", _no_second_derivative_vjp, higher=False)
def _no_second_derivative(*inputs, op):
    raise RuntimeError("no_second_derivative is a marker on the tape; it is never run")


def _backward(y_node, seed, targets, higher, retain):
    # Every node y depends on, found without recursion.
    seen = {y_node}
    stack = [y_node]
    while stack:
        for p in stack.pop().parents:
            if p is not None and p not in seen:
                seen.add(p)
                stack.append(p)
    order = sorted(seen, key=lambda n: n.id)
    # Only nodes that lead to a target need a gradient.
    relevant = set(targets)
    for n in order:
        if n not in relevant:
            for p in n.parents:
                if p in relevant:
                    relevant.add(n)
                    break
    # Plain gradients run with recording paused; higher ones record (except
    # through ops that have no second derivative, which pause again).
    with (resumed() if higher else paused()):
        return _sweep(order, relevant, y_node, seed, targets, higher, retain)


def _sweep(order, relevant, y_node, seed, targets, higher, retain):
    grads = {y_node: seed}
    found = {}
    for n in reversed(order):
        if n not in relevant:
            continue
        g = grads.pop(n, None)
        if n in targets:
            found[n] = g
        if g is None:
            continue
        if n.out_index is not None:
            op = n.parents[0]
            slot = grads.setdefault(op, [None] * op.nout)
            acc = slot[n.out_index]
            slot[n.out_index] = g if acc is None else bind(_add, [acc, g], "")
            continue
        prim = n.prim
        if prim is None:
            continue
        needs = tuple(p is not None and p in relevant for p in n.parents)
        if not any(needs):
            continue
        if n.released:
            raise RuntimeError(
                "dlgradient: the trace was released by an earlier call to dlgradient in this "
                "dlfeval; set RetainData=True in that call to compute more gradients from it")
        record = higher and prim.higher
        inputs = [DLArray._new(r, "", p if record else None)
                  for r, p in zip(n.raw_inputs, n.parents)]
        if n.nout > 1:
            g = tuple(g)
            ans = tuple(DLArray._new(r, "") for r in n.raw_out)
        else:
            ans = DLArray._new(n.raw_out, "", n if record else None)
        kwargs = n.kwargs
        if prim.residual:
            kwargs = dict(kwargs, residual=n.residual)
        if higher and not record:
            with paused():
                in_grads = prim.vjp(needs, g, ans, *inputs, **kwargs)
            in_grads = [_mark_no_second(gi, prim, n, g) for gi in in_grads]
        else:
            in_grads = prim.vjp(needs, g, ans, *inputs, **kwargs)
        for p, gi, need in zip(n.parents, in_grads, needs):
            if need and gi is not None:
                if gi._data.shape != p.shape:
                    gi = unbroadcast(gi, p.shape)
                acc = grads.get(p)
                grads[p] = gi if acc is None else bind(_add, [acc, gi], "")
        if not retain:
            n.release()
    return found


def _mark_no_second(gi, prim, node, g):
    if gi is None:
        return None
    gnodes = [x._node for x in (g if isinstance(g, tuple) else (g,)) if isinstance(x, DLArray)]
    tape = innermost_tape()
    marked = Node(tape, gi._data.shape, _no_second_derivative,
                  tuple(gnodes) + tuple(node.parents), (), None, {"op": prim.name})
    return DLArray._new(gi._data, "", marked)


def _logical_option(value, name) -> bool:
    """A logical name-value option: bool, or a 0/1 number (MATLAB's logical scalars)."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, numbers.Real) and value in (0, 1):
        return bool(value)
    raise TypeError(f"dlgradient: {name} must be logical (true/false, or 1/0), not {value!r}")


@name_value_pairs(1)
def dlgradient(y, *xs, RetainData=False, EnableHigherDerivatives=False):
    """Gradients for automatic differentiation, MATLAB's ``dlgradient``.

    Syntax::

        dydx = dl.dlgradient(y, x)
        dydx1, ..., dydxk = dl.dlgradient(y, x1, ..., xk)
        ... = dl.dlgradient(y, x, RetainData=True, EnableHigherDerivatives=True)

    Call it inside a function evaluated by :func:`dlfeval`.  ``y``: the traced real
    scalar dlarray to differentiate.  ``x1, ..., xk``: traced dlarrays (passed to
    dlfeval, created in it or computed from those), or dicts, lists, tuples or
    Learnables tables of them.  Each gradient has the structure, size and format of
    its x (zeros where y does not depend on it); several x give a tuple.

    Name-value arguments (also as positional pairs, ``"RetainData", True``):
        RetainData: False (default) releases the trace; True keeps it for another call.
        EnableHigherDerivatives: False (default); True records the gradient
            computation so it can be differentiated again (and retains the trace).

    Example::

        def f(x):
            y = dl.sum(dl.sin(x), "all")
            g = dl.dlgradient(y, x, EnableHigherDerivatives=True)   # cos(x)
            return dl.dlgradient(dl.sum(g, "all"), x)               # -sin(x)

        h = dl.dlfeval(f, dl.dlarray(np.array([0.0, 1.0])))
    """
    tape = innermost_tape()
    if tape is None:
        raise RuntimeError("dlgradient: no trace is being recorded. Call dlgradient inside a "
                           "function that you evaluate with dlfeval, e.g. dl.dlfeval(f, x)")
    if not isinstance(y, DLArray):
        raise TypeError(f"dlgradient: value to differentiate must be a traced real dlarray "
                        f"scalar, not {type(y).__name__}")
    if y.size != 1:
        raise ValueError(f"dlgradient: value to differentiate must be a scalar; y has size "
                         f"{describe(y._fmt, y.shape)}. Reduce it first, e.g. dl.sum(y, 'all')")
    if y._data.dtype.kind != "f":
        raise TypeError(f"dlgradient: value to differentiate must be real floating point, "
                        f"not {y._data.dtype}")
    if not y.traced:
        raise ValueError("dlgradient: value to differentiate is not traced. It must be a traced "
                         "real dlarray scalar: compute it inside the function evaluated by "
                         "dlfeval from dlarrays passed to dlfeval or created in it")
    if not xs:
        raise TypeError("dlgradient: give at least one variable to differentiate with respect to")
    targets = set()
    for i, x in enumerate(xs):
        for path, leaf in tree_leaves(x, f"x{i + 1}"):
            if not isinstance(leaf, DLArray):
                raise TypeError(f"dlgradient: {path} must be a dlarray (or a struct of them), "
                                f"not {type(leaf).__name__}")
            if not leaf.traced:
                raise ValueError(f"dlgradient: {path} is not traced. Values to differentiate "
                                 "with respect to must be dlarrays passed to dlfeval, created "
                                 "inside it, or computed from those")
            targets.add(leaf._node)

    higher = _logical_option(EnableHigherDerivatives, "EnableHigherDerivatives")
    retain = _logical_option(RetainData, "RetainData") or higher
    xp = array_namespace(y._data)
    seed = DLArray._new(xp.ones(y._data.shape, y._data.dtype), "")
    found = _backward(y._node, seed, targets, higher, retain)

    def grad_of(x):
        g = found.get(x._node)
        if g is None:
            g = DLArray._new(array_namespace(x._data).zeros(x._data.shape, x._data.dtype), "")
        node = None
        if higher:
            # A gradient that no traced value reaches (a constant, like relu's mask) is
            # still a traced value of this dlfeval, whose own gradient is zero.
            node = g._node if g._node is not None else Node(tape, g._data.shape)
        return DLArray._new(g._data, x._fmt, node)

    out = tuple(tree_map(grad_of, x) for x in xs)
    return out[0] if len(out) == 1 else out
