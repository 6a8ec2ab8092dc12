"""lstm: MATLAB's long short-term memory operation, one recorded op with its own BPTT.

Equations (MathWorks' lstmLayer page, "Long Short-Term Memory Layer"), gate
blocks of weights, recurrentWeights and bias in MATLAB's order input i,
forget f, cell candidate g, output o::

    i = gate(W_i x + R_i h + b_i)      f = gate(W_f x + R_f h + b_f)
    g = state(W_g x + R_g h + b_g)     o = gate(W_o x + R_o h + b_o)
    c' = f .* c + i .* g               h' = o .* state(c')

The input forms and the output layouts are those every recurrent op shares
(``recurrent``); this module holds the kernels.

Kernel layout ("gate-major", so that every elementwise call works on one
contiguous block).  The kernel's arrays, per time step t (K = H + I + 1):

==================  ==============  =================================================
name                shape           holds
==================  ==============  =================================================
``fused_weights``   4 x H x K       ``[R | W | b]`` in the internal gate order o, i, f,
                                    g, gate rows pre-scaled (``fused_matrix``: 4H x K)
``step_inputs``     (T+1) x K x B   ``[h_{t-1}; x_t; 1]`` at [t]; h_t goes to [t+1][:H]
``gates``           (T+1) x 5 x     the activated gates o, i, f, g, then c_{t-1}
                    H x B           (``gates_flat``: the same as 5H rows)
``state_of_c``      T x H x B       state(c_t)
``products``        2 x H x B       ``[i g, f c_{t-1}]`` of the current step
``factors``         chunk x 6 x     the backward factors ``[o state'(c), o' state(c),
                    H x B           i' g, f' c_{t-1}, g' i, f]`` of a chunk of steps
``dz_ring``         chunk x 6 x     ``[dc_t, dz_o, dz_i, dz_f, dz_g, dc_{t-1}]`` per step
                    H x B           of a chunk, latest step last
``dz_all``          4 x H x T x B   every step's dz (internal gate order)
==================  ==============  =================================================

* ``fused_matrix @ step_inputs[t]`` computes W x + R h + b in ONE product per
  step, and after the loop ``dz_all @ step_inputs.T`` gives dR, dW and db in one
  product;
* the sigmoid gates o, i, f are one block of ``gates``, and ``[i, f] .* [g,
  c_{t-1}]`` is one call, so c_t = i g + f c_{t-1} takes two;
* the gate pre-activations are pre-scaled inside ``fused_weights`` (sigmoid(z) =
  0.5 tanh(z/2) + 0.5, hard-sigmoid(z) = clip(0.2 z + 0.5, 0, 1)), so with
  tanh/sigmoid one tanh call covers all four gates.

Backward per step: ``dh .* [o state'(c), o' state(c)]``, one add for dc, ``dc .*
[i' g, f' c_{t-1}, g' i, f]`` (which also gives dc_{t-1}) and one recurrent
product.  The factors that do not depend on the recursion are computed from the
kept gates for a chunk of steps at a time (in cache); after each chunk its dz
are copied into ``dz_all``, and dW, dR, db (one product with ``step_inputs``)
and dX (one product with W) come after the loop.  Only what this needs is kept
from the forward pass: ``fused_weights``, ``gates``, ``state_of_c`` and
``step_inputs``.

Buffers come from a workspace that keeps them between calls (see
``_Workspace``): on a small machine the page faults of fresh large arrays cost
as much as the arithmetic.
"""
from __future__ import annotations

import threading

import numpy as np

from ..core.arguments import name_value_pairs
from ..core.backend import array_namespace, is_cupy_array
from ..core.dlarray import DLArray
from ..core.options import GATE_ACTIVATIONS, STATE_ACTIVATIONS, choose
from ..core.registry import bind, primitive
from ..core.tape import current_tape
from .recurrent import (common_backend, hidden_size, prepare_matrix, prepare_sequence,
                        prepare_state, prepare_vector, present_output, present_state)

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
# The primitive, in MATLAB's order: x is I x B x T, h0/c0 H x (1 or B), W 4H x I,
# R 4H x H, b 4H; it returns Y (H x B x T) and the final states (H x B)
# --------------------------------------------------------------------------

def _fused_weights(W, R, b, H, gate, xp):
    """``[R | W | b]`` as 4 x H x K in the internal gate order, gate rows pre-scaled."""
    I = W.shape[1]
    K = H + I + 1
    order = list(_TO_MATLAB)
    fused = _WS.take(xp, (4, H, K), W.dtype)
    fused[:, :, :H] = R.reshape(4, H, H)[order]
    fused[:, :, H:H + I] = W.reshape(4, H, I)[order]
    fused[:, :, H + I] = b.reshape(4, H)[order]
    if gate == "sigmoid":
        fused[:3] *= 0.5
    else:
        fused[:3] *= 0.2
        fused[:3, :, H + I] += 0.5
    return fused


def _step_views(gates, state_of_c, T, H, keep):
    """Per step, the views of ``gates`` and ``state_of_c`` that step writes (made up
    front: indexing costs as much as a small ufunc, and the forward loop is all
    small ufuncs for small H and B).  Without ``keep``, ``gates`` is a ring of two."""
    gates_flat = gates.reshape(gates.shape[0], 5 * H, gates.shape[3])
    if keep:
        return (list(gates_flat[:T, :4 * H]), list(gates_flat[:T, :3 * H]), list(gates[:T, 0]),
                list(gates[:T, 1:3]), list(gates[:T, 3:5]), list(gates[1:, 4]), list(state_of_c))
    r = (T + 1) // 2
    return ([gates_flat[0, :4 * H], gates_flat[1, :4 * H]] * r,
            [gates_flat[0, :3 * H], gates_flat[1, :3 * H]] * r, [gates[0, 0], gates[1, 0]] * r,
            [gates[0, 1:3], gates[1, 1:3]] * r, [gates[0, 3:5], gates[1, 3:5]] * r,
            [gates[1, 4], gates[0, 4]] * r, [state_of_c[0]] * T)


def _time_major(a, perm):
    """A raw array or DLArray in the CUDA kernels' order (T x B x ..., B x H), or back."""
    if a is None:
        return None
    if isinstance(a, DLArray):
        return DLArray._new(a._data.transpose(perm), "")
    return a.transpose(perm)


def _lstm_vjp(needs, g, ans, x, h0, c0, W, R, b, state_act, gate_act, keep, residual):
    if is_cupy_array(x._data):      # the CUDA kernels take T x B x I, B x H
        from ..kernels import lstm as _lstm_cuda
        g = tuple(_time_major(gi, p) for gi, p in zip(g, ((2, 1, 0), (1, 0), (1, 0))))
        grads = _lstm_cuda.primitive_backward(
            needs, g, _time_major(x, (2, 1, 0)), _time_major(h0, (1, 0)),
            _time_major(c0, (1, 0)), W, R, b, state_act, gate_act, residual)
        return tuple(_time_major(gi, p) if p else gi for gi, p in
                     zip(grads, ((2, 1, 0), (1, 0), (1, 0), None, None, None)))
    xp = array_namespace(x._data)
    _, gates, state_of_c, step_inputs = residual.bufs
    I, B, T = x.shape
    H = R._data.shape[1]
    need_dz = needs[0] or needs[3] or needs[4] or needs[5]
    dh, dc, dz_all, scratch = _bptt(g, R._data, gates, state_of_c, need_dz, xp, state_act,
                                    gate_act)
    grads = [None] * 6
    if needs[1]:
        grads[1] = DLArray._new(dh if h0.shape[1] == B else dh.sum(axis=1, keepdims=True), "")
    if needs[2]:                    # dc is a workspace buffer's view
        grads[2] = DLArray._new(dc.copy() if c0.shape[1] == B else
                                dc.sum(axis=1, keepdims=True), "")
    if need_dz:
        _weight_grads(grads, needs, dz_all, W._data, step_inputs, T, B, I, H, xp)
        _WS.give(dz_all)
    _WS.give(*scratch)
    return tuple(grads)


@primitive("lstm", _lstm_vjp, nout=3, higher=False, residual=True)
def _lstm(x, h0, c0, W, R, b, state_act, gate_act, keep):
    if is_cupy_array(x):            # GPU: dlarr's CUDA kernels (T x B x I; no host workspace)
        from ..kernels import lstm as _lstm_cuda
        (Y, hT, cT), res = _lstm_cuda.primitive_forward(x.transpose(2, 1, 0), h0.T, c0.T, W, R,
                                                        b, state_act, gate_act, keep)
        return (Y.transpose(2, 1, 0), hT.T, cT.T), res
    xp = array_namespace(x, h0, c0, W, R, b)
    I, B, T = x.shape
    H = R.shape[1]
    K = H + I + 1
    dt = x.dtype
    fused_weights = _fused_weights(W, R, b, H, gate_act, xp)
    fused_matrix = fused_weights.reshape(4 * H, K)

    # step_inputs[t] = [h_{t-1}; x_t; 1]; h_t is written into step_inputs[t+1][:H].
    step_inputs = _WS.take(xp, (T + 1, K, B), dt)
    step_inputs[:T, H:H + I] = x.transpose(2, 0, 1)
    step_inputs[:, H + I] = 1
    step_inputs[0, :H] = h0
    # gates[t] = [o, i, f, g, c_{t-1}]; a ring of two when nothing needs the history.
    gates = _WS.take(xp, (T + 1 if keep else 2, 5, H, B), dt)
    state_of_c = _WS.take(xp, (T if keep else 1, H, B), dt)        # state(c_t)
    gates[0, 4] = c0
    products = _WS.take(xp, (2, H, B), dt)                      # [i g, f c_{t-1}]
    ig, fc = products[0], products[1]

    steps = zip(step_inputs, *_step_views(gates, state_of_c, T, H, keep), step_inputs[1:, :H])
    dot, tanh, mul, add = xp.dot, xp.tanh, xp.multiply, xp.add
    if state_act == "tanh" and gate_act == "sigmoid":
        half = xp.asarray(0.5, dt)
        for hx, z_all, z_sig, o, i_f, g_c, c, s_c, h in steps:
            dot(fused_matrix, hx, z_all)    # all four gates, pre-scaled: one tanh
            tanh(z_all, z_all)
            mul(z_sig, half, z_sig)         # o, i, f: 0.5 tanh(x/2) + 0.5
            add(z_sig, half, z_sig)
            mul(i_f, g_c, products)         # [i g, f c_{t-1}]
            add(ig, fc, c)                  # c_t
            tanh(c, s_c)
            mul(o, s_c, h)                  # h_t
    else:
        for hx, z_all, z_sig, o, i_f, g_c, c, s_c, h in steps:
            dot(fused_matrix, hx, z_all)
            _gate_act(z_sig, xp, gate_act)
            _state_act(g_c[0], g_c[0], xp, state_act, ig)
            mul(i_f, g_c, products)
            add(ig, fc, c)
            _state_act(c, s_c, xp, state_act, s_c)
            mul(o, s_c, h)
    # Outputs: Y as a contiguous H x B x T array ("CBT" as it is), the final states H x B.
    Y_buffer = xp.empty((H, B, T), dt)
    Y_buffer[...] = step_inputs[1:, :H].transpose(1, 2, 0)
    hT = step_inputs[T, :H].copy()
    cT = gates[T if keep else T & 1, 4].copy()
    _WS.give(products)
    if keep:
        residual = _Residual((fused_weights, gates, state_of_c, step_inputs))
    else:
        residual = None
        _WS.give(fused_weights, gates, state_of_c, step_inputs)
    return (Y_buffer, hT, cT), residual


def _backward_factors(gates, state_of_c, factors, xp, state_act, gate_act):
    """The factors of the backward step that do not depend on the recursion, for a
    chunk of steps: factors = [o state'(c), o' state(c), i' g, f' c_{t-1}, g' i, f]
    from gates = [o, i, f, g, c_{t-1}] and state_of_c = state(c_t)."""
    A, TC, P = gates, state_of_c, factors
    mul = xp.multiply
    _gate_deriv(A[:, 0:3], P[:, 1:4], xp, gate_act)
    mul(P[:, 2:4], A[:, 3:5], P[:, 2:4])
    mul(P[:, 1], TC, P[:, 1])
    _state_deriv(A[:, 3], P[:, 4], xp, state_act)
    mul(P[:, 4], A[:, 1], P[:, 4])
    _state_deriv(TC, P[:, 0], xp, state_act)
    mul(P[:, 0], A[:, 0], P[:, 0])
    P[:, 5] = A[:, 2]


def _bptt(g, Rd, gates, state_of_c, need_dz, xp, state_act, gate_act):
    """The backward recursion over the steps, latest first.

    Returns dL/dh_0 and dL/dc_0 (H x B), the dz of every step as 4 x H x T x B
    in the internal gate order (``dz_all``, when ``need_dz``) and the workspace
    buffers to hand back once the results are read.
    """
    T = state_of_c.shape[0]
    H, B = gates.shape[2], gates.shape[3]
    dt = gates.dtype
    # Internal-order recurrent weights o, i, f, g (unscaled): dh_{t-1} = R_internal_T @ dz_t,
    # made C-contiguous (BLAS is faster on it than on the transposed view).
    R_internal_T = xp.ascontiguousarray(Rd.reshape(4, H, H)[list(_TO_MATLAB)].reshape(4 * H, H).T)
    grad_Y, grad_hT, grad_cT = (gi._data if gi is not None else None for gi in g)
    # dh: running dL/dh_t (H x B), updated in place.
    dh = xp.zeros((H, B), dt) if grad_hT is None else grad_hT.copy()
    dc_last = xp.zeros((H, B), dt) if grad_cT is None else grad_cT.copy()
    dY_steps = None
    if grad_Y is not None:                 # H x B x T -> contiguous T x H x B
        dY_steps = _WS.take(xp, (T, H, B), dt)
        dY_steps[...] = grad_Y.transpose(2, 0, 1)

    # Per step t, in a ring of `chunk` steps: dz_ring[j] = [dc_t, dz_o, dz_i, dz_f, dz_g,
    # dc_{t-1}] (slot 0 first holds dh .* o state'(c_t), then the total dL/dc_t).  After
    # each chunk its dz go to dz_all, 4H x T x B (internal gate order).
    chunk = max(1, min(T, _CHUNK_ELEMS // max(1, 6 * H * B)))
    dz_ring = _WS.take(xp, (chunk, 6, H, B), dt)
    factors = _WS.take(xp, (chunk, 6, H, B), dt)
    dz_all = _WS.take(xp, (4, H, T, B), dt) if need_dz else None
    dz_c_o = list(dz_ring[:, 0:2])                              # [dh .* o state'(c), dz_o]
    dz_gates = list(dz_ring.reshape(chunk, 6 * H, B)[:, H:5 * H])  # [dz_o; dz_i; dz_f; dz_g]
    dc_now, dz_ifg_dc, dc_prev = list(dz_ring[:, 0]), list(dz_ring[:, 2:6]), list(dz_ring[:, 5])
    f_c_o, f_ifg_f = list(factors[:, 0:2]), list(factors[:, 2:6])
    dY_list = list(dY_steps) if dY_steps is not None else None
    mul, add, dot = xp.multiply, xp.add, xp.dot
    dc_carry = dc_last                   # dL/dc_{t1-1}, from the chunk after (own buffer)
    for t1 in range(T, 0, -chunk):
        t0 = max(0, t1 - chunk)
        m = t1 - t0
        _backward_factors(gates[t0:t1], state_of_c[t0:t1], factors[:m], xp, state_act, gate_act)
        for j in range(m - 1, -1, -1):
            if dY_list is not None:
                add(dh, dY_list[t0 + j], dh)
            dc_t = dc_now[j]
            mul(dh, f_c_o[j], dz_c_o[j])    # [dh .* o state'(c), dz_o]
            add(dc_prev[j + 1] if j + 1 < m else dc_carry, dc_t, dc_t)      # dc_t
            mul(dc_t, f_ifg_f[j], dz_ifg_dc[j])     # [dz_i, dz_f, dz_g, dc_{t-1}]
            dot(R_internal_T, dz_gates[j], dh)      # dh_{t-1}
        if need_dz:
            xp.copyto(dz_all[:, :, t0:t1], dz_ring[:m, 1:5].transpose(1, 2, 0, 3))
        if t0 > 0:
            xp.copyto(dc_carry, dz_ring[0, 5])
    dc = dz_ring[0, 5] if T else dc_last
    return dh, dc, dz_all, (dz_ring, factors, *(() if dY_steps is None else (dY_steps,)))


def _weight_grads(grads, needs, dz_all, Wd, step_inputs, T, B, I, H, xp):
    """dX, dW, dR and db (into ``grads``, MATLAB's gate order) from every step's dz."""
    dt = dz_all.dtype
    dz = dz_all.reshape(4 * H, T * B)      # internal order
    order = list(_TO_MATLAB)
    if needs[0]:
        W_internal = Wd.reshape(4, H, I)[order].reshape(4 * H, I)
        grads[0] = DLArray._new((W_internal.T @ dz).reshape(I, T, B).transpose(0, 2, 1), "")
    if needs[3] or needs[4]:
        hx_by_time = _WS.take(xp, (H + I + 1, T, B), dt)
        hx_by_time[...] = step_inputs[:T].transpose(1, 0, 2)
        dM_internal = dz @ hx_by_time.reshape(H + I + 1, T * B).T   # [dR | dW | db]
        _WS.give(hx_by_time)
        dM = xp.empty_like(dM_internal)
        dM.reshape(4, H, -1)[order] = dM_internal.reshape(4, H, -1)
        if needs[3]:
            grads[3] = DLArray._new(dM[:, H:H + I], "")
        if needs[4]:
            grads[4] = DLArray._new(dM[:, :H], "")
        if needs[5]:
            grads[5] = DLArray._new(dM[:, H + I].copy(), "")
    elif needs[5]:
        db = xp.empty((4, H), dt)
        db[order] = dz.sum(axis=1).reshape(4, H)
        grads[5] = DLArray._new(db.reshape(4 * H), "")


# --------------------------------------------------------------------------
# Public function
# --------------------------------------------------------------------------

@name_value_pairs(6)
def lstm(X, H0, C0, weights, recurrentWeights, bias, *, DataFormat=None,
         StateActivationFunction="tanh", GateActivationFunction="sigmoid"):
    """Long short-term memory operation, MATLAB's ``lstm``.

    Syntax::

        Y, hiddenState, cellState = dl.lstm(X, H0, C0, weights, recurrentWeights, bias)
        # MATLAB: [Y, hiddenState, cellState] = lstm(X, H0, C0, weights, recurrentWeights, bias)
        Y, h, c = dl.lstm(X, H0, C0, weights, recurrentWeights, bias, DataFormat="CTB")
        Y, h, c = dl.lstm(..., StateActivationFunction="softsign")   # or ..., "Name", Value

    lstmLayer's equations (this module's help), H = NumHiddenUnits, the gate
    blocks in MATLAB's order input, forget, cell candidate, output.

    Arguments:
        X: the input sequences: a formatted dlarray with a "T" dimension, or an
            unformatted dlarray or numeric array with DataFormat (a numeric X
            needs a dlarray among the other inputs, as in MATLAB).  "S"
            dimensions are flattened into "C" (MATLAB's column-major order);
            a missing "C" is added; "U" dimensions must be singleton; a missing
            "B" is one observation.  InputSize = the product of the S and C sizes.
        H0, C0: the initial hidden and cell states, H x 1 (shared by every
            observation) or H x NumObservations; numeric, unformatted or
            formatted ("C" or "CB") dlarray.
        weights: InputWeights, 4H x InputSize.
        recurrentWeights: RecurrentWeights, 4H x H.
        bias: Bias, 4H elements (a vector of any orientation).

    Name-value options (keywords, or MATLAB's positional pairs; values match in
    any case, an unambiguous start is enough):
        DataFormat: labels of an unformatted X, e.g. "CBT" or "CTB"; default
            None (X formatted).
        StateActivationFunction: "tanh" (default), "softsign" or "relu".
        GateActivationFunction: "sigmoid" (default) or "hard-sigmoid"
            (clip(0.2 x + 0.5, 0, 1)).

    Returns (a tuple of three, always; MATLAB chooses by nargout):
        Y: H x NumObservations x NumTimeSteps in X's format minus "S"; for an
            unformatted X, an unformatted dlarray in X's dimension order
            (DataFormat "CTB" gives H x T x B).
        hiddenState, cellState: the final states, H x NumObservations: "CB"
            when H0/C0 were formatted, otherwise of H0's/C0's kind
            (unformatted dlarray, or numeric unless traced).

    Differentiable with respect to every input; a second derivative through
    lstm (EnableHigherDerivatives) is an error.  The result type is single if
    any input is single.  CuPy inputs run dlarr's CUDA kernels.

    Example::

        H = 4
        X = dl.dlarray(np.random.randn(3, 2, 5).astype("single"), "CBT")
        H0 = C0 = np.zeros((H, 1), "single")
        W = dl.initializeGlorot((4 * H, 3), 4 * H, 3)
        R = dl.initializeOrthogonal((4 * H, H))
        b = dl.initializeUnitForgetGate(H)
        Y, h, c = dl.lstm(X, H0, C0, W, R, b)   # Y: 4(C) x 2(B) x 5(T); h, c: 4 x 2
    """
    fname = "lstm"
    StateActivationFunction = choose(StateActivationFunction, STATE_ACTIVATIONS, fname,
                                     "StateActivationFunction")
    GateActivationFunction = choose(GateActivationFunction, GATE_ACTIVATIONS, fname,
                                    "GateActivationFunction")
    args = (X, H0, C0, weights, recurrentWeights, bias)
    xp, dtype = common_backend(args, fname)
    Xs, info = prepare_sequence(X, DataFormat, args[1:], fname, xp, dtype, time_major=False)
    h0, Hh, h_kind = prepare_state(H0, "H0", info, fname, time_major=False)
    c0, Hc, c_kind = prepare_state(C0, "C0", info, fname, time_major=False)
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
    return (present_output(Y, info, H, time_major=False), present_state(hT, h_kind, False),
            present_state(cT, c_kind, False))
