"""MATLAB's ``activations``: the output of a named layer of a trained network on
sequences (as in MATLAB's "Visualize Activations of LSTM Network")."""
from __future__ import annotations

import numpy as np

from ..core.arguments import came, name_value_pairs
from ..core.options import ACTIVATION_OUTPUTS, choose
from ..networks.graph import resolve_output
from ..networks.network import check_network
from .dataformats import network_observations
from .prediction import (_PredictOptions, _check_mbs, _predict_batches, _sequence_option_names,
                         _with_sequence_options)


__all__ = ["activations"]


@name_value_pairs(3, names=lambda: ["MiniBatchSize", "OutputAs", "InputDataFormats"]
                  + _sequence_option_names())
@_with_sequence_options
def activations(net, X, layer, *, MiniBatchSize=128, OutputAs="channels",
                InputDataFormats="auto", **seq_options):
    """Compute deep learning network layer activations, MATLAB's ``activations``.

    Syntax::

        act = dl.activations(net, X, layer)
        act = dl.activations(net, X, layer, MiniBatchSize=27)   # or ..., "MiniBatchSize", 27
        act = dl.activations(net, X, layer, OutputAs="rows")

    Runs the network in inference mode on the sequences X, as :func:`predict` does
    (mini-batches padded the same way, each from the initial state), and returns the
    output of ``layer`` instead of the network's.

    Input arguments:
        net: a SeriesNetwork or DAGNetwork (from trainNetwork) or a dlnetwork, with one
            input layer.
        X: a list of C x T sequences, one C x T array (one sequence), or a datastore
            whose reads' first column is the predictors (InputDataFormats as in
            predict).
        layer: the layer's name, or "layerName/outputName" for a layer with several
            outputs.  An output layer gives its input.
        MiniBatchSize: 128 (default) | positive integer.  Sequences per mini-batch.
        OutputAs: 'channels' (default) | 'rows' | 'columns'.  For a layer without a
            time dimension (an LSTM with OutputMode 'last', the layers after it): a C x N
            matrix ('channels', 'columns') or an N x C one ('rows').  A layer with a
            time dimension gives sequences: 'channels' only.

    Output arguments:
        act: for a layer with a time dimension, a list of C x T arrays, one per sequence
            (padded steps left out; one C x T array when X is one sequence), C the
            layer's output channels; otherwise a C x N (or N x C) array.

    Differences from MATLAB: MATLAB recommends ``minibatchpredict(net, X,
    Outputs=layer)`` since R2024a (dlarr: ``predict(net, X, Outputs=layer)`` for a
    dlnetwork on dlarrays); layers are given by name (not by index); sequences, image
    sequences and feature data (an N-by-F array) only.

    Example::

        XTrain, YTrain = dl.japaneseVowelsTrainData()
        layers = [dl.sequenceInputLayer(12), dl.lstmLayer(20, OutputMode="last"),
                  dl.fullyConnectedLayer(9), dl.softmaxLayer(), dl.classificationLayer()]
        net = dl.trainNetwork(XTrain[:54], YTrain[:54], layers,
                              dl.trainingOptions("adam", MaxEpochs=1, Verbose=False))
        features = dl.activations(net, XTrain[0], "lstm")   # 20 x 1: the last hidden state
        # with OutputMode="sequence": a 20 x T array, one column per time step
    """
    fname = "activations"
    check_network(net, fname)
    if not isinstance(layer, str):
        raise TypeError(f"{fname}: layer must be a layer name (a string, or "
                        f"'layerName/outputName'), not {came(layer)}")
    if not net.Initialized:
        raise RuntimeError(f"{fname}: the network is not initialized; call initialize(net) "
                           "first")
    out = resolve_output(layer, net._layers, fname, "layer")
    how = choose(OutputAs, ACTIVATION_OUTPUTS, fname, "OutputAs")
    has_time = net._sizes[out][1]
    if has_time and how != "channels":
        raise ValueError(f"{fname}: OutputAs {how!r} is for layers without a time dimension; "
                         f"layer {layer!r} outputs sequences (use OutputAs='channels')")
    X = network_observations(X, net, InputDataFormats, fname)[0]
    outs, single = _predict_batches(net, X, _check_mbs(MiniBatchSize, fname),
                                    _PredictOptions(**seq_options, fname=fname), False, fname,
                                    outputs=[out])
    if has_time:
        return outs[0] if single else outs
    act = np.stack(outs, axis=1)                 # C x N
    return act.T if how == "rows" else act
