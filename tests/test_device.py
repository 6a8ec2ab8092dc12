"""gpuArray / gather: host behaviour everywhere, device behaviour on a GPU."""
import numpy as np
import pytest

import dlarr as dl
from dlarr.core.device import gather, gpuArray

needs_gpu = pytest.mark.skipif(not dl.canUseGPU(), reason="needs CuPy and a CUDA GPU")


def test_gather_of_host_data_is_identity():
    x = np.ones(3)
    assert gather(x) is x
    X = dl.dlarray(x, "C")
    assert gather(X) is X
    with pytest.raises(TypeError, match="gather"):
        gather([1, 2])


def test_gpuarray_without_gpu_says_what_is_missing():
    if dl.canUseGPU():
        pytest.skip("a GPU is present")
    with pytest.raises(RuntimeError, match="gpuArray"):
        gpuArray(np.ones(3))


@pytest.mark.gpu
@needs_gpu
def test_round_trip_keeps_format_and_gradient():
    import cupy
    x = np.random.default_rng(0).standard_normal((3, 4))
    X = gpuArray(dl.dlarray(x, "CB"))
    assert isinstance(dl.extractdata(X), cupy.ndarray) and X.dims == "CB"
    np.testing.assert_array_equal(dl.extractdata(gather(X)), x)

    def f(x):
        y = dl.sum(dl.tanh(gpuArray(x)) ** 2, "all")
        return dl.dlgradient(gather(y), x)
    g = dl.dlfeval(f, dl.dlarray(x, "CB"))
    assert isinstance(dl.extractdata(g), np.ndarray)
    np.testing.assert_allclose(dl.extractdata(g), 2 * np.tanh(x) * (1 - np.tanh(x) ** 2))
