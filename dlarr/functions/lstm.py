"""lstm: MATLAB's long short-term memory operation, one recorded op with its own BPTT.

Equations (MathWorks' lstmLayer page, "Long Short-Term Memory Layer"), gate
blocks of weights, recurrentWeights and bias in MATLAB's order input i,
forget f, cell candidate g, output o::

    i = gate(W_i x + R_i h + b_i)      f = gate(W_f x + R_f h + b_f)
    g = state(W_g x + R_g h + b_g)     o = gate(W_o x + R_o h + b_o)
    c' = f .* c + i .* g               h' = o .* state(c')

The input forms and the output layouts are those every recurrent op shares
(``_recurrent``); this module holds the kernels.

Kernel layout ("gate-major", so that every elementwise call works on one
contiguous block): per time step t

* ``HX[t]`` is the K x B column stack ``[h_{t-1}; x_t; 1]`` (K = H + I + 1),
  so ``Wcat @ HX[t]`` computes W x + R h + b in ONE product per step, and
  after the loop ``dZ @ HX.T`` gives dR, dW and db in one product;
* ``G[t]`` is 5 x H x B: the activated gates in the internal order o, i, f, g,
  then c_{t-1}.  The sigmoid gates o, i, f are one block, and ``[i, f] .*
  [g, c_{t-1}]`` is one call, so c_t = i g + f c_{t-1} takes two;
* the gate pre-activations are pre-scaled inside ``Wcat`` (sigmoid(z) =
  0.5 tanh(z/2) + 0.5, hard-sigmoid(z) = clip(0.2 z + 0.5, 0, 1)), so with
  tanh/sigmoid one tanh call covers all four gates.

Backward per step: ``dh .* [K, P_o]``, one add for dc, ``dc .* [P_i, P_f, P_g,
f]`` (which also gives dc_{t-1}) and one recurrent product.  The factors K, P
that do not depend on the recursion are computed from the kept gates for a
chunk of steps at a time (in cache); after each chunk its dz are copied into a
4H x T x B array, and dW, dR, db (one product with HX) and dX (one product
with W) come after the loop.  Only what this needs is kept from the forward
pass: the fused weights, the gates with c_{t-1}, state(c_t), and HX.

Buffers come from a workspace that keeps them between calls (see
``_Workspace``): on a small machine the page faults of fresh large arrays cost
as much as the arithmetic.
"""
from __future__ import annotations

import threading

import numpy as np

from ..core.backend import array_namespace, is_cupy_array
from ..core.dlarray import DLArray
from .recurrent import (GATE_ACTIVATIONS, STATE_ACTIVATIONS, check_option, common_backend,
                         hidden_size, prepare_matrix, prepare_sequence, prepare_state,
                         prepare_vector, present_output, present_state)
from ..core.registry import bind, primitive
from ..core.tape import current_tape

# Internal gate order o, i, f, g: MATLAB block (i=0, f=1, g=2, o=3) of each internal slot.
_TO_MATLAB = (3, 0, 1, 2)
# Elements of the per-chunk backward factors kept in cache at once.
_CHUNK_ELEMS = 1 << 18


# --------------------------------------------------------------------------
# Buffers kept between calls
# --------------------------------------------------------------------------

class _Workspace:
    """NumPy buffers reused from one call to the next (CuPy has its own memory pool).

    A fresh large array costs a page fault for every 4 KiB page the first time it
    is written (glibc hands freed memory back to the OS), which costs as much as
    the arithmetic of a whole LSTM layer on a small machine.  Training calls lstm
    with the same sizes again and again, so its scratch and residual buffers come
    from here, and go back when the call (or the backward pass) is done.  At
    most ``limit`` bytes are kept; the oldest go first.
    """

    def __init__(self, limit=1 << 29):
        self.limit = limit
        self._free = {}           # (shape, dtype) -> [arrays]
        self._bytes = 0
        self._lock = threading.Lock()

    def take(self, xp, shape, dtype):
        """An uninitialised array of ``shape`` and ``dtype`` (a NumPy dtype object)."""
        if xp is np:
            key = (shape, dtype)
            with self._lock:
                arrays = self._free.get(key)
                if arrays:
                    a = arrays.pop()
                    if not arrays:
                        del self._free[key]
                    self._bytes -= a.nbytes
                    return a
        return xp.empty(shape, dtype)

    def give(self, *arrays):
        """Hand arrays from ``take`` back; nothing may use them afterwards."""
        with self._lock:
            for a in arrays:
                if type(a) is not np.ndarray or a.base is not None or a.nbytes > self.limit:
                    continue
                while self._bytes + a.nbytes > self.limit:
                    key = next(iter(self._free))
                    old = self._free[key].pop(0)
                    if not self._free[key]:
                        del self._free[key]
                    self._bytes -= old.nbytes
                self._free.setdefault((a.shape, a.dtype), []).append(a)
                self._bytes += a.nbytes

    def clear(self):
        with self._lock:
            self._free.clear()
            self._bytes = 0


_WS = _Workspace()


class _Residual:
    """What the backward pass needs; its buffers return to the workspace when the
    tape lets go of it (after dlgradient, or when dlfeval returns)."""
    __slots__ = ("bufs",)

    def __init__(self, bufs):
        self.bufs = bufs

    def __del__(self):
        try:
            _WS.give(*self.bufs)
        except Exception:         # interpreter shutdown
            pass


# --------------------------------------------------------------------------
# Activations on the kernel's buffers (in place, `out=` everywhere)
# --------------------------------------------------------------------------

def _gate_act(z, xp, kind):
    """Gate activation of pre-scaled pre-activations, in place."""
    if kind == "sigmoid":           # z holds x/2: sigmoid(x) = 0.5 tanh(x/2) + 0.5
        xp.tanh(z, out=z)
        xp.multiply(z, 0.5, out=z)
        xp.add(z, 0.5, out=z)
    else:                           # z holds 0.2 x + 0.5
        xp.clip(z, 0, 1, out=z)


def _state_act(z, out, xp, kind, scratch):
    """State activation of z into out (out may be z; scratch may be out, not z)."""
    if kind == "tanh":
        xp.tanh(z, out=out)
    elif kind == "softsign":
        xp.abs(z, out=scratch)
        xp.add(scratch, 1, out=scratch)
        xp.divide(z, scratch, out=out)
    else:
        xp.maximum(z, 0, out=out)


def _gate_deriv(a, out, xp, kind):
    """Derivative of the gate activation at the point where it gave ``a``."""
    if kind == "sigmoid":
        xp.subtract(1, a, out=out)
        xp.multiply(out, a, out=out)
    else:
        xp.multiply((a > 0) & (a < 1), 0.2, out=out)


def _state_deriv(s, out, xp, kind):
    """Derivative of the state activation at the point where it gave ``s``."""
    if kind == "tanh":
        xp.multiply(s, s, out=out)
        xp.subtract(1, out, out=out)
    elif kind == "softsign":        # softsign'(x) = 1/(1+|x|)^2 = (1-|s|)^2
        xp.abs(s, out=out)
        xp.subtract(1, out, out=out)
        xp.multiply(out, out, out=out)
    else:
        xp.greater(s, 0, out=out)   # bool -> 0/1 in out's type


# --------------------------------------------------------------------------
# The primitive: x is T x B x I, h0/c0 (1 or B) x H, W 4H x I, R 4H x H, b 4H
# --------------------------------------------------------------------------

def _fused_weights(W, R, b, H, gate, xp):
    """``[R | W | b]`` as 4 x H x K in the internal gate order, gate rows pre-scaled."""
    I = W.shape[1]
    K = H + I + 1
    order = list(_TO_MATLAB)
    Wc = _WS.take(xp, (4, H, K), W.dtype)
    Wc[:, :, :H] = R.reshape(4, H, H)[order]
    Wc[:, :, H:H + I] = W.reshape(4, H, I)[order]
    Wc[:, :, H + I] = b.reshape(4, H)[order]
    if gate == "sigmoid":
        Wc[:3] *= 0.5
    else:
        Wc[:3] *= 0.2
        Wc[:3, :, H + I] += 0.5
    return Wc


@primitive("lstm", nout=3, higher=False, residual=True)
def _lstm(x, h0, c0, W, R, b, state_act, gate_act, keep):
    if is_cupy_array(x):            # GPU: dlarr's CUDA kernels (no host workspace)
        from ..kernels import lstm as _lstm_cuda
        return _lstm_cuda.primitive_forward(x, h0, c0, W, R, b, state_act, gate_act, keep)
    xp = array_namespace(x, h0, c0, W, R, b)
    T, B, I = x.shape
    H = R.shape[1]
    K = H + I + 1
    dt = x.dtype
    Wc3 = _fused_weights(W, R, b, H, gate_act, xp)
    Wc = Wc3.reshape(4 * H, K)
    H3, H4 = 3 * H, 4 * H

    # HX[t] = [h_{t-1}; x_t; 1]; h_t is written into HX[t+1][:H].
    HX = _WS.take(xp, (T + 1, K, B), dt)
    HX[:T, H:H + I] = x.transpose(0, 2, 1)
    HX[:, H + I] = 1
    HX[0, :H] = h0.T
    # G[t] = [o, i, f, g, c_{t-1}]; a ring of two when nothing needs the history.
    nG = T + 1 if keep else 2
    G = _WS.take(xp, (nG, 5, H, B), dt)
    G2 = G.reshape(nG, 5 * H, B)
    TC = _WS.take(xp, (T if keep else 1, H, B), dt)        # state(c_t)
    G[0, 4] = c0.T
    pair = _WS.take(xp, (2, H, B), dt)
    p0, p1 = pair[0], pair[1]

    # The views each step works on, made up front: indexing costs as much as a
    # small ufunc, and the loop below is all small ufuncs for small H and B.
    if keep:
        Z4, Z3, O, IF, GC = (list(G2[:T, :H4]), list(G2[:T, :H3]), list(G[:T, 0]),
                             list(G[:T, 1:3]), list(G[:T, 3:5]))
        CN, TCS = list(G[1:, 4]), list(TC)
    else:
        r = (T + 1) // 2
        Z4, Z3, O = [G2[0, :H4], G2[1, :H4]] * r, [G2[0, :H3], G2[1, :H3]] * r, [G[0, 0], G[1, 0]] * r
        IF, GC = [G[0, 1:3], G[1, 1:3]] * r, [G[0, 3:5], G[1, 3:5]] * r
        CN, TCS = [G[1, 4], G[0, 4]] * r, [TC[0]] * T
    steps = zip(HX, Z4, Z3, O, IF, GC, CN, TCS, HX[1:, :H])
    dot, tanh, mul, add = xp.dot, xp.tanh, xp.multiply, xp.add
    if state_act == "tanh" and gate_act == "sigmoid":
        half = xp.asarray(0.5, dt)
        for hx, z4, z3, o, if_, gc, c, tc, h in steps:
            dot(Wc, hx, z4)                 # all four gates, pre-scaled: one tanh
            tanh(z4, z4)
            mul(z3, half, z3)               # o, i, f: 0.5 tanh(x/2) + 0.5
            add(z3, half, z3)
            mul(if_, gc, pair)              # [i g, f c_{t-1}]
            add(p0, p1, c)                  # c_t
            tanh(c, tc)
            mul(o, tc, h)                   # h_t
    else:
        for hx, z4, z3, o, if_, gc, c, tc, h in steps:
            dot(Wc, hx, z4)
            _gate_act(z3, xp, gate_act)
            _state_act(gc[0], gc[0], xp, state_act, p0)
            mul(if_, gc, pair)
            add(p0, p1, c)
            _state_act(c, tc, xp, state_act, tc)
            mul(o, tc, h)
    # Outputs: Y as a T x B x H view of a contiguous H x B x T array (contiguous again
    # once presented as "CBT"), the final states as B x H views of contiguous H x B.
    Ybuf = xp.empty((H, B, T), dt)
    Ybuf[...] = HX[1:, :H].transpose(1, 2, 0)
    hT = HX[T, :H].copy()
    cT = G[T if keep else T & 1, 4].copy()
    _WS.give(pair)
    if keep:
        residual = _Residual((Wc3, G, TC, HX))
    else:
        residual = None
        _WS.give(Wc3, G, TC, HX)
    return (Ybuf.transpose(2, 1, 0), hT.T, cT.T), residual


def _backward_factors(A, TC, P, xp, state_act, gate_act):
    """The factors of the backward step that do not depend on the recursion, for a
    chunk of steps: P = [o state'(c), o' tc, i' g, f' c_{t-1}, g' i, f] from the
    gates A = [o, i, f, g, c_{t-1}] and TC = state(c_t)."""
    mul = xp.multiply
    _gate_deriv(A[:, 0:3], P[:, 1:4], xp, gate_act)
    mul(P[:, 2:4], A[:, 3:5], P[:, 2:4])
    mul(P[:, 1], TC, P[:, 1])
    _state_deriv(A[:, 3], P[:, 4], xp, state_act)
    mul(P[:, 4], A[:, 1], P[:, 4])
    _state_deriv(TC, P[:, 0], xp, state_act)
    mul(P[:, 0], A[:, 0], P[:, 0])
    P[:, 5] = A[:, 2]


@_lstm.defvjp
def _(needs, g, ans, x, h0, c0, W, R, b, state_act, gate_act, keep, residual):
    if is_cupy_array(x._data):
        from ..kernels import lstm as _lstm_cuda
        return _lstm_cuda.primitive_backward(needs, g, x, h0, c0, W, R, b, state_act,
                                             gate_act, residual)
    xp = array_namespace(x._data)
    _, G, TC, HX = residual.bufs
    Rd, Wd = R._data, W._data
    T, B, I = x.shape
    H = Rd.shape[1]
    dt = G.dtype
    H4, H5 = 4 * H, 5 * H
    # Internal-order recurrent weights o, i, f, g (unscaled): dh_{t-1} = Rint.T @ dz_t,
    # made C-contiguous (BLAS is faster on it than on the transposed view).
    RintT = xp.ascontiguousarray(Rd.reshape(4, H, H)[list(_TO_MATLAB)].reshape(H4, H).T)
    gY, gh, gc = (gi._data if gi is not None else None for gi in g)
    # dh: running dL/dh_t (H x B), updated in place.
    dh = xp.zeros((H, B), dt) if gh is None else gh.T.copy()
    dc_last = xp.zeros((H, B), dt) if gc is None else gc.T.copy()
    dYc = None
    if gY is not None:                     # T x B x H view -> contiguous T x H x B
        dYc = _WS.take(xp, (T, H, B), dt)
        dYc[...] = gY.transpose(0, 2, 1)

    # Per step t, in a ring of n steps: dZ[j] = [dc_t, dz_o, dz_i, dz_f, dz_g, dc_{t-1}]
    # (slot 0 first holds dh .* o state'(c_t), then the total dL/dc_t).  After each
    # chunk its dz go to dz4, 4H x T x B (internal gate order), for the products below.
    n = max(1, min(T, _CHUNK_ELEMS // (6 * H * B)))
    dZ = _WS.take(xp, (n, 6, H, B), dt)
    P = _WS.take(xp, (n, 6, H, B), dt)
    full = needs[0] or needs[3] or needs[4] or needs[5]
    dz4 = _WS.take(xp, (4, H, T, B), dt) if full else None
    DZ02, DZ15, DZ0, DZ26, DZ5 = (list(dZ[:, 0:2]), list(dZ.reshape(n, 6 * H, B)[:, H:H5]),
                                  list(dZ[:, 0]), list(dZ[:, 2:6]), list(dZ[:, 5]))
    P02, P26 = list(P[:, 0:2]), list(P[:, 2:6])
    DY = list(dYc) if dYc is not None else None
    mul, add, dot = xp.multiply, xp.add, xp.dot
    dcar = dc_last                           # dL/dc_{t1-1}, from the chunk after (own buffer)
    for t1 in range(T, 0, -n):
        t0 = max(0, t1 - n)
        m = t1 - t0
        _backward_factors(G[t0:t1], TC[t0:t1], P[:m], xp, state_act, gate_act)
        for j in range(m - 1, -1, -1):
            if DY is not None:
                add(dh, DY[t0 + j], dh)
            d0 = DZ0[j]
            mul(dh, P02[j], DZ02[j])        # [dh .* o state'(c), dz_o]
            add(DZ5[j + 1] if j + 1 < m else dcar, d0, d0)      # dc_t
            mul(d0, P26[j], DZ26[j])        # [dz_i, dz_f, dz_g, dc_{t-1}]
            dot(RintT, DZ15[j], dh)         # dh_{t-1}
        if full:
            xp.copyto(dz4[:, :, t0:t1], dZ[:m, 1:5].transpose(1, 2, 0, 3))
        if t0 > 0:
            xp.copyto(dcar, dZ[0, 5])
    dc = dZ[0, 5] if T else dc_last

    grads = [None] * 6
    if needs[1]:
        grads[1] = DLArray._new(dh.T if h0.shape[0] == B else dh.sum(axis=1)[None, :], "")
    if needs[2]:
        grads[2] = DLArray._new(dc.T.copy() if c0.shape[0] == B else dc.sum(axis=1)[None, :], "")
    if full:
        # dz for all steps as 4H x (T*B) (internal order); results back to MATLAB's order.
        dz = dz4.reshape(H4, T * B)
        order = list(_TO_MATLAB)
        if needs[0]:
            Wint = Wd.reshape(4, H, I)[order].reshape(H4, I)
            grads[0] = DLArray._new((Wint.T @ dz).reshape(I, T, B).transpose(1, 2, 0), "")
        if needs[3] or needs[4]:
            hx3 = _WS.take(xp, (H + I + 1, T, B), dt)
            hx3[...] = HX[:T].transpose(1, 0, 2)
            Mi = dz @ hx3.reshape(H + I + 1, T * B).T          # [dR | dW | db], internal rows
            _WS.give(hx3)
            M = xp.empty_like(Mi)
            M.reshape(4, H, -1)[order] = Mi.reshape(4, H, -1)
            if needs[3]:
                grads[3] = DLArray._new(M[:, H:H + I], "")
            if needs[4]:
                grads[4] = DLArray._new(M[:, :H], "")
            if needs[5]:
                grads[5] = DLArray._new(M[:, H + I].copy(), "")
        elif needs[5]:
            db = xp.empty((4, H), dt)
            db[order] = dz.sum(axis=1).reshape(4, H)
            grads[5] = DLArray._new(db.reshape(H4), "")
        _WS.give(dz4)
    _WS.give(dZ, P, *(() if dYc is None else (dYc,)))
    return tuple(grads)


# --------------------------------------------------------------------------
# Public function
# --------------------------------------------------------------------------

def lstm(X, H0, C0, weights, recurrentWeights, bias, *, DataFormat=None,
         StateActivationFunction="tanh", GateActivationFunction="sigmoid"):
    """Long short-term memory, MATLAB's ``[Y, hiddenState, cellState] = lstm(X, H0, C0,
    weights, recurrentWeights, bias)``.

    X: a formatted dlarray with a "T" dimension, or an unformatted dlarray or a
    numeric array with ``DataFormat`` (a numeric X needs a dlarray among the
    other inputs).  "S" dimensions are flattened into "C" (MATLAB's column-major
    order), a missing "C" is added, "U" dimensions must be singleton, a missing
    "B" is one observation.  H0, C0: NumHiddenUnits x 1 (shared by every
    observation) or NumHiddenUnits x NumObservations, numeric, unformatted or
    formatted ("C" or "CB").  weights: 4H x InputSize, recurrentWeights: 4H x H,
    bias: 4H elements, gate blocks in MATLAB's order input, forget, cell
    candidate, output.

    Returns Y (X's format minus "S"; for an unformatted X, X's dimension order,
    e.g. DataFormat "CTB" gives H x T x B), and hiddenState, cellState (H x B:
    "CB" when H0/C0 were formatted, otherwise of H0's/C0's kind: unformatted
    dlarray or numeric).  StateActivationFunction: "tanh", "softsign" or "relu";
    GateActivationFunction: "sigmoid" or "hard-sigmoid".
    """
    fname = "lstm"
    StateActivationFunction = check_option(StateActivationFunction, tuple(STATE_ACTIVATIONS),
                                           "StateActivationFunction", fname)
    GateActivationFunction = check_option(GateActivationFunction, tuple(GATE_ACTIVATIONS),
                                          "GateActivationFunction", fname)
    args = (X, H0, C0, weights, recurrentWeights, bias)
    xp, dtype = common_backend(args, fname)
    Xs, info = prepare_sequence(X, DataFormat, args[1:], fname, xp, dtype)
    h0, Hh, h_kind = prepare_state(H0, "H0", info, fname)
    c0, Hc, c_kind = prepare_state(C0, "C0", info, fname)
    H = hidden_size(Hh, Hc, fname)
    W = prepare_matrix(weights, "weights", 4 * H, info.I, fname, info,
                       "4*NumHiddenUnits x InputSize")
    R = prepare_matrix(recurrentWeights, "recurrentWeights", 4 * H, H, fname, info,
                       "4*NumHiddenUnits x NumHiddenUnits")
    b = prepare_vector(bias, "bias", 4 * H, fname, info, "4*NumHiddenUnits")
    inputs = [Xs, h0, c0, W, R, b]
    keep = current_tape() is not None and any(a.traced for a in inputs)
    Y, hT, cT = bind(_lstm, inputs, ("", "", ""), state_act=StateActivationFunction,
                     gate_act=GateActivationFunction, keep=keep)
    return present_output(Y, info, H), present_state(hT, h_kind), present_state(cT, c_kind)
