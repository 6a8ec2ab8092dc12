"""Gradient-check cases of the convolution and pooling primitives, for
tests/test_primitives.py's CASES (issue 13: convolution and pooling).

Kept here, beside that file, because each case needs a geometry object of
dlarr.functions (``ConvGeometry``, ``Windows``) and, for the max-pool adjoints,
the winning taps of a real forward pass; ``primitive_cases(Case, N)`` returns the
entries that CASES unpacks below its anchor.
"""
from dlarr.functions.conv import ConvGeometry, _dlconv
from dlarr.functions.pooling import _maxpool, _avgpool
from dlarr.functions.windows import Windows


def _conv(N, x_shape, w_shape, geo):
    out = _dlconv.fwd(N(*x_shape), N(*w_shape), geo=geo)[0].shape
    return x_shape, w_shape, out


def primitive_cases(Case, N):
    # 1-D over the last axis of (C, B, T) data: stride 2, padding (2, 1) of 0.5
    g1 = ConvGeometry(Windows((2,), (3,), (2,), (1,), ((2, 1),)), 0, 0.5)
    # 2-D grouped (2 groups of 2 channels) on (S, S, C, B) data, dilated and strided
    g2 = ConvGeometry(Windows((0, 1), (2, 3), (1, 2), (2, 1), ((1, 0), (0, 2))), 2, 0.0)
    # 1-D over the first axis of (S, C, B) data: dilation 2, channel-wise (3 groups)
    g3 = ConvGeometry(Windows((0,), (2,), (1,), (2,), ((1, 1),)), 1, -0.25)
    convs = [(g1, _conv(N, (4, 2, 7), (3, 4, 3, 1), g1)),
             (g2, _conv(N, (6, 5, 4, 2), (2, 3, 2, 3, 2), g2)),
             (g3, _conv(N, (6, 3, 2), (2, 1, 2, 3), g3))]

    p1 = Windows((2,), (3,), (2,), (1,), ((1, 1),))                       # (C, B, T), over T
    p2 = Windows((0, 1), (2, 3), (1, 2), (1, 1), ((1, 0), (1, 2)))       # (S, S, C, B)
    x1, x2 = N(3, 2, 8), N(5, 7, 2, 2)
    pools = [(p1, x1, _maxpool.fwd(x1, win=p1)), (p2, x2, _maxpool.fwd(x2, win=p2))]
    avg = [(p1, (3, 2, 8), _avgpool.fwd(N(3, 2, 8), win=p1, mean=False).shape),
           (p2, (5, 7, 2, 2), _avgpool.fwd(N(5, 7, 2, 2), win=p2, mean=True).shape)]
    return {
        "dlconv": [Case(N(*xs), N(*ws), geo=g) for g, (xs, ws, _) in convs],
        "dlconv_input_grad": [Case(N(*ys), N(*ws), geo=g, x_shape=xs)
                              for g, (xs, ws, ys) in convs],
        "dlconv_weights_grad": [Case(N(*xs), N(*ys), geo=g, w_shape=ws)
                                for g, (xs, ws, ys) in convs],
        "maxpool": [Case(x, win=w) for w, x, _ in pools],
        "maxpool_scatter": [Case(N(*y.shape), win=w, idx=idx, x_shape=x.shape)
                            for w, x, (y, idx) in pools],
        "maxpool_gather": [Case(N(*x.shape), win=w, idx=idx) for w, x, (y, idx) in pools],
        "avgpool": [Case(N(*xs), win=w, mean=m) for (w, xs, _), m in zip(avg, (False, True))]
        + [Case(N(*xs), win=w, mean=not m) for (w, xs, _), m in zip(avg, (False, True))],
        "avgpool_adjoint": [Case(N(*ys), win=w, mean=m, x_shape=xs)
                            for (w, xs, ys), m in zip(avg, (False, True))],
    }
