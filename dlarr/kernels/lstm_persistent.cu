// dlarr: persistent lstm kernels: ONE launch for all time steps, the recurrent weights
// kept in registers for the whole sequence.
//
// Same layouts as lstm_step.cu (G: T x B x 4H, C: (T+1) x B x H, Y: T x B x H,
// dZ: T x B x 4H, row-major) and the same cell math (lstm_gates.cuh).
//
// Grid: blockIdx.x = unit block (U hidden units j0 .. j0+U-1, j0 = blockIdx.x * U),
//       blockIdx.y = batch slice (BS observations b0 .. b0+BS-1, b0 = blockIdx.y * BS).
// Block: 32*U threads.  Each block keeps its part of R in registers (the rows
// g*H + j of the four gates of its units in the forward kernel, the columns j in
// the backward kernel); per step it stages the state it needs from global memory
// (written by all blocks of its slice in the previous step) into shared memory,
// multiplies, reduces, applies the cell update for its U x BS cells, writes them,
// and waits at a barrier with the other blocks of its batch slice.  Slices are
// independent (observations never interact), so there is one barrier counter per
// slice.  The cell state c and the backward carry dc stay in a register of the
// thread that owns the cell for all steps.
//
// Requirements (checked on the Python side, dlarr/kernels/lstm.py):
//   * cooperative launch (all blocks resident at once: the barrier waits for them);
//   * bar: gridDim.y zeroed counters;
//   * forward:  KL >= ceil(H/32)       (R elements per gate per lane);
//   * backward: KB >= ceil(4H/(32*U))  (R elements per unit per thread);
//   * shared memory: forward (BS*H + 4*U*BS) reals, backward (BS*4H + U*U*BS) reals.
#include "lstm_gates.cuh"

// Sum of a register array over the 32 lanes of a warp, scattered: afterwards lane
// `lane` holds the sums of the NV/32 values v0 .. v0+NV/32-1 with v0 = lane*NV/32 in
// v[0 ..] (NV >= 32), or, when NV < 32, the sum of value lane*NV/32 in v[0], which
// lanes with lane % (32/NV) == 0 write.  CNT values are left at mask M.
template <int CNT, int M, int NV, typename T>
__device__ __forceinline__ void warp_reduce_scatter(T (&v)[NV], int lane) {
    if constexpr (M > 0) {
        if constexpr (CNT >= 2) {
            constexpr int HALF = CNT / 2;
            const bool up = (lane & M) != 0;
#pragma unroll
            for (int q = 0; q < HALF; ++q) {
                const T send = up ? v[q] : v[q + HALF];
                const T keep = up ? v[q + HALF] : v[q];
                v[q] = keep + shfl_xor(send, M);
            }
            warp_reduce_scatter<HALF, M / 2, NV>(v, lane);
        } else {
            v[0] += shfl_xor(v[0], M);
            warp_reduce_scatter<1, M / 2, NV>(v, lane);
        }
    }
}

// Writes the scattered warp sums of warp_reduce_scatter to dst[0 .. NV).
template <int NV, typename T>
__device__ __forceinline__ void store_scattered(const T (&v)[NV], T* dst, int lane) {
    if constexpr (NV >= 32) {
        constexpr int PER = NV / 32;
#pragma unroll
        for (int q = 0; q < PER; ++q) dst[lane * PER + q] = v[q];
    } else {
        constexpr int GROUP = 32 / NV;
        if (lane % GROUP == 0) dst[lane / GROUP] = v[0];
    }
}

// ---------------------------------------------------------------------------
// Forward.
//   G     T x B x 4H: x_t W^T (no bias) on entry; with keep, the activated gates on exit
//   bias  4H;  R  4H x H
//   h0    (B or 1) x H with row stride ld_h0 (0: one row for all observations); c0 alike
//   Y     T x B x H  (h_t)
//   cst   c_t of step t goes to cst + t * c_stride (c_stride = B*H: the C store from
//         C[1]; c_stride = 0: only the last one, i.e. cT, survives)
// Warp w of the block computes the four gate rows of unit j0 + w: lane l sums over
// k = l, l+32, ..., the block's observations of the slice in registers (acc[b*4+g]).
// ---------------------------------------------------------------------------
template <typename T, int SA, int GA, int U, int KL, int BS>
__global__ void __launch_bounds__(32 * U, 1)
lstm_fwd_persistent(T* G, const T* __restrict__ bias, const T* __restrict__ R,
                    const T* __restrict__ h0, int ld_h0, const T* __restrict__ c0, int ld_c0,
                    T* Y, T* cst, long long c_stride, unsigned int* bar, int Tn, int B, int H,
                    int keep) {
    constexpr int NV = 4 * BS;
    const int tid = threadIdx.x;
    const int lane = tid & 31;
    const int warp = tid >> 5;
    const int j0 = blockIdx.x * U;
    const int b0 = blockIdx.y * BS;
    const int H4 = 4 * H;

    T* hs = reinterpret_cast<T*>(dlarr_smem());   // BS x H: h_{t-1} of the slice
    T* zs = hs + BS * H;                           // U x BS x 4: recurrent products

    // This lane's part of R: rows g*H + j (j = j0 + warp), columns k = lane + 32 i.
    const int j = j0 + warp;
    T r[4][KL];
#pragma unroll
    for (int g = 0; g < 4; ++g) {
#pragma unroll
        for (int i = 0; i < KL; ++i) {
            const int k = lane + 32 * i;
            r[g][i] = (j < H && k < H) ? R[(size_t)(g * H + j) * H + k] : T(0);
        }
    }

    // The cell this thread updates: unit j0 + eu, observation b0 + eb.
    const int eu = tid / BS;
    const int eb = tid - eu * BS;
    const int ej = j0 + eu;
    const int ebb = b0 + eb;
    const bool owner = tid < U * BS && ej < H && ebb < B;
    T c = T(0), bi = T(0), bf = T(0), bg = T(0), bo = T(0);
    if (owner) {
        c = c0[(size_t)ebb * ld_c0 + ej];
        bi = bias[ej];
        bf = bias[H + ej];
        bg = bias[2 * H + ej];
        bo = bias[3 * H + ej];
    }

    for (int t = 0; t < Tn; ++t) {
        // Stage h_{t-1} of the slice (coalesced along k).
        const T* hp = t == 0 ? h0 : Y + (size_t)(t - 1) * B * H;
        const int ldh = t == 0 ? ld_h0 : H;
        for (int e = tid; e < BS * H; e += 32 * U) {
            const int b = e / H;
            const int k = e - b * H;
            hs[e] = (b0 + b < B) ? ld_cg(hp + (size_t)(b0 + b) * ldh + k) : T(0);
        }
        __syncthreads();

        T acc[NV];
#pragma unroll
        for (int v = 0; v < NV; ++v) acc[v] = T(0);
#pragma unroll
        for (int i = 0; i < KL; ++i) {
            const int k = lane + 32 * i;
            if (k < H) {
#pragma unroll
                for (int b = 0; b < BS; ++b) {
                    const T hv = hs[b * H + k];
#pragma unroll
                    for (int g = 0; g < 4; ++g) acc[b * 4 + g] += r[g][i] * hv;
                }
            }
        }
        warp_reduce_scatter<NV, 16, NV>(acc, lane);
        store_scattered<NV>(acc, zs + warp * NV, lane);
        __syncthreads();

        if (owner) {
            const T* zr = zs + eu * NV + eb * 4;
            T* gp = G + ((size_t)t * B + ebb) * H4;
            LstmCell<SA, GA, T> cell;
            cell.forward(zr[0] + gp[ej] + bi, zr[1] + gp[H + ej] + bf,
                         zr[2] + gp[2 * H + ej] + bg, zr[3] + gp[3 * H + ej] + bo, c);
            c = cell.c;
            Y[((size_t)t * B + ebb) * H + ej] = cell.h;
            cst[(size_t)t * c_stride + (size_t)ebb * H + ej] = c;
            if (keep) {
                gp[ej] = cell.i;
                gp[H + ej] = cell.f;
                gp[2 * H + ej] = cell.g;
                gp[3 * H + ej] = cell.o;
            }
        }
        if (t + 1 < Tn) slice_barrier(bar + blockIdx.y, (unsigned int)(t + 1) * gridDim.x);
    }
}

// ---------------------------------------------------------------------------
// Backward.
//   G     T x B x 4H activated gates;  C  (T+1) x B x H cell states (C[0] = c0)
//   R     4H x H
//   dY    T x B x H, or null;  dhT, dcT  B x H (dL/dhT, dL/dcT; zeros when absent)
//   dZ    T x B x 4H, written;  dh0, dc0  B x H, written
// Per step the block needs dZ[t+1] of all units (dh_t = dY[t] + dZ[t+1] R): thread tid
// owns the rows r = tid + 32U i of R restricted to the block's columns j0 .. j0+U-1
// and sums over them for all U units and BS observations (acc[u*BS+b]); the warps'
// sums meet in shared memory.
// ---------------------------------------------------------------------------
template <typename T, int SA, int GA, int U, int KB, int BS>
__global__ void __launch_bounds__(32 * U, 1)
lstm_bwd_persistent(const T* __restrict__ G, const T* __restrict__ C, const T* __restrict__ R,
                    const T* __restrict__ dY, const T* __restrict__ dhT,
                    const T* __restrict__ dcT, T* dZ, T* __restrict__ dh0,
                    T* __restrict__ dc0, unsigned int* bar, int Tn, int B, int H) {
    constexpr int NT = 32 * U;
    constexpr int NV = U * BS;
    const int tid = threadIdx.x;
    const int lane = tid & 31;
    const int warp = tid >> 5;
    const int j0 = blockIdx.x * U;
    const int b0 = blockIdx.y * BS;
    const int H4 = 4 * H;

    T* dzs = reinterpret_cast<T*>(dlarr_smem());   // BS x 4H: dZ[t+1] of the slice
    T* red = dzs + BS * H4;                         // U warps x NV partial sums

    // R[r][j0 + u] for r = tid + NT i.
    T rt[U][KB];
#pragma unroll
    for (int u = 0; u < U; ++u) {
#pragma unroll
        for (int i = 0; i < KB; ++i) {
            const int rr = tid + NT * i;
            rt[u][i] = (j0 + u < H && rr < H4) ? R[(size_t)rr * H + j0 + u] : T(0);
        }
    }

    const int eu = tid / BS;
    const int eb = tid - eu * BS;
    const int ej = j0 + eu;
    const int ebb = b0 + eb;
    const bool owner = tid < NV && ej < H && ebb < B;
    T dcar = owner ? dcT[(size_t)ebb * H + ej] : T(0);

    for (int t = Tn - 1; t >= -1; --t) {
        T dh = T(0);
        if (t < Tn - 1) {
            const T* zp = dZ + (size_t)(t + 1) * B * H4;
            for (int e = tid; e < BS * H4; e += NT) {
                const int b = e / H4;
                dzs[e] = (b0 + b < B) ? ld_cg(zp + (size_t)b0 * H4 + e) : T(0);
            }
            __syncthreads();

            T acc[NV];
#pragma unroll
            for (int v = 0; v < NV; ++v) acc[v] = T(0);
#pragma unroll
            for (int i = 0; i < KB; ++i) {
                const int rr = tid + NT * i;
                if (rr < H4) {
#pragma unroll
                    for (int b = 0; b < BS; ++b) {
                        const T zv = dzs[b * H4 + rr];
#pragma unroll
                        for (int u = 0; u < U; ++u) acc[u * BS + b] += rt[u][i] * zv;
                    }
                }
            }
            warp_reduce_scatter<NV, 16, NV>(acc, lane);
            store_scattered<NV>(acc, red + warp * NV, lane);
            __syncthreads();
            if (tid < NV) {
#pragma unroll
                for (int w = 0; w < U; ++w) dh += red[w * NV + tid];
            }
        } else if (owner) {
            dh = dhT[(size_t)ebb * H + ej];
        }

        if (owner) {
            if (t >= 0) {
                const size_t cell = ((size_t)t * B + ebb) * H + ej;
                if (dY != nullptr) dh += dY[cell];
                const T* a = G + ((size_t)t * B + ebb) * H4;
                T dzi, dzf, dzg, dzo;
                lstm_cell_backward<SA, GA>(a[ej], a[H + ej], a[2 * H + ej], a[3 * H + ej],
                                           C[cell], C[cell + (size_t)B * H], dh, dcar, dzi,
                                           dzf, dzg, dzo, dcar);
                T* d = dZ + ((size_t)t * B + ebb) * H4;
                d[ej] = dzi;
                d[H + ej] = dzf;
                d[2 * H + ej] = dzg;
                d[3 * H + ej] = dzo;
            } else {
                dh0[(size_t)ebb * H + ej] = dh;
                dc0[(size_t)ebb * H + ej] = dcar;
            }
        }
        if (t >= 0) slice_barrier(bar + blockIdx.y, (unsigned int)(Tn - t) * gridDim.x);
    }
}
