"""Backend dispatch: the one place that knows about NumPy versus CuPy.

Nothing here imports CuPy to *ask* whether an array is a CuPy array: the test
looks at the type's module name, as array-api-compat does.  CuPy is imported
only when an array that already is a CuPy array needs its namespace, which
means CuPy is installed and was imported by the caller.
"""
from __future__ import annotations

import sys
import numbers

import numpy as np

from .options import RNG_GENERATORS, RNG_SEEDS, choose

__all__ = [
    "array_namespace", "is_cupy_array", "is_array", "float_result_dtype",
    "generator", "rng",
]


def is_cupy_array(x) -> bool:
    """True when ``x`` is a ``cupy.ndarray``, decided without importing CuPy."""
    cls = type(x)
    return cls.__name__ == "ndarray" and cls.__module__.split(".", 1)[0] == "cupy"


def is_numpy_array(x) -> bool:
    return isinstance(x, (np.ndarray, np.generic))


def is_array(x) -> bool:
    return is_numpy_array(x) or is_cupy_array(x)


def _backend_name(x) -> str | None:
    if is_numpy_array(x):
        return "numpy"
    if is_cupy_array(x):
        return "cupy"
    return None


def array_namespace(*arrays, where: str = "operation"):
    """Return the array module (numpy or cupy) shared by ``arrays``.

    Python scalars, lists and ``None`` are ignored.  Mixing NumPy (host) and
    CuPy (device) arrays is an error: dlarr never copies between them silently.
    """
    found = None
    for a in arrays:
        if type(a) is np.ndarray:       # the common case, decided at once
            if found is None:
                found = "numpy"
            elif found != "numpy":
                _mixed(where)
            continue
        name = _backend_name(a)
        if name is None:
            continue
        if found is None:
            found = name
        elif name != found:
            _mixed(where)
    if found == "cupy":
        return sys.modules["cupy"]
    return np


def _mixed(where):
    raise TypeError(
        f"{where}: cannot mix NumPy (host) and CuPy (GPU) arrays in one operation; "
        "move the data first with dl.gpuArray(x) or dl.gather(x)")


_F32 = np.dtype(np.float32)


def float_result_dtype(*dtypes):
    """MATLAB's rule for floating results: single wins over double.

    float32 if any input is float32, otherwise float64 (logical, integer and
    double inputs give double), so ``single + double`` is single as in MATLAB.
    """
    for dt in dtypes:
        if dt is _F32:
            return dt
        if dt is not None and np.dtype(dt) == np.float32:
            return np.dtype(np.float32)
    return np.dtype(np.float64)


def is_python_scalar(x) -> bool:
    return isinstance(x, numbers.Number) and not isinstance(x, np.generic)


def canUseGPU() -> bool:
    """Whether a GPU is available for computation, MATLAB's ``canUseGPU``.

    Syntax::

        tf = dl.canUseGPU()

    Output arguments:
        tf: True when CuPy is installed and sees at least one CUDA device; False
            otherwise (also for a missing or broken CuPy).  Never raises.

    This is the one place that imports CuPy on purpose, and only when it is
    installed.

    Example::

        env = "gpu" if dl.canUseGPU() else "cpu"
    """
    import importlib.util
    if importlib.util.find_spec("cupy") is None:
        return False
    try:
        import cupy
        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:
        return False


def execution_namespace(env: str, where: str):
    """The array module for an ExecutionEnvironment: "cpu" -> numpy, "gpu" ->
    cupy (an error without a usable GPU), "auto" -> cupy when canUseGPU()."""
    if env == "cpu":
        return np
    if env == "gpu" and not canUseGPU():
        raise RuntimeError(f"{where}: ExecutionEnvironment is 'gpu' but no GPU can be used "
                           "(CuPy and a CUDA device are needed; canUseGPU() is False)")
    if env in ("gpu", "auto") and canUseGPU():
        import cupy
        return cupy
    if env == "auto":
        return np
    raise ValueError(f"{where}: ExecutionEnvironment must be 'auto', 'cpu' or 'gpu', not {env!r}")


# --------------------------------------------------------------------------
# Random numbers: one generator for the whole package, seeded like MATLAB's rng.
# --------------------------------------------------------------------------

class RandStream:
    """Settings of dlarr's generator, as MATLAB's ``rng`` reports them."""

    __slots__ = ("Type", "Seed", "State")

    def __init__(self, Type, Seed, State):
        self.Type, self.Seed, self.State = Type, Seed, State

    def __repr__(self):
        return f"RandStream(Type={self.Type!r}, Seed={self.Seed})"


_GEN_TYPE = "twister"
_seed = 0
_generator = np.random.Generator(np.random.MT19937(0))


def generator() -> np.random.Generator:
    """dlarr's generator (host side); initializers and shuffling draw from it."""
    return _generator


def rng(seed=None, generator: str = "twister"):
    """Control the random number generator, MATLAB's ``rng``.

    Syntax::

        s = dl.rng()
        s = dl.rng(seed)
        s = dl.rng(seed, generator)
        s = dl.rng("default")
        s = dl.rng("shuffle")
        dl.rng(s)

    Input arguments:
        seed: a non-negative integer below 2^32; "default" (the same as 0, the
            state dlarr starts in); "shuffle" (a seed from the operating system);
            or settings ``s`` returned earlier, which are restored.  Default None:
            change nothing, return the current settings.
        generator: "twister" (default, the only one: MT19937).

    Output arguments:
        s: the settings in force *before* the call, a RandStream with ``Type``,
            ``Seed`` and ``State``, so that ``s = dl.rng(...); ...; dl.rng(s)``
            restores them, as in MATLAB.

    dlarr's generator serves the weight initializers, dropout, ``randperm``, and
    the datastore and training shuffles.  Differences from MATLAB: the streams
    are MT19937 but the numbers differ from MATLAB's for the same seed.

    Example::

        dl.rng(0)                         # reproducible weights and shuffles
        s = dl.rng()
        p1 = dl.randperm(5)
        dl.rng(s)
        p2 = dl.randperm(5)               # the same as p1
    """
    global _generator, _seed
    previous = RandStream(_GEN_TYPE, _seed, _generator.bit_generator.state)
    if seed is None:
        return previous
    choose(generator, RNG_GENERATORS, "rng", "generator")
    if isinstance(seed, RandStream):
        _seed = seed.Seed
        _generator = np.random.Generator(np.random.MT19937(0))
        _generator.bit_generator.state = seed.State
        return previous
    if isinstance(seed, str):
        try:
            seed = choose(seed, RNG_SEEDS, "rng", "seed")
        except ValueError:
            raise ValueError(f"rng: seed must be a non-negative integer, 'default' or "
                             f"'shuffle', not {seed!r}") from None
        seed = 0 if seed == "default" else int(np.random.SeedSequence().entropy % (2**32))
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0 or seed >= 2**32:
        raise ValueError(f"rng: seed must be an integer in [0, 2^32), not {seed!r}")
    _seed = int(seed)
    _generator = np.random.Generator(np.random.MT19937(_seed))
    return previous


def randperm(n, k=None):
    """Random permutation of integers, MATLAB's ``randperm``.

    Syntax::

        p = dl.randperm(n)
        p = dl.randperm(n, k)

    Input arguments:
        n: a non-negative int, the number of indices.
        k: optional (default None: all n), a non-negative int no larger than n,
            the number of distinct indices to draw.

    Output arguments:
        p: a NumPy int64 array of a random permutation of ``0..n-1`` (or k distinct
            ones of them), drawn from dlarr's generator (:func:`rng`), the stream
            that also shuffles trainNetwork's data.

    Differences from MATLAB: the indices are 0-based (``0..n-1``, not ``1..n``).

    Example::

        dl.rng(0)
        idx = dl.randperm(10)             # a permutation of 0..9
        X = np.random.rand(10, 3)[idx]    # rows shuffled
        some = dl.randperm(10, 3)         # 3 distinct indices
    """
    for name, v in (("n", n), ("k", k)):
        if v is None and name == "k":
            continue
        if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 0:
            raise ValueError(f"randperm: {name} must be a non-negative integer, not {v!r}")
    if k is None:
        return _generator.permutation(int(n))
    if k > n:
        raise ValueError(f"randperm: k ({k}) must not exceed n ({n})")
    return _generator.permutation(int(n))[:int(k)]
