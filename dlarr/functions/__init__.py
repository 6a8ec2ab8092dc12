"""MATLAB's deep learning functions on dlarray, with their derivatives.

lstm, gru (and the input rules they share, ``recurrent``), fullyconnect, the
activations, attention, normalization (batchnorm, layernorm, instancenorm, groupnorm),
dlconv (``conv``) and maxpool/avgpool (``pooling``) on their shared window geometry
(``windows``), flatten, losses, encodings, sequence padding (``sequences``: padsequences),
initializers, and the functional optimizers with
clipgradients.  Imports from ``dlarr.core`` and ``dlarr.kernels`` only.
"""
