"""gru: MATLAB's gated recurrent unit operation, one recorded op with its own BPTT.

Gate order (MATLAB's): reset r, update z, candidate n.  With xW = W x_t + bW
(all steps in one product) and, in "recurrent-bias-after-multiplication" mode,
a second bias bR for the recurrent products:

    r   = gate(xW_r + R_r h + bR_r)
    z   = gate(xW_z + R_z h + bR_z)
    n   = state(xW_n + r .* (R_n h + bR_n))          "after-multiplication" (bR = 0)
    n   = state(xW_n + R_n (r .* h))                 "before-multiplication"
    h'  = (1 - z) .* n + z .* h

Bias: 3H elements (r, z, n) for the first two modes; 6H ([bW; bR]) for
"recurrent-bias-after-multiplication".  Equations as on MathWorks' gruLayer
page ("Gated Recurrent Unit Layer").

The kernel works on x as T x B x I, states as B x H; its arrays (per step t):

    xw[t]    W x_t + bW for all three gates (one product for all steps), B x 3H
    hr       R h (+ bR) for the step, B x 3H (B x 2H for r, z only in "before" mode)
    rz[t]    the activated gates [r, z], B x 2H (kept for the backward pass)
    n[t]     the candidate n, B x H (kept)
    q[t]     R_n h (+ bR_n), or r .* h in "before" mode, B x H (kept)
    dGx[t]   dL/d(pre-activations) on the input side [r, z, n], B x 3H
    dGh[t]   the same on the recurrent side (B x 2H in "before" mode)
    dan      dL/d(candidate pre-activation); drh = dL/d(r .* h) in "before" mode
"""
from __future__ import annotations

from ..core.arguments import name_value_pairs
from ..core.backend import array_namespace
from ..core.dlarray import DLArray
from ..core.options import GATE_ACTIVATIONS, RESET_GATE_MODES, STATE_ACTIVATIONS, choose
from ..core.registry import bind, primitive
from .recurrent import (GATE_FUNCTIONS, STATE_FUNCTIONS, common_backend, hidden_size,
                        prepare_matrix, prepare_sequence, prepare_state, prepare_vector,
                        present_output, present_state)


def _gru_vjp(needs, g, ans, x, h0, W, R, b, mode, state_act, gate_act, residual):
    xp = array_namespace(x._data)
    xd, h0d, Wd, Rd = x._data, h0._data, W._data, R._data
    rz, n, q = residual
    Y = ans[0]._data
    T, B, _ = xd.shape
    H = Rd.shape[1]
    dsfun = STATE_FUNCTIONS[state_act][1]
    dgfun = GATE_FUNCTIONS[gate_act][1]
    before = mode == "before-multiplication"
    recbias = mode == "recurrent-bias-after-multiplication"
    dtype = xd.dtype
    gY = g[0]._data if g[0] is not None else None
    dh = g[1]._data.copy() if g[1] is not None else xp.zeros((B, H), dtype)
    dGx = xp.empty((T, B, 3 * H), dtype)        # d(pre-activations), input side
    dGh = xp.empty((T, B, 3 * H if not before else 2 * H), dtype)   # recurrent side
    dan_before = xp.empty((T, B, H), dtype) if before else None
    h0b = xp.broadcast_to(h0d, (B, H))
    Rrz, Rn = Rd[:2 * H], Rd[2 * H:]
    for t in range(T - 1, -1, -1):
        if gY is not None:
            dh += gY[t]
        hp = Y[t - 1] if t > 0 else h0b
        r, z = rz[t, :, :H], rz[t, :, H:]
        nt = n[t]
        dn = dh * (1 - z)
        dz = dh * (hp - nt)
        dh_prev = dh * z
        dan = dn * dsfun(nt, xp)
        dGx[t, :, 2 * H:] = dan
        if before:
            drh = dan @ Rn                      # d(r .* h)
            dr = drh * hp
            dh_prev += drh * r
            dan_before[t] = dan
        else:
            dr = dan * q[t]
            dGh[t, :, 2 * H:] = dan * r
        dGx[t, :, :H] = dr * dgfun(r, xp)
        dGx[t, :, H:2 * H] = dz * dgfun(z, xp)
        dGh[t, :, :2 * H] = dGx[t, :, :2 * H]
        dh_prev += dGh[t] @ (Rrz if before else Rd)
        dh = dh_prev
    grads = [None] * 5
    gx = dGx.reshape(T * B, 3 * H)
    if needs[0]:
        grads[0] = DLArray._new((gx @ Wd).reshape(T, B, Wd.shape[1]), "")
    if needs[1]:
        grads[1] = DLArray._new(dh, "")
    if needs[2]:
        grads[2] = DLArray._new(gx.T @ xp.ascontiguousarray(xd).reshape(T * B, xd.shape[-1]), "")
    if needs[3]:
        hprev = xp.concatenate([h0b[None], Y[:-1]], axis=0)[:T].reshape(T * B, H)
        gh = dGh.reshape(T * B, dGh.shape[-1])
        if before:
            dR = xp.concatenate([gh.T @ hprev,
                                 dan_before.reshape(T * B, H).T @ q.reshape(T * B, H)], axis=0)
        else:
            dR = gh.T @ hprev
        grads[3] = DLArray._new(dR, "")
    if needs[4]:
        db = gx.sum(axis=0)
        if recbias:
            db = xp.concatenate([db, dGh.reshape(T * B, dGh.shape[-1]).sum(axis=0)])
        grads[4] = DLArray._new(db, "")
    return tuple(grads)


@primitive("gru", _gru_vjp, nout=2, higher=False, residual=True)
def _gru(x, h0, W, R, b, mode, state_act, gate_act):
    xp = array_namespace(x)
    T, B, _ = x.shape
    H = R.shape[1]
    sfun = STATE_FUNCTIONS[state_act][0]
    gfun = GATE_FUNCTIONS[gate_act][0]
    before = mode == "before-multiplication"
    bW = b[:3 * H]
    bR = b[3 * H:] if mode == "recurrent-bias-after-multiplication" else None
    xw = (xp.ascontiguousarray(x).reshape(T * B, x.shape[2]) @ W.T).reshape(T, B, 3 * H)
    xw += bW
    Y = xp.empty((T, B, H), x.dtype)
    rz = xp.empty((T, B, 2 * H), x.dtype)       # gate values, kept for backward
    n = xp.empty((T, B, H), x.dtype)            # candidate values
    q = xp.empty((T, B, H), x.dtype)            # R_n h (+ bR_n), or r .* h in "before" mode
    h = xp.broadcast_to(h0, (B, H))
    Rrz, Rn = R[:2 * H], R[2 * H:]
    for t in range(T):
        if before:
            hr = h @ Rrz.T
        else:
            hr = h @ R.T
            if bR is not None:
                hr += bR
        g = rz[t]
        xp.add(xw[t, :, :2 * H], hr[:, :2 * H], out=g)
        gfun(g, xp)
        r, z = g[:, :H], g[:, H:]
        if before:
            xp.multiply(r, h, out=q[t])
            a = q[t] @ Rn.T
        else:
            q[t] = hr[:, 2 * H:]
            a = r * q[t]
        a += xw[t, :, 2 * H:]
        nt = sfun(a, xp)
        n[t] = nt
        # h' = n + z .* (h - n)
        ht = Y[t]
        xp.subtract(h, nt, out=ht)
        ht *= z
        ht += nt
        h = ht
    hT = Y[T - 1].copy() if T else xp.array(h, copy=True)     # no steps: the initial state
    return (Y, hT), (rz, n, q)


@name_value_pairs(5)
def gru(X, H0, weights, recurrentWeights, bias, *, DataFormat=None,
        ResetGateMode="after-multiplication", StateActivationFunction="tanh",
        GateActivationFunction="sigmoid"):
    """Gated recurrent unit operation, MATLAB's ``gru``.

    Syntax::

        Y, hiddenState = dl.gru(X, H0, weights, recurrentWeights, bias)
        # MATLAB: [Y, hiddenState] = gru(X, H0, weights, recurrentWeights, bias)
        Y, h = dl.gru(X, H0, weights, recurrentWeights, bias, DataFormat="CTB")
        Y, h = dl.gru(..., ResetGateMode="before-multiplication")   # or ..., "Name", Value

    The equations are gruLayer's (this module's help shows them), with H =
    NumHiddenUnits and the gate blocks in MATLAB's order reset, update,
    candidate.

    Arguments:
        X: the input sequences, in the forms :func:`lstm` takes: a formatted
            dlarray with a "T" dimension, or unformatted with DataFormat; "S"
            dimensions are flattened into "C" (InputSize = their product).
        H0: the initial hidden state, H x 1 (shared by every observation) or
            H x NumObservations; numeric, unformatted or formatted ("C"/"CB").
        weights: InputWeights, 3H x InputSize.
        recurrentWeights: RecurrentWeights, 3H x H.
        bias: 3H elements, or 6H (input bias, then recurrent bias) with
            ResetGateMode "recurrent-bias-after-multiplication".

    Name-value options (keywords, or MATLAB's positional pairs; values match in
    any case, an unambiguous start is enough):
        DataFormat: labels of an unformatted X, e.g. "CBT"; default None.
        ResetGateMode: where the reset gate applies: "after-multiplication"
            (default: r .* (R_n h)), "before-multiplication" (R_n (r .* h))
            or "recurrent-bias-after-multiplication" (as the default, with a
            recurrent bias added to R h: bias has 6H elements).
        StateActivationFunction: "tanh" (default), "softsign" or "relu".
        GateActivationFunction: "sigmoid" (default) or "hard-sigmoid".

    Returns (a tuple of two, always; MATLAB chooses by nargout):
        Y: H x NumObservations x NumTimeSteps in X's format minus "S", or,
            for an unformatted X, unformatted in X's dimension order.
        hiddenState: the final state, H x NumObservations: "CB" when H0 was
            formatted, else of H0's kind (unformatted dlarray, or numeric unless
            traced).

    Differentiable with respect to every input; a second derivative through
    gru (EnableHigherDerivatives) is an error.  The result type is single if
    any input is single.

    Example::

        H = 4
        X = dl.dlarray(np.random.randn(3, 2, 5).astype("single"), "CBT")
        H0 = np.zeros((H, 1), "single")
        W = dl.initializeGlorot((3 * H, 3), 3 * H, 3)
        R = dl.initializeOrthogonal((3 * H, H))
        b = dl.initializeZeros((3 * H, 1))
        Y, h = dl.gru(X, H0, W, R, b)      # Y: 4(C) x 2(B) x 5(T); h: 4 x 2
    """
    fname = "gru"
    ResetGateMode = choose(ResetGateMode, RESET_GATE_MODES, fname, "ResetGateMode")
    StateActivationFunction = choose(StateActivationFunction, STATE_ACTIVATIONS, fname,
                                     "StateActivationFunction")
    GateActivationFunction = choose(GateActivationFunction, GATE_ACTIVATIONS, fname,
                                    "GateActivationFunction")
    args = (X, H0, weights, recurrentWeights, bias)
    xp, dtype = common_backend(args, fname)
    Xs, info = prepare_sequence(X, DataFormat, args[1:], fname, xp, dtype)
    h0, H, h_kind = prepare_state(H0, "H0", info, fname)
    H = hidden_size(H, None, fname)
    W = prepare_matrix(weights, "weights", 3 * H, info.I, fname, info,
                       "3*NumHiddenUnits x InputSize")
    R = prepare_matrix(recurrentWeights, "recurrentWeights", 3 * H, H, fname, info,
                       "3*NumHiddenUnits x NumHiddenUnits")
    nb = 6 * H if ResetGateMode == "recurrent-bias-after-multiplication" else 3 * H
    b = prepare_vector(bias, "bias", nb, fname, info,
                       f"{'6' if nb == 6 * H else '3'}*NumHiddenUnits (ResetGateMode "
                       f"{ResetGateMode!r})")
    Y, hT = bind(_gru, [Xs, h0, W, R, b], ("", ""), mode=ResetGateMode,
                 state_act=StateActivationFunction, gate_act=GateActivationFunction)
    return present_output(Y, info, H), present_state(hT, h_kind)
