"""dlarr.io.matfile: MATLAB MAT-files (v7 and v7.3) as plain values, read and written.

Checked against files MATLAB wrote (SciPy's test data, tests/data/matlab/README.md) with
their contents from SciPy's own tests, against independent writers and readers
(scipy.io, hdf5storage, h5py in MATLAB's v7.3 layout, Octave where installed), by round
trips that must be bit-exact, and on bad files, class objects and failed writes.
"""
import os
import pathlib
import shutil
import struct
import subprocess
import sys

import numpy as np
import pytest

from dlarr.io import matfile
from dlarr.io.matfile import MatFileError

sio = pytest.importorskip("scipy.io")
h5py = pytest.importorskip("h5py")

DATA = pathlib.Path(__file__).parent / "data" / "matlab"
THETA = np.pi / 4 * np.arange(9, dtype=float).reshape(1, 9)
A35 = np.array([[1, 2, 3, 4, 5], [2, 0, 0, 0, 0], [3, 0, 0, 0, 0]], dtype=float)


def same(a, b, where="value"):
    """Bit-exact equality of plain trees: types, dtypes, shapes, bytes (NaN payloads too)."""
    assert type(a) is type(b), f"{where}: {type(a).__name__} vs {type(b).__name__}"
    if isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape, \
            f"{where}: {a.dtype}{a.shape} vs {b.dtype}{b.shape}"
        assert a.tobytes() == b.tobytes(), f"{where}: values differ"
    elif isinstance(a, dict):
        assert list(a) == list(b), f"{where}: keys {list(a)} vs {list(b)}"
        for k in a:
            same(a[k], b[k], f"{where}[{k!r}]")
    elif isinstance(a, list):
        assert len(a) == len(b), f"{where}: {len(a)} vs {len(b)} items"
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, f"{where}[{i}]")
    else:
        assert a == b, f"{where}: {a!r} vs {b!r}"


def check_3d(a):
    """MATLAB's reshape(1:24, 2, 3, 4), element by element: A(i,j,k) = i + 2(j-1) + 6(k-1)."""
    assert a.shape == (2, 3, 4) and a.dtype == np.float64
    for i in range(2):
        for j in range(3):
            for k in range(4):
                assert a[i, j, k] == 1 + i + 2 * j + 6 * k, (i, j, k)


def mat73_file(path, build):
    """An HDF5 file in MATLAB's v7.3 layout written with h5py: ``build(f)`` fills it."""
    with h5py.File(path, "w", userblock_size=512) as f:
        build(f)
    head = b"MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: test HDF5 schema 1.00 ."
    with open(path, "r+b") as fh:
        fh.write(head.ljust(116) + b"\x00" * 8 + b"\x00\x02IM")
    return path


def h5_attr(obj, cls, **more):
    obj.attrs["MATLAB_class"] = np.bytes_(cls)
    for k, v in more.items():
        obj.attrs[k] = v
    return obj


# ----------------------------------------------------------- files written by MATLAB
def test_matlab_numeric_files():
    same(matfile.read(DATA / "testminus_7.4_GLNX86.mat"), {"testminus": np.array([[-1.0]])})
    same(matfile.read(DATA / "testmatrix_7.4_GLNX86.mat"), {"testmatrix": A35})
    d = matfile.read(DATA / "testdouble_7.4_GLNX86.mat")["testdouble"]
    assert d.dtype == np.float64 and d.shape == (1, 9)
    np.testing.assert_allclose(d, THETA, rtol=1e-15, atol=0)
    multi = matfile.read(DATA / "testmulti_7.4_GLNX86.mat")
    assert sorted(multi) == ["a", "theta"]
    same(multi["a"], A35)
    np.testing.assert_allclose(multi["theta"], THETA, rtol=1e-15)
    c = matfile.read(DATA / "testcomplex_7.4_GLNX86.mat")["testcomplex"]
    assert c.dtype == np.complex128 and c.shape == (1, 9)
    np.testing.assert_allclose(c, np.cos(THETA) + 1j * np.sin(THETA), rtol=0, atol=1e-15)
    check_3d(matfile.read(DATA / "test3dmatrix_7.4_GLNX86.mat")["test3dmatrix"])
    same(matfile.read(DATA / "testbool_8_WIN64.mat"), {"testbools": np.array([[True], [False]])})


def test_matlab_char_files():
    assert matfile.read(DATA / "testonechar_7.4_GLNX86.mat") == {"testonechar": "r"}
    assert matfile.read(DATA / "teststringarray_7.4_GLNX86.mat") == \
        {"teststringarray": ["one  ", "two  ", "three"]}        # a char matrix: its rows
    text = (DATA / "japanese_utf8.txt").read_bytes().decode("utf-8")
    assert matfile.read(DATA / "testunicode_7.4_GLNX86.mat") == {"testunicode": text}
    assert matfile.read(DATA / "single_empty_string.mat") == {"a": ""}
    assert matfile.read(DATA / "one_by_zero_char.mat") == {"var": ""}      # Octave's 1 x 0
    for name in ("big_endian.mat", "little_endian.mat"):
        d = matfile.read(DATA / name)
        assert d["strings"] == ["hello", "world"]                # a 2 x 1 cell: flat
        same(d["floats"], np.array([[2, 3], [3, 4]], dtype=np.float32))   # native order


def test_matlab_cell_files():
    one = np.array([[1.0]])
    same(matfile.read(DATA / "testcell_7.4_GLNX86.mat")["testcell"],
         ["This cell contains this string and 3 arrays of increasing length", one,
          np.array([[1.0, 2.0]]), np.array([[1.0, 2.0, 3.0]])])
    same(matfile.read(DATA / "testscalarcell_7.4_GLNX86.mat")["testscalarcell"], [one])
    e = np.zeros((0, 0))
    same(matfile.read(DATA / "testemptycell_7.4_GLNX86.mat")["testemptycell"],
         [one, 2 * one, e, e, 3 * one])
    same(matfile.read(DATA / "testcellnest_7.4_GLNX86.mat")["testcellnest"],
         [one, [2 * one, 3 * one, [4 * one, 5 * one]]])


def test_matlab_struct_files():
    sub = np.array([[np.sqrt(2), np.exp(1), np.pi]])
    s = matfile.read(DATA / "teststruct_7.4_GLNX86.mat")["teststruct"]
    assert list(s) == ["stringfield", "doublefield", "complexfield"]
    assert s["stringfield"] == "Rats live on no evil star."
    np.testing.assert_allclose(s["doublefield"], sub, rtol=1e-15)
    assert s["complexfield"].dtype == np.complex128
    np.testing.assert_allclose(s["complexfield"], sub * (1 + 1j), rtol=1e-15)
    same(matfile.read(DATA / "teststructnest_7.4_GLNX86.mat")["teststructnest"],
         {"one": np.array([[1.0]]), "two": {"three": "number 3"}})
    same(matfile.read(DATA / "teststructarr_7.4_GLNX86.mat")["teststructarr"],
         [{"one": np.array([[1.0]]), "two": np.array([[2.0]])},
          {"one": "number 1", "two": "number 2"}])
    assert matfile.read(DATA / "test_empty_struct.mat") == {"a": {}}   # struct with no fields


def test_matlab_v73_file():
    """A v7.3 (HDF5) file written by MATLAB itself (its header says 7.0, schema 0.05)."""
    d = matfile.read(DATA / "testhdf5_7.4_GLNX86.mat")
    assert list(d) == ["testdouble"]
    assert d["testdouble"].dtype == np.float64 and d["testdouble"].shape == (1, 9)
    np.testing.assert_allclose(d["testdouble"], THETA, rtol=1e-15)


@pytest.mark.parametrize("name, var, words", [
    ("testsparse_7.4_GLNX86.mat", "testsparse", ["sparse", "full(A)"]),
    ("logical_sparse.mat", "sp_log_5_4", ["sparse", "full(A)"]),
    ("testfunc_7.4_GLNX86.mat", "testfunc", ["function handle", "func2str"]),
    ("parabola.mat", "parabola", ["function handle"]),
    ("testobject_7.4_GLNX86.mat", "testobject", ["class 'inline'"]),
])
def test_matlab_objects_are_clear_errors(name, var, words):
    with pytest.raises(MatFileError) as e:
        matfile.read(DATA / name)
    msg = str(e.value)
    assert name in msg and f"variable '{var}'" in msg
    for w in words:
        assert w in msg


def test_requested_variables():
    """Only the names asked for, in that order; a missing name lists what the file has."""
    d = matfile.read(DATA / "testmulti_7.4_GLNX86.mat", "a")
    assert list(d) == ["a"]
    d = matfile.read(DATA / "testmulti_7.4_GLNX86.mat", ["theta", "a"])
    assert list(d) == ["theta", "a"]
    with pytest.raises(MatFileError, match=r"testmulti_7.4_GLNX86.mat: no variable 'b'") as e:
        matfile.read(DATA / "testmulti_7.4_GLNX86.mat", ["a", "b"])
    assert "'a'" in str(e.value) and "'theta'" in str(e.value)
    with pytest.raises(MatFileError, match=r"no variable 'x'.*'testdouble'"):
        matfile.read(DATA / "testhdf5_7.4_GLNX86.mat", "x")
    with pytest.raises(TypeError, match="names"):
        matfile.read(DATA / "testmulti_7.4_GLNX86.mat", 3)


@pytest.mark.parametrize("name", ["corrupted_zlib_data.mat", "corrupted_zlib_checksum.mat",
                                  "malformed1.mat", "testvec_4_GLNX86.mat"])
def test_damaged_matlab_files(name):
    with pytest.raises(MatFileError) as e:
        matfile.read(DATA / name)
    assert name in str(e.value)
    if name.startswith("testvec_4"):
        assert "MATLAB 4" in str(e.value)


# ---------------------------------------------------------- independent writers
def _sequences():
    return [np.arange(4 * T, dtype=float).reshape((4, T), order="F") for T in (5, 7, 3)]


def _reference_values():
    """What the independent writers below wrote, as ``read`` must return it."""
    return {
        "X": _sequences(),
        "sa": [{"x": np.ones((2, 3)), "name": "first"}, {"x": np.zeros((1, 1)), "name": "second"}],
        "L": np.array([[True, False, True]]), "t": "hello world",
        "e00": np.zeros((0, 0)), "e03": np.zeros((0, 3), np.float32), "ec": [], "es": "",
        "i8": np.array([[-128, 127]], np.int8), "u16": np.array([[0], [65535]], np.uint16),
        "i64": np.array([[-2 ** 63, 2 ** 63 - 1]], np.int64), "s": np.array([[1.5, -2.0]], np.float32),
        "z": np.array([[1 + 2j, -3.5j]]), "A": np.arange(1, 25, dtype=float).reshape((2, 3, 4), order="F"),
    }


def _independent_input():
    ref = _reference_values()
    sa = np.zeros((1, 2), dtype=[("x", object), ("name", object)])
    for j, el in enumerate(ref["sa"]):
        sa[0, j]["x"], sa[0, j]["name"] = el["x"], el["name"]
    X = np.empty((1, 3), dtype=object)
    for j, x in enumerate(ref["X"]):
        X[0, j] = x
    out = dict(ref, X=X, sa=sa, ec=np.empty((0, 0), dtype=object))
    return ref, out


def test_read_scipy_savemat_v7(tmp_path):
    ref, data = _independent_input()
    data["es"] = np.array("")
    sio.savemat(tmp_path / "s.mat", data, do_compression=True)
    got = matfile.read(tmp_path / "s.mat")
    assert set(got) == set(data)
    for k in ref:
        same(got[k], ref[k], k)
    check_3d(got["A"])


def test_read_hdf5storage_v73(tmp_path):
    hdf5storage = pytest.importorskip("hdf5storage")
    ref, data = _independent_input()
    hdf5storage.savemat(str(tmp_path / "h.mat"), data, matlab_compatible=True, format="7.3")
    got = matfile.read(tmp_path / "h.mat")
    for k in ref:
        same(got[k], ref[k], k)
    check_3d(got["A"])


def test_read_h5py_matlab_layout(tmp_path):
    """The v7.3 layout written directly with h5py: reversed dimensions, '#refs#' cells,
    a struct array of reference fields, MATLAB's empty markers, char and logical."""
    seqs = _sequences()

    def build(f):
        refs = f.create_group("#refs#")
        cell = np.empty((3, 1), dtype=h5py.ref_dtype)         # MATLAB's 1 x 3
        for j, x in enumerate(seqs):
            cell[j, 0] = h5_attr(refs.create_dataset(f"s{j}", data=x.T), "double").ref
        h5_attr(f.create_dataset("X", data=cell), "cell")
        h5_attr(f.create_dataset("A", data=np.arange(1, 25, dtype=float).reshape(4, 3, 2)),
                "double")
        h5_attr(f.create_dataset("t", data=np.frombuffer("héllo".encode("utf-16-le"), "<u2")
                                 .reshape(-1, 1)), "char", MATLAB_int_decode=np.int32(2))
        h5_attr(f.create_dataset("L", data=np.array([[1], [0]], np.uint8)), "logical",
                MATLAB_int_decode=np.int32(1))
        h5_attr(f.create_dataset("e", data=np.array([0, 3], np.uint64)), "single",
                MATLAB_empty=np.uint8(1))
        h5_attr(f.create_dataset("ec", data=np.array([0, 0], np.uint64)), "cell",
                MATLAB_empty=np.uint8(1))
        sa = h5_attr(f.create_group("sa"), "struct")
        for k, vals in (("v", [np.ones((1, 1)), np.full((1, 2), 2.0)]), ("w", [np.eye(2), np.zeros((1, 1))])):
            r = np.empty((2, 1), dtype=h5py.ref_dtype)
            for j, val in enumerate(vals):
                r[j, 0] = h5_attr(refs.create_dataset(f"{k}{j}", data=val.T), "double").ref
            sa.create_dataset(k, data=r)
    got = matfile.read(mat73_file(tmp_path / "m.mat", build))
    same(got["X"], seqs)
    assert [x.shape for x in got["X"]] == [(4, 5), (4, 7), (4, 3)]
    check_3d(got["A"])
    assert got["t"] == "héllo"
    same(got["L"], np.array([[True, False]]))
    same(got["e"], np.zeros((0, 3), np.float32))
    assert got["ec"] == []
    same(got["sa"], [{"v": np.ones((1, 1)), "w": np.eye(2)},
                     {"v": np.full((1, 2), 2.0), "w": np.zeros((1, 1))}])


def test_cell_and_struct_matrices_are_lists_of_rows(tmp_path):
    c = np.empty((2, 3), dtype=object)
    for i in range(2):
        for j in range(3):
            c[i, j] = np.array([[10.0 * i + j]])
    sa = np.zeros((2, 2), dtype=[("k", object)])
    for i in range(2):
        for j in range(2):
            sa[i, j]["k"] = f"{i}{j}"
    sio.savemat(tmp_path / "m.mat", {"c": c, "sa": sa})
    matfile.write(tmp_path / "ours.mat", {"c": c}, version="7.3")
    for path in (tmp_path / "m.mat", tmp_path / "ours.mat"):
        got = matfile.read(path)
        assert [[float(x[0, 0]) for x in row] for row in got["c"]] == [[0, 1, 2], [10, 11, 12]]
    assert matfile.read(tmp_path / "m.mat")["sa"] == \
        [[{"k": "00"}, {"k": "01"}], [{"k": "10"}, {"k": "11"}]]


# ------------------------------------------------------------------------- Octave
def octave(code, cwd):
    exe = shutil.which("octave-cli")
    if exe is None:
        pytest.skip("octave-cli is not installed")
    r = subprocess.run([exe, "--no-gui", "--quiet", "--eval", code], capture_output=True,
                       text=True, timeout=60, cwd=cwd)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_read_a_file_octave_wrote(tmp_path):
    octave("s(1).a = 1; s(2).a = 'two'; c = {reshape(1:15, 3, 5), reshape(1:21, 3, 7)}; "
           "A = reshape(1:24, 2, 3, 4); L = logical([1 0 1]); t = 'hello'; i8 = int8([-1 2]); "
           "f = single(pi); save('-v7', 'oct.mat', 's', 'c', 'A', 'L', 't', 'i8', 'f');", tmp_path)
    d = matfile.read(tmp_path / "oct.mat")
    same(d["s"], [{"a": np.array([[1.0]])}, {"a": "two"}])
    same(d["c"], [np.arange(1, 16, dtype=float).reshape((3, 5), order="F"),
                  np.arange(1, 22, dtype=float).reshape((3, 7), order="F")])
    check_3d(d["A"])
    same(d["L"], np.array([[True, False, True]]))
    assert d["t"] == "hello"
    same(d["i8"], np.array([[-1, 2]], np.int8))
    same(d["f"], np.array([[np.pi]], np.float32))


def test_octave_loads_a_file_we_wrote(tmp_path):
    seqs = _sequences()
    matfile.write(tmp_path / "ours.mat", {
        "X": seqs, "A": np.arange(1, 25, dtype=float).reshape((2, 3, 4), order="F"),
        "info": {"Name": "lstm", "Hidden": np.array([[8]], np.int32), "end": np.array([[True]])},
        "W": np.arange(6, dtype=np.float32).reshape(3, 2), "e": "", "E": [], "z": np.array([[1 - 2j]])})
    out = octave(
        "load('ours.mat'); printf('%s|', class(X), mat2str(size(X)), mat2str(size(X{2})), "
        "class(X{2}), num2str(X{2}(4, 7)), mat2str(size(A)), num2str(A(2, 3, 4)), "
        "class(info), info.Name, class(info.Hidden), num2str(info.Hidden), class(info.end), "
        "class(W), mat2str(W), class(e), mat2str(size(e)), class(E), mat2str(size(E)), "
        "num2str(imag(z)), strjoin(fieldnames(info)', ','));", tmp_path)
    assert out.split("|")[:-1] == [
        "cell", "[1 3]", "[4 7]", "double", "27", "[2 3 4]", "24", "struct", "lstm", "int32",
        "8", "logical", "single", "[0 1;2 3;4 5]", "char", "[0 0]", "cell", "[0 0]", "-2",
        "Name,Hidden,end"]


# --------------------------------------------------------------------- round trips
def _plain_kinds():
    rng = np.random.default_rng(0)
    special = np.array([[np.nan, np.inf, -np.inf, -0.0, 5e-324, np.finfo(float).max]])
    kinds = {f"a_{t}": (rng.standard_normal((3, 4)) * 100).astype(t)
             for t in ("float64", "float32", "int8", "int16", "int32", "int64",
                       "uint8", "uint16", "uint32", "uint64")}
    col = np.empty((2, 1), dtype=object)
    col[0, 0], col[1, 0] = "a", np.ones((1, 1), np.float32)
    kinds.update({
        "special": special,
        "special32": np.array([[np.nan, np.inf, -np.inf, -0.0, 1e-45, np.finfo(np.float32).max]],
                              np.float32),
        "nanbits": np.array([[0x7FF8000000000123]], np.uint64).view(np.float64),
        "ext": np.array([[np.iinfo(np.int64).min, np.iinfo(np.int64).max]]),
        "uext": np.array([[0, np.iinfo(np.uint64).max]], np.uint64),
        "logical": rng.random((2, 5)) > 0.5,
        "c128": rng.standard_normal((2, 3)) + 1j * rng.standard_normal((2, 3)),
        "c64": np.array([[complex(1.5, np.nan), complex(-np.inf, np.inf), complex(0.0, -0.0)]],
                        np.complex64),
        "nd": rng.standard_normal((2, 3, 4, 5)), "fortran": np.asfortranarray(rng.random((3, 2))),
        "e00": np.zeros((0, 0)), "e03": np.zeros((0, 3), np.int16), "e230": np.zeros((2, 3, 0), bool),
        "ec64": np.zeros((0, 3), np.complex64), "ec128": np.zeros((2, 0, 3), np.complex128),
        "e32": np.zeros((1, 0), np.float32), "eu64": np.zeros((0, 1), np.uint64),
        "text": "plain ascii", "unicode": "héllo — ωμέγα ✓ 日本語 \x00 nul \uffff", "empty": "",
        "seqs": [rng.standard_normal((3, t)).astype(np.float32) for t in (4, 9, 1)],
        "nested": [[], [np.ones((1, 1))], {"a": "x", "b": [{"c": np.zeros((0, 0))}]}],
        "cellempty": [], "column": col, "struct": {"Name": "n", "end": np.array([[1]], np.uint8),
                                                   "Inner": {"Deep": {}}, "Z" * 63: "long field"},
        "nofields": {}, "v" * 63: np.ones((1, 1)),
    })
    return kinds


def _expected(value):
    """How ``read`` returns a written value: object arrays as the lists they hold."""
    if isinstance(value, np.ndarray) and value.dtype == object:
        return [_expected(v) for v in value.ravel(order="F")]
    if isinstance(value, list):
        return [_expected(v) for v in value]
    if isinstance(value, dict):
        return {k: _expected(v) for k, v in value.items()}
    return value


@pytest.mark.parametrize("version", ["7", "7.3"])
def test_round_trip_is_bit_exact(tmp_path, version):
    kinds = _plain_kinds()
    path = tmp_path / "rt.mat"
    matfile.write(path, kinds, version=version)
    got = matfile.read(path)
    assert set(got) == set(kinds)
    for k in kinds:
        same(got[k], _expected(kinds[k]), k)
    assert got["unicode"] == kinds["unicode"]
    same(matfile.read(path, "seqs")["seqs"], kinds["seqs"])
    assert os.listdir(tmp_path) == ["rt.mat"]


def test_version_flags_and_headers(tmp_path):
    x = {"x": np.eye(2)}
    for version, head in (("-v7", b"MATLAB 5.0 MAT-file"), ("7", b"MATLAB 5.0 MAT-file"),
                          ("-v6", b"MATLAB 5.0 MAT-file"), ("6", b"MATLAB 5.0 MAT-file"),
                          ("-v7.3", b"MATLAB 7.3 MAT-file"), ("v7.3", b"MATLAB 7.3 MAT-file")):
        matfile.write(tmp_path / "f.mat", x, version)
        raw = (tmp_path / "f.mat").read_bytes()
        assert raw.startswith(head) and raw[126:128] == b"IM"
        assert raw[124:126] == (b"\x00\x02" if "7.3" in version else b"\x00\x01")
        if "7.3" in version:
            assert raw[512:520] == b"\x89HDF\r\n\x1a\n" and b"HDF5 schema 1.00 ." in raw[:116]
        if "7.3" not in version:                # -v7: a compressed element (miCOMPRESSED,
            tag = int.from_bytes(raw[128:132], "little")    # 15); -v6: a plain miMATRIX (14)
            assert tag == (14 if "6" in version else 15)
        same(matfile.read(tmp_path / "f.mat"), x)
    for bad in ("5", "-v4", "7.4", 7.3):
        with pytest.raises((ValueError, TypeError), match="version"):
            matfile.write(tmp_path / "g.mat", x, version=bad)
    assert not (tmp_path / "g.mat").exists()


def test_our_v73_files_read_by_hdf5storage(tmp_path):
    hdf5storage = pytest.importorskip("hdf5storage")
    rng = np.random.default_rng(1)
    values = {"A": np.arange(1, 25, dtype=float).reshape((2, 3, 4), order="F"),
              "W": rng.standard_normal((8, 3)).astype(np.float32), "i": np.array([[-5, 7]], np.int16),
              "L": np.array([[True], [False]]), "z": np.array([[1 + 2j, np.nan]]),
              "t": "héllo", "e": np.zeros((0, 3)), "X": [rng.standard_normal((3, t)) for t in (2, 5)],
              "s": {"Name": "lstm", "Bias": np.ones((4, 1), np.float32)}}
    matfile.write(tmp_path / "o.mat", values, version="7.3")
    assert (tmp_path / "o.mat").read_bytes().startswith(b"MATLAB 7.3 MAT-file")
    d = hdf5storage.loadmat(str(tmp_path / "o.mat"))
    for k in ("A", "W", "i", "L", "e"):
        same(np.asarray(d[k]), values[k], k)
    np.testing.assert_array_equal(d["z"], values["z"])
    assert d["z"].dtype == np.complex128
    assert "".join(np.asarray(d["t"]).ravel()) == "héllo"
    assert d["X"].shape == (1, 2)
    for j in range(2):
        same(d["X"][0, j], values["X"][j])
    s = d["s"]
    same(np.asarray(s["Bias"]).reshape(4, 1), values["s"]["Bias"])
    assert "".join(np.asarray(s["Name"]).ravel()) == "lstm"


def test_our_v7_files_read_by_scipy(tmp_path):
    values = {"A": np.arange(1, 25, dtype=float).reshape((2, 3, 4), order="F"),
              "s": {"Name": "héllo", "H": np.array([[3]], np.uint8)}, "c": [np.eye(2), "x"],
              "L": np.array([[True, False]])}
    matfile.write(tmp_path / "o.mat", values)
    d = sio.loadmat(tmp_path / "o.mat", mat_dtype=True)
    same(d["A"], values["A"])
    assert d["s"]["Name"][0, 0][0] == "héllo" and d["s"]["H"][0, 0].dtype == np.uint8
    assert d["c"].shape == (1, 2) and d["c"][0, 1][0] == "x"
    same(d["L"], values["L"])
    z = np.array([[1 - 1j, np.nan + 2j]], np.complex64)
    matfile.write(tmp_path / "z.mat", {"z": z})
    same(sio.loadmat(tmp_path / "z.mat")["z"], z)


# -------------------------------------------------------------- class objects
def _v5_element(mtype, data):
    return struct.pack("<II", mtype, len(data)) + data + b"\x00" * (-len(data) % 8)


def mcos_v7(path, varname, classname):
    """A v7 file holding one MATLAB (MCOS) object as MATLAB writes it: an mxOPAQUE_CLASS
    element with type system 'MCOS', the class name and its uint32 metadata."""
    meta = np.array([0xDD000000, 2, 1, 1, 1, 1], "<u4").tobytes()
    inner = (_v5_element(6, struct.pack("<II", 13, 0)) + _v5_element(5, struct.pack("<ii", 6, 1))
             + _v5_element(1, b"") + _v5_element(6, meta))
    body = (_v5_element(6, struct.pack("<II", 17, 0)) + _v5_element(1, varname.encode())
            + _v5_element(1, b"MCOS") + _v5_element(1, classname.encode()) + _v5_element(14, inner))
    head = b"MATLAB 5.0 MAT-file, Platform: GLNXA64, Created on: test".ljust(116)
    path.write_bytes(head + b"\x00" * 8 + b"\x00\x01IM" + _v5_element(14, body))
    return path


@pytest.mark.parametrize("classname, advice", [
    ("string", "char(s) or cellstr(s)"),
    ("categorical", "double(C) and categories(C)"),
    ("SeriesNetwork", "dlarrExportLearnables(net, file) (shipped with dlarr in dlarr/matlab)"),
    ("dlnetwork", "dlarrExportLearnables"),
    ("table", "table2struct"),
])
def test_mcos_objects_v7(tmp_path, classname, advice):
    path = mcos_v7(tmp_path / "o.mat", "obj", classname)
    with pytest.raises(MatFileError) as e:
        matfile.read(path)
    msg = str(e.value)
    assert "o.mat" in msg and "variable 'obj'" in msg and f"class '{classname}'" in msg
    assert advice in msg
    with pytest.raises(MatFileError, match="variable 'obj'"):
        matfile.read(path, "obj")


def test_nested_objects_name_the_path(tmp_path):
    """An old-style object inside a struct inside a cell (v7, written by scipy)."""
    mo = sio.matlab.MatlabObject(np.zeros((1, 1), dtype=[("w", object)]), "nnet.cnn.layer.LSTMLayer")
    mo[0, 0]["w"] = np.ones((1, 1))
    layers = np.empty((1, 2), dtype=object)
    layers[0, 0], layers[0, 1] = np.ones((1, 1)), mo
    sio.savemat(tmp_path / "n.mat", {"net": {"Layers": layers}, "ok": np.eye(2)})
    with pytest.raises(MatFileError) as e:
        matfile.read(tmp_path / "n.mat")
    msg = str(e.value)
    assert "variable 'net' (at net.Layers{2})" in msg and "nnet.cnn.layer.LSTMLayer" in msg
    assert "dlarrExportLearnables" in msg
    same(matfile.read(tmp_path / "n.mat", "ok"), {"ok": np.eye(2)})


def test_v73_objects_sparse_and_function_handles(tmp_path):
    def build(f):
        sub = f.create_group("#subsystem#")
        h5_attr(sub.create_dataset("MCOS", data=np.zeros((1, 1), np.uint8)), "FileWrapper__",
                MATLAB_object_decode=np.int32(3))
        h5_attr(f.create_dataset("labels", data=np.array([[3707764736, 2, 1, 1, 1, 1]], np.uint32)),
                "categorical", MATLAB_object_decode=np.int32(3))
        sp = h5_attr(f.create_group("S"), "double", MATLAB_sparse=np.uint64(3))
        sp.create_dataset("data", data=np.ones(2))
        sp.create_dataset("ir", data=np.array([0, 2], np.uint64))
        sp.create_dataset("jc", data=np.array([0, 1, 2], np.uint64))
        h5_attr(f.create_group("fh"), "function_handle", MATLAB_object_decode=np.int32(2))
        net = h5_attr(f.create_group("net"), "struct")
        refs = f.create_group("#refs#")
        cell = np.empty((2, 1), dtype=h5py.ref_dtype)
        cell[0, 0] = h5_attr(refs.create_dataset("b", data=np.ones((1, 1))), "double").ref
        cell[1, 0] = h5_attr(refs.create_dataset("c", data=np.zeros((6, 1), np.uint32)),
                             "nnet.cnn.layer.LSTMLayer", MATLAB_object_decode=np.int32(3)).ref
        h5_attr(net.create_dataset("Layers", data=cell), "cell")
        h5_attr(f.create_dataset("x", data=np.ones((2, 1))), "double")
    path = mat73_file(tmp_path / "o.mat", build)
    same(matfile.read(path, "x"), {"x": np.ones((1, 2))})
    cases = {"labels": "double(C) and categories(C)", "S": "full(A)", "fh": "function handle",
             "net": "dlarrExportLearnables"}
    for var, advice in cases.items():
        with pytest.raises(MatFileError) as e:
            matfile.read(path, var)
        assert f"variable '{var}'" in str(e.value) and advice in str(e.value), str(e.value)
    with pytest.raises(MatFileError, match=r"variable 'net' \(at net.Layers\{2\}\).*"
                                           r"class 'nnet.cnn.layer.LSTMLayer'"):
        matfile.read(path, "net")
    with pytest.raises(MatFileError, match="variable 'S'"):
        matfile.read(path)


# ------------------------------------------------------------------- bad files
@pytest.mark.parametrize("version", ["7", "7.3"])
def test_truncated_files(tmp_path, version):
    path = tmp_path / "t.mat"
    matfile.write(path, {"W": np.random.default_rng(0).standard_normal((40, 50)),
                         "c": ["abc", np.ones((3, 3))]}, version=version)
    raw = path.read_bytes()
    for cut in (len(raw) // 2, len(raw) - 7, 600, 100):
        path.write_bytes(raw[:cut])
        with pytest.raises(MatFileError) as e:
            matfile.read(path)
        assert "t.mat" in str(e.value)


def test_not_mat_files_and_wrong_magic(tmp_path):
    good = tmp_path / "good.mat"
    matfile.write(good, {"x": np.eye(3)})
    raw = good.read_bytes()
    cases = {
        "empty.mat": b"",
        "text.mat": b"this is a text file, not a MAT-file\n" * 10,
        "random.mat": np.random.default_rng(0).integers(1, 255, 400, dtype=np.uint8).tobytes(),
        "endian.mat": raw[:126] + b"XX" + raw[128:],
        "version.mat": raw[:124] + b"\x00\x03" + raw[126:],
        "nohdf5.mat": raw[:124] + b"\x00\x02" + raw[126:],
        "magic.mat": b"MATRIX" + raw[6:],
        "zlib.mat": raw[:140] + bytes(b ^ 0x5A for b in raw[140:160]) + raw[160:],
        "pickle.mat": b"\x80\x04\x95" + b"\x00" * 200,
    }
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(MatFileError) as e:
            matfile.read(tmp_path / name)
        assert name in str(e.value), (name, str(e.value))
    with pytest.raises(FileNotFoundError, match="nothere.mat"):
        matfile.read(tmp_path / "nothere.mat")


def test_damaged_v73_contents(tmp_path):
    def build(f):
        h5_attr(f.create_dataset("wrongtype", data=np.ones((2, 2), np.int32)), "double")
        f.create_dataset("noclass", data=np.ones((2, 2)))
        h5_attr(f.create_dataset("badempty", data=np.array([2, 3], np.uint64)), "double",
                MATLAB_empty=np.uint8(1))
        h5_attr(f.create_dataset("nullref", data=np.empty((1, 1), dtype=h5py.ref_dtype)), "cell")
        h5_attr(f.create_dataset("cellnums", data=np.ones((1, 1))), "cell")
        loop = h5_attr(f.create_dataset("loop", shape=(1, 1), dtype=h5py.ref_dtype), "cell")
        loop[0, 0] = loop.ref                                    # a cell holding itself
    path = mat73_file(tmp_path / "d.mat", build)
    for var, words in (("wrongtype", "int32"), ("noclass", "MATLAB_class"),
                       ("badempty", "empty"), ("nullref", "null"), ("cellnums", "cell"),
                       ("loop", "refers to itself")):
        with pytest.raises(MatFileError) as e:
            matfile.read(path, var)
        assert "d.mat" in str(e.value) and f"variable '{var}'" in str(e.value), str(e.value)
        assert words in str(e.value), str(e.value)


# ------------------------------------------------------------ atomic writes
@pytest.mark.parametrize("version", ["7", "7.3"])
def test_a_failed_write_leaves_the_old_file(tmp_path, monkeypatch, version):
    path = tmp_path / "keep.mat"
    matfile.write(path, {"old": np.eye(2)}, version=version)
    before = path.read_bytes()
    big = {"a": np.ones((200, 200)), "b": np.zeros((50, 50)), "c": ["x", np.ones((3, 3))]}
    if version == "7":
        calls = []
        real = matfile._v5_matrix

        def v5_matrix(value, name=""):              # the second variable fails mid-file
            if name:
                calls.append(1)
            if len(calls) == 2:
                raise OSError("disk full (simulated)")
            return real(value, name)
        monkeypatch.setattr(matfile, "_v5_matrix", v5_matrix)
    else:
        real = h5py.Group.create_dataset
        calls = []

        def create_dataset(self, *args, **kwargs):
            calls.append(1)
            if len(calls) == 3:
                raise OSError("disk full (simulated)")
            return real(self, *args, **kwargs)
        monkeypatch.setattr(h5py.Group, "create_dataset", create_dataset)
    with pytest.raises(OSError, match="simulated"):
        matfile.write(path, big, version=version)
    assert len(calls) >= 2                           # it had written part of the file
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["keep.mat"]
    monkeypatch.undo()
    same(matfile.read(path), {"old": np.eye(2)})


def test_v7_size_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(matfile, "V7_MAX_VARIABLE_BYTES", 4000)
    x = np.ones((30, 30))                              # 7200 bytes
    with pytest.raises(MatFileError, match=r"variable 'x'.*v7.*-v7\.3"):
        matfile.write(tmp_path / "big.mat", {"small": np.ones((2, 2)), "x": x})
    with pytest.raises(MatFileError, match="variable 'c'"):
        matfile.write(tmp_path / "big.mat", {"c": [np.ones((20, 20)), np.ones((20, 20))]})
    assert os.listdir(tmp_path) == []
    matfile.write(tmp_path / "big.mat", {"x": x}, version="7.3")
    same(matfile.read(tmp_path / "big.mat"), {"x": x})
    matfile.write(tmp_path / "ok.mat", {"x": np.ones((10, 10))})


# ---------------------------------------------------------------- bad values
@pytest.mark.parametrize("name", ["1x", "a-b", "_x", "x y", "", "for", "end", "é", "v" * 64])
def test_invalid_variable_names(tmp_path, name):
    with pytest.raises(ValueError) as e:
        matfile.write(tmp_path / "n.mat", {name: np.eye(2)})
    assert repr(name) in str(e.value)
    assert not (tmp_path / "n.mat").exists()


@pytest.mark.parametrize("field", ["1x", "_x", "a.b", "", "f" * 64, 3])
def test_invalid_field_names(tmp_path, field):
    with pytest.raises((ValueError, TypeError)) as e:
        matfile.write(tmp_path / "n.mat", {"s": {"ok": [{"in": {field: 1.0}}]}})
    assert repr(field) in str(e.value) and "variable 's'" in str(e.value)


@pytest.mark.parametrize("value, words", [
    (np.arange(3.0), "ndim >= 2"),
    (np.ones((2, 3, 1)), "trailing singleton"),
    (np.ones((2, 2), np.float16), "float16"),
    (np.array([["a"]]), "<U1"),
    (1.5, "np.array([[x]])"),
    (np.float32(2), "np.array([[x]])"),
    (True, "np.array([[x]])"),
    ((1, 2), "tuple"),
    (None, "NoneType"),
    (np.ma.masked_array(np.ones((2, 2))), "subclass"),
    (np.empty(3, dtype=object), "ndim >= 2"),
])
def test_values_that_cannot_be_written(tmp_path, value, words):
    with pytest.raises((TypeError, ValueError)) as e:
        matfile.write(tmp_path / "v.mat", {"x": {"f": [np.eye(1), value]}})
    msg = str(e.value)
    assert "variable 'x'" in msg and "x['f'][1]" in msg and words in msg, msg
    assert not (tmp_path / "v.mat").exists()


def test_self_containing_values_and_bad_arguments(tmp_path):
    loop = [np.eye(2)]
    loop.append(loop)
    with pytest.raises(ValueError, match="contains itself"):
        matfile.write(tmp_path / "l.mat", {"loop": loop})
    cells = np.empty((1, 1), dtype=object)
    cells[0, 0] = cells
    with pytest.raises(ValueError, match=r"at c\[0, 0\]: the value contains itself"):
        matfile.write(tmp_path / "l.mat", {"c": cells})
    with pytest.raises(TypeError, match="dict"):
        matfile.write(tmp_path / "l.mat", [("x", np.eye(2))])
    with pytest.raises(TypeError, match="variable name"):
        matfile.write(tmp_path / "l.mat", {3: np.eye(2)})
    with pytest.raises(ValueError, match="U\\+FFFF"):
        matfile.write(tmp_path / "l.mat", {"t": "emoji \U0001F600"})
    matfile.write(tmp_path / "l.mat", {"t": "emoji \U0001F600"}, version="7.3")
    assert matfile.read(tmp_path / "l.mat") == {"t": "emoji \U0001F600"}
    with pytest.raises(FileNotFoundError, match="does not exist"):
        matfile.write(tmp_path / "no" / "x.mat", {"x": np.eye(2)})
    with pytest.raises(IsADirectoryError):
        matfile.write(tmp_path, {"x": np.eye(2)})
    matfile.write(tmp_path / "pairs.mat", {"x": np.eye(2)}, "Version", "7.3")    # MATLAB pairs
    assert (tmp_path / "pairs.mat").read_bytes().startswith(b"MATLAB 7.3")


def test_optional_libraries_are_lazy_and_named():
    code = ("import sys; import dlarr, dlarr.io.matfile, dlarr.io.matfile_hdf5; "
            "print(sorted(m for m in ('scipy', 'h5py') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "[]", out.stderr
    code = ("import sys; sys.modules['h5py'] = None; sys.modules['scipy'] = None\n"
            "import numpy as np; from dlarr.io import matfile\n"
            "for f in (lambda: matfile.write('x.mat', {'x': np.eye(2)}, version='7.3'),\n"
            "          lambda: matfile.read(sys.argv[1])):\n"
            "    try: f()\n"
            "    except ImportError as e: print(e)\n")
    out = subprocess.run([sys.executable, "-c", code, str(DATA / "testminus_7.4_GLNX86.mat")],
                         capture_output=True, text=True, timeout=120)
    lines = out.stdout.strip().splitlines()
    assert len(lines) == 2 and all('pip install "dlarr[mat]"' in l for l in lines), out
    assert "h5py" in lines[0] and "scipy" in lines[1]
