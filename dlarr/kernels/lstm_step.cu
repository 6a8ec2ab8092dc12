// dlarr: per-step fused lstm kernels (forward and backward), one launch per time step.
//
// Layouts (row-major, C-contiguous; B observations, H hidden units):
//   G[t]   B x 4H   forward: on entry the pre-activations without bias
//                   (x_t W^T + h_{t-1} R^T, made by cuBLAS); with keep != 0 the
//                   kernel overwrites them with the activated gates i, f, g, o
//                   (what the backward pass needs).
//   C[t]   B x H    cell states: C[0] = c0, C[t+1] = c_t.
//   Y[t]   B x H    h_t (also the next step's recurrent product operand).
//   dZ[t]  B x 4H   backward: gradient of the pre-activations (i, f, g, o).
//
// Thread mapping: one thread per (observation b, hidden unit j), e = b*H + j,
// consecutive threads on consecutive j, so every load and store of a warp is
// contiguous (the four gate blocks are four coalesced streams).  Nothing is kept on
// chip between steps: per step these kernels are a few small coalesced passes; the
// time loop around them (cuBLAS recurrent product + one of these) is launched step
// by step or replayed from a captured CUDA graph (dlarr/kernels/lstm.py).
#include "lstm_gates.cuh"

// Forward step t.
//   gates   G[t] (B x 4H), read (pre-activations) and, with keep, overwritten (gates)
//   bias    4H
//   c_prev  C[t] (B x H); c_out: C[t+1] (B x H); h_out: Y[t] (B x H)
template <typename T, int SA, int GA>
__global__ void lstm_fwd_step(T* __restrict__ gates, const T* __restrict__ bias,
                              const T* __restrict__ c_prev, T* __restrict__ c_out,
                              T* __restrict__ h_out, int B, int H, int keep) {
    const int e = blockIdx.x * blockDim.x + threadIdx.x;
    if (e >= B * H) return;
    const int b = e / H;
    const int j = e - b * H;
    T* z = gates + (size_t)b * 4 * H;
    LstmCell<SA, GA, T> cell;
    cell.forward(z[j] + bias[j], z[H + j] + bias[H + j], z[2 * H + j] + bias[2 * H + j],
                 z[3 * H + j] + bias[3 * H + j], c_prev[e]);
    c_out[e] = cell.c;
    h_out[e] = cell.h;
    if (keep) {
        z[j] = cell.i;
        z[H + j] = cell.f;
        z[2 * H + j] = cell.g;
        z[3 * H + j] = cell.o;
    }
}

// Backward step t.
//   gates   G[t] (B x 4H) activated gates from the forward pass
//   c_prev  C[t], c_cur C[t+1] (B x H)
//   dh_rec  dL/dh_t from the later steps (B x H): dZ[t+1] R, or dL/dhT at t = T-1
//   dy      dY[t] (B x H), or null when Y received no gradient
//   dc      B x H carry: dL/dc_t on entry, dL/dc_{t-1} on exit
//   dz      dZ[t] (B x 4H), written
template <typename T, int SA, int GA>
__global__ void lstm_bwd_step(const T* __restrict__ gates, const T* __restrict__ c_prev,
                              const T* __restrict__ c_cur, const T* __restrict__ dh_rec,
                              const T* __restrict__ dy, T* __restrict__ dc,
                              T* __restrict__ dz, int B, int H) {
    const int e = blockIdx.x * blockDim.x + threadIdx.x;
    if (e >= B * H) return;
    const int b = e / H;
    const int j = e - b * H;
    const T* a = gates + (size_t)b * 4 * H;
    T dh = dh_rec[e];
    if (dy != nullptr) dh += dy[e];
    T dzi, dzf, dzg, dzo, dcn;
    lstm_cell_backward<SA, GA>(a[j], a[H + j], a[2 * H + j], a[3 * H + j], c_prev[e], c_cur[e],
                               dh, dc[e], dzi, dzf, dzg, dzo, dcn);
    T* d = dz + (size_t)b * 4 * H;
    d[j] = dzi;
    d[H + j] = dzf;
    d[2 * H + j] = dzg;
    d[3 * H + j] = dzo;
    dc[e] = dcn;
}
