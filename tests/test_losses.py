"""Losses: closed forms computed with NumPy for every NormalizationFactor, with
masks and weights; MATLAB's documented example values; gradients and second
derivatives against central differences; shape, format and option errors."""
import numpy as np
import pytest

import dlarr as dl
from conftest import check_grad
from dlarr.functions.activations import softmax
from dlarr.functions.losses import crossentropy, huber, indexcrossentropy, l1loss, l2loss, mse
from test_activations import hvp_check

NORMS = ["batch-size", "all-elements", "mask-included", "none"]
C, B, T = 3, 4, 2                                    # "CBT" test data


def R(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def probs(seed=0):
    x = R(C, B, T, seed=seed)
    e = np.exp(x)
    return e / e.sum(0, keepdims=True)


def onehot(t, k=C):
    return np.moveaxis(np.eye(k)[t], -1, 0)          # (B, T) labels -> (C, B, T)


LABELS = np.array([[0, 2], [1, 1], [2, 0], [1, 2]])  # (B, T)
MASK = np.ones((C, B, T))
MASK[:, 1, 1] = 0                                    # a padded time step
MASK[:, 3, :] = 0                                    # an observation with nothing included
CLASS_W = np.array([0.5, 2.0, 1.5])


def reduce_ref(l, m, norm):
    """sum(m .* l) / N, "CBT" data, N from the NormalizationFactor."""
    s = l * m
    if norm == "batch-size":
        return s.sum() / l.shape[1]
    if norm == "all-elements":
        return s.sum() / l.size
    if norm == "none":
        return s.sum()
    cnt = (np.broadcast_to(m, l.shape) != 0).sum(axis=(0, 2))
    return (s.sum(axis=(0, 2)) / np.maximum(cnt, 1)).sum()


def check_scalar(loss, ref, rtol=1e-13):
    assert isinstance(loss, dl.DLArray) and loss.dims == "" and loss.shape == ()
    np.testing.assert_allclose(float(loss), ref, rtol=rtol)


# --------------------------------------------------------------------------
# crossentropy
# --------------------------------------------------------------------------

@pytest.mark.parametrize("norm", NORMS)
def test_crossentropy_closed_form(norm):
    p, t = probs(), onehot(LABELS)
    Y = dl.dlarray(p, "CBT")
    l = -t * np.log(p)
    if norm != "mask-included":
        check_scalar(crossentropy(Y, t, NormalizationFactor=norm), reduce_ref(l, 1.0, norm))
    # with class weights and a mask
    w = dl.dlarray(CLASS_W, "C")
    ref = reduce_ref(l * CLASS_W[:, None, None], MASK, norm)
    check_scalar(crossentropy(Y, t, w, Mask=MASK, NormalizationFactor=norm), ref)
    check_scalar(crossentropy(Y, t, CLASS_W, WeightsFormat="C", Mask=MASK > 0,
                              NormalizationFactor=norm), ref)


def test_crossentropy_batch_divides_by_observations_not_time_steps():
    p, t = probs(), onehot(LABELS)
    loss = float(crossentropy(dl.dlarray(p, "CBT"), t))
    assert loss == pytest.approx(-(t * np.log(p)).sum() / B, rel=1e-14)
    # the default is "batch-size", and "batch" is accepted for it (validatestring)
    assert float(crossentropy(dl.dlarray(p, "CBT"), t, NormalizationFactor="batch")) == loss
    assert float(crossentropy(dl.dlarray(p, "CBT"), t, NormalizationFactor="BATCH-SIZE")) == loss


def test_crossentropy_observation_and_element_weights():
    p, t = probs(), onehot(LABELS)
    Y = dl.dlarray(p, "CBT")
    l = -t * np.log(p)
    wb = np.array([1.0, 0.0, 2.0, 3.0])
    ref = (l * wb[None, :, None]).sum() / B
    check_scalar(crossentropy(Y, t, dl.dlarray(wb, "B")), ref)
    check_scalar(crossentropy(Y, t, wb, WeightsFormat="B"), ref)
    we = R(C, B, T, seed=3) ** 2                       # one weight per element, Y's order
    check_scalar(crossentropy(Y, t, we), (l * we).sum() / B)
    wbt = R(B, T, seed=4) ** 2                         # observation x time weights
    check_scalar(crossentropy(Y, t, dl.dlarray(wbt, "BT")), (l * wbt[None]).sum() / B)


def test_crossentropy_multilabel():
    p = 1 / (1 + np.exp(-R(C, B, T, seed=5)))
    t = (R(C, B, T, seed=6) > 0).astype(float)
    l = -(t * np.log(p) + (1 - t) * np.log(1 - p))
    Y = dl.dlarray(p, "CBT")
    for norm in ("batch-size", "all-elements", "none"):
        ref = reduce_ref(l, 1.0, norm)
        check_scalar(crossentropy(Y, t, ClassificationMode="multilabel", NormalizationFactor=norm),
                     ref)
        check_scalar(crossentropy(Y, t, TargetCategories="independent", NormalizationFactor=norm),
                     ref)
    check_scalar(crossentropy(Y, t, TargetCategories="exclusive"), (-t * np.log(p)).sum() / B)
    with pytest.raises(ValueError, match="disagree"):
        crossentropy(Y, t, ClassificationMode="single-label", TargetCategories="independent")
    with pytest.raises(ValueError, match="valid values are 'single-label', 'multilabel'"):
        crossentropy(Y, t, ClassificationMode="binary")


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_crossentropy_bounds_probabilities_away_from_zero(dtype):
    p = np.array([[0.0, 0.5], [1.0, 0.5]], dtype)     # 2 classes x 2 observations
    t = np.array([[1.0, 0.0], [0.0, 1.0]])
    eps = np.finfo(dtype).eps

    def f(y):
        loss = crossentropy(y, t)
        return loss, dl.dlgradient(loss, y)
    loss, g = dl.dlfeval(f, dl.dlarray(p, "CB"))
    assert loss.dtype == dtype
    np.testing.assert_allclose(float(loss), (-np.log(eps) - np.log(0.5)) / 2, rtol=1e-6)
    assert np.isfinite(dl.extractdata(g)).all()
    ml = crossentropy(dl.dlarray(p, "CB"), t, ClassificationMode="multilabel")
    assert np.isfinite(float(ml))


# --------------------------------------------------------------------------
# indexcrossentropy
# --------------------------------------------------------------------------

def test_indexcrossentropy_matches_matlab_documented_example():
    # indexcrossentropy's page: Y = softmax(rand(5,7)) as "CB", T = randi(5,[1 7]) gives
    # T = [5 4 2 5 1 3 2] and loss = 1.5620.  NumPy's legacy MT19937 seeded with 5489
    # draws MATLAB's default rand stream, which reproduces the page's Y.
    rs = np.random.RandomState(5489)
    y = rs.random_sample(35).reshape(7, 5).T          # MATLAB's column-major rand(5,7)
    assert np.array_equal(np.ceil(rs.random_sample(7) * 5), [5, 4, 2, 5, 1, 3, 2])
    Y = softmax(dl.dlarray(y, "CB"))
    t = np.array([5, 4, 2, 5, 1, 3, 2]) - 1           # 0-based class indices
    assert round(float(indexcrossentropy(Y, t)), 4) == 1.5620
    assert round(float(indexcrossentropy(Y, t[None])), 4) == 1.5620   # 1 x 7 as in MATLAB


@pytest.mark.parametrize("norm", ["batch-size", "all-elements", "none"])
def test_indexcrossentropy_equals_crossentropy_with_onehot_targets(norm):
    p = probs(seed=1)
    Y = dl.dlarray(p, "CBT")
    t = onehot(LABELS)
    for w in (None, dl.dlarray(CLASS_W, "C"), dl.dlarray(R(C, B, T, seed=2) ** 2, "CBT"),
              dl.dlarray(np.array([1.0, 2.0, 0.0, 1.0]), "B")):
        ref = float(crossentropy(Y, t, w, NormalizationFactor=norm))
        for targets in (LABELS, LABELS[None], dl.dlarray(LABELS, "BT"),
                        dl.dlarray(LABELS[None].astype(float), "CBT")):
            check_scalar(indexcrossentropy(Y, targets, w, NormalizationFactor=norm), ref)


def test_indexcrossentropy_mask_and_layouts():
    p = probs(seed=2)
    Y = dl.dlarray(p, "CBT")
    lt = -np.log(np.take_along_axis(p, LABELS[None], 0))[0]      # (B, T)
    m = MASK[0]
    check_scalar(indexcrossentropy(Y, LABELS, Mask=m), (lt * m).sum() / B)
    cnt = np.maximum(m.sum(1), 1)
    check_scalar(indexcrossentropy(Y, LABELS, Mask=m, NormalizationFactor="mask-included"),
                 ((lt * m).sum(1) / cnt).sum())
    # Y unformatted in "TBC" order, targets in the same order without "C"
    yu = np.transpose(p, (2, 1, 0))
    check_scalar(indexcrossentropy(yu, LABELS.T, DataFormat="TBC"), lt.sum() / B)
    none = indexcrossentropy(yu, LABELS.T, DataFormat="TBC", Reduction="none")
    assert none.dims == "" and none.shape == (T, B, 1)
    np.testing.assert_allclose(dl.extractdata(none)[..., 0], lt.T, rtol=1e-14)
    none = indexcrossentropy(Y, LABELS, Reduction="none")
    assert none.dims == "CBT" and none.shape == (1, B, T)


def test_indexcrossentropy_errors():
    Y = dl.dlarray(probs(), "CBT")
    with pytest.raises(ValueError, match=r"0-based class indices in 0\.\.2 .* range over 1\.\.3"):
        indexcrossentropy(Y, LABELS + 1)
    with pytest.raises(ValueError, match="0-based class indices"):
        indexcrossentropy(Y, LABELS - 1)
    with pytest.raises(ValueError, match="integer class indices"):
        indexcrossentropy(Y, LABELS + 0.5)
    with pytest.raises(ValueError, match=r"targets has size 3 x 2; expected 1\(C\) x 4\(B\) x "
                                         r"2\(T\) .* or 4\(B\) x 2\(T\)"):
        indexcrossentropy(Y, LABELS[:3])
    with pytest.raises(ValueError, match="targets has size 4\\(B\\)"):
        indexcrossentropy(Y, dl.dlarray(np.zeros(4), "B"))
    with pytest.raises(ValueError, match="no 'C'"):
        indexcrossentropy(dl.dlarray(np.ones((4, 2)), "BT"), LABELS)


# --------------------------------------------------------------------------
# mse, l1loss, l2loss, huber
# --------------------------------------------------------------------------

def test_mse_and_l2loss_match_matlab_documented_examples():
    # mse's page: Y = rand(6,6,1,1) as "SSCB", targets = ones: loss = 5.2061
    rs = np.random.RandomState(5489)                  # MATLAB's default rand stream
    y = rs.random_sample(36).reshape(6, 6).T
    assert round(float(mse(dl.dlarray(y, "SSCB"), np.ones((6, 6)))), 4) == 5.2061
    # l2loss's page: Y = rand(10,12) as "CB", targets = rand(10,12): loss = 1.4748
    rs = np.random.RandomState(5489)
    y = rs.random_sample(120).reshape(12, 10).T
    t = rs.random_sample(120).reshape(12, 10).T
    assert round(float(l2loss(dl.dlarray(y, "CB"), t)), 4) == 1.4748


def test_mse_is_half_the_squared_error_per_observation():
    y, t = R(C, B, T, seed=7), R(C, B, T, seed=8)
    check_scalar(mse(dl.dlarray(y, "CBT"), t), ((y - t) ** 2).sum() / (2 * B))
    check_scalar(mse(dl.dlarray(y, "CBT"), t), float(l2loss(dl.dlarray(y, "CBT"), t)) / 2)
    # no "B" dimension: a single observation
    check_scalar(mse(dl.dlarray(y[:, 0], "CT"), t[:, 0]), ((y[:, 0] - t[:, 0]) ** 2).sum() / 2)
    # DataFormat: Y and targets given in the same (here "TCB") order
    check_scalar(mse(np.transpose(y, (2, 0, 1)), np.transpose(t, (2, 0, 1)), DataFormat="TCB"),
                 ((y - t) ** 2).sum() / (2 * B))


def huber_ref(d, delta):
    a = np.abs(d)
    return np.where(a <= delta, 0.5 * d * d, delta * a - 0.5 * delta ** 2)


REGRESSION = [
    (l1loss, lambda d: np.abs(d)),
    (l2loss, lambda d: d * d),
    (huber, lambda d: huber_ref(d, 1.0)),
    (lambda *a, **k: huber(*a, TransitionPoint=0.5, **k), lambda d: huber_ref(d, 0.5)),
]


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("fn, elem", REGRESSION)
def test_regression_losses_closed_form(fn, elem, norm):
    y, t = R(C, B, T, seed=9), R(C, B, T, seed=10)
    l = elem(y - t)
    Y = dl.dlarray(y, "CBT")
    if norm != "mask-included":
        check_scalar(fn(Y, t, NormalizationFactor=norm), reduce_ref(l, 1.0, norm))
    w = dl.dlarray(CLASS_W, "C")
    check_scalar(fn(Y, t, w, Mask=MASK, NormalizationFactor=norm),
                 reduce_ref(l * CLASS_W[:, None, None], MASK, norm))
    # a formatted mask over (B, T) only expands over "C"
    check_scalar(fn(Y, t, Mask=dl.dlarray(MASK[0], "BT"), NormalizationFactor=norm),
                 reduce_ref(l, MASK[0][None], norm))


def test_reduction_none_keeps_elements_and_order():
    y, t = R(C, B, T, seed=11), R(C, B, T, seed=12)
    L = l2loss(dl.dlarray(y, "CBT"), t, dl.dlarray(CLASS_W, "C"), Mask=MASK, Reduction="none")
    assert L.dims == "CBT" and L.shape == (C, B, T)
    np.testing.assert_allclose(dl.extractdata(L), (y - t) ** 2 * CLASS_W[:, None, None] * MASK)
    yb, tb = y[:, :, 0].T, t[:, :, 0].T                 # B x C, unformatted
    L = l1loss(yb, tb, DataFormat="BC", Reduction="none")
    assert L.dims == "" and L.shape == (B, C)
    np.testing.assert_allclose(dl.extractdata(L), np.abs(yb - tb))
    L = crossentropy(dl.dlarray(probs(), "CBT"), onehot(LABELS), Reduction="none")
    assert L.dims == "CBT" and L.shape == (C, B, T)


def test_DataFormat_orders_targets_weights_and_mask_like_Y():
    y, t = R(C, B, T, seed=13), R(C, B, T, seed=14)
    we = R(C, B, T, seed=15) ** 2
    ref = float(l2loss(dl.dlarray(y, "CBT"), t, we, Mask=MASK,
                       NormalizationFactor="mask-included"))
    perm = (1, 2, 0)                                   # given as "BTC"
    out = l2loss(dl.dlarray(np.transpose(y, perm)), np.transpose(t, perm), np.transpose(we, perm),
                 Mask=np.transpose(MASK, perm), NormalizationFactor="mask-included",
                 DataFormat="BTC")
    check_scalar(out, ref)


def test_outputs_are_traced_scalars_and_keep_single():
    y32 = dl.dlarray(R(C, B, seed=16).astype(np.float32), "CB")
    t = np.abs(R(C, B, seed=17))
    for fn in (mse, l1loss, l2loss, huber):
        assert fn(y32, t).dtype == np.float32
    assert crossentropy(softmax(y32), t).dtype == np.float32
    assert indexcrossentropy(softmax(y32), np.zeros(B, int)).dtype == np.float32

    def f(y):
        loss = huber(y, t)
        assert loss.traced and loss.dims == "" and loss.shape == ()
        return loss
    dl.dlfeval(f, dl.dlarray(R(C, B, seed=18), "CB"))
    assert not huber(dl.dlarray(R(C, B, seed=18), "CB"), t).traced


# --------------------------------------------------------------------------
# Gradients (first and second) against central differences
# --------------------------------------------------------------------------

def test_gradients_wrt_predictions_targets_and_weights():
    x = R(C, B, T, seed=19)
    X = dl.dlarray(x, "CBT")
    t = onehot(LABELS)
    w = dl.dlarray(np.abs(R(C, seed=20)) + 0.5, "C")
    for norm in NORMS:
        check_grad(lambda z: crossentropy(softmax(z), t, Mask=MASK, NormalizationFactor=norm), X)
        check_grad(lambda z: indexcrossentropy(softmax(z), LABELS, Mask=MASK[0],
                                               NormalizationFactor=norm), X)
    check_grad(lambda z, v: crossentropy(softmax(z), t, v), X, w)
    check_grad(lambda z, v: indexcrossentropy(softmax(z), LABELS, v), X, w)
    P = dl.dlarray(1 / (1 + np.exp(-x)), "CBT")        # multilabel, w.r.t. the probabilities
    tm = (R(C, B, T, seed=21) > 0).astype(float)
    check_grad(lambda p: crossentropy(p, tm, ClassificationMode="multilabel"), P)
    y2 = dl.dlarray(R(C, B, T, seed=22), "CBT")
    tt = dl.dlarray(R(C, B, T, seed=23), "CBT")
    for fn in (mse, l1loss, l2loss, huber, lambda a, b: huber(a, b, TransitionPoint=0.3)):
        check_grad(fn, y2, tt)
    check_grad(lambda a, v: l2loss(a, tt, v, Mask=MASK, NormalizationFactor="mask-included"),
               y2, w)
    check_grad(lambda a: l1loss(a, tt, Reduction="none"), y2)


@pytest.mark.parametrize("f", [
    lambda z: crossentropy(softmax(z), onehot(LABELS[:, :1])[..., 0], dl.dlarray(CLASS_W, "C")),
    lambda z: indexcrossentropy(softmax(z), LABELS[:, 0]),
    lambda z: l2loss(z, np.ones((C, B)), Mask=MASK[..., 0]),
    lambda z: huber(z, np.zeros((C, B)), TransitionPoint=0.8),
])
def test_second_derivatives(f):
    hvp_check(f, R(C, B, seed=24), "CB")


# --------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------

def test_size_and_format_errors():
    Y = dl.dlarray(np.full((3, 5), 1 / 3), "CB")
    with pytest.raises(ValueError, match=r"^crossentropy: targets has size 3\(C\) x 4\(B\) but Y "
                                         r"has 3\(C\) x 5\(B\)$"):
        crossentropy(Y, np.zeros((3, 4)))
    with pytest.raises(ValueError, match=r"targets has size 3\(C\) x 5\(T\) but Y has 3\(C\) x "
                                         r"5\(B\)"):
        l2loss(Y, dl.dlarray(np.zeros((3, 5)), "CT"))
    with pytest.raises(ValueError, match="Y is unformatted; give its format with DataFormat"):
        mse(np.zeros((3, 5)), np.zeros((3, 5)))
    with pytest.raises(ValueError, match="DataFormat is only for unformatted Y"):
        l1loss(Y, np.zeros((3, 5)), DataFormat="CB")
    with pytest.raises(ValueError, match=r"weights has size 5\(C\) x 1\(B\) but Y has "
                                         r"3\(C\) x 5\(B\).*WeightsFormat='C'"):
        crossentropy(Y, np.zeros((3, 5)), np.ones(5))
    with pytest.raises(ValueError, match="Mask has size 3\\(C\\) x 4\\(B\\) but Y has"):
        huber(Y, np.zeros((3, 5)), Mask=np.ones((3, 4)))
    with pytest.raises(ValueError, match="does not fit format 'CB'"):
        l2loss(Y, np.zeros((3, 5)), Mask=np.ones((3, 5, 2)))
    with pytest.raises(ValueError, match="WeightsFormat was given without weights"):
        l2loss(Y, np.zeros((3, 5)), WeightsFormat="C")
    with pytest.raises(ValueError, match="weights is formatted \\('CU'\\); WeightsFormat is only"):
        l2loss(Y, np.zeros((3, 5)), dl.dlarray(np.ones(3), "C"), WeightsFormat="C")


def test_option_errors():
    Y = dl.dlarray(np.full((3, 5), 1 / 3), "CB")
    t = np.zeros((3, 5))
    with pytest.raises(ValueError, match=r"NormalizationFactor 'mean' is not valid; valid values "
                                         r"are 'batch-size', 'all-elements', 'mask-included', "
                                         r"'none'"):
        crossentropy(Y, t, NormalizationFactor="mean")
    with pytest.raises(ValueError, match="Reduction 'mean' is not valid; valid values are 'sum', "
                                         "'none'"):
        l2loss(Y, t, Reduction="mean")
    with pytest.raises(ValueError, match="'mask-included' needs a Mask"):
        l1loss(Y, t, NormalizationFactor="mask-included")
    with pytest.raises(ValueError, match="TransitionPoint must be a finite positive scalar"):
        huber(Y, t, TransitionPoint=-1)
    with pytest.raises(TypeError, match="NormalizationFactor must be a string"):
        l2loss(Y, t, NormalizationFactor=2)
    with pytest.raises(TypeError, match="unexpected keyword"):
        mse(Y, t, NormalizationFactor="none")            # MATLAB's mse has no such option
