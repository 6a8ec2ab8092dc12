"""flatten: the spatial dimensions of labelled data folded into the channels.

The operation of MATLAB's ``flattenLayer`` as a function on dlarray data: an
h x w x c x N ("SSCB") image batch becomes (h*w*c) x N ("CB"), flattened in MATLAB's
column-major order (S1 fastest, then S2, ..., then C), so that weights learned in
MATLAB after a flatten layer apply unchanged.  A transpose and a reshape (recorded),
no copy loop.

MathWorks page (the layer whose operation this is):
  https://www.mathworks.com/help/deeplearning/ref/nnet.cnn.layer.flattenlayer.html
"""
from __future__ import annotations

import math

from ..core.arguments import came
from ..core.dlarray import DLArray
from ..core.registry import bind
from ..core.structural import _reshape, _transpose


def flatten(X):
    """Fold the spatial dimensions into the channel dimension: the operation of MATLAB's
    ``flattenLayer``, as a function on dlarray data.

    Syntax::

        Y = dl.flatten(X)

    Input arguments:
        X: a formatted dlarray.  Its "S" dimensions and its "C" dimension (if any; none
            counts as one channel) are flattened into one "C" dimension in MATLAB's
            column-major order (S1 fastest, then S2, ..., then C); "B", "T" and "U"
            dimensions are kept.

    Output arguments:
        Y: a formatted dlarray of X's type: "SSCB" data of size h x w x c x N gives
            "CB" of size (h*w*c) x N, "SSCBT" gives "CBT", "SCB" gives "CB".  X without
            "S" dimensions is returned as it is (a "CBT" sequence is unchanged).
            Differentiable with respect to X.

    Differences from MATLAB: MATLAB has the layer only (flattenLayer); the function is
    dlarr's.

    Example::

        X = dl.dlarray(np.random.rand(4, 3, 2, 5), "SSCB")
        Y = dl.flatten(X)            # 24(C) x 5(B)
        # Y[:, n] equals X[:, :, :, n] flattened in column-major order:
        np.allclose(dl.extractdata(Y)[:, 0],
                    dl.extractdata(X)[:, :, :, 0].reshape(-1, order="F"))   # True
    """
    if not isinstance(X, DLArray) or not X._fmt:
        what = "an unformatted dlarray" if isinstance(X, DLArray) else came(X)
        raise TypeError(f"flatten: X must be a formatted dlarray (e.g. dl.dlarray(X, "
                        f"'SSCB')), not {what}")
    fmt = X._fmt
    if "S" not in fmt:
        return X
    n_feat = sum(lab in "SC" for lab in fmt)           # S..., C lead in canonical order
    rest_fmt, rest_shape = fmt[n_feat:], X.shape[n_feat:]
    D = X._relabelled()
    if n_feat > 1:          # column-major: reverse the feature axes, then row-major reshape
        D = bind(_transpose, [D], "", perm=tuple(reversed(range(n_feat)))
                 + tuple(range(n_feat, X.ndim)))
    Y = bind(_reshape, [D], "", shape=(math.prod(X.shape[:n_feat]),) + tuple(rest_shape))
    return Y._relabelled("C" + rest_fmt)
