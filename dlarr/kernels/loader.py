"""The kernel loader: CUDA sources to compiled CuPy kernels, for every kernel family.

A *kernel family* is one or more ``.cu`` files that share one header (``.cuh``)
with their common device code, e.g. ``lstm_step.cu`` and ``lstm_persistent.cu``
with ``lstm_gates.cuh``.  CuPy compiles with NVRTC, which cannot open files, so
the loader makes each ``.cu`` file self-contained: every line
``#include "name.cuh"`` is replaced by the text of ``name.cuh`` (read from the same
place as the file; a header's own quoted includes are expanded too, and a header
included twice is pasted once).  Includes in angle brackets are left to NVRTC.
Pasting also means CuPy's on-disk cache key (a hash of the source) covers the
header.

Where sources come from:

* dlarr's own kernels: package data of ``dlarr/kernels/`` (``directory=None``),
  read with importlib.resources, so an installed wheel works the same as a checkout;
* a user's kernels: any directory (``directory=path``), or the text itself
  (``code=...``; its quoted includes are read from ``directory`` or, without one,
  from dlarr's kernels).

Reading a source (:func:`source_text`, :func:`kernel_source`) needs no CuPy and
no GPU.  :func:`get_function` compiles a ``cupy.RawModule`` for one name
expression (a template instantiation such as ``"axpb<float>"``) and returns its
``cupy.RawKernel``; compiled kernels are cached per (source, name expression,
compile options, device), sources per file.  CuPy is imported inside
:func:`get_function` only: importing this module never imports it.
"""
from __future__ import annotations

import hashlib
import os
import pathlib
import re
import threading
from importlib import resources

import numpy as np

__all__ = ["DEFAULT_OPTIONS", "ctype", "name_expression", "source_text", "kernel_source",
           "get_function", "clear_cache"]

#: Compile options of :func:`get_function` unless told otherwise.
DEFAULT_OPTIONS = ("-std=c++17",)

_CTYPES = {np.dtype(np.float32): "float", np.dtype(np.float64): "double"}
# A quoted include on a line of its own (a trailing // comment allowed).
_INCLUDE = re.compile(r'^[ \t]*#[ \t]*include[ \t]*"([^"\n]+)"[ \t]*(?://[^\n]*)?$', re.M)

_sources: dict = {}             # (origin, filename) -> self-contained source
_functions: dict = {}           # (origin, filename, name expression, options, device) -> kernel
_lock = threading.Lock()


# --------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------

def ctype(dtype, where="kernel loader"):
    """The CUDA type name of a float dtype: ``"float"`` (float32) or ``"double"``
    (float64); any other dtype is a ValueError that starts with ``where``."""
    try:
        dt = np.dtype(dtype)
    except TypeError:
        dt = repr(dtype)
    try:
        return _CTYPES[dt]
    except (KeyError, TypeError):
        raise ValueError(f"{where}: data must be float32 or float64, not {dt}") from None


def name_expression(kernel, *template_args):
    """The name expression of a template instantiation: ``name_expression("axpb",
    "float")`` is ``"axpb<float>"``; with no template arguments, the kernel's name."""
    if not isinstance(kernel, str) or not kernel:
        raise TypeError(f"name_expression: kernel must be a non-empty string, not {kernel!r}")
    if not template_args:
        return kernel
    return f"{kernel}<{','.join(str(a) for a in template_args)}>"


# --------------------------------------------------------------------------
# Sources (no CuPy needed)
# --------------------------------------------------------------------------

def _origin(directory):
    """Where files are read from: the package's kernels, or one resolved directory."""
    if directory is None:
        return "package:dlarr/kernels"
    if not isinstance(directory, (str, os.PathLike)):
        raise TypeError(f"kernel loader: directory must be a path (str or os.PathLike) or "
                        f"None for dlarr's own kernels, not {type(directory).__name__}")
    return str(pathlib.Path(directory).resolve())


def _check_filename(filename):
    if not isinstance(filename, str) or not filename:
        raise TypeError(f"kernel loader: filename must be a non-empty string, not "
                        f"{filename!r}")
    if os.path.isabs(filename) or ".." in pathlib.PurePath(filename).parts:
        raise ValueError(f"kernel loader: filename must be relative to its directory "
                         f"(pass the directory as directory=...), not {filename!r}")


def _read(origin, filename):
    _check_filename(filename)
    if origin.startswith("package:"):
        where = "dlarr/kernels/ (package data)"
        path = resources.files("dlarr").joinpath("kernels").joinpath(filename)
    else:
        where = origin
        path = pathlib.Path(origin, filename)
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileNotFoundError(f"kernel loader: no file {filename!r} in {where}") from None


def source_text(filename, directory=None):
    """The text of one kernel file as it is on disk (includes not expanded): from
    dlarr's kernels (package data) when ``directory`` is None, else from
    ``directory``."""
    return _read(_origin(directory), filename)


def _expand(text, origin, name, seen):
    """``text`` with each quoted include replaced by the header's (expanded) text;
    ``seen`` holds the headers already pasted (each is pasted once)."""
    def paste(m):
        header = m.group(1)
        if header in seen:
            return ""
        seen.add(header)
        try:
            body = _read(origin, header)
        except FileNotFoundError:
            raise FileNotFoundError(f"kernel loader: {name} includes \"{header}\", which is "
                                    f"not next to it (looked in {origin})") from None
        return _expand(body, origin, header, seen)
    return _INCLUDE.sub(paste, text)


def kernel_source(filename, directory=None, *, code=None):
    """The self-contained source NVRTC compiles: the file (or ``code``, the text of a
    file named ``filename``) with every ``#include "x.cuh"`` line replaced by the
    header's text, read from the same place (``directory``, or dlarr's kernels).

    Sources of files are cached (:func:`clear_cache` forgets them, e.g. after editing
    one's own kernel file); ``code`` is expanded on every call."""
    origin = _origin(directory)
    if code is not None:
        if not isinstance(code, str):
            raise TypeError(f"kernel_source: code must be the source text (str), not "
                            f"{type(code).__name__}")
        return _expand(code, origin, filename or "<code>", set())
    key = (origin, filename)
    src = _sources.get(key)
    if src is None:
        src = _expand(_read(origin, filename), origin, filename, set())
        _sources[key] = src
    return src


# --------------------------------------------------------------------------
# Compiled kernels (CuPy)
# --------------------------------------------------------------------------

def _options(options):
    if isinstance(options, str) or not all(isinstance(o, str) for o in options):
        raise TypeError(f"kernel loader: options must be a sequence of strings such as "
                        f"{DEFAULT_OPTIONS!r}, not {options!r}")
    return tuple(options)


def get_function(filename, name_expr, *, directory=None, code=None,
                 options=DEFAULT_OPTIONS):
    """The compiled kernel ``name_expr`` (a ``cupy.RawKernel``) of one source.

    ``filename``: a ``.cu`` file of dlarr's kernels (``directory=None``) or of
    ``directory``; with ``code`` the source text itself (``filename`` then only names
    it in errors; its includes are read from ``directory`` or dlarr's kernels).
    ``name_expr``: the instantiation to compile, e.g. ``"axpb<float>"`` (see
    :func:`name_expression`).  ``options``: NVRTC options.

    Compiled once per (source, name expression, options, current device); later calls
    return the same kernel object.  Needs CuPy (imported here)."""
    import cupy
    if not isinstance(name_expr, str) or not name_expr:
        raise TypeError(f"get_function: name_expr must be a non-empty string, not "
                        f"{name_expr!r}")
    options = _options(options)
    origin = _origin(directory)
    if code is not None:
        origin = origin + "#code:" + hashlib.sha256(code.encode("utf-8")).hexdigest()
    key = (origin, filename, name_expr, options, cupy.cuda.runtime.getDevice())
    kern = _functions.get(key)
    if kern is None:
        with _lock:
            kern = _functions.get(key)
            if kern is None:
                src = kernel_source(filename, directory, code=code)
                module = cupy.RawModule(code=src, options=options, name_expressions=(name_expr,))
                kern = _functions[key] = module.get_function(name_expr)
    return kern


def clear_cache():
    """Forget every source read and every kernel compiled by this loader (CuPy's own
    on-disk cache of compiled binaries is not touched)."""
    with _lock:
        _sources.clear()
        _functions.clear()
