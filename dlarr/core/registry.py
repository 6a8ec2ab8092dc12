"""The primitive registry: each op's forward and its derivative, declared together.

A primitive is a forward on raw arrays (NumPy or CuPy) registered with its
vector-Jacobian product (vjp) by the :func:`primitive` decorator; a primitive
without a vjp is an error when it is defined.  Each vjp is a named function
that says whose derivative it is, so a traceback through the backward pass
names the op::

    def _exp_vjp(needs, g, ans, a):
        return (g * ans,)

    @primitive("exp", _exp_vjp)
    def _exp(a):
        return array_namespace(a).exp(a)

The vjp is written with dlarr's own functions on *unformatted* DLArrays, so
that the same code computes plain gradients (recording paused) and, when
``EnableHigherDerivatives`` is set, records itself for a second derivative.
Ops whose derivative is a hand-written raw kernel declare ``higher=False`` and
say so if differentiated twice.

``vjp(needs, g, ans, *inputs, **kwargs)``: ``needs[i]`` tells whether input i
needs a gradient; ``g``/``ans`` are the output gradient and the output (tuples
for multi-output primitives, with ``None`` for outputs that received no
gradient); ``inputs`` and ``kwargs`` are those the forward was bound with.  The
return value is one gradient (or ``None``) per input, of the input's shape or
broadcastable to it: the engine sums a broadcast gradient down to the input's
shape (``autodiff.unbroadcast``).

:func:`bind` runs a primitive on DLArrays and records it on the open tape.
"""
from __future__ import annotations

import numpy as np

from .dlarray import DLArray
from .tape import Node, current_tape

REGISTRY: dict[str, "Primitive"] = {}


def _check_declaration(name, vjp):
    if not isinstance(name, str) or not name:
        raise TypeError(f"primitive: the name must be a non-empty string, not {name!r}")
    if vjp is None:
        raise ValueError(f"primitive {name!r} has no vjp: give its derivative, "
                         f"@primitive({name!r}, vjp=_{name}_vjp)")
    if not callable(vjp):
        raise TypeError(f"primitive {name!r}: vjp must be a function, not "
                        f"{type(vjp).__name__}")


class Primitive:
    """A registered op: ``fwd`` (raw forward), ``vjp`` (its derivative) and how
    the engine treats it (``nout`` outputs, ``higher``, ``residual``)."""
    __slots__ = ("name", "fwd", "vjp", "nout", "higher", "residual")

    def __init__(self, name, fwd, vjp, nout=1, higher=True, residual=False):
        _check_declaration(name, vjp)
        if name in REGISTRY:
            raise RuntimeError(f"primitive {name!r} is defined twice")
        self.name, self.fwd, self.vjp, self.nout = name, fwd, vjp, nout
        self.higher, self.residual = higher, residual
        REGISTRY[name] = self

    def __repr__(self):
        return f"<primitive {self.name}>"


def primitive(name, vjp, *, nout=1, higher=True, residual=False):
    """Decorator: register the raw forward it decorates as primitive ``name``
    with derivative ``vjp`` (required); returns the :class:`Primitive`.

    ``nout > 1``: the forward returns a tuple of ``nout`` outputs.
    ``higher=False``: the vjp is not made of dlarr ops, so it cannot be
    differentiated again (a second derivative through it is an error naming
    the primitive).  ``residual=True``: the forward returns ``(out, residual)``
    and the residual (what the backward needs beyond inputs and outputs) is
    passed to the vjp as ``residual=``.
    """
    _check_declaration(name, vjp)

    def register(fwd):
        return Primitive(name, fwd, vjp, nout, higher, residual)
    return register


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
            node = Node(tape, res.shape, prim, parents, raws, res, kwargs, residual)
        return DLArray._new(res, out_fmt, node)
    if tape is None:
        return tuple(DLArray._new(r, f, None) for r, f in zip(res, out_fmt))
    op = Node(tape, None, prim, parents, raws, tuple(res), kwargs, residual, nout=prim.nout)
    return tuple(DLArray._new(r, f, Node(tape, r.shape, None, (op,), out_index=i))
                 for i, (r, f) in enumerate(zip(res, out_fmt)))
