"""The layer base class: properties, validation, display, and the network hooks.

``Layer`` is the base of every dlarr layer and the extension point for new ones
(see its docstring, and "A new layer" in docs/extending.md).  This module also
holds the property validators the layer families share, the display helpers
(``_show``, :func:`layer_table`, :func:`disp`) and ``Layer._init_param``, which
initializes a learnable by a name of ``dlarr.functions.initializers.INITIALIZERS``
or by a function ``f(sz)``, and the help composer (:func:`layer_help`: a built-in
constructor's docstring from its class's ``_props`` and ``_help``; :func:`undocumented`).
The layers themselves live one family per module:
``input``, ``recurrent``, ``dense``, ``activation``, ``dropout``, ``output``.
"""
from __future__ import annotations

import copy
import inspect
import math
import difflib
import numbers
import re
import textwrap

import numpy as np

from ..functions import initializers as _init
from ..core.arguments import as_array, came, check_one_kind
from ..core.create import dlarray
from ..core.dlarray import DLArray
from ..core import options as V
from ..core.options import choose

# --------------------------------------------------------------------------
# Property validators: (value, name, layer) -> normalized value.  Each carries
# ``.values``, the texts of the values it takes ("positive integer", "'auto'"),
# which help() lists; validators of string sets also carry ``.options``.
# --------------------------------------------------------------------------


def _name(v, name, layer):
    if not isinstance(v, str):
        raise TypeError(f"{type(layer).__name__}: {name} must be a string, not {came(v)}")
    return v


_name.values = ("string",)


def _pos_int(v, name, layer):
    if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v) \
            or v != int(v) or v < 1:
        raise ValueError(f"{type(layer).__name__}: {name} must be a positive integer, not "
                         f"{repr(v) if isinstance(v, numbers.Number) else came(v)}")
    return int(v)


def _auto_or_pos_int(v, name, layer):
    if isinstance(v, str):
        return choose(v, ("auto",), type(layer).__name__, name)
    return _pos_int(v, name, layer)


_pos_int.values = ("positive integer",)
_auto_or_pos_int.values = ("'auto'", "positive integer")


def _choice(*options):
    """One of ``options``, matched as MATLAB's validatestring does (any case, an
    unambiguous start); the canonical spelling is stored."""
    def check(v, name, layer):
        return choose(v, options, type(layer).__name__, name)
    check.options = options
    return check


def _probability(v, name, layer):
    if isinstance(v, bool) or not isinstance(v, numbers.Real) or not 0 <= v < 1:
        raise ValueError(f"{type(layer).__name__}: {name} must be a number in [0, 1), not "
                         f"{repr(v) if isinstance(v, numbers.Number) else came(v)}")
    return float(v)


_probability.values = ("number in [0, 1)",)


def _factor(ngates):
    """A nonnegative scalar, or (recurrent layers) one value per gate."""
    def check(v, name, layer):
        bad_type = isinstance(v, (str, bool, DLArray)) or (isinstance(v, (list, tuple)) and
                                                            any(isinstance(x, bool) for x in v))
        try:
            arr = None if bad_type else as_array(v, "", "", dtype=float)
        except (TypeError, ValueError):
            arr = None
        ok = arr is not None and (arr.ndim <= 1 or (arr.ndim == 2 and arr.shape[0] == 1)) \
            and arr.size in ((1, ngates) if ngates > 1 else (1,)) \
            and np.all(np.isfinite(arr)) and np.all(arr >= 0)
        if not ok:
            per = f" or a 1x{ngates} vector (one per gate)" if ngates > 1 else ""
            raise ValueError(f"{type(layer).__name__}: {name} must be a nonnegative scalar{per}, "
                             f"not {came(v) if not isinstance(v, numbers.Number) else repr(v)}")
        return float(arr.ravel()[0]) if arr.size == 1 else tuple(float(a) for a in arr.ravel())
    check.values = ("nonnegative scalar",) + ((f"1-by-{ngates} vector",) if ngates > 1 else ())
    return check


def _initializer(*names):
    """A named initializer (matched as validatestring does) or a function f(sz)."""
    def check(v, name, layer):
        if callable(v):
            return v
        if not isinstance(v, str):
            raise ValueError(f"{type(layer).__name__}: {name} must be one of "
                             f"{', '.join(repr(n) for n in names)} or a function weights = f(sz); "
                             f"got {v!r}")
        return choose(v, names, type(layer).__name__, name)
    check.options = names
    check.values = tuple(f"'{n}'" for n in names) + ("function f(sz)",)
    return check


def _integers(v):
    """The numbers of ``v`` (a number or a vector), when they are all finite whole numbers;
    else None (text, logicals, dlarrays and other values too).  Size and padding
    validators check the count and range."""
    if isinstance(v, (str, bool, DLArray)):
        return None
    try:
        a = np.asarray(v)
    except (TypeError, ValueError):
        return None
    if a.dtype.kind not in "iuf" or a.ndim > 2:
        return None
    vals = a.ravel().tolist()
    return vals if all(math.isfinite(x) and x == int(x) for x in vals) else None


def _array_or_empty(v, name, layer):
    """A learnable or state value: [] / None for empty, else an array (kept as given)."""
    if v is None or (isinstance(v, (list, tuple)) and len(v) == 0):
        return None
    if isinstance(v, DLArray):
        return v
    a = as_array(v, type(layer).__name__, name) if not hasattr(v, "dtype") else v
    if np.dtype(a.dtype).kind not in "biuf":
        raise TypeError(f"{type(layer).__name__}: {name} must be numeric, not {came(v)}")
    return dlarray(a)


_array_or_empty.values = ("numeric array",)


def _normalization(v, name, layer):
    """One of MATLAB's normalizations (matched as validatestring does) or a function."""
    if callable(v):
        return v
    if not isinstance(v, str):
        raise TypeError(f"{type(layer).__name__}: {name} must be one of "
                        f"{', '.join(repr(o) for o in V.NORMALIZATIONS)} or a function; got {v!r}")
    return choose(v, V.NORMALIZATIONS, type(layer).__name__, name)


_normalization.options = V.NORMALIZATIONS
_normalization.values = tuple(f"'{n}'" for n in V.NORMALIZATIONS) + ("function Y = f(X)",)


def _any(v, name, layer):
    return v


_any.values = ("any value",)


def _classes(v, name, layer):
    """'auto' (the sorted labels of the training data) or the classes in order."""
    if isinstance(v, str):
        return choose(v, ("auto",), type(layer).__name__, name)
    where = type(layer).__name__
    bad = isinstance(v, (dict, set, DLArray)) or not hasattr(v, "__len__")
    if not bad:
        check_one_kind(v, where, name)
        arr = as_array(v.string() if hasattr(v, "string") else v, where, name, kinds="biufUS")
    if bad or arr.ndim == 0 or arr.size == 0:
        raise ValueError(f"{where}: {name} must be 'auto' or a list of classes, not {came(v)}")
    classes = tuple(arr.ravel().tolist())
    if len(set(classes)) != len(classes):
        raise ValueError(f"{where}: {name} must not repeat a class; it has {list(classes)}")
    return classes


_classes.values = ("'auto'", "list of class names")


def _class_weights(v, name, layer):
    """'none' or one positive weight per class (in the order of Classes)."""
    if isinstance(v, str):
        return choose(v, ("none",), type(layer).__name__, name)
    try:
        arr = None if isinstance(v, (bool, DLArray)) else as_array(v, "", "", dtype=float)
    except (TypeError, ValueError):
        arr = None
    if arr is None or arr.ndim > 1 or arr.size == 0 or not np.all(np.isfinite(arr)) \
            or not np.all(arr > 0):
        raise ValueError(f"{type(layer).__name__}: {name} must be 'none' or a vector of positive "
                         f"weights, one per class; got {came(v)}")
    return tuple(float(x) for x in arr.ravel())


_class_weights.values = ("'none'", "vector of positive weights")


# --------------------------------------------------------------------------
# Display helpers
# --------------------------------------------------------------------------

def _show(v):
    if v is None:
        return "[]"
    if isinstance(v, str):
        return f"'{v}'"
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, tuple):
        return "[" + " ".join(_show(x) for x in v) + "]"
    if isinstance(v, float) and v == int(v) and abs(v) < 1e15:
        return str(int(v))
    if isinstance(v, DLArray) or hasattr(v, "shape"):
        shape = v.shape if len(v.shape) >= 2 else tuple(v.shape) + (1,) * (2 - len(v.shape))
        dtype = str(getattr(v, "dtype", type(v).__name__))       # a categorical: "categorical"
        kind = {"float32": "single", "float64": "double", "bool": "logical"}.get(dtype, dtype)
        return f"[{'x'.join(str(n) for n in shape)} {kind}]"
    if callable(v):
        return f"@{getattr(v, '__name__', 'function')}"
    return str(v)


_FACTOR_PROPS = ("LearnRateFactor", "L2Factor")
_PORTS = ("NumInputs", "InputNames", "NumOutputs", "OutputNames")   # MATLAB's read-only ports


def _declared_below_layer(cls, attr):
    """True when a class between ``cls`` and :class:`Layer` declares ``attr`` (a
    value derived from a class's name is not a declaration: each class derives its own)."""
    for k in cls.__mro__:
        if k is Layer:
            return False
        if attr in k.__dict__ and attr not in k.__dict__.get("_derived", ()):
            return True
    return False


def _name_from_class(name):
    """The default layer name a class name gives: "ScaleLayer" -> "scale"."""
    base = re.sub(r"Layer$", "", name.lstrip("_")) or name.lstrip("_") or "layer"
    return base.lower()


class Layer:
    """Base class of dlarr's layers (MATLAB's ``nnet.cnn.layer.Layer``), and the
    extension point for new layers.

    A layer is a set of MATLAB properties (hyperparameters, learnables, states),
    validated when set, and a few hooks the network calls.  A new layer
    subclasses ``Layer``, declares its properties and learnables, and defines
    ``_setup`` and ``_forward``; everything else has a default.

    What a subclass declares (class attributes):

    * ``_props``: ``{name: (default, validator)}`` in display order;
      ``validator(value, name, layer)`` returns the value to store or raises
      (validators for string sets carry ``.options``).  ``Name`` is added first,
      and each name of ``_learnables``/``_states`` with default ``[]`` (None)
      and an array validator, when the subclass leaves them out.
    * ``_learnables``: the learnable properties, in the order of
      ``net.Learnables`` (a learnable still empty, None, is not listed);
      ``_states``: the state properties (``net.State``).
    * ``_display``: the class name MATLAB shows ("LSTMLayer"); ``_type``: the
      type column of a layer array ("LSTM"); both default to the class name.
    * ``_default_name``: the name a network gives the layer when its Name is
      empty ("lstm"; "lstm_1", "lstm_2", ... for several, as MATLAB); by default the class name without a
      trailing "Layer", in lower case ("ScaleLayer" -> "scale").
    * ``_groups``: ``((title, names), ...)``, the sections of the properties
      display; by default "Hyperparameters" (the other properties, less the
      learn-rate and L2 factors), "Learnable Parameters" and "State Parameters".
    * ``_factor_prefix``: ``{learnable: prefix}`` for a learnable whose factor
      properties are not named after it (fullyConnectedLayer's ``Weights`` has
      ``WeightLearnRateFactor``/``WeightL2Factor``: ``{"Weights": "Weight"}``).
    * ``_help``: ``{property: description}``, one text per property (merged
      along the base classes; ``Layer`` describes ``Name``).  The built-in
      constructors' ``help()`` is composed from it and ``_props`` by
      :func:`layer_help`, which makes a property without a description an
      error at import; :func:`undocumented` lists what a class leaves out.

    What the network calls, and when:

    * ``dlnetwork(layers)`` / ``trainNetwork`` copy the layers and name the
      unnamed ones (``_default_name``); ``initialize`` then calls, for each
      layer in order, ``_setup(in_size, has_time, dtype) -> (out_size,
      out_has_time)``: ``in_size`` is the number of channels of the input,
      ``has_time`` whether it has a time dimension, ``dtype`` the learnables'
      type (float32 unless ``initialize(dtype)`` says otherwise).  It checks
      the input, sets "auto" sizes, and initializes its empty learnables
      (``self._init_param``); it must leave learnables already given as they
      are.  Next, for each name of ``_states``, ``_initial_state(name, dtype,
      xp) -> DLArray``: the state's value at the start and after resetState
      (by default the property's value; recurrent layers give zeros when it is
      empty).
    * ``forward`` / ``predict`` / training call ``_forward(X, training, state)
      -> (Y, new_state)``: ``X`` is a formatted DLArray ("CBT" or "CB"),
      ``training`` is True in forward and training passes (dropout acts),
      ``state`` is ``{name: value}`` for ``_states`` (None when there are
      none).  Compute ``Y`` with dlarray operations from the layer's
      learnables (``self.<name>``) so dlgradient can differentiate it; return
      the state unchanged or updated.  States named in ``_running_states`` run
      on across mini-batches in training (batch normalization's moving
      statistics); across MPI workers they are averaged by the workers' shares,
      unless the layer pools them itself with ``_worker_moments(old, new) ->
      array or None`` and ``_pooled(averaged, offset, offset_sq) -> state``
      (``training/parallel.py``, ``BatchNormalizationLayer``).
    * The solvers of trainNetwork and trainnet call ``_factors(name) ->
      (learn_rate_factor, l2_factor)`` once per learnable: scalars or arrays
      broadcastable to the parameter.  By default a learnable ``X`` reads the
      properties ``XLearnRateFactor`` and ``XL2Factor`` (through
      ``_factor_prefix``) when the layer has them; otherwise MATLAB's defaults,
      learn-rate factor 1, L2 factor 1 (0 for a learnable named ``Bias`` or
      ending in ``Bias``).  Recurrent layers expand per-gate factors to rows.
    * Display: ``repr`` (``_display``, ``_groups``) and the layer-array row
      (``_type``, ``_description() -> str``, by default ``_type``).

    Ports (MATLAB's read-only ``NumInputs``, ``InputNames``, ``NumOutputs``,
    ``OutputNames``): a layer has one input ``"in"`` and one output ``"out"``
    unless its class says otherwise; input layers have no input (``NumInputs =
    0``), output layers no output.  A layer graph (``connectLayers(lgraph,
    "fc", "add/in2")``) connects outputs to inputs by these names.  Ports that
    depend on a property are Python properties of the class
    (additionLayer's ``InputNames``, ``"in1"`` ... ``"inN"`` from its
    ``NumInputs``, which is a ``_props`` entry set only when the layer is
    created).  The hooks of a layer with several ports:

    * ``NumInputs`` other than 1: ``_setup(in_sizes, has_times, dtype)`` and
      ``_forward(Xs, training, state)`` get tuples, one entry per input in
      ``InputNames`` order (what each source gives).  An input layer
      (``NumInputs`` 0) is set up on ``_input_spec() -> (size, has_time)``, by
      default ``(InputSize, True)``, and gets the network's input as ``X``.
    * ``NumOutputs`` other than 1: ``_setup`` returns ``(out_sizes,
      out_has_times)`` and ``_forward`` ``(Ys, new_state)``, tuples with one
      entry per output in ``OutputNames`` order.  An output layer
      (``NumOutputs`` 0) returns its input unchanged (trainNetwork's loss reads
      it).

    Learnables and states are replaced between calls on copies of the layer
    (``_with``), never set in ``_forward``.

    Example::

        class ScaleLayer(dl.Layer):          # Y = Scale .* X, one scale per channel
            _learnables = ("Scale",)
            _help = {"Scale": "Per-channel scale, a C-by-1 vector (learnable)."}

            def _setup(self, in_size, has_time, dtype):
                self._init_param("Scale", "ones", (in_size, 1), in_size, in_size, dtype)
                return in_size, has_time

            def _forward(self, X, training, state):
                return X * self.Scale, state

        net = dl.dlnetwork([dl.sequenceInputLayer(3), ScaleLayer(), dl.lstmLayer(4)])
        Y, state = dl.forward(net, dl.dlarray(np.ones((3, 2, 5)), "CBT"))
        net.Layers[1].Name                      # 'scale'
        from dlarr.layers.base import undocumented
        undocumented(ScaleLayer)                # []: Name is described by Layer
    """

    _help = {"Name": "Layer name, a string.  With '' (the default) the network (dlnetwork, "
                     "trainNetwork, trainnet) names the layer when it is built, after its type "
                     "in lower case, as MATLAB: an LSTM layer 'lstm', several 'lstm_1', 'lstm_2', ...  The names in a "
                     "network must be unique."}

    _display = "Layer"              # class name MATLAB shows, e.g. "LSTMLayer"
    _type = "Layer"                 # the "type" column of a layer array
    _default_name = "layer"         # what a network names the layer when Name is ''
    _props: dict = {"Name": ("", _name)}   # property -> (default, validator), display order
    _groups: tuple = ()             # (title, names) groups for the properties view
    _learnables: tuple = ()
    _states: tuple = ()
    _factor_prefix: dict = {}       # learnable -> prefix of its factor properties
    _ngates = 1
    _creation_only: tuple = _PORTS  # read-only properties, set only when the layer is created

    NumInputs = 1
    InputNames = ("in",)
    NumOutputs = 1
    OutputNames = ("out",)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        derived = set()
        for attr, value in (("_display", cls.__name__), ("_type", cls.__name__),
                            ("_default_name", _name_from_class(cls.__name__))):
            if not _declared_below_layer(cls, attr):
                setattr(cls, attr, value)
                derived.add(attr)
        props = dict(cls._props)
        missing = [n for n in cls._learnables + cls._states if n not in props]
        if "Name" not in props or missing:
            full = {"Name": props.pop("Name", ("", _name))}
            full.update(props)
            full.update((n, (None, _array_or_empty)) for n in missing)
            cls._props = full
        if not _declared_below_layer(cls, "_groups"):
            cls._groups = cls._default_groups()
            derived.add("_groups")
        cls._derived = frozenset(derived)

    @classmethod
    def _default_groups(cls):
        special = set(cls._learnables) | set(cls._states) | {"Name"}
        hyper = tuple(n for n in cls._props if n not in special and not n.endswith(_FACTOR_PROPS))
        groups = (("Hyperparameters", hyper), ("Learnable Parameters", tuple(cls._learnables)),
                  ("State Parameters", tuple(cls._states)))
        return tuple((title, names) for title, names in groups if names)

    def __init__(self, **options):
        for k, (default, _) in self._props.items():
            object.__setattr__(self, k, default)
        for k, v in options.items():
            if k in self._creation_only and k in self._props:    # read-only, set when created
                object.__setattr__(self, k, self._props[k][1](v, k, self))
            else:
                setattr(self, k, v)

    def __setattr__(self, key, value):
        if key.startswith("_"):
            object.__setattr__(self, key, value)
            return
        if key in self._creation_only:
            raise AttributeError(f"{self._display}: {key} is read-only"
                                 + (" (set it when the layer is created: it decides the "
                                    "layer's ports)" if key in self._props else ""))
        if key not in self._props:
            close = difflib.get_close_matches(key, list(self._props), n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise TypeError(f"{self._display} has no property {key!r}{hint}")
        object.__setattr__(self, key, self._props[key][1](value, key, self))

    # ----- display ------------------------------------------------------------
    def __repr__(self):
        names = ["Name"] + [n for _, group in self._groups for n in group]
        width = max(len(n) for n in names) + 4
        lines = [f"{self._display} with properties:", "", f"{'Name'.rjust(width)}: {_show(self.Name)}"]
        for title, group in self._groups:
            lines += ["", f"   {title}"]
            lines += [f"{n.rjust(width)}: {_show(getattr(self, n))}" for n in group]
        return "\n".join(lines)

    def _description(self) -> str:
        return self._type

    def _row(self, i, widths=(0, 0)):
        return (f"{i:>6}   {_show(self.Name):<{widths[0]}}   {self._type:<{widths[1]}}   "
                f"{self._description()}")

    # ----- network hooks ----------------------------------------------------------
    def _setup(self, in_size, has_time, dtype):
        return in_size, has_time

    def _forward(self, X, training, state):
        return X, state

    def _input_spec(self):
        """``(size, has_time)`` an input layer (``NumInputs`` 0) is set up on: its
        InputSize and a time dimension (sequence input) by default."""
        return self.InputSize, True

    def _initial_state(self, name, dtype, xp=np):
        """The state's value at the start (the property's value), on the device of ``xp``."""
        v = getattr(self, name)
        if v is None:
            raise ValueError(f"Layer '{self.Name}' ({self._display}): state {name} is empty; set it "
                             "in _setup or define _initial_state")
        return DLArray._new(xp.asarray(v._data).astype(dtype), v._fmt)

    def _factors(self, name):
        prefix = self._factor_prefix.get(name, name)
        lr, l2 = (prefix + suffix for suffix in _FACTOR_PROPS)
        return (getattr(self, lr) if lr in self._props else 1.0,
                getattr(self, l2) if l2 in self._props else (0.0 if name.endswith("Bias") else 1.0))

    def _init_param(self, prop, spec, sz, num_in, num_out, dtype):
        """Initialize learnable ``prop`` of size ``sz`` by ``spec``: a name of the
        initializer table (fan-in ``num_in``, fan-out ``num_out``) or a function
        f(sz); a value already set is checked against ``sz`` and cast to ``dtype``."""
        cur = getattr(self, prop)
        if cur is not None:
            if tuple(cur.shape) != tuple(sz) and not (len(sz) == 2 and sz[1] == 1 and cur.shape == (sz[0],)):
                raise ValueError(f"Layer '{self.Name}' ({self._display}): {prop} must be "
                                 f"{sz[0]} x {sz[1]}; it has size {'x'.join(map(str, cur.shape))}")
            object.__setattr__(self, prop, _to_float(cur.reshape(*sz) if cur.shape != tuple(sz) else cur,
                                                     dtype))
            return
        cls = "single" if dtype == np.float32 else "double"
        if callable(spec):
            val = spec(tuple(sz))
            val = val if isinstance(val, DLArray) else dlarray(np.asarray(val))
            if tuple(val.shape) != tuple(sz):
                raise ValueError(f"Layer '{self.Name}': the {prop} initializer function returned size "
                                 f"{'x'.join(map(str, val.shape))}, expected {sz[0]} x {sz[1]}")
        elif spec in _init.INITIALIZERS:
            val = _init.INITIALIZERS[spec](tuple(sz), num_in, num_out, cls,
                                           getattr(self, "NumHiddenUnits", None))
        else:  # pragma: no cover - validators prevent this
            raise ValueError(spec)
        object.__setattr__(self, prop, _to_float(DLArray._new(val._data, "", None), dtype))

    def _with(self, **values):
        """A copy with some learnable/state values replaced (no validation)."""
        new = copy.copy(self)
        for k, v in values.items():
            object.__setattr__(new, k, v)
        return new


def _check_in_size(layer, in_size):
    if layer.InputSize != "auto" and layer.InputSize != in_size:
        raise ValueError(f"Layer '{layer.Name}' ({layer._display}): InputSize is "
                         f"{layer.InputSize} but its input has {in_size} channels")
    object.__setattr__(layer, "InputSize", in_size)


def _to_float(v, dtype):
    return v if v.dtype == dtype else dlarray(v._data.astype(dtype))


def layer_table(layers, title=None) -> str:
    """MATLAB's numbered "Layer array with layers" display."""
    layers = list(layers)
    wn = max([len(_show(l.Name)) for l in layers] + [2])
    wt = max([len(l._type) for l in layers] + [4])
    head = title or f"{len(layers)}x1 Layer array with layers:"
    rows = [l._row(i + 1, (wn, wt)) for i, l in enumerate(layers)]
    return "\n".join([head, ""] + rows)


def disp(x):
    """Display a layer array or any other value, MATLAB's ``disp``.

    Syntax::

        dl.disp(layers)
        dl.disp(x)

    Input arguments:
        x: a non-empty list or tuple of layers prints MATLAB's numbered "Nx1 Layer array
            with layers:" table (index, name, type, description, as MATLAB shows a layer
            array); anything else (a layer, a network, a dlarray, training options)
            prints its ``repr``, which for dlarr's objects is MATLAB's properties
            display.

    Returns None (it prints).  MATLAB shows a layer array when a statement has no
    semicolon; Python's prompt shows a list's ``repr`` instead, hence ``dl.disp``.

    Example::

        layers = [dl.sequenceInputLayer(12), dl.lstmLayer(100, OutputMode="last"),
                  dl.fullyConnectedLayer(9), dl.softmaxLayer(), dl.classificationLayer()]
        dl.disp(layers)        # 5x1 Layer array with layers: 1 '' Sequence Input ...
        dl.disp(layers[1])     # LSTMLayer with properties: Name: '' ...
    """
    if isinstance(x, (list, tuple)) and x and all(isinstance(l, Layer) for l in x):
        print(layer_table(x))
    else:
        print(repr(x))


# --------------------------------------------------------------------------
# Help: a layer constructor's docstring, composed from _props and _help
# --------------------------------------------------------------------------

_WIDTH = 88
_PAIRS_NOTE = ("Properties (name-value options: keywords, or MATLAB's positional pairs, whose "
               "names match in any case; string values match as MATLAB's validatestring does: "
               "any case, a unique leading part.  After creation, ``layer.Property = value`` "
               "is validated the same way):")


def help_table(cls) -> dict:
    """``{property: description}`` of a layer class: the ``_help`` tables of its classes
    merged, a subclass's entries over its bases' (``Layer._help`` describes ``Name``)."""
    table = {}
    for k in reversed(cls.__mro__):
        table.update(k.__dict__.get("_help", {}))
    return table


def undocumented(cls) -> list:
    """What keeps ``help()`` of layer class ``cls`` from being complete: each property
    that ``_help`` does not describe, and each description of a name that is not a
    property.  Empty for every built-in layer (:func:`layer_help` raises otherwise)."""
    table = help_table(cls)
    return [p for p in cls._props if not table.get(p)] + \
        [f"{p} (described, but not a property)" for p in table if p not in cls._props]


def _values_text(cls, prop, required=False) -> str:
    """MATLAB's "default | other values" line: ``'sequence' (default) | 'last'``."""
    default, check = cls._props[prop]
    alts = list(getattr(check, "values", None) or
                (f"'{o}'" for o in getattr(check, "options", ())) or ("any value",))
    if required:                        # set by a required argument: no default
        return " | ".join(alts)
    shown = _show(default)
    return " | ".join([f"{shown} (default)"] + [a for a in alts if a != shown])


def _wrap(text, indent) -> list:
    """``text`` (paragraphs split by blank lines) filled to the help's width."""
    out = []
    for para in re.split(r"\n\s*\n", text.strip()):
        out += textwrap.wrap(" ".join(para.split()), _WIDTH, initial_indent=indent,
                             subsequent_indent=indent, break_on_hyphens=False)
    return out


def _sections(cls):
    """``(title, properties)`` in help's order: the display groups (``_groups``), then the
    initializers, the learn-rate and L2 factors, any others, and ``Name``."""
    listed = [p for _, names in cls._groups for p in names]
    rest = [p for p in cls._props if p not in listed and p != "Name"]
    init = [p for p in rest if p.endswith("Initializer")]
    factors = [p for p in rest if p.endswith(_FACTOR_PROPS)]
    other = [p for p in rest if p not in init and p not in factors]
    out = [(t, list(n)) for t, n in cls._groups] + [
        ("Initialization", init), ("Learn Rate and Regularization", factors),
        ("Other Properties", other), ("Layer", ["Name"])]
    return [(t, n) for t, n in out if n]


def _arguments(fn, cls):
    """``(parameter, property or None, required)`` for each positional parameter of the
    constructor ``fn``; ``numHiddenUnits`` sets ``NumHiddenUnits``."""
    out = []
    for p in inspect.signature(fn).parameters.values():
        if p.kind is p.POSITIONAL_OR_KEYWORD:
            prop = p.name[:1].upper() + p.name[1:]
            out.append((p.name, prop if prop in cls._props else None, p.default is p.empty))
    return out


def _syntax(fn, args) -> list:
    call = f"layer = dl.{fn.__name__}"
    req = [a for a, _, r in args if r]
    every = [a for a, _, _ in args]
    lines = [f"{call}({', '.join(req)})"]
    if every != req:
        lines.append(f"{call}({', '.join(every)})")
    lead = ", ".join(every) + ", " if every else ""
    return lines + [f"{call}({lead}Name=Value, ...)",
                    f'{call}({lead}"Name", Value, ...)    # MATLAB\'s positional pairs']


def _property_lines(cls, args) -> list:
    table = help_table(cls)
    required = {prop for _, prop, r in args if prop and r}
    lines = _wrap(_PAIRS_NOTE, "")
    for title, names in _sections(cls):
        lines += ["", f"  {title}"]
        for p in names:
            lines += textwrap.wrap(f"{p}: {_values_text(cls, p, p in required)}", _WIDTH,
                                   initial_indent=" " * 4, subsequent_indent=" " * 8,
                                   break_on_hyphens=False)
            lines += _wrap(table[p], " " * 8)
    ports = ", ".join(f"{a} {_port_text(cls, a)}" for a in _PORTS if a not in cls._props)
    return lines + [f"    Read-only: {ports}."]


def _port_text(cls, attr) -> str:
    """A port property's value in help: its class value, or (a property computed per
    layer) the first line of its docstring."""
    value = getattr(cls, attr)
    if isinstance(value, property):
        return (inspect.getdoc(value) or "").split("\n")[0].rstrip(".")
    return _show(value)


def _split_example(fn):
    own = inspect.cleandoc(fn.__doc__ or "")
    parts = re.split(r"^(?=Example)", own, maxsplit=1, flags=re.M)
    if len(parts) < 2 or not parts[0].strip():
        raise TypeError(f"{fn.__name__}: its docstring needs a summary and an 'Example::' "
                        "section (layer_help composes the rest)")
    return parts[0].rstrip(), parts[1].rstrip()


def compose_layer_help(fn, cls) -> tuple:
    """The docstrings of the constructor ``fn`` and of its class ``cls``: ``fn``'s own
    text (summary, details, differences from MATLAB), then the syntax, the arguments,
    every property of ``cls`` (its values, default first, from ``_props`` and the
    validators' ``.values``; its description from ``_help``), the output, and ``fn``'s
    example."""
    head, example = _split_example(fn)
    args = _arguments(fn, cls)
    syntax = ["Syntax::", ""] + ["    " + s for s in _syntax(fn, args)]
    arg_lines = ["Input arguments:"]
    for a, prop, req in args:
        dflt = "" if req else f"; default {_show(inspect.signature(fn).parameters[a].default)}"
        what = f"sets the {prop} property (below){dflt}" if prop else "see below"
        arg_lines.append(f"    {a}: {what}.")
    props = _property_lines(cls, args)
    out = [f"Output arguments:", f"    layer: a {cls._display} object (``dl.{cls.__name__}``)."]
    body = [""] + syntax + [""] + (arg_lines + [""] if args else []) + props + [""] + out
    fn_doc = "\n".join([head] + body + ["", example])
    summary = head.split("\n\n")[0]
    own = inspect.cleandoc(cls.__dict__.get("__doc__") or "")
    create = (f"Create it with ``dl.{fn.__name__}`` (or ``dl.{cls.__name__}(Property=value, "
              f"...)``); ``help(dl.{fn.__name__})`` gives the syntax.")
    cls_head = [f"{cls._display}: the layer object ``dl.{fn.__name__}`` returns.", "",
                summary] + (["", own] if own else []) + [""] + _wrap(create, "")
    return fn_doc, "\n".join(cls_head + [""] + props + ["", example])


def layer_help(cls):
    """Decorator of a built-in layer constructor (under ``name_value_pairs``, which copies
    the docstring): :func:`compose_layer_help` writes the constructor's and the class's
    docstrings.  A property of ``cls`` without a description in ``_help`` (or a
    description of no property, or a docstring without an example) is a TypeError when
    the module is imported, so a new property cannot go undocumented."""
    def decorate(fn):
        missing = undocumented(cls)
        if missing:
            raise TypeError(f"{cls.__name__}._help must describe every property; missing: "
                            f"{', '.join(missing)}")
        fn.__doc__, cls.__doc__ = compose_layer_help(fn, cls)
        return fn
    return decorate
