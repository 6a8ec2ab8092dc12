"""MATLAB's deep learning functions on dlarray, with their derivatives.

lstm, gru (and the input rules they share, ``recurrent``), fullyconnect, the
activations, losses, encodings, sequence padding (``sequences``: padsequences),
initializers, and the functional optimizers with
clipgradients.  Imports from ``dlarr.core`` and ``dlarr.kernels`` only.
"""
