"""trainingOptions' BatchNormalizationStatistics "population": after training, the
batch normalization statistics recomputed over the whole training data.

MATLAB (trainingOptions): with "population", "after training, the software finalizes
the statistics by passing through the training data once more and uses the resulting
mean and variance"; with "moving" the layers keep the running estimates training
updated (``loop.py`` carries ``Layer._running_states`` across mini-batches).  R2024a's
default, "auto", is "moving"; releases R2021a to R2023b had no "auto" and defaulted to
"population" (dlarr follows R2024a).

The pass, :func:`finalize_statistics`: for each layer with TrainedMean and
TrainedVariance states (batchNormalizationLayer), in the network's order, the input of
that layer is computed in inference mode for every training observation, in mini-batches
of MiniBatchSize in the data's order, padded as training pads them (SequenceLength
"longest" or "shortest", SequencePaddingDirection, SequencePaddingValue; a numeric
SequenceLength runs the whole padded sequences at once), and the layer's TrainedMean and
TrainedVariance become each channel's mean and variance (normalized by M - 1, MATLAB's
``var``, as the layer's moving variance is) over the M values of that channel: every
observation, time step and spatial position, padded time steps left out.  Layers are
finalized one after another, so a later layer's input is normalized by the finalized
statistics of the earlier ones.  The observations' statistics are accumulated in float64
(Chan et al.'s pairwise update of means and sums of squares) and stored in the network's
type.
"""
from __future__ import annotations

import numpy as np

from ..core.create import extractdata
from ..core.dlarray import DLArray
from .batching import _batch_data, _batch_input, _host
from .loop import _device

__all__ = ["finalize_statistics", "uses_population"]

_STATS = ("TrainedMean", "TrainedVariance")


def uses_population(options) -> bool:
    """Whether the options ask for the final pass (BatchNormalizationStatistics
    'population'; 'auto' and 'moving' keep the moving statistics)."""
    return getattr(options, "BatchNormalizationStatistics", "auto") == "population"


def _batchnorm_layers(net):
    """Positions of the layers whose statistics the pass finalizes."""
    return [i for i, l in enumerate(net._layers)
            if all(s in getattr(l, "_running_states", ()) for s in _STATS)]


def finalize_statistics(net, seqs, options, fname="trainNetwork"):
    """The trained network ``net`` (on the host) with its batch normalization layers'
    TrainedMean/TrainedVariance recomputed over the observations ``seqs`` (those training
    used, as ``batching.observations`` gives them) when ``options`` ask for
    'population'; ``net`` as it is otherwise (or without such layers)."""
    layers = _batchnorm_layers(net)
    if not uses_population(options) or not layers:
        return net
    xp = _device(options, fname)
    mbs = min(int(options.MiniBatchSize), len(seqs))
    for i in layers:
        dnet = net._to_device(xp)
        source = dnet._plan.sources[i][0]
        acc = _Moments()
        for s in range(0, len(seqs), mbs):
            data, mask = _batch_data(seqs, range(s, min(s + mbs, len(seqs))), options)
            X = _batch_input(data, slice(None), xp)
            Y, _ = dnet._run(X, training=False, state=dnet._initial_states(), fname=fname,
                             outputs=[source])
            acc.add(_channel_values(Y, mask))
        layer = net._layers[i]
        dtype = layer.TrainedMean._data.dtype
        mean, var = acc.result()
        net._layers[i] = layer._with(
            TrainedMean=DLArray._new(mean.reshape(-1, 1).astype(dtype), ""),
            TrainedVariance=DLArray._new(var.reshape(-1, 1).astype(dtype), ""))
        net.resetState()           # the states start from the layers' new properties
    return net


def _channel_values(Y, mask):
    """The C x M values of a layer input: the channel dimension first, the rest
    flattened, padded time steps (``mask``, B x T, True where data) left out."""
    dims = Y.dims
    y = np.asarray(_host(extractdata(Y)), dtype=np.float64)
    c = dims.index("C")
    w = np.ones(y.shape, bool)
    if "B" in dims and "T" in dims and y.shape[dims.index("T")] == mask.shape[1]:
        shape = [1] * y.ndim
        shape[dims.index("B")], shape[dims.index("T")] = mask.shape
        m = mask.reshape(shape) if dims.index("B") < dims.index("T") else \
            mask.T.reshape(shape)
        w = np.broadcast_to(m, y.shape)
    y = np.moveaxis(y, c, 0).reshape(y.shape[c], -1)
    w = np.moveaxis(w, c, 0).reshape(y.shape[0], -1)[0]
    return y[:, w]


class _Moments:
    """Per-channel count, mean and sum of squared deviations, combined batch by batch."""

    def __init__(self):
        self.n, self.mean, self.m2 = 0, None, None

    def add(self, y):
        n = y.shape[1]
        if n == 0:
            return
        mean = y.mean(axis=1)
        m2 = ((y - mean[:, None]) ** 2).sum(axis=1)
        if self.mean is None:
            self.n, self.mean, self.m2 = n, mean, m2
            return
        total = self.n + n
        delta = mean - self.mean
        self.mean = self.mean + delta * (n / total)
        self.m2 = self.m2 + m2 + delta ** 2 * (self.n * n / total)
        self.n = total

    def result(self):
        """(mean, variance normalized by M - 1; by M for a single value)."""
        return self.mean, self.m2 / max(self.n - 1, 1)
