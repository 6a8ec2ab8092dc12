"""The values of an ONNX graph as the importer tracks them, without running the model.

ONNX import (``onnx_import``) reads a graph node by node and keeps, for each tensor,
what can be known of it before any data comes:

* a constant: a NumPy array (initializers, ``Constant`` nodes, and everything folded
  from constants);
* :class:`Sym`: an integer tensor some of whose elements depend on the sizes of the
  input (what ``Shape`` of the data gives, and the ``Gather``/``Unsqueeze``/
  ``Concat``/``Add``... arithmetic exporters do on it); each element is a
  :class:`Poly`, an integer polynomial in the input's time and batch sizes ``T``, ``B``;
* :class:`Fill`: a constant tensor whose shape depends on those sizes (what
  ``ConstantOfShape`` or ``Expand`` make of a symbolic shape: the initial states
  exporters build for a batch of any size), kept as a base array that broadcasts to it;
* the network's data (``onnx_graph.Data``), with the layers that computed it.

This module holds the first three and the operations of the shape plumbing on them
(:data:`FOLDERS`); every error is an :class:`OnnxImportError` that the graph walker
completes with the node's name and op type.
"""
from __future__ import annotations

import numpy as np

# Slice ends at least this large mean "to the end of the axis" (exporters write
# INT32_MAX or INT64_MAX).
END_OF_AXIS = 2 ** 31 - 1


class OnnxImportError(ValueError):
    """A model the importer cannot translate; the walker adds the node it happened at."""


class LayoutError(OnnxImportError):
    """The data's axes do not fit the node: with another reading of the input's axes
    (InputDataFormats) they may."""


# --------------------------------------------------------------------------
# Integer polynomials in the input's sizes
# --------------------------------------------------------------------------

class Poly:
    """An integer polynomial in the symbols ``"T"`` and ``"B"`` (the input's time and
    batch sizes): ``terms`` maps a monomial (a sorted tuple of symbols) to its
    coefficient.  Plain ints mix with it (``T - 1``, ``2 * B``)."""

    __slots__ = ("terms",)

    def __init__(self, terms=None):
        self.terms = {m: int(c) for m, c in (terms or {}).items() if c}

    @classmethod
    def sym(cls, name):
        return cls({(name,): 1})

    @classmethod
    def of(cls, v):
        return v if isinstance(v, Poly) else cls({(): int(v)})

    def is_const(self):
        return all(m == () for m in self.terms)

    def const(self):
        return self.terms.get((), 0)

    def __add__(self, other):
        if not isinstance(other, (Poly, int, np.integer)):
            return NotImplemented
        t = dict(self.terms)
        for m, c in Poly.of(other).terms.items():
            t[m] = t.get(m, 0) + c
        return Poly(t)

    __radd__ = __add__

    def __neg__(self):
        return Poly({m: -c for m, c in self.terms.items()})

    def __sub__(self, other):
        if not isinstance(other, (Poly, int, np.integer)):
            return NotImplemented
        return self + (-Poly.of(other))

    def __rsub__(self, other):
        return Poly.of(other) - self

    def __mul__(self, other):
        if not isinstance(other, (Poly, int, np.integer)):
            return NotImplemented
        t = {}
        for m1, c1 in self.terms.items():
            for m2, c2 in Poly.of(other).terms.items():
                m = tuple(sorted(m1 + m2))
                t[m] = t.get(m, 0) + c1 * c2
        return Poly(t)

    __rmul__ = __mul__

    def divide(self, other):
        """``self / other`` when ``other`` is one term that divides every term exactly;
        otherwise None."""
        other = Poly.of(other)
        if len(other.terms) != 1:
            return None
        (dm, dc), = other.terms.items()
        out = {}
        for m, c in self.terms.items():
            rest = list(m)
            for s in dm:
                if s not in rest:
                    return None
                rest.remove(s)
            if c % dc:
                return None
            out[tuple(rest)] = c // dc
        return Poly(out)

    def __eq__(self, other):
        if isinstance(other, (Poly, int, np.integer)):
            return self.terms == Poly.of(other).terms
        return NotImplemented

    def __hash__(self):
        return hash(frozenset(self.terms.items()))

    def __repr__(self):
        if not self.terms:
            return "0"
        parts = []
        for m, c in sorted(self.terms.items(), key=lambda mc: (-len(mc[0]), mc[0])):
            body = "*".join(m)
            text = (body if c == 1 else f"-{body}" if c == -1 else f"{c}*{body}") if m \
                else str(c)
            parts.append(text)
        return " + ".join(parts).replace("+ -", "- ")


def size_product(sizes):
    """The product of sizes (ints or Polys), an int when it has no symbol."""
    p = Poly.of(1)
    for s in sizes:
        p = p * s
    return p.const() if p.is_const() else p


def plain(v):
    """A Poly without symbols as an int; anything else as it is."""
    return v.const() if isinstance(v, Poly) and v.is_const() else v


# --------------------------------------------------------------------------
# Symbolic integer tensors and constants of symbolic shape
# --------------------------------------------------------------------------

class Sym:
    """An integer tensor with elements that depend on the input's sizes: ``values`` is a
    NumPy object array of :class:`Poly` (some of them constant)."""

    def __init__(self, values):
        self.values = values

    @property
    def shape(self):
        return self.values.shape


class Fill:
    """A constant tensor of a shape that depends on the input's sizes: ``shape`` holds
    ints and Polys; ``base`` (same number of dimensions, size 1 where the shape is
    symbolic) broadcasts to it."""

    def __init__(self, base, shape):
        self.base = base
        self.shape = tuple(plain(s) for s in shape)

    @property
    def dtype(self):
        return self.base.dtype


def sym_or_const(values):
    """An object array of Polys/ints as a constant int64 array when no element has a
    symbol, otherwise as a :class:`Sym`."""
    if not isinstance(values, np.ndarray):
        values = np.array(values, dtype=object)          # a 0-d take or index
    flat = [plain(v) for v in values.ravel()]
    if all(not isinstance(v, Poly) for v in flat):
        return np.array(flat, dtype=np.int64).reshape(values.shape)
    return Sym(np.array([Poly.of(v) for v in flat], dtype=object).reshape(values.shape))


def as_objects(v):
    """A constant int array or a :class:`Sym` as an object array of Polys."""
    if isinstance(v, Sym):
        return v.values
    a = np.asarray(v)
    if a.dtype.kind not in "iub":
        raise OnnxImportError(f"expects an integer tensor, got {a.dtype}")
    return np.array([Poly.of(int(x)) for x in a.ravel()], dtype=object).reshape(a.shape)


def shape_entries(v, what):
    """A shape given as a 1-D constant or :class:`Sym`: its entries (ints, Polys)."""
    if (isinstance(v, np.ndarray) and v.ndim == 1 and v.dtype.kind in "iu") or \
            (isinstance(v, Sym) and v.values.ndim == 1):
        return [plain(x) for x in as_objects(v).ravel()]
    raise OnnxImportError(f"{what} must be a 1-D integer tensor known before the model runs, "
                          f"not {describe(v)}")


def const_ints(v, what):
    """A constant integer tensor as a list of ints (a scalar as one element)."""
    if isinstance(v, np.ndarray) and v.dtype.kind in "iu":
        return [int(x) for x in v.ravel()]
    if isinstance(v, Sym):
        raise OnnxImportError(f"{what} depends on the input's sizes; it must be a constant")
    raise OnnxImportError(f"{what} must be a constant integer tensor, got {describe(v)}")


def describe(v):
    """What a value is, for error messages."""
    if isinstance(v, np.ndarray):
        return f"a constant of shape {list(v.shape)} ({v.dtype})"
    if isinstance(v, Sym):
        return f"a shape computation of shape {list(v.shape)}"
    if isinstance(v, Fill):
        return f"a constant of shape {list(v.shape)} (depending on the input's sizes)"
    if v is None:
        return "nothing"
    return getattr(v, "description", lambda: type(v).__name__)()


def axis_index(axis, ndim, what="axis"):
    """An ONNX axis (negative from the end) as 0..ndim-1, checked."""
    a = int(axis)
    if not -ndim <= a < max(ndim, 1):
        raise OnnxImportError(f"{what} {axis} is out of range for a tensor of {ndim} dimensions")
    return a % max(ndim, 1)


def _is_values(v):
    return isinstance(v, (np.ndarray, Sym))


def broadcast_shapes(a, b, what):
    """ONNX's multidirectional broadcast of two shapes of ints and Polys."""
    n = max(len(a), len(b))
    a = [1] * (n - len(a)) + list(a)
    b = [1] * (n - len(b)) + list(b)
    out = []
    for x, y in zip(a, b):
        if x == 1:
            out.append(y)
        elif y == 1 or x == y:
            out.append(x)
        else:
            raise OnnxImportError(f"{what}: shapes {a} and {b} do not broadcast")
    return out


# --------------------------------------------------------------------------
# The shape plumbing: operations on constants, Syms and Fills
# --------------------------------------------------------------------------

def fold_shape(node, inputs, attrs):
    """``Shape`` of a constant or a Fill (``Shape`` of the data is the graph's)."""
    x = inputs[0]
    shape = list(x.shape)
    start, end = attrs.get("start", 0), attrs.get("end", len(shape))
    return [sym_or_const(np.array(shape[slice(start, end)] or [], dtype=object))]


def fold_gather(node, inputs, attrs):
    x, idx = inputs
    if not _is_values(x):
        raise OnnxImportError(f"Gather of {describe(x)} is not supported")
    ind = const_ints(idx, "Gather's indices") if not isinstance(idx, Sym) else None
    if ind is None:
        raise OnnxImportError("Gather with indices that depend on the input's sizes is "
                              "supported on the data's time axis only")
    arr = as_objects(x) if isinstance(x, Sym) else x
    axis = axis_index(attrs.get("axis", 0), arr.ndim)
    n = arr.shape[axis]
    if any(not -n <= i < n for i in ind):
        raise OnnxImportError(f"Gather index {ind} is out of range for an axis of {n}")
    out = np.take(arr, np.asarray(ind, dtype=np.int64).reshape(np.shape(idx)), axis=axis)
    return [sym_or_const(out) if isinstance(x, Sym) else out]


def axes_input(node, inputs, attrs, k):
    """The ``axes`` of Squeeze/Unsqueeze/Reduce: an attribute before opset 13, an input
    from 13 on (None when absent)."""
    if "axes" in attrs:
        return [int(a) for a in attrs["axes"]]
    if len(inputs) > k and inputs[k] is not None:
        return const_ints(inputs[k], f"{node.op_type}'s axes")
    return None


def unsqueeze_axes(axes, ndim):
    """The sorted positions of the new axes in the output (ONNX's Unsqueeze)."""
    n = ndim + len(axes)
    out = sorted(axis_index(a, n) for a in axes)
    if len(set(out)) != len(out):
        raise OnnxImportError(f"Unsqueeze axes {axes} repeat an axis")
    return out


def fold_unsqueeze(node, inputs, attrs):
    x = inputs[0]
    axes = axes_input(node, inputs, attrs, 1)
    if axes is None:
        raise OnnxImportError("Unsqueeze needs axes")
    if isinstance(x, Fill):
        base, shape = x.base, list(x.shape)
        for a in unsqueeze_axes(axes, len(shape)):
            base = np.expand_dims(base, a)
            shape.insert(a, 1)
        return [Fill(base, shape)]
    arr = as_objects(x) if isinstance(x, Sym) else np.asarray(x)
    for a in unsqueeze_axes(axes, arr.ndim):
        arr = np.expand_dims(arr, a)
    return [sym_or_const(arr) if isinstance(x, Sym) else arr]


def fold_squeeze(node, inputs, attrs):
    x = inputs[0]
    axes = axes_input(node, inputs, attrs, 1)
    shape = list(x.shape)
    if axes is None:
        axes = [i for i, s in enumerate(shape) if s == 1]
    axes = sorted({axis_index(a, len(shape)) for a in axes})
    if any(shape[a] != 1 for a in axes):
        raise OnnxImportError(f"Squeeze of axes {axes} of a tensor of shape {shape}, not all 1")
    if isinstance(x, Fill):
        keep = [i for i in range(len(shape)) if i not in axes]
        return [Fill(x.base.reshape([x.base.shape[i] for i in keep]), [shape[i] for i in keep])]
    arr = as_objects(x) if isinstance(x, Sym) else x
    out = np.squeeze(arr, axis=tuple(axes)) if axes else arr
    return [sym_or_const(out) if isinstance(x, Sym) else out]


def fold_concat(node, inputs, attrs):
    if not all(_is_values(v) for v in inputs):
        bad = next(v for v in inputs if not _is_values(v))
        raise OnnxImportError(f"Concat of {describe(bad)} is not supported")
    if any(isinstance(v, Sym) for v in inputs):
        arrs = [as_objects(v) for v in inputs]
        axis = axis_index(attrs.get("axis", 0), arrs[0].ndim)
        return [sym_or_const(np.concatenate(arrs, axis=axis))]
    axis = axis_index(attrs.get("axis", 0), inputs[0].ndim)
    return [np.concatenate(inputs, axis=axis)]


def slice_params(node, inputs, attrs, ndim):
    """(axis, start, end, step) per sliced axis; starts/ends may hold Polys."""
    if "starts" in attrs:                          # opset < 10
        starts, ends = list(attrs["starts"]), list(attrs["ends"])
        axes = list(attrs.get("axes", range(len(starts))))
        steps = [1] * len(starts)
    else:
        starts = shape_entries(inputs[1], "Slice's starts")
        ends = shape_entries(inputs[2], "Slice's ends")
        axes = const_ints(inputs[3], "Slice's axes") if len(inputs) > 3 and \
            inputs[3] is not None else list(range(len(starts)))
        steps = const_ints(inputs[4], "Slice's steps") if len(inputs) > 4 and \
            inputs[4] is not None else [1] * len(starts)
    if not len(starts) == len(ends) == len(axes) == len(steps):
        raise OnnxImportError("Slice's starts, ends, axes and steps differ in length")
    return [(axis_index(a, ndim), s, e, st) for a, s, e, st in zip(axes, starts, ends, steps)]


def fold_slice(node, inputs, attrs):
    x = inputs[0]
    if not _is_values(x):
        raise OnnxImportError(f"Slice of {describe(x)} is not supported")
    arr = as_objects(x) if isinstance(x, Sym) else x
    index = [slice(None)] * arr.ndim
    for axis, start, end, step in slice_params(node, inputs, attrs, arr.ndim):
        if isinstance(start, Poly) or isinstance(end, Poly):
            raise OnnxImportError("Slice of a shape with bounds that depend on the input's "
                                  "sizes is not supported")
        if step == 0:
            raise OnnxImportError("Slice step 0")
        index[axis] = slice(*slice(start, end, step).indices(arr.shape[axis]))
    out = arr[tuple(index)]
    return [sym_or_const(out) if isinstance(x, Sym) else out]


def fold_reshape(node, inputs, attrs):
    x, shape = inputs
    if not isinstance(x, np.ndarray) and not isinstance(x, Sym):
        raise OnnxImportError(f"Reshape of {describe(x)} is not supported")
    target = const_ints(shape, "Reshape's shape")
    arr = as_objects(x) if isinstance(x, Sym) else x
    if not attrs.get("allowzero", 0):
        target = [arr.shape[i] if t == 0 else t for i, t in enumerate(target)]
    try:
        out = arr.reshape(target)
    except ValueError as e:
        raise OnnxImportError(f"Reshape of shape {list(arr.shape)} to {target}: {e}") from None
    return [sym_or_const(out) if isinstance(x, Sym) else out]


def fold_transpose(node, inputs, attrs):
    x = inputs[0]
    perm = attrs.get("perm")
    if isinstance(x, Fill):
        perm = list(range(len(x.shape)))[::-1] if perm is None else list(perm)
        return [Fill(np.transpose(x.base, perm), [x.shape[p] for p in perm])]
    arr = as_objects(x) if isinstance(x, Sym) else x
    out = np.transpose(arr, None if perm is None else list(perm))
    return [sym_or_const(out) if isinstance(x, Sym) else out]


def fold_cast(node, inputs, attrs):
    from onnx import helper
    x = inputs[0]
    dtype = np.dtype(helper.tensor_dtype_to_np_dtype(attrs["to"]))
    if isinstance(x, Sym):
        if dtype.kind not in "iu":
            raise OnnxImportError(f"Cast of a shape computation to {dtype} is not supported")
        return [x]
    if isinstance(x, Fill):
        return [Fill(x.base.astype(dtype), x.shape)]
    return [np.asarray(x).astype(dtype)]


_ARITH = {"Add": np.add, "Sub": np.subtract, "Mul": np.multiply}


def fold_arith(node, inputs, attrs):
    """Add, Sub, Mul (and Div of constants) of constants or shape computations."""
    a, b = inputs
    if not (_is_values(a) and _is_values(b)):
        bad = a if not _is_values(a) else b
        raise OnnxImportError(f"{node.op_type} of {describe(bad)} is not supported")
    if isinstance(a, Sym) or isinstance(b, Sym):
        if node.op_type not in _ARITH:
            raise OnnxImportError(f"{node.op_type} of a shape computation is not supported")
        return [sym_or_const(_ARITH[node.op_type](as_objects(a), as_objects(b)))]
    if node.op_type == "Div":
        if a.dtype.kind in "iu":
            return [np.trunc(a / b).astype(a.dtype)]
        return [np.divide(a, b).astype(a.dtype)]
    return [_ARITH[node.op_type](a, b).astype(np.result_type(a, b))]


def fold_constant_of_shape(node, inputs, attrs):
    value = attrs.get("value")
    value = np.zeros(1, np.float32) if value is None else np.asarray(value).reshape(-1)[:1]
    shape = shape_entries(inputs[0], "ConstantOfShape's shape")
    if all(not isinstance(s, Poly) for s in shape):
        return [np.full(shape, value[0], dtype=value.dtype)]
    base = np.full([1 if isinstance(s, Poly) else s for s in shape], value[0], dtype=value.dtype)
    return [Fill(base, shape)]


def fold_expand(node, inputs, attrs):
    x, shape = inputs
    shape = shape_entries(shape, "Expand's shape")
    if isinstance(x, Sym):
        raise OnnxImportError("Expand of a shape computation is not supported")
    if not isinstance(x, (np.ndarray, Fill)):
        raise OnnxImportError(f"Expand of {describe(x)} is not supported")
    out = broadcast_shapes(x.shape, shape, "Expand")
    base = x.base if isinstance(x, Fill) else x
    base = base.reshape((1,) * (len(out) - base.ndim) + base.shape)
    if all(not isinstance(s, Poly) for s in out):
        return [np.broadcast_to(base, out).copy()]
    return [Fill(base, out)]


def fold_tile(node, inputs, attrs):
    """Tile of a constant (or a Fill) by repeats that may hold the batch size."""
    x, repeats = inputs
    if not isinstance(x, (np.ndarray, Fill)):
        raise OnnxImportError(f"Tile of {describe(x)} is not supported")
    reps = shape_entries(repeats, "Tile's repeats")
    shape = list(x.shape)
    if len(reps) != len(shape):
        raise OnnxImportError(f"Tile's repeats {reps} do not match the {len(shape)} dimensions")
    base = x.base if isinstance(x, Fill) else x
    dense = np.broadcast_to(base, [1 if isinstance(s, Poly) else s for s in shape])
    tiles = []
    for s, r in zip(shape, reps):
        if isinstance(r, Poly) and s != 1:
            raise OnnxImportError(f"Tile repeats an axis of size {s} a number of times that "
                                  "depends on the input's sizes")
        tiles.append(1 if isinstance(r, Poly) or isinstance(s, Poly) else r)
    out = [plain(Poly.of(s) * r) for s, r in zip(shape, reps)]
    base = np.tile(dense, tiles)
    return [Fill(base, out) if any(isinstance(s, Poly) for s in out) else base.copy()]


def fold_identity(node, inputs, attrs):
    return [inputs[0]]


def constant_value(node, attrs):
    """The value of a ``Constant`` node."""
    for key in ("value", "value_float", "value_floats", "value_int", "value_ints"):
        if key in attrs:
            v = attrs[key]
            if key == "value":
                return np.asarray(v)
            dtype = np.float32 if "float" in key else np.int64
            return np.asarray(v, dtype=dtype)
    raise OnnxImportError(f"Constant with {', '.join(sorted(attrs)) or 'no value'} is not "
                          "supported (sparse or string constants)")


# op type -> (function(node, inputs, attrs) -> outputs, attributes it takes)
FOLDERS = {
    "Shape": (fold_shape, ("start", "end")),
    "Gather": (fold_gather, ("axis",)),
    "Unsqueeze": (fold_unsqueeze, ("axes",)),
    "Squeeze": (fold_squeeze, ("axes",)),
    "Concat": (fold_concat, ("axis",)),
    "Slice": (fold_slice, ("starts", "ends", "axes")),
    "Reshape": (fold_reshape, ("allowzero",)),
    "Transpose": (fold_transpose, ("perm",)),
    "Cast": (fold_cast, ("to", "saturate")),
    "Add": (fold_arith, ()),
    "Sub": (fold_arith, ()),
    "Mul": (fold_arith, ()),
    "Div": (fold_arith, ()),
    "ConstantOfShape": (fold_constant_of_shape, ("value",)),
    "Expand": (fold_expand, ()),
    "Tile": (fold_tile, ()),
    "Identity": (fold_identity, ()),
}
