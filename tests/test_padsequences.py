"""padsequences: MATLAB's sizes, directions, lengths, padding values and mask, against
hand-made expectations; every bad input's message; trainNetwork's padding uses it."""
import types

import numpy as np
import pytest

import dlarr as dl

A = np.array([[1., 2., 3.], [4., 5., 6.]])          # 2 x 3
B = np.array([[7.], [8.]])                           # 2 x 1
C = np.array([[9., 10., 11., 12.], [13., 14., 15., 16.]])   # 2 x 4


def test_right_longest_default():
    XPad, mask = dl.padsequences([A, B, C], 1, nargout=2)
    assert XPad.shape == (2, 4, 3) and mask.shape == XPad.shape and mask.dtype == bool
    np.testing.assert_array_equal(XPad[..., 0], [[1, 2, 3, 0], [4, 5, 6, 0]])
    np.testing.assert_array_equal(XPad[..., 1], [[7, 0, 0, 0], [8, 0, 0, 0]])
    np.testing.assert_array_equal(XPad[..., 2], C)
    np.testing.assert_array_equal(mask[0], [[1, 1, 1], [1, 0, 1], [1, 0, 1], [0, 0, 1]])
    assert (mask[0] == mask[1]).all()
    np.testing.assert_array_equal(dl.padsequences([A, B, C], 1), XPad)     # nargout=1


def test_left_and_padding_value():
    XPad, mask = dl.padsequences([A, B], 1, Direction="left", PaddingValue=-1, nargout=2)
    np.testing.assert_array_equal(XPad[..., 0], A)
    np.testing.assert_array_equal(XPad[..., 1], [[-1, -1, 7], [-1, -1, 8]])
    np.testing.assert_array_equal(mask[0], [[1, 0], [1, 0], [1, 1]])


def test_lengths_truncate_at_the_padding_side():
    right = dl.padsequences([A, C], 1, Length="shortest")
    np.testing.assert_array_equal(right[..., 1], C[:, :3])
    left = dl.padsequences([A, C], 1, Length="shortest", Direction="left")
    np.testing.assert_array_equal(left[..., 1], C[:, 1:])
    two, mask = dl.padsequences([A, B], 1, Length=2, Direction="left", nargout=2)
    np.testing.assert_array_equal(two[..., 0], A[:, 1:])
    np.testing.assert_array_equal(two[..., 1], [[0, 7], [0, 8]])
    np.testing.assert_array_equal(mask[0], [[1, 0], [1, 1]])
    five = dl.padsequences([A], 1, Length=5)
    np.testing.assert_array_equal(five[..., 0], np.c_[A, np.zeros((2, 2))])


def test_padding_dim_zero_and_beyond_the_dims():
    XPad = dl.padsequences([A.T, B.T], 0)                 # T x C sequences
    assert XPad.shape == (3, 2, 2)
    np.testing.assert_array_equal(XPad[..., 1], [[7, 8], [0, 0], [0, 0]])
    v = dl.padsequences([np.array([1, 2]), np.array([3])], 0)   # vectors: T x N
    np.testing.assert_array_equal(v, [[1, 3], [2, 0]])
    w = dl.padsequences([np.array([1., 2.]), np.array([3., 4.])], 1)  # a trailing singleton
    assert w.shape == (2, 1, 2)


def test_japanese_vowels_size():                         # MATLAB's example: 12 x 26 x 270
    X, _ = dl.japaneseVowelsTrainData()
    XPad, mask = dl.padsequences(X, 1, nargout=2)
    assert XPad.shape == (12, 26, 270) and XPad.dtype == np.float64
    lengths = mask[0].sum(axis=0)
    np.testing.assert_array_equal(lengths, [x.shape[1] for x in X])


def test_uniform_output_false():
    XPad, mask = dl.padsequences([A, np.ones((3, 1))], 1, UniformOutput=False, nargout=2)
    assert isinstance(XPad, list) and [x.shape for x in XPad] == [(2, 3), (3, 3)]
    np.testing.assert_array_equal(XPad[1], [[1, 0, 0]] * 3)
    np.testing.assert_array_equal(mask[1], [[1, 0, 0]] * 3)


def test_types_and_auto_padding_values():
    i = dl.padsequences([np.array([[1, 2]]), np.array([[3]])], 1)
    assert i.dtype == np.int64 and i[0, 1, 1] == 0
    b = dl.padsequences([np.array([[True, True]]), np.array([[True]])], 1)
    assert b.dtype == bool and not b[0, 1, 1]
    s = dl.padsequences([np.array([["a", "b"]]), np.array([["c"]])], 1)
    assert s[0, 1, 1] == "" and s[0, 0, 1] == "c"
    s = dl.padsequences([np.array([["a", "b"]]), np.array([["c"]])], 1, PaddingValue="z")
    assert s[0, 1, 1] == "z"
    f = dl.padsequences([A.astype(np.float32), B.astype(np.float32)], 1, PaddingValue=np.nan)
    assert f.dtype == np.float32 and np.isnan(f[0, 1, 1])
    d = dl.padsequences([dl.dlarray(A), B], 1)                # a dlarray's data
    np.testing.assert_array_equal(d[..., 0], A)


def test_name_value_pairs_and_any_case():
    a = dl.padsequences([A, B], 1, "direction", "LEFT", "Length", "Short")
    np.testing.assert_array_equal(a, dl.padsequences([A, B], 1, Direction="left",
                                                     Length="shortest"))


@pytest.mark.parametrize("call,err,msg", [
    (lambda: dl.padsequences(A, 1), TypeError, r"padsequences: X must be a non-empty list"),
    (lambda: dl.padsequences([], 1), TypeError, r"X must be .*not an empty list"),
    (lambda: dl.padsequences([A], -1), ValueError, r"paddingDim must be a non-negative integer"),
    (lambda: dl.padsequences([A], 1.0), ValueError, r"paddingDim .* not 1.0"),
    (lambda: dl.padsequences([A], 1, Length=0), ValueError,
     r"Length must be 'longest', 'shortest' or a positive integer, not 0"),
    (lambda: dl.padsequences([A], 1, Length="middle"), ValueError,
     r"padsequences: Length 'middle' is not valid; valid values are 'longest', 'shortest'"),
    (lambda: dl.padsequences([A], 1, Direction="up"), ValueError,
     r"Direction 'up' is not valid; valid values are 'right', 'left'"),
    (lambda: dl.padsequences([A], 1, PaddingValue="zero"), ValueError,
     r"PaddingValue 'zero' is not valid; valid values are 'auto'"),
    (lambda: dl.padsequences([A], 1, PaddingValue=[1, 2]), ValueError,
     r"PaddingValue must be 'auto' or a scalar"),
    (lambda: dl.padsequences([np.array([[1, 2]])], 1, PaddingValue=np.nan), ValueError,
     r"PaddingValue nan cannot pad data of type int64"),
    (lambda: dl.padsequences([A, np.ones((3, 2))], 1), ValueError,
     r"same size in every dimension but paddingDim 1; X\[0\] has size 2x3 and X\[1\] has "
     r"size 3x2"),
    (lambda: dl.padsequences([A], 1, UniformOutput="yes"), TypeError,
     r"UniformOutput must be true or false"),
    (lambda: dl.padsequences([A], 1, nargout=3), ValueError, r"nargout must be one of 1, 2"),
    (lambda: dl.padsequences([A, {"a": 1}], 1), TypeError, r"X\[1\] must be an array"),
])
def test_errors(call, err, msg):
    with pytest.raises(err, match=msg):
        call()


def test_training_batches_are_padsequences():
    """trainNetwork's mini-batches: padsequences' output, C x B x T, mask B x T."""
    from dlarr.training.batching import _pad_batch
    seqs = [A.astype(np.float32), B.astype(np.float32), C.astype(np.float32)]
    for direction in ("right", "left"):
        for length in ("longest", "shortest", 3):
            o = types.SimpleNamespace(SequenceLength=length, SequencePaddingDirection=direction,
                                      SequencePaddingValue=0.5)
            data, mask = _pad_batch(seqs, o)
            XPad, M = dl.padsequences(seqs, 1, Direction=direction, PaddingValue=0.5,
                                      Length="shortest" if length == "shortest" else "longest",
                                      nargout=2)
            np.testing.assert_array_equal(data, XPad.transpose(0, 2, 1))
            np.testing.assert_array_equal(mask, M[0].T)
            assert data.flags.c_contiguous and data.dtype == np.float32
