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
