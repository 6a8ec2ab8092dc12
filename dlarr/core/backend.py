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
        name = _backend_name(a)
        if name is None:
            continue
        if found is None:
            found = name
        elif name != found:
            raise TypeError(
                f"{where}: cannot mix NumPy (host) and CuPy (GPU) arrays in one operation; "
                "move the data first with dl.gpuArray(x) or dl.gather(x)")
    if found == "cupy":
        return sys.modules["cupy"]
    return np


def float_result_dtype(*dtypes):
    """MATLAB's rule for floating results: single wins over double.

    float32 if any input is float32, otherwise float64 (logical, integer and
    double inputs give double), so ``single + double`` is single as in MATLAB.
    """
    for dt in dtypes:
        if dt is not None and np.dtype(dt) == np.float32:
            return np.dtype(np.float32)
    return np.dtype(np.float64)


def is_python_scalar(x) -> bool:
    return isinstance(x, numbers.Number) and not isinstance(x, np.generic)


def canUseGPU() -> bool:
    """MATLAB's ``canUseGPU``: True when CuPy is installed and sees a CUDA device.

    This is the one place that imports CuPy on purpose, and only when it is
    installed (a missing or broken CuPy, or no device, gives False)."""
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
    """Seed dlarr's random number generator, like MATLAB's ``rng``.

    ``rng()`` returns the current settings; ``rng(seed)`` seeds with a
    non-negative integer; ``rng("default")`` is ``rng(0)``; ``rng("shuffle")``
    seeds from the operating system; ``rng(settings)`` restores settings returned
    earlier.  Returns the settings in force *before* the call, so that
    ``s = dl.rng(...); ...; dl.rng(s)`` restores them, as in MATLAB.
    The streams are MT19937 ("twister") but the numbers differ from MATLAB's.
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
    """MATLAB's ``randperm(n)`` / ``randperm(n, k)`` from dlarr's generator (``rng``):
    a random permutation of the 0-based indices ``0..n-1`` (or ``k`` distinct ones),
    as a NumPy integer array; the same stream shuffles trainNetwork's data."""
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
