"""The worked examples of docs/extending.md run, section by section.

Each "## " section's ```python blocks run in order in one fresh namespace (so a
later block may use what an earlier one defined); ```cuda blocks are compiled
with nvcc for sm_80 where nvcc is installed.  A block right after a line
``<!-- gpu -->`` runs only where CuPy sees a GPU.
"""
import os
import pathlib
import re
import shutil
import subprocess

import pytest

import dlarr as dl

DOC = pathlib.Path(__file__).resolve().parent.parent / "docs" / "extending.md"
_BLOCK = re.compile(r"(<!-- gpu -->\s*\n)?```(python|cuda)\n(.*?)```", re.S)


def _sections():
    text = DOC.read_text(encoding="utf-8")
    parts = re.split(r"^## (.+)$", text, flags=re.M)
    out = []
    for title, body in zip(parts[1::2], parts[2::2]):
        blocks = [(bool(m.group(1)), m.group(2), m.group(3)) for m in _BLOCK.finditer(body)]
        out.append((title.strip(), blocks))
    return out


SECTIONS = _sections()


def test_every_section_has_an_example():
    assert SECTIONS, "docs/extending.md has no sections"
    for title, blocks in SECTIONS:
        assert any(lang == "python" for _, lang, _ in blocks), f"section {title!r} has no example"


@pytest.mark.parametrize("title,blocks", SECTIONS, ids=[t for t, _ in SECTIONS])
def test_section_runs(title, blocks, tmp_path):
    ns = {"__name__": f"docs_extending_{len(title)}"}
    gpu = dl.canUseGPU()
    for i, (needs_gpu, lang, code) in enumerate(blocks):
        if needs_gpu and not gpu:
            continue
        if lang == "cuda":
            nvcc = shutil.which("nvcc")
            if nvcc is None:
                continue
            src = tmp_path / f"block{i}.cu"
            src.write_text(code, encoding="utf-8")
            r = subprocess.run([nvcc, "-std=c++17", "-arch=sm_80", "-Werror", "all-warnings",
                                "-c", str(src), "-o", str(tmp_path / f"block{i}.o")],
                               capture_output=True, text=True, timeout=300)
            assert r.returncode == 0, f"{title}: cuda block {i} does not compile:\n{r.stderr}"
            continue
        exec(compile(code, f"docs/extending.md [{title}] block {i}", "exec"), ns)


# ----- docs/interop.md: every section's Python blocks run (in a fresh folder: they write
# files), with the optional libraries the test extra installs -------------------------------

INTEROP = DOC.parent / "interop.md"


def _interop_sections():
    parts = re.split(r"^## (.+)$", INTEROP.read_text(encoding="utf-8"), flags=re.M)
    return [(t.strip(), [m.group(3) for m in _BLOCK.finditer(b) if m.group(2) == "python"])
            for t, b in zip(parts[1::2], parts[2::2])]


@pytest.mark.parametrize("title,blocks", [s for s in _interop_sections() if s[1]],
                         ids=[t for t, b in _interop_sections() if b])
def test_interop_section_runs(title, blocks, tmp_path, monkeypatch):
    pytest.importorskip("scipy")
    pytest.importorskip("h5py")
    pytest.importorskip("onnxruntime")
    monkeypatch.chdir(tmp_path)
    ns = {"__name__": "docs_interop"}
    for i, code in enumerate(blocks):
        exec(compile(code, f"docs/interop.md [{title}] block {i}", "exec"), ns)
