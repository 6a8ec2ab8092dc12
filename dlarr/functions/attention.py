"""attention: MATLAB's dot-product attention with heads, on labelled data.

``attention(queries, keys, values, numHeads)`` splits the channels of the queries,
keys and values into ``numHeads`` heads (contiguous blocks of channels, head 1 first,
as MATLAB's column-major reshape does), and computes per head and observation

    weights = softmax over the keys of  Scale * keys' * queries   (masked)
    Y       = values * dropout(weights)

The scores and their masked softmax are one primitive, ``attention_weights`` (its vjp
written with dlarr's ops, so second derivatives work); the dropout and the product
with the values are dlarr's elementwise and matrix products.  Every product is a
batched matrix product over (observation, head) stacks: no Python loop over batch
elements, heads or positions.

MathWorks page (the definition implemented here):
  https://www.mathworks.com/help/deeplearning/ref/dlarray.attention.html
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from ..core import reduction as _red
from ..core.arguments import came, check_nargout, name_value_pairs
from ..core.backend import array_namespace, float_result_dtype, generator, is_array
from ..core.create import as_dlarray, labelled
from ..core.dlarray import DLArray
from ..core.formats import describe
from ..core.linalg import matmul
from ..core.operands import _as_float, _const, _converted
from ..core.options import choose
from ..core.registry import bind, primitive
from ..core.structural import _reshape, _transpose
from .activations import _real_scalar

from ..core.options import ATTENTION_MASKS, ATTENTION_SCALES  # noqa: E402  (the vocabulary)

_F = "attention"


# ==========================================================================
# The primitive: masked softmax of the scaled scores
# ==========================================================================

def _swap_last(x):
    n = x.ndim
    return bind(_transpose, [x], "", perm=tuple(range(n - 2)) + (n - 1, n - 2))


def _attention_weights_vjp(needs, g, ans, q, k, scale, mask):
    # A = softmax(S) over the keys, S = scale q k^T: dS = A .* (g - sum(g .* A));
    # masked scores have A = 0, so dS is 0 there.
    dS = ans * (g - _red.sum(g * ans, [ans.ndim - 1]))
    dq = matmul(dS, k) * scale if needs[0] else None
    dk = matmul(_swap_last(dS), q) * scale if needs[1] else None
    return dq, dk


@primitive("attention_weights", _attention_weights_vjp)
def _attention_weights(q, k, scale, mask):
    """softmax(scale * q @ k^T) over the last axis, -inf where ``mask`` is False.

    q: (..., Nq, d), k: (..., Nk, d); mask: None or a boolean array broadcastable to
    (..., Nq, Nk), True where a query may attend to a key.  A query whose keys are all
    masked gets zero weights (PyTorch's scaled_dot_product_attention does the same; a
    softmax of only -inf scores would be NaN)."""
    xp = array_namespace(q, k)
    s = xp.matmul(q, xp.swapaxes(k, -1, -2))
    s = s * xp.asarray(scale, dtype=s.dtype)
    if s.shape[-1] == 0:
        return s
    if mask is not None:
        s = xp.where(mask, s, xp.asarray(-np.inf, dtype=s.dtype))
    m = s.max(axis=-1, keepdims=True)
    m = xp.where(m == -np.inf, xp.asarray(0, dtype=s.dtype), m)
    e = xp.exp(s - m)
    den = e.sum(axis=-1, keepdims=True)
    return e / xp.where(den == 0, xp.asarray(1, dtype=s.dtype), den)


# ==========================================================================
# Layout: labelled data <-> (C, B, N) <-> (B, heads, N, C/heads)
# ==========================================================================

def _axes(fmt):
    """(order, rest): the C, B and S-or-T axes of canonical ``fmt`` (those present), then
    the others (singleton U dimensions)."""
    order = [fmt.index("C")] + [i for i, lab in enumerate(fmt) if lab == "B"] \
        + [i for i, lab in enumerate(fmt) if lab in "ST"]
    return order, [i for i in range(len(fmt)) if i not in order]


def _to_cbn(X):
    """Formatted ``X`` as an unformatted C x B x N dlarray (recorded): B and N are 1
    when X has no "B" or no "S"/"T" dimension."""
    fmt, shape = X._fmt, X.shape
    order, rest = _axes(fmt)
    D = X._relabelled()
    perm = tuple(order + rest)
    if perm != tuple(range(len(fmt))):
        D = bind(_transpose, [D], "", perm=perm)
    b, n = fmt.find("B"), next((i for i, lab in enumerate(fmt) if lab in "ST"), -1)
    cbn = (shape[fmt.index("C")], shape[b] if b >= 0 else 1, shape[n] if n >= 0 else 1)
    return D if D.shape == cbn else bind(_reshape, [D], "", shape=cbn)


def _from_cbn(Y, fmt, shape):
    """The inverse of :func:`_to_cbn`: C x B x N ``Y`` as a dlarray of format ``fmt``
    and size ``shape``."""
    order, rest = _axes(fmt)
    perm = order + rest
    Y = bind(_reshape, [Y], "", shape=tuple(shape[i] for i in perm))
    inv = tuple(int(i) for i in np.argsort(perm))
    if inv != tuple(range(len(inv))):
        Y = bind(_transpose, [Y], "", perm=inv)
    return Y._relabelled(fmt)


def _heads(X3, h):
    """C x B x N as B x h x N x C/h (head j: channels j*C/h .. (j+1)*C/h - 1)."""
    C, B, N = X3.shape
    X4 = bind(_reshape, [X3], "", shape=(h, C // h, B, N))
    return bind(_transpose, [X4], "", perm=(2, 0, 3, 1))


def _merge_heads(Y4):
    """B x h x N x d as (h d) x B x N: the inverse of :func:`_heads`."""
    B, h, N, d = Y4.shape
    Y = bind(_transpose, [Y4], "", perm=(1, 3, 0, 2))
    return bind(_reshape, [Y], "", shape=(h * d, B, N))


def _user_order(canonical, user):
    """Permutation presenting canonical-format data in the user's DataFormat order."""
    used, perm = set(), []
    for lab in user:
        i = next(j for j, c in enumerate(canonical) if c == lab and j not in used)
        used.add(i)
        perm.append(i)
    return tuple(perm)


# ==========================================================================
# Argument checks
# ==========================================================================

def _check_format(X, name):
    fmt = X._fmt
    if "C" not in fmt:
        raise ValueError(f"{_F}: {name} (format {fmt!r}) has no 'C' (channel) dimension")
    if sum(lab in "ST" for lab in fmt) > 1:
        raise ValueError(f"{_F}: {name} (format {fmt!r}) must have at most one 'S' or 'T' "
                         "dimension (the positions to attend over)")
    for ax, lab in enumerate(fmt):
        if lab == "U" and X.shape[ax] != 1:
            raise ValueError(f"{_F}: {name} has a non-singleton 'U' dimension {ax} (size "
                             f"{describe(fmt, X.shape)}); 'U' dimensions must be singleton")


def _operand(X, fmt, user_fmt, name):
    """keys/values (or PaddingMask): a formatted dlarray of ``fmt``, or unformatted data
    taken in the queries' format (their DataFormat when the queries were unformatted)."""
    if isinstance(X, DLArray) and X._fmt:
        if X._fmt != fmt:
            raise ValueError(f"{_F}: {name} is formatted {X._fmt!r} but queries are {fmt!r}; a "
                             f"formatted {name} must have the format of the queries")
        return X
    if not isinstance(X, DLArray) and not is_array(X) and not isinstance(X, (list, tuple)):
        raise TypeError(f"{_F}: {name} must be a dlarray or a numeric array, not {came(X)}")
    given = user_fmt or fmt
    try:
        return as_dlarray(X, given, _F)
    except (TypeError, ValueError) as e:
        raise type(e)(f"{_F}: {name} taken in the queries' format {given!r}: "
                      f"{str(e).removeprefix(f'{_F}: ')}") from None


def _num_heads(numHeads, cq, cv):
    if isinstance(numHeads, bool) or not isinstance(numHeads, numbers.Real) \
            or not math.isfinite(numHeads) or numHeads != int(numHeads) or numHeads < 1:
        raise ValueError(f"{_F}: numHeads must be a positive integer, not {came(numHeads)}")
    h = int(numHeads)
    for what, c in (("queries and keys", cq), ("values", cv)):
        if c % h:
            raise ValueError(f"{_F}: numHeads ({h}) must divide the number of channels of "
                             f"{what} ({c})")
    return h


def _scale(Scale, dk):
    if isinstance(Scale, str):
        choose(Scale, ATTENTION_SCALES, _F, "Scale")
        return 1.0 / math.sqrt(dk)
    return _real_scalar(Scale, _F, "Scale")


def _probability(p):
    if isinstance(p, str):
        raise TypeError(f"{_F}: DropoutProbability must be a number in [0, 1), not {came(p)}")
    p = _real_scalar(p, _F, "DropoutProbability")
    if not 0 <= p < 1:
        raise ValueError(f"{_F}: DropoutProbability must be a number in [0, 1), not {p!r}")
    return p


def _host_array(M, name):
    """A mask's values as a NumPy array of numbers or logicals (a dlarray's data too)."""
    data = M._data if isinstance(M, DLArray) else M
    if hasattr(data, "get"):
        data = data.get()
    if isinstance(data, (str, bytes, dict, set)) or data is None:
        raise TypeError(f"{_F}: {name} must be a logical or numeric array, not {came(M)}")
    a = np.asarray(data)
    if a.dtype.kind not in "biuf":
        raise TypeError(f"{_F}: {name} must be a logical or numeric array, not {came(M)}")
    if a.dtype.kind == "f" and np.isnan(a).any():
        raise ValueError(f"{_F}: {name} must not hold NaN")
    return a


def _padding_mask(PaddingMask, K, B, Nk, user_fmt):
    """PaddingMask as a boolean B x Nk array (True: a key to attend to)."""
    if isinstance(PaddingMask, DLArray):
        PaddingMask = DLArray._new(PaddingMask._data, PaddingMask._fmt)     # data only
    P = _operand(PaddingMask, K._fmt, user_fmt, "PaddingMask")
    _check_format(P, "PaddingMask")
    P3 = _to_cbn(P)
    if P3.shape[1:] != (B, Nk):
        raise ValueError(f"{_F}: PaddingMask must have the 'B' and 'S'/'T' sizes of keys "
                         f"({describe(K._fmt, K.shape)}); it has size "
                         f"{describe(P._fmt, P.shape)}")
    a = _host_array(P3, "PaddingMask")[0]
    if not np.all((a == 0) | (a == 1)):
        raise ValueError(f"{_F}: PaddingMask must hold 0 (padding) and 1 (data) values only")
    return a.astype(bool)


def _attention_mask(AttentionMask, Nq, Nk, B):
    """AttentionMask as a boolean array broadcastable to B x 1 x Nq x Nk (or None)."""
    if isinstance(AttentionMask, str):
        if choose(AttentionMask, ATTENTION_MASKS, _F, "AttentionMask") == "none":
            return None
        return (np.arange(Nk)[None, :] <= np.arange(Nq)[:, None])[None, None]
    a = _host_array(AttentionMask, "AttentionMask") != 0
    if a.shape == (Nk, Nq) or a.shape == (Nk, Nq, 1):
        return a.reshape(Nk, Nq).T[None, None]
    if a.shape == (Nk, Nq, B):
        return np.transpose(a, (2, 1, 0))[:, None]
    raise ValueError(f"{_F}: AttentionMask must be 'none', 'causal', or a logical or numeric "
                     f"array of size Nk x Nq ({Nk} x {Nq}) or Nk x Nq x numObservations "
                     f"({Nk} x {Nq} x {B}); it has size {'x'.join(map(str, a.shape))}")


# ==========================================================================
# attention
# ==========================================================================

def _inputs(queries, keys, values, DataFormat):
    """The three operands as formatted dlarrays of one type, their sizes checked."""
    Q, user_fmt = labelled(queries, DataFormat, _F, "queries")
    _check_format(Q, "queries")
    fmt = Q._fmt
    K = _operand(keys, fmt, user_fmt, "keys")
    V = _operand(values, fmt, user_fmt, "values")
    array_namespace(Q._data, K._data, V._data, where=_F)
    Q, K, V = (_as_float(X, _F, n) for X, n in ((Q, "queries"), (K, "keys"), (V, "values")))
    dtype = float_result_dtype(Q.dtype, K.dtype, V.dtype)
    Q, K, V = (_converted(X, dtype) for X in (Q, K, V))
    q3, k3, v3 = _to_cbn(Q), _to_cbn(K), _to_cbn(V)
    if k3.shape[0] != q3.shape[0]:
        raise ValueError(f"{_F}: keys must have the number of channels of queries "
                         f"({q3.shape[0]}); keys has size {describe(fmt, K.shape)}")
    if not q3.shape[1] == k3.shape[1] == v3.shape[1]:
        raise ValueError(f"{_F}: queries, keys and values must have the same 'B' size; they "
                         f"have sizes {describe(fmt, Q.shape)}, {describe(fmt, K.shape)} and "
                         f"{describe(fmt, V.shape)}")
    if k3.shape[2] != v3.shape[2]:
        raise ValueError(f"{_F}: keys and values must have the same 'S'/'T' size; they have "
                         f"sizes {describe(fmt, K.shape)} and {describe(fmt, V.shape)}")
    return Q, K, V, (q3, k3, v3), user_fmt


def _attend(Q, q3, k3, v3, h, scale, p, mask, user_fmt):
    """Y (formatted as Q, or in the user's order) and the weights A (B x h x Nq x Nk)."""
    xp = array_namespace(Q._data)
    if mask is not None:
        mask = xp.asarray(mask)
    A = bind(_attention_weights, [_heads(q3, h), _heads(k3, h)], "", scale=scale, mask=mask)
    if p > 0:
        keep = generator().random(A.shape) >= p
        A = A * _const(xp.asarray((keep / (1 - p)).astype(A.dtype)))
    Y3 = _merge_heads(matmul(A, _heads(v3, h)))
    fmt = Q._fmt
    Y = _from_cbn(Y3, fmt, tuple(Y3.shape[0] if lab == "C" else n
                                 for lab, n in zip(fmt, Q.shape)))
    if user_fmt is not None:
        perm = _user_order(fmt, user_fmt)
        if perm != tuple(range(len(perm))):
            Y = bind(_transpose, [Y], "", perm=perm)
        Y = Y._relabelled()
    return Y, A


@name_value_pairs(4)
def attention(queries, keys, values, numHeads, *, DataFormat=None, Scale="auto",
              PaddingMask=None, AttentionMask="none", DropoutProbability=0.0, nargout=1):
    """Dot-product attention, MATLAB's ``attention``.

    Syntax::

        Y = dl.attention(queries, keys, values, numHeads)
        Y, weights = dl.attention(queries, keys, values, numHeads, nargout=2)
        Y = dl.attention(queries, keys, values, numHeads, DataFormat="CBT")
        Y = dl.attention(..., AttentionMask="causal", PaddingMask=mask, Scale=0.1)
        Y = dl.attention(..., "AttentionMask", "causal")     # MATLAB's positional pairs

    Per observation and head: ``weights = softmax(Scale * K' * Q)`` over the keys (masked
    ones excluded), ``Y = V * weights``; K, Q, V: that head's channels of the keys,
    queries and values at every position.

    Input arguments:
        queries: a formatted dlarray with a "C" dimension, at most one "S" or "T"
            dimension (the Nq query positions; none counts as 1), optionally "B"
            (numObservations) and singleton "U"; or unformatted, with DataFormat.
        keys: the keys, of the queries' format and "C" and "B" sizes, Nk positions: a
            dlarray of that format, or unformatted data taken in it (in the queries'
            DataFormat order when they are unformatted).
        values: the values, as keys, with any number of channels.
        numHeads: the number of heads, a positive integer dividing the channels of
            queries/keys and of values; head j takes the j-th block of channels.

    Name-value options (keywords, or MATLAB's positional pairs):
        DataFormat: the labels of unformatted queries, e.g. "CBT"; default None.
        Scale: "auto" (default: ``1/sqrt(dk)``, dk = key channels per head) or a finite
            real scalar multiplying the dot products.
        PaddingMask: None (default: no padding) or data of the keys' format (a dlarray of
            it, or unformatted data taken in it) with their "B" and "S"/"T" sizes and any
            number of channels; its first channel marks data 1 and padding 0 (never
            attended to).  Logical, or numeric 0/1.
        AttentionMask: "none" (default), "causal" (query position m attends to key
            positions n <= m only), or a logical or numeric array, Nk x Nq or
            Nk x Nq x numObservations, whose zeros forbid attention.
        DropoutProbability: 0 (default) or a number in [0, 1): dropout of the weights
            (the others scaled by 1/(1 - p)), masks from dlarr's generator (dl.rng).
        nargout: 1 (default) returns Y; 2 returns ``(Y, weights)``.

    Output arguments:
        Y: the values' channels along "C" and the queries' other dimensions, formatted
            as the queries (unformatted queries: unformatted, in their DataFormat
            order).  Differentiable in queries, keys and values (second derivatives too).
        weights: the weights used (after dropout), an unformatted dlarray of size
            Nk x Nq x numHeads x numObservations.

    Differences from MATLAB: a query whose keys are all masked gets zero weights (zeros
    in Y), as in PyTorch's scaled_dot_product_attention; mask values are checked
    (PaddingMask 0/1, no NaN).

    Example::

        queries = dl.dlarray(np.random.rand(100, 32, 64), "CBT")
        keys = dl.dlarray(np.random.rand(100, 32, 80))
        values = dl.dlarray(np.random.rand(120, 32, 80))
        Y, weights = dl.attention(queries, keys, values, 5, nargout=2)
        Y.shape, Y.dims, weights.shape     # (120, 32, 64), 'CBT', (80, 64, 5, 32)
    """
    n_out = check_nargout(nargout, (1, 2), _F)
    Q, K, V, (q3, k3, v3), user_fmt = _inputs(queries, keys, values, DataFormat)
    h = _num_heads(numHeads, q3.shape[0], v3.shape[0])
    (_, B, Nq), Nk = q3.shape, k3.shape[2]
    mask = _attention_mask(AttentionMask, Nq, Nk, B)
    if PaddingMask is not None:
        pad = _padding_mask(PaddingMask, K, B, Nk, user_fmt)[:, None, None, :]
        mask = pad if mask is None else mask & pad
    Y, A = _attend(Q, q3, k3, v3, h, _scale(Scale, q3.shape[0] // h),
                   _probability(DropoutProbability), mask, user_fmt)
    return Y if n_out == 1 else (Y, bind(_transpose, [A], "", perm=(3, 2, 1, 0)))
