"""The combination layers of layer graphs: additionLayer, concatenationLayer,
multiplicationLayer.

Each has ``NumInputs`` inputs named ``"in1"``, ..., ``"inN"`` (MATLAB's port names, for
``connectLayers(lgraph, "fc", "add/in2")``) and one output ``"out"``.  The network sets
them up on a tuple of input sizes and runs them on a tuple of inputs (the multi-input
hooks of :class:`dlarr.layers.base.Layer`); their forward passes are dlarray operations
(``+``, ``.*``, :func:`dlarr.cat`), so their derivatives are those operations'.
"""
from __future__ import annotations

import functools
import math
import numbers
import operator

from ..core.arguments import came, name_value_pairs
from .base import Layer, _name, _show, layer_help


def _num_inputs(v, name, layer):
    if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v) \
            or v != int(v) or v < 2:
        raise ValueError(f"{type(layer).__name__}: {name} must be an integer greater than or "
                         f"equal to 2, not "
                         f"{repr(v) if isinstance(v, numbers.Number) else came(v)}")
    return int(v)


_num_inputs.values = ("integer >= 2",)


def _dim(v, name, layer):
    if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v) \
            or v != int(v) or v < 1:
        raise ValueError(f"{type(layer).__name__}: {name} must be a positive integer (MATLAB's "
                         f"1-based dimension: 1 is the channels of 'CBT' data), not "
                         f"{repr(v) if isinstance(v, numbers.Number) else came(v)}")
    return int(v)


_dim.values = ("positive integer",)

_NUM_INPUTS_HELP = ("Number of inputs, an integer >= 2, set when the layer is created "
                    "(read-only after).  The inputs are named 'in1', 'in2', ..., 'inN' "
                    "(InputNames): connect them with connectLayers(lgraph, source, "
                    "'name/in2').")


def _dims(size):
    """An activation size as a tuple: (C,) for a channel count, the tuple itself for
    spatial sizes (S..., C)."""
    return tuple(size) if isinstance(size, tuple) else (size,)


def _from_dims(dims, like):
    return dims if isinstance(like, tuple) else dims[0]


def _size_text(size):
    d = _dims(size)
    return f"{d[0]} channels" if len(d) == 1 else "x".join(map(str, d))


class _CombinationLayer(Layer):
    """A layer with NumInputs inputs "in1".."inN" and one output."""

    _props = {"Name": ("", _name), "NumInputs": (2, _num_inputs)}
    _groups = ()
    _help = {"NumInputs": _NUM_INPUTS_HELP}
    _verb = ""

    @property
    def InputNames(self):
        """('in1', ..., 'inN'), N = NumInputs."""
        return tuple(f"in{i + 1}" for i in range(self.NumInputs))

    def __repr__(self):
        names = ["Name"] + [n for n in self._props if n != "Name"] + ["InputNames"]
        width = max(len(n) for n in names) + 4
        lines = [f"{self._display} with properties:", ""]
        return "\n".join(lines + [f"{n.rjust(width)}: {_show(getattr(self, n))}" for n in names])

    def _description(self):
        return f"Element-wise {self._verb} of {self.NumInputs} inputs"

    def _expanded(self, in_sizes, has_times):
        """The output size of an element-wise combination: every input of the same size,
        or of size 1 along a dimension (implicit expansion), and with or without a time
        dimension (a "CB" input expands along T); else an error naming the layer."""
        dims = [_dims(s) for s in in_sizes]
        big = [{d[k] for d in dims} - {1} for k in range(len(dims[0]))]
        if len({len(d) for d in dims}) > 1 or any(len(b) > 1 for b in big):
            given = ", ".join(f"{n} {_size_text(s)}" for n, s in zip(self.InputNames, in_sizes))
            raise ValueError(f"Layer '{self.Name}' ({self._display}): input size mismatch: "
                             f"{given}; the inputs of an element-wise {self._verb} must have "
                             "the same size (or size 1, which expands)")
        out = tuple(max(b) if b else 1 for b in big)
        return _from_dims(out, in_sizes[0]), any(has_times)


class _ElementwiseCombination(_CombinationLayer):
    """Addition and multiplication: inputs of one size (size 1 expands), combined by
    ``_op`` from the first input on."""

    def _setup(self, in_sizes, has_times, dtype):
        return self._expanded(in_sizes, has_times)

    def _forward(self, Xs, training, state):
        return functools.reduce(self._op, Xs), state


class AdditionLayer(_ElementwiseCombination):
    _display = "AdditionLayer"
    _type = "Addition"
    _default_name = "addition"
    _verb = "addition"
    _op = staticmethod(operator.add)


class MultiplicationLayer(_ElementwiseCombination):
    _display = "MultiplicationLayer"
    _type = "Multiplication"
    _default_name = "multiplication"
    _verb = "multiplication"
    _op = staticmethod(operator.mul)


class ConcatenationLayer(_CombinationLayer):
    _display = "ConcatenationLayer"
    _type = "Concatenation"
    _default_name = "concat"
    _props = {"Name": ("", _name), "Dim": (None, _dim), "NumInputs": (2, _num_inputs)}
    _help = {"Dim": "Concatenation dimension, a positive integer, numbered as MATLAB numbers "
                    "the dimensions of the layer's data: the spatial dimensions first, then "
                    "the channels.  For vector sequences ('CBT') and features ('CB') 1 is "
                    "the channel dimension, the only one to concatenate along (as in MATLAB "
                    "before R2026a: the channel and spatial dimensions only).  MATLAB's "
                    "1-based number, unlike dlarr's 0-based function arguments, so that "
                    "concatenationLayer(1, 2) copied from MATLAB joins channels.",
             "NumInputs": _NUM_INPUTS_HELP}

    def _description(self):
        return f"Concatenation of {self.NumInputs} inputs along dimension {self.Dim}"

    def _axis(self, size):
        """0-based position, in the activation size (S..., C), of Dim."""
        dims = _dims(size)
        if self.Dim is None or self.Dim > len(dims):
            kinds = ["S"] * (len(dims) - 1) + ["C"]
            hint = ("1 (the channels)" if len(dims) == 1 else
                    f"1..{len(dims)} ({', '.join(f'{i + 1}: {k}' for i, k in enumerate(kinds))})")
            raise ValueError(f"Layer '{self.Name}' ({self._display}): Dim is {self.Dim} but its "
                             f"inputs have {len(dims)} channel/spatial dimension"
                             f"{'s' if len(dims) > 1 else ''} ({_size_text(size)}); the layer "
                             f"concatenates along the channel or spatial dimensions: Dim "
                             f"{hint}")
        return self.Dim - 1

    def _setup(self, in_sizes, has_times, dtype):
        axis = self._axis(in_sizes[0])
        dims = [_dims(s) for s in in_sizes]
        rest = {d[:axis] + d[axis + 1:] for d in dims}
        if len({len(d) for d in dims}) > 1 or len(rest) > 1 or len(set(has_times)) > 1:
            given = ", ".join(f"{n} {_size_text(s)}{'' if t else ' (no time dimension)'}"
                              for n, s, t in zip(self.InputNames, in_sizes, has_times))
            raise ValueError(f"Layer '{self.Name}' ({self._display}): input size mismatch: "
                             f"{given}; the inputs must have the same size in every dimension "
                             f"but Dim {self.Dim}")
        out = list(dims[0])
        out[axis] = sum(d[axis] for d in dims)
        return _from_dims(tuple(out), in_sizes[0]), has_times[0]

    def _forward(self, Xs, training, state):
        from ..core.shape import cat
        X = Xs[0]
        spatial = [i for i, c in enumerate(X.dims) if c == "S"]
        labels = spatial + [X.dims.index("C")]
        return cat(labels[self.Dim - 1], *Xs), state


@name_value_pairs(1, names=lambda: AdditionLayer._props)
@layer_help(AdditionLayer)
def additionLayer(numInputs, **options):
    """Addition layer, MATLAB's ``additionLayer``.

    An addition layer adds its inputs element-wise, ``Y = X1 + X2 + ... + XN``.  The
    inputs must have the same size, or size 1 where the others do not (it expands, as
    MATLAB's implicit expansion does); an input without a time dimension ("CB") expands
    along the time steps of the others.  Typical use: a skip (residual) connection
    around a block, ``connectLayers(lgraph, "fc", "add/in2")``.

    Differences from MATLAB: none in the properties (Name, NumInputs, InputNames,
    NumOutputs, OutputNames).

    Example::

        layers = [dl.sequenceInputLayer(12), dl.fullyConnectedLayer(16, Name="fc"),
                  dl.lstmLayer(16, Name="lstm"), dl.additionLayer(2, Name="add"),
                  dl.fullyConnectedLayer(9), dl.softmaxLayer()]
        lgraph = dl.layerGraph(layers)                 # fc -> lstm -> add/in1
        lgraph = dl.connectLayers(lgraph, "fc", "add/in2")
        net = dl.dlnetwork(lgraph)
    """
    return AdditionLayer(NumInputs=numInputs, **options)


@name_value_pairs(1, names=lambda: MultiplicationLayer._props)
@layer_help(MultiplicationLayer)
def multiplicationLayer(numInputs, **options):
    """Multiplication layer, MATLAB's ``multiplicationLayer``.

    A multiplication layer multiplies its inputs element-wise, ``Y = X1 .* X2 .* ...
    .* XN``: the same sizes, or size 1 where the others do not (implicit expansion, as
    in MATLAB), e.g. a gate: a sigmoid branch of one channel times a feature branch.

    Differences from MATLAB: none in the properties (Name, NumInputs, InputNames,
    NumOutputs, OutputNames).

    Example::

        lgraph = dl.layerGraph([dl.sequenceInputLayer(4), dl.fullyConnectedLayer(8, Name="fc"),
                                dl.multiplicationLayer(2, Name="mul")])
        lgraph = dl.addLayers(lgraph, [dl.fullyConnectedLayer(8, Name="gate"),
                                       dl.sigmoidLayer(Name="sig")])
        lgraph = dl.connectLayers(lgraph, "sequenceinput", "gate")
        lgraph = dl.connectLayers(lgraph, "sig", "mul/in2")
        net = dl.dlnetwork(lgraph)                     # fc .* sigmoid(gate)
    """
    return MultiplicationLayer(NumInputs=numInputs, **options)


@name_value_pairs(2, names=lambda: ConcatenationLayer._props)
@layer_help(ConcatenationLayer)
def concatenationLayer(dim, numInputs, **options):
    """Concatenation layer, MATLAB's ``concatenationLayer``.

    A concatenation layer concatenates its inputs along dimension ``dim``; the inputs
    must have the same size in every other dimension.  On vector sequences ("CBT") and
    features ("CB") ``dim`` is 1, the channels: the output has the sum of the inputs'
    channels.

    Differences from MATLAB: ``dim`` is MATLAB's 1-based number of the dimension in the
    layer's data (spatial dimensions, then channels), not a 0-based dlarr dimension, so
    that a line copied from MATLAB means what it meant there (and a saved layer holds
    MATLAB's Dim); the time and batch dimensions are not concatenated (MATLAB before
    R2026a).

    Example::

        lgraph = dl.layerGraph([dl.sequenceInputLayer(3), dl.lstmLayer(8, Name="lstm"),
                                dl.concatenationLayer(1, 2, Name="cat"),
                                dl.fullyConnectedLayer(2)])
        lgraph = dl.connectLayers(lgraph, "sequenceinput", "cat/in2")
        net = dl.dlnetwork(lgraph)                     # cat gives 8 + 3 = 11 channels
    """
    return ConcatenationLayer(Dim=dim, NumInputs=numInputs, **options)


__all__ = ["AdditionLayer", "ConcatenationLayer", "MultiplicationLayer", "additionLayer",
           "concatenationLayer", "multiplicationLayer"]
