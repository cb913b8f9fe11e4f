"""The import contract between packages: a module imports another package's public names from the package
(`from sparring.analysis import run_summaries`), never from its submodules (`sparring.analysis.pass_rates`), so
a package's submodules can be renamed and split without touching its users."""

import ast
from pathlib import Path

import sparring

SOURCE = Path(sparring.__file__).parent


def reaching_in() -> list[str]:
    """`file:line module` of every import of another package's submodule."""
    found = []
    for path in sorted(SOURCE.rglob("*.py")):
        parts = path.relative_to(SOURCE).parts
        own = parts[0] if len(parts) > 1 else None
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("sparring."):
                module = node.module.split(".")
                if len(module) > 2 and module[1] != own:
                    found.append(f"{path.relative_to(SOURCE)}:{node.lineno} {node.module}")
    return found


def test_no_module_imports_another_packages_submodule():
    assert reaching_in() == []


def test_the_check_sees_an_import_that_reaches_in(tmp_path, monkeypatch):
    (tmp_path / "cli").mkdir()
    (tmp_path / "cli" / "x.py").write_text("from sparring.analysis.pass_rates import run_summaries\n")
    (tmp_path / "cli" / "y.py").write_text("from sparring.cli.common import fail\nfrom sparring.analysis import a\n")
    monkeypatch.setattr(__import__(__name__), "SOURCE", tmp_path)
    assert reaching_in() == ["cli/x.py:1 sparring.analysis.pass_rates"]


def test_no_public_name_is_shadowed_by_its_own_submodule():
    """A package's public name that is also one of its submodules' names (a function `run_page` in `run_page.py`)
    turns into the module once that submodule is imported: `from sparring.analysis import run_page` then hands out
    a module. Every public name must still be what the package exports after all its submodules are imported."""
    import importlib
    import pkgutil
    import types

    import sparring

    shadowed = []
    for info in pkgutil.iter_modules(sparring.__path__):
        if not info.ispkg:
            continue
        package = importlib.import_module(f"sparring.{info.name}")
        for sub in pkgutil.iter_modules(package.__path__):
            if sub.name == "__main__":
                continue
            importlib.import_module(f"{package.__name__}.{sub.name}")
        for name in getattr(package, "__all__", []):
            if isinstance(getattr(package, name), types.ModuleType):
                shadowed.append(f"{package.__name__}.{name}")
    assert shadowed == []
