"""dlarr's GPU wing: CUDA kernels (``.cu``/``.cuh`` package data) and their CuPy launchers.

Importing this package never imports CuPy; the launchers import it only when they
are handed CuPy arrays.  It imports only from ``dlarr.core``.
"""
