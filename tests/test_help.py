"""Help that helps: every public name has a docstring in the style of MATLAB's reference
pages (what it does, syntax, arguments, name-value options with defaults and choices, an
example), and no keyword option is missing from it.

* functions: every keyword parameter of the signature is named in the docstring;
* layer constructors (``lstmLayer`` ...): ``help()`` shows every property of the layer;
* ``trainingOptions``: its help names every option of every solver;
* every docstring of a public function or class has an example (a line starting
  ``Example`` or a ``>>>`` line).
"""
import inspect
import re

import pytest

import dlarr as dl

# Names whose help is their class's or that are not callables.
SKIP = set()


def _public():
    for name in dl.__all__:
        obj = getattr(dl, name)
        if callable(obj) and name not in SKIP:
            yield name, obj


def _keywords(fn):
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return []
    return [p.name for p in sig.parameters.values()
            if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)
            and p.default is not inspect.Parameter.empty]


def _layer_class_of(fn):
    """The layer class a constructor function builds (its return annotation or a trial)."""
    for cls in (getattr(dl, n) for n in dl.__all__):
        if isinstance(cls, type) and issubclass(cls, dl.Layer) and cls is not dl.Layer \
                and cls.__name__.lower().startswith(fn.__name__.lower().replace("layer", "")):
            return cls
    return None


# replaceLayer edits a layer graph: it ends in "Layer" but makes no layer.
LAYER_FUNCTIONS = [n for n, f in _public() if inspect.isfunction(f) and n.endswith("Layer")
                   and n != "replaceLayer"]


@pytest.mark.parametrize("name", [n for n, _ in _public()])
def test_has_a_docstring_with_an_example(name):
    doc = inspect.getdoc(getattr(dl, name)) or ""
    assert len(doc) > 40, f"{name} has no docstring worth the name"
    assert re.search(r"^(Example|\s*>>>)", doc, re.M), f"{name}'s docstring has no example"


@pytest.mark.parametrize("name", [n for n, f in _public() if _keywords(f)])
def test_keyword_options_are_documented(name):
    fn = getattr(dl, name)
    doc = inspect.getdoc(fn) or ""
    missing = [k for k in _keywords(fn) if not re.search(rf"\b{re.escape(k)}\b", doc)]
    assert not missing, f"{name}: keyword options missing from its docstring: {missing}"


@pytest.mark.parametrize("name", LAYER_FUNCTIONS)
def test_layer_help_shows_every_property(name):
    fn = getattr(dl, name)
    required = [p for p in inspect.signature(fn).parameters.values()
                if p.kind is p.POSITIONAL_OR_KEYWORD and p.default is p.empty]
    cls = type(fn(*[2] * len(required)))          # sizes, counts: 2 is valid for each
    doc = inspect.getdoc(fn) or ""
    missing = [p for p in cls._props if not re.search(rf"\b{re.escape(p)}\b", doc)]
    assert not missing, f"help({name}) lacks the properties {missing}"


def test_training_options_help_names_every_option():
    doc = inspect.getdoc(dl.trainingOptions) or ""
    for solver in ("sgdm", "adam", "rmsprop"):
        props = type(dl.trainingOptions(solver))._props
        missing = [p for p in props if not re.search(rf"\b{re.escape(p)}\b", doc)]
        assert not missing, f"help(trainingOptions) lacks {solver} options {missing}"


def test_no_property_or_option_without_a_description():
    """The generated help covers every property and option (the tables are complete)."""
    from dlarr.layers.base import undocumented
    from dlarr.training.options import undocumented_options
    for n in dl.__all__:
        cls = getattr(dl, n)
        if isinstance(cls, type) and issubclass(cls, dl.Layer) and cls is not dl.Layer:
            assert undocumented(cls) == [], (n, undocumented(cls))
    assert undocumented_options() == []
