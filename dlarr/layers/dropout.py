"""dropoutLayer: inverted dropout while training."""
from __future__ import annotations

from ..core.arguments import name_value_pairs
from ..core.dlarray import DLArray
from .base import Layer, _name, _probability, layer_help


class DropoutLayer(Layer):
    _display = "DropoutLayer"
    _type = "Dropout"
    _default_name = "dropout"
    _props = {"Name": ("", _name), "Probability": (0.5, _probability)}
    _groups = (("Hyperparameters", ("Probability",)),)
    _help = {"Probability": "Probability of dropping out input elements.  In training "
                            "(trainNetwork, trainnet, a dlnetwork's forward) the layer sets "
                            "each input element to zero with this probability and scales the "
                            "others by 1/(1 - Probability) (inverted dropout, as MATLAB); in "
                            "prediction (predict, classify) it passes the input through."}

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
@layer_help(DropoutLayer)
def dropoutLayer(probability=0.5, **options):
    """Dropout layer, MATLAB's ``dropoutLayer``.

    A dropout layer randomly sets input elements to zero with a given probability, while
    training; the mask comes from dlarr's random generator (seeded by :func:`dlarr.rng`).

    Example::

        layer = dl.dropoutLayer()                        # Probability 0.5
        layer = dl.dropoutLayer(0.2, Name="drop1")       # MATLAB: dropoutLayer(0.2,'Name','drop1')
        layer = dl.dropoutLayer(0.2, "Name", "drop1")    # MATLAB's positional pairs
    """
    return DropoutLayer(Probability=probability, **options)
