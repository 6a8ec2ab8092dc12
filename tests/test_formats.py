"""Format labels: creation, canonical order, finddim/stripdims, label-aware expansion."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dlarr as dl


def test_bc_becomes_cb():
    x = np.arange(30.0).reshape(3, 10)
    X = dl.dlarray(x, "BC")
    assert X.shape == (10, 3) and X.dims == "CB"
    np.testing.assert_array_equal(dl.extractdata(X), x.T)


def test_tssu_becomes_sstu():
    x = np.random.default_rng(0).standard_normal((5, 4, 3, 2))
    X = dl.dlarray(x, "TSSU")
    assert X.shape == (4, 3, 5, 2) and X.dims == "SSTU"
    np.testing.assert_array_equal(dl.extractdata(X), np.transpose(x, (1, 2, 0, 3)))


def test_fmt_longer_than_ndim_adds_trailing_singletons():
    X = dl.dlarray(np.ones((3, 4)), "CBT")
    assert X.shape == (3, 4, 1) and X.dims == "CBT"


@pytest.mark.parametrize("shape", [(12, 1), (1, 12), (12,), (12, 1, 1), (1, 12, 1)])
def test_matlab_vector_with_one_label(shape):
    # MATLAB's dlarray(v, dim): a row or a column vector gives a column whose
    # second, singleton dimension is labelled "U".
    v = np.arange(12.0).reshape(shape)
    X = dl.dlarray(v, "C")
    assert X.dims == "CU" and X.shape == (12, 1)
    np.testing.assert_array_equal(dl.extractdata(X)[:, 0], np.arange(12.0))
    assert dl.dlarray(v, "S").dims == "SU"
    assert dl.dlarray(v, "U").dims == "UU"


def test_one_label_scalar_and_relabel():
    X = dl.dlarray(3.0, "B")
    assert X.dims == "BU" and X.shape == (1, 1)
    Y = dl.dlarray(dl.dlarray(np.ones((1, 5))), "T")           # a dlarray relabelled
    assert Y.dims == "TU" and Y.shape == (5, 1)


def test_one_label_with_a_matrix_is_an_error():
    with pytest.raises(ValueError, match=r"fmt 'C' has 1 labels.*size 3 x 4.*"
                                         r"a one-letter format takes a vector"):
        dl.dlarray(np.ones((3, 4)), "C")


@pytest.mark.parametrize("shape, fmt, dims, out", [
    ((3, 4, 1, 1), "SSUU", "SS", (3, 4)),        # MATLAB's page: trailing "U"s ignored
    ((3, 4), "SSUU", "SS", (3, 4)),
    ((3, 4, 5, 1), "SSUU", "SSU", (3, 4, 5)),
    ((3, 1), "SU", "SU", (3, 1)),                # the second dimension stays
    ((3, 1, 1), "CUU", "CU", (3, 1)),
    ((1, 3, 4), "USS", "SS", (3, 4)),            # "U" last in canonical order
    ((2, 1, 3), "UUC", "CU", (3, 2)),            # the last "U" is a trailing singleton
    ((3, 4, 1), "CBU", "CB", (3, 4)),
    ((1, 1, 1), "UUU", "UU", (1, 1)),
])
def test_trailing_singleton_u_after_the_second_is_ignored(shape, fmt, dims, out):
    X = dl.dlarray(np.ones(shape), fmt)
    assert X.dims == dims and X.shape == out


def test_fmt_shorter_than_ndim_needs_singletons():
    with pytest.raises(ValueError, match="only trailing singleton"):
        dl.dlarray(np.ones((3, 4, 5)), "CB")


@pytest.mark.parametrize("fmt, msg", [
    ("CCB", "'C'.*appears 2 times"), ("BTT", "'T'.*appears 2 times"), ("CBB", "'B'"),
    ("CX", "unknown label 'X' at position 1"), ("cb", "unknown label 'c'"),
])
def test_bad_formats(fmt, msg):
    with pytest.raises(ValueError, match=msg):
        dl.dlarray(np.ones((2, 2, 2)), fmt)


def test_fmt_must_be_a_string():
    with pytest.raises(TypeError, match="fmt must be a string"):
        dl.dlarray(np.ones(3), 3)


def test_several_s_and_u_allowed():
    X = dl.dlarray(np.ones((2, 3, 4, 5)), "USUS")
    assert X.dims == "SSUU" and X.shape == (3, 5, 2, 4)


def test_dtypes():
    assert dl.dlarray(np.ones(2, np.float32)).dtype == np.float32
    assert dl.dlarray(np.ones(2)).dtype == np.float64
    assert dl.dlarray(np.ones(2, np.int32)).dtype == np.float64
    assert dl.dlarray(np.ones(2, np.float16)).dtype == np.float64
    assert dl.dlarray([True, False]).dtype == np.bool_
    assert dl.underlyingType(dl.dlarray([True])) == "logical"
    assert dl.underlyingType(dl.dlarray(np.ones(1, np.float32))) == "single"
    assert dl.underlyingType(dl.dlarray(3)) == "double"
    assert dl.underlyingType(np.ones(2, np.float32)) == "single"
    with pytest.raises(TypeError, match="complex"):
        dl.dlarray(np.ones(2, complex))
    with pytest.raises(TypeError, match="numeric or logical"):
        dl.dlarray(np.array(["a"]))
    with pytest.raises(TypeError, match="dict"):
        dl.dlarray({})


def test_dlarray_of_dlarray_replaces_format():
    X = dl.dlarray(np.arange(6.0).reshape(2, 3), "CB")
    Y = dl.dlarray(X, "BC")       # the stored 2x3 data is now read as B x C
    assert Y.dims == "CB" and Y.shape == (3, 2)
    np.testing.assert_array_equal(dl.extractdata(Y), np.arange(6.0).reshape(2, 3).T)
    Z = dl.dlarray(X)
    assert Z.dims == "CB" and Z.shape == (2, 3)


def test_dims_finddim_size():
    X = dl.dlarray(np.ones((2, 3, 4, 5)), "SSCT")
    assert dl.dims(X) == X.dims == "SSCT"
    assert dl.finddim(X, "S") == [0, 1]
    assert dl.finddim(X, "T") == [3]
    assert dl.finddim(X, "B") == []
    assert dl.finddim(dl.stripdims(X), "S") == []
    assert dl.finddim("CBT", "T") == [2]
    assert dl.size(X, 2) == 4 and dl.size(X, 7) == 1 and dl.size(X) == (2, 3, 4, 5)
    assert dl.size(X, "T") == 5 and dl.size(X, "B") == 1
    assert dl.numel(X) == 120 == X.size
    with pytest.raises(ValueError, match="label must be one of"):
        dl.finddim(X, "Q")
    with pytest.raises(TypeError, match="must be a dlarray"):
        dl.dims(np.ones(3))
    assert dl.dims(dl.dlarray(np.ones(3))) == ""


def test_stripdims():
    x = np.random.default_rng(1).standard_normal((3, 4, 5))
    X = dl.dlarray(x, "CBT")
    Y = dl.stripdims(X)
    assert Y.dims == "" and Y.shape == (3, 4, 5)
    Z = dl.stripdims(X, "CTB")
    assert Z.dims == "" and Z.shape == (3, 5, 4)
    np.testing.assert_array_equal(dl.extractdata(Z), x.transpose(0, 2, 1))
    W = dl.stripdims(X, "TSCB")          # a superset: the new S is a singleton
    assert W.shape == (5, 1, 3, 4)
    np.testing.assert_array_equal(dl.extractdata(W)[:, 0], x.transpose(2, 0, 1))
    with pytest.raises(ValueError, match="every label of X"):
        dl.stripdims(X, "CB")


def test_extractdata_and_isdlarray():
    x = np.ones((2, 2))
    X = dl.dlarray(x)
    assert dl.extractdata(X) is not x      # dlarray copies (MATLAB's value semantics)
    assert dl.extractdata(X) is dl.extractdata(X)   # extractdata shares
    assert dl.isdlarray(X) and not dl.isdlarray(x)
    with pytest.raises(TypeError, match="extractdata"):
        dl.extractdata(x)


def test_repr_shows_dims():
    X = dl.dlarray(np.zeros((3, 2), np.float32), "CB")
    r = repr(X)
    assert r.startswith("dlarray 3(C) x 2(B) single")
    assert "dlarray 2 x 2 double" in repr(dl.dlarray(np.zeros((2, 2))))


def test_no_implicit_numpy_conversion():
    with pytest.raises(TypeError, match="extractdata"):
        np.asarray(dl.dlarray(np.ones(3)))
    assert float(dl.dlarray(np.ones((1, 1)) * 2)) == 2.0
    with pytest.raises(TypeError, match="one element"):
        float(dl.dlarray(np.ones(3)))


# ----------------------------------------------------------------------------
# hypothesis: canonicalisation
# ----------------------------------------------------------------------------

@st.composite
def formatted(draw, max_dims=5):
    labels = draw(st.lists(st.sampled_from("SCBTU"), min_size=1, max_size=max_dims))
    seen = set()
    fmt = []
    for lab in labels:           # C, B, T at most once
        if lab in "CBT" and lab in seen:
            continue
        seen.add(lab)
        fmt.append(lab)
    fmt = "".join(fmt)
    shape = tuple(draw(st.lists(st.integers(1, 3), min_size=len(fmt), max_size=len(fmt))))
    return fmt, shape


@settings(max_examples=200, deadline=None)
@given(formatted())
def test_canonical_order_property(case):
    fmt, shape = case
    x = np.arange(int(np.prod(shape)), dtype=float).reshape(shape)
    X = dl.dlarray(x, fmt)
    order = "SCBTU"
    assert sorted(X.dims, key=order.index) == list(X.dims)
    # The model: a one-letter format makes a column with a "U"; each labelled
    # axis carries the size it had (several S/U keep their order); singleton
    # trailing "U"s after the second are dropped.
    f, s = (fmt + "U", shape + (1,)) if len(fmt) == 1 else (fmt, shape)
    perm = sorted(range(len(f)), key=lambda i: order.index(f[i]))
    cfmt, cshape = "".join(f[i] for i in perm), tuple(s[i] for i in perm)
    while len(cfmt) > 2 and cfmt[-1] == "U" and cshape[-1] == 1:
        cfmt, cshape = cfmt[:-1], cshape[:-1]
    assert X.dims == cfmt and X.shape == cshape
    np.testing.assert_array_equal(dl.extractdata(X),
                                  np.transpose(x.reshape(s), perm).reshape(cshape))
    # Going back: stripdims with the original format restores the data.
    np.testing.assert_array_equal(dl.extractdata(dl.stripdims(X, fmt)), x)


@settings(max_examples=100, deadline=None)
@given(formatted(max_dims=4), st.data())
def test_label_broadcast_property(case, data):
    """A formatted operand holding a subset of the labels (sizes 1 or full)
    expands over the missing ones, whatever order its format was given in."""
    fmt, shape = case
    X = dl.dlarray(np.random.default_rng(0).standard_normal(shape), fmt)
    keep = data.draw(st.lists(st.booleans(), min_size=len(X.dims), max_size=len(X.dims)))
    if not any(keep):
        keep[0] = True
    # the i-th S aligns with the i-th S: of repeated labels only a leading run can be kept
    for lab in "SU":
        axes = [i for i, l in enumerate(X.dims) if l == lab]
        kept = [keep[i] for i in axes]
        n = sum(kept)
        for j, i in enumerate(axes):
            keep[i] = j < n
    one = data.draw(st.lists(st.booleans(), min_size=len(X.dims), max_size=len(X.dims)))
    sub_axes = [i for i in range(len(X.dims)) if keep[i]]
    sub_fmt = "".join(X.dims[i] for i in sub_axes)
    sub_shape = tuple(1 if one[i] else X.shape[i] for i in sub_axes)
    b = np.random.default_rng(1).standard_normal(sub_shape)
    # give b's format in a shuffled order: dlarray canonicalises it
    order = data.draw(st.permutations(range(len(sub_fmt))))
    # shuffling two S (or two U) changes which is which, so shuffle only distinct labels
    if len(set(sub_fmt)) != len(sub_fmt):
        order = list(range(len(sub_fmt)))
    B = dl.dlarray(np.transpose(b, order), "".join(sub_fmt[i] for i in order))
    Y = X + B
    assert Y.dims == X.dims and Y.shape == X.shape
    full = np.ones(len(X.dims), int)
    full[sub_axes] = sub_shape
    expected = dl.extractdata(X) + b.reshape(full)
    np.testing.assert_allclose(dl.extractdata(Y), expected)
    np.testing.assert_allclose(dl.extractdata(B + X), expected)


def test_broadcast_bias_over_cbt():
    X = dl.dlarray(np.zeros((3, 4, 5)), "CBT")
    b = dl.dlarray(np.arange(3.0), "C")
    Y = X + b
    assert Y.dims == "CBT"
    np.testing.assert_array_equal(dl.extractdata(Y)[:, 2, 3], np.arange(3.0))


def test_broadcast_union_of_labels():
    A = dl.dlarray(np.ones((3, 1)), "CB")
    B = dl.dlarray(np.ones((1, 5)), "BT")  # B is singleton here
    Y = A * B
    assert Y.dims == "CBT" and Y.shape == (3, 1, 5)


def test_broadcast_mismatch_names_dimension():
    A = dl.dlarray(np.ones((3, 4)), "CB")
    B = dl.dlarray(np.ones((2,)), "C")
    with pytest.raises(ValueError, match=r"dimension 0 \('C'\): 3 vs 2"):
        A + B


def test_formatted_with_unformatted_aligns_by_position():
    X = dl.dlarray(np.zeros((3, 4)), "CB")
    Y = X + np.arange(3.0).reshape(3, 1)
    assert Y.dims == "CB"
    np.testing.assert_array_equal(dl.extractdata(Y)[:, 1], np.arange(3.0))
    Y = X + np.arange(3.0)                     # (3,) lines up with axis 0, MATLAB's way
    np.testing.assert_array_equal(dl.extractdata(Y)[:, 2], np.arange(3.0))
    Y = X + dl.dlarray(np.arange(4.0).reshape(1, 4))
    np.testing.assert_array_equal(dl.extractdata(Y)[1], np.arange(4.0))
    with pytest.raises(ValueError, match=r"dimension 0 \('C'\)"):
        X + np.ones(4)
    with pytest.raises(ValueError, match="extra trailing dimensions must be singleton"):
        X + np.ones((3, 4, 2))


def test_unformatted_broadcast_is_numpy():
    A = dl.dlarray(np.ones((2, 3)))
    Y = A + np.arange(3.0)
    np.testing.assert_array_equal(dl.extractdata(Y), np.ones((2, 3)) + np.arange(3.0))
    with pytest.raises(ValueError, match="incompatible sizes 2 x 3 and 2"):
        A + np.ones(2)


@settings(max_examples=150, deadline=None)
@given(formatted(max_dims=4), st.data())
def test_basic_indexing_keeps_labels_of_surviving_axes(case, data):
    fmt, shape = case
    X = dl.dlarray(np.arange(int(np.prod(shape)), dtype=float).reshape(shape), fmt)
    key, kept = [], []
    for ax, n in enumerate(X.shape):
        if data.draw(st.booleans()):
            key.append(data.draw(st.integers(-n, n - 1)))
        else:
            start = data.draw(st.integers(0, n - 1))
            key.append(slice(start, None, data.draw(st.sampled_from([1, 2, -1]))))
            kept.append(ax)
    Y = X[tuple(key)]
    np.testing.assert_array_equal(dl.extractdata(Y), dl.extractdata(X)[tuple(key)])
    assert Y.dims == "".join(X.dims[a] for a in kept)
