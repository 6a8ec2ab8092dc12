"""The recording state and the nodes of the autodiff tape.

Operations are recorded only while ``dlfeval`` runs: ``dlfeval`` opens a
:class:`Tape`, and an operation records a :class:`Node` when a tape is open,
recording is not paused, and one of its inputs is traced on an open tape.
When ``dlfeval`` returns, its tape is closed and every node on it is cleared,
so nothing stays traced and no memory is held.
"""
from __future__ import annotations

import itertools
import threading

_ids = itertools.count()


class Tape:
    __slots__ = ("active", "nodes")

    def __init__(self):
        self.active = True
        self.nodes = []

    def close(self):
        self.active = False
        for n in self.nodes:
            n.clear()
        self.nodes = []


class Node:
    """One recorded value: a leaf, the result of a primitive, or one output of
    a multi-output primitive (``out_index`` set, ``parents == (op_node,)``).

    ``raw_inputs``/``raw_out`` keep what the primitive's derivative needs; the
    derivative sees them as unformatted DLArrays (traced ones when higher
    derivatives are being recorded).
    """
    __slots__ = ("id", "tape", "prim", "parents", "raw_inputs", "raw_out", "kwargs",
                 "residual", "shape", "out_index", "nout", "released")

    def __init__(self, tape, shape, prim=None, parents=(), raw_inputs=(), raw_out=None,
                 kwargs=None, residual=None, out_index=None, nout=1):
        self.id = next(_ids)
        self.tape = tape
        self.prim = prim
        self.parents = parents
        self.raw_inputs = raw_inputs
        self.raw_out = raw_out
        self.kwargs = kwargs
        self.residual = residual
        self.shape = shape
        self.out_index = out_index
        self.nout = nout
        self.released = False
        tape.nodes.append(self)

    def release(self):
        """Drop what the derivative needs (dlgradient without RetainData)."""
        self.released = True
        self.raw_inputs = ()
        self.raw_out = None
        self.residual = None

    def clear(self):
        self.release()
        self.parents = ()
        self.prim = None


class _State(threading.local):
    def __init__(self):
        self.tapes = []       # open tapes, innermost last
        self.paused = 0       # >0 while a derivative is computed without recording


_state = _State()


def open_tape() -> Tape:
    t = Tape()
    _state.tapes.append(t)
    return t


def close_tape(t: Tape):
    _state.tapes.remove(t)
    t.close()


def current_tape():
    """The innermost open tape, or None (also None while recording is paused)."""
    if _state.paused or not _state.tapes:
        return None
    return _state.tapes[-1]


def innermost_tape():
    """The innermost open tape, paused or not (for dlgradient's checks)."""
    return _state.tapes[-1] if _state.tapes else None


class paused:
    """Context manager: compute without recording."""

    def __enter__(self):
        _state.paused += 1

    def __exit__(self, *exc):
        _state.paused -= 1


class resumed:
    """Context manager: record even inside a paused region (higher derivatives)."""

    def __enter__(self):
        self._saved = _state.paused
        _state.paused = 0

    def __exit__(self, *exc):
        _state.paused = self._saved

