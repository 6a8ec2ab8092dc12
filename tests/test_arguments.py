"""MATLAB's positional name-value pairs and nargout (dlarr.core.arguments)."""
import pytest

from dlarr.core.arguments import check_nargout, name_value_pairs


@name_value_pairs(2)
def f(a, b, c=None, *, DataFormat=None, Mode="x"):
    return a, b, c, DataFormat, Mode


@name_value_pairs(1, names=lambda: ("Name", "OutputMode"))
def g(n, **options):
    return n, options


def test_pairs_become_keywords():
    assert f(1, 2, "dataformat", "CB") == (1, 2, None, "CB", "x")
    assert f(1, 2, 3, "Mode", "y", "DataFormat", "CB") == (1, 2, 3, "CB", "y")
    assert f(1, 2, "not-a-name") == (1, 2, "not-a-name", None, "x")     # a value, not a name
    assert g(3, "outputmode", "last", "Other", 1) == (3, {"OutputMode": "last", "Other": 1})
    assert g(3, OutputMode="last") == (3, {"OutputMode": "last"})


def test_bad_pairs():
    with pytest.raises(TypeError, match=r"^f: name-value arguments must come in pairs"):
        f(1, 2, "Mode", "y", "DataFormat")
    with pytest.raises(TypeError, match=r"^g: the name of a name-value pair must be a string"):
        g(3, "Name", "a", 5, 6)
    with pytest.raises(TypeError, match=r"^f: Mode is given twice"):
        f(1, 2, "Mode", "y", Mode="z")


def test_nargout():
    assert check_nargout(2, (1, 2), "max") == 2
    for bad in (0, 3, True, 1.5, "2"):
        with pytest.raises(ValueError, match=r"^max: nargout must be one of 1, 2"):
            check_nargout(bad, (1, 2), "max")
