"""Every public name says what it is: each export of `sparring` and of the public packages has a docstring of
its own (not one inherited from BaseModel, Protocol or Exception, nor the signature @dataclass writes), and so
does every public method and property the top-level classes define. The API reference page is built from these."""

import dataclasses
import importlib
import inspect
from typing import Any

import pytest

import sparring

PUBLIC_PACKAGES = [
    "sparring",
    "sparring.agents",
    "sparring.analysis",
    "sparring.backend",
    "sparring.calibration",
    "sparring.data_model",
    "sparring.evaluations",
    "sparring.models",
    "sparring.runner",
    "sparring.simulator",
    "sparring.store",
    "sparring.suite",
    "sparring.transcripts",
]


def own_docstring(obj: Any) -> str:
    """The object's own docstring ('' when it has none or only a generated/inherited one)."""
    if inspect.isclass(obj):
        doc = vars(obj).get("__doc__") or ""
        if dataclasses.is_dataclass(obj) and doc.startswith(f"{obj.__name__}("):
            return ""  # written by @dataclass, not by a person
        return doc.strip()
    return (getattr(obj, "__doc__", None) or "").strip()


def documentable(obj: Any) -> bool:
    return inspect.isclass(obj) or inspect.isroutine(obj)


def undocumented_exports(package: str) -> list[str]:
    module = importlib.import_module(package)
    names = [n for n in module.__all__ if documentable(getattr(module, n))]
    return [n for n in names if not own_docstring(getattr(module, n))]


@pytest.mark.parametrize("package", PUBLIC_PACKAGES)
def test_every_exported_class_and_function_has_its_own_docstring(package):
    assert undocumented_exports(package) == []


def public_members(cls: type, package: str = "sparring") -> dict[str, Any]:
    """Public methods and properties of the class and of its base classes from `package` (the Store's mixins),
    not those of BaseModel, Protocol or other libraries."""
    members: dict[str, Any] = {}
    for base in reversed([c for c in cls.__mro__ if c.__module__.startswith(package)]):
        for name, value in vars(base).items():
            function = value.fget if isinstance(value, property) else getattr(value, "__func__", value)
            if not name.startswith("_") and inspect.isfunction(function):
                members[name] = function
    return members


def test_every_public_method_of_a_top_level_class_has_a_docstring():
    missing = [
        f"{name}.{member}"
        for name in sparring.__all__
        if inspect.isclass(getattr(sparring, name))
        for member, function in public_members(getattr(sparring, name)).items()
        if not own_docstring(function)
    ]
    assert missing == []


class _Documented:
    """Documented."""

    def method(self) -> None:
        pass


class _Child(_Documented):
    """Inherits an undocumented method from a Sparring class."""


def test_the_check_finds_what_is_missing():
    @dataclasses.dataclass
    class Bare:
        x: int

    assert own_docstring(Bare) == "" and own_docstring(_Documented) == "Documented."
    assert not own_docstring(public_members(_Child, __name__)["method"]), "inherited from a base: checked too"
    assert public_members(_Child) == {}, "classes outside the package are not its business"
