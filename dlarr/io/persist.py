"""MATLAB's ``save`` and ``load`` for dlarr's objects, as plain MATLAB structs.

``save`` encodes every variable (:mod:`dlarr.io.codecs` for plain values,
:mod:`dlarr.io.objects` for layers, networks and tables), then writes them with
``matfile.write`` (atomic: beside the file, then renamed); ``load`` reads with
``matfile.read`` and decodes.  ``register_class`` lets a higher wing make its objects
saveable (the training wing registers its options classes).

LAYOUT (what a file written by ``dl.save`` holds, so that MATLAB's ``load`` opens it as
plain structs; ``dl.load`` reads exactly this layout, and MATLAB's helper functions
``dlarr/matlab/dlarrExportLearnables.m`` / ``dlarrImportLearnables.m`` write and read it):

* A value is written as plain MATLAB data when reading that data back gives the same
  Python value; otherwise as a *tagged struct*: a struct whose first field
  ``dlarrClass`` (char) names what it is.  Reading plain data (``matfile.read``'s
  trees, as for any MATLAB-written file):
    - a 1x1 numeric or logical array -> a Python scalar: double -> float, single ->
      numpy.float32, intN/uintN -> int, logical -> bool, complex double -> complex;
      any other numeric/logical array -> numpy.ndarray (MATLAB's shape, >= 2-D);
    - char -> str; cell -> list; struct without ``dlarrClass`` -> dict;
      struct array -> list of dicts.
  So float, int (as int64: an int outside int64's range is a ValueError at save),
  bool, complex, str, list, dict (valid field names, not empty) and numpy arrays of
  >= 2 dimensions other than 1x1 (no trailing singletons beyond the second) and
  numpy.float32 scalars are plain; everything else is tagged.  A list is a 1 x N cell;
  the cells below said to be N x 1 (layers, categories, classes, table columns) are
  columns, as MATLAB's; ``dl.load`` reads either orientation the same.
* Tagged structs (``dlarrClass`` value: the other fields):
    'ndarray'      Data (the elements as an N x 1 column, column-major), Size (1 x ndim
                   double; 0 x 0 for a 0-d array), plus the element class in Data's own
                   class: numpy arrays that are 0-d, 1-D, 1x1 or with trailing singletons.
    'scalar'       Data (1x1 of the element class): a NumPy scalar other than float32
                   (numpy.float64, numpy.int32, numpy.bool_, ...).
    'none'         (no other field): None.
    'tuple'        Items (cell): a tuple.
    'list'         Items (cell): a list, only where a cell would read back as a tuple
                   (a layer property whose default is a tuple, ResponseNames, set to a
                   list).
    'dict'         Keys (cell: char for string keys, other keys as saved values),
                   Values (cell): a dict that is empty, has keys that are not valid
                   MATLAB field names (or include 'dlarrClass'), or non-string keys.
    'dlarray'      Data (the stored array, MATLAB-shaped, in the canonical S,C,B,T,U order:
                   plain, or a tagged 'ndarray' where the shape would not survive),
                   Format (char, '' when unformatted).  GPU data is written from the host
                   and loads on the host.
    'categorical'  Codes (uint32 array, MATLAB-style 1-based, 0 = undefined, of the
                   categorical's shape; a 1-D categorical of N labels is N x 1),
                   Categories (N x 1 cell of char), Ordinal (logical), Size (1 x ndim
                   double: the Python shape, so a 1-D categorical reads back 1-D).
                   MATLAB: categorical(S.Codes, 1:numel(S.Categories), S.Categories).
    '<LayerClass>' a layer: the dlarr class name ('LSTMLayer', 'FullyConnectedLayer',
                   'SequenceInputLayer', 'ClassificationOutputLayer', ...; a layer class
                   defined outside dlarr: 'module.QualName', found among the Layer
                   subclasses the program has imported, never imported from the file),
                   then one field per property in the class's ``_props`` order, with
                   MATLAB's property names and values: [] (0 x 0 double) for empty
                   (None), learnables and states (and array properties: Mean,
                   StandardDeviation, Min, Max) as plain matrices of their class
                   (InputWeights 4H x InputSize single, Bias 4H x 1; read back as
                   unformatted dlarrays; a dlarray that is formatted or not 2-D is a
                   tagged 'dlarray'), strings as char, numbers as above, per-gate
                   factors and ClassWeights as 1 x n double rows (in a layer struct a
                   1 x n double row, n >= 2, reads back as a tuple of floats), Classes
                   and ResponseNames as N x 1 cells of char (in a layer struct a cell
                   reads back as the property's default type when that is a tuple,
                   else as a list for the validator; a categorical Classes, after
                   trainNetwork on categorical labels, is a tagged 'categorical':
                   MATLAB reads its class names from Classes.Categories), 'auto' as
                   char.  A value the property's validator would not rebuild from that
                   form is stored generically (a tuple as 'tuple', a list as 'list', a
                   numpy array as 'ndarray').
    'dlnetwork' / 'SeriesNetwork' / 'DAGNetwork'
                   Layers (N x 1 cell of layer structs, in the network's order: each
                   layer after the layers it reads), Connections (a struct with fields
                   Source and Destination: M x 1 cells of char, one row per connection,
                   MATLAB's Connections table as columns: 'name' for a layer with one
                   output (input), 'name/port' otherwise, e.g. 'add/in2', 'lstm/hidden';
                   a file without Connections and OutputNames, written before layer
                   graphs, is read as a chain), OutputNames (a cell of char: the outputs
                   a dlnetwork was given, empty for the default), Initialized (logical),
                   DataType ('single' or 'double': the learnables' class), State (a
                   struct with fields Layer, Parameter: N x 1 cells of char, Value: N x 1
                   cell of matrices (unformatted 2-D dlarrays; others tagged 'dlarray');
                   the network's current state, MATLAB's State table as columns; empty
                   cells when there is none).
    'LayerGraph'   Layers (N x 1 cell of layer structs, in the graph's order),
                   Connections (as a network's): a layer graph (``dl.layerGraph``).
    'Table'        Layer, Parameter (N x 1 cells of char), Value (N x 1 cell of matrices,
                   as the State's): a Learnables/State/gradient table (``net.Learnables``,
                   dlgradient's and adamupdate's tables).
    '<TrainingOptionsClass>'  ('TrainingOptionsADAM', 'TrainingOptionsSGDM',
                   'TrainingOptionsRMSProp') registered by the training wing: SolverName
                   then every option as a field, values as above (``register_class``:
                   a wing above io registers a class with its tag, how to get its
                   fields and how to rebuild it).
* A Python function anywhere (an initializer, a Normalization function, OutputFcn) is
  a TypeError at ``save``, naming the variable and the path to it: a .mat holds no code.
* Loading never runs code from the file (no pickle): a tagged struct's class is looked
  up in a fixed table (plus the registered classes and the imported Layer subclasses);
  its fields are checked (names, types, sizes) and the objects rebuilt through their
  validating constructors: a layer by ``cls(**properties)``, a network by its
  constructor, then initialized when Initialized is true (learnables that are set are
  kept; one of the wrong size, a learnable the file lacks, a connection naming no layer
  or port, an unconnected input, a cycle or layers whose sizes do not fit are errors
  naming the layer), then its State put back.  Any mismatch is a
  MatFileError naming the variable and the path inside it ("variable 'net':
  Layers{2} (LSTMLayer 'lstm'): InputWeights must be 400 x 12; it is 399 x 12"), and
  nothing is returned half-loaded.
"""
from __future__ import annotations

import os

from .codecs import decode, encode, is_valid_name, register_class

__all__ = ["save", "load", "register_class", "encode", "decode",
           "SAVE_FLAGS"]

# save's flags (matched as MATLAB's validatestring does); the MAT-file version each writes.
from ..core.options import SAVE_FLAGS  # noqa: E402  (the vocabulary)
_VERSIONS = {"-v7": "7", "-v7.3": "7.3", "-v6": "6", "-nocompression": "6"}
# MATLAB's other flags of save, which dl.save does not take.
_MATLAB_ONLY_FLAGS = ("-append", "-ascii", "-double", "-tabs", "-struct", "-regexp", "-mat",
                      "-v4")


def _filename(filename, fname):
    """The file's path as a str; ".mat" added when it has no extension (as MATLAB)."""
    if isinstance(filename, os.PathLike):
        filename = os.fspath(filename)
    if not isinstance(filename, str):
        raise TypeError(f"{fname}: filename must be a string or a path, not "
                        f"{type(filename).__name__}")
    if not filename:
        raise ValueError(f"{fname}: filename is empty")
    return filename if os.path.splitext(filename)[1] else filename + ".mat"


def _version(flags):
    """The MAT-file version the flags ask for ("7" by default)."""
    from ..core.options import choose
    valid = ", ".join(repr(f) for f in SAVE_FLAGS)
    chosen = set()
    for flag in flags:
        if not isinstance(flag, str):
            raise TypeError(f"save: a flag must be a string ({valid}), not {type(flag).__name__}; "
                            "give the variables as keywords: dl.save(filename, net=net)")
        if not flag.startswith("-"):
            raise ValueError(f"save: {flag!r} is not a flag ({valid}); give the variables as "
                             f"keywords, dl.save(filename, {flag}=value), not by name")
        if flag.lower() in _MATLAB_ONLY_FLAGS:
            raise ValueError(f"save: MATLAB's flag {flag!r} is not supported by dl.save; "
                             f"valid flags are {valid}")
        chosen.add(choose(flag, SAVE_FLAGS, "save", "flag"))
    if chosen == {"-v7", "-nocompression"}:            # MATLAB's save(..., "-v7", "-nocompression")
        chosen = {"-v6"}
    if len({_VERSIONS[c] for c in chosen}) > 1:
        raise ValueError(f"save: give one version flag, not {', '.join(sorted(chosen))}")
    return _VERSIONS[chosen.pop() if chosen else "-v7"]


def save(filename, /, *flags, **variables):
    """Save variables to a MAT-file, MATLAB's ``save``.

    Syntax::

        dl.save(filename, net=net, XTest=XTest)        # MATLAB: save(filename, "net", "XTest")
        dl.save(filename, "-v7.3", net=net)            # HDF5-based MAT-file, for over 2 GB

    Input arguments:
        filename: the file (a str or a path); ".mat" is added when it has no extension,
            as MATLAB does.  An existing file is replaced, atomically: the new file is
            written beside it and renamed over it, so a failure leaves the old one.
        flags: "-v7" (default: compressed MAT-file version 7), "-v7.3" (HDF5 in
            MATLAB's layout, through h5py, for variables over 2 GB), "-v6" (version 7's
            format uncompressed: larger files, written several times faster; MATLAB's
            "-v7 -nocompression" reads the same, and "-nocompression" alone means it
            too), matched as MATLAB's validatestring does (any case).  MATLAB's
            "-append", "-ascii", "-struct", ... are not supported (a ValueError).
        variables: one keyword argument per variable, its name a valid MATLAB name
            (a letter, then letters, digits, underscores; at most 63 characters; not a
            MATLAB keyword) and its value any of: numbers, str, None, lists, tuples,
            dicts, NumPy arrays and scalars, dlarrays (GPU data is saved from the
            host), categoricals, layers and layer arrays, dlnetwork and SeriesNetwork
            objects, Learnables/State tables, training options; nested freely.  (filename
            is positional, so a variable may be called filename too.)

    Everything is encoded before anything is written: a value that cannot be saved is a
    TypeError (a Python function, "net.Layers[0].Normalization is a Python function; a
    .mat file holds no code"; an unsupported type) or a ValueError (an int beyond int64)
    naming the variable and the path to it, and the file is left as it was.  The file
    is a real MAT-file, laid out (the LAYOUT of :mod:`dlarr.io.persist`) so that
    MATLAB's ``load`` opens it as plain structs: each layer a struct with MATLAB's
    property names and MATLAB-shaped matrices (InputWeights 4H x InputSize, single).
    Needs the ``mat`` extra (``pip install "dlarr[mat]"``: scipy, h5py).

    Output arguments: none (returns None).

    Differences from MATLAB: the variables are keyword arguments (Python has no
    workspace to save from by name); ``save`` with no variables is a ValueError, not
    the whole workspace.

    Example::

        net = dl.dlnetwork([dl.sequenceInputLayer(3), dl.lstmLayer(8),
                            dl.fullyConnectedLayer(2)])
        dl.save("net.mat", net=net, classes=["a", "b"])
        dl.save("big", "-v7.3", net=net)                 # writes big.mat
        S = dl.load("net.mat")                           # {'net': dlnetwork, 'classes': [...]}
    """
    from . import matfile
    path = _filename(filename, "save")
    version = _version(flags)
    if not variables:
        raise ValueError("save: no variables to save; give them as keywords: "
                         "dl.save(filename, net=net)")
    for name in variables:
        if not is_valid_name(name):
            raise ValueError(f"save: {name!r} is not a valid MATLAB variable name (a letter, "
                             "then letters, digits or underscores, at most 63 characters, "
                             "not a MATLAB keyword)")
    plain = {name: encode(value, name) for name, value in variables.items()}
    matfile.write(path, plain, version)


def load(filename, *names):
    """Load variables from a MAT-file, MATLAB's ``load``.

    Syntax::

        S = dl.load(filename)                          # MATLAB: S = load(filename)
        S = dl.load(filename, "net", "XTest")          # only those variables

    Input arguments:
        filename: the file (a str or a path); ".mat" is added when it has no extension,
            as MATLAB does.  A MAT-file of version 5/7 or 7.3 (HDF5), written by
            ``dl.save`` or by MATLAB.
        names: the variables to load (str); default all of them.  A name the file does
            not have is a ValueError (MatFileError) listing what it has.

    Output arguments:
        S: a dict {name: value} in the file's order.  What ``dl.save`` wrote comes back
            exactly: the same types, values (bit for bit), dtypes, shapes and formats;
            layers, networks (their layers, learnables, data type and current State,
            so that they predict bit-identically), tables, training options.  Plain
            MATLAB data reads as: a 1x1 double -> float (single -> numpy.float32, an
            integer class -> int, logical -> bool, complex -> complex), other numeric
            and logical arrays -> numpy arrays of MATLAB's shape, char -> str, cell ->
            list, struct -> dict, struct array -> list of dicts.

    Loading never runs code from the file.  A file that is not what it claims (not a
    MAT-file, truncated, a MATLAB class object such as a categorical or a network saved
    by MATLAB, an unknown dlarrClass, missing or extra fields, wrong types, a tampered
    learnable size, layers that do not chain) is a MatFileError (a ValueError) naming
    the file, the variable and the path inside it, and nothing is returned.  Needs the
    ``mat`` extra (``pip install "dlarr[mat]"``: scipy, h5py).

    Differences from MATLAB: the variables come back as a dict (MATLAB's ``S =
    load(...)`` struct); ``load`` with no output (into the workspace), ASCII files and
    the ``-regexp`` option are not supported.

    Example::

        dl.save("data.mat", X=np.random.rand(3, 10), labels=dl.categorical(["a", "b"]))
        S = dl.load("data.mat")
        S["X"].shape                                   # (3, 10)
        X = dl.load("data", "X")["X"]                  # data.mat, one variable
    """
    from . import matfile
    path = _filename(filename, "load")
    for name in names:
        if not isinstance(name, str):
            raise TypeError(f"load: variable names must be strings, not {type(name).__name__}")
        if not is_valid_name(name):
            raise ValueError(f"load: {name!r} is not a valid MATLAB variable name")
    plain = matfile.read(path, list(dict.fromkeys(names)) or None)
    try:
        return {name: decode(value, name) for name, value in plain.items()}
    except matfile.MatFileError as e:
        raise type(e)(f"{path}: {e}") from None
