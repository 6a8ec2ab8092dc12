"""MATLAB's ``minibatchqueue``: mini-batches from a datastore for custom training loops.

    mbq = dl.minibatchqueue(ds, MiniBatchSize=27, MiniBatchFcn=preprocess,
                            MiniBatchFormat=["CTB", "CB"])
    for epoch in range(numEpochs):
        dl.shuffle(mbq)
        while dl.hasdata(mbq):
            X, T = dl.next(mbq)

The queue reads observations (the rows of the datastore's reads) until it holds
MiniBatchSize of them, hands each variable's observations to ``MiniBatchFcn`` as a list
(MATLAB's cell array), or, by default ("collate"), stacks them along a new last
dimension (a scalar becomes 1 x B, a vector F x B, a C x T array C x T x B), and then
casts each output (``OutputCast``), makes it a dlarray with its ``MiniBatchFormat``
(``OutputAsDlarray``) and puts it where ``OutputEnvironment`` says ("auto": the GPU
when ``canUseGPU()``).  The queue is also a Python iterator: ``for X, T in mbq`` runs
to the end of the data (``shuffle``/``reset`` start it again).
"""
from __future__ import annotations

import numbers

import numpy as np

from ..core import formats as _formats
from ..core import options as V
from ..core.arguments import name_value_pairs
from ..core.backend import array_namespace, canUseGPU, is_array, is_cupy_array
from ..core.create import dlarray
from ..core.device import gather, gpuArray
from ..core.dlarray import DLArray
from ..core.options import choose
from .datastore import _copy_of, _need_datastore, _read_rows

__all__ = ["minibatchqueue"]

_F = "minibatchqueue"
_CASTS = {"single": np.float32, "double": np.float64, "logical": np.bool_}


def _per_output(value, n, name, check):
    """One value per output: a list/tuple of ``n``, or one value for every output."""
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(f"{_F}: {name} must have one value per output ({n}); it has "
                             f"{len(value)}: {list(value)!r}")
        return tuple(check(v, f"{name}[{k}]") for k, v in enumerate(value))
    return (check(value, name),) * n


def _format(v, name):
    return _formats.check_format(v, f"{_F}: {name}")


def _cast(v, name):
    return choose(v, V.OUTPUT_CASTS, _F, name)


def _env(v, name):
    return choose(v, V.EXECUTION_ENVIRONMENTS, _F, name)


def _flag(v, name):
    if not isinstance(v, (bool, np.bool_)) and v not in (0, 1):
        raise TypeError(f"{_F}: {name} must be true or false, not {v!r}")
    return bool(v)


def _preprocessing(v):
    if isinstance(v, str) and v.lower() in V.UNSUPPORTED_PREPROCESSING_ENVIRONMENTS:
        why = V.UNSUPPORTED_PREPROCESSING_ENVIRONMENTS[v.lower()]
        raise ValueError(f"{_F}: PreprocessingEnvironment {v!r} is not supported by dlarr "
                         f"({why}; dlarr prepares the mini-batches in the calling process); "
                         "valid values are " +
                         ", ".join(repr(o) for o in V.PREPROCESSING_ENVIRONMENTS))
    return choose(v, V.PREPROCESSING_ENVIRONMENTS, _F, "PreprocessingEnvironment")


def _size(shape):
    return "x".join(str(n) for n in shape) or "scalar"


def _collate(items, j):
    """MATLAB's "collate": the observations of variable ``j`` along a new last dimension."""
    arrs = []
    for x in items:
        a = x._data if isinstance(x, DLArray) else x if is_array(x) else np.asarray(x)
        arrs.append(a.reshape(1) if a.ndim == 0 else a)
    shapes = {a.shape for a in arrs}
    if len(shapes) > 1:
        two = sorted(shapes)[:2]
        raise ValueError(f"{_F}: the observations of variable {j} have different sizes "
                         f"({_size(two[0])} and {_size(two[1])}), so 'collate' cannot stack "
                         "them; pad them in a MiniBatchFcn (e.g. with dl.padsequences)")
    return array_namespace(*arrs, where=_F).stack(arrs, axis=-1)


class minibatchqueue:
    """Create mini-batches for deep learning, MATLAB's ``minibatchqueue``.

    Syntax::

        mbq = dl.minibatchqueue(ds)
        mbq = dl.minibatchqueue(ds, numOutputs)
        mbq = dl.minibatchqueue(ds, ..., MiniBatchSize=64, MiniBatchFormat=["CTB", "CB"])

    Input arguments:
        ds: a datastore (:func:`arrayDatastore`, :func:`combine`, :func:`transform`,
            or yours with ``read``, ``hasdata`` and ``reset``).  The queue reads
            a copy of a dlarr datastore, so ds itself does not move.
        numOutputs: the number of mini-batch variables.  Default None: the number
            of variables a read of ds has; give it when MiniBatchFcn returns
            another number.

    Name-value arguments (also as positional pairs, ``"MiniBatchSize", 64``):
        MiniBatchSize: observations per mini-batch, a positive int; default 128.
        PartialMiniBatch: "return" (default: the last, smaller mini-batch is
            returned) or "discard".
        MiniBatchFcn: "collate" (default: each variable's observations stacked
            along a new last dimension: a scalar becomes 1 x B, a vector F x B, a
            C x T array C x T x B), or a function taking one list (MATLAB's cell
            array) per variable and returning the outputs (a tuple for several).
        PreprocessingEnvironment: "serial" (default, the only one supported).
        MiniBatchFormat: the format of each output, one str or a list with one per
            output; default "" (unformatted).
        OutputCast: "single" (default), "double", "logical" (or an integer type,
            with OutputAsDlarray false), one value or a list per output.
        OutputAsDlarray: True (default): the outputs are dlarrays; one value or a
            list per output.
        OutputEnvironment: "auto" (default: the GPU when :func:`canUseGPU`), "cpu"
            or "gpu", one value or a list per output.

    Output arguments:
        mbq: a minibatchqueue.  Its properties (read-only) are the name-value
            arguments above.  Methods (also functions of ``dl``): :func:`hasdata`,
            :func:`next`, :func:`reset`, :func:`shuffle` (in place),
            :func:`partition`.  It is also a Python iterator: ``for X, T in mbq``
            runs to the end of the data.

    Differences from MATLAB: lists stand for cell arrays; "background" and
    "parallel" preprocessing are not supported.

    Example::

        XTrain = np.random.rand(100, 8)
        TTrain = np.random.randint(0, 3, 100)
        ds = dl.combine(dl.arrayDatastore(XTrain), dl.arrayDatastore(TTrain))
        mbq = dl.minibatchqueue(ds, MiniBatchSize=32, MiniBatchFormat=["CB", "CB"])
        for epoch in range(2):
            dl.shuffle(mbq)
            while dl.hasdata(mbq):
                X, T = dl.next(mbq)       # 8(C) x 32(B) and 1(C) x 32(B) single
    """

    @name_value_pairs(2)
    def __init__(self, ds, numOutputs=None, *, MiniBatchSize=128, PartialMiniBatch="return",
                 MiniBatchFcn="collate", PreprocessingEnvironment="serial", MiniBatchFormat="",
                 OutputCast="single", OutputAsDlarray=True, OutputEnvironment="auto"):
        self._source = _need_datastore(ds, _F)
        if isinstance(MiniBatchSize, bool) or not isinstance(MiniBatchSize, numbers.Integral) \
                or MiniBatchSize < 1:
            raise ValueError(f"{_F}: MiniBatchSize must be a positive integer, not "
                             f"{MiniBatchSize!r}")
        self._mbs = int(MiniBatchSize)
        self._partial = choose(PartialMiniBatch, V.PARTIAL_MINIBATCHES, _F, "PartialMiniBatch")
        if isinstance(MiniBatchFcn, str):
            self._fcn = choose(MiniBatchFcn, V.MINIBATCH_FCNS, _F, "MiniBatchFcn")
        elif callable(MiniBatchFcn):
            self._fcn = MiniBatchFcn
        else:
            raise TypeError(f"{_F}: MiniBatchFcn must be 'collate' or a function, not "
                            f"{type(MiniBatchFcn).__name__}")
        self._pre = _preprocessing(PreprocessingEnvironment)
        self._nvars = self._variables()
        self._n = self._num_outputs(numOutputs)
        n = self._n
        if isinstance(MiniBatchFormat, str) and MiniBatchFormat and n > 1:
            raise ValueError(f"{_F}: MiniBatchFormat must be a list of {n} formats, one per "
                             f"output (e.g. ['CTB', 'CB']), not {MiniBatchFormat!r}")
        self._formats = _per_output(MiniBatchFormat, n, "MiniBatchFormat", _format)
        self._casts = _per_output(OutputCast, n, "OutputCast", _cast)
        self._asdl = _per_output(OutputAsDlarray, n, "OutputAsDlarray", _flag)
        self._envs = _per_output(OutputEnvironment, n, "OutputEnvironment", _env)
        for k in range(n):
            if self._asdl[k] and self._casts[k] not in _CASTS:
                raise ValueError(f"{_F}: OutputCast {self._casts[k]!r} of output {k} needs "
                                 "OutputAsDlarray false (a dlarray holds single, double or "
                                 "logical data)")
        gpu = any(e == "gpu" for e in self._envs)
        if gpu and not canUseGPU():
            raise RuntimeError(f"{_F}: OutputEnvironment 'gpu' needs a GPU (CuPy and a CUDA "
                               "device; canUseGPU() is False)")
        auto = canUseGPU() if any(e == "auto" for e in self._envs) else False
        self._gpu = tuple(e == "gpu" or (e == "auto" and auto) for e in self._envs)
        self._ds = _copy_of(self._source)
        self._ds.reset()
        self._buffer = []

    def _variables(self):
        """The number of variables of a read (columns of its cells); 0 when empty."""
        probe = _copy_of(self._source)
        probe.reset()
        if not probe.hasdata():
            return 0
        rows = _read_rows(probe)
        return len(rows[0]) if rows else 0

    def _num_outputs(self, numOutputs):
        if numOutputs is None:
            return max(self._nvars, 1)
        if isinstance(numOutputs, bool) or not isinstance(numOutputs, numbers.Integral) \
                or numOutputs < 1:
            raise ValueError(f"{_F}: numOutputs must be a positive integer, not {numOutputs!r}")
        if self._fcn == "collate" and self._nvars and numOutputs != self._nvars:
            raise ValueError(f"{_F}: numOutputs is {numOutputs} but a read of the datastore has "
                             f"{self._nvars} variables; with MiniBatchFcn 'collate' they must "
                             "agree (give a MiniBatchFcn to return another number)")
        return int(numOutputs)

    # ----- MATLAB's properties --------------------------------------------------
    MiniBatchSize = property(lambda self: self._mbs)
    PartialMiniBatch = property(lambda self: self._partial)
    MiniBatchFcn = property(lambda self: self._fcn)
    PreprocessingEnvironment = property(lambda self: self._pre)
    MiniBatchFormat = property(lambda self: list(self._formats))
    OutputCast = property(lambda self: list(self._casts))
    OutputAsDlarray = property(lambda self: list(self._asdl))
    OutputEnvironment = property(lambda self: list(self._envs))

    # ----- MATLAB's methods -----------------------------------------------------
    def hasdata(self):
        """MATLAB's ``hasdata(mbq)``: whether ``next`` has a mini-batch to return."""
        while len(self._buffer) < self._mbs and self._ds.hasdata():
            self._buffer += _read_rows(self._ds, self._mbs - len(self._buffer))
        return len(self._buffer) >= self._mbs or (bool(self._buffer)
                                                  and self._partial == "return")

    def next(self):
        """MATLAB's ``[X1, ..., Xn] = next(mbq)``: the next mini-batch (a tuple of the
        outputs when there are several)."""
        if not self.hasdata():
            raise RuntimeError("next: the minibatchqueue has no more data; check with "
                               "hasdata(mbq) and start again with reset(mbq) or shuffle(mbq)")
        rows, self._buffer = self._buffer[:self._mbs], self._buffer[self._mbs:]
        width = {len(r) for r in rows}
        if len(width) > 1:
            raise ValueError(f"{_F}: the datastore's reads have different numbers of variables "
                             f"({sorted(width)})")
        columns = [list(c) for c in zip(*rows)]
        if self._fcn == "collate":
            outs = [_collate(c, j) for j, c in enumerate(columns)]
        else:
            res = self._fcn(*columns)
            outs = [res] if self._n == 1 else res
            if not isinstance(outs, (list, tuple)) or len(outs) != self._n:
                got = len(outs) if isinstance(outs, (list, tuple)) else 1
                raise ValueError(f"{_F}: MiniBatchFcn returned {got} output"
                                 f"{'s' if got != 1 else ''} but the queue has {self._n} "
                                 "(numOutputs); return a tuple of numOutputs values")
        outs = [self._output(o, k) for k, o in enumerate(outs)]
        return outs[0] if self._n == 1 else tuple(outs)

    def reset(self):
        """MATLAB's ``reset(mbq)``: back to the start of the data (in place)."""
        self._ds.reset()
        self._buffer = []

    def shuffle(self):
        """MATLAB's ``shuffle(mbq)``: reset and shuffle the data into a random order (in
        place; dlarr's generator, seeded by ``dl.rng``)."""
        if not callable(getattr(self._source, "shuffle", None)):
            raise TypeError(f"shuffle: the minibatchqueue's datastore "
                            f"({type(self._source).__name__}) cannot be shuffled (no shuffle "
                            "method)")
        self._ds = self._source.shuffle()
        self._ds.reset()
        self._buffer = []

    def partition(self, n, index):
        """MATLAB's ``partition(mbq, n, index)``: a minibatchqueue over part ``index``
        (0-based) of ``n`` of the data, with the same properties."""
        if not callable(getattr(self._source, "partition", None)):
            raise TypeError(f"partition: the minibatchqueue's datastore "
                            f"({type(self._source).__name__}) cannot be partitioned")
        new = object.__new__(minibatchqueue)
        new.__dict__.update(self.__dict__)
        new._source = self._source.partition(n, index)
        new._ds = _copy_of(new._source)
        new._ds.reset()
        new._buffer = []
        return new

    # ----- Python iteration: the rest of the data ---------------------------------
    def __iter__(self):
        return self

    def __next__(self):
        if not self.hasdata():
            raise StopIteration
        return self.next()

    def _output(self, x, k):
        """Output ``k`` cast, as a dlarray with its format, on its device."""
        fmt = self._formats[k]
        if isinstance(x, DLArray):
            fmt = fmt or x._fmt
            x = x._data
        elif not is_array(x):
            x = np.asarray(x)
        if x.dtype.kind not in "biuf":
            raise TypeError(f"{_F}: output {k} holds {x.dtype} data, which OutputCast "
                            f"{self._casts[k]!r} cannot convert; convert it in a MiniBatchFcn "
                            "(e.g. labels with dl.onehotencode)")
        cast = self._casts[k]
        x = x.astype(_CASTS[cast] if cast in _CASTS else np.dtype(cast), copy=False)
        if self._gpu[k]:
            x = gpuArray(x)
        elif is_cupy_array(x):
            x = gather(x)
        if not self._asdl[k]:
            return x
        return dlarray(x, fmt) if fmt else dlarray(x)

    def __repr__(self):
        def cell(vals):
            return "{" + "  ".join(f"'{v}'" for v in vals) + "}"
        fcn = self._fcn if isinstance(self._fcn, str) else \
            "@" + getattr(self._fcn, "__name__", type(self._fcn).__name__)
        s = "s" if self._n != 1 else ""
        return (f"minibatchqueue with {self._n} output{s} and properties:\n\n"
                "   Mini-batch creation:\n"
                f"               MiniBatchSize: {self._mbs}\n"
                f"            PartialMiniBatch: '{self._partial}'\n"
                f"                MiniBatchFcn: {fcn if fcn[0] == '@' else repr(fcn)}\n"
                f"    PreprocessingEnvironment: '{self._pre}'\n\n"
                "   Outputs:\n"
                f"                  OutputCast: {cell(self._casts)}\n"
                f"             OutputAsDlarray: [{' '.join(str(int(a)) for a in self._asdl)}]\n"
                f"             MiniBatchFormat: {cell(self._formats)}\n"
                f"           OutputEnvironment: {cell(self._envs)}\n")
