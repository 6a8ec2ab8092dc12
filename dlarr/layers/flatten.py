"""flattenLayer: the spatial dimensions folded into the channels (MATLAB's flattenLayer)."""
from __future__ import annotations

import math

from ..core.arguments import name_value_pairs
from .base import Layer, _name, layer_help


class FlattenLayer(Layer):
    _display = "FlattenLayer"
    _type = "Flatten"
    _default_name = "flatten"
    _props = {"Name": ("", _name)}

    def _description(self):
        return "Flatten"

    def _setup(self, in_size, has_time, dtype):
        if isinstance(in_size, tuple):              # S..., C -> h*w*c channels
            return math.prod(in_size), has_time
        return in_size, has_time

    def _forward(self, X, training, state):
        from ..functions.flatten import flatten
        return flatten(X), state


@name_value_pairs(0, names=lambda: FlattenLayer._props)
@layer_help(FlattenLayer)
def flattenLayer(**options):
    """Flatten layer, MATLAB's ``flattenLayer``.

    A flatten layer collapses the spatial dimensions of the input into the channel
    dimension (:func:`dlarr.flatten`): h x w x c images ("SSCB") become h*w*c channels
    ("CB"), flattened in MATLAB's column-major order; image sequences ("SSCBT") become
    vector sequences ("CBT"), for example before an lstmLayer.  Input without spatial
    dimensions passes through unchanged (a "CBT" sequence stays as it is).

    Differences from MATLAB: none (after sequenceInputLayer([h w c]), a
    convolution2dLayer or a sequenceUnfoldingLayer, "SSCBT" becomes h*w*c channels).

    Example::

        layer = dl.flattenLayer(Name="flat")            # MATLAB: flattenLayer('Name','flat')
        net = dl.dlnetwork([dl.sequenceInputLayer(3), layer, dl.lstmLayer(4)])
    """
    return FlattenLayer(**options)
