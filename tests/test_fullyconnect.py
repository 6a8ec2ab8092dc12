"""fullyconnect against MATLAB's definition, with gradients."""
import numpy as np
import pytest

import dlarr as dl
from dlarr.functions.fullyconnect import fullyconnect
from conftest import check_grad


def test_cbt_applies_at_every_time_step():
    rng = np.random.default_rng(0)
    x, W, b = rng.standard_normal((3, 4, 5)), rng.standard_normal((2, 3)), rng.standard_normal(2)
    Y = fullyconnect(dl.dlarray(x, "CBT"), W, b)
    assert Y.dims == "CBT" and Y.shape == (2, 4, 5)
    np.testing.assert_allclose(dl.extractdata(Y), np.einsum("oc,cbt->obt", W, x) + b[:, None, None])


def test_spatial_dims_flatten_in_matlab_order():
    # MATLAB: X is 2(S) x 3(S) x 4(C) x 5(B); fullyconnect reshapes X to 24 x 5 column-major.
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 4, 5))
    W, b = rng.standard_normal((7, 24)), rng.standard_normal((7, 1))
    Y = fullyconnect(dl.dlarray(x, "SSCB"), W, b)
    assert Y.dims == "CB" and Y.shape == (7, 5)
    ref = W @ x.reshape(24, 5, order="F") + b
    np.testing.assert_allclose(dl.extractdata(Y), ref)


def test_unformatted_keeps_the_input_order():
    rng = np.random.default_rng(2)
    x, W, b = rng.standard_normal((3, 5, 4)), rng.standard_normal((2, 3)), rng.standard_normal(2)
    Y = fullyconnect(x, W, b, DataFormat="CTB")          # C x T x B in, outputSize x T x B out
    assert Y.dims == "" and Y.shape == (2, 5, 4)
    np.testing.assert_allclose(dl.extractdata(Y), np.einsum("oc,ctb->otb", W, x) + b[:, None, None])
    Y = fullyconnect(dl.dlarray(x.transpose(2, 0, 1)), W, b, DataFormat="BCT")
    assert Y.shape == (4, 2, 5)


def test_gradients():
    rng = np.random.default_rng(3)
    X = dl.dlarray(rng.standard_normal((2, 3, 4, 2)), "SCBT")
    W = dl.dlarray(rng.standard_normal((5, 6)))
    b = dl.dlarray(rng.standard_normal(5), "C")
    check_grad(fullyconnect, X, W, b)
    check_grad(lambda x, w, b: fullyconnect(x, w, b, DataFormat="TCB"),
               dl.dlarray(rng.standard_normal((3, 6, 2))), W, b)


def test_errors():
    X = dl.dlarray(np.ones((3, 4)), "CB")
    with pytest.raises(ValueError, match=r"weights must be outputSize x 3 .* weights has size 2 x 4"):
        fullyconnect(X, np.ones((2, 4)), np.ones(2))
    with pytest.raises(ValueError, match="bias must have 2 elements"):
        fullyconnect(X, np.ones((2, 3)), np.ones(3))
    with pytest.raises(ValueError, match="give its format with DataFormat"):
        fullyconnect(np.ones((3, 4)), np.ones((2, 3)), np.ones(2))
    with pytest.raises(ValueError, match="only for unformatted"):
        fullyconnect(X, np.ones((2, 3)), np.ones(2), DataFormat="CB")
    with pytest.raises(ValueError, match="non-singleton 'U'"):
        fullyconnect(dl.dlarray(np.ones((3, 4, 2)), "CBU"), np.ones((2, 3)), np.ones(2))


def test_weights_in_matlab_full_size():
    # MATLAB's fullyconnect page: X 12(S) x 12(S) x 32(C) x B, weights ones(10,12,12,32)
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 3, 4, 5))
    Wfull, b = rng.standard_normal((7, 2, 3, 4)), rng.standard_normal(7)
    Y = fullyconnect(dl.dlarray(x, "SSCB"), Wfull, b)
    assert Y.dims == "CB" and Y.shape == (7, 5)
    ref = np.einsum("oijc,ijcb->ob", Wfull, x) + b[:, None]
    np.testing.assert_allclose(dl.extractdata(Y), ref)
    # the same as the flattened form, column-major with S1 fastest
    Wflat = Wfull.reshape(7, 24, order="F")
    np.testing.assert_allclose(dl.extractdata(fullyconnect(dl.dlarray(x, "SSCB"), Wflat, b)), ref)
    assert dl.fullyconnect(dl.dlarray(x, "SSCB"), np.ones((10, 2, 3, 4)), np.zeros(10)).shape \
        == (10, 5)
    # trailing singletons of the full size may be left out (MATLAB drops them)
    x1 = rng.standard_normal((2, 3, 1, 5))
    W1 = rng.standard_normal((7, 2, 3))
    np.testing.assert_allclose(dl.extractdata(fullyconnect(dl.dlarray(x1, "SSCB"), W1, b)),
                               np.einsum("oij,ijb->ob", W1, x1[:, :, 0]) + b[:, None])
    check_grad(fullyconnect, dl.dlarray(x, "SSCB"), dl.dlarray(Wfull), dl.dlarray(b, "C"))
    with pytest.raises(ValueError, match=r"weights must be outputSize x 24 .* or outputSize x "
                                         r"2 x 3 x 4 \(MATLAB's full size\); weights has size "
                                         r"7 x 3 x 2 x 4"):
        fullyconnect(dl.dlarray(x, "SSCB"), np.ones((7, 3, 2, 4)), b)


def test_bias_as_a_formatted_matlab_vector():
    # dlarray(b, "C") is b as a 3(C) x 1(U) column, as MATLAB makes it
    rng = np.random.default_rng(5)
    x, W, b = rng.standard_normal((3, 4)), rng.standard_normal((2, 3)), rng.standard_normal(2)
    for bias in (dl.dlarray(b, "C"), dl.dlarray(b[None, :], "C"), dl.dlarray(b[:, None], "CU")):
        Y = fullyconnect(dl.dlarray(x, "CB"), dl.dlarray(W), bias)
        assert Y.dims == "CB"
        np.testing.assert_allclose(dl.extractdata(Y), W @ x + b[:, None])
