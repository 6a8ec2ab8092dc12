"""MATLAB's MAT-files as plain values: v7 (MAT-file format 5: written here, read through
``scipy.io``) and v7.3 (HDF5 through ``h5py``, in ``matfile_hdf5``), read and written.

CONTRACT (the interface ``persist`` relies on):

    write(path, variables, version="7")
        variables: {name: value}, name a valid MATLAB variable name; value a plain tree:
          * numpy.ndarray with ndim >= 2 (numeric: float64/32, int8..64, uint8..64,
            complex64/128; or bool -> logical), written with exactly that MATLAB shape
            (a[i, j, k] is MATLAB's A(i+1, j+1, k+1): column-major handled here);
          * str -> char row vector ('' -> 0x0 char);
          * list -> 1xN cell array of plain values ([] -> 0x0 cell);
          * dict (str keys that are valid MATLAB field names) -> 1x1 struct.
        version "7" (format 5, compressed; see below) or "7.3" (HDF5 in MATLAB's layout:
        512-byte MATLAB header, MATLAB_class attributes, '#refs#' for cells, reversed
        dimensions).  Atomic: written beside ``path`` and renamed over it.
    read(path, names=None) -> {name: value}
        MATLAB's values as plain trees: numeric/logical -> ndarray with MATLAB's shape
        (ndim >= 2, trailing singleton dimensions beyond the second dropped, as MATLAB),
        dtype kept; char row or empty char -> str, a char matrix -> list of its rows;
        cell -> list (vectors flat; an M x N matrix with M, N > 1 a list of M rows);
        1x1 struct -> dict; struct array -> list of dicts (same shape rule as cells);
        a class object (categorical, string, table, a network, ...) -> MatFileError
        naming the variable and its class and saying what to save instead.  Only the
        variables in ``names`` (all when None); a missing one is a MatFileError.
    MatFileError(ValueError): every bad file (not a MAT-file, truncated, wrong magic,
        unreadable element), naming the file and the variable ("variable 'net',
        field 'Layers', cell 3: ...").

EXTENSIONS (beyond the contract):

* ``write`` also takes numpy object arrays (ndim >= 2) of plain values: cell arrays of
  that shape (``np.empty((N, 1), object)`` for MATLAB's N x 1 cells); ``version``
  also takes MATLAB's flags "-v7" / "-v7.3".  It refuses, naming the variable and
  the path inside it (``net['Layers'][2]``): arrays of ndim < 2 or with trailing
  singletons beyond the second (pass the MATLAB shape), other dtypes, numpy
  subclasses, scalars (wrap them: ``np.array([[x]])``), tuples, a container holding
  itself, names that are not isvarname (field names: keywords allowed); in v7, text
  beyond U+FFFF or with lone surrogates (scipy cannot read it back: use "7.3") and
  variables over ``V7_MAX_VARIABLE_BYTES`` (2 GB, from ``nbytes``: a MatFileError
  saying to pass "-v7.3").
* ``read``: numeric arrays in native byte order; N-d cell and struct arrays as lists
  nested over each index; char arrays of ndim > 2 and complex integers are
  MatFileErrors; variables in the file's order; paths in messages in MATLAB's 1-based
  syntax: ``"f.mat: variable 'net' (at net.Layers{3}) is ..."``.  A missing file is a
  FileNotFoundError.
* v7 files are written here, in MAT-file format 5 as MATLAB writes it (one zlib-
  compressed element per variable, char data as UTF-16), not by ``scipy.io.savemat``,
  which writes non-ASCII text as multi-byte UTF-8 that MATLAB and Octave cannot load
  (scipy issue #4431) and drops NUL characters.  They are read by ``scipy.io.loadmat``
  with MATLAB's classes kept (``mat_dtype``; complex values, which ``mat_dtype``
  drops, are read again without it).  v7.3 files are written uncompressed.

``import dlarr`` imports neither scipy nor h5py: scipy is imported when a v7 file is
read, h5py when a v7.3 file is read or written; a missing one is an ImportError naming
the ``mat`` extra.
"""
from __future__ import annotations

import contextlib
import importlib
import inspect
import os
import re
import secrets
import stat
import struct
import warnings

import numpy as np

from ..core.arguments import name_value_pairs
from ..core.options import choose

# The MAT-file versions ``write`` takes (MATLAB's save flags "-v7", "-v7.3" without "-v").
from ..core.options import MAT_VERSIONS as VERSION_OPTIONS  # noqa: E402  (the vocabulary)
# MATLAB's namelengthmax and its keywords (iskeyword): not valid variable names.
NAMELENGTHMAX = 63
MATLAB_KEYWORDS = frozenset((
    "break", "case", "catch", "classdef", "continue", "else", "elseif", "end", "for",
    "function", "global", "if", "otherwise", "parfor", "persistent", "return", "spmd",
    "switch", "try", "while"))
# MATLAB refuses v7 variables over 2 GB ("use MAT-file version 7.3").
V7_MAX_VARIABLE_BYTES = 2 ** 31
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
_BEYOND_UCS2 = re.compile("[\ud800-\udfff\U00010000-\U0010ffff]")
_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
_V5_TAG = struct.Struct("<II")
_NUMERIC = {np.dtype(t) for t in ("float64", "float32", "int8", "int16", "int32", "int64",
                                  "uint8", "uint16", "uint32", "uint64", "complex64",
                                  "complex128", "bool")}
_MAX_DEPTH = 64


class MatFileError(ValueError):
    """A MAT-file that cannot be read as plain values (not a MAT-file, truncated,
    damaged, a MATLAB class object, a missing variable), or a variable that a v7 file
    cannot hold; the message names the file and the variable."""


# ----------------------------------------------------------------------------- imports
def import_extra(module, what):
    """``module`` ("scipy.io" or "h5py") imported, or an ImportError naming the extra."""
    try:
        return importlib.import_module(module)
    except ImportError as err:
        raise ImportError(f"{what} needs {module.split('.')[0]}: install the 'mat' extra: "
                          'pip install "dlarr[mat]"') from err


# ----------------------------------------------------------------------- MATLAB objects
_NETWORK_CLASSES = ("SeriesNetwork", "DAGNetwork", "dlnetwork", "nnet.cnn.LayerGraph")


_ADVICE = {
    "string": "save char(s) or cellstr(s) instead",
    "categorical": "save the codes and categories instead: double(C) and categories(C)",
    "network": "use dlarrExportLearnables(net, file) (shipped with dlarr in dlarr/matlab) to "
               "write its layers and learnables as plain structs",
    "options": "save the options you need as a struct of numbers and char",
    "function_handle": "a MAT-file for dlarr holds data, not code: save func2str(f) if you "
                       "need its text",
    "table": "save table2struct(T, 'ToScalar', true) instead",
    "datetime": "save posixtime(d) or char(d) instead", "duration": "save seconds(d) instead",
    "containers.Map": "save keys(M) and values(M) instead"}


def object_advice(classname):
    """What to save in MATLAB instead of an object of class ``classname``."""
    c = classname
    if c.startswith("nnet.cnn.TrainingOptions"):
        c = "options"
    elif c in _NETWORK_CLASSES or c.startswith("nnet."):
        c = "network"
    c = {"inline": "function_handle", "timetable": "table"}.get(c, c)
    return _ADVICE.get(c, "save its data as numeric arrays, char, cell arrays or structs "
                          "instead (struct(obj))")


def object_message(classname):
    """The message for a MATLAB class object, with its class and the advice."""
    if classname == "sparse":
        return "is a sparse matrix, which dlarr does not read: save full(A) instead"
    if classname == "function_handle":
        return f"is a function handle, which dlarr does not read: {object_advice(classname)}"
    return (f"is a MATLAB object of class '{classname}', which dlarr cannot read: "
            f"{object_advice(classname)}")


def fail(fname, var, where, msg):
    """A MatFileError naming the file, the variable and the MATLAB path inside it."""
    at = "" if where in (None, var) else f" (at {where})"
    return MatFileError(f"{fname}: variable '{var}'{at} {msg}")


# --------------------------------------------------------------------- plain-tree helpers
def matlab_array(a):
    """A numeric array as ``read`` returns it: native byte order, at least 2-D,
    trailing singleton dimensions beyond the second dropped."""
    a = np.asarray(a)
    if not a.dtype.isnative:
        a = a.astype(a.dtype.newbyteorder("="))
    shape = matlab_dims(a.shape)
    return a.reshape(shape) if shape != a.shape else a


def matlab_dims(shape):
    """MATLAB's size for an array of numpy ``shape`` (trailing singletons beyond the
    second dropped, at least 2 dimensions)."""
    shape = tuple(int(n) for n in shape)
    shape += (1,) * max(0, 2 - len(shape))
    while len(shape) > 2 and shape[-1] == 1:
        shape = shape[:-1]
    return shape


def subscript(idx, shape):
    """MATLAB's 1-based subscript text for ``idx`` in an array of ``shape``: linear for
    vectors (``3``), full otherwise (``2,3``)."""
    if len(shape) == 2 and 1 in shape:
        return str(idx[0] + idx[1] + 1)
    return ",".join(str(i + 1) for i in idx)


def nest(shape, item):
    """A cell or struct array of MATLAB ``shape`` as lists: vectors (1 x N, N x 1) flat,
    empty -> [], otherwise nested lists over each index in turn (M rows of N, ...).
    ``item(idx)`` gives the element at the MATLAB subscripts ``idx`` (0-based)."""
    shape = tuple(shape)
    if 0 in shape:
        return []
    if len(shape) == 2 and 1 in shape:
        n = shape[0] * shape[1]
        return [item((k, 0) if shape[1] == 1 else (0, k)) for k in range(n)]

    def level(prefix):
        k = len(prefix)
        if k == len(shape) - 1:
            return [item(prefix + (j,)) for j in range(shape[k])]
        return [level(prefix + (j,)) for j in range(shape[k])]
    return level(())


def text_from_units(codes):
    """A str from MATLAB char codes (a 1-D integer array): UTF-16 code units, surrogate
    pairs joined (lone surrogates kept), or code points when any is beyond U+FFFF."""
    codes = np.asarray(codes).astype(np.int64).ravel()
    if codes.size == 0:
        return ""
    bad = codes[(codes < 0) | (codes > 0x10FFFF)]
    if bad.size:
        raise ValueError(f"character code {int(bad[0])} is not a Unicode code point")
    if codes.max() > 0xFFFF:
        return "".join(map(chr, codes.tolist()))
    return codes.astype("<u2").tobytes().decode("utf-16-le", "surrogatepass")


# ------------------------------------------------------------------------- validation
def check_variable_name(name, fname="matfile.write"):
    """``name`` as a MATLAB variable name (isvarname), else a ValueError/TypeError."""
    if not isinstance(name, str):
        raise TypeError(f"{fname}: a variable name must be a str, not "
                        f"{type(name).__name__} ({name!r})")
    _check_identifier(name, f"{fname}: the variable name")
    if name in MATLAB_KEYWORDS:
        raise ValueError(f"{fname}: {name!r} is a MATLAB keyword, not a valid variable name")


def check_field_name(name, context, fname="matfile.write"):
    """``name`` as a MATLAB struct field name (keywords allowed, as in MATLAB);
    ``context`` says where ("variable 's', at s['a']")."""
    if not isinstance(name, str):
        raise TypeError(f"{fname}: {context}: struct field names must be str, not "
                        f"{type(name).__name__} ({name!r})")
    _check_identifier(name, f"{fname}: {context}: the field name")


def _check_identifier(name, what):
    if len(name) > NAMELENGTHMAX:
        raise ValueError(f"{what} {name!r} has {len(name)} characters; MATLAB allows at most "
                         f"namelengthmax = {NAMELENGTHMAX}")
    if not _NAME.match(name):
        raise ValueError(f"{what} {name!r} is not valid in MATLAB: it must start with a letter "
                         "(A-Z, a-z) followed by letters, digits or underscores")


class _Checker:
    """Validates one variable's plain tree before anything is written; counts bytes."""

    def __init__(self, name, v7):
        self.name, self.v7, self.stack = name, v7, []

    def error(self, where, msg, exc=ValueError):
        at = "" if where == self.name else f", at {where}"
        return exc(f"matfile.write: variable '{self.name}'{at}: {msg}")

    def check(self, value, where):
        """The estimated bytes of ``value`` in a file; raises on what cannot be written."""
        if isinstance(value, str):
            return self._str(value, where)
        if type(value) is np.ndarray and value.dtype != object:
            return self._array(value, where)
        if isinstance(value, (list, dict)) or type(value) is np.ndarray:
            if any(value is s for s in self.stack):
                raise self.error(where, "the value contains itself; a MAT-file holds trees")
            self.stack.append(value)
            try:
                return self._container(value, where)
            finally:
                self.stack.pop()
        raise self.error(where, _unsupported(value), TypeError)

    def _container(self, value, where):
        if isinstance(value, np.ndarray):
            return self._cells(value, where)
        if isinstance(value, list):
            return 64 + sum(self.check(v, f"{where}[{i}]") for i, v in enumerate(value))
        total = 64
        for k, v in value.items():
            check_field_name(k, f"variable '{self.name}'"
                             + ("" if where == self.name else f", at {where}"))
            total += 64 + len(k) + self.check(v, f"{where}[{k!r}]")
        return total

    def _str(self, s, where):
        if self.v7 and _BEYOND_UCS2.search(s):
            raise self.error(where, "the text holds characters beyond U+FFFF (or lone "
                             "surrogates), which a v7 MAT-file read through scipy cannot hold "
                             "exactly; write version '7.3'")
        return 64 + 2 * len(s)

    def _cells(self, a, where):
        if a.ndim < 2:
            raise self.error(where, f"a cell array (object array) needs ndim >= 2, got "
                             f"shape {a.shape}", TypeError)
        self._dims(a, where)
        return 64 + sum(self.check(a[idx], f"{where}[{', '.join(map(str, idx))}]")
                        for idx in np.ndindex(a.shape))

    def _array(self, a, where):
        if a.dtype.newbyteorder("=") not in _NUMERIC:
            raise self.error(where, f"arrays of dtype {a.dtype} cannot be written; expected "
                             "float64/32, int8..64, uint8..64, complex64/128 or bool", TypeError)
        if a.ndim < 2:
            raise self.error(where, f"arrays need ndim >= 2 (MATLAB's shape), got shape "
                             f"{a.shape}; reshape it, e.g. a.reshape(1, -1)")
        self._dims(a, where)
        return 64 + a.nbytes

    def _dims(self, a, where):
        if a.ndim > 2 and a.shape[-1] == 1:
            raise self.error(where, f"shape {a.shape} has trailing singleton dimensions, which "
                             "MATLAB drops; pass the MATLAB shape "
                             f"{matlab_dims(a.shape)}")


def _unsupported(value):
    t = type(value)
    if isinstance(value, (bool, int, float, complex, np.generic)):
        return (f"a {t.__name__} scalar cannot be written as it is; wrap it in a 2-D array "
                "of the MATLAB class you want, e.g. np.array([[x]])")
    if isinstance(value, np.ndarray):
        return (f"{t.__module__}.{t.__name__} is a numpy subclass; pass a plain numpy array "
                "(np.asarray)")
    if isinstance(value, tuple):
        return "a tuple cannot be written; pass a list (a 1 x N cell array)"
    return (f"{t.__name__} cannot be written; expected a numpy array, str, list or dict "
            "(dict keys: MATLAB field names)")


def _check_version(version):
    """'7' or '7.3' from ``version`` ("7", "7.3", MATLAB's "-v7", "-v7.3")."""
    if isinstance(version, str):
        v = re.sub(r"^-?v", "", version.strip(), flags=re.IGNORECASE)
        if v in VERSION_OPTIONS:
            return v
    return choose(version, VERSION_OPTIONS, "matfile.write", "version")


# ------------------------------------------------------------------------------ write
@name_value_pairs(2)
def write(path, variables, version="7"):
    """Write variables to a MAT-file as plain MATLAB values, MATLAB's ``save``.

    Syntax::

        matfile.write(path, {"X": X, "opts": {"Rate": np.array([[0.1]])}})
        matfile.write(path, variables, version="7.3")    # HDF5, for files over 2 GB

    The low-level writer under :func:`dlarr.save`: values are plain trees (below); the
    file is written beside ``path`` (a hidden temporary file in the same folder),
    flushed to disk and renamed over ``path``, so that a failure leaves an existing
    file untouched and no temporary file behind.

    Input arguments:
        path: the file name (str or path-like), written as given (no ".mat" added).
        variables: a dict {name: value}, names valid MATLAB variable names; values:
            a numpy array of ndim >= 2 (float64/32, int8..64, uint8..64, complex64/128,
            bool as logical) written with exactly that MATLAB shape; a str (a char
            row, '' the 0 x 0 char); a list (a 1 x N cell, [] the 0 x 0 cell); a numpy
            object array of ndim >= 2 (a cell of that shape); a dict with MATLAB field
            names as keys (a 1 x 1 struct).
        version: "7" (default: MAT-file format 5, compressed, as MATLAB's save -v7),
            "6" (the same format uncompressed, MATLAB's -v6) or "7.3" (HDF5 through
            h5py, in MATLAB's layout, for variables over 2 GB); MATLAB's flags "-v7",
            "-v6" and "-v7.3" are accepted too.

    Output arguments:
        None.

    Differences from MATLAB: no ``-append``; variables of more than 2 GB need version
    "7.3" (a MatFileError says so before anything is written); v7.3 files are written
    uncompressed.

    Example::

        from dlarr.io import matfile
        matfile.write("data.mat", {"XTrain": [np.random.rand(3, 10), np.random.rand(3, 7)],
                                   "info": {"Name": "run 1", "Epochs": np.array([[30.0]])}})
        S = matfile.read("data.mat")        # S["XTrain"][1].shape == (3, 7)
    """
    version = _check_version(version)
    if not isinstance(variables, dict):
        raise TypeError(f"matfile.write: variables must be a dict {{name: value}}, not "
                        f"{type(variables).__name__}")
    for name, value in variables.items():
        check_variable_name(name)
        size = _Checker(name, version != "7.3").check(value, name)
        if version != "7.3" and size > V7_MAX_VARIABLE_BYTES:
            raise MatFileError(
                f"matfile.write: variable '{name}' needs about {size / 2**30:.2f} GB, more "
                f"than a v7 MAT-file holds per variable ({V7_MAX_VARIABLE_BYTES / 2**30:g} GB);"
                " write version '7.3' (dl.save(filename, \"-v7.3\", ...))")
    if version != "7.3":
        _atomic_write(path, lambda fh: _write_v7(fh, variables, compress=version == "7"))
    else:
        from . import matfile_hdf5
        h5py = import_extra("h5py", "writing a v7.3 MAT-file")
        _atomic_write(path, lambda fh: matfile_hdf5.write_file(h5py, fh, variables))


def _atomic_write(path, fill):
    """Run ``fill(fh)`` on a new file beside ``path``, fsync it, rename it over ``path``;
    on any exception remove the new file and leave ``path`` as it was."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    base = os.path.basename(path)
    if not base or os.path.isdir(path):
        raise IsADirectoryError(f"matfile.write: {path!r} is a folder, not a file name")
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"matfile.write: the folder {folder!r} of {path!r} does not exist")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        tmp = os.path.join(folder, f".{base}.{secrets.token_hex(6)}.tmp")
        try:
            fd = os.open(tmp, flags, 0o666)
            break
        except FileExistsError:
            continue
    try:
        with os.fdopen(fd, "w+b") as fh:
            fill(fh)
            fh.flush()
            os.fsync(fh.fileno())
        with contextlib.suppress(OSError):
            os.chmod(tmp, stat.S_IMODE(os.stat(path).st_mode))
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    if os.name == "posix":                          # the rename itself, to disk
        with contextlib.suppress(OSError):
            fd = os.open(folder, os.O_RDONLY)
            with contextlib.suppress(OSError):
                os.fsync(fd)
            os.close(fd)


# MAT-file format 5 (MATLAB's "MAT-File Format" reference): data types, classes, flags.
_MI_INT8, _MI_INT32, _MI_UINT32, _MI_MATRIX, _MI_COMPRESSED, _MI_UTF16 = 1, 5, 6, 14, 15, 17
_V5_TYPES = {"float64": (6, 9), "float32": (7, 7), "int8": (8, 1), "uint8": (9, 2),
             "int16": (10, 3), "uint16": (11, 4), "int32": (12, 5), "uint32": (13, 6),
             "int64": (14, 12), "uint64": (15, 13)}          # numpy type: (mxCLASS, miTYPE)
_V5_BY_DTYPE = {np.dtype(k): v for k, v in _V5_TYPES.items()}
_MX_CELL, _MX_STRUCT, _MX_CHAR = 1, 2, 4
_FLAG_COMPLEX, _FLAG_LOGICAL = 0x0800, 0x0200


def header_text(version):
    """MATLAB's header text: 'MATLAB 5.0 MAT-file, Platform: ..., Created on: ...'."""
    import platform
    import sys
    import time
    arm = platform.machine().lower() in ("arm64", "aarch64")
    name = ("PCWIN64" if sys.platform.startswith("win") else
            ("MACA64" if arm else "MACI64") if sys.platform == "darwin" else
            ("GLNXAARCH64" if arm else "GLNXA64") if sys.platform.startswith("linux")
            else sys.platform)
    text = (f"MATLAB {'7.3' if version == '7.3' else '5.0'} MAT-file, Platform: {name}, "
            f"Created on: {time.asctime()}" + (" HDF5 schema 1.00 ." if version == "7.3" else ""))
    return text.encode("ascii", "replace")[:116].ljust(116, b" ")


def _write_v7(fh, variables, compress=True):
    """MAT-file format 5, as MATLAB's ``save -v7`` writes it: one compressed element per
    variable (``compress=False``: ``-v6``, the elements as they are); char data as UTF-16
    (miUTF16), as MATLAB does.  The elements are lists of byte pieces, written without
    joining (large arrays are not copied again per level of nesting)."""
    import zlib
    fh.write(header_text("7") + b"\x00" * 8 + (0x0100).to_bytes(2, "little") + b"IM")
    for name, value in variables.items():
        pieces = _v5_matrix(value, name)
        if compress:
            z = zlib.compressobj()
            data = b"".join([z.compress(p) for p in pieces] + [z.flush()])
            fh.write(_V5_TAG.pack(_MI_COMPRESSED, len(data)))
            fh.write(data)
        else:
            fh.writelines(pieces)


def _v5_element(mtype, data):
    """A data element: tag and data, padded to 8 bytes (the small format for <= 4 bytes),
    as a list of byte pieces."""
    n = len(data)
    if n <= 4:
        return [(n << 16 | mtype).to_bytes(4, "little") + data.ljust(4, b"\x00")]
    return [_V5_TAG.pack(mtype, n), data, b"\x00" * (-n % 8)]


def _v5_matrix(value, name=""):
    """The byte pieces of one miMATRIX element for a checked plain value."""
    if isinstance(value, str):
        units = value.encode("utf-16-le", "surrogatepass")
        body, cls, flags, dims = _v5_element(_MI_UTF16, units), _MX_CHAR, 0, \
            ((1, len(units) // 2) if value else (0, 0))
    elif isinstance(value, dict):
        width = max([len(k) for k in value] + [0]) + 1
        names = b"".join(k.encode("ascii").ljust(width, b"\x00") for k in value)
        body = _v5_element(_MI_INT32, np.int32(width).tobytes()) + _v5_element(_MI_INT8, names)
        body += [p for v in value.values() for p in _v5_matrix(v)]
        cls, flags, dims = _MX_STRUCT, 0, (1, 1)
    elif isinstance(value, list) or value.dtype == object:
        cells = cell_array(value)
        body = [p for idx in _column_major(cells.shape) for p in _v5_matrix(cells[idx])]
        cls, flags, dims = _MX_CELL, 0, cells.shape
    else:
        a = value.astype(np.uint8) if value.dtype == np.bool_ else value
        real = a.real if a.dtype.kind == "c" else a
        cls, mtype = _V5_BY_DTYPE[real.dtype.newbyteorder("=")]
        flags = (_FLAG_LOGICAL if value.dtype == np.bool_ else 0) | \
            (_FLAG_COMPLEX if a.dtype.kind == "c" else 0)
        part = real.dtype.newbyteorder("<")
        body = _v5_element(mtype, np.asarray(real, part).tobytes(order="F"))
        if a.dtype.kind == "c":
            body += _v5_element(mtype, np.asarray(a.imag, part).tobytes(order="F"))
        dims = a.shape
    head = _v5_element(_MI_UINT32, struct.pack("<II", cls | flags, 0)) + \
        _v5_element(_MI_INT32, struct.pack(f"<{len(dims)}i", *dims)) + \
        _v5_element(_MI_INT8, name.encode("ascii"))
    size = sum(map(len, head)) + sum(map(len, body))
    return [_V5_TAG.pack(_MI_MATRIX, size)] + head + body


def cell_array(value):
    """A list (1 x N, [] 0 x 0) or an object array as an object array."""
    if not isinstance(value, list):
        return value
    cells = np.empty((1, len(value)) if value else (0, 0), dtype=object)
    for i, v in enumerate(value):
        cells[0, i] = v
    return cells


def _column_major(shape):
    """Every index of ``shape`` in MATLAB's (column-major) order."""
    return (idx[::-1] for idx in np.ndindex(*shape[::-1]))


# ------------------------------------------------------------------------------- read
@name_value_pairs(2)
def read(path, names=None):
    """Read the variables of a MAT-file (v5/v7 or v7.3) as plain values, MATLAB's ``load``.

    Syntax::

        S = matfile.read(path)                   # every variable: {name: value}
        S = matfile.read(path, ["XTrain", "YTrain"])
        S = matfile.read(path, "net")

    The format is found from the file's header (MATLAB's 128-byte text header; v7.3
    files are HDF5 after a 512-byte user block).  Nothing in the file is run or
    unpickled.

    Input arguments:
        path: the file name (str or path-like), read as given (no ".mat" added).
        names: None (default: every variable), a variable name, or a list of them.

    Output arguments:
        S: a dict {name: value} in the file's order, values as plain trees: numeric
            and logical arrays as numpy arrays with MATLAB's shape (>= 2-D, trailing
            singletons dropped) and class (double float64, single float32, logical
            bool, ...; complex kept); char rows as str, char matrices as lists of row
            strings; cell arrays as lists (vectors flat, matrices nested lists of rows);
            1 x 1 structs as dicts; struct arrays as lists of dicts.

    Errors: a MatFileError naming the file (and the variable, with the MATLAB path
    inside it) for a file that is not a MAT-file, is truncated or damaged, holds a
    MATLAB class object (string, categorical, table, a network, a function handle, a
    sparse matrix: the message says what to save in MATLAB instead), or lacks a
    requested variable (the message lists those it has).

    Differences from MATLAB: MATLAB 4 files are not read; class objects are errors.

    Example::

        from dlarr.io import matfile
        S = matfile.read("sequences.mat")        # written by MATLAB: save sequences.mat XTrain
        XTrain = S["XTrain"]                     # a list of C x T arrays
    """
    fname = os.fspath(path)
    names = _check_names(names)
    version = _sniff(fname)
    if version == "7":
        return _read_v7(fname, names)
    from . import matfile_hdf5
    return matfile_hdf5.read_file(import_extra("h5py", "reading a v7.3 MAT-file"), fname, names)


def _check_names(names):
    if names is None:
        return None
    if isinstance(names, str):
        return [names]
    if isinstance(names, (list, tuple)) and all(isinstance(n, str) for n in names):
        return list(dict.fromkeys(names))
    raise TypeError(f"matfile.read: names must be None, a variable name or a list of names, "
                    f"not {names!r}")


def _sniff(fname):
    """'7' or '7.3' from the file's header, else a MatFileError naming the file."""
    try:
        with open(fname, "rb") as fh:
            head = fh.read(128)
            fh.seek(512)
            signature = fh.read(8)
    except FileNotFoundError:
        raise FileNotFoundError(f"matfile.read: no such file: {fname!r}") from None
    if not head.startswith(b"MATLAB") and len(head) >= 4 and 0 in head[:4]:
        raise MatFileError(f"{fname}: not a MAT-file v5, v7 or v7.3: it looks like a MATLAB 4 "
                           "MAT-file (no text header), which dlarr does not read; re-save it "
                           "in MATLAB with save(filename, '-v7')")
    if len(head) < 128:
        raise MatFileError(f"{fname}: not a MAT-file: {len(head)} bytes, shorter than "
                           "MATLAB's 128-byte header (empty or truncated)")
    if not head.startswith(b"MATLAB"):
        raise MatFileError(f"{fname}: not a MAT-file (v5, v7 or v7.3): it does not start with "
                           "MATLAB's text header 'MATLAB 5.0 MAT-file' or 'MATLAB 7.3 MAT-file'")
    endian = head[126:128]
    if endian not in (b"IM", b"MI"):
        raise MatFileError(f"{fname}: damaged MAT-file header: the endian indicator at bytes "
                           f"126-127 is {endian!r}, not b'IM' or b'MI'")
    version = int.from_bytes(head[124:126], "little" if endian == b"IM" else "big")
    if version == 0x0100:
        return "7"
    if version == 0x0200:
        if signature != _HDF5_SIGNATURE:
            raise MatFileError(f"{fname}: the header says MAT-file v7.3 (HDF5), but there is "
                               "no HDF5 data at byte 512: truncated or damaged")
        return "7.3"
    raise MatFileError(f"{fname}: unknown MAT-file version 0x{version:04x} in the header "
                       "(expected 0x0100 for v5/v7 or 0x0200 for v7.3)")


def missing_error(fname, missing, available):
    have = ", ".join(repr(n) for n in available) or "no variables"
    which = ", ".join(repr(n) for n in missing)
    return MatFileError(f"{fname}: no variable {which} in the file; it holds {have}")


def _loadmat(sio, fname, mat_dtype, names):
    kwargs = {}
    if "spmatrix" in inspect.signature(sio.loadmat).parameters:
        kwargs["spmatrix"] = False
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            data = sio.loadmat(fname, appendmat=False, mat_dtype=mat_dtype, squeeze_me=False,
                               chars_as_strings=False, struct_as_record=True,
                               verify_compressed_data_integrity=True, variable_names=names,
                               **kwargs)
    except MemoryError:
        raise
    except Exception as err:
        raise MatFileError(f"{fname}: cannot read this MAT-file (v5/v7), it is damaged, "
                           f"truncated or not a MAT-file: {type(err).__name__}: {err}") from err
    return data, caught


def _sort_warnings(caught, fname):
    """True if scipy dropped imaginary parts (mat_dtype); unreadable or duplicated
    variables are MatFileErrors; other warnings are passed on."""
    complex_warning = getattr(getattr(np, "exceptions", np), "ComplexWarning")
    lost = False
    for w in caught:
        text = str(w.message)
        if issubclass(w.category, complex_warning):
            lost = True
        elif text.startswith("Unreadable variable"):
            raise MatFileError(f"{fname}: {text}")
        elif text.startswith("Duplicate variable name") and '"None"' not in text:
            raise MatFileError(f"{fname}: the file is damaged: {text.splitlines()[0]}")
        elif not text.startswith("Duplicate variable name"):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return lost


def _read_v7(fname, names):
    sio = import_extra("scipy.io", "reading a v7 MAT-file")
    request = None if names is None else names + ["None"]
    data, caught = _loadmat(sio, fname, True, request)
    raw = _loadmat(sio, fname, False, request)[0] if _sort_warnings(caught, fname) else {}
    found = {}
    for key, value in data.items():
        if key.startswith("__"):
            continue
        name = key
        if key == "None" and isinstance(value, sio.matlab.MatlabOpaque):
            name = _opaque_field(value, "s0") or key
        found[name] = (value, raw.get(key))
    wanted = list(found) if names is None else names
    missing = [n for n in wanted if n not in found]
    if missing:
        available = [w[0] for w in sio.whosmat(fname, appendmat=False)]
        raise missing_error(fname, missing, available)
    conv = _FromScipy(sio, fname)
    out = {}
    for name in wanted:
        conv.var = name
        out[name] = conv.value(*found[name], name, 0)
    return out


def _opaque_field(value, field):
    try:
        v = value.flat[0][field]
        v = v.item() if isinstance(v, np.ndarray) else v
        return v.decode("latin-1") if isinstance(v, bytes) else str(v)
    except Exception:                               # a damaged opaque: no name to give
        return ""


class _FromScipy:
    """scipy.io.loadmat's values (MATLAB classes kept) as plain trees."""

    def __init__(self, sio, fname):
        from scipy.sparse import issparse
        self.m, self.issparse, self.fname, self.var = sio.matlab, issparse, fname, None

    def fail(self, where, msg):
        return fail(self.fname, self.var, where, msg)

    def value(self, v, raw, where, depth):
        """``v`` (mat_dtype read) as a plain value; ``raw`` the same node read without
        mat_dtype, or None (only used for complex numbers)."""
        if depth > _MAX_DEPTH:
            raise self.fail(where, f"is nested more than {_MAX_DEPTH} levels deep")
        m = self.m
        if isinstance(v, m.MatlabOpaque):
            raise self.fail(where, object_message(_opaque_field(v, "s2") or "unknown"))
        if isinstance(v, m.MatlabFunction):
            raise self.fail(where, object_message("function_handle"))
        if isinstance(v, m.MatlabObject):
            raise self.fail(where, object_message(str(v.classname)))
        if self.issparse(v):
            raise self.fail(where, object_message("sparse"))
        if not isinstance(v, np.ndarray):
            raise self.fail(where, f"could not be read (scipy gave {type(v).__name__})")
        if v.dtype.fields:
            return self._struct(v, raw, where, depth)
        if v.dtype.kind == "U":
            return self._char(v, where)
        if v.dtype == object:
            if v.size and all(e is None for e in v.flat):    # scipy: a struct with no fields
                return {} if v.size == 1 else nest(matlab_dims(v.shape), lambda idx: {})
            return self._cell(v, raw, where, depth)
        if v.dtype.newbyteorder("=") in _NUMERIC:
            return self._numeric(v, raw, where)
        raise self.fail(where, f"has an unexpected element type {v.dtype}")

    def _numeric(self, v, raw, where):
        if isinstance(raw, np.ndarray) and np.iscomplexobj(raw) and not np.iscomplexobj(v):
            if v.dtype.kind != "f":
                raise self.fail(where, f"is a complex {v.dtype} array, which dlarr does not "
                                "read: save double(x) instead")
            v = raw.astype(np.result_type(v.dtype, np.complex64))
        return matlab_array(v)

    def _char(self, v, where):
        v = v.reshape(matlab_dims(v.shape))
        if v.size == 0:
            return ""
        if v.ndim > 2:
            raise self.fail(where, f"is a {'x'.join(map(str, v.shape))} char array; save it as "
                            "a cell array of char rows (cellstr) instead")
        codes = np.ascontiguousarray(v, dtype="<U1").view("<u4").reshape(v.shape)
        rows = [text_from_units(codes[i]) for i in range(v.shape[0])]
        return rows[0] if len(rows) == 1 else rows

    def _cell(self, v, raw, where, depth):
        shape = matlab_dims(v.shape)
        v = v.reshape(shape)
        raw = raw.reshape(shape) if isinstance(raw, np.ndarray) else None

        def item(idx):
            return self.value(v[idx], None if raw is None else raw[idx],
                              f"{where}{{{subscript(idx, shape)}}}", depth + 1)
        return nest(shape, item)

    def _struct(self, v, raw, where, depth):
        shape = matlab_dims(v.shape)
        v = v.reshape(shape)
        raw = raw.reshape(shape) if isinstance(raw, np.ndarray) and raw.dtype.fields else None
        fields = list(v.dtype.names)

        def element(idx, at):
            return {k: self.value(v[idx][k], None if raw is None else raw[idx][k],
                                  f"{at}.{k}", depth + 1) for k in fields}
        if v.size == 1:
            return element((0,) * len(shape), where)
        return nest(shape, lambda idx: element(idx, f"{where}({subscript(idx, shape)})"))
