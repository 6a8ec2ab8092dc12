import numpy as np
import pytest

import dlarr as dl


def _loss_fn(f, weights_seed=1234):
    """L(xs) = sum(f(xs) * R), R fixed random of f's output shape."""
    cache = {}

    def loss(*xs):
        y = f(*xs)
        if not isinstance(y, (tuple, list)):
            y = (y,)
        total = None
        for k, yi in enumerate(y):
            if k not in cache:
                cache[k] = np.random.default_rng(weights_seed + k).standard_normal(yi.shape)
            term = dl.sum(yi * dl.dlarray(cache[k], yi.dims) if yi.dims else yi * cache[k], "all")
            total = term if total is None else total + term
        return total
    return loss


def check_grad(f, *xs, eps=1e-6, rtol=1e-6, atol=1e-9, ndirs=3, seed=0):
    """Check dlgradient of a random projection of f against float64 central
    differences along random directions.  ``xs`` are float64 DLArrays."""
    loss = _loss_fn(f)

    def fg(*args):
        L = loss(*args)
        return L, dl.dlgradient(L, *args) if len(args) > 1 else (dl.dlgradient(L, *args),)

    L0, grads = dl.dlfeval(fg, *xs)
    rng = np.random.default_rng(seed)
    for i, x in enumerate(xs):
        g = dl.extractdata(grads[i])
        assert g.shape == x.shape, (i, g.shape, x.shape)
        assert grads[i].dims == x.dims
        for _ in range(ndirs):
            v = rng.standard_normal(x.shape)
            def at(t):
                args = list(xs)
                args[i] = dl.dlarray(dl.extractdata(x) + t * v, x.dims)
                return float(dl.extractdata(loss(*args)).sum())
            fd = (at(eps) - at(-eps)) / (2 * eps)
            an = float(np.sum(g * v))
            assert abs(fd - an) <= atol + rtol * max(abs(fd), abs(an)), \
                f"input {i}: finite difference {fd!r} vs dlgradient {an!r}"
    return grads


@pytest.fixture
def rng():
    return np.random.default_rng(42)
