"""Backend dispatch (NumPy/CuPy) and the random number generator."""
import subprocess
import sys

import numpy as np
import pytest

import dlarr as dl
from dlarr.core import backend as _backend


def test_import_never_imports_cupy():
    code = ("import sys; import numpy as np; import dlarr as dl\n"
            "x = dl.dlarray(np.ones((3, 2)), 'CB')\n"
            "f = lambda x: dl.dlgradient(dl.sum(dl.tanh(x), 'all'), x)\n"
            "dl.dlfeval(f, x)\n"
            "assert 'cupy' not in sys.modules, 'cupy was imported'\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_import_works_when_cupy_is_broken():
    # sys.modules['cupy'] = None makes any `import cupy` fail, as on a machine without CUDA.
    code = "import sys; sys.modules['cupy'] = None; import dlarr; print(dlarr.__version__)"
    subprocess.run([sys.executable, "-c", code], check=True)


class _FakeCupyArray:
    """Looks like a cupy.ndarray to the type test, without CuPy."""
    shape, ndim, dtype = (2,), 1, np.dtype(np.float64)


_FakeCupyArray.__name__ = "ndarray"
_FakeCupyArray.__module__ = "cupy._core.core"


def test_is_cupy_array_asks_by_type_name():
    # (that asking never imports CuPy is shown in a fresh process above)
    assert _backend.is_cupy_array(_FakeCupyArray())
    assert not _backend.is_cupy_array(np.ones(2))
    assert not _backend.is_cupy_array(dl.dlarray(np.ones(2)))


def test_mixing_host_and_device_is_an_error():
    with pytest.raises(TypeError, match="cannot mix NumPy .* and CuPy"):
        _backend.array_namespace(np.ones(2), _FakeCupyArray(), where="plus (+)")
    with pytest.raises(TypeError, match=r"plus \(\+\): cannot mix"):
        dl.dlarray(np.ones(2)) + _FakeCupyArray()
    assert _backend.array_namespace(np.ones(2), 3.0, None) is np


def test_rng_seeds_reproducibly():
    dl.rng(7)
    a = _backend.generator().standard_normal(4)
    dl.rng(7)
    b = _backend.generator().standard_normal(4)
    np.testing.assert_array_equal(a, b)
    s = dl.rng()
    assert s.Type == "twister" and s.Seed == 7
    c = _backend.generator().standard_normal(4)
    dl.rng(s)                      # restore earlier settings
    np.testing.assert_array_equal(_backend.generator().standard_normal(4), c)
    dl.rng("default")
    assert dl.rng().Seed == 0
    dl.rng("shuffle")
    prev = dl.rng(3)               # returns the settings in force before the call
    assert prev.Type == "twister"


@pytest.mark.parametrize("bad", [-1, 1.5, "tomorrow", 2**32, True])
def test_rng_rejects_bad_seeds(bad):
    with pytest.raises(ValueError, match="rng: seed"):
        dl.rng(bad)
