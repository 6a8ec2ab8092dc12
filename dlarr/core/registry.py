"""The primitive registry: each op's forward and its derivative side by side.

A :class:`Primitive` has a forward on raw arrays (NumPy or CuPy) and a
vector-Jacobian product (``vjp``).  The vjp is written with dlarr's own
functions on *unformatted* DLArrays, so that the same code computes plain
gradients (recording paused) and, when ``EnableHigherDerivatives`` is set,
records itself for a second derivative.  Ops whose derivative is a hand-written
raw kernel declare ``higher=False`` and say so if differentiated twice.

``vjp(needs, g, ans, *inputs, **kwargs)``: ``needs[i]`` tells whether input i
needs a gradient; ``g``/``ans`` are the output gradient and the output (tuples
for multi-output primitives, with ``None`` for outputs that received no
gradient); the return value is one gradient (or ``None``) per input, of the
input's shape or broadcastable to it (the engine undoes broadcasting in one
helper, ``unbroadcast``).
"""
from __future__ import annotations

import numpy as np

from .dlarray import DLArray
from .tape import Node, current_tape

REGISTRY: dict[str, "Primitive"] = {}


class Primitive:
    __slots__ = ("name", "fwd", "vjp", "nout", "higher", "residual")

    def __init__(self, name, fwd, nout=1, higher=True, residual=False):
        if name in REGISTRY:
            raise RuntimeError(f"primitive {name!r} is defined twice")
        self.name, self.fwd, self.nout = name, fwd, nout
        self.higher, self.residual = higher, residual
        self.vjp = None
        REGISTRY[name] = self

    def defvjp(self, fn):
        self.vjp = fn
        return fn

    def __repr__(self):
        return f"<primitive {self.name}>"


def primitive(name=None, nout=1, higher=True, residual=False):
    """Decorator: register a raw forward function as a primitive.

    With ``residual=True`` the forward returns ``(out, residual)`` and the
    residual (what the backward needs beyond inputs and outputs) is passed to
    the vjp as ``residual=``.  With ``nout > 1`` ``out`` is a tuple.
    """
    def wrap(fwd):
        return Primitive(name or fwd.__name__.lstrip("_"), fwd, nout, higher, residual)
    return wrap


def _parents(inputs):
    tape = current_tape()
    if tape is None:
        return None, None
    parents = tuple(x._node if (x._node is not None and x._node.tape.active) else None
                    for x in inputs)
    if all(p is None for p in parents):
        return None, None
    return tape, parents


def bind(prim: Primitive, inputs, out_fmt, **kwargs):
    """Run ``prim`` on DLArrays whose data are already aligned; record it when traced.

    Returns a DLArray (or a tuple of them when ``prim.nout > 1``, with
    ``out_fmt`` a tuple of formats).
    """
    raws = tuple(x._data for x in inputs)
    res = prim.fwd(*raws, **kwargs)
    residual = None
    if prim.residual:
        res, residual = res
    if isinstance(res, np.generic):   # NumPy returns scalars for 0-d results
        res = np.asarray(res)
    tape, parents = _parents(inputs)
    if prim.nout == 1:
        node = None
        if tape is not None:
            node = Node(tape, res.shape, res.dtype, prim, parents, raws, res, kwargs, residual)
        return DLArray._new(res, out_fmt, node)
    if tape is None:
        return tuple(DLArray._new(r, f, None) for r, f in zip(res, out_fmt))
    op = Node(tape, None, None, prim, parents, raws, tuple(res), kwargs, residual, nout=prim.nout)
    return tuple(DLArray._new(r, f, Node(tape, r.shape, r.dtype, None, (op,), out_index=i))
                 for i, (r, f) in enumerate(zip(res, out_fmt)))
