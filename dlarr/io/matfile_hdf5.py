"""MATLAB's v7.3 MAT-files (HDF5 in MATLAB's layout) as plain values: the h5py half of
``matfile`` (``matfile.read`` and ``matfile.write`` call it; see the contract there).

MATLAB's layout, as MATLAB, matio and hdf5storage write it:

* a 512-byte HDF5 user block holding MATLAB's 128-byte header: the text "MATLAB 7.3
  MAT-file, Platform: ..., Created on: ... HDF5 schema 1.00 ." padded to 116 bytes,
  8 bytes of subsystem offset (zeros), version 0x0200 and the endian indicator 'IM';
* one HDF5 object per variable at the root, with the attribute MATLAB_class: numeric
  classes ('double', 'single', 'int8' ... 'uint64') as datasets of that type, complex
  ones as a compound of 'real' and 'imag'; 'logical' as uint8 (MATLAB_int_decode 1);
  'char' as uint16 UTF-16 code units (MATLAB_int_decode 2); 'cell' as a dataset of
  object references to the elements, which live in the group '#refs#'; a 1 x 1
  'struct' as a group of its fields (MATLAB_fields lists their order); a struct
  array as a group whose fields are reference datasets without MATLAB_class;
* HDF5 dimensions are MATLAB's reversed (h5py's shape (T, C) is MATLAB's C x T);
* an empty array is a uint64 dataset holding MATLAB's dimensions, with MATLAB_empty 1
  (an empty complex array also gets the attribute dlarr_complex 1, which MATLAB
  ignores: MATLAB's layout has no place for it, and reading restores the type);
* class objects carry a class name as MATLAB_class (and MATLAB_object_decode, their
  data in '#subsystem#'), sparse matrices MATLAB_sparse: both are MatFileErrors here.
"""
from __future__ import annotations

import numpy as np

from .matfile import (MatFileError, cell_array, fail, header_text, matlab_array, matlab_dims,
                      missing_error, nest, object_message, subscript, text_from_units)

_CLASSES = {"double": np.float64, "single": np.float32, "int8": np.int8, "int16": np.int16,
            "int32": np.int32, "int64": np.int64, "uint8": np.uint8, "uint16": np.uint16,
            "uint32": np.uint32, "uint64": np.uint64}
_CLASS_OF = {np.dtype(t): c for c, t in _CLASSES.items()}
_CLASS_OF.update({np.dtype(np.complex128): "double", np.dtype(np.complex64): "single",
                  np.dtype(np.bool_): "logical"})
_PLAIN = set(_CLASSES) | {"logical", "char", "cell", "struct", "canonical empty"}
_MAX_DEPTH = 64
_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


# ------------------------------------------------------------------------------ write
def write_file(h5py, fh, variables):
    """Write checked plain ``variables`` into the open binary file ``fh``."""
    with h5py.File(fh, "w", userblock_size=512) as f:
        w = _Writer(h5py, f)
        for name, value in variables.items():
            w.put(f, name, value)
    fh.seek(0)
    head = header_text("7.3") + b"\x00" * 8 + (0x0200).to_bytes(2, "little") + b"IM"
    fh.write(head.ljust(512, b"\x00"))


class _Writer:
    def __init__(self, h5py, f):
        self.h5py, self.f, self.refs, self.count = h5py, f, None, 0

    def put(self, parent, name, value):
        if isinstance(value, str):
            return self._char(parent, name, value)
        if isinstance(value, dict):
            return self._struct(parent, name, value)
        if isinstance(value, list) or value.dtype == object:
            return self._cell(parent, name, cell_array(value))
        return self._numeric(parent, name, value)

    @staticmethod
    def _dataset(parent, name, data, cls):
        ds = parent.create_dataset(name, data=data)
        ds.attrs["MATLAB_class"] = np.bytes_(cls)
        return ds

    def _empty(self, parent, name, shape, cls):
        ds = self._dataset(parent, name, np.array(shape, dtype=np.uint64), cls)
        ds.attrs["MATLAB_empty"] = np.uint8(1)
        return ds

    def _numeric(self, parent, name, a):
        cls = _CLASS_OF[a.dtype.newbyteorder("=")]
        if a.size == 0:
            ds = self._empty(parent, name, a.shape, cls)
            if a.dtype.kind == "c":                      # MATLAB's empty layout has no
                ds.attrs["dlarr_complex"] = np.uint8(1)  # place for it: our own marker
        else:
            data = a.T                                   # HDF5 keeps MATLAB's dims reversed
            if a.dtype == np.bool_:
                data = data.astype(np.uint8)
            elif a.dtype.kind == "c":
                part = np.dtype(f"<f{a.dtype.itemsize // 2}")
                comp = np.empty(data.shape, dtype=[("real", part), ("imag", part)])
                comp["real"], comp["imag"] = data.real, data.imag
                data = comp
            else:
                data = data.astype(a.dtype.newbyteorder("<"), copy=False)
            ds = self._dataset(parent, name, np.ascontiguousarray(data), cls)
        if cls == "logical":
            ds.attrs["MATLAB_int_decode"] = np.int32(1)

    def _char(self, parent, name, s):
        if not s:
            ds = self._empty(parent, name, (0, 0), "char")
        else:
            units = np.frombuffer(s.encode("utf-16-le", "surrogatepass"), dtype="<u2")
            ds = self._dataset(parent, name, units.reshape(-1, 1), "char")   # 1 x N
        ds.attrs["MATLAB_int_decode"] = np.int32(2)

    def _cell(self, parent, name, cell):
        if cell.size == 0:
            self._empty(parent, name, cell.shape, "cell")
            return
        refs = np.empty(cell.shape[::-1], dtype=self.h5py.ref_dtype)
        for idx in np.ndindex(cell.shape):
            refs[idx[::-1]] = self._ref(cell[idx])
        self._dataset(parent, name, refs, "cell")

    def _ref(self, value):
        if self.refs is None:
            self.refs = self.f.create_group("#refs#")
            self._empty(self.refs, "a", (0, 0), "canonical empty")
        self.count += 1
        key, n = "", self.count
        while n:
            n, r = divmod(n, len(_LETTERS))
            key = _LETTERS[r] + key
        self.put(self.refs, key, value)
        return self.refs[key].ref

    def _struct(self, parent, name, d):
        g = parent.create_group(name)
        g.attrs["MATLAB_class"] = np.bytes_("struct")
        fields = np.empty(len(d), dtype=object)
        for i, k in enumerate(d):
            fields[i] = np.frombuffer(k.encode("ascii"), dtype="S1").copy()
        g.attrs.create("MATLAB_fields", fields, dtype=self.h5py.vlen_dtype(np.dtype("S1")))
        for k, v in d.items():
            self.put(g, k, v)


# ------------------------------------------------------------------------------- read
def read_file(h5py, fname, names):
    """{name: plain value} from the v7.3 MAT-file ``fname`` (``names`` or all)."""
    try:
        f = h5py.File(fname, "r")
    except Exception as err:
        raise MatFileError(f"{fname}: cannot open this v7.3 MAT-file as HDF5, it is damaged "
                           f"or truncated: {type(err).__name__}: {err}") from err
    with f:
        try:
            available = [k for k in f.keys() if not k.startswith("#")]
        except Exception as err:
            raise MatFileError(f"{fname}: cannot list the variables of this v7.3 MAT-file, "
                               f"it is damaged: {type(err).__name__}: {err}") from err
        wanted = available if names is None else names
        missing = [n for n in wanted if n not in available]
        if missing:
            raise missing_error(fname, missing, available)
        out = {}
        for name in wanted:
            reader = _Reader(h5py, f, fname, name)
            try:
                out[name] = reader.value(f[name], name, 0)
            except (MatFileError, MemoryError):
                raise
            except Exception as err:
                raise fail(fname, name, None, f"cannot be read, the file is damaged: "
                           f"{type(err).__name__}: {err}") from err
        return out


def _attr_text(attrs, key):
    if key not in attrs:
        return None
    v = attrs[key]
    v = v.item() if isinstance(v, np.ndarray) and v.size == 1 else v
    if isinstance(v, bytes):
        return v.decode("ascii", "replace")
    return v if isinstance(v, str) else str(v)


def _flag(attrs, key):
    if key not in attrs:
        return False
    v = np.asarray(attrs[key])
    return bool(v.size and v.ravel()[0])


class _Reader:
    """Plain values from one variable of an open v7.3 file."""

    def __init__(self, h5py, f, fname, var):
        self.h5py, self.f, self.fname, self.var = h5py, f, fname, var
        self.open = set()                     # the HDF5 objects being read, for cycles

    def fail(self, where, msg):
        return fail(self.fname, self.var, where, msg)

    def value(self, obj, where, depth):
        if depth > _MAX_DEPTH:
            raise self.fail(where, f"is nested more than {_MAX_DEPTH} levels deep")
        key = obj.name                        # None for anonymous objects (not MATLAB's)
        if key is not None and key in self.open:
            raise self.fail(where, f"refers to itself ({key}): a damaged or crafted file")
        self.open.add(key)
        try:
            return self._value(obj, where, depth)
        finally:
            self.open.discard(key)

    def _value(self, obj, where, depth):
        attrs = obj.attrs
        cls = _attr_text(attrs, "MATLAB_class")
        if cls is None:
            raise self.fail(where, "has no MATLAB_class attribute: not MATLAB's v7.3 layout")
        if "MATLAB_sparse" in attrs:
            raise self.fail(where, object_message("sparse"))
        if "MATLAB_object_decode" in attrs or cls not in _PLAIN:
            raise self.fail(where, object_message(cls))
        if isinstance(obj, self.h5py.Group):
            if cls != "struct":
                raise self.fail(where, f"is an HDF5 group with MATLAB_class '{cls}' "
                                "(only structs are groups)")
            return self._struct(obj, where, depth)
        if _flag(attrs, "MATLAB_empty"):
            return self._empty(obj, cls, where, _flag(attrs, "dlarr_complex"))
        if cls == "cell":
            return self._cell(obj, where, depth)
        if cls == "char":
            return self._char(obj, where)
        if cls in ("struct", "canonical empty"):
            raise self.fail(where, f"is a dataset with MATLAB_class '{cls}' but is not empty")
        return self._numeric(obj, cls, where)

    def _empty(self, ds, cls, where, complex_=False):
        dims = np.asarray(ds[()])
        if dims.dtype.kind not in "iu" or dims.size < 2 or dims.ndim > 2 or (dims < 0).any():
            raise self.fail(where, f"is marked empty but holds {dims!r}, not its dimensions")
        dims = matlab_dims(int(d) for d in dims.ravel())
        if np.prod(dims, dtype=object) != 0:
            raise self.fail(where, f"is marked empty but its dimensions are "
                            f"{'x'.join(map(str, dims))}")
        if cls in ("cell", "struct"):
            return []
        if cls == "char":
            return ""
        dtype = np.dtype(np.bool_ if cls == "logical" else _CLASSES.get(cls, np.float64))
        if complex_ and dtype.kind == "f":
            dtype = np.result_type(dtype, np.complex64)
        return np.zeros(dims, dtype=dtype)

    def _data(self, ds):
        """The dataset's elements with MATLAB's dimensions (HDF5's reversed)."""
        data = np.asarray(ds[()])
        return data.reshape(matlab_dims(data.shape[::-1])[::-1]).T

    def _numeric(self, ds, cls, where):
        data, dtype = self._data(ds), ds.dtype
        if cls == "logical":
            if dtype.kind not in "biu":
                raise self.fail(where, f"is a logical stored as {dtype}, not uint8")
            return matlab_array(data != 0)
        want = np.dtype(_CLASSES[cls])
        if dtype.fields:
            if set(dtype.names) != {"real", "imag"} or want.kind != "f" or any(
                    dtype[k].newbyteorder("=") != want for k in ("real", "imag")):
                raise self.fail(where, f"is a compound {dtype} with MATLAB_class '{cls}', not "
                                "MATLAB's complex layout (real, imag of the class)")
            out = np.empty(data.shape, dtype=np.result_type(want, np.complex64))
            out.real, out.imag = data["real"], data["imag"]
            return matlab_array(out)
        if dtype.newbyteorder("=") != want:
            raise self.fail(where, f"holds {dtype} data but its MATLAB_class is '{cls}'")
        return matlab_array(data)

    def _char(self, ds, where):
        if ds.dtype.kind not in "ui" or ds.dtype.itemsize > 4:
            raise self.fail(where, f"is a char stored as {ds.dtype}, not uint16")
        codes = self._data(ds)
        if codes.ndim > 2:
            raise self.fail(where, f"is a {'x'.join(map(str, codes.shape))} char array; save "
                            "it as a cell array of char rows (cellstr) instead")
        try:
            rows = [text_from_units(codes[i]) for i in range(codes.shape[0])]
        except ValueError as err:
            raise self.fail(where, f"holds invalid characters: {err}") from None
        return rows[0] if len(rows) == 1 else rows

    def _deref(self, ref, where, depth):
        if not ref:
            raise self.fail(where, "holds a null object reference")
        try:
            target = self.f[ref]
        except Exception as err:
            raise self.fail(where, f"holds an object reference that leads nowhere: {err}") \
                from None
        return self.value(target, where, depth)

    def _refs(self, ds, where):
        if self.h5py.check_ref_dtype(ds.dtype) is None:
            raise self.fail(where, f"is a cell stored as {ds.dtype}, not object references")
        return self._data(ds)

    def _cell(self, ds, where, depth):
        refs = self._refs(ds, where)
        shape = refs.shape
        return nest(shape, lambda idx: self._deref(
            refs[idx], f"{where}{{{subscript(idx, shape)}}}", depth + 1))

    def _fields(self, g, where):
        names = list(g.keys())
        if "MATLAB_fields" not in g.attrs:
            return names
        listed = []
        for chars in np.asarray(g.attrs["MATLAB_fields"], dtype=object).ravel():
            raw = chars if isinstance(chars, bytes) else b"".join(np.asarray(chars).ravel())
            listed.append(raw.decode("ascii", "replace"))
        absent = [k for k in listed if k not in names]
        if absent:
            raise self.fail(where, f"lists struct fields {absent} that it does not hold")
        return listed + [k for k in names if k not in listed]

    def _struct(self, g, where, depth):
        fields = self._fields(g, where)
        members = [g[k] for k in fields]
        if members and all(isinstance(m, self.h5py.Dataset) and "MATLAB_class" not in m.attrs
                           for m in members):
            return self._struct_array(fields, members, where, depth)
        return {k: self.value(m, f"{where}.{k}", depth + 1) for k, m in zip(fields, members)}

    def _struct_array(self, fields, members, where, depth):
        refs = [self._refs(m, f"{where}.{k}") for k, m in zip(fields, members)]
        shape = refs[0].shape
        if any(r.shape != shape for r in refs):
            raise self.fail(where, "is a struct array whose fields have different sizes")

        def element(idx):
            at = where if refs[0].size == 1 else f"{where}({subscript(idx, shape)})"
            return {k: self._deref(r[idx], f"{at}.{k}", depth + 1) for k, r in zip(fields, refs)}
        if refs[0].size == 1:
            return element((0,) * len(shape))
        return nest(shape, element)
