"""The CUDA kernels of dlarr/kernels/ on a machine without a GPU.

* the loader (dlarr.kernels.loader) makes every .cu file self-contained (its family
  header pasted in), reads users' kernels from a directory or from text, and caches
  compiled kernels per (source, name expression, options, device) (a stand-in CuPy
  module counts the compilations); the lstm kernels' activation codes (the header's
  #defines) are the positions in dlarr.core.options' tables;
* nvcc (when on PATH) compiles every .cu file for sm_90 with every instantiation the
  package can ask for (each family's all_name_expressions), all warnings as
  errors, and the register report must show no spills (a spill in the persistent
  kernels means their weights left the registers);
* NVRTC (when CuPy and an NVRTC library are importable, no GPU needed) compiles the
  very source text dlarr hands to cupy.RawModule;
* a host C++ compiler (g++) builds the kernels against a small emulation of the CUDA
  features they use (every CUDA thread a fiber, scheduled in a random order, with
  __syncthreads, warp shuffles and the grid barrier of the persistent kernels;
  shared memory poisoned), and dlarr/kernels/lstm.py runs on NumPy arrays through it
  (cuBLAS emulated with the same column-major pointer semantics, CUDA graphs by
  recording): every path is checked against the NumPy lstm, with NaN-poisoned
  buffers.  This checks the kernels' logic and the glue's indexing, not the GPU's
  memory model or speed (tests/test_lstm_gpu.py does that on a GPU).
"""
import ctypes
import itertools
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

import dlarr as dl
from dlarr import kernels
from dlarr.core.dlarray import DLArray
from dlarr.core.options import GATE_ACTIVATIONS, LSTM_GPU_MODES, STATE_ACTIVATIONS
from dlarr.functions import lstm as _lstm
from dlarr.kernels import cuda as kcuda
from dlarr.kernels import loader
from dlarr.kernels import lstm as lc

KERNELS = os.path.dirname(os.path.abspath(lc.__file__))
CU_FILES = sorted(f for f in os.listdir(KERNELS) if f.endswith(".cu"))
# The launcher modules of the kernel families: KERNEL_FILES, HEADER and
# all_name_expressions() each (a new family adds its module here).
FAMILIES = (lc,)
DOC = os.path.join(os.path.dirname(KERNELS), os.pardir, "docs", "extending.md")


def _all_names():
    names = {}
    for fam in FAMILIES:
        names.update(fam.all_name_expressions())
    return names


def test_every_kernel_file_is_known_and_includes_its_family_header():
    assert set(CU_FILES) == set(_all_names())
    for fam in FAMILIES:
        assert set(fam.all_name_expressions()) == set(fam.KERNEL_FILES)
        guard = fam.HEADER.upper().replace(".", "_")        # lstm_gates.cuh -> LSTM_GATES_CUH
        for f in fam.KERNEL_FILES:
            assert f'#include "{fam.HEADER}"' in loader.source_text(f)
            src = loader.kernel_source(f)
            assert "#include" not in src, f  # self-contained for NVRTC and CuPy's cache key
            assert f"DLARR_{guard}" in src


# --------------------------------------------------------------------------
# One vocabulary: the activation codes of the header are the options' positions
# --------------------------------------------------------------------------

_DEFINE = re.compile(r"^#define\s+(DLARR_(?:STATE|GATE)_\w+)\s+(\d+)\s*$", re.M)


def _define_name(kind, act):
    return f"DLARR_{kind}_{act.upper().replace('-', '_')}"


def test_header_activation_codes_equal_the_option_tables():
    defines = {n: int(v) for n, v in _DEFINE.findall(loader.source_text(lc.HEADER))}
    want = {_define_name("STATE", a): i for i, a in enumerate(STATE_ACTIVATIONS)}
    want.update({_define_name("GATE", a): i for i, a in enumerate(GATE_ACTIVATIONS)})
    assert defines == want, "lstm_gates.cuh's #defines disagree with dlarr.core.options"
    assert defines["DLARR_GATE_HARD_SIGMOID"] == 1


def test_activation_codes_are_table_positions_matched_like_options():
    for i, sa in enumerate(STATE_ACTIVATIONS):
        for j, ga in enumerate(GATE_ACTIVATIONS):
            assert lc.activation_codes(sa, ga) == (i, j)
    assert lc.activation_codes("SoftSign", "hard") == (1, 1)
    with pytest.raises(ValueError, match="StateActivationFunction"):
        lc.activation_codes("elu", "sigmoid")
    with pytest.raises(ValueError, match="GateActivationFunction"):
        lc.activation_codes("tanh", "tanh")


# --------------------------------------------------------------------------
# Settings: TF32, the GPU mode
# --------------------------------------------------------------------------

def test_import_of_the_kernels_wing_never_imports_cupy():
    code = ("import sys; sys.modules['cupy'] = None\n"
            "import dlarr.kernels as k, dlarr.kernels.loader as ld, dlarr.kernels.cuda, "
            "dlarr.kernels.lstm\n"
            "assert 'DLARR_LSTM_GATES_CUH' in ld.kernel_source('lstm_step.cu')\n"
            "with k.lstm_gpu_mode('graph'): assert k.get_lstm_gpu_mode() == 'graph'\n"
            "k.set_tf32(True); assert k.tf32_enabled(); k.set_tf32(None)\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_public_settings_are_exported():
    assert set(kernels.__all__) == {"set_tf32", "tf32_enabled", "lstm_gpu_mode",
                                    "get_lstm_gpu_mode"}
    for name in kernels.__all__:
        assert name in kernels.__doc__ and getattr(kernels, name).__doc__


def test_tf32_setting_and_environment(monkeypatch):
    try:
        monkeypatch.delenv("CUPY_TF32", raising=False)
        kernels.set_tf32(None)
        assert kernels.tf32_enabled() is False
        monkeypatch.setenv("CUPY_TF32", "1")
        assert kernels.tf32_enabled() is True
        kernels.set_tf32(False)
        assert kernels.tf32_enabled() is False
        monkeypatch.setenv("CUPY_TF32", "0")
        kernels.set_tf32(True)
        assert kernels.tf32_enabled() is True
        with pytest.raises(TypeError, match="set_tf32: enabled"):
            kernels.set_tf32("yes")
    finally:
        kernels.set_tf32(None)


def test_gpu_mode_context_environment_and_matching(monkeypatch):
    monkeypatch.delenv(lc.MODE_ENV, raising=False)
    assert kernels.get_lstm_gpu_mode() == "auto"
    monkeypatch.setenv(lc.MODE_ENV, "Graph")
    assert kernels.get_lstm_gpu_mode() == "graph"
    with kernels.lstm_gpu_mode("pers") as m:
        assert m == "persistent" and kernels.get_lstm_gpu_mode() == "persistent"
        with kernels.lstm_gpu_mode("steps"):
            assert kernels.get_lstm_gpu_mode() == "steps"
        assert kernels.get_lstm_gpu_mode() == "persistent"
    assert kernels.get_lstm_gpu_mode() == "graph"
    monkeypatch.setenv(lc.MODE_ENV, "fast")
    with pytest.raises(ValueError, match=lc.MODE_ENV):
        kernels.get_lstm_gpu_mode()
    for m in LSTM_GPU_MODES:
        assert lc._resolve_mode(8, 2, 4, np.float64, m)[0] in ("steps", "graph", "persistent")
    with pytest.raises(ValueError, match="mode"):
        lc._resolve_mode(8, 2, 4, np.float64, "fast")


# --------------------------------------------------------------------------
# The loader: sources from the package, a directory or text; the compile cache
# --------------------------------------------------------------------------

def test_loader_pastes_headers_generically(tmp_path):
    (tmp_path / "fam.cuh").write_text('#pragma once\n#include "inner.cuh"\n'
                                      "#define FAM 1\n")
    (tmp_path / "inner.cuh").write_text("#define INNER 2\n")
    (tmp_path / "k.cu").write_text('// uses "fam.cuh"\n#include "fam.cuh"  // the family\n'
                                   '#include "fam.cuh"\n#include <cuda_fp16.h>\n'
                                   "__global__ void k() {}\n")
    src = loader.kernel_source("k.cu", directory=tmp_path)
    assert src == ('// uses "fam.cuh"\n#pragma once\n#define INNER 2\n\n#define FAM 1\n\n'
                   "\n#include <cuda_fp16.h>\n__global__ void k() {}\n")
    assert loader.source_text("k.cu", tmp_path).count('#include "fam.cuh"') == 2
    text = '#include "inner.cuh"\n__global__ void t() {}\n'
    assert loader.kernel_source("t.cu", tmp_path, code=text).startswith("#define INNER 2\n")
    with pytest.raises(FileNotFoundError, match="missing.cuh"):
        loader.kernel_source("m.cu", tmp_path, code='#include "missing.cuh"\n')
    with pytest.raises(FileNotFoundError, match="nothere.cu"):
        loader.kernel_source("nothere.cu", tmp_path)
    with pytest.raises(FileNotFoundError, match="package data"):
        loader.source_text("nothere.cu")
    with pytest.raises(ValueError, match="filename"):
        loader.source_text("../lstm_step.cu", tmp_path)
    with pytest.raises(TypeError, match="directory"):
        loader.source_text("k.cu", 3)
    loader.clear_cache()


def test_loader_names():
    assert loader.name_expression("axpb", loader.ctype(np.float32)) == "axpb<float>"
    assert loader.name_expression("k", "double", 1, 2) == "k<double,1,2>"
    assert loader.name_expression("plain") == "plain"
    with pytest.raises(ValueError, match="lstm \\(GPU\\): data must be float32 or float64"):
        loader.ctype(np.float16, "lstm (GPU)")


class _FakeModule:
    compiled = []

    def __init__(self, code, options, name_expressions):
        _FakeModule.compiled.append((code, options, name_expressions))
        self.names = name_expressions

    def get_function(self, name):
        assert name in self.names
        return ("kernel", name, len(_FakeModule.compiled))


def test_loader_compiles_once_per_source_name_options_and_device(monkeypatch, tmp_path):
    import types
    device = [0]
    runtime = types.SimpleNamespace(getDevice=lambda: device[0])
    fake = types.SimpleNamespace(RawModule=_FakeModule,
                                 cuda=types.SimpleNamespace(runtime=runtime))
    monkeypatch.setitem(sys.modules, "cupy", fake)
    loader.clear_cache()
    try:
        _FakeModule.compiled = []
        name = lc.step_names(np.float32, 0, 0)[0]
        k = loader.get_function("lstm_step.cu", name)
        assert loader.get_function("lstm_step.cu", name) is k
        code, options, names = _FakeModule.compiled[0]
        assert code == loader.kernel_source("lstm_step.cu") and names == (name,)
        assert options == loader.DEFAULT_OPTIONS
        loader.get_function("lstm_step.cu", name, options=("-std=c++17", "-ftz=true"))
        device[0] = 1
        loader.get_function("lstm_step.cu", name)
        loader.get_function("lstm_step.cu", lc.step_names(np.float64, 0, 0)[0])
        assert len(_FakeModule.compiled) == 4
        (tmp_path / "mine.cu").write_text("__global__ void mine() {}\n")
        loader.get_function("mine.cu", "mine", directory=tmp_path)
        loader.get_function("mine.cu", "mine", directory=str(tmp_path))
        loader.get_function("mine.cu", "mine", code="__global__ void mine() {}\n")
        loader.get_function("mine.cu", "mine", code="__global__ void mine() { }\n")
        assert len(_FakeModule.compiled) == 7
        assert kcuda.CupyBackend.kernel(None, "lstm_step.cu", name)[1] == name
        with pytest.raises(TypeError, match="options"):
            loader.get_function("lstm_step.cu", name, options="-std=c++17")
    finally:                        # no stand-in kernel may outlive this test
        loader.clear_cache()


# --------------------------------------------------------------------------
# The launcher's size rules (docs/extending.md: a launcher is read by people)
# --------------------------------------------------------------------------

def test_the_launcher_is_short_and_its_functions_are_short():
    import ast
    path = lc.__file__
    text = open(path, encoding="utf-8").read()
    assert len(text.splitlines()) < 800, "dlarr/kernels/lstm.py has grown past 800 lines"
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            n = node.end_lineno - node.lineno + 1
            assert n <= 80 or "is long because" in (ast.get_docstring(node) or ""), \
                f"{node.name} has {n} lines (split it, or say why: 'is long because')"


def test_the_documented_kernel_is_the_one_the_example_loads():
    """docs/extending.md, "A new CUDA kernel": the ```cuda block (compiled by
    tests/test_docs.py) is, verbatim, the text a python block hands the loader."""
    text = open(DOC, encoding="utf-8").read()
    section = re.split(r"^## ", text, flags=re.M)
    body = next(s for s in section if s.startswith("A new CUDA kernel"))
    cuda = re.findall(r"```cuda\n(.*?)```", body, re.S)
    python = "\n".join(re.findall(r"```python\n(.*?)```", body, re.S))
    assert len(cuda) == 1 and cuda[0] in python


# --------------------------------------------------------------------------
# nvcc
# --------------------------------------------------------------------------

def _instantiation_unit(tmp_path, f, names, part=0):
    body = "\n".join(f"    (void)&{n};" for n in names)
    unit = tmp_path / f"inst{part}_{f}"
    unit.write_text(f'#include "{f}"\nvoid dlarr_instantiate_all() {{\n{body}\n}}\n')
    return unit


_PTXAS = re.compile(r"Compiling entry function '(\S+)' for '(\S+)'\n"
                    r".*?(\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads"
                    r".*?Used (\d+) registers", re.S)


@pytest.mark.skipif(shutil.which("nvcc") is None, reason="nvcc is not on PATH")
def test_nvcc_compiles_every_kernel_for_sm90_without_warnings_or_spills(tmp_path):
    names = _all_names()
    procs = []
    for f in CU_FILES:
        n = names[f]
        parts = [n[:len(n) // 2], n[len(n) // 2:]] if len(n) > 24 else [n]   # 2 processes
        for i, part in enumerate(parts):
            unit = _instantiation_unit(tmp_path, f, part, i)
            cmd = ["nvcc", "-cubin", "-arch=sm_90", "-std=c++17", "-Werror", "all-warnings",
                   "-Xptxas", "-v", "-I", KERNELS, "-o", str(unit) + ".cubin", str(unit)]
            procs.append((f, part, subprocess.Popen(cmd, stdout=subprocess.PIPE,
                                                    stderr=subprocess.STDOUT, text=True)))
    for f, part, p in procs:
        out, _ = p.communicate(timeout=600)
        assert p.returncode == 0, f"nvcc failed on {f}:\n{out}"
        entries = _PTXAS.findall(out)
        assert len(entries) == len(part), (f, len(entries), out[:2000])
        for name, arch, stack, spill_st, spill_ld, _regs in entries:
            assert arch == "sm_90"
            assert (stack, spill_st, spill_ld) == ("0", "0", "0"), \
                f"{name}: stack {stack}, spills {spill_st}/{spill_ld} bytes"


# --------------------------------------------------------------------------
# NVRTC (what CuPy compiles on the GPU machine)
# --------------------------------------------------------------------------

def _nvrtc_compiler():
    try:
        from cupy.cuda import compiler
        compiler._get_nvrtc_version()
    except Exception as e:          # noqa: BLE001 - any missing piece means: skip
        pytest.skip(f"CuPy's NVRTC is not usable here ({type(e).__name__})")
    return compiler


def test_nvrtc_compiles_the_sources_dlarr_hands_to_cupy(monkeypatch):
    compiler = _nvrtc_compiler()
    # No device to ask for its architecture: compile for Hopper directly.
    monkeypatch.setattr(compiler, "_get_arch_for_options_for_nvrtc",
                        lambda arch: (f"-arch=sm_{arch}", "cubin"))
    for f, names in _all_names().items():
        names = names[:4]           # nvcc above covers every instantiation; this the text
        cubin, mapping = compiler.compile_using_nvrtc(
            loader.kernel_source(f), options=("-std=c++17", "-ftz=true"), arch="90",
            name_expressions=names)
        assert cubin and set(mapping) == set(names)


# --------------------------------------------------------------------------
# Emulation
# --------------------------------------------------------------------------


EMU_H = r"""
// CPU emulation of the CUDA features dlarr's lstm kernels use, for a CPU test.
// Every CUDA thread of a launch is a fiber (ucontext) run by a cooperative scheduler
// in a random order that changes every round; __syncthreads, warp shuffles and the
// slice barrier block a fiber until its partners arrive.  Shared memory is poisoned
// (0xFF bytes: NaN) at launch and has a guard zone that must stay untouched.
#include <ucontext.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#define DLARR_EMULATION 1
#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __restrict__ __restrict
#define __align__(n) alignas(n)

namespace emu {

struct Dim {
    unsigned x = 1, y = 1, z = 1;
};

struct Sync {
    unsigned long long gen = 0;
    int arrived = 0;
};

constexpr size_t kGuard = 4096;
constexpr size_t kStack = 64 * 1024;

struct Block {
    std::vector<unsigned char> smem;
    Sync bar;
    std::vector<Sync> warp_bar;
    std::vector<uint64_t> slots;
};

struct Fiber {
    ucontext_t ctx;
    Dim tid, bid;
    int block = 0, lin = 0;
    bool done = false;
    std::unique_ptr<char[]> stack;
};

struct Grid {
    Dim grid, block;
    int nthreads = 0;
    size_t smem = 0;
    std::vector<Block> blocks;
    std::vector<Fiber> fibers;
    ucontext_t sched;
    Fiber* cur = nullptr;
    std::function<void()> body;
    unsigned long long events = 0;
    std::string error;
};

inline Grid*& G() {
    static Grid* g = nullptr;
    return g;
}
inline Fiber* cur() { return G()->cur; }
inline void yield() { swapcontext(&cur()->ctx, &G()->sched); }
inline void event() { ++G()->events; }
[[noreturn]] inline void fail(const std::string& msg) {
    if (G()->error.empty()) G()->error = msg;
    for (;;) yield();
}

inline void wait_sync(Sync& s, int count) {
    const unsigned long long my = s.gen;
    event();
    if (++s.arrived == count) {
        s.arrived = 0;
        ++s.gen;
        return;
    }
    while (s.gen == my) yield();
}

inline void trampoline() {
    G()->body();
    G()->cur->done = true;
    event();
}

template <typename... A, size_t... I>
void call(void (*k)(A...), void** p, std::index_sequence<I...>) {
    k(*static_cast<std::remove_cv_t<std::remove_reference_t<A>>*>(p[I])...);
}

template <typename... A>
int launch(void (*k)(A...), Dim grid, Dim block, size_t smem, void** params, unsigned seed,
           std::string& err) {
    Grid g;
    g.grid = grid;
    g.block = block;
    g.smem = smem;
    g.nthreads = int(block.x * block.y * block.z);
    const int nblocks = int(grid.x * grid.y * grid.z);
    const int nwarps = (g.nthreads + 31) / 32;
    g.blocks.resize(nblocks);
    for (auto& b : g.blocks) {
        b.smem.assign(smem + kGuard, 0xFF);
        b.warp_bar.resize(nwarps);
        b.slots.assign(32 * nwarps, 0);
    }
    g.fibers.resize(size_t(nblocks) * g.nthreads);
    G() = &g;
    g.body = [&] { call(k, params, std::index_sequence_for<A...>{}); };
    size_t f = 0;
    for (int bi = 0; bi < nblocks; ++bi) {
        for (int t = 0; t < g.nthreads; ++t, ++f) {
            Fiber& fb = g.fibers[f];
            fb.block = bi;
            fb.lin = t;
            fb.tid.x = t % block.x;
            fb.tid.y = (t / block.x) % block.y;
            fb.tid.z = t / (block.x * block.y);
            fb.bid.x = bi % grid.x;
            fb.bid.y = (bi / grid.x) % grid.y;
            fb.bid.z = bi / (grid.x * grid.y);
            fb.stack.reset(new char[kStack]);
            getcontext(&fb.ctx);
            fb.ctx.uc_stack.ss_sp = fb.stack.get();
            fb.ctx.uc_stack.ss_size = kStack;
            fb.ctx.uc_link = &g.sched;
            makecontext(&fb.ctx, trampoline, 0);
        }
    }
    std::mt19937 rng(seed);
    std::vector<size_t> alive;
    int rc = 0;
    for (;;) {
        alive.clear();
        for (size_t i = 0; i < g.fibers.size(); ++i)
            if (!g.fibers[i].done) alive.push_back(i);
        if (alive.empty()) break;
        std::shuffle(alive.begin(), alive.end(), rng);
        const unsigned long long before = g.events;
        for (size_t i : alive) {
            g.cur = &g.fibers[i];
            swapcontext(&g.sched, &g.fibers[i].ctx);
            if (!g.error.empty()) break;
        }
        if (!g.error.empty()) {
            err = g.error;
            rc = 1;
            break;
        }
        if (g.events == before) {
            err = "deadlock: no thread can make progress";
            rc = 2;
            break;
        }
    }
    if (rc == 0) {
        for (auto& b : g.blocks)
            for (size_t i = smem; i < b.smem.size(); ++i)
                if (b.smem[i] != 0xFF) {
                    err = "write past the end of dynamic shared memory";
                    rc = 3;
                    break;
                }
    }
    G() = nullptr;
    return rc;
}

inline int warp_count_of(int warp) {
    const int n = G()->nthreads - warp * 32;
    return n < 32 ? n : 32;
}

}  // namespace emu

#define threadIdx (emu::cur()->tid)
#define blockIdx (emu::cur()->bid)
#define blockDim (emu::G()->block)
#define gridDim (emu::G()->grid)

inline void __syncthreads() {
    emu::wait_sync(emu::G()->blocks[emu::cur()->block].bar, emu::G()->nthreads);
}
inline void __threadfence() { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
inline unsigned char* dlarr_smem() { return emu::G()->blocks[emu::cur()->block].smem.data(); }

template <typename T>
inline T shfl_xor(T v, int m) {
    emu::Fiber* f = emu::cur();
    emu::Block& b = emu::G()->blocks[f->block];
    const int warp = f->lin / 32, lane = f->lin % 32;
    const int n = emu::warp_count_of(warp);
    if (n != 32) emu::fail("shfl_xor in a partial warp");
    uint64_t bits = 0;
    std::memcpy(&bits, &v, sizeof(T));
    b.slots[warp * 32 + lane] = bits;
    emu::wait_sync(b.warp_bar[warp], n);
    const uint64_t o = b.slots[warp * 32 + (lane ^ m)];
    emu::wait_sync(b.warp_bar[warp], n);
    T r;
    std::memcpy(&r, &o, sizeof(T));
    return r;
}

template <typename T>
inline T ld_cg(const T* p) {
    return *p;
}
inline unsigned int ld_acquire_gpu(const unsigned int* p) {
    return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}
inline void red_release_gpu(unsigned int* p, unsigned int v) {
    emu::event();
    __atomic_fetch_add(p, v, __ATOMIC_RELEASE);
}
#define DLARR_SPIN_WAIT() emu::yield()
"""


def _registry_unit(names):
    lines = ['#include "emu.h"']
    lines += [f'#include "{f}"' for f in lc.KERNEL_FILES]
    lines += ["using Launcher = int (*)(emu::Dim, emu::Dim, size_t, void**, unsigned, "
              "std::string&);",
              "static const std::map<std::string, Launcher>& registry() {",
              "    static const std::map<std::string, Launcher> m = {"]
    for n in names:
        lines.append(f'        {{"{n}", [](emu::Dim g, emu::Dim b, size_t s, void** p, '
                     f'unsigned seed, std::string& e) {{ return emu::launch(&{n}, g, b, s, '
                     f'p, seed, e); }}}},')
    lines += ["    };", "    return m;", "}",
              'extern "C" int emu_launch(const char* name, unsigned gx, unsigned gy, '
              'unsigned gz, unsigned bx, unsigned by, unsigned bz, unsigned long long smem, '
              'void** params, unsigned seed, char* err, int errlen) {',
              "    auto it = registry().find(name);",
              "    if (it == registry().end()) {",
              '        std::snprintf(err, errlen, "kernel %s is not in the emulation build", '
              "name);",
              "        return -1;",
              "    }",
              "    std::string e;",
              "    int rc = it->second(emu::Dim{gx, gy, gz}, emu::Dim{bx, by, bz}, "
              "size_t(smem), params, seed, e);",
              '    if (rc) std::snprintf(err, errlen, "%s", e.c_str());',
              "    return rc;",
              "}"]
    return "\n".join(lines) + "\n"


ACTS = list(itertools.product(STATE_ACTIVATIONS, GATE_ACTIVATIONS))
F64, F32 = np.float64, np.float32
TOL = {F64: 1e-10, F32: 1e-5}

# (T, B, I, H, dtype, state, gate, rows of h0/c0 or None for B): the persistent cases
# cover the six activation pairs, T = 1, B = 1, H not a multiple of 32, several unit
# blocks, several batch slices (a partial one too) and one-row initial states.
PERSISTENT_CASES = [
    (4, 3, 2, 37, F64, "tanh", "sigmoid", None),
    (1, 1, 3, 37, F64, "softsign", "hard-sigmoid", 1),
    (3, 10, 2, 6, F64, "relu", "sigmoid", 1),
    (2, 17, 3, 6, F32, "tanh", "hard-sigmoid", None),
    (5, 2, 4, 5, F64, "relu", "hard-sigmoid", None),
    (5, 2, 4, 5, F32, "softsign", "sigmoid", 1),
]


def _emulation_names():
    names = []
    for dt in (F64, F32):
        for sa, ga in ACTS:
            names += lc.step_names(dt, *lc.activation_codes(sa, ga))
    for (T, B, I, H, dt, sa, ga, _) in PERSISTENT_CASES:
        s, g = lc.activation_codes(sa, ga)
        U, KL, BS, _ = lc.persistent_fwd_candidates(B, H, dt)[0]
        names.append(lc.persistent_fwd_name(dt, s, g, U, KL, BS))
        U, KB, BS, _ = lc.persistent_bwd_candidates(B, H, dt)[0]
        names.append(lc.persistent_bwd_name(dt, s, g, U, KB, BS))
    return list(dict.fromkeys(names))


@pytest.fixture(scope="module")
def emu_lib(tmp_path_factory):
    cxx = shutil.which("g++") or shutil.which("c++")
    if cxx is None or not sys.platform.startswith("linux"):
        pytest.skip("the kernel emulation needs g++ and ucontext (Linux)")
    d = tmp_path_factory.mktemp("emu")
    (d / "emu.h").write_text(EMU_H)
    (d / "emu_main.cpp").write_text(_registry_unit(_emulation_names()))
    lib = d / "libdlarr_emu.so"
    r = subprocess.run([cxx, "-std=c++17", "-O1", "-fPIC", "-shared", "-Wall", "-Werror",
                        "-Wno-unknown-pragmas", "-I", KERNELS, "-I", str(d),
                        str(d / "emu_main.cpp"), "-o", str(lib)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-4000:]
    h = ctypes.CDLL(str(lib))
    h.emu_launch.restype = ctypes.c_int
    return h


_CT = {np.dtype(F32): ctypes.c_float, np.dtype(F64): ctypes.c_double}


class EmuGraph:
    def __init__(self, ops):
        self.ops = ops

    def launch(self):
        for op in self.ops:
            op()


class EmuBackend:
    """The methods of dlarr.kernels.cuda.CupyBackend on NumPy arrays: kernels run in the
    emulator, cuBLAS products in NumPy with cuBLAS's column-major pointer semantics,
    graphs are recorded launches and products (arguments fixed at capture, as in CUDA),
    cooperative launches limited to sms * blocks_per_sm blocks."""

    name = "emu"

    def __init__(self, lib, sms=4, blocks_per_sm=4, max_smem=200 * 1024, seed=1):
        self.lib = lib
        self.xp = kcuda.PoisonXP(np)
        self.sms, self.bps, self.max_smem = sms, blocks_per_sm, max_smem
        self.seed = seed
        self.recording = None
        self.launches, self.captures, self.gemms = [], 0, 0

    @staticmethod
    def ptr(a):
        return a.ctypes.data

    def stream_key(self):
        return (id(self), 0)

    def kernel(self, filename, name_expr):
        assert name_expr in lc.all_name_expressions()[filename] or \
            name_expr in _emulation_names(), name_expr
        return name_expr

    def prepare(self, kern, smem):
        pass

    def device_limits(self):
        return self.sms, self.max_smem, True

    def blocks_per_sm(self, kern, block, smem):
        return self.bps

    def _defer(self, fn):
        if self.recording is not None:
            self.recording.append(fn)
        else:
            fn()

    def launch(self, kern, grid, block, args, shared_mem=0, cooperative=False):
        args = tuple(args)
        self._defer(lambda: self._launch(kern, grid, block, args, shared_mem, cooperative))

    def _launch(self, kern, grid, block, args, shared_mem, cooperative):
        grid = tuple(grid) + (1,) * (3 - len(grid))
        block = tuple(block) + (1,) * (3 - len(block))
        if cooperative and grid[0] * grid[1] * grid[2] > self.sms * self.bps:
            raise RuntimeError("CUDA_ERROR_COOPERATIVE_LAUNCH_TOO_LARGE (emulated)")
        assert shared_mem <= self.max_smem
        vals = []
        for a in args:
            if a is None:
                vals.append(ctypes.c_void_p(None))
            elif isinstance(a, np.ndarray):
                assert a.flags.c_contiguous
                vals.append(ctypes.c_void_p(a.ctypes.data))
            elif isinstance(a, np.int32):
                vals.append(ctypes.c_int32(int(a)))
            elif isinstance(a, np.int64):
                vals.append(ctypes.c_int64(int(a)))
            else:
                raise TypeError(f"{kern}: kernel argument of type {type(a).__name__}")
        params = (ctypes.c_void_p * max(1, len(vals)))(
            *[ctypes.cast(ctypes.pointer(v), ctypes.c_void_p) for v in vals])
        err = ctypes.create_string_buffer(512)
        self.seed += 1
        rc = self.lib.emu_launch(kern.encode(), *[ctypes.c_uint(v) for v in grid + block],
                                 ctypes.c_ulonglong(shared_mem), params,
                                 ctypes.c_uint(self.seed), err, 512)
        assert rc == 0, f"{kern}: {err.value.decode()}"
        self.launches.append(kern)

    @staticmethod
    def _mat(ptr, rows, cols, ld, dt):
        assert ld >= max(1, rows), "cuBLAS would refuse this leading dimension"
        n = ld * (cols - 1) + rows
        base = np.ctypeslib.as_array(ctypes.cast(ptr, ctypes.POINTER(_CT[dt])), shape=(n,))
        return np.lib.stride_tricks.as_strided(base, (rows, cols), (dt.itemsize,
                                                                    ld * dt.itemsize))

    def gemm_cm(self, transa, transb, m, n, k, A, lda, B, ldb, beta, C, ldc, dtype):
        self._defer(lambda: self._gemm(transa, transb, m, n, k, A, lda, B, ldb, beta, C, ldc,
                                       dtype))

    def _gemm(self, transa, transb, m, n, k, A, lda, B, ldb, beta, C, ldc, dtype):
        dt = np.dtype(dtype)
        a = self._mat(A, k, m, lda, dt).T if transa else self._mat(A, m, k, lda, dt)
        b = self._mat(B, n, k, ldb, dt).T if transb else self._mat(B, k, n, ldb, dt)
        c = self._mat(C, m, n, ldc, dt)
        prod = (a @ b).astype(dt)
        c[...] = prod if beta == 0 else prod + dt.type(beta) * c
        self.gemms += 1

    def capture(self, fn, warmup=None):
        if warmup is not None:
            warmup()
        self.recording = []
        try:
            fn()
        finally:
            ops, self.recording = self.recording, None
        self.captures += 1
        return EmuGraph(ops)


# --------------------------------------------------------------------------
# Reference and comparison
# --------------------------------------------------------------------------

def _data(rng, T, B, I, H, hb):
    hb = B if hb is None else hb
    return dict(x=rng.standard_normal((T, B, I)), h0=rng.standard_normal((hb, H)),
                c0=rng.standard_normal((hb, H)), W=rng.standard_normal((4 * H, I)) * 0.5,
                R=rng.standard_normal((4 * H, H)) / np.sqrt(H),
                b=rng.standard_normal(4 * H), gY=rng.standard_normal((T, B, H)),
                gh=rng.standard_normal((B, H)), gc=rng.standard_normal((B, H)))


def _cpu(d, sa, ga, gY=True, gh=True, gc=True, needs=(True,) * 6):
    """NumPy lstm (the primitive and its vjp) in float64, in the CUDA kernels' order
    (the NumPy primitive takes and gives MATLAB's: I x B x T, H x B)."""
    flip = {"x": (2, 1, 0), "h0": (1, 0), "c0": (1, 0)}
    ins = [d[k].transpose(flip[k]) if k in flip else d[k]
           for k in ("x", "h0", "c0", "W", "R", "b")]
    (Y, hT, cT), res = _lstm._lstm.fwd(*ins, state_act=sa, gate_act=ga, keep=True)
    out = [np.array(Y.transpose(2, 1, 0)), np.array(hT.T), np.array(cT.T)]
    g = tuple(DLArray._new(d[k].transpose(p), "") if use else None
              for k, use, p in (("gY", gY, (2, 1, 0)), ("gh", gh, (1, 0)), ("gc", gc, (1, 0))))
    grads = _lstm._lstm.vjp(needs, g, None, *[DLArray._new(a, "") for a in ins],
                            state_act=sa, gate_act=ga, keep=True, residual=res)
    back = ((2, 1, 0), (1, 0), (1, 0), None, None, None)
    return out, [None if gr is None else np.array(gr._data.transpose(p) if p else gr._data)
                 for gr, p in zip(grads, back)]


def _rel(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    assert a.shape == b.shape, (a.shape, b.shape)
    n = np.linalg.norm(b)
    return float(np.linalg.norm(a - b) / (n if n else 1.0))


def _check(got, want, tol, what):
    for i, (a, b) in enumerate(zip(got, want)):
        if b is None:
            assert a is None, (what, i)
            continue
        err = _rel(a, b)
        assert err < tol, f"{what}: output {i}: relative error {err:.3g} (tol {tol:g})"


def _gpu(be, d, dt, sa, ga, mode, keep=True, gY=True, gh=True, gc=True, needs=(True,) * 6):
    ins = [np.ascontiguousarray(d[k], dt) for k in ("x", "h0", "c0", "W", "R", "b")]
    (Y, hT, cT), res = lc.forward(*ins, state_act=sa, gate_act=ga, keep=keep, mode=mode,
                                  backend=be)
    out = [Y, hT, cT]
    if not keep:
        assert res is None
        return out, None
    g = [d[k].astype(dt) if use else None for k, use in (("gY", gY), ("gh", gh), ("gc", gc))]
    grads = lc.backward(res, ins[0], ins[3], ins[4], *g, sa, ga, needs, mode=mode, backend=be)
    return out, grads


def _case(be, T, B, I, H, dt, sa, ga, hb, mode, seed, **kw):
    rng = np.random.default_rng(seed)
    d = _data(rng, T, B, I, H, hb)
    for k in d:                      # the reference sees the values the device sees
        d[k] = d[k].astype(dt).astype(F64)
    want_out, want_grads = _cpu(d, sa, ga, **{k: v for k, v in kw.items() if k != "keep"})
    got_out, got_grads = _gpu(be, d, dt, sa, ga, mode, **kw)
    what = f"{mode} {np.dtype(dt).name} T,B,I,H={T, B, I, H} {sa}/{ga} h0 rows {hb}"
    _check(got_out, want_out, TOL[dt], what + " forward")
    if got_grads is not None:
        _check(got_grads, want_grads, TOL[dt], what + " backward")


# --------------------------------------------------------------------------
# Emulated tests
# --------------------------------------------------------------------------

@pytest.mark.parametrize("dt", [F64, F32])
@pytest.mark.parametrize("sa,ga", ACTS)
def test_emulated_step_kernels_match_numpy(emu_lib, sa, ga, dt):
    be = EmuBackend(emu_lib)
    _case(be, 3, 2, 4, 37, dt, sa, ga, None, "steps", seed=hash((sa, ga)) % 1000)
    _case(be, 1, 1, 3, 5, dt, sa, ga, 1, "steps", seed=7)
    assert set(be.launches) == set(lc.step_names(dt, *lc.activation_codes(sa, ga)))


@pytest.mark.parametrize("case", PERSISTENT_CASES, ids=lambda c: f"{c[:4]}-{c[4].__name__}-"
                         f"{c[5]}-{c[6]}-{c[7]}")
def test_emulated_persistent_kernels_match_numpy(emu_lib, case):
    T, B, I, H, dt, sa, ga, hb = case
    be = EmuBackend(emu_lib)
    _case(be, T, B, I, H, dt, sa, ga, hb, "persistent", seed=T * 31 + H)
    kinds = {k.split("<")[0] for k in be.launches}
    assert kinds == {"lstm_fwd_persistent", "lstm_bwd_persistent"}, be.launches
    # No per-step products: the input projection, then dX, dW and dR (two parts if T > 1).
    assert be.gemms == 1 + 3 + (T > 1)


def test_emulated_graphs_replay_with_fresh_inputs(emu_lib):
    be = EmuBackend(emu_lib)
    lc.clear_plans()
    for seed in (1, 2, 3):          # one capture per direction, then replays
        _case(be, 6, 3, 2, 37, F64, "tanh", "sigmoid", None, "graph", seed=seed)
        _case(be, 4, 2, 3, 5, F32, "softsign", "hard-sigmoid", 1, "graph", seed=seed)
    assert be.captures == 4
    n_steps = 3 * 2 * (6 + 4)                      # fwd + bwd kernels, 3 rounds
    assert len([k for k in be.launches if "step" in k]) == n_steps
    lc.clear_plans()


@pytest.mark.parametrize("mode", ["steps", "graph", "persistent"])
def test_emulated_forward_without_trace(emu_lib, mode):
    be = EmuBackend(emu_lib)
    _case(be, 5, 3, 2, 37, F64, "tanh", "sigmoid", 1, mode, seed=11, keep=False)
    _case(be, 2, 17, 3, 6, F32, "tanh", "hard-sigmoid", None, mode, seed=12, keep=False)
    lc.clear_plans()


@pytest.mark.parametrize("mode", ["steps", "graph", "persistent"])
def test_emulated_missing_output_gradients_and_partial_needs(emu_lib, mode):
    be = EmuBackend(emu_lib)
    _case(be, 4, 3, 2, 37, F64, "tanh", "sigmoid", None, mode, seed=3, gY=False, gc=False)
    _case(be, 4, 3, 2, 37, F64, "tanh", "sigmoid", None, mode, seed=4, gh=False,
          needs=(False, True, False, True, False, True))
    lc.clear_plans()


def test_emulated_persistent_falls_back_when_the_grid_does_not_fit(emu_lib):
    be = EmuBackend(emu_lib, sms=1, blocks_per_sm=1)    # 10 unit blocks needed for H = 37
    _case(be, 4, 3, 2, 37, F64, "tanh", "sigmoid", None, "persistent", seed=5)
    assert not any("persistent" in k for k in be.launches)
    assert lc.LAST_PATH == {"forward": "steps", "backward": "steps"}


def test_emulated_auto_mode_prefers_the_persistent_kernels(emu_lib):
    be = EmuBackend(emu_lib)
    _case(be, 4, 3, 2, 37, F64, "tanh", "sigmoid", None, "auto", seed=6)
    assert lc.LAST_PATH == {"forward": "persistent", "backward": "persistent"}


def test_emulated_empty_sequence(emu_lib):
    be = EmuBackend(emu_lib)
    _case(be, 0, 3, 2, 5, F64, "tanh", "sigmoid", 1, "auto", seed=8)
    assert be.launches == []


def test_emulated_dispatch_through_dlfeval(emu_lib, monkeypatch):
    """dl.lstm with dlfeval/dlgradient through the GPU glue (primitive_forward /
    primitive_backward, formats, broadcast initial states) against the NumPy path."""
    rng = np.random.default_rng(9)
    T, B, I, H = 4, 3, 5, 7
    X = rng.standard_normal((I, B, T))
    W, R, b = (rng.standard_normal((4 * H, I)), rng.standard_normal((4 * H, H)) / 3,
               rng.standard_normal((4 * H, 1)))
    H0, C0 = rng.standard_normal((H, 1)), rng.standard_normal((H, B))
    P = rng.standard_normal((H, B, T))

    def model(X, W, R, b, H0, C0):
        Y, h, c = dl.lstm(X, H0, C0, W, R, b, StateActivationFunction="softsign")
        loss = dl.sum(Y * P, "all") + dl.sum(h * h, "all") + dl.sum(c, "all")
        return (loss,) + dl.dlgradient(loss, X, W, R, b, H0, C0)

    args = (dl.dlarray(X, "CBT"), dl.dlarray(W), dl.dlarray(R), dl.dlarray(b),
            dl.dlarray(H0), dl.dlarray(C0))
    want = [np.array(dl.extractdata(v)) for v in dl.dlfeval(model, *args)]
    be = EmuBackend(emu_lib)
    monkeypatch.setattr(_lstm, "is_cupy_array", lambda a: isinstance(a, np.ndarray))
    monkeypatch.setattr(lc, "default_backend", lambda: be)
    with kernels.lstm_gpu_mode("steps"):
        got = [dl.extractdata(v) for v in dl.dlfeval(model, *args)]
    assert be.launches, "the GPU glue did not run"
    for i, (a, w) in enumerate(zip(got, want)):
        assert _rel(a, w) < 1e-10, i


def test_checks_come_before_any_launch():
    x = np.zeros((2, 3, 4))
    h = np.zeros((3, 5))
    W, R, b = np.zeros((20, 4)), np.zeros((20, 5)), np.zeros(20)
    with pytest.raises(ValueError, match="C-contiguous"):
        lc.forward(np.asfortranarray(x), h, h, W, R, b, backend=object())
    with pytest.raises(ValueError, match="one type"):
        lc.forward(x, h, h, W.astype(np.float32), R, b, backend=object())
    with pytest.raises(ValueError, match="weights"):
        lc.forward(x, h, h, W[:, :3], R, b, backend=object())
    with pytest.raises(ValueError, match="H0"):
        lc.forward(x, np.zeros((2, 5)), h, W, R, b, backend=object())
    with pytest.raises(ValueError, match="float32 or float64"):
        lc.forward(*(a.astype(np.float16) for a in (x, h, h, W, R, b)), backend=object())
    with pytest.raises(ValueError, match="mode"):
        with kernels.lstm_gpu_mode("fast"):
            pass
