"""Every registered primitive: its vjp against float64 central differences.

The test walks ``REGISTRY``: each primitive the package registers needs an entry
in ``CASES`` (sample inputs, keyword arguments, which inputs to differentiate and
which outputs to weigh), so adding a primitive forces adding its check.  The
gradient goes through ``dlfeval``/``dlgradient`` (so the engine's unbroadcast,
multi-output bookkeeping and ``needs`` masks are part of what is checked) and
is compared with central differences along random directions, in float64.
Primitives whose vjp is made of dlarr ops (``higher=True``) get the same check
of their second derivative (a Hessian-vector product against differences of
the gradient).
"""
import numpy as np
import pytest

import dlarr as dl
from dlarr.core import options as V
from dlarr.core.backend import array_namespace, is_cupy_array
from dlarr.core.dlarray import DLArray
from dlarr.core.registry import REGISTRY, bind, primitive
from dlarr.functions.recurrent import GATE_FUNCTIONS, STATE_FUNCTIONS

# The marker node for "this gradient has no second derivative" is recorded by the
# engine, never bound to inputs: it has no forward to check.
EXCLUDED = {"no_second_derivative"}


def _package_primitives():
    # Tests and docs examples register their own primitives in the same REGISTRY;
    # the package's are those whose forward is defined in a dlarr module.
    return sorted(n for n, p in REGISTRY.items()
                  if p.fwd.__module__.startswith("dlarr.") and n not in EXCLUDED)


# --------------------------------------------------------------------------
# Sample inputs
# --------------------------------------------------------------------------
_rng = np.random.default_rng(20240601)


def N(*shape, scale=1.0):
    """Standard normal samples (no ties, almost surely)."""
    return _rng.standard_normal(shape) * scale


def P(*shape):
    """Positive samples, away from 0 (log, sqrt, power's base)."""
    return np.abs(_rng.standard_normal(shape)) + 0.5


def A(*shape):
    """Samples away from 0, of both signs (abs, relu, prod, division)."""
    x = _rng.standard_normal(shape)
    return np.sign(x) * (np.abs(x) + 0.5)


class Case:
    """Inputs and kwargs for one bind of a primitive.  ``wrt``: the inputs to
    differentiate (default all); ``weigh``: the outputs entering the loss
    (default all); ``gpu``: needs a GPU; ``on_gpu``: the inputs live there."""

    def __init__(self, *inputs, wrt=None, weigh=None, gpu=False, on_gpu=False, eps=1e-6,
                 rtol=1e-6, atol=1e-9, **kwargs):
        self.inputs, self.kwargs = inputs, kwargs
        self.wrt = tuple(range(len(inputs))) if wrt is None else tuple(wrt)
        self.weigh, self.gpu, self.on_gpu = weigh, gpu or on_gpu, on_gpu
        self.eps, self.rtol, self.atol = eps, rtol, atol


def _lstm_case(T=4, B=3, I=2, H=5, h_rows=3, sa="tanh", ga="sigmoid", **kw):
    # MATLAB's order: x I x B x T, the initial states H x (1 or B)
    return Case(N(I, B, T), N(H, h_rows, scale=0.5), N(H, h_rows, scale=0.5),
                N(4 * H, I, scale=0.5), N(4 * H, H, scale=0.5), N(4 * H, scale=0.5),
                state_act=sa, gate_act=ga, keep=True, **kw)


def _gru_case(mode="after-multiplication", T=4, B=3, I=2, H=5, h_rows=3, sa="tanh",
              ga="sigmoid", **kw):
    nb = 6 * H if mode == "recurrent-bias-after-multiplication" else 3 * H
    return Case(N(T, B, I), N(h_rows, H, scale=0.5), N(3 * H, I, scale=0.5),
                N(3 * H, H, scale=0.5), N(nb, scale=0.5),
                mode=mode, state_act=sa, gate_act=ga, **kw)


_MASK = _rng.standard_normal((2, 3)) > 0

CASES = {
    # elementwise arithmetic (broadcast operands: the engine's unbroadcast)
    "add": [Case(N(2, 3), N(3)), Case(N(2, 1, 3), N(4, 1))],
    "subtract": [Case(N(2, 3), N(1, 3))],
    "multiply": [Case(N(2, 3), N(2, 1))],
    "divide": [Case(N(2, 3), A(3))],
    "power": [Case(P(2, 3), N(2, 3)), Case(P(2, 3), N(1))],
    "negate": [Case(N(2, 3))],
    "maximum": [Case(N(2, 3), N(2, 3)), Case(N(2, 3), N(3))],
    "minimum": [Case(N(2, 3), N(2, 3)), Case(N(2, 3), N(3))],
    "where": [Case(N(2, 3), N(2, 3), cond=_MASK), Case(N(2, 3), N(3), cond=_MASK)],
    # elementwise functions
    "exp": [Case(N(2, 3))],
    "log": [Case(P(2, 3))],
    "sqrt": [Case(P(2, 3))],
    "abs": [Case(A(2, 3))],
    "tanh": [Case(N(2, 3))],
    "sigmoid": [Case(N(2, 3, scale=4.0))],
    "relu": [Case(A(2, 3))],
    "sin": [Case(N(2, 3))],
    "cos": [Case(N(2, 3))],
    "erf": [Case(N(2, 3))],
    "normcdf": [Case(N(2, 3))],
    "leakyrelu": [Case(A(2, 3), scale=0.1)],
    "elu": [Case(A(2, 3), alpha=1.5)],
    "softmax": [Case(N(3, 4), axis=0), Case(N(2, 3, 4), axis=1)],
    # piecewise constant (zero gradient; samples away from the jumps) and mod
    "sign": [Case(A(2, 3))],
    "floor": [Case(A(2, 3) + 0.25)],
    "ceil": [Case(A(2, 3) + 0.25)],
    "round": [Case(A(2, 3) + 0.25, digits=0), Case(A(2, 3) + 0.025, digits=1)],
    "mod": [Case(N(2, 3) * 3 + 0.1, A(2, 3)), Case(N(2, 3) * 3 + 0.1, A(3))],
    # matrix multiply (a broadcast stack of matrices too)
    "matmul": [Case(N(3, 4), N(4, 2)), Case(N(2, 3, 4), N(4, 5))],
    # reductions
    "sum": [Case(N(2, 3, 4), axes=(0, 2)), Case(N(2, 3, 4), axes=(1,))],
    "max": [Case(N(2, 3, 4), axes=(1,)), Case(N(2, 3, 4), axes=(0, 2))],
    "min": [Case(N(2, 3, 4), axes=(1,)), Case(N(2, 3, 4), axes=(0, 2))],
    "prod": [Case(A(2, 3, 4), axes=(1,)), Case(A(2, 3, 4), axes=(0, 2))],
    "cumsum": [Case(N(2, 3, 4), axis=1, reverse=False), Case(N(2, 3, 4), axis=2, reverse=True)],
    "prod_others": [Case(A(2, 3, 4), axes=(1,)), Case(A(2, 3, 4), axes=(0, 2))],
    "norm": [Case(N(2, 3, 4), axes=(0, 1, 2), p=2.0), Case(A(2, 3, 4), axes=(1,), p=1.0),
             Case(N(2, 3, 4), axes=(0, 2), p=float("inf")),
             Case(A(2, 3, 4), axes=(0, 1, 2), p=3.0)],
    # structure
    "reshape": [Case(N(2, 3, 4), shape=(6, 4))],
    "transpose": [Case(N(2, 3, 4), perm=(2, 0, 1))],
    "broadcast_to": [Case(N(3, 1), shape=(2, 3, 4))],
    "getitem": [Case(N(4, 5), key=(slice(1, 3), np.array([0, 2, 2]))),
                Case(N(4, 5), key=np.array([3, 0, 3])),
                Case(N(4, 5), key=N(4, 5) > 0),
                Case(N(4, 5), key=(slice(None, None, 2), 1))],
    "scatter_add": [Case(N(2, 3), key=(slice(1, 3), np.array([0, 2, 2])), shape=(4, 5)),
                    Case(N(2, 5), key=slice(1, 3), shape=(4, 5))],
    "setitem": [Case(N(4, 5), N(2, 5), key=slice(1, 3)),
                Case(N(4, 5), N(1), key=(0, np.array([1, 3])))],
    "concat": [Case(N(2, 3), N(4, 3), N(1, 3), axis=0), Case(N(2, 3), N(2, 1), axis=1)],
    "cast": [Case(N(2, 3), dtype=np.float64),
             # float32 -> float64: linear, so a large step is exact up to float32 rounding
             Case(N(2, 3).astype(np.float32), dtype=np.float64, eps=1e-2, rtol=1e-5)],
    # host/GPU moves (to_host's gradient goes to the GPU)
    "to_host": [Case(N(2, 3), on_gpu=True)],
    "to_gpu": [Case(N(2, 3), gpu=True)],
    # recurrent operations: several outputs, a residual, a hand-written BPTT
    "lstm": [_lstm_case(),
             _lstm_case(h_rows=1, sa="softsign", ga="hard-sigmoid"),
             _lstm_case(sa="relu"),
             _lstm_case(weigh=(1,)),                  # only hT: no gradient for Y or cT
             _lstm_case(weigh=(0, 2), wrt=(5,)),       # db alone
             _lstm_case(wrt=(0, 1, 2)),                # dX, dH0, dC0 without the weights
             _lstm_case(T=1, B=1, I=3, H=2, h_rows=1)],
    "gru": [_gru_case(),
            _gru_case("before-multiplication", h_rows=1, sa="softsign", ga="hard-sigmoid"),
            _gru_case("recurrent-bias-after-multiplication", sa="relu"),
            _gru_case("before-multiplication", weigh=(1,)),
            _gru_case(weigh=(0,), wrt=(2, 3, 4))],
    # --- issue 13: convolution and pooling (keep this line; add entries below it) ---
    **__import__("conv_cases").primitive_cases(Case, N),   # tests/conv_cases.py
    # --- issue 13: normalization (keep this line; add entries below it) ---
    "normalize": [Case(N(3, 4, 5), N(3, 1, 1), P(3, 1, 1), axes=(1, 2), epsilon=1e-5),   # batch
                  Case(N(3, 4, 5), N(3, 1, 1), P(3, 1, 1), axes=(0,), epsilon=1e-3),     # layer
                  Case(N(2, 3, 4, 2), N(1, 3, 1, 1), P(1, 3, 1, 1), axes=(0, 2),
                       epsilon=1e-5),                                # instance, "SCBT"
                  Case(N(2, 3, 4, 5), N(2, 3, 1, 1), P(2, 3, 1, 1), axes=(1, 3),
                       epsilon=1e-5),                                # group: G, C/G, B, T
                  Case(N(3, 4, 5), N(3, 1, 1), P(3, 1, 1), axes=(1, 2), epsilon=1e-5,
                       weigh=(1, 2), wrt=(0,)),                      # the statistics alone
                  Case(N(3, 4, 5), N(3, 1, 1), P(3, 1, 1), axes=(1, 2), epsilon=1e-5,
                       weigh=(0,), wrt=(1, 2))],                     # offset, scale alone
    # --- issue 13: attention, embedding, activations (keep this line; add entries below it) ---
    "attention_weights": [Case(N(2, 2, 3, 4), N(2, 2, 5, 4), scale=0.5, mask=None),
                          # a causal mask with key padding; query 0 of observation 1 has
                          # every key masked (zero weights, zero gradient)
                          Case(N(2, 2, 3, 4), N(2, 2, 5, 4), scale=0.7,
                               mask=(np.arange(5) <= np.arange(3)[:, None] + 1)
                               & np.array([[1, 1, 1, 1, 1], [0, 0, 1, 1, 1]],
                                          bool)[:, None, None, :]),
                          Case(N(1, 3, 4, 2), N(1, 3, 4, 2), scale=1.0, mask=None, wrt=(1,))],
    "clippedrelu": [Case(np.array([[-1.2, 0.4, 0.9], [2.3, -0.6, 1.1]]), ceiling=1.5)],
    # trainNetwork's classificationLayer loss: probabilities, one-hot targets, weights
    "classification_loss": [
        Case(P(3, 4) / 4, np.eye(3)[:, [0, 2, 1, 0]], weights=None, floor=1e-3, n=4, wrt=(0,)),
        Case(np.array([[0.3, 1e-4], [0.7, 0.2]]), np.eye(2), weights=None, floor=1e-3, n=2,
             wrt=(0,)),                                       # below the floor: no gradient
        Case(P(3, 2, 5) / 4, np.eye(3)[:, [0, 2]][:, :, None] * np.ones(5), floor=1e-3, n=2,
             weights=np.array([0.5, 2.0, 1.0])[:, None, None] * (np.arange(5) < 4),
             wrt=(0,))],
    "swish": [Case(N(2, 3, scale=3.0))],
}


# --------------------------------------------------------------------------
# The check
# --------------------------------------------------------------------------

def _host(a):
    return a.get() if is_cupy_array(a) else np.asarray(a)


def _like(raw, a):
    """Host array ``a`` on the device of ``raw``."""
    return array_namespace(raw).asarray(a)


def _loss_of(prim, case, weights):
    """L(inputs) = sum over the weighed outputs of sum(out * fixed random weights)."""
    fmt = ("",) * prim.nout if prim.nout > 1 else ""

    def loss(*xs):
        out = bind(prim, list(xs), fmt, **case.kwargs)
        outs = out if isinstance(out, tuple) else (out,)
        total = None
        for k in (case.weigh if case.weigh is not None else range(len(outs))):
            o = outs[k]
            if o.dtype != np.float64:
                o = dl.cast(o, np.float64)
            w = array_namespace(o._data).asarray(weights[k])
            term = dl.sum(o * DLArray._new(w, ""), "all")
            total = term if total is None else total + term
        return total
    return loss


def _setup(name, case):
    if case.gpu and not dl.canUseGPU():
        pytest.skip(f"{name}: needs a GPU")
    prim = REGISTRY[name]
    fmt = ("",) * prim.nout if prim.nout > 1 else ""
    raws = [np.asarray(x) for x in case.inputs]
    if case.on_gpu:
        import cupy
        raws = [cupy.asarray(x) for x in raws]
    out = bind(prim, [DLArray._new(x, "") for x in raws], fmt, **case.kwargs)
    outs = out if isinstance(out, tuple) else (out,)
    rng = np.random.default_rng(7)
    weights = [rng.standard_normal(o.shape) for o in outs]
    return prim, raws, _loss_of(prim, case, weights)


def _value(loss, raws, i=None, step=None):
    xs = [DLArray._new(x, "") for x in raws]
    if i is not None:
        xs[i] = DLArray._new((raws[i] + _like(raws[i], step)).astype(raws[i].dtype), "")
    return float(_host(loss(*xs)._data).reshape(()))


def _agree(fd, an, case, what):
    assert abs(fd - an) <= case.atol + case.rtol * max(abs(fd), abs(an)), \
        f"{what}: finite difference {fd!r} vs dlgradient {an!r}"


def _check_first(name, case):
    prim, raws, loss = _setup(name, case)

    def f(*xs):
        gs = dl.dlgradient(loss(*xs), *[xs[i] for i in case.wrt])
        return gs if isinstance(gs, tuple) else (gs,)

    grads = dl.dlfeval(f, *[dl.dlarray(x) for x in raws])
    rng = np.random.default_rng(11)
    for i, g in zip(case.wrt, grads):
        g = _host(dl.extractdata(g))
        assert g.shape == raws[i].shape and g.dtype == raws[i].dtype, (name, i, g.shape)
        for _ in range(2):
            v = rng.standard_normal(raws[i].shape)
            fd = (_value(loss, raws, i, case.eps * v)
                  - _value(loss, raws, i, -case.eps * v)) / (2 * case.eps)
            _agree(fd, float(np.sum(g * v)), case, f"{name}: input {i}")


def _check_second(name, case):
    """H v (through EnableHigherDerivatives) against differences of the gradient."""
    prim, raws, loss = _setup(name, case)
    rng = np.random.default_rng(13)
    for i in case.wrt:
        v = rng.standard_normal(raws[i].shape)

        def grad(*xs):
            return dl.dlgradient(loss(*xs), xs[i])

        def hvp(*xs):
            g = dl.dlgradient(loss(*xs), xs[i], EnableHigherDerivatives=True)
            return dl.dlgradient(dl.sum(g * DLArray._new(_like(g._data, v), ""), "all"), xs[i])

        def grad_at(t):
            xs = list(raws)
            xs[i] = (raws[i] + _like(raws[i], t * v)).astype(raws[i].dtype)
            return _host(dl.extractdata(dl.dlfeval(grad, *[dl.dlarray(x) for x in xs])))

        Hv = _host(dl.extractdata(dl.dlfeval(hvp, *[dl.dlarray(x) for x in raws])))
        eps = 1e-5
        fd = (grad_at(eps) - grad_at(-eps)) / (2 * eps)
        w = rng.standard_normal(raws[i].shape)
        _agree(float(np.sum(fd * w)), float(np.sum(Hv * w)),
               Case(rtol=1e-5, atol=1e-7), f"{name}: second derivative, input {i}")


PRIMITIVES = _package_primitives()


def test_every_case_names_a_primitive_of_the_package():
    assert set(CASES) <= set(PRIMITIVES), sorted(set(CASES) - set(PRIMITIVES))


@pytest.mark.parametrize("name", PRIMITIVES)
def test_vjp_matches_central_differences(name):
    if name not in CASES:
        pytest.fail(f"primitive {name!r} has no gradient check: add its sample inputs to "
                    "CASES in tests/test_primitives.py")
    for case in CASES[name]:
        _check_first(name, case)


@pytest.mark.parametrize("name", [n for n in PRIMITIVES if REGISTRY[n].higher])
def test_second_derivative_matches_differences_of_the_gradient(name):
    if name not in CASES:
        pytest.fail(f"primitive {name!r} has no gradient check in CASES")
    for case in CASES[name]:
        _check_second(name, case)


# --------------------------------------------------------------------------
# The registry's rules
# --------------------------------------------------------------------------

def test_a_primitive_without_vjp_is_an_error_naming_it():
    with pytest.raises(ValueError, match="primitive 'x' has no vjp"):
        primitive("x", None)
    with pytest.raises(ValueError, match="primitive 'x' has no vjp"):
        primitive("x", vjp=None)
    with pytest.raises(TypeError, match="primitive 'x': vjp must be a function"):
        primitive("x", "not a function")
    assert "x" not in REGISTRY


def test_every_vjp_is_named_after_its_primitive():
    for name in PRIMITIVES + sorted(EXCLUDED):
        p = REGISTRY[name]
        assert p.vjp.__name__ not in ("_", "<lambda>"), name
        assert p.vjp.__name__ in (f"{p.fwd.__name__}_vjp", f"_{name}_vjp"), \
            (name, p.vjp.__name__)


def test_a_primitive_is_defined_once():
    with pytest.raises(RuntimeError, match="'exp' is defined twice"):
        primitive("exp", lambda needs, g, ans, a: (g,))(lambda a: a)


def test_recurrent_activation_tables_follow_the_vocabulary():
    assert tuple(STATE_FUNCTIONS) == V.STATE_ACTIVATIONS
    assert tuple(GATE_FUNCTIONS) == V.GATE_ACTIVATIONS
