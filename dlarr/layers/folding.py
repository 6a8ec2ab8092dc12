"""sequenceFoldingLayer and sequenceUnfoldingLayer: per-frame layers inside sequence
networks, as in MATLAB's "Classify Videos Using Deep Learning".

The folding layer turns a batch of B image sequences of T frames ("SSCBT") into a
batch of B*T images ("SSCB"), so that image layers (convolution2dLayer, pools,
batchNormalizationLayer) see single frames; its second output, "miniBatchSize",
carries B to the unfolding layer (``connectLayers(lgraph, "fold/miniBatchSize",
"unfold/miniBatchSize")``), which restores the sequences ("SSCBT", or "CBT" after a
fully connected layer).  The frames are batched time-major, as MATLAB's column-major
reshape of B x T: image ``t*B + b`` is frame t of sequence b.

In the network size protocol the "miniBatchSize" port has the size
:data:`MINI_BATCH_SIZE` (no channel or spatial size: a marker), which only the
unfolding layer's "miniBatchSize" input takes; analyzeNetwork shows the folding
layer's "out" (h x w x c x 1(B), "SSCB").
"""
from __future__ import annotations

from ..core.arguments import name_value_pairs
from ..core.dlarray import DLArray
from ..core.registry import bind
from ..core.structural import _reshape, _transpose
from .base import Layer, _name, layer_help


class _MiniBatchSize:
    """The size of the "miniBatchSize" port: a scalar, the number of sequences."""

    def __repr__(self):
        return "miniBatchSize"

    def __reduce__(self):
        return "MINI_BATCH_SIZE"


MINI_BATCH_SIZE = _MiniBatchSize()



class SequenceFoldingLayer(Layer):
    _display = "SequenceFoldingLayer"
    _type = "Sequence Folding"
    _default_name = "seqfold"
    _props = {"Name": ("", _name)}
    NumOutputs = 2
    OutputNames = ("out", "miniBatchSize")

    def _description(self):
        return "Sequence folding"

    def _setup(self, in_size, has_time, dtype):
        if in_size is MINI_BATCH_SIZE:
            raise ValueError(f"Layer '{self.Name}' ({self._display}): its input is a "
                             "miniBatchSize output; connect it to sequence data")
        if not has_time:
            raise ValueError(f"Layer '{self.Name}' ({self._display}) expects sequences (data "
                             "with a time dimension, 'SSCBT' or 'CBT'), but its input has no "
                             "time dimension")
        return (in_size, MINI_BATCH_SIZE), (False, False)

    def _forward(self, X, training, state):
        xp_b = X.shape[X.dims.index("B")] if "B" in X.dims else 1
        if "T" not in X.dims:                       # one time step ("SSCB"): nothing to fold
            Y = X
        else:
            if "B" not in X.dims or X.dims.index("T") != X.dims.index("B") + 1 or \
                    X.dims.index("T") != len(X.dims) - 1:
                raise ValueError(f"Layer '{self.Name}' ({self._display}): expects 'SSCBT' or "
                                 f"'CBT' data; got {X.dims!r}")
            nd = len(X.dims)
            perm = tuple(range(nd - 2)) + (nd - 1, nd - 2)        # ..., T, B
            Z = bind(_transpose, [X._relabelled()], "", perm=perm)
            T = X.shape[-1]
            Z = bind(_reshape, [Z], "", shape=tuple(X.shape[:-2]) + (T * xp_b,))
            Y = Z._relabelled(X.dims[:-1])
        from ..core.backend import array_namespace
        xp = array_namespace(X._data)
        n = DLArray._new(xp.full((1, 1), xp_b, dtype=X._data.dtype), "")
        return (Y, n), state


class SequenceUnfoldingLayer(Layer):
    _display = "SequenceUnfoldingLayer"
    _type = "Sequence Unfolding"
    _default_name = "sequnfold"
    _props = {"Name": ("", _name)}
    NumInputs = 2
    InputNames = ("in", "miniBatchSize")

    def _description(self):
        return "Sequence unfolding"

    def _setup(self, in_sizes, has_times, dtype):
        size, batch = in_sizes
        if batch is not MINI_BATCH_SIZE:
            raise ValueError(f"Layer '{self.Name}' ({self._display}): input 'miniBatchSize' must "
                             "come from the 'miniBatchSize' output of a sequenceFoldingLayer "
                             "(connectLayers(lgraph, 'fold/miniBatchSize', "
                             f"'{self.Name}/miniBatchSize')); it comes from a layer output "
                             f"of size {batch!r}")
        if size is MINI_BATCH_SIZE:
            raise ValueError(f"Layer '{self.Name}' ({self._display}): input 'in' is a "
                             "miniBatchSize output; connect it to the folded data")
        if has_times[0]:
            raise ValueError(f"Layer '{self.Name}' ({self._display}): input 'in' has a time "
                             "dimension; it takes the folded data (images 'SSCB' or 'CB', "
                             "what the layers after a sequenceFoldingLayer give)")
        return size, True

    def _forward(self, Xs, training, state):
        X, n = Xs
        B = int(n._data.reshape(-1)[0])
        if "T" in X.dims or "B" not in X.dims or X.dims.index("B") != len(X.dims) - 1:
            raise ValueError(f"Layer '{self.Name}' ({self._display}): input 'in' must be "
                             f"folded data ('SSCB' or 'CB'); got {X.dims!r}")
        BT = X.shape[-1]
        if BT % B:
            raise ValueError(f"Layer '{self.Name}' ({self._display}): input 'in' has {BT} "
                             f"observations, not a multiple of the mini-batch size {B}")
        nd = len(X.dims)
        Z = bind(_reshape, [X._relabelled()], "", shape=tuple(X.shape[:-1]) + (BT // B, B))
        perm = tuple(range(nd - 1)) + (nd, nd - 1)                # ..., B, T
        Z = bind(_transpose, [Z], "", perm=perm)
        return Z._relabelled(X.dims + "T"), state


@name_value_pairs(0, names=lambda: SequenceFoldingLayer._props)
@layer_help(SequenceFoldingLayer)
def sequenceFoldingLayer(**options):
    """Sequence folding layer, MATLAB's ``sequenceFoldingLayer``.

    A sequence folding layer converts a batch of image sequences to a batch of images:
    "SSCBT" data of B sequences of T frames become "SSCB" data of B*T images (frame t
    of sequence b is image t*B + b), so that convolution2dLayer and the other image
    layers apply to each frame.  Outputs: "out" (the images) and "miniBatchSize" (B,
    for the sequenceUnfoldingLayer that restores the sequences).

    Example::

        layers = [dl.sequenceInputLayer([28, 28, 1], Name="input"),
                  dl.sequenceFoldingLayer(Name="fold"),
                  dl.convolution2dLayer(5, 8, Name="conv"), dl.reluLayer(Name="relu"),
                  dl.sequenceUnfoldingLayer(Name="unfold"), dl.flattenLayer(Name="flatten"),
                  dl.lstmLayer(16, OutputMode="last", Name="lstm")]
        lgraph = dl.layerGraph(layers)
        lgraph = dl.connectLayers(lgraph, "fold/miniBatchSize", "unfold/miniBatchSize")
        net = dl.dlnetwork(lgraph)
    """
    return SequenceFoldingLayer(**options)


@name_value_pairs(0, names=lambda: SequenceUnfoldingLayer._props)
@layer_help(SequenceUnfoldingLayer)
def sequenceUnfoldingLayer(**options):
    """Sequence unfolding layer, MATLAB's ``sequenceUnfoldingLayer``.

    A sequence unfolding layer restores the sequence structure of data after a
    sequenceFoldingLayer: B*T images ("SSCB", or "CB" after a fully connected layer)
    become B sequences of T time steps ("SSCBT" or "CBT").  Inputs: "in" (the folded
    data) and "miniBatchSize" (connect the folding layer's "miniBatchSize" output to
    it: ``connectLayers(lgraph, "fold/miniBatchSize", "unfold/miniBatchSize")``).

    Example::

        lgraph = dl.layerGraph([dl.sequenceInputLayer([8, 8, 3]),
                                dl.sequenceFoldingLayer(Name="fold"),
                                dl.averagePooling2dLayer(2, Stride=2),
                                dl.sequenceUnfoldingLayer(Name="unfold")])
        lgraph = dl.connectLayers(lgraph, "fold/miniBatchSize", "unfold/miniBatchSize")
        net = dl.dlnetwork(lgraph)                    # 4(S) x 4(S) x 3(C) x B x T out
    """
    return SequenceUnfoldingLayer(**options)
