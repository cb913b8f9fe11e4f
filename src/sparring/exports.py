"""Lazy public names: a package lists its public names once, as the imports of its `if TYPE_CHECKING:` block
(what type checkers and editors read), and `lazy_exports` makes each importable from the package, imported
from its home module on first use, so `import sparring` and the `sparring` command start fast."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from importlib import import_module
from pathlib import Path
from typing import Any


def lazy_exports(package: str, init_file: str) -> tuple[list[str], Callable[[str], Any], Callable[[], list[str]]]:
    """The package's `__all__`, module `__getattr__` and `__dir__`, read from the `if TYPE_CHECKING:` imports
    of its `__init__` file (each `from HOME import NAME as NAME`): a package whose names are all lazy."""
    homes = type_checking_imports(Path(init_file).read_text(encoding="utf-8"))
    return sorted(homes), *_lazy_attributes(package, homes)


def lazy_attributes(package: str, init_file: str) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The module `__getattr__` and `__dir__` of a package that imports some names eagerly (listed with the
    lazy ones in its own `__all__`) and the others, its `TYPE_CHECKING` re-exports, on first use."""
    return _lazy_attributes(package, type_checking_imports(Path(init_file).read_text(encoding="utf-8")))


def _lazy_attributes(package: str, homes: dict[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    namespace = sys.modules[package].__dict__

    def __getattr__(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(home), name)
        namespace[name] = value  # kept, so the next use is free
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(homes))

    return __getattr__, __dir__


TYPE_CHECKING_BLOCK = re.compile(r"^if TYPE_CHECKING:.*\n((?:[ \t]+.*\n|\n)*)", re.MULTILINE)
REEXPORT = re.compile(r"^[ \t]+from ([\w.]+) import (\w+) as \2[ \t]*$", re.MULTILINE)


def type_checking_imports(source: str) -> dict[str, str]:
    """Name → home module of every `from HOME import NAME as NAME` (one a line, as ruff formats explicit
    re-exports) in the module's top-level `if TYPE_CHECKING:` block. A regular expression, not `ast`: this runs
    on every `import sparring`."""
    block = TYPE_CHECKING_BLOCK.search(source)
    return {name: home for home, name in REEXPORT.findall(block.group(1))} if block else {}
