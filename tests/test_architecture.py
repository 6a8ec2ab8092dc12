"""The package's architecture, checked from its source (docs/architecture.md draws it).

* A wing imports only from wings below it: core < kernels < functions < layers <
  networks < io < training; data beside them (it needs only the core).  io (save/load,
  ONNX) sits below training so that training can store checkpoints and register how
  its objects are saved.  The package root and ``dlarr.extend`` re-export from every wing.
* Modules inside a wing have plain names (no leading underscore).
* No module over 800 lines; no function over 80 lines unless its docstring says why
  (a sentence containing "is long because").
"""
import ast
import pathlib

import pytest

import dlarr as dl

ROOT = pathlib.Path(dl.__file__).resolve().parent
ORDER = {"core": 0, "kernels": 1, "functions": 2, "layers": 3, "networks": 4,
         "io": 5, "training": 6, "data": 1}
# What each wing may import besides the wings ranked below it.
EXTRA = {"data": {"core"}}


def _modules():
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        yield path, rel.parts


def _wing_of(parts):
    return parts[0] if len(parts) > 1 else None


def _imported_wings(path, parts):
    """(line, wing) for every import of another dlarr wing in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    pkg = list(parts[:-1])                    # package of the module, below dlarr
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg[:len(pkg) - (node.level - 1)] if node.level > 1 else pkg
                if node.level - 1 > len(pkg):
                    raise AssertionError(f"{path}: relative import above the package")
                mod = base + (node.module.split(".") if node.module else [])
                if mod:
                    targets.append(mod[0])
                else:                               # from .. import layers
                    targets += [a.name.split(".")[0] for a in node.names]
            elif node.module and node.module.split(".")[0] == "dlarr":
                rest = node.module.split(".")[1:]
                targets += [rest[0]] if rest else [a.name for a in node.names]
        elif isinstance(node, ast.Import):
            for a in node.names:
                p = a.name.split(".")
                if p[0] == "dlarr" and len(p) > 1:
                    targets.append(p[1])
        for t in targets:
            if t in ORDER:
                yield node.lineno, t


def test_wings_import_only_from_wings_below():
    bad = []
    for path, parts in _modules():
        wing = _wing_of(parts)
        if wing is None:
            continue                                   # dlarr/__init__.py, dlarr/extend.py
        assert wing in ORDER, f"{path}: {wing!r} is not a wing of docs/architecture.md"
        allowed = {w for w, r in ORDER.items() if r < ORDER[wing]} | {wing} | EXTRA.get(wing, set())
        allowed -= {"data"} - EXTRA.get(wing, set()) - {wing}
        for line, target in _imported_wings(path, parts):
            if target not in allowed:
                bad.append(f"{path.relative_to(ROOT.parent)}:{line}: {wing} imports {target}")
    assert not bad, "imports from a higher wing:\n" + "\n".join(bad)


def test_the_checker_sees_an_upward_import(tmp_path):
    """The walker is not blind: a core module importing training is reported."""
    fake = tmp_path / "core" / "fake.py"
    fake.parent.mkdir()
    fake.write_text("from ..training import loop\nfrom .dlarray import DLArray\n")
    found = list(_imported_wings(fake, ("core", "fake.py")))
    assert found == [(1, "training"), (2, "core")]


def test_modules_in_wings_have_plain_names():
    private = [str(p.relative_to(ROOT)) for p, parts in _modules()
               if len(parts) > 1 and parts[-1].startswith("_") and parts[-1] != "__init__.py"]
    assert not private, private
    top = sorted(p.name for p in ROOT.glob("*.py"))
    assert set(top) <= {"__init__.py", "extend.py"}, top


def test_module_and_function_sizes():
    long_modules, long_functions = [], []
    for path, parts in _modules():
        text = path.read_text(encoding="utf-8")
        n = len(text.splitlines())
        if n > 800:
            long_modules.append(f"{path.relative_to(ROOT)} ({n} lines)")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                doc = ast.get_docstring(node) or ""
                if length > 80 and "is long because" not in doc:
                    long_functions.append(f"{path.relative_to(ROOT)}:{node.lineno} "
                                          f"{node.name} ({length} lines)")
    assert not long_modules, long_modules
    assert not long_functions, long_functions


def test_init_groups_names_by_wing_in_all_order():
    """dlarr/__init__.py imports MATLAB's names grouped by wing, and __all__ lists them
    in the order they are imported."""
    tree = ast.parse((ROOT / "__init__.py").read_text(encoding="utf-8"))
    imported, wings = [], []
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            wing = (node.module or "").split(".")[0]
            if not wings or wings[-1] != wing:
                wings.append(wing)
            imported += [a.asname or a.name for a in node.names]
    assert len(wings) == len(set(wings)), f"a wing's imports are split: {wings}"
    assert [n for n in dl.__all__ if n in imported] == imported, \
        "__all__ must list the re-exported names in import order"
    assert set(imported) <= set(dl.__all__), set(imported) - set(dl.__all__)


def test_extension_api_names_resolve():
    import subprocess
    import sys
    import dlarr.extend as dx
    for name in dx.__all__:
        assert getattr(dx, name) is not None, name
    assert dx.Layer is dl.Layer
    code = ("import sys; sys.modules['cupy'] = None; import dlarr.extend, dlarr.kernels; "
            "print(sorted(m for m in ('cupy', 'matplotlib', 'scipy', 'torch') if sys.modules.get(m)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "[]", out.stderr
