"""Normalization on dlarray: MATLAB's batchnorm, layernorm, instancenorm and groupnorm.

All four normalize groups of elements of X to zero mean and unit variance and then scale
and shift them per channel, ``Y = scaleFactor .* (X - mu) ./ sqrt(sigmaSq + Epsilon) +
offset``; they differ in the dimensions a group spans (MATLAB's labels, X in canonical order
S..., C, B, T, U...):

* ``batchnorm``: every dimension but "C" (one group per channel);
* ``layernorm``: "C" (sequence and vector data), "S" and "C" (images), or every dimension
  but "B" (``OperationDimension``), one group per observation (and time step);
* ``instancenorm``: "S", "T" and "U", one group per channel and observation;
* ``groupnorm``: "S", "T", "U" and ``numGroups`` consecutive runs of channels.

They share one primitive, ``normalize`` (the mean, the biased variance and the normalized
output at once, and its exact vector-Jacobian product written with dlarr's operations, so
second derivatives work too); batchnorm's inference form, with given statistics, is an
affine map of X made of dlarr's elementwise operations.

MathWorks pages (the definitions implemented here):
  https://www.mathworks.com/help/deeplearning/ref/dlarray.batchnorm.html
  https://www.mathworks.com/help/deeplearning/ref/dlarray.layernorm.html
  https://www.mathworks.com/help/deeplearning/ref/dlarray.instancenorm.html
  https://www.mathworks.com/help/deeplearning/ref/dlarray.groupnorm.html
"""
from __future__ import annotations

import math
import numbers

from ..core import elementwise as _ew
from ..core import formats as _formats
from ..core.arguments import came, check_nargout, name_value_pairs
from ..core.backend import array_namespace
from ..core.create import labelled, stripdims
from ..core.dlarray import DLArray
from ..core.operands import _as_float, _float_dtype, _to_dl, _xp
from ..core.options import choose
from ..core.reduction import _sum
from ..core.registry import bind, primitive
from ..core.structural import _broadcast_to, _reshape, reshaped
from .activations import _real_scalar

from ..core.options import GROUP_NORMALIZATION_GROUPS, NORMALIZATION_DIMENSIONS  # noqa: E402

EPSILON = 1e-5              # MATLAB's default Epsilon of every normalization
DECAY = 0.1                 # MATLAB's default MeanDecay and VarianceDecay


# ==========================================================================
# The primitive: normalize over some axes, then scale and shift
# ==========================================================================

def _normalize_vjp(needs, g, ans, x, offset, scale, axes, epsilon):
    """Exact derivative of (y, mu, var) of :func:`_normalize`, made of dlarr operations
    (the statistics recomputed from x, so the recorded vjp gives second derivatives)."""
    gy, gmu, gvar = g
    n = math.prod(x.shape[a] for a in axes)
    xc = x - bind(_sum, [x], "", axes=axes) * (1.0 / n)
    terms, goff, gscale = [], None, None
    if gy is not None:
        var = bind(_sum, [xc * xc], "", axes=axes) * (1.0 / n)
        inv = 1.0 / _ew.sqrt(var + epsilon)
        xhat = xc * inv
        if needs[0]:
            dxhat = gy * scale
            mean_d = bind(_sum, [dxhat], "", axes=axes) * (1.0 / n)
            mean_dx = bind(_sum, [dxhat * xhat], "", axes=axes) * (1.0 / n)
            terms.append(inv * (dxhat - mean_d - xhat * mean_dx))
        goff = gy if needs[1] else None             # the engine sums them to the shapes
        gscale = gy * xhat if needs[2] else None    # of offset and scale
    if needs[0] and gmu is not None:
        terms.append(gmu * (1.0 / n))
    if needs[0] and gvar is not None:
        terms.append(gvar * xc * (2.0 / n))
    gx = None
    for t in terms:
        gx = t if gx is None else gx + t
    if gx is not None and gx.shape != x.shape:
        gx = bind(_broadcast_to, [gx], "", shape=x.shape)
    return gx, goff, gscale


@primitive("normalize", _normalize_vjp, nout=3)
def _normalize(x, offset, scale, axes, epsilon):
    """(y, mu, var): mu and the biased variance var of x over ``axes`` (kept as
    singletons) and ``y = (x - mu) / sqrt(var + epsilon) * scale + offset``; offset and
    scale broadcast against x."""
    xp = array_namespace(x)
    mu = x.mean(axis=axes, keepdims=True)
    xc = x - mu
    var = (xc * xc).mean(axis=axes, keepdims=True)
    y = xc * ((1 / xp.sqrt(var + x.dtype.type(epsilon))) * scale) + offset
    return y, mu, var


# ==========================================================================
# Argument handling shared by the four functions
# ==========================================================================

def _input(X, DataFormat, fname):
    """X as a formatted floating DLArray with a "C" dimension, the user's DataFormat
    (None for a formatted X) and X's own shape (to give an unformatted X back)."""
    shape = getattr(X, "shape", None)
    Xf, user_fmt = labelled(X, DataFormat, fname)
    Xf = _as_float(Xf, fname)
    if "C" not in Xf._fmt:
        raise ValueError(f"{fname}: X must have a 'C' (channel) dimension; X has format "
                         f"{Xf._fmt!r} and size {_formats.describe(Xf._fmt, Xf.shape)}")
    return Xf, user_fmt, (tuple(shape) if shape is not None else Xf.shape)


def _vector(v, C, fname, argname):
    """``v`` (offset, scale factor, statistics) as a DLArray of C elements: a formatted
    dlarray whose non-singleton dimension is "C", an unformatted dlarray or a numeric
    array with one non-singleton dimension of size C (traced when ``v`` is)."""
    if isinstance(v, DLArray):
        if any(lab != "C" for lab, k in zip(v._fmt, v.shape) if k != 1):
            raise ValueError(f"{fname}: {argname} is formatted {v._fmt!r}; its non-singleton "
                             "dimension must be labelled 'C'")
        V = v
    elif v is None or isinstance(v, (str, bytes, bool)):
        raise TypeError(f"{fname}: {argname} must be a vector of {C} numbers (one per channel "
                        f"of X), not {came(v)}")
    else:
        V = _as_float(v, fname, argname)
    if V.size != C or sum(1 for k in V.shape if k != 1) > 1:
        raise ValueError(f"{fname}: {argname} must have {C} elements (numChannels-by-1, one "
                         f"per channel of X); {argname} has size "
                         f"{_formats.describe(V._fmt, V.shape)}")
    return V


def _vectors(X, pairs, fname):
    """The vectors of ``pairs`` ((value, name), ...) checked against X's channels, and
    X and them in one floating type (MATLAB's single wins) on X's device."""
    C = X.shape[X._fmt.index("C")]
    vs = [_vector(v, C, fname, name) for v, name in pairs]
    names = ["X"] + [name for _, name in pairs]
    xp = _xp(X, *vs, where=fname)
    dt = _float_dtype(X, *vs, where=fname, names=names)
    return ([_to_dl(a, xp, dt, fname, name) for a, name in zip([X] + vs, names)])



def _channel_shape(X):
    """The shape that broadcasts a channel vector against X: C at X's "C" axis."""
    c = X._fmt.index("C")
    return tuple(X.shape[c] if i == c else 1 for i in range(X.ndim))


def _output(Y, fmt, user_fmt, shape):
    """Y (unformatted, in X's canonical layout) formatted like X, or, for an unformatted
    X, unformatted in X's own dimension order and size."""
    Y = Y._relabelled(fmt)
    if user_fmt is None:
        return Y
    Y = stripdims(Y, user_fmt)
    return Y if Y.shape == tuple(shape) else bind(_reshape, [Y], "", shape=tuple(shape))


def _check_count(X, axes, fname, over):
    n = math.prod(X.shape[a] for a in axes)
    if not axes or n == 0:
        raise ValueError(f"{fname}: X (size {_formats.describe(X._fmt, X.shape)}) has no "
                         f"elements to normalize over ({over})")
    return n


def _decay(v, fname, name):
    """MeanDecay or VarianceDecay: a real scalar in [0, 1]."""
    d = _real_scalar(v, fname, name)
    if not 0 <= d <= 1:
        raise ValueError(f"{fname}: {name} must be a scalar in [0, 1], not {d!r}")
    return d


def _column(V):
    """Statistics kept as singletons -> an unformatted numChannels-by-1 DLArray."""
    return bind(_reshape, [V._relabelled()], "", shape=(V.size, 1))


# ==========================================================================
# batchnorm
# ==========================================================================

@name_value_pairs(3)
def batchnorm(X, offset, scaleFactor, runningMu=None, runningSigmaSq=None, *, Epsilon=EPSILON,
              MeanDecay=DECAY, VarianceDecay=DECAY, DataFormat=None, nargout=1):
    """Normalize data across all observations for each channel independently, MATLAB's
    ``batchnorm``.

    Syntax::

        Y = dl.batchnorm(X, offset, scaleFactor)                 # MATLAB: Y = batchnorm(X,offset,scaleFactor)
        Y, popMu, popSigmaSq = dl.batchnorm(X, offset, scaleFactor, nargout=3)
        Y, updatedMu, updatedSigmaSq = dl.batchnorm(X, offset, scaleFactor, runningMu,
                                                    runningSigmaSq, nargout=3)
        Y = dl.batchnorm(X, offset, scaleFactor, trainedMu, trainedSigmaSq)   # inference
        Y = dl.batchnorm(..., Epsilon=1e-4, MeanDecay=0.2, VarianceDecay=0.2)
        Y = dl.batchnorm(X, offset, scaleFactor, DataFormat="CBT")   # or ..., "DataFormat", "CBT"

    Per channel c, the mean mu_c and the variance sigmaSq_c (normalized by N, the number
    of elements of the channel) over the "S", "T", "B" and "U" dimensions of X give ``Y =
    scaleFactor_c * (X - mu_c) / sqrt(sigmaSq_c + Epsilon) + offset_c``.  As in MATLAB,
    the number of outputs selects the form:

    * no statistics: X's own normalize X; ``nargout=3`` returns them, popMu, popSigmaSq;
    * runningMu, runningSigmaSq and ``nargout`` 2 or 3 (training): X's own statistics
      normalize X and update the running ones, ``updatedMu = MeanDecay * mu + (1 -
      MeanDecay) * runningMu``, ``updatedSigmaSq = VarianceDecay * sigmaSq * N / max(N -
      1, 1) + (1 - VarianceDecay) * runningSigmaSq`` (the unbiased mini-batch variance,
      as cuDNN and PyTorch update theirs);
    * trainedMu, trainedSigmaSq and ``nargout=1`` (inference): the given statistics
      normalize X.

    Input arguments:
        X: a formatted dlarray with a "C" dimension, or an unformatted dlarray or numeric
            array with DataFormat; logical and integer data become double.
        offset: the offset beta, numChannels elements: a vector (any orientation), an
            unformatted dlarray or a dlarray whose non-singleton dimension is "C".
        scaleFactor: the scale factor gamma, numChannels elements, as offset.
        runningMu, runningSigmaSq: the running (training) or trained (inference) mean and
            variance, numChannels elements each; give both or neither.

    Name-value options (keywords, or MATLAB's positional pairs):
        Epsilon: the constant added to the variances, a positive scalar; default 1e-5.
        MeanDecay: the decay of the running mean, a scalar in [0, 1]; default 0.1 (the
            mini-batch's weight: PyTorch's ``momentum``).
        VarianceDecay: the decay of the running variance, in [0, 1]; default 0.1.
        DataFormat: the labels of an unformatted X, e.g. "CBT"; default None.
        nargout: 1 (default), 2 or 3, the number of outputs (MATLAB's ``[Y, mu,
            sigmaSq] = ...``).  With statistics given, 1 selects inference and 2 or 3
            training.

    Output arguments:
        Y: X normalized, of X's size, format and type (for an unformatted X, unformatted
            in X's dimension order).  Differentiable with respect to X, offset,
            scaleFactor (and, in inference, the statistics).
        popMu, popSigmaSq / updatedMu, updatedSigmaSq: numChannels-by-1 unformatted
            dlarrays of Y's type (traced where X is).

    Differences from MATLAB: the number of outputs is the keyword ``nargout``; the
    statistics come back numChannels-by-1 whatever runningMu's orientation.

    Example::

        X = dl.dlarray(np.random.randn(3, 16, 10), "CBT")
        offset, scale = np.zeros(3), np.ones(3)
        Y = dl.batchnorm(X, offset, scale)                   # zero mean, unit variance per channel
        mu, sigmaSq = np.zeros((3, 1)), np.ones((3, 1))
        Y, mu, sigmaSq = dl.batchnorm(X, offset, scale, mu, sigmaSq, nargout=3)  # training
        Yp = dl.batchnorm(X, offset, scale, mu, sigmaSq)     # inference with the statistics
    """
    fname = "batchnorm"
    nargout = check_nargout(nargout, (1, 2, 3), fname)
    opts = _batchnorm_options(runningMu, runningSigmaSq, Epsilon, MeanDecay, VarianceDecay)
    X, user_fmt, shape = _input(X, DataFormat, fname)
    stats = () if runningMu is None else (runningMu, runningSigmaSq)
    if stats and nargout == 1:
        Y = _batchnorm_inference(X, offset, scaleFactor, stats, opts[0])
        return _output(Y, X._fmt, user_fmt, shape)
    Y, mu, var = _batchnorm_training(X, offset, scaleFactor, stats, opts)
    Y = _output(Y, X._fmt, user_fmt, shape)
    return (Y, mu, var)[:nargout] if nargout > 1 else Y


def _batchnorm_options(runningMu, runningSigmaSq, Epsilon, MeanDecay, VarianceDecay):
    """batchnorm's (Epsilon, MeanDecay, VarianceDecay), and both statistics or neither."""
    fname = "batchnorm"
    if (runningMu is None) != (runningSigmaSq is None):
        given, missing = ("runningMu", "runningSigmaSq") if runningSigmaSq is None else \
            ("runningSigmaSq", "runningMu")
        raise TypeError(f"{fname}: {given} is given but {missing} is not; give both "
                        "statistics (the mean and the variance) or neither")
    return (_real_scalar(Epsilon, fname, "Epsilon", positive=True),
            _decay(MeanDecay, fname, "MeanDecay"), _decay(VarianceDecay, fname, "VarianceDecay"))


def _batchnorm_inference(X, offset, scaleFactor, stats, eps):
    """Y = scaleFactor (X - trainedMu) / sqrt(trainedSigmaSq + eps) + offset, unformatted
    in X's layout: one product and one sum over X (dlarr's elementwise operations)."""
    pairs = [(offset, "offset"), (scaleFactor, "scaleFactor"), (stats[0], "trainedMu"),
             (stats[1], "trainedSigmaSq")]
    Xd, *vs = _vectors(X, pairs, "batchnorm")
    off, sc, mu, var = (reshaped(v, _channel_shape(X)) for v in vs)
    a = sc / _ew.sqrt(var + eps)
    return Xd._relabelled() * a + (off - mu * a)


def _batchnorm_training(X, offset, scaleFactor, stats, opts):
    """(Y unformatted in X's layout, mu, sigmaSq): X normalized by its own statistics, and
    those (popMu, popSigmaSq) or, with running statistics, the updated running ones."""
    fname = "batchnorm"
    eps, mean_decay, var_decay = opts
    pairs = [(offset, "offset"), (scaleFactor, "scaleFactor")]
    if stats:
        pairs += [(stats[0], "runningMu"), (stats[1], "runningSigmaSq")]
    Xd, *vs = _vectors(X, pairs, fname)
    c = X._fmt.index("C")
    axes = tuple(i for i in range(X.ndim) if i != c)
    n = _check_count(X, axes, fname, "the 'S', 'T', 'B' and 'U' dimensions")
    cshape = _channel_shape(X)
    Y, mu, var = bind(_normalize, [Xd._relabelled(), reshaped(vs[0], cshape),
                                   reshaped(vs[1], cshape)], ("", "", ""), axes=axes, epsilon=eps)
    mu, var = _column(mu), _column(var)
    if stats:                  # the running variance takes the unbiased one, N / (N - 1)
        mu = mu * mean_decay + reshaped(vs[2], mu.shape) * (1.0 - mean_decay)
        var = var * (var_decay * n / max(n - 1, 1)) + reshaped(vs[3], var.shape) * \
            (1.0 - var_decay)
    return Y, mu, var


# ==========================================================================
# layernorm, instancenorm, groupnorm
# ==========================================================================

def _layer_axes(X, dim):
    """The axes layernorm normalizes over, by OperationDimension."""
    fmt = X._fmt
    if dim == "auto":     # sequence, temporal and vector data: "C"; images: "S" and "C"
        dim = "channel-only" if ("T" in fmt or "S" not in fmt) else "spatial-channel"
    keep = {"channel-only": "C", "spatial-channel": "SC", "batch-excluded": "SCTU"}[dim]
    return tuple(i for i, lab in enumerate(fmt) if lab in keep)


def _affine_normalize(X, offset, scaleFactor, axes, eps, fname, user_fmt, shape):
    """Y of the per-channel normalization over ``axes`` (layernorm, instancenorm)."""
    Xd, off, sc = _vectors(X, [(offset, "offset"), (scaleFactor, "scaleFactor")], fname)
    cshape = _channel_shape(X)
    Y = bind(_normalize, [Xd._relabelled(), reshaped(off, cshape), reshaped(sc, cshape)],
             ("", "", ""), axes=axes, epsilon=eps)[0]
    return _output(Y, X._fmt, user_fmt, shape)


@name_value_pairs(3)
def layernorm(X, offset, scaleFactor, *, Epsilon=EPSILON, OperationDimension="auto",
              DataFormat=None):
    """Normalize data across all channels for each observation independently, MATLAB's
    ``layernorm``.

    Syntax::

        Y = dl.layernorm(X, offset, scaleFactor)     # MATLAB: Y = layernorm(X,offset,scaleFactor)
        Y = dl.layernorm(X, offset, scaleFactor, OperationDimension="batch-excluded")
        Y = dl.layernorm(X, offset, scaleFactor, Epsilon=1e-6, DataFormat="CBT")

    For each observation (and each time step, or spatial position, outside the
    normalized dimensions) the mean mu and the variance sigmaSq (normalized by N) are
    computed over the dimensions ``OperationDimension`` says, and ``Y = scaleFactor_c *
    (X - mu) / sqrt(sigmaSq + Epsilon) + offset_c``, with one offset and scale factor
    per channel c.

    Input arguments:
        X: a formatted dlarray with a "C" dimension, or an unformatted dlarray or numeric
            array with DataFormat; logical and integer data become double.
        offset: the offset beta, numChannels elements (a vector, an unformatted dlarray,
            or a dlarray whose non-singleton dimension is "C").
        scaleFactor: the scale factor gamma, numChannels elements, as offset.

    Name-value options (keywords, or MATLAB's positional pairs):
        Epsilon: the constant added to the variances, a positive scalar; default 1e-5.
        OperationDimension: the dimensions to normalize over (any case, a unique leading
            part): "auto" (default: "C" for sequence, temporal and vector data, that is,
            X with a "T" dimension or without "S" dimensions; "S" and "C" otherwise),
            "channel-only" ("C"), "spatial-channel" ("S" and "C") or "batch-excluded"
            (every dimension but "B": "S", "C", "T" and "U").
        DataFormat: the labels of an unformatted X, e.g. "CB" or "CBT"; default None.

    Output arguments:
        Y: X normalized, of X's size, format and type (for an unformatted X, unformatted
            in X's dimension order); differentiable with respect to X, offset and
            scaleFactor.

    Differences from MATLAB: offset and scaleFactor have one element per channel for
    every OperationDimension.

    Example::

        X = dl.dlarray(np.random.randn(8, 4, 20), "CBT")
        Y = dl.layernorm(X, np.zeros(8), np.ones(8))          # over "C" at each (B, T)
        Yall = dl.layernorm(X, np.zeros(8), np.ones(8), "OperationDimension", "batch-excluded")
    """
    fname = "layernorm"
    dim = choose(OperationDimension, NORMALIZATION_DIMENSIONS, fname, "OperationDimension")
    eps = _real_scalar(Epsilon, fname, "Epsilon", positive=True)
    X, user_fmt, shape = _input(X, DataFormat, fname)
    axes = _layer_axes(X, dim)
    _check_count(X, axes, fname, f"OperationDimension {dim!r}")
    return _affine_normalize(X, offset, scaleFactor, axes, eps, fname, user_fmt, shape)


@name_value_pairs(3)
def instancenorm(X, offset, scaleFactor, *, Epsilon=EPSILON, DataFormat=None):
    """Normalize across each channel for each observation independently, MATLAB's
    ``instancenorm``.

    Syntax::

        Y = dl.instancenorm(X, offset, scaleFactor)  # MATLAB: Y = instancenorm(X,offset,scaleFactor)
        Y = dl.instancenorm(X, offset, scaleFactor, Epsilon=1e-6, DataFormat="SSCB")

    For each channel c of each observation, the mean and the variance (normalized by
    N) are computed over the "S", "T" and "U" dimensions of X, and ``Y = scaleFactor_c
    * (X - mu) / sqrt(sigmaSq + Epsilon) + offset_c``.

    Input arguments:
        X: a formatted dlarray with a "C" dimension and at least one "S", "T" or "U"
            dimension, or an unformatted dlarray or numeric array with DataFormat.
        offset: the offset beta, numChannels elements (a vector, an unformatted dlarray,
            or a dlarray whose non-singleton dimension is "C").
        scaleFactor: the scale factor gamma, numChannels elements, as offset.

    Name-value options (keywords, or MATLAB's positional pairs):
        Epsilon: the constant added to the variances, a positive scalar; default 1e-5.
        DataFormat: the labels of an unformatted X, e.g. "CBT" or "SSCB"; default None.

    Output arguments:
        Y: X normalized, of X's size, format and type (for an unformatted X, unformatted
            in X's dimension order); differentiable with respect to X, offset and
            scaleFactor.

    Differences from MATLAB: none known.

    Example::

        X = dl.dlarray(np.random.randn(4, 2, 30), "CBT")
        Y = dl.instancenorm(X, np.zeros(4), np.ones(4))      # each channel of each sequence
    """
    fname = "instancenorm"
    eps = _real_scalar(Epsilon, fname, "Epsilon", positive=True)
    X, user_fmt, shape = _input(X, DataFormat, fname)
    axes = tuple(i for i, lab in enumerate(X._fmt) if lab in "STU")
    _check_count(X, axes, fname, "the 'S', 'T' and 'U' dimensions")
    return _affine_normalize(X, offset, scaleFactor, axes, eps, fname, user_fmt, shape)


def _num_groups(numGroups, C, fname):
    if isinstance(numGroups, str):
        which = choose(numGroups, GROUP_NORMALIZATION_GROUPS, fname, "numGroups")
        return 1 if which == "all-channels" else C
    if isinstance(numGroups, bool) or not isinstance(numGroups, numbers.Real) \
            or not math.isfinite(numGroups) or numGroups != int(numGroups) or numGroups < 1:
        raise ValueError(f"{fname}: numGroups must be a positive integer, 'all-channels' or "
                         f"'channel-wise', not {came(numGroups)}")
    G = int(numGroups)
    if C % G:
        raise ValueError(f"{fname}: numGroups ({G}) must divide the number of channels of X "
                         f"({C})")
    return G


@name_value_pairs(4)
def groupnorm(X, numGroups, offset, scaleFactor, *, Epsilon=EPSILON, DataFormat=None):
    """Normalize data across grouped subsets of channels for each observation
    independently, MATLAB's ``groupnorm``.

    Syntax::

        Y = dl.groupnorm(X, numGroups, offset, scaleFactor)   # MATLAB: groupnorm(X,numGroups,offset,scaleFactor)
        Y = dl.groupnorm(X, "all-channels", offset, scaleFactor)
        Y = dl.groupnorm(X, numGroups, offset, scaleFactor, Epsilon=1e-6, DataFormat="CBT")

    The channels are split into numGroups groups of consecutive channels (the first
    numChannels/numGroups channels form the first group, and so on); for each group of
    each observation, the mean and the variance (normalized by N) are computed over the
    group's channels and the "S", "T" and "U" dimensions, and ``Y = scaleFactor_c * (X -
    mu) / sqrt(sigmaSq + Epsilon) + offset_c``.

    Input arguments:
        X: a formatted dlarray with a "C" dimension, or an unformatted dlarray or numeric
            array with DataFormat.
        numGroups: a positive integer dividing the number of channels, "all-channels"
            (one group: layer normalization over "S", "C", "T", "U") or "channel-wise"
            (one group per channel: instance normalization); the names match as
            validatestring does.
        offset: the offset beta, numChannels elements (a vector, an unformatted dlarray,
            or a dlarray whose non-singleton dimension is "C").
        scaleFactor: the scale factor gamma, numChannels elements, as offset.

    Name-value options (keywords, or MATLAB's positional pairs):
        Epsilon: the constant added to the variances, a positive scalar; default 1e-5.
        DataFormat: the labels of an unformatted X, e.g. "CBT" or "SSCB"; default None.

    Output arguments:
        Y: X normalized, of X's size, format and type (for an unformatted X, unformatted
            in X's dimension order); differentiable with respect to X, offset and
            scaleFactor.

    Differences from MATLAB: none known.

    Example::

        X = dl.dlarray(np.random.randn(6, 4, 12), "CBT")
        Y = dl.groupnorm(X, 3, np.zeros(6), np.ones(6))      # 3 groups of 2 channels
        Yc = dl.groupnorm(X, "channel-wise", np.zeros(6), np.ones(6))
    """
    fname = "groupnorm"
    eps = _real_scalar(Epsilon, fname, "Epsilon", positive=True)
    X, user_fmt, shape = _input(X, DataFormat, fname)
    c = X._fmt.index("C")
    C = X.shape[c]
    G = _num_groups(numGroups, C, fname)
    Xd, off, sc = _vectors(X, [(offset, "offset"), (scaleFactor, "scaleFactor")], fname)
    split = X.shape[:c] + (G, C // G) + X.shape[c + 1:]
    pshape = (1,) * c + (G, C // G) + (1,) * (X.ndim - c - 1)
    # the axes of the split layout: S..., G, C/G, B, T, U... (the group axis c stays)
    labels = X._fmt[:c] + "GC" + X._fmt[c + 1:]
    axes = tuple(i for i, lab in enumerate(labels) if lab in "SCTU")
    if math.prod(split[a] for a in axes) == 0:
        raise ValueError(f"{fname}: X (size {_formats.describe(X._fmt, X.shape)}) has no "
                         "elements to normalize over (a group's channels and the 'S', 'T' "
                         "and 'U' dimensions)")
    Xs = bind(_reshape, [Xd._relabelled()], "", shape=split)
    Y = bind(_normalize, [Xs, reshaped(off, pshape), reshaped(sc, pshape)], ("", "", ""),
             axes=axes, epsilon=eps)[0]
    Y = bind(_reshape, [Y], "", shape=X.shape)
    return _output(Y, X._fmt, user_fmt, shape)
