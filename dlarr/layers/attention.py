"""Transformer layers: selfAttentionLayer, positionEmbeddingLayer, wordEmbeddingLayer.

Their forward passes are :func:`dlarr.functions.attention.attention` (with
:func:`dlarr.fullyconnect` for the projections) and :func:`dlarr.embed`.
"""
from __future__ import annotations

import numbers

import numpy as np

from ..core import options as V
from ..core.arguments import came, name_value_pairs
from ..core.backend import array_namespace
from ..core.dlarray import DLArray
from ..core.options import choose
from .base import (Layer, _array_or_empty, _auto_or_pos_int, _choice, _initializer, _name,
                   _pos_int, _probability, layer_help)

from ..core.options import (ATTENTION_MASKS, EMBEDDING_WEIGHT_INITIALIZERS,  # noqa: E402
                            OOV_MODES, POSITION_DIMENSIONS)   # (the vocabulary)

_PARTS = ("Query", "Key", "Value", "Output")


# --------------------------------------------------------------------------
# Validators
# --------------------------------------------------------------------------

def _false_only(what):
    """A logical that dlarr supports only as false (the extra port needs DAG networks)."""
    def check(v, name, layer):
        if isinstance(v, (bool, np.bool_)) or (isinstance(v, numbers.Integral) and v in (0, 1)):
            if not v:
                return False
            raise ValueError(f"{type(layer).__name__}: {name}=true ({what}) is not supported "
                             "yet: dlarr's networks are layer series with one input and one "
                             "output per layer; leave it false")
        raise TypeError(f"{type(layer).__name__}: {name} must be true or false, not {came(v)}")
    check.values = ("logical (false only)",)
    return check


def _attention_mask(v, name, layer):
    """'none', 'causal' or a logical/numeric Nk x Nq (x numObservations) array."""
    if isinstance(v, str):
        return choose(v, ATTENTION_MASKS, type(layer).__name__, name)
    data = v._data if isinstance(v, DLArray) else v
    data = data.get() if hasattr(data, "get") else data
    a = np.asarray(data) if hasattr(data, "shape") or isinstance(data, (list, tuple)) else None
    if a is None or a.dtype.kind not in "biuf" or a.ndim not in (2, 3):
        raise ValueError(f"{type(layer).__name__}: {name} must be 'none', 'causal' or a logical "
                         f"or numeric array of size Nk x Nq (x numObservations), not {came(v)}")
    return a


_attention_mask.options = ATTENTION_MASKS
_attention_mask.values = ("'none'", "'causal'", "logical or numeric array")


def _factor4(v, name, layer):
    """A nonnegative scalar, or a 1-by-4 vector (query, key, value, output)."""
    try:
        bad = isinstance(v, (str, bool, DLArray, np.bool_)) or (
            isinstance(v, (list, tuple)) and any(isinstance(x, (bool, np.bool_)) for x in v))
        arr = None if bad else np.asarray(v, dtype=float)
    except (TypeError, ValueError):
        arr = None
    if arr is None or not (arr.ndim <= 1 or (arr.ndim == 2 and arr.shape[0] == 1)) \
            or arr.size not in (1, 4) or not np.all(np.isfinite(arr)) or not np.all(arr >= 0):
        raise ValueError(f"{type(layer).__name__}: {name} must be a nonnegative scalar or a "
                         f"1x4 vector (for the query, key, value and output parameters), not "
                         f"{repr(v) if isinstance(v, numbers.Number) else came(v)}")
    return float(arr.ravel()[0]) if arr.size == 1 else tuple(float(a) for a in arr.ravel())


_factor4.values = ("nonnegative scalar", "1-by-4 vector")


# --------------------------------------------------------------------------
# selfAttentionLayer
# --------------------------------------------------------------------------

def _init_help(part, kind):
    if kind == "Weights":
        return (f"Function to initialize the {part.lower()} weights: 'glorot' (default; "
                "uniform with zero mean and variance 2/(numIn + numOut)), 'he' (normal with "
                "zero mean and variance 2/numIn), 'orthogonal', 'narrow-normal' (normal, "
                "standard deviation 0.01), 'zeros', 'ones', or a function weights = f(sz).  "
                f"Used only when {part}Weights is empty.")
    return (f"Function to initialize the {part.lower()} bias: 'zeros' (default), "
            "'narrow-normal', 'ones', or a function bias = f(sz).  Used only when "
            f"{part}Bias is empty.")


_SIZES = {"Query": ("NumKeyChannels", "InputSize"), "Key": ("NumKeyChannels", "InputSize"),
          "Value": ("NumValueChannels", "InputSize"), "Output": ("OutputSize", "NumValueChannels")}


def _param_help(part, kind):
    rows, cols = _SIZES[part]
    size = f"a {rows}-by-{cols} matrix" if kind == "Weights" else f"a {rows}-by-1 vector"
    return (f"{part} {'weights' if kind == 'Weights' else 'biases'}, {size} (InputSize: the "
            "channels of the layer's input).  A learnable parameter: training starts from the "
            f"value given, or, when it is [] (the default), from {part}{kind}Initializer when "
            "the network is initialized.")


class SelfAttentionLayer(Layer):
    _display = "SelfAttentionLayer"
    _type = "Self-Attention"
    _default_name = "selfattention"
    _learnables = tuple(p + "Weights" for p in _PARTS) + tuple(p + "Bias" for p in _PARTS)
    _props = {
        "Name": ("", _name),
        "NumHeads": (None, _pos_int),
        "NumKeyChannels": (None, _pos_int),
        "NumValueChannels": ("auto", _auto_or_pos_int),
        "OutputSize": ("auto", _auto_or_pos_int),
        "HasPaddingMaskInput": (False, _false_only("a second input, the padding mask")),
        "HasScoresOutput": (False, _false_only("a second output, the attention scores")),
        "AttentionMask": ("none", _attention_mask),
        "DropoutProbability": (0.0, _probability),
        **{p + "WeightsInitializer": ("glorot", _initializer(*V.WEIGHT_INITIALIZERS))
           for p in _PARTS},
        **{p + "BiasInitializer": ("zeros", _initializer(*V.BIAS_INITIALIZERS)) for p in _PARTS},
        **{n: (None, _array_or_empty) for n in _learnables},
        "WeightLearnRateFactor": (1.0, _factor4),
        "BiasLearnRateFactor": (1.0, _factor4),
        "WeightL2Factor": (1.0, _factor4),
        "BiasL2Factor": (0.0, _factor4),
    }
    _groups = (("Hyperparameters", ("NumHeads", "NumKeyChannels", "NumValueChannels",
                                    "OutputSize", "HasPaddingMaskInput", "HasScoresOutput",
                                    "AttentionMask", "DropoutProbability")),
               ("Learnable Parameters", _learnables))
    _help = {
        "NumHeads": "Number of attention heads, a positive integer dividing NumKeyChannels "
                    "(and NumValueChannels).  Each head attends with its own block of "
                    "NumKeyChannels/NumHeads query and key channels.",
        "NumKeyChannels": "Number of channels of the keys and queries, a positive integer "
                          "divisible by NumHeads.",
        "NumValueChannels": "Number of channels of the values: 'auto' (NumKeyChannels) or a "
                            "positive integer divisible by NumHeads.",
        "OutputSize": "Number of channels of the output: 'auto' (the number of input "
                      "channels) or a positive integer.",
        "HasPaddingMaskInput": "Whether the layer has a second input, a padding mask ('mask'). "
                               "dlarr supports false only (its networks give each layer one "
                               "input); the function attention takes a PaddingMask.",
        "HasScoresOutput": "Whether the layer has a second output, the attention scores "
                           "('scores').  dlarr supports false only; attention(..., nargout=2) "
                           "returns the weights.",
        "AttentionMask": "Attention mask: 'none' (every position attends to every position), "
                         "'causal' (position m attends to positions n <= m only: "
                         "auto-regressive models), or a logical or numeric array of size "
                         "Nk x Nq (x numObservations) whose zeros forbid attention.",
        "DropoutProbability": "Dropout probability of the attention weights while training "
                              "(forward, trainnet, trainNetwork), a number in [0, 1); "
                              "prediction uses no dropout.",
        **{p + "WeightsInitializer": _init_help(p, "Weights") for p in _PARTS},
        **{p + "BiasInitializer": _init_help(p, "Bias") for p in _PARTS},
        **{p + k: _param_help(p, k) for p in _PARTS for k in ("Weights", "Bias")},
        "WeightLearnRateFactor": "Learning rate factor for the weights: a nonnegative scalar, "
                                 "or a 1-by-4 vector of the factors of QueryWeights, "
                                 "KeyWeights, ValueWeights and OutputWeights.  The global "
                                 "learning rate times this factor is their learning rate.",
        "BiasLearnRateFactor": "Learning rate factor for the biases: a nonnegative scalar, or "
                               "a 1-by-4 vector (QueryBias, KeyBias, ValueBias, OutputBias).",
        "WeightL2Factor": "L2 regularization factor for the weights: a nonnegative scalar, or "
                          "a 1-by-4 vector (query, key, value, output).  trainingOptions' "
                          "L2Regularization times this factor is their L2 regularization.",
        "BiasL2Factor": "L2 regularization factor for the biases: a nonnegative scalar (0 by "
                        "default: biases are not regularized), or a 1-by-4 vector.",
    }

    def _description(self):
        return (f"Self-attention with {self.NumHeads} heads and {self.NumKeyChannels} key "
                "channels")

    def _sizes(self, in_size):
        where = f"Layer '{self.Name}' ({self._display})"
        h, k = self.NumHeads, self.NumKeyChannels
        if h is None or k is None:
            raise ValueError(f"{where}: NumHeads and NumKeyChannels must be set; create the "
                             "layer with dl.selfAttentionLayer(numHeads, numKeyChannels)")
        v = k if self.NumValueChannels == "auto" else self.NumValueChannels
        o = in_size if self.OutputSize == "auto" else self.OutputSize
        for what, n in (("NumKeyChannels", k), ("NumValueChannels", v)):
            if n % h:
                raise ValueError(f"{where}: NumHeads ({h}) must divide {what} ({n})")
        return h, k, v, o

    def _setup(self, in_size, has_time, dtype):
        _, k, v, o = self._sizes(in_size)
        object.__setattr__(self, "NumValueChannels", v)      # 'auto' resolved, as MATLAB's
        object.__setattr__(self, "OutputSize", o)
        sizes = {"Query": (k, in_size), "Key": (k, in_size), "Value": (v, in_size),
                 "Output": (o, v)}
        for part, (rows, cols) in sizes.items():
            self._init_param(part + "Weights", getattr(self, part + "WeightsInitializer"),
                             (rows, cols), cols, rows, dtype)
            self._init_param(part + "Bias", getattr(self, part + "BiasInitializer"),
                             (rows, 1), cols, rows, dtype)
        return o, has_time

    def _forward(self, X, training, state):
        from ..functions.attention import attention
        from ..functions.fullyconnect import fullyconnect
        Q, K, Vv = (fullyconnect(X, getattr(self, p + "Weights"), getattr(self, p + "Bias"))
                    for p in _PARTS[:3])
        p = self.DropoutProbability if training else 0.0
        Y = attention(Q, K, Vv, self.NumHeads, AttentionMask=self.AttentionMask,
                      DropoutProbability=p)
        return fullyconnect(Y, self.OutputWeights, self.OutputBias), state

    def _factors(self, name):
        kind = "Weight" if name.endswith("Weights") else "Bias"
        i = _PARTS.index(name[:-len("Weights")] if kind == "Weight" else name[:-len("Bias")])
        lr, l2 = getattr(self, kind + "LearnRateFactor"), getattr(self, kind + "L2Factor")
        return tuple(v[i] if isinstance(v, tuple) else v for v in (lr, l2))


@name_value_pairs(2, names=lambda: SelfAttentionLayer._props)
@layer_help(SelfAttentionLayer)
def selfAttentionLayer(numHeads, numKeyChannels, **options):
    """Self-attention layer, MATLAB's ``selfAttentionLayer``.

    A self-attention layer computes single-head or multihead self-attention of its
    input: it computes the queries, keys and values from the input (``Q = QueryWeights
    * X + QueryBias``, and likewise K and V), the scaled dot-product attention of each
    head (:func:`dlarr.attention`, over the time steps), merges the heads, and applies
    a linear transformation (``OutputWeights * Y + OutputBias``).

    Differences from MATLAB: HasPaddingMaskInput and HasScoresOutput must be false
    (dlarr's networks give each layer one input and one output; the function
    :func:`dlarr.attention` takes a PaddingMask and returns the weights); padded time
    steps of a mini-batch are attended to, as in MATLAB without a padding mask input.

    Example::

        layer = dl.selfAttentionLayer(4, 16)        # MATLAB: selfAttentionLayer(4,16)
        layer = dl.selfAttentionLayer(2, 8, AttentionMask="causal", Name="att")
        net = dl.dlnetwork([dl.sequenceInputLayer(3), layer, dl.fullyConnectedLayer(2)])
        net.Layers[1].QueryWeights.shape            # (8, 3)
    """
    layer = SelfAttentionLayer(NumHeads=numHeads, NumKeyChannels=numKeyChannels, **options)
    h = layer.NumHeads
    for what in ("NumKeyChannels", "NumValueChannels"):
        n = getattr(layer, what)
        if isinstance(n, int) and n % h:
            raise ValueError(f"SelfAttentionLayer: NumHeads ({h}) must divide {what} ({n})")
    return layer


# --------------------------------------------------------------------------
# Embeddings
# --------------------------------------------------------------------------

def _embedding_init_help(num_in):
    return ("Function to initialize the weights: 'narrow-normal' (default; normal with zero "
            "mean and standard deviation 0.01), 'glorot' (uniform with zero mean and variance "
            f"2/(numIn + numOut), numIn = {num_in}, numOut = the embedding size), 'he' "
            f"(normal with zero mean and variance 2/numIn), 'orthogonal', 'zeros', 'ones', "
            "or a function weights = f(sz).  Used only when Weights is empty.")


_WEIGHT_FACTOR_HELP = {
    "WeightLearnRateFactor": "Learning rate factor for the weights: the global learning rate "
                             "times this factor is their learning rate; 0 freezes them.",
    "WeightL2Factor": "L2 regularization factor for the weights: trainingOptions' "
                      "L2Regularization times this factor is their L2 regularization.",
}


def _factor1(v, name, layer):
    if isinstance(v, bool) or not isinstance(v, numbers.Real) or not np.isfinite(v) or v < 0:
        raise ValueError(f"{type(layer).__name__}: {name} must be a nonnegative scalar, not "
                         f"{repr(v) if isinstance(v, numbers.Number) else came(v)}")
    return float(v)


_factor1.values = ("nonnegative scalar",)


class PositionEmbeddingLayer(Layer):
    _display = "PositionEmbeddingLayer"
    _type = "Position Embedding"
    _default_name = "positionembedding"
    _learnables = ("Weights",)
    _factor_prefix = {"Weights": "Weight"}
    _props = {
        "Name": ("", _name),
        "OutputSize": (None, _pos_int),
        "MaxPosition": (None, _pos_int),
        "PositionDimension": ("auto", _choice(*POSITION_DIMENSIONS)),
        "WeightsInitializer": ("narrow-normal", _initializer(*EMBEDDING_WEIGHT_INITIALIZERS)),
        "Weights": (None, _array_or_empty),
        "WeightLearnRateFactor": (1.0, _factor1),
        "WeightL2Factor": (1.0, _factor1),
    }
    _groups = (("Hyperparameters", ("OutputSize", "MaxPosition", "PositionDimension")),
               ("Learnable Parameters", ("Weights",)))
    _help = {
        "OutputSize": "Number of channels of the layer output (the embedding size), a "
                      "positive integer.",
        "MaxPosition": "Maximum sequence length (or spatial index) of the layer input, a "
                       "positive integer: longer input is an error.",
        "PositionDimension": "Dimension of the positions to embed: 'auto' (the time steps of "
                             "sequence input, the spatial positions of 1-D image input), "
                             "'temporal' (the 'T' dimension) or 'spatial' (the one 'S' "
                             "dimension).",
        "WeightsInitializer": _embedding_init_help("MaxPosition"),
        "Weights": "Position embeddings, an OutputSize-by-MaxPosition matrix: column t is the "
                   "vector of position t.  A learnable parameter, initialized by "
                   "WeightsInitializer when it is [] (the default).",
        **_WEIGHT_FACTOR_HELP,
    }

    def _description(self):
        return (f"Position embedding with output size {self.OutputSize} and maximum "
                f"position {self.MaxPosition}")

    def _setup(self, in_size, has_time, dtype):
        where = f"Layer '{self.Name}' ({self._display})"
        if self.OutputSize is None or self.MaxPosition is None:
            raise ValueError(f"{where}: OutputSize and MaxPosition must be set; create the "
                             "layer with dl.positionEmbeddingLayer(outputSize, maxPosition)")
        if not has_time and self.PositionDimension in ("auto", "temporal"):
            raise ValueError(f"{where}: PositionDimension '{self.PositionDimension}' embeds the "
                             "time steps, but the layer's input has no time dimension")
        O, P = self.OutputSize, self.MaxPosition
        self._init_param("Weights", self.WeightsInitializer, (O, P), P, O, dtype)
        return O, has_time

    def _position_axis(self, X):
        fmt, want = X._fmt, self.PositionDimension
        if want in ("auto", "temporal") and "T" in fmt:
            return fmt.index("T")
        if want in ("auto", "spatial") and fmt.count("S") == 1:
            return fmt.index("S")
        needs = {"auto": "a 'T' dimension or one 'S' dimension", "temporal": "a 'T' dimension",
                 "spatial": "one 'S' dimension"}[want]
        raise ValueError(f"Layer '{self.Name}' ({self._display}): PositionDimension '{want}' "
                         f"needs input with {needs}; the input has format {fmt!r}")

    def _forward(self, X, training, state):
        from ..core.structural import _broadcast_to, _getitem, _reshape, _transpose
        from ..core.registry import bind
        fmt = X._fmt
        pos, c = self._position_axis(X), fmt.index("C")
        n = X.shape[pos]
        if n > self.MaxPosition:
            raise ValueError(f"Layer '{self.Name}' ({self._display}): the input has {n} "
                             f"positions along '{fmt[pos]}', more than MaxPosition "
                             f"{self.MaxPosition}")
        W = self.Weights
        E = bind(_getitem, [W._relabelled()], "", key=(slice(None),
                                                                           slice(0, n)))
        if pos < c:                                      # an S dimension comes before C
            E = bind(_transpose, [E], "", perm=(1, 0))
        view = tuple(self.OutputSize if i == c else n if i == pos else 1
                     for i in range(len(fmt)))
        full = tuple(self.OutputSize if i == c else k for i, k in enumerate(X.shape))
        E = bind(_broadcast_to, [bind(_reshape, [E], "", shape=view)], "", shape=full)
        return E._relabelled(fmt), state


@name_value_pairs(2, names=lambda: PositionEmbeddingLayer._props)
@layer_help(PositionEmbeddingLayer)
def positionEmbeddingLayer(outputSize, maxPosition, **options):
    """Position embedding layer, MATLAB's ``positionEmbeddingLayer``.

    A position embedding layer maps sequential or spatial indices to vectors: its output
    at time step t (or spatial position t) is column t of Weights, for every
    observation, whatever the input's values.  Transformer networks add it to the
    embedded input (an additionLayer).

    The output has the input's format and size, with OutputSize channels: "CBT" input
    of T <= MaxPosition time steps gives OutputSize x B x T.

    Differences from MATLAB: none known in the operation; adding the embedding to the
    input needs an additionLayer in a layer graph, which dlarr's series networks do
    not have yet.

    Example::

        layer = dl.positionEmbeddingLayer(16, 100)      # MATLAB: positionEmbeddingLayer(16,100)
        net = dl.dlnetwork([dl.sequenceInputLayer(3), layer])
        Y = dl.predict(net, dl.dlarray(np.zeros((3, 2, 10)), "CBT"))   # 16(C) x 2(B) x 10(T)
    """
    return PositionEmbeddingLayer(OutputSize=outputSize, MaxPosition=maxPosition, **options)


class WordEmbeddingLayer(Layer):
    _display = "WordEmbeddingLayer"
    _type = "Word Embedding Layer"
    _default_name = "wordembedding"
    _learnables = ("Weights",)
    _factor_prefix = {"Weights": "Weight"}
    _props = {
        "Name": ("", _name),
        "Dimension": (None, _pos_int),
        "NumWords": (None, _pos_int),
        "OOVMode": ("map-to-last", _choice(*OOV_MODES)),
        "WeightsInitializer": ("narrow-normal", _initializer(*EMBEDDING_WEIGHT_INITIALIZERS)),
        "Weights": (None, _array_or_empty),
        "WeightLearnRateFactor": (1.0, _factor1),
        "WeightL2Factor": (1.0, _factor1),
    }
    _groups = (("Hyperparameters", ("Dimension", "NumWords", "OOVMode")),
               ("Learnable Parameters", ("Weights",)))
    _help = {
        "Dimension": "Dimension of the word embedding (the output's channels), a positive "
                     "integer.",
        "NumWords": "Number of words in the model, a positive integer: the input holds word "
                    "indices 1..NumWords.",
        "OOVMode": "Out-of-vocabulary handling: 'map-to-last' (every index outside "
                   "1..NumWords, the padding value 0 included, maps to the last column of "
                   "Weights, column NumWords+1) or 'error' (such an index is an error; for "
                   "vocabularies with their own unknown-word token).",
        "WeightsInitializer": _embedding_init_help("NumWords + 1 ('map-to-last') or NumWords"),
        "Weights": "Word embeddings, a Dimension-by-(NumWords+1) matrix ('map-to-last': the "
                   "last column is the out-of-vocabulary vector) or Dimension-by-NumWords "
                   "('error'); column i is the vector of word index i.  A Dimension-by-"
                   "NumWords matrix given with 'map-to-last' gets the extra column appended "
                   "(from WeightsInitializer) when the network is initialized.  A learnable "
                   "parameter.",
        **_WEIGHT_FACTOR_HELP,
    }

    def _description(self):
        return (f"Word embedding layer with {self.Dimension} dimensions and {self.NumWords} "
                "unique words")

    def _setup(self, in_size, has_time, dtype):
        where = f"Layer '{self.Name}' ({self._display})"
        if self.Dimension is None or self.NumWords is None:
            raise ValueError(f"{where}: Dimension and NumWords must be set; create the layer "
                             "with dl.wordEmbeddingLayer(dimension, numWords)")
        if in_size != 1:
            raise ValueError(f"{where}: the input must have one channel (word indices); it "
                             f"has {in_size}")
        D, N = self.Dimension, self.NumWords
        cols = N + 1 if self.OOVMode == "map-to-last" else N
        W = self.Weights
        if W is not None and cols == N + 1 and tuple(W.shape) == (D, N):
            from ..core.create import dlarray
            extra = Layer._with(self, Weights=None)          # the OOV column, initialized
            extra._init_param("Weights", self.WeightsInitializer, (D, 1), cols, D, dtype)
            w = np.asarray(W._data.get() if hasattr(W._data, "get") else W._data)
            object.__setattr__(self, "Weights", dlarray(np.concatenate(
                [w.astype(dtype), np.asarray(extra.Weights._data)], axis=1)))
        self._init_param("Weights", self.WeightsInitializer, (D, cols), cols, D, dtype)
        return D, has_time

    def _indices(self, X):
        """MATLAB's 1-based word indices of X as dlarr's 0-based ones (out-of-vocabulary
        mapped to the last column, or an error)."""
        where = f"Layer '{self.Name}' ({self._display})"
        data = X._data
        xp = array_namespace(data)
        if data.dtype.kind == "f":
            if data.size and not bool(xp.all(data == xp.round(data))):
                bad = data[data != xp.round(data)].ravel()[0]
                raise ValueError(f"{where}: the input must hold whole-number word indices; it "
                                 f"holds {float(bad)!r}")
        elif data.dtype.kind not in "iub":
            raise TypeError(f"{where}: the input must hold word indices, not {data.dtype}")
        idx = data.astype(np.int64) - 1
        oov = (idx < 0) | (idx >= self.NumWords)
        if data.size and bool(oov.any()):
            if self.OOVMode == "error":
                bad = int(data[oov].ravel()[0])
                raise ValueError(f"{where}: word index {bad} is out of vocabulary (the layer "
                                 f"has words 1..{self.NumWords} and OOVMode 'error')")
            idx = xp.where(oov, self.NumWords, idx)
        return DLArray._new(idx, X._fmt)

    def _forward(self, X, training, state):
        from ..functions.encoding import embed
        return embed(self._indices(X), self.Weights), state


@name_value_pairs(2, names=lambda: WordEmbeddingLayer._props)
@layer_help(WordEmbeddingLayer)
def wordEmbeddingLayer(dimension, numWords, **options):
    """Word embedding layer, MATLAB's ``wordEmbeddingLayer``.

    A word embedding layer maps word indices to vectors: input with one channel of
    word indices (a sequenceInputLayer(1)) gives Dimension channels, the column of
    Weights of each index (:func:`dlarr.embed`), and the embeddings are learned in
    training.  "CBT" input of size 1 x B x T gives Dimension x B x T.

    The indices are MATLAB's, 1-based (1..NumWords, as word2ind and doc2sequence give
    them), so that data prepared for MATLAB works unchanged; anything else (0, the
    sequence padding value, included) is out of vocabulary (OOVMode).  dlarr's own
    function :func:`dlarr.embed` takes 0-based indices: the layer converts.

    Differences from MATLAB: non-integer or NaN indices are errors.

    Example::

        layer = dl.wordEmbeddingLayer(50, 1000)         # MATLAB: wordEmbeddingLayer(50,1000)
        net = dl.dlnetwork([dl.sequenceInputLayer(1), layer, dl.lstmLayer(8)])
        net.Layers[1].Weights.shape                     # (50, 1001): the last column for OOV
        Y = dl.predict(net, dl.dlarray(np.array([[[3, 1, 999, 0]]]), "CBT"))   # 8 x 1 x 4
    """
    return WordEmbeddingLayer(Dimension=dimension, NumWords=numWords, **options)
