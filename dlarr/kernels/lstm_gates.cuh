// dlarr: gate and activation helpers shared by every lstm kernel (forward and
// backward, per-step and persistent), so that the two directions cannot disagree.
//
// Compiled by CuPy's NVRTC (no standard headers: only builtins are used here) and,
// in the CPU test, by nvcc for sm_90 and by a host compiler under DLARR_EMULATION
// (see tests/test_kernels_compile.py), which supplies the hardware primitives of the
// last section itself.
//
// The float type is a template parameter (float or double) everywhere; the
// activation options are template parameters too, so each kernel is compiled for
// exactly one combination (no run-time switch in the inner loops).
//
// Conventions (MATLAB's lstm, Deep Learning Toolbox):
//   gate blocks in the order input i, forget f, cell candidate g, output o;
//   state activation: tanh, softsign x/(1+|x|), relu max(x, 0);
//   gate activation:  sigmoid 1/(1+exp(-x)), hard-sigmoid clip(0.2 x + 0.5, 0, 1)
//                     (0 below -2.5, 1 above 2.5).
// Derivatives are taken from the activation's OUTPUT (what the forward pass keeps),
// exactly as dlarr's NumPy path does:
//   tanh' = 1 - s^2, softsign' = (1 - |s|)^2, relu' = [s > 0],
//   sigmoid' = a (1 - a), hard-sigmoid' = 0.2 [0 < a < 1].
#ifndef DLARR_LSTM_GATES_CUH
#define DLARR_LSTM_GATES_CUH

#define DLARR_STATE_TANH 0
#define DLARR_STATE_SOFTSIGN 1
#define DLARR_STATE_RELU 2
#define DLARR_GATE_SIGMOID 0
#define DLARR_GATE_HARD_SIGMOID 1

// ---------------------------------------------------------------------------
// Elementary functions, overloaded on the float type
// ---------------------------------------------------------------------------

__device__ __forceinline__ float dl_tanh(float x) { return tanhf(x); }
__device__ __forceinline__ double dl_tanh(double x) { return tanh(x); }
__device__ __forceinline__ float dl_exp(float x) { return expf(x); }
__device__ __forceinline__ double dl_exp(double x) { return exp(x); }
__device__ __forceinline__ float dl_abs(float x) { return fabsf(x); }
__device__ __forceinline__ double dl_abs(double x) { return fabs(x); }

// ---------------------------------------------------------------------------
// Activations (forward) and their derivatives from the output
// ---------------------------------------------------------------------------

template <int SA, typename T>
__device__ __forceinline__ T state_act(T x) {
    if constexpr (SA == DLARR_STATE_TANH) {
        return dl_tanh(x);
    } else if constexpr (SA == DLARR_STATE_SOFTSIGN) {
        return x / (T(1) + dl_abs(x));
    } else {
        static_assert(SA == DLARR_STATE_RELU, "unknown state activation");
        return x > T(0) ? x : T(0);
    }
}

// Derivative of the state activation at the point where it gave s.
template <int SA, typename T>
__device__ __forceinline__ T state_deriv(T s) {
    if constexpr (SA == DLARR_STATE_TANH) {
        return T(1) - s * s;
    } else if constexpr (SA == DLARR_STATE_SOFTSIGN) {
        const T a = T(1) - dl_abs(s);     // 1/(1+|x|)^2 = (1-|s|)^2
        return a * a;
    } else {
        static_assert(SA == DLARR_STATE_RELU, "unknown state activation");
        return s > T(0) ? T(1) : T(0);
    }
}

template <int GA, typename T>
__device__ __forceinline__ T gate_act(T x) {
    if constexpr (GA == DLARR_GATE_SIGMOID) {
        // exp of a non-positive number never overflows.
        const T e = dl_exp(-dl_abs(x));
        return (x >= T(0) ? T(1) : e) / (T(1) + e);
    } else {
        static_assert(GA == DLARR_GATE_HARD_SIGMOID, "unknown gate activation");
        const T y = T(0.2) * x + T(0.5);
        return y < T(0) ? T(0) : (y > T(1) ? T(1) : y);
    }
}

// Derivative of the gate activation at the point where it gave a.
template <int GA, typename T>
__device__ __forceinline__ T gate_deriv(T a) {
    if constexpr (GA == DLARR_GATE_SIGMOID) {
        return a * (T(1) - a);
    } else {
        static_assert(GA == DLARR_GATE_HARD_SIGMOID, "unknown gate activation");
        return (a > T(0) && a < T(1)) ? T(0.2) : T(0);
    }
}

// ---------------------------------------------------------------------------
// One cell, forward: pre-activations (bias included) and c_{t-1} -> gates, c_t, h_t
// ---------------------------------------------------------------------------

template <int SA, int GA, typename T>
struct LstmCell {
    T i, f, g, o, c, h;

    __device__ __forceinline__ void forward(T zi, T zf, T zg, T zo, T c_prev) {
        i = gate_act<GA>(zi);
        f = gate_act<GA>(zf);
        g = state_act<SA>(zg);
        o = gate_act<GA>(zo);
        c = f * c_prev + i * g;
        h = o * state_act<SA>(c);
    }
};

// One cell, backward.  Inputs: the kept gates i, f, g, o of step t, c_{t-1}, c_t,
// dh = dL/dh_t (all paths), dc_in = dL/dc_t from step t+1 (or from cT).
// Outputs: dz = gradient of the pre-activations (i, f, g, o) and dc_out = dL/dc_{t-1}.
template <int SA, int GA, typename T>
__device__ __forceinline__ void lstm_cell_backward(T i, T f, T g, T o, T c_prev, T c_cur,
                                                   T dh, T dc_in, T& dzi, T& dzf, T& dzg,
                                                   T& dzo, T& dc_out) {
    const T s = state_act<SA>(c_cur);               // state(c_t), as in the forward pass
    const T dc = dc_in + dh * o * state_deriv<SA>(s);
    dzo = dh * s * gate_deriv<GA>(o);
    dzi = dc * g * gate_deriv<GA>(i);
    dzf = dc * c_prev * gate_deriv<GA>(f);
    dzg = dc * i * state_deriv<SA>(g);
    dc_out = dc * f;
}

// ---------------------------------------------------------------------------
// Hardware primitives.  Under DLARR_EMULATION (the CPU test) the emulator defines
// these names itself, with the same meaning.
// ---------------------------------------------------------------------------
#ifndef DLARR_EMULATION

// Dynamic shared memory of the block (16-byte aligned).
__device__ __forceinline__ unsigned char* dlarr_smem() {
    extern __shared__ __align__(16) unsigned char dlarr_smem_[];
    return dlarr_smem_;
}

__device__ __forceinline__ float shfl_xor(float v, int m) {
    return __shfl_xor_sync(0xffffffffu, v, m);
}
__device__ __forceinline__ double shfl_xor(double v, int m) {
    return __shfl_xor_sync(0xffffffffu, v, m);
}

// Loads of data that other blocks of the same launch wrote: through L2 only
// (ld.global.cg), never through the non-coherent or L1 paths.
__device__ __forceinline__ float ld_cg(const float* p) { return __ldcg(p); }
__device__ __forceinline__ double ld_cg(const double* p) { return __ldcg(p); }

__device__ __forceinline__ unsigned int ld_acquire_gpu(const unsigned int* p) {
    unsigned int v;
    asm volatile("ld.acquire.gpu.global.u32 %0, [%1];" : "=r"(v) : "l"(p) : "memory");
    return v;
}

__device__ __forceinline__ void red_release_gpu(unsigned int* p, unsigned int v) {
    asm volatile("red.release.gpu.global.add.u32 [%0], %1;" ::"l"(p), "r"(v) : "memory");
}

#define DLARR_SPIN_WAIT() __nanosleep(32)

#endif  // DLARR_EMULATION

// Barrier over the blocks that share one counter (the persistent kernels use one
// counter per batch slice).  The counter only grows: the n-th barrier of a slice
// waits until it reaches n * (blocks in the slice); it is zeroed before the launch.
// All blocks involved must be resident at once: the persistent kernels are started
// with a cooperative launch, which fails instead of starting too many blocks.
// Same protocol as cooperative_groups' grid sync (fence, release add, acquire spin).
__device__ __forceinline__ void slice_barrier(unsigned int* counter, unsigned int target) {
    __syncthreads();
    if (threadIdx.x == 0) {
        __threadfence();
        red_release_gpu(counter, 1u);
        while (ld_acquire_gpu(counter) < target) {
            DLARR_SPIN_WAIT();
        }
        __threadfence();
    }
    __syncthreads();
}

#endif  // DLARR_LSTM_GATES_CUH
