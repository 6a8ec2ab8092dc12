"""Issue 12: every bad input answered.  A catalogue of bad inputs to the public functions
and classes of dlarr, and a property test of random wrong-typed arguments.

Each row of the catalogue is one bad input: an id, a call, the exception type it must
raise (exactly that type: no NumPy subclass such as AxisError) and a regular expression
its message must match.  The expression names the function (or class) and the argument
or option, and, where the message says what came (the value, its type or its size),
that too, so a leaked internal error ("'NoneType' object is not iterable", "setting an
array element with a sequence", an AttributeError) or a message that names nothing fails
its row.  Every call runs in this process and fails before doing any real work, on tiny
inputs.  The io functions (save, load, ONNX) have their own tests.
"""
import contextlib
import functools
import inspect
import io
import re
import signal
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dlarr as dl

# --------------------------------------------------------------------------
# Small inputs shared by the rows (built on first use)
# --------------------------------------------------------------------------
_r = np.random.default_rng(0)
X3 = dl.dlarray(_r.random((3, 2, 4)).astype(np.float32), "CBT")      # 3(C) x 2(B) x 4(T)
Y2 = dl.dlarray(_r.random((3, 2)).astype(np.float32), "CB")           # 3(C) x 2(B)
P2 = dl.softmax(Y2)
T2 = np.eye(3, 2, dtype=np.float32)
SEQS = [_r.standard_normal((3, 4)).astype(np.float32) for _ in range(4)]
LABELS = dl.categorical(["a", "b", "a", "b"])
CAT = dl.categorical(["a", "b", "a"])
H = 2
W, R, B = np.ones((4 * H, 3), np.float32), np.ones((4 * H, H), np.float32), np.zeros(4 * H, np.float32)
WG, RG, BG = np.ones((3 * H, 3), np.float32), np.ones((3 * H, H), np.float32), np.zeros(3 * H, np.float32)
H0 = np.zeros(H, np.float32)
RAGGED = [[1.0], [2.0, 3.0]]
U23 = dl.dlarray(np.zeros((2, 3)))                                    # unformatted 2 x 3


def _layers():
    return [dl.sequenceInputLayer(3), dl.lstmLayer(2, OutputMode="last"), dl.fullyConnectedLayer(2),
            dl.softmaxLayer(), dl.classificationLayer()]


def _opts(**kw):
    return dl.trainingOptions("adam", MaxEpochs=1, MiniBatchSize=2, Verbose=False, **kw)


@functools.lru_cache(None)
def _net():
    """A SeriesNetwork trained by trainNetwork (its classes recorded)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return dl.trainNetwork(SEQS, LABELS, _layers(), _opts())


@functools.lru_cache(None)
def _dln():
    return dl.dlnetwork(_layers()[:-1])


def _ds():
    return dl.arrayDatastore(np.arange(6.0))


def _set(obj, name, value):
    setattr(obj, name, value)


def _in_dlfeval(body):
    """Run ``body(x)`` inside dlfeval (dlgradient needs a trace)."""
    return lambda: dl.dlfeval(body, dl.dlarray(np.array([1.0, 2.0])))


# --------------------------------------------------------------------------
# The catalogue: rows (id, call, exception type, message regex)
# --------------------------------------------------------------------------
CATALOGUE = []


def case(id, fn, exc, pattern):
    CATALOGUE.append(pytest.param(fn, exc, pattern, id=id))


def _shown(v):
    """How the messages show a wrong scalar value."""
    return re.escape(repr(v))


# ----- dlarray and inspection ----------------------------------------------------------------
case("dlarray-X-str", lambda: dl.dlarray("abc"), TypeError, r"^dlarray: X must be .*not str")
case("dlarray-X-None", lambda: dl.dlarray(None), TypeError, r"^dlarray: X must be .*not NoneType")
case("dlarray-X-dict", lambda: dl.dlarray({}), TypeError, r"^dlarray: X must be .*not dict")
case("dlarray-X-ragged", lambda: dl.dlarray(RAGGED), ValueError, r"^dlarray: X must be .*ragged")
case("dlarray-X-complex", lambda: dl.dlarray(np.array([1 + 2j])), TypeError,
     r"^dlarray: X is complex")
case("dlarray-X-object", lambda: dl.dlarray(np.array([None, 1], dtype=object)), TypeError,
     r"^dlarray: X must be numeric or logical, not of dtype object")
case("dlarray-X-text", lambda: dl.dlarray(np.array(["a"])), TypeError,
     r"^dlarray: X must be numeric or logical, not of dtype <U1")
case("dlarray-X-list-of-dlarray", lambda: dl.dlarray([dl.dlarray(1.0)]), TypeError,
     r"^dlarray: X must hold numbers .*dlarrays")
case("dlarray-fmt-int", lambda: dl.dlarray(np.ones((2, 3)), 5), TypeError,
     r"^dlarray: fmt must be a string of dimension labels .*not int")
case("dlarray-fmt-label", lambda: dl.dlarray(np.ones((2, 3)), "CX"), ValueError,
     r"^dlarray: fmt 'CX': unknown label 'X' at position 1")
case("dlarray-fmt-repeated", lambda: dl.dlarray(np.ones((2, 3)), "CC"), ValueError,
     r"^dlarray: fmt 'CC': label 'C' \(channel\) appears 2 times")
case("dlarray-fmt-short", lambda: dl.dlarray(np.ones((2, 3, 4)), "C"), ValueError,
     r"^dlarray: fmt 'C' has 1 labels but the data has 3 dimensions \(size 2 x 3 x 4\)")
case("dims-ndarray", lambda: dl.dims(np.ones(3)), TypeError, r"^dims: X must be a dlarray, not ndarray")
case("finddim-label", lambda: dl.finddim(X3, "Q"), ValueError,
     r"^finddim: label must be one of 'S', 'C', 'B', 'T', 'U', not 'Q'")
case("finddim-label-int", lambda: dl.finddim(X3, 3), ValueError, r"^finddim: label .*not 3")
case("finddim-label-two", lambda: dl.finddim(X3, "CB"), ValueError, r"^finddim: label .*not 'CB'")
case("finddim-format", lambda: dl.finddim("CXB", "B"), ValueError, r"^finddim: X 'CXB'.*'X'")
case("finddim-X-list", lambda: dl.finddim([1], "C"), TypeError, r"^finddim: X must be a dlarray, not list")
case("extractdata-list", lambda: dl.extractdata([1, 2]), TypeError,
     r"^extractdata: X must be a dlarray, not list")
case("stripdims-ndarray", lambda: dl.stripdims(np.ones(3)), TypeError,
     r"^stripdims: X must be a dlarray, not ndarray")
case("stripdims-fmt-int", lambda: dl.stripdims(X3, 5), TypeError,
     r"^stripdims: fmt must be a string .*not int")
case("size-list", lambda: dl.size([1, 2, 3]), TypeError, r"^size: X must be a dlarray.*not list")
case("size-dim-negative", lambda: dl.size(X3, -1), ValueError,
     r"^size: dim must be a non-negative integer.*not int -1")
case("size-dim-float", lambda: dl.size(X3, 1.5), ValueError, r"^size: dim .*not float 1\.5")
case("size-dim-label", lambda: dl.size(X3, "Q"), ValueError, r"^size: dim must be one of .*not 'Q'")
case("numel-str", lambda: dl.numel("abc"), TypeError, r"^numel: X must be a dlarray.*not str")
case("underlyingType-ragged", lambda: dl.underlyingType(RAGGED), ValueError,
     r"^underlyingType: X must be .*ragged")

# ----- elementwise operations: X of the wrong kind ---------------------------------------------
_UNARY = ["abs", "ceil", "cos", "exp", "floor", "log", "relu", "sigmoid", "sign", "sin", "sqrt",
          "tanh", "erf", "softsign", "transpose", "squeeze", "single", "double"]
_WHERE = {"single": "cast", "double": "cast"}
for _f in _UNARY:
    _w = _WHERE.get(_f, _f)
    case(f"{_f}-X-None", lambda f=_f: getattr(dl, f)(None), TypeError,
         rf"^{_w}: X must be a dlarray, a numeric array or a scalar, not NoneType")
    case(f"{_f}-X-str", lambda f=_f: getattr(dl, f)("abc"), TypeError, rf"^{_w}: X must be .*not str")
    case(f"{_f}-X-ragged", lambda f=_f: getattr(dl, f)(RAGGED), ValueError,
         rf"^{_w}: X must be an array or a nested list of rows of equal length, not a ragged")
    case(f"{_f}-X-complex", lambda f=_f: getattr(dl, f)(np.array([1j])), TypeError,
         rf"^{_w}: X is complex; dlarr supports real data only")
case("round-N-float", lambda: dl.round(Y2, 1.5), TypeError, r"^round: N .*must be an integer, not 1\.5")
case("round-N-str", lambda: dl.round(Y2, "x"), TypeError, r"^round: N .*must be an integer, not 'x'")
case("mod-M-str", lambda: dl.mod(Y2, "x"), TypeError, r"^mod: second input must be .*not str")
case("mod-X-None", lambda: dl.mod(None, 2.0), TypeError, r"^mod: first input must be .*not NoneType")
case("mod-sizes", lambda: dl.mod(np.ones((3, 2)), np.ones((2, 3))), ValueError,
     r"^mod: arrays have incompatible sizes 3 x 2 and 2 x 3 for implicit expansion")
case("plus-str", lambda: Y2 + "abc", TypeError, r"^plus \(\+\): second input must be .*not str")
case("plus-ragged", lambda: Y2 + RAGGED, ValueError, r"^plus \(\+\): second input must be .*ragged")
case("times-None", lambda: Y2 * None, TypeError, r"^times \(\*\): second input must be .*not NoneType")
case("power-str", lambda: Y2 ** "x", TypeError, r"^power \(\*\*\): second input must be .*not str")
case("gt-str", lambda: Y2 > "x", TypeError, r"^gt \(>\): second input must be .*not str")
case("bool-of-array", lambda: bool(Y2), TypeError,
     r"only a DLArray with one element converts to bool; this one has size 3\(C\) x 2\(B\)")
case("index-out-of-range", lambda: Y2[5], IndexError,
     r"^indexing: index 5 is out of bounds .*X is 3\(C\) x 2\(B\); indices are 0-based")
case("index-str", lambda: Y2["a"], IndexError, r"^indexing: .*X is 3\(C\) x 2\(B\)")
case("index-too-many", lambda: Y2[0, 0, 0], IndexError, r"too many indices: the array has 2 dimensions")
case("setitem-size", lambda: dl.dlarray(np.zeros((3, 4))).__setitem__(0, np.ones(7)), ValueError,
     r"^indexed assignment: the value has size 7 but the indexed part of X has size 4")
case("setitem-str", lambda: dl.dlarray(np.zeros(3)).__setitem__(0, "abc"), TypeError,
     r"^indexed assignment: value must be .*not str")
case("matmul-inner", lambda: dl.matmul(np.ones((2, 3)), np.ones((2, 3))), ValueError,
     r"^matrix multiply \(@\): inner dimensions must agree: 2 x 3 times 2 x 3")
case("matmul-empty-list", lambda: dl.matmul([], np.ones((2, 2))), ValueError,
     r"^matrix multiply \(@\): inner dimensions must agree: 0 times 2 x 2")
case("matmul-scalar", lambda: Y2 @ 3, ValueError, r"^matrix multiply \(@\): the second input is a scalar")
case("matmul-formatted", lambda: dl.matmul(X3, X3), ValueError,
     r"^matrix multiply \(@\): the first input has format 'CBT'")
case("pagemtimes-transp", lambda: dl.pagemtimes(np.ones((2, 2)), "x", np.ones((2, 2)), "none"),
     ValueError, r"^pagemtimes: transp.* 'x' is not valid")
case("pagemtimes-inner", lambda: dl.pagemtimes(np.ones((2, 3)), np.ones((2, 3))), ValueError,
     r"^pagemtimes: the pages' inner dimensions must agree")
case("pagemtimes-formatted", lambda: dl.pagemtimes(np.ones((2, 3)), Y2), ValueError,
     r"^pagemtimes: Y is formatted \('CB'\)")

# ----- reductions: dim, w, p, nargout ------------------------------------------------------------
_REDUCE = {"sum": lambda X, d: dl.sum(X, d), "mean": lambda X, d: dl.mean(X, d),
           "prod": lambda X, d: dl.prod(X, d), "max": lambda X, d: dl.max(X, dim=d),
           "min": lambda X, d: dl.min(X, dim=d), "var": lambda X, d: dl.var(X, 0, d),
           "std": lambda X, d: dl.std(X, 0, d)}
for _f, _call in _REDUCE.items():
    case(f"{_f}-dim-float", lambda c=_call: c(Y2, 0.5), TypeError,
         rf"^{_f}: dim must be an integer, a list of integers, a string of labels or 'all', not 0\.5")
    case(f"{_f}-dim-range", lambda c=_call: c(Y2, 5), ValueError,
         rf"^{_f}: dim 5 is out of range for an array with 2 dimensions")
    case(f"{_f}-dim-label", lambda c=_call: c(Y2, "T"), ValueError,
         rf"^{_f}: the array \(format 'CB'\) has no 'T' dimension")
    case(f"{_f}-dim-repeated", lambda c=_call: c(Y2, [0, 0]), ValueError,
         rf"^{_f}: dim \[0, 0\] repeats a dimension")
    case(f"{_f}-dim-unformatted", lambda c=_call: c(np.ones((2, 2)), "C"), ValueError,
         rf"^{_f}: dim 'C' names labels, but the array is unformatted")
    case(f"{_f}-dim-scalar", lambda c=_call: c(np.array(3.0), 0), ValueError,
         rf"^{_f}: dim 0 is out of range: the array is a 0-d scalar")
    case(f"{_f}-dim-badlabel", lambda c=_call: c(Y2, "Q"), ValueError,
         rf"^{_f}: dim 'Q': unknown label 'Q'")
case("max-nargout", lambda: dl.max(Y2, None, 0, nargout=3), ValueError,
     r"^max: nargout must be one of 1, 2 .*not 3")
case("max-both", lambda: dl.max(Y2, Y2, 0), ValueError, r"^max: give either a second array")
case("min-nargout-two-arrays", lambda: dl.min(Y2, Y2, nargout=2), ValueError,
     r"^min: nargout=2 \(the indices\) needs min\(X, \[\], dim\)")
case("var-w", lambda: dl.var(Y2, 2), ValueError, r"^var: w must be 0 .*got 2")
case("std-w-vector", lambda: dl.std(Y2, np.ones(5)), ValueError, r"^std: w must be 0 .*got array")
case("norm-p-str", lambda: dl.norm(Y2, "fro2"), ValueError, r"^norm: p .*'fro2'")
case("norm-p-negative", lambda: dl.norm(Y2, -1), ValueError, r"^norm: p must be a positive number or inf, not -1")
case("cumsum-dim-array", lambda: dl.cumsum(np.ones(3), np.array([0])), TypeError,
     r"^cumsum: dim must be one dimension .*not an ndarray of size 1")
case("cumsum-dim-float", lambda: dl.cumsum(np.ones(3), 1.5), TypeError, r"^cumsum: dim .*not float 1\.5")
case("cumsum-direction", lambda: dl.cumsum(np.ones(3), 0, "up"), ValueError,
     r"^cumsum: direction 'up' is not valid; valid values are 'forward', 'reverse'")
case("cumsum-dim-all", lambda: dl.cumsum(np.ones(3), "all"), ValueError,
     r"^cumsum: dim must be one dimension .*not 'all'")

# ----- shape and type ----------------------------------------------------------------------
case("cast-None", lambda: dl.cast(np.ones(2), None), TypeError, r"^cast: newclass")
case("cast-unknown", lambda: dl.cast(X3, "foo"), TypeError, r"^cast: newclass .* not 'foo'")
case("cast-int-type", lambda: dl.cast(X3, "int8"), ValueError, r"^cast: dlarr computes in float32 .*not int8")
case("cast-X-str", lambda: dl.cast("abc", "single"), TypeError, r"^cast: X must be .*not str")
case("cat-nothing", lambda: dl.cat(0), ValueError, r"^cat: give at least one array")
case("cat-dim-str", lambda: dl.cat("Q", Y2, Y2), TypeError, r"^cat: dim must be a non-negative integer .*not 'Q'")
case("cat-dim-negative", lambda: dl.cat(-1, Y2, Y2), (ValueError, TypeError), r"^cat: dim .*-1")
case("cat-sizes", lambda: dl.cat(0, np.ones((2, 2)), np.ones((2, 3))), ValueError,
     r"^cat: inputs must have equal sizes except in dim 0; dimension 1 has sizes 2, 3")
case("cat-formats", lambda: dl.cat(0, Y2, X3), ValueError,
     r"^cat: all inputs must have the same format; input 0 has 'CB' and input 1 has 'CBT'")
case("cat-None", lambda: dl.cat(0, Y2, None), TypeError, r"^cat: input 1 must be .*not NoneType")
case("reshape-negative", lambda: dl.reshape(Y2, -2, 3), ValueError,
     r"^reshape: sizes must be non-negative integers .*got \(-2, 3\)")
case("reshape-two-unknown", lambda: dl.reshape(Y2, -1, -1), ValueError, r"^reshape: at most one size may be -1")
case("reshape-order", lambda: dl.reshape(Y2, 6, order="X"), ValueError, r"^reshape: order 'X' is not valid")
case("reshape-count", lambda: dl.reshape(Y2, 7), ValueError,
     r"^reshape: cannot reshape an array of size 3\(C\) x 2\(B\) \(6 elements\) into 7")
case("permute-repeated", lambda: dl.permute(U23, [0, 0]), ValueError, r"^permute: order must be a permutation")
case("permute-float", lambda: dl.permute(U23, [1.7, 0.2]), TypeError, r"^permute: order")
case("permute-digits", lambda: dl.permute(U23, "10"), TypeError, r"^permute: order")
case("permute-short", lambda: dl.permute(dl.stripdims(X3), [1, 0]), ValueError,
     r"^permute: order must be a permutation of 0\.\.2 covering all 3 dimensions, not \[1, 0\]")
case("permute-formatted", lambda: dl.permute(X3, [2, 0, 1]), ValueError,
     r"^permute: X is formatted \('CBT'\); formatted data always keeps MATLAB's canonical order")
case("transpose-3d", lambda: dl.transpose(np.ones((2, 2, 2))), ValueError, r"^transpose: ")

# ----- random numbers ---------------------------------------------------------------------------
case("rng-negative", lambda: dl.rng(-1), ValueError, r"^rng: seed must be an integer in \[0, 2\^32\), not -1")
case("rng-float", lambda: dl.rng(1.5), ValueError, r"^rng: seed must be an integer .*not 1\.5")
case("rng-huge", lambda: dl.rng(2 ** 40), ValueError, r"^rng: seed must be an integer .*not 1099511627776")
case("rng-word", lambda: dl.rng("foo"), ValueError, r"^rng: seed must be .*'default' or 'shuffle', not 'foo'")
case("rng-generator", lambda: dl.rng(0, "philox"), ValueError, r"^rng: generator 'philox' is not valid")
case("rng-list", lambda: dl.rng([]), ValueError, r"^rng: seed must be an integer .*not \[\]")
case("randperm-negative", lambda: dl.randperm(-3), ValueError, r"^randperm: n must be a non-negative integer, not -3")
case("randperm-float", lambda: dl.randperm(2.5), ValueError, r"^randperm: n must be .*not 2\.5")
case("randperm-k", lambda: dl.randperm(3, 5), ValueError, r"^randperm: k \(5\) must not exceed n \(3\)")
case("randperm-str", lambda: dl.randperm("a"), ValueError, r"^randperm: n must be .*'a'")
case("randperm-k-negative", lambda: dl.randperm(3, -1), ValueError, r"^randperm: k .*-1")

# ----- categorical ---------------------------------------------------------------------------
case("categorical-mixed", lambda: dl.categorical([1, "a", 2]), ValueError,
     r"^categorical: A mixes numbers and text \(1 at position 0, 'a' at position 1\)")
case("categorical-ragged", lambda: dl.categorical([[1, 2], [3]]), ValueError,
     r"^categorical: A must be an array of labels, not a ragged")
case("categorical-dlarray", lambda: dl.categorical(dl.dlarray([1.0])), TypeError,
     r"^categorical: A must be labels .*not a dlarray")
case("categorical-dict-element", lambda: dl.categorical(np.array([{}], dtype=object)), TypeError,
     r"^categorical: A must hold text or numbers; element 0 is dict")
case("categorical-valueset", lambda: dl.categorical(["a"], ["a", "a"]), ValueError,
     r"^categorical: the values of valueset must be unique; 'a' appears more than once")
case("categorical-catnames", lambda: dl.categorical([1], [1, 2], ["one"]), ValueError,
     r"^categorical: catnames must have one name per value of valueset \(2\); it has 1")
case("categorical-catnames-dlarray", lambda: dl.categorical(["a"], ["a"], dl.dlarray(1.0)), TypeError,
     r"^categorical: catnames must be .*not a dlarray")
case("categorical-Ordinal", lambda: dl.categorical([1], Ordinal="yes"), TypeError,
     r"^categorical: Ordinal must be true or false, not 'yes'")
case("categories-int", lambda: dl.categories(5), TypeError, r"^categories: C must be a categorical, not int")
case("countcats-int", lambda: dl.countcats(5), TypeError, r"^countcats: C must be a categorical, not int")
case("countcats-dim", lambda: dl.countcats(CAT, 5), ValueError, r"^countcats: dim must be an integer in 0\.\.0, not 5")
case("isundefined-int", lambda: dl.isundefined(5), TypeError, r"^isundefined: C must be a categorical, not int")
case("countlabels-ragged", lambda: dl.countlabels(RAGGED), ValueError, r"^countlabels: labels must be .*ragged")
case("countlabels-dlarray", lambda: dl.countlabels(dl.dlarray(1.0)), TypeError,
     r"^countlabels: labels must be labels .*not a dlarray")
case("ismember-S-dict", lambda: dl.ismember(CAT, {}), TypeError, r"^ismember: S must be .*not a dict")
case("ismember-A-dict", lambda: dl.ismember({}, [1]), TypeError, r"^ismember: A must be .*not a dict")
case("ismember-nargout", lambda: dl.ismember(CAT, ["a"], 3), ValueError, r"^ismember: nargout must be one of 1, 2")
case("unique-object", lambda: dl.unique(np.array([None, 1], dtype=object)), TypeError,
     r"^unique: A must hold numbers or text, not an ndarray of size 2 and dtype object")
case("unique-mixed", lambda: dl.unique([1, "a"]), ValueError, r"^unique: A mixes numbers and text")
case("unique-dlarray", lambda: dl.unique(dl.dlarray([1.0])), TypeError, r"^unique: A must be .*not a dlarray")
case("unique-nargout", lambda: dl.unique(CAT, 5), ValueError, r"^unique: nargout must be one of 1, 2, 3")
case("categorical-index-str", lambda: CAT["x"], IndexError,
     r"^categorical indexing: .*the categorical has size 3")
case("categorical-index-range", lambda: CAT[5], IndexError,
     r"^categorical indexing: index 5 is out of bounds .*size 3")
case("categorical-index-dlarray", lambda: CAT[dl.dlarray([0.0])], TypeError,
     r"^categorical indexing: an index must be .*not DLArray")
case("categorical-lt-unordered", lambda: CAT < "a", TypeError,
     r"^categorical <: relational comparisons need an ordinal categorical")
case("categorical-eq-dict", lambda: CAT == {}, TypeError, r"^categorical ==: the other operand must be .*not a dict")

# ----- lstm, gru, fullyconnect ----------------------------------------------------------------------
case("lstm-weights", lambda: dl.lstm(X3, H0, H0, np.ones((7, 3)), R, B), ValueError,
     r"^lstm: weights must be 4\*NumHiddenUnits x InputSize = 8 x 3; it has size 7 x 3")
case("lstm-recurrentWeights", lambda: dl.lstm(X3, H0, H0, W, np.ones((8, 3)), B), ValueError,
     r"^lstm: recurrentWeights must be 4\*NumHiddenUnits x NumHiddenUnits = 8 x 2; it has size 8 x 3")
case("lstm-bias", lambda: dl.lstm(X3, H0, H0, W, R, np.zeros(7)), ValueError,
     r"^lstm: bias must be a vector of 4\*NumHiddenUnits = 8 elements; it has size 7")
case("lstm-H0-C0", lambda: dl.lstm(X3, np.zeros(3), H0, W, R, B), ValueError,
     r"^lstm: H0 has 3 hidden units but C0 has 2")
case("lstm-H0-3d", lambda: dl.lstm(X3, np.zeros((2, 2, 2)), H0, W, R, B), ValueError,
     r"^lstm: H0 must be NumHiddenUnits x 1 or NumHiddenUnits x NumObservations; it has size 2 x 2 x 2")
case("lstm-H0-batch", lambda: dl.lstm(X3, np.zeros((2, 5)), np.zeros((2, 5)), W, R, B), ValueError,
     r"^lstm: H0 has 5 columns \(observations\) but X has 2")
case("lstm-X-numeric", lambda: dl.lstm(np.ones((3, 2, 4)), H0, H0, W, R, B), TypeError,
     r"^lstm: X is a numeric array, so at least one of the other inputs must be a dlarray")
case("lstm-X-no-T", lambda: dl.lstm(Y2, H0, H0, W, R, B), ValueError,
     r"^lstm: X must have a time dimension 'T'; X has format 'CB'")
case("lstm-DataFormat-label", lambda: dl.lstm(np.ones((3, 2, 4)), dl.dlarray(H0), H0, W, R, B,
                                              DataFormat="CBX"), ValueError, r"^lstm: DataFormat 'CBX': unknown label 'X'")
case("lstm-DataFormat-formatted", lambda: dl.lstm(X3, H0, H0, W, R, B, DataFormat="CBT"), ValueError,
     r"^lstm: X is formatted \('CBT'\); DataFormat is only for unformatted X")
case("lstm-StateActivationFunction", lambda: dl.lstm(X3, H0, H0, W, R, B, StateActivationFunction="foo"),
     ValueError, r"^lstm: StateActivationFunction 'foo' is not valid; valid values are 'tanh'")
case("lstm-GateActivationFunction", lambda: dl.lstm(X3, H0, H0, W, R, B, GateActivationFunction="tanh"),
     ValueError, r"^lstm: GateActivationFunction 'tanh' is not valid")
case("lstm-weights-None", lambda: dl.lstm(X3, H0, H0, None, R, B), TypeError,
     r"^lstm: weights must be .*not NoneType")
case("lstm-option", lambda: dl.lstm(X3, H0, H0, W, R, B, Foo=1), TypeError,
     r"lstm\(\) got an unexpected keyword argument 'Foo'")
case("gru-ResetGateMode", lambda: dl.gru(X3, H0, WG, RG, BG, ResetGateMode="x"), ValueError,
     r"^gru: ResetGateMode 'x' is not valid; valid values are 'after-multiplication'")
case("gru-bias", lambda: dl.gru(X3, H0, WG, RG, np.zeros(5)), ValueError,
     r"^gru: bias must be a vector of 3\*NumHiddenUnits \(ResetGateMode 'after-multiplication'\) = 6 "
     r"elements; it has size 5")
case("gru-bias-recurrent-mode", lambda: dl.gru(X3, H0, WG, RG, BG,
                                               ResetGateMode="recurrent-bias-after-multiplication"),
     ValueError, r"^gru: bias must be a vector of 6\*NumHiddenUnits .* = 12 elements; it has size 6")
case("gru-H0-size", lambda: dl.gru(X3, np.zeros(1), WG, RG, BG), ValueError,
     r"^gru: weights must be 3\*NumHiddenUnits x InputSize = 3 x 3; it has size 6 x 3 "
     r"\(NumHiddenUnits is the number of rows of H0\)")
case("gru-X-str", lambda: dl.gru("abc", dl.dlarray(H0), WG, RG, BG), TypeError, r"^gru: X ")
case("fullyconnect-weights", lambda: dl.fullyconnect(Y2, np.ones((2, 4)), np.zeros(2)), ValueError,
     r"^fullyconnect: weights must be outputSize x 3 .*weights has size 2 x 4")
case("fullyconnect-bias", lambda: dl.fullyconnect(Y2, np.ones((2, 3)), np.zeros(5)), ValueError,
     r"^fullyconnect: bias must have 2 elements .*bias has size 5")
case("fullyconnect-unformatted", lambda: dl.fullyconnect(np.ones((3, 2)), np.ones((2, 3)), np.zeros(2)),
     ValueError, r"^fullyconnect: X is unformatted; give its format with DataFormat")
case("fullyconnect-DataFormat-int", lambda: dl.fullyconnect(np.ones((3, 2)), np.ones((2, 3)), np.zeros(2),
                                                            DataFormat=5),
     TypeError, r"^fullyconnect: DataFormat must be a string of dimension labels .*not int")
case("fullyconnect-weights-labels", lambda: dl.fullyconnect(Y2, dl.dlarray(np.ones((4, 3)), "CB"),
                                                            np.zeros(4)), ValueError, r"^fullyconnect: .*weights")
case("fullyconnect-X-U", lambda: dl.fullyconnect(dl.dlarray(np.ones((3, 2, 2)), "CBU"), np.ones((4, 3)),
                                                 np.zeros(4)), ValueError, r"^fullyconnect: .*'U'")

# ----- activations -----------------------------------------------------------------------------------
case("elu-alpha-str", lambda: dl.elu(Y2, "x"), TypeError, r"^elu: alpha must be a real numeric scalar, not str 'x'")
case("elu-alpha-vector", lambda: dl.elu(Y2, np.ones(3)), ValueError, r"^elu: alpha must be a scalar; it has 3 elements")
case("elu-alpha-categorical", lambda: dl.elu(Y2, CAT), TypeError,
     r"^elu: alpha must be a real numeric scalar, not a categorical of size 3")
case("elu-alpha-nan", lambda: dl.elu(Y2, np.nan), ValueError, r"^elu: alpha must be a finite positive scalar, not nan")
case("leakyrelu-nan", lambda: dl.leakyrelu(Y2, np.nan), ValueError, r"^leakyrelu: scaleFactor must be a finite scalar, not nan")
case("leakyrelu-None", lambda: dl.leakyrelu(Y2, None), TypeError, r"^leakyrelu: scaleFactor must be .*not None")
case("leakyrelu-bool", lambda: dl.leakyrelu(Y2, True), TypeError, r"^leakyrelu: scaleFactor must be .*True")
case("gelu-Approximation", lambda: dl.gelu(Y2, Approximation="x"), ValueError,
     r"^gelu: Approximation 'x' is not valid; valid values are 'none', 'tanh'")
case("softmax-unformatted", lambda: dl.softmax(np.ones((3, 2))), ValueError,
     r"^softmax: X is unformatted; give its format with DataFormat")
case("softmax-DataFormat", lambda: dl.softmax(np.ones((3, 2)), DataFormat="QQ"), ValueError,
     r"^softmax: DataFormat 'QQ': unknown label 'Q'")
case("softmax-no-C", lambda: dl.softmax(dl.dlarray(np.ones((3, 2)), "SB")), ValueError,
     r"^softmax: X \(format 'SB'\) has no 'C' \(channel\) dimension")
case("softmax-ragged", lambda: dl.softmax(RAGGED, DataFormat="CB"), ValueError, r"^softmax: X must be .*ragged")

# ----- losses -------------------------------------------------------------------------------------------
case("crossentropy-size", lambda: dl.crossentropy(P2, np.eye(2)), ValueError,
     r"^crossentropy: targets has size 2\(C\) x 2\(B\) but Y has 3\(C\) x 2\(B\)")
case("crossentropy-ClassificationMode", lambda: dl.crossentropy(P2, T2, ClassificationMode="x"), ValueError,
     r"^crossentropy: ClassificationMode 'x' is not valid")
case("crossentropy-TargetCategories", lambda: dl.crossentropy(P2, T2, TargetCategories="x"), ValueError,
     r"^crossentropy: TargetCategories 'x' is not valid")
case("crossentropy-Mask", lambda: dl.crossentropy(P2, T2, Mask=np.ones((5, 5))), ValueError,
     r"^crossentropy: Mask has size 5\(C\) x 5\(B\) but Y has 3\(C\) x 2\(B\)")
case("crossentropy-weights", lambda: dl.crossentropy(P2, T2, np.ones(7)), ValueError,
     r"^crossentropy: weights has size 7\(C\) x 1\(B\) but Y has 3\(C\) x 2\(B\)")
case("crossentropy-Reduction", lambda: dl.crossentropy(P2, T2, Reduction="mean"), ValueError,
     r"^crossentropy: Reduction 'mean' is not valid; valid values are 'sum', 'none'")
case("crossentropy-NormalizationFactor", lambda: dl.crossentropy(P2, T2, NormalizationFactor="x"),
     ValueError, r"^crossentropy: NormalizationFactor 'x' is not valid")
case("crossentropy-mask-included", lambda: dl.crossentropy(P2, T2, NormalizationFactor="mask-included"),
     ValueError, r"^crossentropy: NormalizationFactor 'mask-included' needs a Mask")
case("crossentropy-probabilities", lambda: dl.crossentropy(
    dl.dlarray(np.array([[0.5, 1.5], [0.5, -0.5]]), "CB"), np.eye(2)), ValueError,
    r"^crossentropy: Y must hold probabilities in \[0, 1\].*1\.5")
case("crossentropy-targets-None", lambda: dl.crossentropy(P2, None), TypeError,
     r"^crossentropy: targets .*not NoneType")
case("crossentropy-WeightsFormat", lambda: dl.crossentropy(P2, T2, np.ones(3), WeightsFormat="QQ"),
     ValueError, r"^crossentropy: WeightsFormat 'QQ': unknown label 'Q'")
case("crossentropy-Y-ragged", lambda: dl.crossentropy(RAGGED, T2, DataFormat="CB"), ValueError,
     r"^crossentropy: Y must be .*ragged")
case("huber-TransitionPoint-negative", lambda: dl.huber(Y2, T2, TransitionPoint=-1), ValueError,
     r"^huber: TransitionPoint must be a finite positive scalar, not -1")
case("huber-TransitionPoint-str", lambda: dl.huber(Y2, T2, TransitionPoint="x"), TypeError,
     r"^huber: TransitionPoint must be a real numeric scalar, not str")
case("huber-TransitionPoint-nan", lambda: dl.huber(Y2, T2, TransitionPoint=np.nan), ValueError,
     r"^huber: TransitionPoint must be a finite positive scalar, not nan")
case("mse-size", lambda: dl.mse(Y2, np.ones((2, 2))), ValueError, r"^mse: targets has size 2\(C\) x 2\(B\) but Y has 3\(C\) x 2\(B\)")
case("mse-unformatted", lambda: dl.mse(np.ones((3, 2)), np.ones((3, 2))), ValueError, r"^mse: Y is unformatted")
case("mse-targets-ragged", lambda: dl.mse(Y2, RAGGED), ValueError, r"^mse: targets must be .*ragged")
case("l2loss-Mask-str", lambda: dl.l2loss(Y2, T2, Mask="x"), TypeError, r"^l2loss: Mask .*not str")
case("l2loss-Reduction", lambda: dl.l2loss(Y2, T2, Reduction="x"), ValueError, r"^l2loss: Reduction 'x' is not valid")
case("l1loss-NormalizationFactor", lambda: dl.l1loss(Y2, T2, NormalizationFactor=3), TypeError,
     r"^l1loss: NormalizationFactor must be a string")
case("indexcrossentropy-range", lambda: dl.indexcrossentropy(P2, np.array([[5, 0]])), ValueError,
     r"^indexcrossentropy: targets must be 0-based class indices in 0\.\.2 \(Y has 3 channels\); they range over 0\.\.5")
case("indexcrossentropy-negative", lambda: dl.indexcrossentropy(P2, np.array([[-1, 0]])), ValueError,
     r"^indexcrossentropy: targets .*range over -1\.\.0")
case("indexcrossentropy-fraction", lambda: dl.indexcrossentropy(P2, np.array([[0.5, 0]])), ValueError,
     r"^indexcrossentropy: targets must be integer class indices")
case("indexcrossentropy-None", lambda: dl.indexcrossentropy(P2, None), TypeError,
     r"^indexcrossentropy: targets must be numeric, not None")
case("indexcrossentropy-text", lambda: dl.indexcrossentropy(P2, ["a", "b"]), TypeError,
     r"^indexcrossentropy: targets must be numeric, not a list of 2 elements \['a', 'b'\]")
case("indexcrossentropy-categorical", lambda: dl.indexcrossentropy(P2, CAT[:2]), TypeError,
     r"^indexcrossentropy: targets must be numeric, not a categorical")
case("indexcrossentropy-shape", lambda: dl.indexcrossentropy(P2, np.array([[0, 0, 1]])), ValueError,
     r"^indexcrossentropy: targets has size 1 x 3; expected 1\(C\) x 2\(B\)")

# ----- encoding, embedding, padding ---------------------------------------------------------
case("onehotencode-featureDim", lambda: dl.onehotencode(CAT, 5), ValueError,
     r"^onehotencode: featureDim must be an integer in 0\.\.1, not 5")
case("onehotencode-featureDim-negative", lambda: dl.onehotencode(CAT, -1), ValueError,
     r"^onehotencode: featureDim .*not -1")
case("onehotencode-typename", lambda: dl.onehotencode(CAT, 1, "foo"), ValueError,
     r"^onehotencode: typename 'foo' is not valid; valid values are 'single', 'double'")
case("onehotencode-ClassNames-int", lambda: dl.onehotencode(CAT, 1, ClassNames=5), TypeError,
     r"^onehotencode: ClassNames must be a list, array or categorical of class names, not int 5")
case("onehotencode-ClassNames-repeated", lambda: dl.onehotencode(CAT, 1, ClassNames=["a", "a"]), ValueError,
     r"^onehotencode: ClassNames has repeated classes")
case("onehotencode-A-object", lambda: dl.onehotencode(np.array([None, 1], dtype=object), 1), TypeError,
     r"^onehotencode: A must hold numbers or text, not an ndarray of size 2 and dtype object")
case("onehotencode-A-mixed", lambda: dl.onehotencode(["a", 1], 1), ValueError, r"^onehotencode: A mixes numbers and text")
case("onehotencode-A-size", lambda: dl.onehotencode(np.array([[1, 2]]), 1), ValueError,
     r"^onehotencode: A must have size 1 in featureDim 1; A has size 1 x 2")
case("onehotdecode-classes-count", lambda: dl.onehotdecode(np.eye(3), ["a", "b"], 0), ValueError,
     r"^onehotdecode: B has 3 elements along featureDim 0 but 2 classes were given")
case("onehotdecode-featureDim", lambda: dl.onehotdecode(np.eye(2), ["a", "b"], 4), ValueError,
     r"^onehotdecode: featureDim must be an integer in 0\.\.1, not 4")
case("onehotdecode-B-None", lambda: dl.onehotdecode(None, ["a"], 0), TypeError, r"^onehotdecode: B must hold numbers, not None")
case("onehotdecode-B-scalar", lambda: dl.onehotdecode(3.0, ["a"], 0), ValueError,
     r"^onehotdecode: B must be an array with the classes along featureDim, not a scalar")
case("onehotdecode-B-nan", lambda: dl.onehotdecode(np.array([[0.1, 0.7], [np.nan, 0.3]]), ["a", "b"], 0),
     ValueError, r"^onehotdecode: B has a NaN score at observation 0")
case("onehotdecode-classes-int", lambda: dl.onehotdecode(np.eye(2), 5, 0), TypeError,
     r"^onehotdecode: classes must be a list, array or categorical of class names, not int 5")
case("embed-range", lambda: dl.embed(dl.dlarray(np.array([[0, 7]]), "CT"), np.ones((4, 3))), ValueError,
     r"^embed: X must hold 0-based indices in 0\.\.2; it holds values from 0 to 7")
case("embed-fraction", lambda: dl.embed(dl.dlarray(np.array([[0.5, 1]]), "CT"), np.ones((4, 3))), ValueError,
     r"^embed: X must hold integer word indices")
case("embed-weights-3d", lambda: dl.embed(dl.dlarray(np.array([[0, 1]]), "CT"), np.ones((4, 3, 2))), ValueError,
     r"^embed: weights must be embeddingDimension x numWords; it has size 4 x 3 x 2")
case("embed-X-None", lambda: dl.embed(None, np.ones((4, 3)), DataFormat="CT"), TypeError, r"^embed: X must be .*NoneType")
case("padsequences-dim-negative", lambda: dl.padsequences([np.ones((2, 3))], -1), ValueError,
     r"^padsequences: paddingDim must be a non-negative integer .*not -1")
case("padsequences-dim-float", lambda: dl.padsequences([np.ones((2, 3))], 1.5), ValueError,
     r"^padsequences: paddingDim .*not 1\.5")
case("padsequences-dim-huge", lambda: dl.padsequences([np.ones((2, 3))], 10 ** 12), ValueError,
     r"^padsequences: paddingDim .*below 64 .*not 1000000000000")
case("padsequences-empty", lambda: dl.padsequences([], 1), TypeError,
     r"^padsequences: X must be a non-empty list of sequences .*not an empty list")
case("padsequences-array", lambda: dl.padsequences(np.ones((2, 3)), 1), TypeError,
     r"^padsequences: X must be a non-empty list .*not ndarray")
case("padsequences-Length", lambda: dl.padsequences([np.ones((2, 3))], 1, Length=-2), ValueError,
     r"^padsequences: Length must be 'longest', 'shortest' or a positive integer, not -2")
case("padsequences-Length-word", lambda: dl.padsequences([np.ones((2, 3))], 1, Length="x"), ValueError,
     r"^padsequences: Length 'x' is not valid")
case("padsequences-Direction", lambda: dl.padsequences([np.ones((2, 3))], 1, Direction="up"), ValueError,
     r"^padsequences: Direction 'up' is not valid; valid values are 'right', 'left'")
case("padsequences-PaddingValue-word", lambda: dl.padsequences([np.ones((2, 3))], 1, PaddingValue="x"),
     ValueError, r"^padsequences: PaddingValue 'x' is not valid")
case("padsequences-PaddingValue-array", lambda: dl.padsequences([np.ones((2, 3))], 1,
                                                                 PaddingValue=np.ones(2)),
     ValueError, r"^padsequences: PaddingValue must be 'auto' or a scalar, not an ndarray of size 2")
case("padsequences-PaddingValue-None", lambda: dl.padsequences([np.ones((2, 3))], 1, PaddingValue=None),
     ValueError, r"^padsequences: PaddingValue must be 'auto' or a scalar, not None")
case("padsequences-PaddingValue-integer-data", lambda: dl.padsequences([np.ones((2, 3), int)], 1,
                                                                       PaddingValue=0.5),
     ValueError, r"^padsequences: PaddingValue 0\.5 cannot pad data of type int64")
case("padsequences-UniformOutput", lambda: dl.padsequences([np.ones((2, 3))], 1, UniformOutput="x"),
     TypeError, r"^padsequences: UniformOutput must be true or false, not 'x'")
case("padsequences-sizes", lambda: dl.padsequences([np.ones((2, 3)), np.ones((3, 3))], 1), ValueError,
     r"^padsequences: with UniformOutput true the sequences must have the same size .*X\[1\] has size 3x3")
case("padsequences-ragged-sequence", lambda: dl.padsequences([RAGGED], 1), ValueError,
     r"^padsequences: X\[0\] must be .*ragged")
case("padsequences-nargout", lambda: dl.padsequences([np.ones((2, 3))], 1, nargout=3), ValueError,
     r"^padsequences: nargout must be one of 1, 2")

# ----- initializers -------------------------------------------------------------------------------
case("initializeGlorot-sz", lambda: dl.initializeGlorot((2, -3), 2, 3), ValueError,
     r"^initializeGlorot: sz must be a non-negative integer, not -3")
case("initializeGlorot-numOut", lambda: dl.initializeGlorot((2, 3), 0, 3), ValueError,
     r"^initializeGlorot: numOut must be a positive number, not 0")
case("initializeGlorot-className", lambda: dl.initializeGlorot((2, 3), 2, 3, "int8"), ValueError,
     r"^initializeGlorot: className must be 'single' or 'double', not 'int8'")
case("initializeGlorot-className-dict", lambda: dl.initializeGlorot((2, 3), 2, 3, {}), ValueError,
     r"^initializeGlorot: className must be 'single' or 'double', not a dict")
case("initializeGaussian-sigma", lambda: dl.initializeGaussian((2, 3), 0, -1), ValueError,
     r"^initializeGaussian: sigma must be non-negative, not -1")
case("initializeGaussian-mu", lambda: dl.initializeGaussian((2, 3), np.nan, 1), ValueError,
     r"^initializeGaussian: mu must be a finite real number, not nan")
case("initializeHe-numIn", lambda: dl.initializeHe((2, 3), "x"), ValueError,
     r"^initializeHe: numIn must be a positive number, not 'x'")
case("initializeOrthogonal-3d", lambda: dl.initializeOrthogonal((3, 3, 3)), ValueError,
     r"^initializeOrthogonal: sz must be two-dimensional, not \(3, 3, 3\)")
case("initializeUnitForgetGate-zero", lambda: dl.initializeUnitForgetGate(0), ValueError,
     r"^initializeUnitForgetGate: numHiddenUnits must be a positive integer, not 0")
case("initializeUnitForgetGate-float", lambda: dl.initializeUnitForgetGate(2.5), TypeError,
     r"^initializeUnitForgetGate: numHiddenUnits .*2\.5")
case("initializeZeros-huge", lambda: dl.initializeZeros((10 ** 10, 10 ** 10)), ValueError,
     r"^initializeZeros: sz 10000000000 x 10000000000 asks for 1e\+20 elements, more than the largest")
case("initializeOnes-empty-sz", lambda: dl.initializeOnes(()), ValueError,
     r"^initializeOnes: sz must have at least one element")
case("initializeNarrowNormal-std", lambda: dl.initializeNarrowNormal((2, 2), 0, -1), ValueError,
     r"^initializeNarrowNormal: std .*-1")
case("initializeZeros-sz-str", lambda: dl.initializeZeros("abc"), TypeError,
     r"^initializeZeros: sz must be an integer, not 'abc'")

# ----- optimizers, clipping, dlupdate -------------------------------------------------------------
_P, _G = {"w": np.ones(3)}, {"w": np.ones(3)}
case("adamupdate-learnRate", lambda: dl.adamupdate(_P, _G, None, None, 1, -1.0), ValueError,
     r"^adamupdate: learnRate must be a finite nonnegative scalar, not -1\.0")
case("adamupdate-iteration-zero", lambda: dl.adamupdate(_P, _G, None, None, 0), ValueError,
     r"^adamupdate: iteration must be a positive integer .*not 0")
case("adamupdate-iteration-float", lambda: dl.adamupdate(_P, _G, None, None, 1.5), ValueError,
     r"^adamupdate: iteration must be a positive integer .*not 1\.5")
case("adamupdate-gradDecay", lambda: dl.adamupdate(_P, _G, None, None, 1, 0.001, 1.0), ValueError,
     r"^adamupdate: gradDecay must be a scalar in \[0, 1\), not 1\.0")
case("adamupdate-sqGradDecay", lambda: dl.adamupdate(_P, _G, None, None, 1, 0.001, 0.9, -1), ValueError,
     r"^adamupdate: sqGradDecay .*-1")
case("adamupdate-epsilon", lambda: dl.adamupdate(_P, _G, None, None, 1, 0.001, 0.9, 0.999, -1), ValueError,
     r"^adamupdate: epsilon must be a finite positive scalar, not -1")
case("adamupdate-grad-structure", lambda: dl.adamupdate(_P, {"v": np.ones(3)}, None, None, 1), ValueError,
     r"^adamupdate: grad must have the structure of params \(a dict with keys \['w'\]\)")
case("adamupdate-grad-size", lambda: dl.adamupdate(_P, {"w": np.ones(4)}, None, None, 1), ValueError,
     r"^adamupdate: grad\['w'\] has size \(4,\) but params\['w'\] has size \(3,\)")
case("adamupdate-grad-None", lambda: dl.adamupdate(_dln(), None, None, None, 1), TypeError,
     r"^adamupdate: grad must be a table .*not NoneType")
case("sgdmupdate-momentum", lambda: dl.sgdmupdate(_P, _G, None, 0.01, 2), ValueError,
     r"^sgdmupdate: momentum must be a scalar in \[0, 1\], not 2")
case("sgdmupdate-learnRate", lambda: dl.sgdmupdate(_P, _G, None, np.nan), ValueError, r"^sgdmupdate: learnRate .*nan")
case("sgdmupdate-table-rows", lambda: dl.sgdmupdate(_dln(), [np.zeros((8, 3))], None), ValueError,
     r"^sgdmupdate: grad has 1 rows but the network's table has 5")
case("rmspropupdate-sqGradDecay", lambda: dl.rmspropupdate(_P, _G, None, 0.01, -0.1), ValueError,
     r"^rmspropupdate: sqGradDecay must be a scalar in \[0, 1\), not -0\.1")
case("rmspropupdate-epsilon", lambda: dl.rmspropupdate(_P, _G, None, 0.01, 0.9, 0), ValueError,
     r"^rmspropupdate: epsilon .*0")
case("clipgradients-threshold", lambda: dl.clipgradients(_G, -1), ValueError,
     r"^clipgradients: threshold must be a positive scalar \(or inf\), not -1")
case("clipgradients-threshold-nan", lambda: dl.clipgradients(_G, np.nan), ValueError,
     r"^clipgradients: threshold .*not nan")
case("clipgradients-threshold-str", lambda: dl.clipgradients(_G, "x"), TypeError,
     r"^clipgradients: threshold must be a real scalar, not str")
case("clipgradients-method", lambda: dl.clipgradients(_G, 1, "foo"), ValueError,
     r"^clipgradients: method 'foo' is not valid; valid values are 'l2norm'")
case("dlupdate-fun", lambda: dl.dlupdate(5, _P), TypeError, r"^dlupdate: fun must be callable, not int")
case("dlupdate-structure", lambda: dl.dlupdate(lambda a, b: a + b, _P, {"v": np.ones(3)}), ValueError,
     r"^dlupdate: A1 must have the structure of params")
case("dlupdate-object-leaf", lambda: dl.dlupdate(lambda p: p * 2, {"w": np.array([None, 1], dtype=object)}),
     TypeError, r"^dlupdate: params\['w'\] must be a dlarray or a numeric array, not an ndarray .*object")

# ----- dlfeval, dlgradient ---------------------------------------------------------------------
case("dlfeval-fun", lambda: dl.dlfeval(5, 1.0), TypeError, r"^dlfeval: fun must be callable, not int")
case("dlgradient-nonscalar", _in_dlfeval(lambda x: dl.dlgradient(x * 2, x)), ValueError,
     r"^dlgradient: value to differentiate must be a scalar; y has size 2")
case("dlgradient-y-float", _in_dlfeval(lambda x: dl.dlgradient(3.0, x)), TypeError,
     r"^dlgradient: value to differentiate must be a traced real dlarray scalar, not float")
case("dlgradient-x-str", _in_dlfeval(lambda x: dl.dlgradient(dl.sum(x), "x")), TypeError,
     r"^dlgradient: x1 must be a dlarray .*not str")
case("dlgradient-no-x", _in_dlfeval(lambda x: dl.dlgradient(dl.sum(x))), TypeError,
     r"^dlgradient: give at least one variable")
case("dlgradient-RetainData", _in_dlfeval(lambda x: dl.dlgradient(dl.sum(x), x, RetainData="no")),
     TypeError, r"^dlgradient: RetainData")
case("dlgradient-EnableHigherDerivatives", _in_dlfeval(
    lambda x: dl.dlgradient(dl.sum(x), x, EnableHigherDerivatives=2)), TypeError,
    r"^dlgradient: EnableHigherDerivatives")

# ----- layer constructors: the required size arguments ----------------------------------------------
_SIZE_ARG = [("lstmLayer", "LSTMLayer", "NumHiddenUnits"), ("gruLayer", "GRULayer", "NumHiddenUnits"),
             ("bilstmLayer", "BiLSTMLayer", "NumHiddenUnits"),
             ("fullyConnectedLayer", "FullyConnectedLayer", "OutputSize"),
             ("sequenceInputLayer", "SequenceInputLayer", "InputSize")]
for _ctor, _cls, _arg in _SIZE_ARG:
    for _v in (0, -1, 2.5, np.nan, np.inf, "abc", None, True, [3]):
        case(f"{_ctor}-{_arg}-{_v!r}", lambda c=_ctor, v=_v: getattr(dl, c)(v), ValueError,
             rf"^{_cls}: {_arg} .*{_shown(_v)}")
for _v in (1.0, -0.1, np.nan, [0.5], None, True):
    case(f"dropoutLayer-Probability-{_v!r}", lambda v=_v: dl.dropoutLayer(v), ValueError,
         rf"^DropoutLayer: Probability must be a number in \[0, 1\), not .*{_shown(_v)}")
case("LSTMLayer-class-NumHiddenUnits", lambda: dl.LSTMLayer(NumHiddenUnits=0), ValueError,
     r"^LSTMLayer: NumHiddenUnits must be a positive integer, not 0")

# ----- layer options and property assignment ------------------------------------------------------
_RECURRENT = [("lstmLayer", "LSTMLayer"), ("gruLayer", "GRULayer"), ("bilstmLayer", "BiLSTMLayer")]
for _ctor, _cls in _RECURRENT:
    _mk = (lambda c: lambda **kw: getattr(dl, c)(3, **kw))(_ctor)
    case(f"{_ctor}-OutputMode", lambda m=_mk: m(OutputMode="x"), ValueError,
         rf"^{_cls}: OutputMode 'x' is not valid; valid values are 'sequence', 'last'")
    case(f"{_ctor}-OutputMode-int", lambda m=_mk: m(OutputMode=5), TypeError,
         rf"^{_cls}: OutputMode must be a string, one of 'sequence', 'last'; not int")
    case(f"{_ctor}-StateActivationFunction", lambda m=_mk: m(StateActivationFunction="sigmoid"), ValueError,
         rf"^{_cls}: StateActivationFunction 'sigmoid' is not valid")
    case(f"{_ctor}-GateActivationFunction", lambda m=_mk: m(GateActivationFunction="tanh"), ValueError,
         rf"^{_cls}: GateActivationFunction 'tanh' is not valid")
    case(f"{_ctor}-InputWeightsInitializer", lambda m=_mk: m(InputWeightsInitializer="x"), ValueError,
         rf"^{_cls}: InputWeightsInitializer 'x' is not valid")
    case(f"{_ctor}-RecurrentWeightsInitializer-int", lambda m=_mk: m(RecurrentWeightsInitializer=5),
         ValueError, rf"^{_cls}: RecurrentWeightsInitializer must be one of .*; got 5")
    case(f"{_ctor}-BiasInitializer", lambda m=_mk: m(BiasInitializer="glorot"), ValueError,
         rf"^{_cls}: BiasInitializer 'glorot' is not valid")
    case(f"{_ctor}-InputWeightsLearnRateFactor", lambda m=_mk: m(InputWeightsLearnRateFactor=-1),
         ValueError, rf"^{_cls}: InputWeightsLearnRateFactor must be a nonnegative scalar .*not -1")
    case(f"{_ctor}-BiasLearnRateFactor-mixed", lambda m=_mk: m(BiasLearnRateFactor=["a", 1]), ValueError,
         rf"^{_cls}: BiasLearnRateFactor must be a nonnegative scalar .*\['a', 1\]")
    case(f"{_ctor}-RecurrentWeightsL2Factor-dict", lambda m=_mk: m(RecurrentWeightsL2Factor={}),
         ValueError, rf"^{_cls}: RecurrentWeightsL2Factor must be .*not a dict")
    case(f"{_ctor}-BiasL2Factor-dlarray", lambda m=_mk: m(BiasL2Factor=dl.dlarray(1.0)), ValueError,
         rf"^{_cls}: BiasL2Factor must be .*not a scalar dlarray")
    case(f"{_ctor}-InputWeightsL2Factor-count", lambda m=_mk: m(InputWeightsL2Factor=[1, 2, 3, 4, 5, 6, 7, 8, 9]),
         ValueError, rf"^{_cls}: InputWeightsL2Factor must be a nonnegative scalar or a 1x\d vector")
    case(f"{_ctor}-Name", lambda m=_mk: m(Name=5), TypeError, rf"^{_cls}: Name must be a string, not int 5")
    case(f"{_ctor}-InputWeights-text", lambda m=_mk: m(InputWeights="abc"), TypeError,
         rf"^{_cls}: InputWeights must be numeric, not str 'abc'")
    case(f"{_ctor}-RecurrentWeights-ragged", lambda m=_mk: m(RecurrentWeights=RAGGED), ValueError,
         rf"^{_cls}: RecurrentWeights must be .*ragged")
    case(f"{_ctor}-HiddenState-size", lambda m=_mk: m(HiddenState=np.ones((7, 7))), ValueError,
         rf"^{_cls}: HiddenState")
    case(f"{_ctor}-unknown", lambda m=_mk: m(Foo=1), TypeError, rf"^{_cls} has no property 'Foo'")
    case(f"{_ctor}-set-NumHiddenUnits", lambda c=_ctor: _set(getattr(dl, c)(3), "NumHiddenUnits", 0),
         ValueError, rf"^{_cls}: NumHiddenUnits must be a positive integer, not 0")
    case(f"{_ctor}-set-OutputMode", lambda c=_ctor: _set(getattr(dl, c)(3), "OutputMode", "x"),
         ValueError, rf"^{_cls}: OutputMode 'x' is not valid")
    case(f"{_ctor}-set-unknown", lambda c=_ctor: _set(getattr(dl, c)(3), "OutputMod", "last"),
         TypeError, rf"^{_cls} has no property 'OutputMod'")
case("lstmLayer-CellState", lambda: dl.lstmLayer(3, CellState=np.ones((3, 2))), ValueError, r"^LSTMLayer: CellState")
case("bilstmLayer-CellState", lambda: dl.bilstmLayer(3, CellState=np.ones((3, 1))), ValueError,
     r"^BiLSTMLayer: CellState")
case("gruLayer-ResetGateMode", lambda: dl.gruLayer(3, ResetGateMode="x"), ValueError,
     r"^GRULayer: ResetGateMode 'x' is not valid")
case("bilstmLayer-HasStateInputs", lambda: dl.bilstmLayer(3, HasStateInputs=True), TypeError,
     r"^BiLSTMLayer: HasStateInputs is read-only and 0")
case("gruLayer-HasStateInputs-not-logical", lambda: dl.gruLayer(3, HasStateInputs="yes"),
     TypeError, r"^GRULayer: HasStateInputs must be true or false")
_FC = lambda **kw: dl.fullyConnectedLayer(2, **kw)   # noqa: E731
case("fullyConnectedLayer-WeightsInitializer", lambda: _FC(WeightsInitializer="x"), ValueError,
     r"^FullyConnectedLayer: WeightsInitializer 'x' is not valid")
case("fullyConnectedLayer-BiasInitializer-list", lambda: _FC(BiasInitializer=[1]), ValueError,
     r"^FullyConnectedLayer: BiasInitializer must be one of .*got \[1\]")
case("fullyConnectedLayer-WeightLearnRateFactor", lambda: _FC(WeightLearnRateFactor=-1), ValueError,
     r"^FullyConnectedLayer: WeightLearnRateFactor must be a nonnegative scalar, not -1")
case("fullyConnectedLayer-BiasL2Factor", lambda: _FC(BiasL2Factor=np.nan), ValueError,
     r"^FullyConnectedLayer: BiasL2Factor must be a nonnegative scalar, not nan")
case("fullyConnectedLayer-Weights-text", lambda: _FC(Weights="x"), TypeError,
     r"^FullyConnectedLayer: Weights must be numeric, not str 'x'")
case("fullyConnectedLayer-Bias-dlarray-list", lambda: _FC(Bias=[dl.dlarray(1.0)]), TypeError,
     r"^FullyConnectedLayer: Bias must hold numbers .*dlarrays")
case("fullyConnectedLayer-unknown", lambda: _FC(Activation="relu"), TypeError,
     r"^FullyConnectedLayer has no property 'Activation'")
case("sequenceInputLayer-Normalization", lambda: dl.sequenceInputLayer(3, Normalization="x"), ValueError,
     r"^SequenceInputLayer: Normalization 'x' is not valid")
case("sequenceInputLayer-Normalization-int", lambda: dl.sequenceInputLayer(3, Normalization=5), TypeError,
     r"^SequenceInputLayer: Normalization must be one of .*or a function; got 5")
case("sequenceInputLayer-MinLength", lambda: dl.sequenceInputLayer(3, MinLength=0), ValueError,
     r"^SequenceInputLayer: MinLength must be a positive integer, not 0")
case("sequenceInputLayer-Mean-ragged", lambda: dl.sequenceInputLayer(3, Mean=RAGGED), ValueError,
     r"^SequenceInputLayer: Mean must be .*ragged")
case("sequenceInputLayer-StandardDeviation-text", lambda: dl.sequenceInputLayer(3, StandardDeviation="x"),
     TypeError, r"^SequenceInputLayer: StandardDeviation must be numeric, not str 'x'")
case("sequenceInputLayer-unknown", lambda: dl.sequenceInputLayer(3, SplitComplexInputs=True), TypeError,
     r"^SequenceInputLayer has no property 'SplitComplexInputs'")
case("classificationLayer-Classes-empty", lambda: dl.classificationLayer(Classes=[]), ValueError,
     r"^ClassificationOutputLayer: Classes must be 'auto' or a list of classes, not a list of 0 elements")
case("classificationLayer-Classes-repeated", lambda: dl.classificationLayer(Classes=["a", "a"]), ValueError,
     r"^ClassificationOutputLayer: Classes must not repeat a class; it has \['a', 'a'\]")
case("classificationLayer-Classes-dict", lambda: dl.classificationLayer(Classes={}), ValueError,
     r"^ClassificationOutputLayer: Classes must be 'auto' or a list of classes, not a dict")
case("classificationLayer-Classes-mixed", lambda: dl.classificationLayer(Classes=["a", 1]), ValueError,
     r"^ClassificationOutputLayer: Classes mixes numbers and text")
case("classificationLayer-Classes-ragged", lambda: dl.classificationLayer(Classes=[["a"], ["b", "c"]]),
     ValueError, r"^ClassificationOutputLayer: Classes must be .*ragged")
case("classificationLayer-Classes-word", lambda: dl.classificationLayer(Classes="x"), ValueError,
     r"^ClassificationOutputLayer: Classes 'x' is not valid; valid values are 'auto'")
case("classificationLayer-ClassWeights-negative", lambda: dl.classificationLayer(ClassWeights=[-1, 1]),
     ValueError, r"^ClassificationOutputLayer: ClassWeights must be 'none' or a vector of positive weights.*"
                 r"\[-1, 1\]")
case("classificationLayer-ClassWeights-dict", lambda: dl.classificationLayer(ClassWeights={}), ValueError,
     r"^ClassificationOutputLayer: ClassWeights must be .*got a dict")
case("classificationLayer-ClassWeights-word", lambda: dl.classificationLayer(ClassWeights="x"), ValueError,
     r"^ClassificationOutputLayer: ClassWeights 'x' is not valid; valid values are 'none'")
case("regressionLayer-LossFunction", lambda: dl.regressionLayer(LossFunction="mae"), ValueError,
     r"^RegressionOutputLayer: LossFunction 'mae' is not valid; valid values are 'mean-squared-error'")
case("reluLayer-unknown", lambda: dl.reluLayer(Foo=1), TypeError, r"^ReLULayer has no property 'Foo'")
case("tanhLayer-Name", lambda: dl.tanhLayer(Name=None), TypeError, r"^TanhLayer: Name must be a string, not None")
case("sigmoidLayer-Name", lambda: dl.sigmoidLayer(Name=1.5), TypeError,
     r"^SigmoidLayer: Name must be a string, not float 1\.5")
case("softmaxLayer-Name", lambda: dl.softmaxLayer(Name=3), TypeError, r"^SoftmaxLayer: Name must be a string, not int 3")
case("dropoutLayer-Name", lambda: dl.dropoutLayer(0.2, Name=["d"]), TypeError,
     r"^DropoutLayer: Name must be a string, not a list of 1 element \['d'\]")
case("dropoutLayer-set-Probability", lambda: _set(dl.dropoutLayer(), "Probability", 2), ValueError,
     r"^DropoutLayer: Probability must be a number in \[0, 1\), not 2")
case("layer-pairs-odd", lambda: dl.lstmLayer(3, "OutputMode"), TypeError,
     r"^lstmLayer: name-value arguments must come in pairs")

# ----- networks ------------------------------------------------------------------------------------
case("dlnetwork-layers-int", lambda: dl.dlnetwork(5), TypeError,
     r"^dlnetwork: layers must be a non-empty list of layer objects .*not int 5")
case("dlnetwork-layers-empty", lambda: dl.dlnetwork([]), TypeError, r"^dlnetwork: layers must be a non-empty list")
case("dlnetwork-layers-element", lambda: dl.dlnetwork([dl.sequenceInputLayer(3), 5]), TypeError,
     r"^dlnetwork: layers must be .*layers\[1\] is int 5")
case("dlnetwork-first-layer", lambda: dl.dlnetwork([dl.lstmLayer(2)]), ValueError,
     r"^dlnetwork: the first layer must be an input layer \(sequenceInputLayer\); layer 1 is a LSTMLayer")
case("dlnetwork-names", lambda: dl.dlnetwork([dl.sequenceInputLayer(3, Name="a"), dl.lstmLayer(2, Name="a")]),
     ValueError, r"^dlnetwork: layer names must be unique; repeated: \['a'\]")
case("dlnetwork-two-inputs", lambda: dl.dlnetwork([dl.sequenceInputLayer(3), dl.sequenceInputLayer(3)]),
     ValueError, r"^dlnetwork: layer 2 \('sequenceinput_2'\) is a second input layer")
case("dlnetwork-output-layer", lambda: dl.dlnetwork(_layers()), ValueError,
     r"^dlnetwork: layer 'classoutput': detected output layer")
case("dlnetwork-Initialize", lambda: dl.dlnetwork(_layers()[:-1], Initialize="x"), TypeError,
     r"^dlnetwork: Initialize must be true or false, not str 'x'")
case("dlnetwork-weights-size", lambda: dl.dlnetwork([dl.sequenceInputLayer(3),
                                                    dl.lstmLayer(2, InputWeights=np.ones((8, 4)))]),
     ValueError, r"Layer 'lstm' \(LSTMLayer\): InputWeights must be 8 x 3; it has size 8x4")
case("SeriesNetwork-output-layer", lambda: dl.SeriesNetwork(_layers()[:-1]), ValueError,
     r"^SeriesNetwork: the last layer must be an output layer .*layer 4 is a SoftmaxLayer")
case("SeriesNetwork-no-softmax", lambda: dl.SeriesNetwork([dl.sequenceInputLayer(3), dl.lstmLayer(2),
                                                           dl.classificationLayer()]),
     ValueError, r"^SeriesNetwork: a classification network needs a softmaxLayer")
case("SeriesNetwork-layers-layer", lambda: dl.SeriesNetwork(dl.reluLayer()), TypeError,
     r"^SeriesNetwork: layers must be .*not a ReLULayer")
case("forward-net-None", lambda: dl.forward(None, X3), TypeError,
     r"^forward: net must be a dlnetwork or a SeriesNetwork, not None")
case("forward-net-layers", lambda: dl.forward(_layers(), X3), TypeError,
     r"^forward: net must be a dlnetwork or a SeriesNetwork, not a list of 5 elements")
case("forward-X-numeric", lambda: dl.forward(_dln(), np.ones((3, 1, 2))), TypeError,
     r"^forward: X must be a formatted dlarray .*got ndarray")
case("forward-channels", lambda: dl.forward(_dln(), dl.dlarray(np.ones((4, 1, 2)), "CBT")), ValueError,
     r"^forward: the network's input layer expects 3 channels \('C'\); X has format 'CBT' and size \(4, 1, 2\)")
case("forward-no-time-steps", lambda: dl.forward(_dln(), dl.dlarray(np.zeros((3, 1, 0)), "CBT")), ValueError,
     r"^forward: X has 0 time steps, fewer than the input layer's MinLength 1")
case("forward-InputDataFormats", lambda: dl.forward(_dln(), np.ones((3, 1, 2)), InputDataFormats="QQ"),
     ValueError, r"^forward: InputDataFormats 'QQ': unknown label 'Q'")
case("forward-InputDataFormats-int", lambda: dl.forward(_dln(), np.ones((3, 1, 2)), InputDataFormats=5),
     TypeError, r"^forward: InputDataFormats must be 'auto' or a data format such as 'CBT', not int")
case("forward-InputDataFormats-fit", lambda: dl.forward(_dln(), np.ones((3, 1, 2, 5)), InputDataFormats="CBT"),
     ValueError, r"^forward: X read with InputDataFormats 'CBT': fmt 'CBT' has 3 labels but the data has 4")
case("initialize-str", lambda: dl.initialize("x"), TypeError,
     r"^initialize: net must be a dlnetwork or a SeriesNetwork, not str 'x'")
case("resetState-str", lambda: dl.resetState("x"), TypeError,
     r"^resetState: net must be a dlnetwork or a SeriesNetwork, not str 'x'")
case("Learnables-None", lambda: _set(dl.dlnetwork(_layers()[:-1]), "Learnables", None), TypeError,
     r"^Learnables must be a table .*not NoneType")
case("Learnables-size", lambda: _set(dl.dlnetwork([dl.sequenceInputLayer(3), dl.lstmLayer(4)]), "Learnables",
                                     [np.zeros((3, 3))] * 3),
     ValueError, r"Learnables: the value of \('lstm', 'InputWeights'\) must be 16 x 3; it is 3 x 3")
case("State-int", lambda: _set(dl.dlnetwork(_layers()[:-1]), "State", 5), TypeError,
     r"^State must be a State table .*not int")
case("analyzeNetwork-None", lambda: dl.analyzeNetwork(None), TypeError,
     r"^analyzeNetwork: net must be a list of layers .*got NoneType")
case("analyzeNetwork-list", lambda: dl.analyzeNetwork([1, 2]), TypeError, r"^analyzeNetwork: net must be .*got list")
case("analyzeNetwork-TargetUsage", lambda: dl.analyzeNetwork(_layers(), TargetUsage="x"), ValueError,
     r"^analyzeNetwork: TargetUsage 'x' is not valid; valid values are 'trainNetwork', 'dlnetwork'")
case("analyzeNetwork-Plots", lambda: dl.analyzeNetwork(_layers(), Plots="x"), ValueError,
     r"^analyzeNetwork: Plots 'x' is not valid; valid values are 'analyzer', 'none'")

# ----- trainingOptions: the solver and each option ----------------------------------------------
case("trainingOptions-solver", lambda: dl.trainingOptions("foo"), ValueError,
     r"^trainingOptions: solverName 'foo' is not valid; valid values are 'sgdm', 'adam', 'rmsprop'")
case("trainingOptions-solver-lbfgs", lambda: dl.trainingOptions("lbfgs"), ValueError,
     r"^trainingOptions: solverName 'lbfgs' \(MATLAB's L-BFGS solver\) is not supported by dlarr")
case("trainingOptions-solver-int", lambda: dl.trainingOptions(5), TypeError, r"^trainingOptions: solverName must be a string")
case("trainingOptions-unknown", lambda: dl.trainingOptions("adam", Foo=1), TypeError,
     r"^trainingOptions: 'Foo' is not an option of TrainingOptionsADAM")
case("trainingOptions-other-solver", lambda: dl.trainingOptions("sgdm", GradientDecayFactor=0.9), TypeError,
     r"^trainingOptions: 'GradientDecayFactor' is not an option for solver 'sgdm'")
_OPTION_CASES = [
    ("MaxEpochs", 0, "must be a positive integer; got 0"), ("MaxEpochs", np.inf, "must be a positive integer; got inf"),
    ("MaxEpochs", "x", "must be a positive integer; got 'x'"),
    ("MiniBatchSize", 0, "must be a positive integer; got 0"), ("MiniBatchSize", 2.5, ".*got 2\\.5"),
    ("InitialLearnRate", -1, "must be a positive finite scalar; got -1"), ("InitialLearnRate", 0, ".*got 0"),
    ("InitialLearnRate", np.nan, ".*got nan"), ("InitialLearnRate", None, ".*got a NoneType"),
    ("L2Regularization", -1, "must be a nonnegative finite scalar; got -1"),
    ("GradientThreshold", -1, "must be a positive scalar or Inf; got -1"), ("GradientThreshold", np.nan, ".*got nan"),
    ("GradientThresholdMethod", "x", "'x' is not valid"),
    ("Shuffle", "x", "'x' is not valid; valid values are 'once', 'every-epoch', 'never'"),
    ("Shuffle", None, "must be a string, one of 'once', 'every-epoch', 'never'; not NoneType"),
    ("ValidationFrequency", 0, "must be a positive integer; got 0"),
    ("ValidationPatience", -1, "must be a positive integer or Inf; got -1"),
    ("ValidationData", 5, "must be None, a pair \\(X, Y\\) .*got 5"),
    ("ValidationData", (1, 2, 3), "must be None, a pair \\(X, Y\\) .*got a tuple"),
    ("Verbose", "x", "must be a logical value \\(True/False, or 1/0\\); got 'x'"), ("Verbose", 2, ".*got 2"),
    ("VerboseFrequency", 0, "must be a positive integer; got 0"),
    ("Plots", "x", "'x' is not valid; valid values are 'none', 'training-progress'"),
    ("ExecutionEnvironment", "tpu", "'tpu' is not valid; valid values are 'auto', 'cpu', 'gpu', "
                                    "'multi-gpu', 'parallel'"),
    ("ExecutionEnvironment", 1, "must be a string, one of 'auto', 'cpu', 'gpu', 'multi-gpu', 'parallel', 'parallel-auto', 'parallel-cpu', 'parallel-gpu'; not int"),
    ("SequenceLength", -1, "must be 'longest', 'shortest' or a positive integer; got -1"),
    ("SequenceLength", "x", ".*got 'x'"),
    ("SequencePaddingValue", "x", "must be a real scalar; got 'x'"),
    ("SequencePaddingDirection", "up", "'up' is not valid; valid values are 'right', 'left'"),
    ("LearnRateSchedule", "cosine", "'cosine' is not valid; valid values are 'none', 'piecewise'"),
    ("LearnRateDropFactor", 2, "must be a scalar from 0 to 1; got 2"),
    ("LearnRateDropPeriod", 0, "must be a positive integer; got 0"),
    ("OutputNetwork", "x", "'x' is not valid; valid values are 'auto', 'last-iteration', 'best-validation'"),
    ("OutputFcn", 5, "must be None, a callable, or a list of callables; got 5"),
    ("Metrics", "x", "'x' is not valid; valid values are 'accuracy'"),
    ("InputDataFormats", "QQ", "'QQ': unknown label 'Q'"),
    ("TargetDataFormats", "QQ", "'QQ': unknown label 'Q'"),
    ("ResetInputNormalization", "x", "must be a logical value"),
    ("Epsilon", 0, "must be a positive finite scalar; got 0"),
    ("GradientDecayFactor", 1, "must be a nonnegative scalar less than 1; got 1"),
    ("SquaredGradientDecayFactor", 1.5, ".*got 1\\.5"),
    ("Acceleration", "x", "'x' is not valid; valid values are 'auto', 'none'"),
    ("PreprocessingEnvironment", "parallel", "'parallel' is not supported by dlarr"),
]
for _name, _v, _msg in _OPTION_CASES:
    case(f"trainingOptions-{_name}-{_v!r}", lambda n=_name, v=_v: dl.trainingOptions("adam", **{n: v}),
         (ValueError, TypeError), rf"^trainingOptions: {_name} {_msg}")
case("trainingOptions-Momentum", lambda: dl.trainingOptions("sgdm", Momentum=1.5), ValueError,
     r"^trainingOptions: Momentum must be a scalar from 0 to 1; got 1\.5")
case("trainingOptions-pairs-odd", lambda: dl.trainingOptions("adam", "MaxEpochs"), TypeError,
     r"^trainingOptions: name-value arguments must come in pairs")

# ----- trainNetwork, trainnet ---------------------------------------------------------------
case("trainNetwork-no-options", lambda: dl.trainNetwork(SEQS, LABELS, _layers()), TypeError,
     r"^trainNetwork: missing the last argument")
case("trainNetwork-options-str", lambda: dl.trainNetwork(SEQS, LABELS, _layers(), "adam"), TypeError,
     r"^trainNetwork: options must come from trainingOptions\('sgdm'\|'adam'\|'rmsprop'\), not str")
case("trainNetwork-channels", lambda: dl.trainNetwork([np.ones((4, 5))] * 4, LABELS, _layers(), _opts()), ValueError,
     r"^trainNetwork: X\[0\] must be 3 x T \(the input layer's InputSize x time steps\); it has size 4x5")
case("trainNetwork-Y-count", lambda: dl.trainNetwork(SEQS, LABELS[:2], _layers(), _opts()), ValueError,
     r"^trainNetwork: X has 4 sequences but Y has 2 labels")
case("trainNetwork-X-empty", lambda: dl.trainNetwork([], LABELS, _layers(), _opts()), ValueError,
     r"^trainNetwork: X is an empty list; give at least one")
case("trainNetwork-X-3d", lambda: dl.trainNetwork(np.ones((3, 4, 5)), LABELS, _layers(), _opts()), TypeError,
     r"^trainNetwork: X must be a list of C x T sequences.*not a 3-D array")
case("trainNetwork-Y-dlarray", lambda: dl.trainNetwork(SEQS, dl.dlarray(np.ones(4)), _layers(), _opts()),
     TypeError, r"the responses Y must be a categorical.*not a dlarray")
case("trainNetwork-Y-mixed", lambda: dl.trainNetwork(SEQS, [1, "a", 2, "a"], _layers(), _opts()), ValueError,
     r"^trainNetwork: Y mixes numbers and text")
case("trainNetwork-Y-ragged", lambda: dl.trainNetwork(SEQS[:2], RAGGED, _layers(), _opts()), ValueError,
     r"^trainNetwork: Y must be .*ragged")
case("trainNetwork-X-nan", lambda: dl.trainNetwork([s if i != 2 else np.full((3, 4), np.nan)
                                                    for i, s in enumerate(SEQS)], LABELS, _layers(), _opts()),
     ValueError, r"^trainNetwork: X\[2\] has nan at channel 0, time step 0")
case("trainNetwork-X-complex", lambda: dl.trainNetwork([s.astype(complex) for s in SEQS], LABELS, _layers(),
                                                       _opts()),
     TypeError, r"^trainNetwork: X\[0\] is complex")
case("trainNetwork-X-text", lambda: dl.trainNetwork(["abc"] * 4, LABELS, _layers(), _opts()), TypeError,
     r"^trainNetwork: X\[0\] must hold numbers; got a sequence of dtype <U3")
case("trainNetwork-X-ragged-sequence", lambda: dl.trainNetwork([RAGGED] * 4, LABELS, _layers(), _opts()),
     ValueError, r"^trainNetwork: X\[0\] must be .*ragged")
case("trainNetwork-no-time-steps", lambda: dl.trainNetwork([np.ones((3, 0))] * 4, LABELS, _layers(), _opts()),
     ValueError, r"^trainNetwork: sequence 0 has 0 time steps, fewer than the input layer's MinLength 1")
case("trainNetwork-ValidationData-count", lambda: dl.trainNetwork(
    SEQS, LABELS, _layers(), _opts(ValidationData=(SEQS[:2], dl.categorical(["a"])))), ValueError,
    r"ValidationData X has 2 sequences but ValidationData Y has 1 labels")
case("trainNetwork-layers-None", lambda: dl.trainNetwork(SEQS, LABELS, None, _opts()), TypeError,
     r"^SeriesNetwork: layers must be a non-empty list of layer objects .*not None")
case("trainNetwork-no-output-layer", lambda: dl.trainNetwork(SEQS, LABELS, _layers()[:-1], _opts()), ValueError,
     r"^SeriesNetwork: the last layer must be an output layer")
case("trainNetwork-classes", lambda: dl.trainNetwork(SEQS, LABELS, [dl.sequenceInputLayer(3), dl.lstmLayer(
    2, OutputMode="last"), dl.fullyConnectedLayer(3), dl.softmaxLayer(), dl.classificationLayer()], _opts()),
    ValueError, r"^trainNetwork: the network outputs 3 classes .*but the responses have 2 classes")
case("trainNetwork-nargout", lambda: dl.trainNetwork(SEQS, LABELS, _layers(), _opts(), nargout=3), ValueError,
     r"^trainNetwork: nargout must be one of 1, 2")
case("trainnet-lossFcn", lambda: dl.trainnet(SEQS, LABELS, _layers()[:-1], "foo", _opts()), ValueError,
     r"^trainnet: lossFcn 'foo' is not valid")
case("trainnet-lossFcn-int", lambda: dl.trainnet(SEQS, LABELS, _layers()[:-1], 5, _opts()), TypeError,
     r"^trainnet: lossFcn must be one of .*")
case("trainnet-options", lambda: dl.trainnet(SEQS, LABELS, _layers()[:-1], "crossentropy", 5), TypeError,
     r"^trainnet: options must come from trainingOptions")
case("trainnet-Y-None", lambda: dl.trainnet(SEQS, None, _layers()[:-1], "crossentropy", _opts()), ValueError,
     r"^trainnet: .*the responses Y must be a vector of N labels")
case("trainnet-Y-ragged", lambda: dl.trainnet(SEQS[:2], RAGGED, _layers()[:-1], "crossentropy", _opts()),
     ValueError, r"^trainnet: Y must be .*ragged")

# ----- prediction ---------------------------------------------------------------------------------
case("predict-net-None", lambda: dl.predict(None, SEQS), TypeError,
     r"^predict: net must be a dlnetwork or a SeriesNetwork, not None")
case("predict-MiniBatchSize", lambda: dl.predict(_net(), SEQS, MiniBatchSize=0), ValueError,
     r"^predict: MiniBatchSize must be a positive integer, not int 0")
case("predict-SequenceLength", lambda: dl.predict(_net(), SEQS, SequenceLength=-1), ValueError,
     r"^predict: SequenceLength must be 'longest' or 'shortest' for prediction, not -1")
case("predict-unknown", lambda: dl.predict(_net(), SEQS, Foo=1), TypeError,
     r"^predict: unexpected keyword argument 'Foo'; the options of predict are MiniBatchSize")
case("predict-ExecutionEnvironment", lambda: dl.predict(_net(), SEQS, ExecutionEnvironment="tpu"), ValueError,
     r"^predict: ExecutionEnvironment 'tpu' is not valid")
case("predict-SequencePaddingValue", lambda: dl.predict(_net(), SEQS, SequencePaddingValue="x"), TypeError,
     r"^predict: SequencePaddingValue must be a real scalar, not str 'x'")
case("predict-SequencePaddingDirection", lambda: dl.predict(_net(), SEQS, SequencePaddingDirection="x"),
     ValueError, r"^predict: SequencePaddingDirection 'x' is not valid")
case("predict-X-empty", lambda: dl.predict(_net(), []), ValueError, r"^predict: X is an empty list")
case("predict-no-time-steps", lambda: dl.predict(_net(), [np.ones((3, 0))]), ValueError,
     r"^predict: X\[0\] has 0 time steps, fewer than the input layer's MinLength 1")
case("predict-one-sequence-no-time-steps", lambda: dl.predict(_net(), np.ones((3, 0))), ValueError,
     r"^predict: X has 0 time steps")
case("predict-channels", lambda: dl.predict(_net(), [np.ones((4, 5))]), ValueError,
     r"^predict: X\[0\] must be 3 x T")
case("predict-X-None", lambda: dl.predict(_net(), None), TypeError,
     r"^predict: X must be a list of C x T sequences .*not NoneType")
case("predict-nargout", lambda: dl.predict(_net(), SEQS, nargout=2), ValueError, r"^predict: nargout must be one of 1 ")
case("predict-dlnetwork-nargout", lambda: dl.predict(_dln(), X3, nargout=3), ValueError,
     r"^predict: nargout must be one of 1, 2")
case("predict-InputDataFormats-list", lambda: dl.predict(_dln(), np.ones((3, 2, 4)), InputDataFormats=[[1]]),
     TypeError, r"^predict: InputDataFormats must be 'auto' or a data format such as 'CBT', not a list of 1 "
                r"element \[1\]")
case("classify-dlnetwork", lambda: dl.classify(_dln(), SEQS), TypeError,
     r"^classify: net must be a SeriesNetwork, not a dlnetwork")
case("classify-regression", lambda: dl.classify(dl.SeriesNetwork([dl.sequenceInputLayer(3), dl.lstmLayer(2),
                                                                  dl.fullyConnectedLayer(1),
                                                                  dl.regressionLayer()]), SEQS),
     TypeError, r"^classify: net must be a classification network trained by trainNetwork")
case("classify-nargout", lambda: dl.classify(_net(), SEQS, nargout=3), ValueError, r"^classify: nargout must be one of 1, 2")
case("classifyAndUpdateState-nargout", lambda: dl.classifyAndUpdateState(_net(), SEQS, nargout=1), ValueError,
     r"^classifyAndUpdateState: nargout must be one of 2, 3")
case("classifyAndUpdateState-net", lambda: dl.classifyAndUpdateState("x", SEQS), TypeError,
     r"^classifyAndUpdateState: net must be a SeriesNetwork, not str 'x'")
case("predictAndUpdateState-net", lambda: dl.predictAndUpdateState(5, SEQS), TypeError,
     r"^predictAndUpdateState: net must be a dlnetwork or a SeriesNetwork, not int 5")
case("minibatchpredict-net", lambda: dl.minibatchpredict(None, SEQS), TypeError,
     r"^minibatchpredict: net must be a dlnetwork or a SeriesNetwork, not None")
case("minibatchpredict-channels", lambda: dl.minibatchpredict(_dln(), [np.ones((4, 5))]), ValueError,
     r"^minibatchpredict: X\[0\] must be 3 x T")
case("minibatchpredict-MiniBatchSize", lambda: dl.minibatchpredict(_dln(), SEQS, MiniBatchSize=-2), ValueError,
     r"^minibatchpredict: MiniBatchSize must be a positive integer, not int -2")
case("scores2label-classNames-missing", lambda: dl.scores2label(np.eye(2)), ValueError,
     r"^scores2label: give classNames")
case("scores2label-count", lambda: dl.scores2label(np.eye(2), ["a"]), ValueError,
     r"^scores2label: scores have 2 classes along dimension 1 but 1 classNames were given")
case("scores2label-dim", lambda: dl.scores2label(np.random.rand(3, 4), ["a", "b", "c"], 5), ValueError,
     r"^scores2label: dim must be a dimension of the scores, an integer in 0\.\.1.*not 5")
case("scores2label-classNames-int", lambda: dl.scores2label(np.eye(2), 5), TypeError,
     r"^scores2label: classNames must be a list, array or categorical of class names, not int 5")
case("scores2label-scalar", lambda: dl.scores2label(3.0, ["a"]), ValueError,
     r"^scores2label: scores must be an array with the classes along dim .*not a scalar")
case("scores2label-nan", lambda: dl.scores2label(np.array([[np.nan, 1.0]]), ["a", "b"]), ValueError,
     r"^scores2label: scores has a NaN score at observation 0")
case("scores2label-text", lambda: dl.scores2label(np.array([["x", "y"]]), ["a", "b"]), TypeError,
     r"^scores2label: scores must hold numbers, not an ndarray of size 1x2 and dtype <U1")
case("scores2label-untrained-net", lambda: dl.scores2label(np.eye(2), _dln()), ValueError,
     r"^scores2label: this network was not trained with class labels")
case("confusionmat-lengths", lambda: dl.confusionmat(CAT, CAT[:2]), ValueError,
     r"^confusionmat: group and grouphat must have the same number of elements; they have 3 and 2")
case("confusionmat-Order-missing", lambda: dl.confusionmat(CAT, CAT, Order=["a"]), ValueError,
     r"^confusionmat: Order must list every group of group and grouphat; 'b' is not in it")
case("confusionmat-Order-repeated", lambda: dl.confusionmat(CAT, CAT, Order=["a", "a", "b"]), ValueError,
     r"^confusionmat: Order must not repeat a group")
case("confusionmat-Order-bytes", lambda: dl.confusionmat(CAT, CAT, Order=[b"x", 1.0]), TypeError,
     r"^confusionmat: Order must hold numbers or text, not a list of 2 elements")
case("confusionmat-group-dlarray", lambda: dl.confusionmat(dl.dlarray([1.0, 2.0, 3.0]), CAT), TypeError,
     r"^confusionmat: group must be .*not a dlarray")
case("confusionmat-grouphat-ragged", lambda: dl.confusionmat(CAT, RAGGED), ValueError,
     r"^confusionmat: grouphat must be .*ragged")
case("confusionmat-grouphat-dict-element", lambda: dl.confusionmat(CAT[:2], [{}, 1]), TypeError,
     r"^confusionmat: grouphat must hold text or numbers; element 0 is dict")
case("confusionmat-nargout", lambda: dl.confusionmat(CAT, CAT, nargout=3), ValueError,
     r"^confusionmat: nargout must be one of 1, 2")

# ----- datastores and minibatchqueue ----------------------------------------------------------
case("arrayDatastore-None", lambda: dl.arrayDatastore(None), TypeError,
     r"^arrayDatastore: A must be an array or a list \(MATLAB's cell array\), not NoneType")
case("arrayDatastore-dict", lambda: dl.arrayDatastore({}), TypeError, r"^arrayDatastore: A must be .*not dict")
case("arrayDatastore-IterationDimension", lambda: dl.arrayDatastore(np.ones((2, 3)), IterationDimension=5),
     ValueError, r"^arrayDatastore: IterationDimension must be in 0\.\.1 for A with 2 dimensions.*not 5")
case("arrayDatastore-ReadSize", lambda: dl.arrayDatastore(np.ones((2, 3)), ReadSize=0), ValueError,
     r"^arrayDatastore: ReadSize must be a positive integer, not 0")
case("arrayDatastore-OutputType", lambda: dl.arrayDatastore(np.ones((2, 3)), OutputType="x"), ValueError,
     r"^arrayDatastore: OutputType 'x' is not valid; valid values are 'cell', 'same'")
case("partition-n", lambda: dl.partition(_ds(), 0, 0), ValueError, r"^partition: n must be a positive integer, not 0")
case("partition-index", lambda: dl.partition(_ds(), 2, 2), ValueError,
     r"^partition: index must be an integer in 0\.\.1 \(0-based\), not 2")
case("partition-n-float", lambda: dl.partition(_ds(), 2.5, 0), ValueError, r"^partition: n must be .*not 2\.5")
case("partition-ndarray", lambda: dl.partition(np.array([3.0, 1.0, 2.0]), 2, 0), TypeError,
     r"^partition: expected a datastore or a minibatchqueue .*not ndarray")
case("transform-fcn", lambda: dl.transform(_ds(), 5), TypeError, r"^transform: call it as transform\(ds, fcn\)")
case("transform-nothing", lambda: dl.transform(), TypeError, r"^transform: call it as transform\(ds, fcn\)")
case("transform-ds", lambda: dl.transform(np.ones(3), lambda x: x), TypeError,
     r"^transform: argument 0 must be a datastore .*not ndarray")
case("combine-nothing", lambda: dl.combine(), TypeError, r"^combine: give at least one datastore")
case("combine-int", lambda: dl.combine(_ds(), 5), TypeError, r"^combine: argument 1 must be a datastore .*not int")
case("read-int", lambda: dl.read(5), TypeError, r"^read: expected a datastore \(an object with a read method\), not int")
case("read-list", lambda: dl.read([1, 2]), TypeError, r"^read: expected a datastore .*not list")
case("readall-int", lambda: dl.readall(5), TypeError, r"^readall: expected a datastore .*not int")
case("hasdata-int", lambda: dl.hasdata(5), TypeError, r"^hasdata: expected a datastore or a minibatchqueue .*not int")
case("reset-list", lambda: dl.reset([1]), TypeError, r"^reset: expected a datastore or a minibatchqueue .*not list")
case("shuffle-ndarray", lambda: dl.shuffle(np.ones(3)), TypeError, r"^shuffle: expected a datastore .*not ndarray")
case("numpartitions-int", lambda: dl.numpartitions(5), TypeError, r"^numpartitions: expected a datastore .*not int")
case("next-int", lambda: dl.next(5), TypeError, r"^next: the input must be a minibatchqueue \(or an iterator\), not int")
case("minibatchqueue-ds", lambda: dl.minibatchqueue(5), TypeError, r"^minibatchqueue: ds must be a datastore .*not int")
case("minibatchqueue-MiniBatchSize", lambda: dl.minibatchqueue(_ds(), MiniBatchSize=0), ValueError,
     r"^minibatchqueue: MiniBatchSize must be a positive integer, not 0")
case("minibatchqueue-numOutputs", lambda: dl.minibatchqueue(_ds(), 0), ValueError,
     r"^minibatchqueue: numOutputs must be a positive integer, not 0")
case("minibatchqueue-numOutputs-reads", lambda: dl.minibatchqueue(_ds(), 2), ValueError,
     r"^minibatchqueue: numOutputs is 2 but a read of the datastore has 1 variables")
case("minibatchqueue-PartialMiniBatch", lambda: dl.minibatchqueue(_ds(), PartialMiniBatch="x"), ValueError,
     r"^minibatchqueue: PartialMiniBatch 'x' is not valid; valid values are 'return', 'discard'")
case("minibatchqueue-MiniBatchFcn", lambda: dl.minibatchqueue(_ds(), MiniBatchFcn=5), TypeError,
     r"^minibatchqueue: MiniBatchFcn must be 'collate' or a function, not int")
case("minibatchqueue-MiniBatchFormat", lambda: dl.minibatchqueue(_ds(), MiniBatchFormat="QQ"), ValueError,
     r"^minibatchqueue: MiniBatchFormat 'QQ': unknown label 'Q'")
case("minibatchqueue-MiniBatchFormat-count", lambda: dl.minibatchqueue(_ds(), MiniBatchFormat=["CB", "CB"]),
     ValueError, r"^minibatchqueue: MiniBatchFormat must have one value per output \(1\); it has 2")
case("minibatchqueue-OutputCast", lambda: dl.minibatchqueue(_ds(), OutputCast="float"), ValueError,
     r"^minibatchqueue: OutputCast 'float' is not valid")
case("minibatchqueue-OutputAsDlarray", lambda: dl.minibatchqueue(_ds(), OutputAsDlarray="x"), TypeError,
     r"^minibatchqueue: OutputAsDlarray must be true or false, not 'x'")
case("minibatchqueue-OutputEnvironment", lambda: dl.minibatchqueue(_ds(), OutputEnvironment="tpu"), ValueError,
     r"^minibatchqueue: OutputEnvironment 'tpu' is not valid")
case("minibatchqueue-PreprocessingEnvironment", lambda: dl.minibatchqueue(_ds(), PreprocessingEnvironment="parallel"),
     ValueError, r"^minibatchqueue: PreprocessingEnvironment 'parallel' is not supported by dlarr")
case("minibatchqueue-collate-text", lambda: dl.next(dl.minibatchqueue(dl.arrayDatastore(["a", "b"]),
                                                                      MiniBatchSize=2)),
     TypeError, r"^minibatchqueue: output 0 holds <U1 data, which OutputCast 'single' cannot convert")
case("minibatchqueue-collate-sizes", lambda: dl.next(dl.minibatchqueue(dl.arrayDatastore(
    [np.ones(2), np.ones(3)]), MiniBatchSize=2)), ValueError,
    r"^minibatchqueue: the observations of variable 0 have different sizes \(2 and 3\)")
case("minibatchqueue-MiniBatchFcn-outputs", lambda: dl.next(dl.minibatchqueue(_ds(), 2, MiniBatchFcn=lambda x: x)),
     ValueError, r"^minibatchqueue: MiniBatchFcn returned 6 outputs but the queue has 2 \(numOutputs\)")


def test_the_catalogue_is_large_and_wide():
    ids = [p.id for p in CATALOGUE]
    assert len(ids) == len(set(ids)), "every row is a distinct bad input"
    assert len(ids) >= 300
    functions = {re.match(r"[A-Za-z][A-Za-z0-9]*", i).group(0) for i in ids}
    public = set(dl.__all__)
    named = {f for f in functions if f in public}
    assert len(named) >= 40, sorted(named)


@pytest.mark.parametrize("fn,exc,pattern", CATALOGUE)
def test_bad_input(fn, exc, pattern):
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        with pytest.raises(Exception) as info:
            fn()
    err = info.value
    expected = exc if isinstance(exc, tuple) else (exc,)
    assert type(err) in expected, f"{type(err).__name__}: {err}"
    assert re.search(pattern, str(err)), f"message does not match {pattern!r}: {err}"


def test_mixed_host_and_gpu_arrays_name_the_operation():
    """Mixing NumPy and CuPy data is a TypeError naming the operation (needs a GPU)."""
    cp = pytest.importorskip("cupy")
    if not dl.canUseGPU():
        pytest.skip("needs a CUDA GPU")
    G = dl.gpuArray(dl.dlarray(np.ones((3, 2)), "CB"))
    rows = [(lambda: G + np.ones((3, 2)), r"^plus \(\+\): cannot mix NumPy \(host\) and CuPy"),
            (lambda: dl.cat(0, G, Y2), r"^cat: cannot mix NumPy"),
            (lambda: dl.lstm(dl.gpuArray(X3), H0, H0, W, R, B), r"^lstm: cannot mix NumPy"),
            (lambda: dl.fullyconnect(G, np.ones((2, 3)), cp.zeros(2)), r"^fullyconnect: cannot mix")]
    for fn, pattern in rows:
        with pytest.raises(TypeError, match=pattern):
            fn()


# --------------------------------------------------------------------------
# Inputs that used to leak an internal error and now follow MATLAB
# --------------------------------------------------------------------------

def test_max_and_min_over_an_empty_dimension_are_empty_as_matlab():
    """MATLAB (and Octave): max(zeros(0, 3)) is 0 x 3, max(zeros(0, 3), [], 2) is 0 x 1,
    max(zeros(3, 0), [], 1) is 1 x 0: a reduced dimension of length 0 stays 0, the others
    become 1; the indices (nargout=2) have the same size."""
    E = dl.dlarray(np.zeros((0, 3)), "CB")
    assert dl.max(E).shape == (0, 3) and dl.max(E).dims == "CB"
    assert dl.max(E, None, 1).shape == (0, 1)
    assert dl.min(np.zeros((3, 0)), None, 0).shape == (1, 0)
    assert dl.min(np.zeros((2, 0, 3)), None, 1).shape == (2, 0, 3)
    M, I = dl.max(E, None, 0, nargout=2)
    assert M.shape == I.shape == (0, 3)
    g = dl.dlfeval(lambda x: dl.dlgradient(dl.sum(dl.max(x, None, 0), "all") + dl.sum(x, "all"), x),
                   dl.dlarray(np.zeros((0, 3))))
    assert g.shape == (0, 3)
    np.testing.assert_array_equal(dl.extractdata(dl.max(np.array([[1.0, 5.0], [7.0, 2.0]]), None, 0)),
                                  [[7.0, 5.0]])


def test_max_and_min_of_empty_arrays_agree_with_octave():
    import shutil
    import subprocess
    octave = shutil.which("octave-cli")
    if octave is None:
        pytest.skip("octave-cli is not installed")
    cases = [((0, 3), None), ((0, 3), 0), ((0, 3), 1), ((3, 0), 0), ((3, 0), 1), ((2, 0, 3), 1)]
    script = "".join(f"disp(size(max(zeros({', '.join(map(str, s))})" +
                     ("" if d is None else f", [], {d + 1}") + ")));" for s, d in cases)
    out = subprocess.run([octave, "--no-gui", "--quiet", "--eval", script], capture_output=True,
                         text=True, timeout=60).stdout.split("\n")
    sizes = [tuple(int(v) for v in line.split()) for line in out if line.strip()]
    for (shape, d), want in zip(cases, sizes):
        got = dl.max(np.zeros(shape), None, d).shape if d is not None else dl.max(np.zeros(shape)).shape
        assert got + (1,) * (len(want) - len(got)) == want, (shape, d, got, want)
    assert len(sizes) == len(cases)


def test_softmax_and_mse_of_nothing():
    """No channels or no observations: softmax returns the empty array; mse of no
    observations is 0/0, NaN, as MATLAB's (it was a ZeroDivisionError)."""
    for shape in ((3, 0), (0, 2)):
        Y = dl.softmax(dl.dlarray(np.zeros(shape), "CB"))
        assert Y.shape == shape and Y.dims == "CB"
    E = dl.dlarray(np.zeros((3, 0)), "CB")
    assert np.isnan(float(dl.mse(E, np.zeros((3, 0)))))
    assert float(dl.mse(dl.dlarray(np.array([[1.0, 3.0]]), "CB"), np.zeros((1, 2)))) == \
        pytest.approx((1 + 9) / (2 * 2))


def test_round_with_many_digits_keeps_the_value_as_matlab():
    """round(X, N) for N beyond float64's precision is X itself (it was an OverflowError
    for N >= 309 and inf/NaN from 10^N overflowing well before); N below -308 rounds every
    finite value to 0; where X * 10^N overflows the value is kept."""
    x = np.array([1.25, -2.5, 3e300, 2.675, np.inf, np.nan])
    for N in (300, 309, 400, 10 ** 12):
        np.testing.assert_array_equal(dl.extractdata(dl.round(x, N)), x)
    np.testing.assert_array_equal(dl.extractdata(dl.round(x, -400)), [0, 0, 0, 0, np.inf, np.nan])
    np.testing.assert_array_equal(dl.extractdata(dl.round(x, 1))[:2], [1.3, -2.5])
    np.testing.assert_array_equal(dl.extractdata(dl.round(np.float32([3e38, 1.25]), 1)),
                                  np.float32([3e38, 1.3]))


def test_datastore_functions_leave_other_objects_alone():
    """dl.partition(A, n, i) of a NumPy array used to call the array's own partition,
    reordering the user's data in place; now it is a TypeError and A is unchanged."""
    A = np.array([3.0, 1.0, 2.0])
    with pytest.raises(TypeError, match="partition: expected a datastore"):
        dl.partition(A, 2, 0)
    np.testing.assert_array_equal(A, [3.0, 1.0, 2.0])
    assert dl.next(iter([7, 8])) == 7                  # an iterator still goes to Python's next


# --------------------------------------------------------------------------
# Property test: random wrong-typed arguments, at each positional argument
# --------------------------------------------------------------------------
# Each public function with valid arguments; one of them is replaced by a random value.
_BASE = {
    "dlarray": lambda: (np.ones((2, 3)), "CB"), "dims": lambda: (X3,), "extractdata": lambda: (X3,),
    "finddim": lambda: (X3, "C"), "numel": lambda: (X3,), "size": lambda: (X3, 0),
    "stripdims": lambda: (X3, "CBT"), "underlyingType": lambda: (X3,),
    "abs": lambda: (X3,), "exp": lambda: (X3,), "log": lambda: (X3,), "sqrt": lambda: (X3,),
    "sigmoid": lambda: (X3,), "relu": lambda: (X3,), "tanh": lambda: (X3,), "round": lambda: (X3, 1),
    "mod": lambda: (X3, 2.0), "matmul": lambda: (np.ones((2, 3)), np.ones((3, 2))),
    "pagemtimes": lambda: (np.ones((2, 3, 2)), np.ones((3, 2, 2))),
    "transpose": lambda: (np.ones((2, 3)),), "cumsum": lambda: (X3, 0, "forward"),
    "sum": lambda: (X3, 0), "mean": lambda: (X3, 0), "prod": lambda: (X3, 0),
    "max": lambda: (X3, None, 0), "min": lambda: (X3, None, 0), "norm": lambda: (X3, 2, "all"),
    "var": lambda: (X3, 0, 0), "std": lambda: (X3, 0, 0), "cast": lambda: (X3, "double"),
    "cat": lambda: (0, X3, X3), "permute": lambda: (U23, [1, 0]), "reshape": lambda: (X3, 6, 4),
    "squeeze": lambda: (X3,), "single": lambda: (X3,), "double": lambda: (X3,),
    "randperm": lambda: (5, 2), "rng": lambda: (0, "twister"),
    "categorical": lambda: (["a", "b"], ["a", "b"], ["x", "y"]), "categories": lambda: (CAT,),
    "countcats": lambda: (CAT, 0), "countlabels": lambda: (CAT,), "ismember": lambda: (CAT, ["a"]),
    "isundefined": lambda: (CAT,), "unique": lambda: (CAT,),
    "lstm": lambda: (X3, H0, H0, W, R, B), "gru": lambda: (X3, H0, WG, RG, BG),
    "fullyconnect": lambda: (X3, np.ones((2, 3), np.float32), np.zeros(2, np.float32)),
    "elu": lambda: (X3, 1.0), "leakyrelu": lambda: (X3, 0.1), "gelu": lambda: (X3, "tanh"),
    "softmax": lambda: (Y2,), "erf": lambda: (X3,), "softsign": lambda: (X3,),
    "crossentropy": lambda: (P2, T2), "mse": lambda: (Y2, T2), "huber": lambda: (Y2, T2),
    "l1loss": lambda: (Y2, T2), "l2loss": lambda: (Y2, T2),
    "indexcrossentropy": lambda: (P2, np.array([[0, 1]])),
    "embed": lambda: (dl.dlarray(np.array([[0, 1, 2]]), "CT"), np.ones((4, 3), np.float32)),
    "onehotencode": lambda: (CAT, 1), "onehotdecode": lambda: (np.eye(2), ["a", "b"], 0),
    "padsequences": lambda: ([np.ones((2, 3)), np.ones((2, 4))], 1),
    "initializeGlorot": lambda: ((2, 3), 2, 3), "initializeHe": lambda: ((2, 3), 3),
    "initializeGaussian": lambda: ((2, 3), 0.0, 0.01), "initializeOrthogonal": lambda: ((3, 3),),
    "initializeZeros": lambda: ((2, 3),), "initializeOnes": lambda: ((2, 3),),
    "initializeNarrowNormal": lambda: ((2, 3),), "initializeUnitForgetGate": lambda: (2,),
    "adamupdate": lambda: ({"w": np.ones(3)}, {"w": np.ones(3)}, None, None, 1),
    "sgdmupdate": lambda: ({"w": np.ones(3)}, {"w": np.ones(3)}, None),
    "rmspropupdate": lambda: ({"w": np.ones(3)}, {"w": np.ones(3)}, None),
    "clipgradients": lambda: ({"w": np.ones(3)}, 1.0, "l2norm"),
    "dlupdate": lambda: (lambda p: p * 2, {"w": np.ones(3)}),
    "dlfeval": lambda: (lambda x: dl.sum(x, "all"), X3),
    "lstmLayer": lambda: (3,), "gruLayer": lambda: (3,), "bilstmLayer": lambda: (3,),
    "fullyConnectedLayer": lambda: (3,), "sequenceInputLayer": lambda: (3,),
    "dropoutLayer": lambda: (0.3,),
    "dlnetwork": lambda: (_layers()[:-1],), "SeriesNetwork": lambda: (_layers(),),
    "forward": lambda: (_dln(), X3), "initialize": lambda: (_dln(),), "resetState": lambda: (_net(),),
    "analyzeNetwork": lambda: (_layers(),), "trainingOptions": lambda: ("adam",),
    "trainNetwork": lambda: (SEQS, LABELS, _layers(), _opts()),
    "predict": lambda: (_net(), SEQS), "classify": lambda: (_net(), SEQS),
    "predictAndUpdateState": lambda: (_net(), SEQS), "classifyAndUpdateState": lambda: (_net(), SEQS),
    "minibatchpredict": lambda: (_dln(), SEQS), "scores2label": lambda: (np.eye(2), ["a", "b"], 1),
    "confusionmat": lambda: (CAT, CAT),
    "arrayDatastore": lambda: (np.arange(4.0),), "combine": lambda: (_ds(), _ds()),
    "transform": lambda: (_ds(), lambda x: x), "read": lambda: (_ds(),), "readall": lambda: (_ds(),),
    "hasdata": lambda: (_ds(),), "reset": lambda: (_ds(),), "shuffle": lambda: (_ds(),),
    "partition": lambda: (_ds(), 2, 0), "numpartitions": lambda: (_ds(),),
    "minibatchqueue": lambda: (_ds(), 1),
    "next": lambda: (dl.minibatchqueue(_ds(), 1, MiniBatchSize=2),),
}
# The names errors use besides the function's own: the class a layer constructor makes,
# the operation behind a method; the arguments' names count too.
_ALIAS = {"lstmLayer": "LSTMLayer", "gruLayer": "GRULayer", "bilstmLayer": "BiLSTMLayer",
          "fullyConnectedLayer": "FullyConnectedLayer", "sequenceInputLayer": "SequenceInputLayer",
          "dropoutLayer": "DropoutLayer", "matmul": "matrix multiply", "single": "cast",
          "double": "cast"}
# Errors raised by the user's own function (given dlarr's arguments) are the user's.
_USER_CODE = {"dlfeval", "dlupdate", "transform"}
_INTERNAL = re.compile(
    r"object is not iterable|unhashable type|has no attribute|could not convert|not understood"
    r"|setting an array element|truth value of an|zero-size array|could not be broadcast"
    r"|out of bounds for axis|not supported between instances|object is not subscriptable"
    r"|ufunc|unsupported operand|positional argument|object cannot be interpreted"
    r"|does not convert to a NumPy array implicitly|invalid literal|entry not a 2")


def _array(shape, dtype, value):
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return np.full(shape, "x") if dtype == "U1" else np.full(shape, value).astype(dtype)


def _formatted(shape, value, fmt):
    try:
        return dl.dlarray(np.full(shape, value, np.float32), fmt or None)
    except (ValueError, TypeError):
        return dl.dlarray(np.full(shape, value, np.float32))


_shapes = st.lists(st.integers(0, 3), max_size=4).map(tuple)
_numbers = st.one_of(st.integers(-3, 20), st.floats(allow_nan=True, allow_infinity=True),
                     st.sampled_from([0, -1, 2.5, 1000, -1000, 2 ** 40]))
_leaves = st.one_of(
    st.none(), st.booleans(), _numbers, st.text(max_size=4),
    st.sampled_from(["auto", "CB", "last", "C", "all", "T", "single", "sequence"]),
    st.builds(_array, _shapes, st.sampled_from(["float32", "float64", "int64", "bool", "U1",
                                                "complex128", "int8"]),
              st.sampled_from([0, 1, -1, 0.5, np.nan, np.inf])),
    st.sampled_from([np.array([None, 1], dtype=object), np.array([{}], dtype=object),
                     np.array(["a", 1], dtype=object), print, lambda *a: None, object(), 1 + 2j,
                     b"x", slice(1), CAT, dl.reluLayer()]),
    st.builds(_formatted, _shapes, st.sampled_from([0.0, 1.0, np.nan]),
              st.sampled_from(["", "C", "CB", "CBT", "SCB", "BTC", "U", "SSCB"])))
WRONG = st.recursive(_leaves, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.tuples(inner, inner),
    st.dictionaries(st.text(max_size=2), inner, max_size=2)), max_leaves=4)


class _Hang(Exception):
    pass


def _raise_hang(*_):
    raise _Hang("no answer within 10 s")


def _names(name, f, pos):
    """The names an error of ``f`` at argument ``pos`` may go by."""
    params = [p for p in inspect.signature(f).parameters.values()
              if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL)]
    names = {name, _ALIAS.get(name, name)}
    if params:
        names.add(params[min(pos, len(params) - 1)].name)
    return {n.lower() for n in names}


def _call_with(name, pos, value, options=None):
    """Call public function ``name`` with argument ``pos`` replaced by ``value`` (or with
    ``options``); a failure of the contract is an AssertionError saying what happened."""
    args = list(_BASE[name]())
    if options is None:
        pos %= len(args)
        args[pos] = value
    f = getattr(dl, name)
    alarm = hasattr(signal, "SIGALRM")
    if alarm:
        signal.signal(signal.SIGALRM, _raise_hang)
        signal.alarm(10)
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            f(*args, **(options or {}))
    except (ValueError, TypeError) as e:
        where = f"{name} with argument {pos} = {value!r:.80}" if options is None else \
            f"{name} with {options!r:.80}"
        msg = str(e)
        assert not isinstance(e, np.exceptions.AxisError), f"{where}: NumPy's AxisError: {msg}"
        if name in _USER_CODE:
            return
        assert not _INTERNAL.search(msg), f"{where}: an internal error leaked: {msg}"
        names = _names(name, f, pos) if options is None else {name.lower(), *map(str.lower, options)}
        assert any(n in msg.lower() for n in names), f"{where}: the message names nothing: {msg}"
    finally:
        if alarm:
            signal.alarm(0)


@pytest.fixture
def _random_state_kept():
    state = dl.rng()
    yield
    dl.rng(state)


@settings(max_examples=1200, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(name=st.sampled_from(sorted(_BASE)), pos=st.integers(0, 5), value=WRONG)
def _wrong_argument(name, pos, value):
    _call_with(name, pos, value)


def test_random_wrong_arguments_raise_only_value_or_type_errors_naming_them(_random_state_kept):
    """Any value in any positional argument: the call works, or raises a ValueError or
    TypeError (never AttributeError, ZeroDivisionError, IndexError, NumPy's AxisError,
    RecursionError, a hang) whose message names the function or the argument and is not
    an internal message."""
    _wrong_argument()


# Name-value options, with a random value each.
_OPTIONS = {
    "lstm": ["DataFormat", "StateActivationFunction", "GateActivationFunction"],
    "gru": ["DataFormat", "ResetGateMode", "StateActivationFunction"],
    "crossentropy": ["ClassificationMode", "TargetCategories", "Mask", "Reduction",
                     "NormalizationFactor", "DataFormat", "WeightsFormat"],
    "huber": ["TransitionPoint", "Mask", "Reduction", "NormalizationFactor"],
    "indexcrossentropy": ["Mask", "Reduction", "NormalizationFactor"],
    "padsequences": ["Length", "Direction", "PaddingValue", "UniformOutput"],
    "onehotencode": ["ClassNames"], "fullyconnect": ["DataFormat"], "softmax": ["DataFormat"],
    "lstmLayer": ["OutputMode", "InputWeightsLearnRateFactor", "BiasL2Factor", "InputWeights",
                  "HiddenState", "CellState", "Name", "InputWeightsInitializer"],
    "gruLayer": ["ResetGateMode", "RecurrentWeights", "Bias", "RecurrentWeightsL2Factor"],
    "fullyConnectedLayer": ["Weights", "Bias", "WeightLearnRateFactor", "WeightsInitializer"],
    "sequenceInputLayer": ["Normalization", "Mean", "StandardDeviation", "Min", "Max",
                           "MinLength"],
    "dropoutLayer": ["Name"],
    "trainingOptions": ["MaxEpochs", "MiniBatchSize", "InitialLearnRate", "L2Regularization",
                        "GradientThreshold", "GradientThresholdMethod", "Shuffle",
                        "ValidationData", "ValidationFrequency", "ValidationPatience",
                        "Verbose", "Plots", "ExecutionEnvironment", "SequenceLength",
                        "SequencePaddingValue", "LearnRateSchedule", "OutputNetwork",
                        "OutputFcn", "Metrics", "InputDataFormats", "Epsilon"],
    "predict": ["MiniBatchSize", "SequenceLength", "SequencePaddingDirection",
                "SequencePaddingValue", "ExecutionEnvironment", "InputDataFormats"],
    "minibatchpredict": ["MiniBatchSize", "InputDataFormats"],
    "dlnetwork": ["Initialize"], "analyzeNetwork": ["TargetUsage", "Plots"],
    "confusionmat": ["Order"], "arrayDatastore": ["IterationDimension", "ReadSize", "OutputType"],
    "minibatchqueue": ["MiniBatchSize", "PartialMiniBatch", "MiniBatchFcn", "MiniBatchFormat",
                       "OutputCast", "OutputAsDlarray", "OutputEnvironment"],
    "initializeGaussian": ["className"], "initializeOrthogonal": ["className"],
}


@settings(max_examples=800, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(name=st.sampled_from(sorted(_OPTIONS)), k=st.integers(0, 30), value=WRONG)
def _wrong_option(name, k, value):
    option = _OPTIONS[name][k % len(_OPTIONS[name])]
    _call_with(name, None, value, {option: value})


def test_random_wrong_option_values_raise_only_value_or_type_errors_naming_them(_random_state_kept):
    """The same contract for the name-value options: the message names the option."""
    _wrong_option()
