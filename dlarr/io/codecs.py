"""The codecs of ``dl.save`` / ``dl.load``: Python values to plain MATLAB trees and back.

``encode(value, path) -> plain`` turns a value into the plain tree ``matfile.write``
takes (ndarrays of >= 2 dimensions, str, list, dict) and ``decode(plain, path) ->
value`` turns what ``matfile.read`` returns into the value again, both by the LAYOUT
of :mod:`dlarr.io.persist` (the reference for every rule here).  ``path`` names the
value in messages: at save a Python path (``net.Layers[0].Normalization``), at load a
MATLAB one (``net.Layers{2}``), whose first name is the variable's.

Saving errors are TypeErrors (a type a .mat cannot hold, a Python function) or
ValueErrors (an int outside int64, a cycle), naming the path; loading errors are
:class:`MatFileError` naming the variable and the path inside it.  Loading looks
classes up in fixed tables only (:data:`_TAGGED`, the classes registered with
:func:`register_class`, the imported Layer subclasses): nothing is imported or run
from a file.  The layers, networks and tables are in :mod:`dlarr.io.objects`.
"""
from __future__ import annotations

import inspect
import re

import numpy as np

from ..core import formats as F
from ..core.categorical import categorical
from ..core.dlarray import DLArray
from .matfile import MatFileError

# MATLAB's isvarname: a letter, then letters, digits, underscores; at most namelengthmax.
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,62}\Z")
MATLAB_KEYWORDS = frozenset((
    "break", "case", "catch", "classdef", "continue", "else", "elseif", "end", "for",
    "function", "global", "if", "otherwise", "parfor", "persistent", "return", "spmd",
    "switch", "try", "while"))
TAG = "dlarrClass"
# The element types a MAT-file holds (MATLAB's logical, intN, uintN, single, double, complex).
_DTYPES = frozenset(np.dtype(t) for t in (
    np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32,
    np.uint64, np.float32, np.float64, np.complex64, np.complex128))
_STORES = ("numbers, strings, None, lists, tuples, dicts, NumPy arrays and scalars, "
           "dlarrays, categoricals, layers, networks, Learnables/State tables and "
           "training options")


def is_valid_name(name) -> bool:
    """MATLAB's ``isvarname``: a valid variable or struct field name."""
    return isinstance(name, str) and bool(_NAME.match(name)) and name not in MATLAB_KEYWORDS


def fail(path, message):
    """A MatFileError naming the variable (the first name of ``path``) and the path in it."""
    m = re.match(r"([A-Za-z]\w*)(.*)\Z", path, re.S)
    name, rest = (m.group(1), m.group(2).lstrip(".").strip()) if m else (path, "")
    where = f"variable '{name}'" + ("" if not rest else f" {rest}" if rest.startswith("(")
                                    else f": {rest}")
    raise MatFileError(f"{where}: {message}")


def kind(raw) -> str:
    """What a plain value is, in MATLAB's words, for messages."""
    if isinstance(raw, np.ndarray):
        floats = {4: "single", 8: "double"}
        cls = {"b": "logical", "f": floats.get(raw.dtype.itemsize, str(raw.dtype)),
               "c": "complex"}.get(raw.dtype.kind, str(raw.dtype))
        return f"a {'x'.join(str(n) for n in raw.shape)} {cls} array"
    if isinstance(raw, str):
        return f"the char '{raw[:40]}'"
    if isinstance(raw, list):
        return f"a cell array of {len(raw)} elements"
    if isinstance(raw, dict):
        tag = raw.get(TAG)
        return f"a struct with dlarrClass '{tag}'" if isinstance(tag, str) else "a struct"
    return f"a {type(raw).__name__}"


# ==========================================================================
# Registry: classes of higher wings that know how to be saved
# ==========================================================================

_REGISTERED: dict = {}     # tag -> (cls, to_fields, from_fields, fields)
_OWN_TYPES = (type(None), str, bool, int, float, complex, list, tuple, dict, np.ndarray, DLArray,
              categorical)


def register_class(tag, cls, to_fields, from_fields, *, fields=None):
    """Make objects of ``cls`` saveable as the tagged struct ``tag``.

    ``to_fields(obj) -> {field: value}`` gives the fields (valid MATLAB names; values
    of any saveable kind), ``from_fields({field: value}) -> obj`` rebuilds the object
    from the loaded fields (validating them: its ValueError/TypeError becomes the
    load's MatFileError, naming the path).  ``fields``: the field names a file must
    have, exactly (None: ``from_fields`` checks).  Objects are matched by their exact
    type; registering a tag again replaces it.
    """
    from . import objects
    if not isinstance(tag, str) or not tag or tag in _TAGGED or objects.decoder_for(tag):
        raise ValueError(f"register_class: tag must be a non-empty string that names no "
                         f"class dl.load knows already (its own, a layer class), not {tag!r}")
    if not isinstance(cls, type):
        raise TypeError(f"register_class: cls must be a class, not {type(cls).__name__}")
    if cls in _OWN_TYPES or issubclass(cls, np.generic) or objects.handles(cls):
        raise ValueError(f"register_class: dl.save stores {cls.__name__} objects itself")
    if not callable(to_fields) or not callable(from_fields):
        raise TypeError("register_class: to_fields and from_fields must be functions")
    if fields is not None:
        fields = tuple(fields)
        bad = [f for f in fields if not is_valid_name(f) or f == TAG]
        if bad:
            raise ValueError(f"register_class: field {bad[0]!r} is not a valid MATLAB name")
    for old, entry in list(_REGISTERED.items()):
        if entry[0] is cls:
            del _REGISTERED[old]
    _REGISTERED[tag] = (cls, to_fields, from_fields, fields)


def encode(value, path):
    """The plain tree (ndarray >= 2-D, str, list, dict) that stands for ``value`` in a
    MAT-file, by the LAYOUT; ``path`` names the value in errors (a Python path)."""
    return _Encoder()(value, path)


class _Encoder:
    """``encode`` with the containers on the current path, to refuse cycles."""

    def __init__(self):
        self._open = set()

    def __call__(self, v, path):
        if type(v) in (list, tuple, dict):
            if id(v) in self._open:
                raise ValueError(f"{path} contains itself; a .mat file holds no cycles")
            self._open.add(id(v))
            try:
                return _encode_container(v, path, self)
            finally:
                self._open.discard(id(v))
        return _encode_leaf(v, path, self)


def _encode_container(v, path, enc):
    if type(v) is list:
        return [enc(x, f"{path}[{i}]") for i, x in enumerate(v)]
    if type(v) is tuple:
        return {TAG: "tuple", "Items": [enc(x, f"{path}[{i}]") for i, x in enumerate(v)]}
    keys = list(v)
    if keys and all(is_valid_name(k) and k != TAG for k in keys):
        return {k: enc(x, f"{path}[{k!r}]") for k, x in v.items()}
    return {TAG: "dict", "Keys": [enc(k, f"{path} key {k!r}") for k in keys],
            "Values": [enc(x, f"{path}[{k!r}]") for k, x in v.items()]}


def _encode_leaf(v, path, enc):
    from . import objects
    t = type(v)
    if v is None:
        return {TAG: "none"}
    if t is str:
        return v
    if t in (bool, int, float, complex):
        return _encode_python_scalar(v, path)
    if isinstance(v, np.generic):
        return _encode_numpy_scalar(v, path)
    if t is np.ndarray or _is_cupy(v):
        return encode_array(v, path)
    if t is DLArray:
        return {TAG: "dlarray", "Data": encode_array(v._data, path), "Format": v._fmt}
    if t is categorical:
        return _encode_categorical(v)
    special = objects.encoder_for(v)
    if special is not None:
        return special(v, path, enc)
    if t in {entry[0] for entry in _REGISTERED.values()}:
        return _encode_registered(v, path, enc)
    raise TypeError(_unsupported(v, path))


def _unsupported(v, path):
    if inspect.isclass(v):
        return f"{path} is a Python class; a .mat file holds no code"
    if callable(v):
        return f"{path} is a Python function; a .mat file holds no code"
    for base in (list, tuple, dict, str, int, float):
        if isinstance(v, base):
            return (f"{path} is a {type(v).__name__} (a subclass of {base.__name__}); dl.save "
                    f"stores the plain type: give {base.__name__}(value)")
    if isinstance(v, np.ndarray):
        return (f"{path} is a {type(v).__name__} (a subclass of numpy.ndarray); give "
                "numpy.asarray(value)")
    return f"{path} is a {type(v).__module__}.{type(v).__qualname__}; dl.save stores {_STORES}"


def _is_cupy(v):
    cls = type(v)
    return cls.__name__ == "ndarray" and cls.__module__.split(".", 1)[0] == "cupy"


def _encode_python_scalar(v, path):
    if type(v) is int:
        if not -2 ** 63 <= v < 2 ** 63:
            raise ValueError(f"{path} is the int {v}, outside int64's range; a .mat file "
                             "holds integers of at most 64 bits (give a float or a str)")
        return np.array([[v]], np.int64)
    dtype = {bool: np.bool_, float: np.float64, complex: np.complex128}[type(v)]
    return np.array([[v]], dtype)


def _encode_numpy_scalar(v, path):
    if v.dtype.kind in "USO":
        plain = "str(value)" if v.dtype.kind == "U" else "a str, list or number"
        raise TypeError(f"{path} is a numpy.{type(v).__name__}; give {plain}")
    _check_dtype(v.dtype, path)
    data = np.array([[v]], v.dtype.newbyteorder("="))
    return data if data.dtype == np.float32 else {TAG: "scalar", "Data": data}


def _check_dtype(dtype, path):
    if np.dtype(dtype).newbyteorder("=") not in _DTYPES:
        hint = "; give a list of str" if np.dtype(dtype).kind in "USO" else ""
        raise TypeError(f"{path} is an array of {np.dtype(dtype)}, which a .mat file cannot hold "
                        "(MATLAB's classes: logical, int8..int64, uint8..uint64, single, "
                        f"double, complex){hint}")


def column(items):
    """An N x 1 cell (MATLAB's shape for a layer array, categories, table columns); [] when
    empty."""
    if not items:
        return []
    out = np.empty((len(items), 1), object)
    for i, x in enumerate(items):
        out[i, 0] = x
    return out


def is_plain_shape(shape) -> bool:
    """True when an array of this shape reads back from a MAT-file with its own shape
    and stays an array: >= 2-D, not 1x1, no trailing singleton beyond the second."""
    return len(shape) >= 2 and tuple(shape) != (1, 1) and (len(shape) == 2 or shape[-1] != 1)


def host(a):
    """A NumPy array of ``a`` (a CuPy array copied to the host), in native byte order."""
    a = a.get() if _is_cupy(a) else a
    return a if a.dtype.isnative else a.astype(a.dtype.newbyteorder("="))


def encode_array(a, path):
    """A NumPy (or CuPy) array: plain when its shape survives, else tagged 'ndarray'."""
    _check_dtype(a.dtype, path)
    a = host(a)
    return a if is_plain_shape(a.shape) else tagged_array(a, path)


def tagged_array(a, path):
    """A tagged 'ndarray': the elements as an N x 1 column (column-major), and Size."""
    _check_dtype(a.dtype, path)
    a = host(a)
    return {TAG: "ndarray", "Data": a.reshape(-1, order="F")[:, None],
            "Size": np.array([a.shape], np.float64) if a.ndim else np.zeros((0, 0))}


def _encode_categorical(c):
    codes = (c._codes + 1).astype(np.uint32)
    shape = c.shape
    codes = codes.reshape(1, 1) if codes.ndim == 0 else codes[:, None] if codes.ndim == 1 else codes
    return {TAG: "categorical", "Codes": codes, "Categories": column(list(c._cats)),
            "Ordinal": np.array([[c._ordinal]]),
            "Size": np.array([shape], np.float64) if shape else np.zeros((0, 0))}


def _encode_registered(v, path, enc):
    tag = next(t for t, e in _REGISTERED.items() if e[0] is type(v))
    fields = _REGISTERED[tag][1](v)
    out = {TAG: tag}
    for name, value in fields.items():
        if not is_valid_name(name) or name == TAG:
            raise ValueError(f"{path}: field {name!r} of {tag} is not a valid MATLAB name")
        out[name] = enc(value, f"{path}.{name}")
    return out


# ==========================================================================
# Decoding
# ==========================================================================

def decode(plain, path):
    """The value a plain tree (as ``matfile.read`` returns it) stands for, by the
    LAYOUT; ``path`` is the variable's name (then the MATLAB path inside it)."""
    if isinstance(plain, dict):
        if TAG in plain:
            return decode_tagged(plain, path)
        return {k: decode(v, f"{path}.{k}") for k, v in plain.items()}
    if isinstance(plain, list):
        return [decode(v, f"{path}{{{i + 1}}}") for i, v in enumerate(plain)]
    if isinstance(plain, str):
        return plain
    if isinstance(plain, np.ndarray):
        return _array_value(plain, path)
    fail(path, f"unexpected {type(plain).__name__} from the MAT-file reader")


def _array_value(a, path):
    _check_raw_dtype(a, path)
    if a.shape != (1, 1):
        return a
    x = a[0, 0]
    if a.dtype == np.float64:
        return float(x)
    if a.dtype == np.float32:
        return x
    if a.dtype.kind in "iu":
        return int(x)
    if a.dtype == np.bool_:
        return bool(x)
    if a.dtype == np.complex128:
        return complex(x)
    return a


def _check_raw_dtype(a, path):
    if a.dtype not in _DTYPES:
        fail(path, f"an array of {a.dtype} is not a MATLAB numeric or logical array")


def decode_tagged(plain, path):
    """A tagged struct: its dlarrClass looked up in the fixed tables (never imported)."""
    from . import objects
    tag = plain[TAG]
    if not isinstance(tag, str):
        fail(path, f"dlarrClass must be a char naming a class; it is {kind(tag)}")
    if tag in _TAGGED:
        return _TAGGED[tag](plain, path)
    if tag in _REGISTERED:
        return _decode_registered(tag, plain, path)
    found = objects.decoder_for(tag)
    if found is not None:
        return found(plain, path)
    fail(path, f"unknown dlarrClass {tag!r}: not a class dl.load knows (its own, the "
               "registered ones, or a layer class of this program); nothing is imported "
               "from a file")


def check_fields(plain, expected, path, what):
    """The struct has exactly the fields ``expected`` (besides dlarrClass)."""
    have = set(plain) - {TAG}
    missing = [f for f in expected if f not in have]
    extra = sorted(have - set(expected))
    if missing or extra:
        parts = ([f"lacks field{'s' * (len(missing) > 1)} {', '.join(missing)}"] if missing
                 else []) + ([f"has unknown field{'s' * (len(extra) > 1)} {', '.join(extra)}"]
                             if extra else [])
        fail(path, f"the {what} struct {' and '.join(parts)}")


def raw_array(raw, path, what, kinds="biufc"):
    """A field that must be a numeric/logical array (read as stored, not as a scalar)."""
    if not isinstance(raw, np.ndarray) or raw.dtype.kind not in kinds:
        fail(path, f"{what} must be a numeric or logical array; it is {kind(raw)}")
    _check_raw_dtype(raw, path)
    return raw


def raw_logical(raw, path, what):
    if not isinstance(raw, np.ndarray) or raw.size != 1 or raw.dtype.kind not in "bui" \
            or raw.ravel()[0] not in (0, 1):
        fail(path, f"{what} must be a logical scalar (true or false); it is {kind(raw)}")
    return bool(raw.ravel()[0])


def raw_cell(raw, path, what):
    if isinstance(raw, np.ndarray) and raw.size == 0:
        return []                      # MATLAB's [] for an empty cell
    if not isinstance(raw, list):
        fail(path, f"{what} must be a cell array; it is {kind(raw)}")
    return raw


def raw_str(raw, path, what):
    if isinstance(raw, np.ndarray) and raw.size == 0 and raw.dtype.kind in "fc":
        return ""
    if not isinstance(raw, str):
        fail(path, f"{what} must be a char row vector; it is {kind(raw)}")
    return raw


def _size(raw, path, n_elements):
    """A Size field: 1 x ndim nonnegative integers (0 x 0 for a 0-d array) whose product
    is the number of elements."""
    a = raw_array(raw, path, "Size", "iuf")
    if a.size and a.shape != (1, a.size):
        fail(path, f"Size must be a 1 x ndim row; it is {kind(a)}")
    shape = a.ravel()
    if np.any(shape < 0) or np.any(shape != np.floor(shape)):
        fail(path, f"Size must hold nonnegative integers; it holds {shape.tolist()}")
    shape = tuple(int(n) for n in shape)
    if int(np.prod(shape, dtype=np.int64)) != n_elements:
        fail(path, f"Size {list(shape)} does not match the {n_elements} elements of Data")
    return shape


def decode_array(raw, path, what="Data"):
    """An array field: a plain array (kept as stored) or a tagged 'ndarray'."""
    if isinstance(raw, dict) and isinstance(raw.get(TAG), str) and raw[TAG] == "ndarray":
        return _decode_ndarray(raw, path)
    return raw_array(raw, path, what)


def _decode_ndarray(plain, path):
    check_fields(plain, ("Data", "Size"), path, "ndarray")
    data = raw_array(plain["Data"], f"{path}.Data", "Data")
    if data.ndim != 2 or (data.shape[1] != 1 and data.size):
        fail(f"{path}.Data", f"Data must be an N x 1 column; it is {kind(data)}")
    shape = _size(plain["Size"], f"{path}.Size", data.size)
    return data.reshape(shape, order="F")


def _decode_scalar(plain, path):
    check_fields(plain, ("Data",), path, "scalar")
    data = raw_array(plain["Data"], f"{path}.Data", "Data")
    if data.shape != (1, 1):
        fail(f"{path}.Data", f"Data must be 1x1; it is {kind(data)}")
    return data.reshape(())[()]


def _decode_none(plain, path):
    check_fields(plain, (), path, "none")


def _decode_tuple(plain, path):
    check_fields(plain, ("Items",), path, "tuple")
    items = raw_cell(plain["Items"], f"{path}.Items", "Items")
    return tuple(decode(v, f"{path}.Items{{{i + 1}}}") for i, v in enumerate(items))


def _decode_list(plain, path):
    check_fields(plain, ("Items",), path, "list")
    items = raw_cell(plain["Items"], f"{path}.Items", "Items")
    return [decode(v, f"{path}.Items{{{i + 1}}}") for i, v in enumerate(items)]


def _decode_dict(plain, path):
    check_fields(plain, ("Keys", "Values"), path, "dict")
    keys = raw_cell(plain["Keys"], f"{path}.Keys", "Keys")
    values = raw_cell(plain["Values"], f"{path}.Values", "Values")
    if len(keys) != len(values):
        fail(path, f"Keys has {len(keys)} elements but Values {len(values)}")
    out = {}
    for i, (k, v) in enumerate(zip(keys, values)):
        key = decode(k, f"{path}.Keys{{{i + 1}}}")
        try:
            if key in out:
                fail(f"{path}.Keys{{{i + 1}}}", f"key {key!r} is repeated")
        except TypeError:
            fail(f"{path}.Keys{{{i + 1}}}", f"a key must be hashable; it is a {type(key).__name__}")
        out[key] = decode(v, f"{path}.Values{{{i + 1}}}")
    return out


def _decode_dlarray(plain, path):
    check_fields(plain, ("Data", "Format"), path, "dlarray")
    data = decode_array(plain["Data"], f"{path}.Data")
    fmt = raw_str(plain["Format"], f"{path}.Format", "Format")
    if data.dtype.kind not in "biuf":
        fail(f"{path}.Data", f"a dlarray holds real numbers; Data is {kind(data)}")
    if fmt:
        try:
            F.check_format(fmt, "Format")
        except (TypeError, ValueError) as e:
            fail(f"{path}.Format", str(e))
        if F.canonical(fmt)[1] != fmt or len(fmt) != data.ndim:
            fail(f"{path}.Format", f"Format {fmt!r} must be in canonical S,C,B,T,U order with "
                                   f"one label per dimension of Data ({data.ndim})")
    return DLArray._new(data, fmt)


def _decode_categorical(plain, path):
    check_fields(plain, ("Codes", "Categories", "Ordinal", "Size"), path, "categorical")
    codes = raw_array(plain["Codes"], f"{path}.Codes", "Codes", "iuf")
    cats = raw_cell(plain["Categories"], f"{path}.Categories", "Categories")
    if not all(isinstance(c, str) for c in cats) or len(set(cats)) != len(cats):
        fail(f"{path}.Categories", "Categories must be a cell array of distinct chars")
    ordinal = raw_logical(plain["Ordinal"], f"{path}.Ordinal", "Ordinal")
    shape = _size(plain["Size"], f"{path}.Size", codes.size)
    if np.any(codes != np.floor(codes)) or np.any(codes < 0) or np.any(codes > len(cats)):
        fail(f"{path}.Codes", f"Codes must be integers from 0 (undefined) to {len(cats)}")
    return categorical._new(codes.astype(np.int64).reshape(shape) - 1, cats, ordinal)


def _decode_registered(tag, plain, path):
    cls, _, from_fields, fields = _REGISTERED[tag]
    if fields is not None:
        check_fields(plain, fields, path, tag)
    values = {k: decode(v, f"{path}.{k}") for k, v in plain.items() if k != TAG}
    try:
        obj = from_fields(values)
    except (TypeError, ValueError) as e:
        fail(path, f"{tag}: {e}")
    if type(obj) is not cls:
        fail(path, f"{tag}: its loader returned a {type(obj).__name__}, not a {cls.__name__}")
    return obj


_TAGGED = {"ndarray": _decode_ndarray, "scalar": _decode_scalar, "none": _decode_none,
           "tuple": _decode_tuple, "list": _decode_list, "dict": _decode_dict,
           "dlarray": _decode_dlarray,
           "categorical": _decode_categorical}
