"""onehotencode / onehotdecode / embed."""
import numpy as np
import pytest

import dlarr as dl
from dlarr.functions.encoding import embed, onehotdecode, onehotencode
from conftest import check_grad


def test_onehotencode_matlab_layout():
    # MATLAB: onehotencode(categorical([3;1;2;3]), 2) is 4x3 with classes 1 2 3
    Y = onehotencode(np.array([3, 1, 2, 3]), 1)
    assert Y.dtype == np.float32
    np.testing.assert_array_equal(Y, [[0, 0, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1]])
    Y = onehotencode(np.array([["b", "a", "b"]]), 0, "double")     # 1xN, featureDim 0 -> K x N
    assert Y.dtype == np.float64
    np.testing.assert_array_equal(Y, [[0, 1, 0], [1, 0, 1]])


def test_onehotencode_classnames_and_unknown_labels():
    Y = onehotencode(np.array(["a", "z", "c"]), 1, ClassNames=["c", "b", "a"])
    np.testing.assert_array_equal(Y[0], [0, 0, 1])
    np.testing.assert_array_equal(Y[2], [1, 0, 0])
    assert np.isnan(Y[1]).all()              # undefined category -> NaN, as MATLAB


def test_onehot_roundtrip():
    labels = np.array([5, 7, 5, 9, 7])
    classes = [5, 7, 9]
    B = onehotencode(labels[None, :], 0, ClassNames=classes)
    np.testing.assert_array_equal(onehotdecode(B, classes, 0)[0], labels)
    np.testing.assert_array_equal(onehotdecode(dl.dlarray(B, "CB"), classes, 0)[0], labels)
    P = np.array([[0.2, 0.5], [0.5, 0.5], [0.3, 0.0]])       # ties: the first class wins
    np.testing.assert_array_equal(onehotdecode(P, ["a", "b", "c"], 0), [["b", "a"]])


def test_onehot_errors():
    with pytest.raises(ValueError, match="size 1 in featureDim 0"):
        onehotencode(np.array([[1, 2], [3, 4]]), 0)
    with pytest.raises(ValueError, match="featureDim"):
        onehotencode(np.array([1, 2]), 3)
    with pytest.raises(ValueError, match="typename"):
        onehotencode(np.array([1, 2]), 1, "int8")
    with pytest.raises(ValueError, match="3 elements along featureDim 0 but 2 classes"):
        onehotdecode(np.eye(3), [1, 2], 0)
    with pytest.raises(ValueError, match="repeated"):
        onehotencode(np.array([1]), 1, ClassNames=[1, 1])


def test_embed_values_format_and_gradient():
    rng = np.random.default_rng(0)
    W = dl.dlarray(rng.standard_normal((4, 6)))
    idx = np.array([[0, 5, 2], [2, 2, 1]])                # B x T
    X = dl.dlarray(idx, "BT")
    Y = embed(X, W)
    assert Y.dims == "CBT" and Y.shape == (4, 2, 3)
    np.testing.assert_array_equal(dl.extractdata(Y)[:, 1, 0], dl.extractdata(W)[:, 2])
    check_grad(lambda w: embed(X, w), W)                 # repeated words accumulate
    Y = embed(dl.dlarray(idx[None], "CBT"), W)           # a singleton C is replaced
    assert Y.dims == "CBT" and Y.shape == (4, 2, 3)
    Y = embed(idx.T, W, DataFormat="TB")
    assert Y.dims == "CBT"
    np.testing.assert_array_equal(dl.extractdata(Y)[:, 0, 1], dl.extractdata(W)[:, 5])


def test_embed_errors():
    W = dl.dlarray(np.ones((4, 6)))
    with pytest.raises(ValueError, match=r"0-based indices in 0..5; it holds values from 0 to 6"):
        embed(dl.dlarray(np.array([0, 6]), "B"), W)
    with pytest.raises(ValueError, match="integer word indices"):
        embed(dl.dlarray(np.array([0.5]), "B"), W)
    with pytest.raises(ValueError, match="give its format with DataFormat"):
        embed(np.array([1]), W)
    with pytest.raises(ValueError, match="'C' dimension of X must be singleton"):
        embed(dl.dlarray(np.zeros((2, 3)), "CB"), W)
    with pytest.raises(ValueError, match="embeddingDimension x numWords"):
        embed(dl.dlarray(np.array([0]), "B"), dl.dlarray(np.ones(3)))
