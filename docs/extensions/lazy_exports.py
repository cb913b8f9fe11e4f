"""Griffe extension for the API pages: a package that lists its public names once, as the `TYPE_CHECKING`
imports `sparring.exports.lazy_exports` reads, gets those names as its `__all__` (griffe cannot run the call
that computes it at import), so they are documented as the package's own."""

from __future__ import annotations

from typing import Any

import griffe

from sparring.exports import type_checking_imports


class LazyExports(griffe.Extension):
    """Sets the exports of every module whose `__all__` comes from `lazy_exports`."""

    def on_module_members(self, *, mod: griffe.Module, **kwargs: Any) -> None:
        """Read the module's `TYPE_CHECKING` re-exports as its `__all__`."""
        if isinstance(mod.filepath, list):  # a namespace package: no __init__ of its own
            return
        source = mod.filepath.read_text(encoding="utf-8")
        if "lazy_exports(__name__, __file__)" in source:
            mod.exports = sorted(type_checking_imports(source))
