"""Single program, multiple data across processes on MPI: MATLAB's spmd functions.

A program started as ``mpiexec -n N python script.py`` runs as N *workers*; each finds its
index with :func:`spmdIndex` and the count with :func:`spmdSize`, and they combine values
with :func:`spmdPlus`, :func:`spmdBroadcast`, :func:`spmdCat` and :func:`spmdBarrier`
(mpi4py's ``COMM_WORLD`` underneath, imported only when a program is started by an MPI
launcher).  Started as plain ``python``, the program is one worker: index 0, size 1, and the
functions give their input back.

dlarr's worker indices are 0-based (the MPI rank), as every index in dlarr is; MATLAB's
``spmdIndex`` counts from 1, so MATLAB's ``spmdIndex == 1`` is dlarr's ``spmdIndex() == 0``.

Values are DLArrays (their format kept; the result is not traced), NumPy or CuPy arrays,
Python numbers, and nested dicts/lists/tuples of them (a gradient table from
``dlgradient``, a network's Learnables: trees as ``tree.py`` walks them).  CuPy arrays are
staged through the host unless the MPI is CUDA-aware (set ``DLARR_CUDA_AWARE_MPI=1``),
when they go to MPI as device buffers.

A worker that ends with an exception while it runs on MPI prints the traceback with its
index and aborts every worker (``MPI_Abort``), so that none waits for it forever.
"""
from __future__ import annotations

import math
import numbers
import os
import sys
import traceback

import numpy as np

from .backend import array_namespace, is_array, is_cupy_array
from .dlarray import DLArray
from .tree import tree_leaves, walk

__all__ = ["spmdIndex", "spmdSize", "spmdPlus", "spmdBroadcast", "spmdBarrier", "spmdCat"]

# Environment variables MPI launchers set in every process they start (MPICH's Hydra and
# PMI, Open MPI, PMIx, MVAPICH, Intel MPI).
_LAUNCHER_VARIABLES = ("PMI_RANK", "PMI_SIZE", "PMIX_RANK", "OMPI_COMM_WORLD_SIZE",
                       "MV2_COMM_WORLD_SIZE", "MPI_LOCALNRANKS")
_STATE = {"checked": False, "comm": None}


def launched() -> bool:
    """Whether an MPI launcher (``mpiexec``, ``srun``) started this process
    (``DLARR_MPI=1``/``0`` forces the answer)."""
    forced = os.environ.get("DLARR_MPI", "").strip()
    if forced in ("0", "1"):
        return forced == "1"
    return any(v in os.environ for v in _LAUNCHER_VARIABLES)


def comm(where="spmd"):
    """mpi4py's COMM_WORLD when this process runs under an MPI launcher, else None (one
    worker).  The first call imports mpi4py and installs the abort-on-exception hook."""
    if not _STATE["checked"]:
        if launched():
            try:
                from mpi4py import MPI
            except ImportError as e:
                raise ImportError(
                    f"{where}: this process was started by an MPI launcher but mpi4py cannot "
                    f"be imported ({e}); install it with pip install 'dlarr[mpi]'") from None
            _STATE["comm"] = MPI.COMM_WORLD
            install_abort_hook()
        _STATE["checked"] = True
    return _STATE["comm"]


def install_abort_hook():
    """Under an MPI launcher: an exception that ends the program aborts every worker
    (mpi4py is imported then, not before), so that none waits for this one forever."""
    if _STATE.get("hooked"):
        return
    _STATE["hooked"] = True
    previous = sys.excepthook

    def abort_all(kind, value, tb):
        text = "".join(traceback.format_exception(kind, value, tb))
        if "mpi4py.MPI" not in sys.modules:
            # MPI_Init (to abort) waits for the other workers to start MPI too: say what
            # happened first, and give up after a while if they never do (a program whose
            # other workers finish without MPI).
            _tell(text, _launcher_rank(), os.environ.get("PMI_SIZE", "?"))
            _give_up_after(float(os.environ.get("DLARR_ABORT_WAIT", "30")))
            text = None
        try:
            world = comm("spmd")
        except ImportError:
            world = None
        if world is None or world.Get_size() == 1:
            return previous(kind, value, tb)
        abort(world, text)

    sys.excepthook = abort_all


def _launcher_rank():
    for name in ("PMI_RANK", "PMIX_RANK", "OMPI_COMM_WORLD_RANK", "MV2_COMM_WORLD_RANK"):
        if name in os.environ:
            return os.environ[name]
    return "?"


def _tell(text, rank, size):
    msg = "".join(f"[dlarr worker {rank} of {size}] {line}\n"
                  for line in text.rstrip("\n").split("\n"))
    sys.stderr.write(msg)
    sys.stderr.flush()
    sys.stdout.flush()


def _give_up_after(seconds):
    """End this process in ``seconds`` (SIGALRM, its default action: it works while the
    process waits inside MPI_Init) unless MPI_Abort ends it first."""
    import signal
    if not hasattr(signal, "alarm"):
        return
    sys.stderr.write(f"[dlarr worker {_launcher_rank()}] starting MPI to abort every worker; "
                     f"if the others never start MPI, this worker ends in {seconds:g} s "
                     "(DLARR_ABORT_WAIT)\n")
    sys.stderr.flush()
    try:
        signal.signal(signal.SIGALRM, signal.SIG_DFL)
        signal.alarm(max(1, int(math.ceil(seconds))))
    except ValueError:              # not the main thread: no alarm
        pass


def abort(world, text):
    """Print ``text`` (None: printed already) with this worker's index on stderr and end
    every worker."""
    rank = world.Get_rank()
    if text is not None:
        _tell(text, rank, world.Get_size())
    sys.stderr.write(f"[dlarr worker {rank}] aborting every worker (MPI_Abort)\n")
    sys.stderr.flush()
    world.Abort(1)


def spmdIndex() -> int:
    """The index of this worker, 0-based (MATLAB's ``spmdIndex`` counts from 1).

    Syntax::

        k = dl.spmdIndex()

    Output arguments:
        k: 0 .. spmdSize()-1, the MPI rank in ``COMM_WORLD``; 0 in a program started as
            plain ``python`` (one worker).

    Example::

        if dl.spmdIndex() == 0:           # MATLAB: if spmdIndex == 1
            print("the first worker prints")
    """
    c = comm("spmdIndex")
    return 0 if c is None else c.Get_rank()


def spmdSize() -> int:
    """The number of workers, MATLAB's ``spmdSize``.

    Syntax::

        n = dl.spmdSize()

    Output arguments:
        n: the number of processes ``mpiexec -n N`` started; 1 without MPI.

    Example::

        n = dl.spmdSize()
        share = range(dl.spmdIndex(), 100, n)     # this worker's observations
    """
    c = comm("spmdSize")
    return 1 if c is None else c.Get_size()


def spmdBarrier() -> None:
    """Wait until every worker gets here, MATLAB's ``spmdBarrier``.

    Syntax::

        dl.spmdBarrier()

    Example::

        dl.spmdBarrier()                  # every worker has written its file
    """
    c = comm("spmdBarrier")
    if c is not None:
        c.Barrier()


# --------------------------------------------------------------------------
# Arrays and trees on MPI
# --------------------------------------------------------------------------

def cuda_aware() -> bool:
    """Whether CuPy arrays go to MPI as device buffers (``DLARR_CUDA_AWARE_MPI=1``)."""
    return os.environ.get("DLARR_CUDA_AWARE_MPI", "").strip() == "1"


def _to_host(a):
    return a.get() if is_cupy_array(a) else np.asarray(a)


_NCCL_TYPES = {"float32": "NCCL_FLOAT32", "float64": "NCCL_FLOAT64"}
_NCCL = {}          # id(MPI communicator) -> (it, (nccl, NCCL communicator))


def nccl_vote(arrays) -> bool:
    """This worker's vote for reducing ``arrays`` with NCCL: they are all CuPy arrays, its
    CuPy has NCCL (``cupy.cuda.nccl.available``) and ``DLARR_NCCL=0`` is not set.  The
    workers use NCCL only when every one votes yes (their votes travel in a collective
    they make anyway: spmdPlus's structure check, the start of training)."""
    if not arrays or not all(is_cupy_array(a) for a in arrays) or \
            os.environ.get("DLARR_NCCL", "").strip() == "0":
        return False
    import cupy                     # a CuPy array exists already
    return bool(getattr(getattr(cupy.cuda, "nccl", None), "available", False))


def _nccl(c):
    """The workers' NCCL communicator on their current GPUs, made at the first use (every
    worker gets there at once: they all voted yes in the same call) from worker 0's unique
    id, which goes to the others over MPI."""
    known = _NCCL.get(id(c))
    if known is None or known[0] is not c:
        import cupy
        nccl = cupy.cuda.nccl
        uid = c.bcast(nccl.get_unique_id() if c.Get_rank() == 0 else None, root=0)
        known = _NCCL[id(c)] = (c, (nccl, nccl.NcclCommunicator(c.Get_size(), uid,
                                                                c.Get_rank())))
    return known[1]


def _mpi():
    from mpi4py import MPI
    return MPI


def _leaf_arrays(tree, where):
    """The raw arrays of ``tree``'s leaves, in visiting order (numbers as 0-d arrays)."""
    out = []
    for path, leaf in tree_leaves(tree):
        data = leaf._data if isinstance(leaf, DLArray) else leaf
        if isinstance(data, (bool, int, float, complex, np.generic)):
            data = np.asarray(data)
        if not is_array(data):
            raise TypeError(f"{where}: {path} must be a dlarray, an array or a number (or a "
                            f"dict/list/tuple of them), not {type(leaf).__name__}")
        out.append(data)
    return out


def _rebuild(tree, arrays, where):
    """``tree`` with its leaves replaced by ``arrays`` (DLArrays keep their format)."""
    it = iter(arrays)

    def put(path, leaf):
        new = next(it)
        if isinstance(leaf, DLArray):
            return DLArray._new(new, leaf._fmt)
        if isinstance(leaf, (bool, int, float, complex)):
            return type(leaf)(new.item()) if not isinstance(leaf, bool) else new.item()
        if isinstance(leaf, np.generic):
            return new[()]
        return new
    return walk(put, tree, [], [], where, tname="X", strict=False)


def allreduce_flat(c, buf, nccl=False):
    """The sum over the workers of the contiguous 1-D array ``buf`` (which may be
    overwritten): one call.  ``nccl``: every worker voted for NCCL (``nccl_vote``); then a
    CuPy array of float32 or float64 is reduced by NCCL.  Otherwise a CuPy array goes to
    MPI as a device buffer when the MPI is CUDA-aware (``cuda_aware``), staged through the
    host if not; it comes back as a CuPy array."""
    MPI = _mpi()
    if not is_cupy_array(buf):
        c.Allreduce(MPI.IN_PLACE, buf, op=MPI.SUM)
        return buf
    import cupy                 # a CuPy array exists already
    dtype = _NCCL_TYPES.get(np.dtype(buf.dtype).name)
    if nccl and dtype is not None:
        nccl, nc = _nccl(c)
        nc.allReduce(buf.data.ptr, buf.data.ptr, buf.size, getattr(nccl, dtype),
                     nccl.NCCL_SUM, cupy.cuda.get_current_stream().ptr)
        return buf
    if cuda_aware():
        cupy.cuda.get_current_stream().synchronize()
        c.Allreduce(MPI.IN_PLACE, buf, op=MPI.SUM)
        return buf
    host = buf.get()
    c.Allreduce(MPI.IN_PLACE, host, op=MPI.SUM)
    return cupy.asarray(host)


def allreduce_arrays(c, arrays, nccl=False):
    """Sum the arrays over the workers: one call per backend and dtype, the arrays packed
    into one buffer (``allreduce_flat``; ``nccl``: every worker voted for NCCL)."""
    result = [None] * len(arrays)
    groups = {}
    for i, a in enumerate(arrays):
        groups.setdefault((is_cupy_array(a), np.dtype(a.dtype).str), []).append(i)
    for idx in groups.values():
        xp = array_namespace(arrays[idx[0]])
        buf = allreduce_flat(c, xp.concatenate([arrays[i].reshape(-1) for i in idx]), nccl)
        off = 0
        for i in idx:
            n = arrays[i].size
            result[i] = buf[off:off + n].reshape(arrays[i].shape)
            off += n
    return result


def _check_same_structure(c, tree, arrays, where):
    """Every worker's leaves must have the same shapes and dtypes.  Returns whether every
    worker votes for NCCL (``nccl_vote``)."""
    sig = [(tuple(a.shape), np.dtype(a.dtype).str) for a in arrays]
    gathered = c.allgather((sig, nccl_vote(arrays)))
    sigs = [g[0] for g in gathered]
    for k, s in enumerate(sigs):
        if s != sigs[0]:
            paths = [p for p, _ in tree_leaves(tree)]
            for (p, a, b) in zip(paths, sigs[0], s):
                if a != b:
                    raise ValueError(f"{where}: {p} is {a[0]} {a[1]} on worker 0 but {b[0]} "
                                     f"{b[1]} on worker {k}")
            raise ValueError(f"{where}: worker 0 has {len(sigs[0])} values but worker {k} "
                             f"has {len(s)}")
    return all(g[1] for g in gathered)


def spmdPlus(X, destination=None):
    """The sum of ``X`` over the workers, MATLAB's ``spmdPlus``.

    Syntax::

        S = dl.spmdPlus(X)
        S = dl.spmdPlus(X, destination)

    Input arguments:
        X: a dlarray, a NumPy/CuPy array, a number, or a dict/list/tuple of them (e.g. a
            gradient table); every worker gives the same structure, shapes and types (a
            ValueError naming the first difference otherwise).
        destination: None (default): every worker gets the sum; a worker index (0-based):
            only that worker gets it, the others get None.

    Output arguments:
        S: the elementwise sum in ``X``'s structure; dlarrays keep their format (the sum
            is not traced: call it outside ``dlfeval`` or on gradients).  Without MPI, ``X``.

    Example::

        loss, grads = dl.dlfeval(model_loss, net, X, T)      # on this worker's part
        grads = dl.spmdPlus(grads)                           # the sum over the workers
    """
    c = comm("spmdPlus")
    if destination is not None:
        _check_worker(destination, c, "spmdPlus", "destination")
    if c is None or c.Get_size() == 1:
        return X
    arrays = _leaf_arrays(X, "spmdPlus")
    nccl = _check_same_structure(c, X, arrays, "spmdPlus")
    wide = [_summable(a) for a in arrays]
    sums = [back(s) for s, (_, back) in zip(allreduce_arrays(c, [a for a, _ in wide], nccl),
                                             wide)]
    out = _rebuild(X, sums, "spmdPlus")
    return out if destination is None or destination == c.Get_rank() else None


def _summable(a):
    """``a`` as MPI sums it, and how to bring the sum back, as MATLAB's plus does:
    logicals add up as doubles; integers saturate at their type's range (summed in 64
    bits, then clipped)."""
    kind, size = np.dtype(a.dtype).kind, np.dtype(a.dtype).itemsize
    if kind == "b":
        return a.astype(np.float64), lambda s: s
    if kind in "iu" and size < 8:
        info, xp = np.iinfo(a.dtype), array_namespace(a)
        wide = np.int64 if kind == "i" else np.uint64
        return a.astype(wide), lambda s: xp.clip(s, info.min, info.max).astype(a.dtype)
    return a, lambda s: s


def _check_worker(k, c, where, name):
    n = 1 if c is None else c.Get_size()
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 0 <= k < n:
        raise ValueError(f"{where}: {name} must be a worker index from 0 to {n - 1} "
                         f"(0-based; spmdSize() is {n}), not {k!r}")


def spmdBroadcast(source, X=None):
    """Send ``X`` from worker ``source`` to every worker, MATLAB's ``spmdBroadcast``.

    Syntax::

        X = dl.spmdBroadcast(source, X)      # on worker source
        X = dl.spmdBroadcast(source)         # on the others (their X is ignored)

    Input arguments:
        source: the sending worker's index, 0-based (MATLAB's is 1-based).
        X: on worker ``source``, the value to send: a dlarray, a NumPy/CuPy array, a
            number, a network, or a dict/list/tuple of them, or any picklable value.

    Output arguments:
        X: worker ``source``'s value on every worker; arrays come on the device they
            were on at the source (CuPy arrays arrive as CuPy arrays).  Without MPI, ``X``.

    Example::

        net = dl.spmdBroadcast(0, net)       # every worker starts from worker 0's network
    """
    c = comm("spmdBroadcast")
    _check_worker(source, c, "spmdBroadcast", "source")
    if c is None or c.Get_size() == 1:
        return X
    return c.bcast(X, root=int(source))


def spmdCat(X, dim=0, destination=None):
    """Concatenate ``X`` of every worker in worker order, MATLAB's ``spmdCat``.

    Syntax::

        C = dl.spmdCat(X)
        C = dl.spmdCat(X, dim)
        C = dl.spmdCat(X, dim, destination)

    Input arguments:
        X: a dlarray or a NumPy/CuPy array; the workers' sizes agree except along ``dim``.
        dim: the dimension to concatenate along, 0-based as ``dl.cat``'s (MATLAB's
            ``spmdCat`` counts from 1), or a label of a formatted dlarray ("B").
            Default 0.
        destination: None (default): every worker gets the result; a worker index: only
            that worker does, the others get None.

    Output arguments:
        C: worker 0's ``X``, then worker 1's, ...; a dlarray keeps its format.  Without
            MPI, ``X``.

    Example::

        scores = dl.spmdCat(dl.predict(net, Xpart), "B")     # every worker's part, in order
    """
    c = comm("spmdCat")
    if destination is not None:
        _check_worker(destination, c, "spmdCat", "destination")
    if isinstance(X, (numbers.Number, np.generic)) and not isinstance(X, (bool, np.bool_)):
        X = np.asarray(X).reshape(1)          # spmdCat(spmdIndex()): one element per worker
    data = X._data if isinstance(X, DLArray) else X
    if not is_array(data):
        raise TypeError(f"spmdCat: X must be a dlarray, an array or a number, not "
                        f"{type(X).__name__}")
    if data.ndim == 0:                        # a 0-d array or dlarray: its one element
        data = X = data.reshape(1)
    if isinstance(dim, str):
        if not isinstance(X, DLArray) or dim not in X._fmt:
            raise ValueError(f"spmdCat: dim {dim!r} is a label, so X must be a dlarray with "
                             f"that label (X's format is "
                             f"{X._fmt if isinstance(X, DLArray) else 'none'!r})")
        axis = X._fmt.index(dim)
    elif isinstance(dim, (int, np.integer)) and not isinstance(dim, bool) and \
            0 <= dim < max(data.ndim, 1):
        axis = int(dim)
    else:
        raise ValueError(f"spmdCat: dim must be a 0-based dimension of X (0 to "
                         f"{max(data.ndim, 1) - 1}) or a label, not {dim!r}")
    if c is None or c.Get_size() == 1:
        return X
    pieces = c.allgather(_to_host(data))
    shapes = [p.shape[:axis] + p.shape[axis + 1:] for p in pieces]
    for k, s in enumerate(shapes):
        if s != shapes[0] or pieces[k].ndim != pieces[0].ndim:
            raise ValueError(f"spmdCat: X is {pieces[0].shape} on worker 0 but "
                             f"{pieces[k].shape} on worker {k}: the sizes must agree except "
                             f"along dim {dim!r}")
    out = np.concatenate(pieces, axis=axis)
    if is_cupy_array(data):
        out = array_namespace(data).asarray(out)
    if destination is not None and destination != c.Get_rank():
        return None
    return DLArray._new(out, X._fmt) if isinstance(X, DLArray) else out


if launched():          # a program started by mpiexec: its uncaught exceptions end every worker
    install_abort_hook()
