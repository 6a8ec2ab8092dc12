"""dropoutLayer: inverted dropout while training."""
from __future__ import annotations

from ..core.arguments import name_value_pairs
from ..core.dlarray import DLArray
from .base import Layer, _name, _probability


class DropoutLayer(Layer):
    _display = "DropoutLayer"
    _type = "Dropout"
    _default_name = "dropout"
    _props = {"Name": ("", _name), "Probability": (0.5, _probability)}
    _groups = (("Hyperparameters", ("Probability",)),)

    def _description(self):
        return f"{self.Probability * 100:g}% dropout"

    def _forward(self, X, training, state):
        p = self.Probability
        if not training or p == 0:
            return X, state
        from ..core.backend import array_namespace, generator
        xp = array_namespace(X._data)
        keep = generator().random(X.shape) >= p
        mask = xp.asarray((keep / (1 - p)).astype(X.dtype))   # inverted dropout, as MATLAB
        return X * DLArray._new(mask, X._fmt), state


@name_value_pairs(0, names=lambda: DropoutLayer._props)
def dropoutLayer(probability=0.5, **options):
    """MATLAB's ``dropoutLayer(probability)``: inverted dropout while training."""
    return DropoutLayer(Probability=probability, **options)
