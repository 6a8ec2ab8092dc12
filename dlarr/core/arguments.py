"""MATLAB's calling conventions at the boundary: positional name-value pairs and nargout.

* :func:`name_value_pairs` lets a public function take MATLAB's positional pairs,
  ``dl.lstmLayer(100, "OutputMode", "last")`` as ``dl.lstmLayer(100, OutputMode="last")``,
  so that a pasted MATLAB line needs only the ``dl.`` prefix.
* :func:`check_nargout` is the one reader of ``nargout=``: functions whose outputs
  MATLAB chooses by the number of outputs asked for take ``nargout`` (MATLAB's word),
  its default the common case, and return a tuple when it is more than one.
"""
from __future__ import annotations

import functools
import inspect
import numbers

import numpy as np


def _names_of(fn):
    """The keyword names ``fn`` declares (parameters that can be given by name)."""
    sig = inspect.signature(fn)
    return [p.name for p in sig.parameters.values()
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]


def _first_pair(args, start, lower_names, open_names):
    """Index in ``args`` where the name-value pairs begin (``len(args)`` if none)."""
    for i in range(start, len(args)):
        a = args[i]
        if isinstance(a, str) and (a.lower() in lower_names or (open_names and i >= start)):
            return i
    return len(args)


def name_value_pairs(required, names=None):
    """Decorator: accept MATLAB's positional ``Name, Value`` pairs after the first
    ``required`` positional arguments.

    The pairs start at the first later argument that is a string naming one of the
    function's keyword parameters (any case) or, when ``names`` is given (a callable
    returning the valid names, for functions that take ``**options``), at the first
    later string argument.  Each name is matched without regard to case to the declared
    name (or passed on as written for ``**options``); an odd count, a non-string name, a
    name given twice (as a pair and as a keyword) are TypeErrors naming the function.
    """
    def wrap(fn):
        declared = _names_of(fn)
        by_lower = {n.lower(): n for n in declared}
        fname = fn.__name__

        @functools.wraps(fn)
        def call(*args, **kwargs):
            valid = by_lower if names is None else {**by_lower,
                                                    **{n.lower(): n for n in names()}}
            k = _first_pair(args, required, valid, names is not None)
            if k == len(args):
                return fn(*args, **kwargs)
            pairs = args[k:]
            if len(pairs) % 2:
                raise TypeError(f"{fname}: name-value arguments must come in pairs (Name, Value); "
                                f"got {len(pairs)} arguments from {pairs[0]!r} on")
            for j in range(0, len(pairs), 2):
                name, value = pairs[j], pairs[j + 1]
                if not isinstance(name, str):
                    raise TypeError(f"{fname}: the name of a name-value pair must be a string, "
                                    f"not {type(name).__name__} ({name!r})")
                key = valid.get(name.lower(), name)
                if key in kwargs:
                    raise TypeError(f"{fname}: {key} is given twice (as a name-value pair and "
                                    "as a keyword argument)")
                kwargs[key] = value
            return fn(*args[:k], **kwargs)
        call.__wrapped__ = fn
        return call
    return wrap


def check_nargout(nargout, allowed, fname):
    """``nargout`` validated: an integer in ``allowed`` (e.g. ``(1, 2)``)."""
    if isinstance(nargout, bool) or not isinstance(nargout, numbers.Integral) \
            or int(nargout) not in allowed:
        choices = ", ".join(str(a) for a in allowed)
        raise ValueError(f"{fname}: nargout must be one of {choices} (the number of outputs "
                         f"to return), not {nargout!r}")
    return int(nargout)


def check_one_kind(A, fname, argname):
    """Labels given as a (nested) list are all text or all numbers: NumPy would turn
    ``[1, "a"]`` into the strings "1" and "a" without a word."""
    if not isinstance(A, (list, tuple)):
        return
    first = {}
    stack = [iter(A)]
    k = 0
    while stack:
        for v in stack[-1]:
            if isinstance(v, (list, tuple)):
                stack.append(iter(v))
                break
            kind = "text" if isinstance(v, (str, np.str_)) else "number" if isinstance(
                v, (numbers.Number, np.number)) and not isinstance(v, (bool, np.bool_)) else None
            if kind and kind not in first:
                first[kind] = (k, v)
            k += 1
        else:
            stack.pop()
    if len(first) == 2:
        (i, a), (j, b) = first["number"], first["text"]
        raise ValueError(f"{fname}: {argname} mixes numbers and text ({a!r} at position {i}, "
                         f"{b!r} at position {j}); labels must be all text or all numbers")


def warn_user(message, category=UserWarning):
    """``warnings.warn`` pointing at the user's line: the first frame outside dlarr."""
    import os
    import sys
    import warnings
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
    frame, level = sys._getframe(1), 2         # stacklevel 2: the caller of warn_user
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(package):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


# --------------------------------------------------------------------------
# What came: the one way errors describe a wrong value, and arrays from lists
# --------------------------------------------------------------------------

def came(v):
    """A short description of ``v`` for an error message: what came instead of what
    was expected ("None", "str 'abc'", "int -1", "the logical True", "a list of 2
    elements [1, 'a']", "an ndarray of size 2x3 and dtype <U1", "a dlarray of size
    3(C) x 2(B)", "function f", "a dlnetwork")."""
    from .dlarray import DLArray
    if v is None:
        return "None"
    if isinstance(v, DLArray):
        from .formats import describe
        return f"a dlarray of size {describe(v._fmt, v.shape)}" if v.shape else "a scalar dlarray"
    if isinstance(v, (bool, np.bool_)):
        return f"the logical {bool(v)}"
    if isinstance(v, (str, bytes, numbers.Number)):
        text = repr(v) if isinstance(v, (str, bytes)) else str(v)
        return f"{type(v).__name__} {text[:40] + '...' if len(text) > 40 else text}"
    if isinstance(v, (list, tuple, dict)):
        n, text = len(v), repr(v)
        short = f" {text}" if len(text) <= 40 and "\n" not in text else ""
        return f"a {type(v).__name__} of {n} element{'s' if n != 1 else ''}{short}"
    shape, dtype = getattr(v, "shape", None), getattr(v, "dtype", None)
    if isinstance(shape, tuple) and dtype is None:          # a categorical, a table
        return f"a {type(v).__name__} of size {'x'.join(map(str, shape)) or '0-d'}"
    if isinstance(shape, tuple):
        if not shape:
            return f"a 0-d {type(v).__name__} of dtype {dtype}"
        return f"an {type(v).__name__} of size {'x'.join(map(str, shape))} and dtype {dtype}"
    if callable(v):
        return f"function {getattr(v, '__name__', type(v).__name__)}"
    name = type(v).__name__
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"


def as_array(x, fname, argname, dtype=None, kinds=None,
             what="an array or a nested list of rows of equal length"):
    """``x`` as a NumPy array (an array is returned as it is, converted to ``dtype``
    when given): a dlarray (which needs ``extractdata``), a ragged nested list, values
    that do not convert to ``dtype`` and (with ``kinds``, NumPy dtype kinds such as
    "biufU") data of another kind are errors naming ``fname`` and ``argname`` and saying
    what came, never NumPy's own messages."""
    from .backend import is_cupy_array
    from .dlarray import DLArray
    if isinstance(x, DLArray):
        raise TypeError(f"{fname}: {argname} must be a numeric array or a list, not a dlarray; "
                        f"use dl.extractdata({argname})")
    if is_cupy_array(x):
        x = x.get()
    if isinstance(x, (dict, set)) or callable(x) and not hasattr(x, "shape"):
        raise TypeError(f"{fname}: {argname} must be an array, a list or a scalar, "
                        f"not {came(x)}")
    try:
        a = np.asarray(x)
    except TypeError as e:          # DLArray.__array__ refuses: a list holding a dlarray
        if "DLArray" not in str(e):
            raise TypeError(f"{fname}: {argname} must be {what} of numbers or text, not "
                            f"{came(x)}") from None
        raise TypeError(f"{fname}: {argname} must hold numbers or text, not dlarrays "
                        f"(it is {came(x)}); use dl.extractdata on its elements") from None
    except ValueError:
        raise ValueError(f"{fname}: {argname} must be {what}, not a ragged nested list (its "
                         "rows have different lengths)") from None
    if kinds is not None and a.dtype.kind not in kinds:
        want = " or ".join(w for w, ks in (("numbers", "biuf"), ("text", "US"))
                           if set(ks) & set(kinds))
        raise TypeError(f"{fname}: {argname} must hold {want}, not {came(x)}")
    if dtype is None:
        return a
    try:
        return a.astype(dtype)
    except (TypeError, ValueError):
        raise TypeError(f"{fname}: {argname} must be numeric, not {came(x)}") from None
