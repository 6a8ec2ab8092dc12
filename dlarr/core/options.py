"""Argument checks shared by every public function."""
from __future__ import annotations


def choose(value, options, fname, argname):
    """MATLAB's ``validatestring``: a case-insensitive match of ``value`` to one
    of ``options``, where an unambiguous leading part is enough ("batch" for
    "batch-size").  Errors list the valid values."""
    valid = ", ".join(repr(o) for o in options)
    if not isinstance(value, str):
        raise TypeError(f"{fname}: {argname} must be a string, one of {valid}; "
                        f"not {type(value).__name__}")
    v = value.lower()
    for o in options:
        if o.lower() == v:
            return o
    hits = [o for o in options if v and o.lower().startswith(v)]
    if len(hits) == 1:
        return hits[0]
    why = "is ambiguous" if hits else "is not valid"
    raise ValueError(f"{fname}: {argname} {value!r} {why}; valid values are {valid}")
