"""dl.categorical against MATLAB's documented behaviour (the categorical, countcats,
countlabels, isundefined and confusionmat pages), the label pipeline that keeps every
category (onehotencode, trainNetwork, classify, trainnet, scores2label), confusionmat and
confusionchart."""
import os
import sys

import numpy as np
import pytest

import dlarr as dl
from dlarr import layers as L


# --------------------------------------------------------------------------
# Creation, categories, countcats
# --------------------------------------------------------------------------

def test_categories_sorted_numbers_named_by_their_text():
    # MATLAB: categorical([3 1 2]) has categories '1', '2', '3'
    C = dl.categorical([3, 1, 2])
    assert dl.categories(C) == ["1", "2", "3"] == C.Categories
    assert C.codes.tolist() == [2, 0, 1] and C.shape == (3,) and len(C) == 3
    assert dl.categorical([10, 9, 100]).Categories == ["9", "10", "100"]     # numerically
    assert dl.categorical([0.5, 1 / 3, np.pi]).Categories == ["0.33333", "0.5", "3.1416"]
    assert dl.categorical(np.array([True, False])).Categories == ["false", "true"]
    assert dl.categorical(["b", "B", "a"]).Categories == ["B", "a", "b"]      # character code
    assert dl.categorical(["  MA", "ME ", "MA"]).Categories == ["MA", "ME"]   # blanks removed
    assert dl.iscategorical(C) and not dl.iscategorical(np.array([1]))


def test_countcats_matlab_examples():
    # countcats page: categorical({'plane' 'car' 'train' 'car' 'plane'})
    A = dl.categorical(["plane", "car", "train", "car", "plane"])
    assert dl.categories(A) == ["car", "plane", "train"]
    np.testing.assert_array_equal(dl.countcats(A), [2, 2, 1])
    # categorical(["red" "blue" "green" "blue" "red"], ["red" "green" "blue"])
    A = dl.categorical(["red", "blue", "green", "blue", "red"], ["red", "green", "blue"])
    assert A.Categories == ["red", "green", "blue"]
    np.testing.assert_array_equal(dl.countcats(A), [2, 1, 2])
    # categorical([1 3; 2 1; 3 1], 1:3, {'red' 'green' 'blue'}): counts per column
    A = dl.categorical(np.array([[1, 3], [2, 1], [3, 1]]), [1, 2, 3], ["red", "green", "blue"])
    np.testing.assert_array_equal(dl.countcats(A), [[1, 2], [1, 0], [1, 1]])
    np.testing.assert_array_equal(dl.countcats(A, 1), [[1, 0, 1], [1, 1, 0], [1, 0, 1]])
    np.testing.assert_array_equal(A == "red", [[True, False], [False, True], [False, True]])


def test_valueset_order_missing_values_and_undefined():
    C = dl.categorical(["b", "x", "a"], ["b", "a", "c"])       # 'x' is not in valueset
    assert C.Categories == ["b", "a", "c"]
    np.testing.assert_array_equal(dl.isundefined(C), [False, True, False])
    np.testing.assert_array_equal(dl.countcats(C), [1, 1, 0])    # 'c' counted, with no element
    C = dl.categorical([1.0, np.nan, 2.0])
    assert C.Categories == ["1", "2"] and dl.isundefined(C).tolist() == [False, True, False]
    C = dl.categorical(["a", "", None, "<undefined>"])
    assert C.Categories == ["a"] and dl.isundefined(C).tolist() == [False, True, True, True]
    # repeated catnames merge values into one category
    C = dl.categorical([1, 2, 3], [1, 2, 3], ["low", "low", "high"])
    assert C.Categories == ["low", "high"] and C.codes.tolist() == [0, 0, 1]
    # a categorical made categorical again keeps its categories; with valueset, by name
    D = dl.categorical(dl.categorical(["a", "b"], ["c", "b", "a"]))
    assert D.Categories == ["c", "b", "a"]
    E = dl.categorical(dl.categorical([1, 2]), [2, 1, 3])
    assert E.Categories == ["2", "1", "3"] and E.codes.tolist() == [1, 0]


def test_conversions():
    C = dl.categorical(["b", None, "a"])
    assert C.codes.tolist() == [1, -1, 0]
    assert C.string().tolist() == ["b", "<undefined>", "a"]
    np.testing.assert_array_equal(np.asarray(C), ["b", "<undefined>", "a"])
    assert dl.categorical(np.asarray(C)).codes.tolist() == [1, -1, 0]      # round trip
    T = dl.categorical([3, 1, 2])
    assert np.asarray(T).astype(int).tolist() == [3, 1, 2]
    assert T[0] == "3" and isinstance(T[0], str) and f"{T[1]:>3}" == "  1"
    assert dl.categorical(["a", None])[1] == "<undefined>"
    assert dl.numel(T) == 3 and dl.size(T) == (3,)


# --------------------------------------------------------------------------
# Display
# --------------------------------------------------------------------------

def test_display_as_matlab():
    C = dl.categorical(["B", "C", "A"])
    assert repr(C) == "3x1 categorical\n\n     B\n     C\n     A\n"
    R = dl.categorical([["plane", "car", "train"]])
    assert repr(R) == "1x3 categorical\n\n     plane      car      train\n"
    M = dl.categorical(np.array([[1, 3], [2, 1], [3, 1]]), [1, 2, 3], ["red", "green", "blue"])
    assert repr(M) == ("3x2 categorical\n\n     red        blue\n     green      red\n"
                       "     blue       red\n")
    assert repr(dl.categorical("B")) == "categorical\n\n     B\n"
    assert str(dl.categorical("B")) == "B" and f"{dl.categorical('B'):>2}" == " B"
    U = dl.categorical(["a", None])
    assert repr(U) == "2x1 categorical\n\n     a\n     <undefined>\n"
    assert repr(C[:0]) == "0x1 empty categorical"
    assert "(:,:,1)" in repr(dl.categorical(np.ones((2, 2, 2), int)))


def test_countlabels_table_as_matlab():
    # countlabels page: categorical(["B" "C" "A" "D" "B" "A" "A" "B" "C" "A"]', ["A" "B" "C" "D"])
    lbls = dl.categorical(["B", "C", "A", "D", "B", "A", "A", "B", "C", "A"], ["A", "B", "C", "D"])
    cnt = dl.countlabels(lbls)
    assert len(cnt) == cnt.height == 4 and cnt.width == 3
    assert cnt["Count"].tolist() == [4, 3, 2, 1] and cnt.Percent.tolist() == [40, 30, 20, 10]
    assert isinstance(cnt.Label, dl.categorical) and cnt.Label.Categories == ["A", "B", "C", "D"]
    assert repr(cnt) == ("4x3 table\n\n"
                         "    Label    Count    Percent\n"
                         "    _____    _____    _______\n\n"
                         "      A        4        40\n"
                         "      B        3        30\n"
                         "      C        2        20\n"
                         "      D        1        10\n")
    # one missing label: an <undefined> row
    m = dl.categorical(["B", "C", "A", "D", "B", "A", None, "B", "C", "A"], ["A", "B", "C", "D"])
    cnt = dl.countlabels(m)
    assert cnt.Count.tolist() == [3, 3, 2, 1, 1]
    assert repr(cnt).splitlines()[2:4] == ["       Label       Count    Percent",
                                           "    ___________    _____    _______"]
    assert repr(cnt).splitlines()[-1] == "    <undefined>      1        10"
    # every category, also one without labels; plain labels are made categorical
    cnt = dl.countlabels(dl.categorical(["a", "a", "b"], ["a", "b", "c"]))
    assert cnt.Count.tolist() == [2, 1, 0] and cnt.Percent[0] == pytest.approx(200 / 3)
    assert "66.667" in repr(cnt)
    assert dl.countlabels([2, 1, 2]).Count.tolist() == [1, 2]
    with pytest.raises(KeyError, match="no variable 'Counts'; the variables are Label, Count"):
        cnt["Counts"]


# --------------------------------------------------------------------------
# Comparisons
# --------------------------------------------------------------------------

def test_equality_with_names_numbers_and_categoricals():
    C = dl.categorical([3, 1, 2, 3])
    np.testing.assert_array_equal(C == "3", [True, False, False, True])
    np.testing.assert_array_equal(C == 3, [True, False, False, True])        # by its name
    np.testing.assert_array_equal(C != "3", [False, True, True, False])
    np.testing.assert_array_equal(C == ["3", "1", "1", "1"], [True, True, False, False])
    np.testing.assert_array_equal(C == "nope", [False] * 4)       # not a category: false
    D = dl.categorical(["3", "2", "2", "9"])                      # other categories
    np.testing.assert_array_equal(C == D, [True, False, True, False])
    np.testing.assert_array_equal(np.array(["3", "1", "0", "3"]) == C,
                                  [True, True, False, True])      # NumPy defers to categorical
    assert np.mean(C == D) == 0.5
    U = dl.categorical(["a", None])
    np.testing.assert_array_equal(U == U, [True, False])           # undefined equals nothing
    np.testing.assert_array_equal(U != dl.categorical([None, None]), [True, True])
    with pytest.raises(ValueError, match="categorical ==: sizes 4x1 and 3x1 do not match"):
        C == ["1", "2", "3"]


def test_ordinal_comparisons():
    sizes = dl.categorical(["small", "large", "medium"], ["small", "medium", "large"],
                           Ordinal=True)
    assert sizes.Ordinal
    np.testing.assert_array_equal(sizes > "small", [False, True, True])
    np.testing.assert_array_equal(sizes <= "medium", [True, False, True])
    np.testing.assert_array_equal(sizes < sizes[[1, 1, 1]], [True, False, True])
    # MATLAB's name-value pair form
    same = dl.categorical(["small"], ["small", "medium", "large"], "Ordinal", True)
    assert same.Ordinal and (same >= "small").all()
    with pytest.raises(TypeError, match="relational comparisons need an ordinal categorical"):
        dl.categorical(["a"]) < "b"
    with pytest.raises(ValueError, match="holds a name that is not a category"):
        sizes < "huge"
    with pytest.raises(TypeError, match="same categories in the same order"):
        sizes < dl.categorical(["small"], ["small", "large"], Ordinal=True)


# --------------------------------------------------------------------------
# Indexing, assignment, iteration, concatenation, unique, ismember
# --------------------------------------------------------------------------

def test_indexing_keeps_every_category_and_copies():
    T = dl.categorical([1, 1, 2, 3, 3])
    for part in (T[:2], T[np.array([0, 1])], T[T == "1"], T[[True, True, False, False, False]]):
        assert part.Categories == ["1", "2", "3"] and (part == "1").all()
        np.testing.assert_array_equal(dl.countcats(part), [2, 0, 0])
    assert T[3] == "3" and T[-1] == "3"                          # one element: its name
    assert T[3:4].Categories == ["1", "2", "3"]
    part = T[:2]
    part[0] = "2"
    assert T[0] == "1"                                            # value semantics
    assert T[None, :].shape == (1, 5)
    with pytest.raises(TypeError, match="an index must be ints, slices or a logical mask"):
        T[dl.categorical([0])]


def test_assignment_adds_categories():
    C = dl.categorical(["a", "b"])
    C[0] = "b"
    C[1] = "new"
    assert C.Categories == ["a", "b", "new"] and C.string().tolist() == ["b", "new"]
    C[:] = None
    assert dl.isundefined(C).all()
    C[0] = dl.categorical(["z"])[0:1]
    assert C.Categories[-1] == "z" and C[0] == "z"
    O = dl.categorical(["lo", "hi"], ["lo", "hi"], Ordinal=True)
    O[0] = "hi"
    assert O.string().tolist() == ["hi", "hi"]
    with pytest.raises(ValueError, match="cannot add a category to an ordinal categorical"):
        O[0] = "mid"


def test_len_iteration_and_errors_of_scalars():
    C = dl.categorical(["x", "y", "x"])
    assert list(C) == ["x", "y", "x"]                            # names, as C[i]
    np.testing.assert_array_equal(list(C), C)
    assert "y" in C and "z" not in C
    rows = list(dl.categorical([["a", "b"], ["b", "b"]]))
    assert all(isinstance(r, dl.categorical) and r.shape == (2,) for r in rows)
    with pytest.raises(TypeError, match="len\\(\\) of a scalar"):
        len(dl.categorical("a"))
    with pytest.raises(TypeError, match="iteration over a scalar"):
        iter(dl.categorical("a"))


def test_cat_unions_categories_as_matlab():
    A = dl.categorical(["b", "a"])
    B = dl.categorical(["c", "a"], ["c", "a", "d"])
    AB = dl.cat(0, A, B)
    assert AB.Categories == ["a", "b", "c", "d"]
    assert AB.string().tolist() == ["b", "a", "c", "a"]
    assert dl.cat(0, [A, ["z"]]).Categories == ["a", "b", "z"]    # text is made categorical
    side = dl.cat(1, A, A)                                        # N x 1 columns side by side
    assert side.shape == (2, 2) and (side[:, 1] == A).all()
    with pytest.raises(ValueError, match=r"the sizes of the inputs \(2x1, 1x2\) agree only"):
        dl.cat(1, A, dl.categorical([["a", "b"]]))
    with pytest.raises(ValueError, match="dim must be a non-negative integer"):
        dl.cat(-1, A, B)
    O = dl.categorical(["lo"], ["lo", "hi"], Ordinal=True)
    assert dl.cat(0, O, O).Ordinal
    with pytest.raises(ValueError, match="ordinal categoricals concatenate only with ordinal"):
        dl.cat(0, O, A)


def test_unique_and_ismember():
    C = dl.categorical(["b", None, "a", "b"], ["c", "b", "a"])
    U, ia, ic = dl.unique(C, nargout=3)
    assert U.string().tolist() == ["b", "a", "<undefined>"] and U.Categories == ["c", "b", "a"]
    assert ia.tolist() == [0, 2, 1] and ic.tolist() == [0, 2, 1, 0]
    assert C.unique().string().tolist() == ["b", "a", "<undefined>"]
    u, ia = dl.unique(np.array([3.0, np.nan, 1.0, 3.0, np.nan]), nargout=2)
    assert u[:2].tolist() == [1.0, 3.0] and np.isnan(u[2:]).all() and ia[:2].tolist() == [2, 0]
    tf, loc = dl.ismember(C, ["a", "c"], nargout=2)
    assert tf.tolist() == [False, False, True, False] and loc.tolist() == [-1, -1, 0, -1]
    assert dl.ismember(["a", "q"], C).tolist() == [True, False]
    tf, loc = dl.ismember(np.array([5, 7, 9]), [9, 5, 5], nargout=2)
    assert tf.tolist() == [True, False, True] and loc.tolist() == [1, -1, 0]
    with pytest.raises(ValueError, match="unique: nargout must be one of 1, 2, 3"):
        dl.unique(C, nargout=4)
    with pytest.raises(ValueError, match="ismember: nargout must be one of 1, 2"):
        dl.ismember(C, C, nargout=3)
    with pytest.raises(TypeError, match="unique: A must be a categorical or an array of values, "
                                        "not a dlarray"):
        dl.unique(dl.dlarray([1.0]))


def test_creation_and_function_errors():
    with pytest.raises(ValueError, match="categorical: catnames needs valueset"):
        dl.categorical([1], catnames=["one"])
    with pytest.raises(ValueError, match="the values of valueset must be unique; 'a' appears"):
        dl.categorical(["a"], ["a", "a"])
    with pytest.raises(ValueError, match="valueset must not hold missing values"):
        dl.categorical([1.0], [1.0, np.nan])
    with pytest.raises(ValueError, match=r"catnames must have one name per value of valueset "
                                         r"\(2\); it has 1"):
        dl.categorical([1], [1, 2], ["one"])
    with pytest.raises(TypeError, match="catnames must be non-empty strings"):
        dl.categorical([1], [1], [""])
    with pytest.raises(TypeError, match="categorical: A mixes text and numbers"):
        dl.categorical(np.array(["a", 1], dtype=object))
    with pytest.raises(TypeError, match="categorical: A must hold text or numbers; element 0 "
                                        "is dict"):
        dl.categorical(np.array([{}], dtype=object))
    with pytest.raises(TypeError, match="categorical: A must be labels .* not a dlarray"):
        dl.categorical(dl.dlarray([1.0, 2.0]))
    with pytest.raises(TypeError, match="categorical: A must hold text or numbers .* complex"):
        dl.categorical(np.array([1j]))
    with pytest.raises(TypeError, match="categorical: Ordinal must be true or false, not 'yes'"):
        dl.categorical([1], Ordinal="yes")
    with pytest.raises(ValueError, match="categorical: A must be an array of labels"):
        dl.categorical([[1, 2], [3]])
    for f in (dl.categories, dl.countcats, dl.isundefined):
        with pytest.raises(TypeError, match=f"{f.__name__}: C must be a categorical, not list"):
            f([1, 2])
    with pytest.raises(ValueError, match="countcats: dim must be an integer in 0..0, not 1"):
        dl.countcats(dl.categorical([1]), 1)


# --------------------------------------------------------------------------
# The label pipeline keeps every category
# --------------------------------------------------------------------------

def test_japanese_vowels_labels_are_categorical():
    _, T = dl.japaneseVowelsTrainData()
    assert isinstance(T, dl.categorical) and T.shape == (270,)
    assert T.Categories == [str(k) for k in range(1, 10)]
    E = dl.onehotencode(T[:27], 1)                 # only speaker 1, but every class
    assert E.shape == (27, 9) and E[:, 0].all() and not E[:, 1:].any()
    E = dl.onehotencode(T[None, :27], 0)
    assert E.shape == (9, 27)
    np.testing.assert_array_equal(dl.onehotencode(T[:2], 1, ClassNames=[2, 1]),
                                  [[0, 1], [0, 1]])   # ClassNames matched by name
    U = dl.categorical(["a", None], ["a", "b"])
    assert np.isnan(dl.onehotencode(U, 1)[1]).all()     # undefined -> NaN, as MATLAB


def test_onehotdecode_and_scores2label_with_categorical_classes():
    _, T = dl.japaneseVowelsTrainData()
    scores = np.eye(9)[[0, 8, 3]]                           # N x K
    classes = dl.unique(T)                                  # a categorical of the 9 classes
    Y = dl.onehotdecode(scores.T, classes, 0)
    assert isinstance(Y, dl.categorical) and Y.shape == (1, 3)
    assert Y.string().tolist() == [["1", "9", "4"]] and Y.Categories == T.Categories
    Y = dl.onehotdecode(scores.T, dl.categories(T), 0)     # a list: the values
    assert Y.tolist() == [["1", "9", "4"]]
    Y = dl.scores2label(scores, classes)
    assert isinstance(Y, dl.categorical) and Y.string().tolist() == ["1", "9", "4"]
    assert dl.scores2label(scores, dl.categories(T)).tolist() == ["1", "9", "4"]


def _subset_layers(K=9):
    return [L.sequenceInputLayer(12), L.lstmLayer(8, OutputMode="last"),
            L.fullyConnectedLayer(K), L.softmaxLayer(), L.classificationLayer()]


def _quiet(**kw):
    return dl.trainingOptions("adam", Verbose=False, **kw)


def test_train_on_a_subset_missing_classes():
    dl.rng(0)
    XTrain, YTrain = dl.japaneseVowelsTrainData()
    Y = YTrain[:200]                                           # speakers 1..7 only
    np.testing.assert_array_equal(dl.countcats(Y), [30] * 6 + [20, 0, 0])
    net = dl.trainNetwork(XTrain[:200], Y, _subset_layers(), _quiet(MaxEpochs=1,
                                                                    MiniBatchSize=50))
    classes = net.Layers[-1].Classes
    assert isinstance(classes, dl.categorical) and classes.Categories == YTrain.Categories
    assert "[9x1 categorical]" in repr(net.Layers[-1])
    assert "crossentropyex with '1' and 8 other classes" in net.Layers[-1]._description()
    pred = dl.classify(net, XTrain[200:230])
    assert isinstance(pred, dl.categorical) and pred.shape == (30,)
    assert pred.Categories == YTrain.Categories
    # the same labels as plain ints: 7 classes, so a 9-output network does not fit
    ints = np.asarray(Y).astype(int)
    with pytest.raises(ValueError, match="the network outputs 9 classes .* but the responses "
                                         "have 7 classes"):
        dl.trainNetwork(XTrain[:200], ints, _subset_layers(), _quiet(MaxEpochs=1))
    net = dl.trainNetwork(XTrain[:200], ints, _subset_layers(7), _quiet(MaxEpochs=1,
                                                                        MiniBatchSize=50))
    pred = dl.classify(net, XTrain[:3])
    assert isinstance(pred, np.ndarray) and pred.dtype.kind == "i"
    assert net.Layers[-1].Classes == tuple(range(1, 8))


def test_validation_data_and_classes_option_with_categorical():
    dl.rng(1)
    XTrain, YTrain = dl.japaneseVowelsTrainData()
    idx = np.arange(0, 270, 9)
    opts = _quiet(MaxEpochs=1, MiniBatchSize=10, ValidationData=(XTrain[1:60:3], YTrain[1:60:3]))
    layers = _subset_layers(3)[:-1] + [L.classificationLayer(Classes=[9, 1, 5])]
    Y = YTrain[idx]
    keep = np.asarray(Y == "1") | np.asarray(Y == "5") | np.asarray(Y == "9")
    sub = [XTrain[i] for i in idx[keep]]
    net = dl.trainNetwork(sub, Y[keep], layers, _quiet(MaxEpochs=1, MiniBatchSize=5))
    assert net.Layers[-1].Classes.string().tolist() == ["9", "1", "5"]
    assert dl.classify(net, sub[:2]).Categories == ["9", "1", "5"]
    net = dl.trainNetwork(XTrain[:60], YTrain[:60], _subset_layers(), opts)
    assert dl.classify(net, XTrain[:2]).Categories == YTrain.Categories
    with pytest.raises(ValueError, match="trainNetwork: the label at position 0 is undefined"):
        bad = YTrain[:20].copy()
        bad[0] = None
        dl.trainNetwork(XTrain[:20], bad, _subset_layers(), _quiet(MaxEpochs=1))


def test_trainnet_and_sequence_to_sequence_with_categorical():
    dl.rng(2)
    rng = np.random.default_rng(0)
    X = [rng.standard_normal((2, int(rng.integers(5, 9)))).astype(np.float32) for _ in range(30)]
    T = dl.categorical(["neg" if x[0].sum() < 0 else "pos" for x in X], ["neg", "pos", "none"])
    layers = [L.sequenceInputLayer(2), L.lstmLayer(6, OutputMode="last"),
              L.fullyConnectedLayer(3), L.softmaxLayer()]
    net = dl.trainnet(X, T, layers, "crossentropy", _quiet(MaxEpochs=2, MiniBatchSize=10))
    scores = dl.minibatchpredict(net, X)
    assert scores.shape == (30, 3)
    Y = dl.scores2label(scores, net)
    assert isinstance(Y, dl.categorical) and Y.Categories == ["neg", "pos", "none"]
    # sequence-to-sequence: one categorical per sequence, with every category
    S = [dl.categorical(np.where(x[0] > 0, "up", "down"), ["down", "up", "flat"]) for x in X]
    layers = [L.sequenceInputLayer(2), L.lstmLayer(6), L.fullyConnectedLayer(3),
              L.softmaxLayer(), L.classificationLayer()]
    net = dl.trainNetwork(X, S, layers, _quiet(MaxEpochs=1, MiniBatchSize=10))
    pred = dl.classify(net, X[:2])
    assert isinstance(pred, list) and isinstance(pred[0], dl.categorical)
    assert pred[0].shape == (X[0].shape[1],) and pred[0].Categories == ["down", "up", "flat"]


# --------------------------------------------------------------------------
# confusionmat
# --------------------------------------------------------------------------

def test_confusionmat_matlab_example():
    # confusionmat page: g1 = [3 2 2 3 1 1]'; g2 = [4 2 3 NaN 1 1]'
    g1 = np.array([3, 2, 2, 3, 1, 1])
    g2 = np.array([4, 2, 3, np.nan, 1, 1])
    C, order = dl.confusionmat(g1, g2, nargout=2)
    np.testing.assert_array_equal(C, [[2, 0, 0, 0], [0, 1, 1, 0], [0, 0, 0, 1], [0, 0, 0, 0]])
    assert C.dtype == np.int64 and order.tolist() == [1, 2, 3, 4]
    # 'Order', [4 3 2 1]: rows and columns reversed
    C2, order2 = dl.confusionmat(g1, g2, "Order", [4, 3, 2, 1], nargout=2)
    np.testing.assert_array_equal(C2, C[::-1, ::-1])
    assert order2.tolist() == [4, 3, 2, 1]
    assert C.sum() == 5                                      # the NaN observation left out


def test_confusionmat_text_and_categorical_keep_every_category():
    t = ["cat", "dog", "dog", "cat", ""]                    # "" is missing
    p = ["cat", "cat", "dog", "dog", "dog"]
    C, order = dl.confusionmat(t, p, nargout=2)
    np.testing.assert_array_equal(C, [[1, 1], [1, 1]])
    assert order.tolist() == ["cat", "dog"]
    T = dl.categorical(t, ["cat", "dog", "bird"])
    P = dl.categorical(p, ["dog", "cat"])
    C, order = dl.confusionmat(T, P, nargout=2)
    np.testing.assert_array_equal(C, [[1, 1, 0], [1, 1, 0], [0, 0, 0]])   # bird: zeros
    assert isinstance(order, dl.categorical) and order.string().tolist() == ["cat", "dog", "bird"]
    C = dl.confusionmat(T, ["dog", "fish", "dog", "dog", "dog"])          # text made categorical
    assert C.shape == (4, 4) and C[0, 1] == 2 and C[1, 1] == 1 and C[1, 3] == 1
    C, order = dl.confusionmat(T, P, Order=["bird", "dog", "cat"], nargout=2)
    np.testing.assert_array_equal(C, [[0, 0, 0], [0, 1, 1], [0, 1, 1]])
    assert order.string().tolist() == ["bird", "dog", "cat"]


def test_confusionmat_errors():
    with pytest.raises(ValueError, match="confusionmat: group and grouphat must have the same "
                                         "number of elements; they have 3 and 2"):
        dl.confusionmat([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="Order must list every group of group and grouphat; "
                                         "3 is not in it"):
        dl.confusionmat([1, 2, 3], [1, 2, 2], Order=[1, 2])
    with pytest.raises(ValueError, match="Order must list every group .* 'b' is not in it"):
        dl.confusionmat(dl.categorical(["a", "b"]), ["a", "a"], Order=["a"])
    with pytest.raises(ValueError, match="Order must not repeat a group"):
        dl.confusionmat([1, 2], [1, 2], Order=[1, 2, 2])
    with pytest.raises(ValueError, match="Order must not repeat a group"):
        dl.confusionmat(dl.categorical([1]), [1], Order=["1", "1"])
    with pytest.raises(TypeError, match="group and grouphat must be labels of one kind; group "
                                        "holds numeric values and grouphat text values"):
        dl.confusionmat([1, 2], ["a", "b"])
    with pytest.raises(ValueError, match="confusionmat: nargout must be one of 1, 2"):
        dl.confusionmat([1], [1], nargout=3)


# --------------------------------------------------------------------------
# confusionchart
# --------------------------------------------------------------------------

@pytest.fixture
def headless(monkeypatch, tmp_path):
    pytest.importorskip("matplotlib")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr("dlarr.training.metrics._has_display", lambda: False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_confusionchart_writes_a_png_when_headless(headless, capsys):
    from matplotlib.figure import Figure
    T = dl.categorical(["a", "b", "b", "c"], ["a", "b", "c", "d"])
    P = dl.categorical(["a", "b", "c", "c"])
    fig = dl.confusionchart(T, P, Title="Labels", RowSummary="row-normalized",
                            ColumnSummary="column-normalized")
    assert isinstance(fig, Figure)
    path = headless / "confusionchart.png"
    assert fig.saved_file == str(path) and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"Confusion chart saved to {path}" in capsys.readouterr().out
    assert fig.ClassLabels == ["a", "b", "c", "d"]
    np.testing.assert_array_equal(fig.NormalizedValues, dl.confusionmat(T, P))
    fig = dl.confusionchart(np.array([[5, 1], [2, 8]]), ["yes", "no"],
                            Normalization="row-normalized", File=headless / "m.png")
    np.testing.assert_allclose(fig.NormalizedValues, [[5 / 6, 1 / 6], [0.2, 0.8]])
    assert fig.ClassLabels == ["yes", "no"] and (headless / "m.png").is_file()
    fig = dl.confusionchart(np.array([[1, 0], [0, 1]]), File=False)
    assert fig.saved_file is None and fig.ClassLabels == ["0", "1"]


def test_confusionchart_errors(headless, monkeypatch):
    with pytest.raises(ValueError, match="Normalization 'zzz' is not valid; valid values are "
                                         "'absolute', 'column-normalized'"):
        dl.confusionchart([1, 2], [1, 2], Normalization="zzz")
    with pytest.raises(TypeError, match="confusionchart: Title must be a string, not int"):
        dl.confusionchart([1, 2], [1, 2], Title=3)
    with pytest.raises(TypeError, match="confusionchart: File must be a file name"):
        dl.confusionchart([1, 2], [1, 2], File=3)
    with pytest.raises(ValueError, match="a confusion matrix m must be a square matrix of "
                                         "non-negative counts"):
        dl.confusionchart(np.array([[1, -1], [0, 1]]))
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match=r"confusionchart needs matplotlib.*dlarr\[plot\]"):
        dl.confusionchart([1, 2], [1, 2])
    assert not os.path.exists("confusionchart.png")


def test_scores2label_top_scores():
    scores = np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]])
    Y, top = dl.scores2label(scores, ["cat", "dog"], nargout=2)
    assert Y.tolist() == ["dog", "cat", "dog"]
    np.testing.assert_array_equal(top, [0.9, 0.8, 0.7])
    Y0, top0 = dl.scores2label(scores.T, dl.categorical(["cat", "dog"]), 0, nargout=2)
    assert list(np.asarray(Y0)) == ["dog", "cat", "dog"] and top0.tolist() == [0.9, 0.8, 0.7]
    with pytest.raises(ValueError, match="scores2label: nargout must be one of 1, 2"):
        dl.scores2label(scores, ["cat", "dog"], nargout=3)
