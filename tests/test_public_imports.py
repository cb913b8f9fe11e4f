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
