"""docs/architecture.md describes every package and top-level module under src/sparring, and the import
contract that keeps `rich` and `typer` in the CLI and the viewer covers every other one: a package added
without a row in the doc, or left out of the contract, fails here."""

import tomllib
from pathlib import Path

import sparring

ROOT = Path(__file__).resolve().parents[1]
SOURCE = Path(sparring.__file__).parent
RENDERERS = {"cli", "viewer"}


def packages_and_modules() -> set[str]:
    """Every package (a folder with __init__.py) and top-level module of sparring, by name."""
    packages = {p.parent.name for p in SOURCE.glob("*/__init__.py")}
    modules = {p.stem for p in SOURCE.glob("*.py") if p.stem != "__init__"}
    return packages | modules


def documented() -> set[str]:
    """The names in backticks that start a row of the layer table, or the paragraph about `testing`."""
    text = (ROOT / "docs" / "architecture.md").read_text()
    names = set()
    for line in text.splitlines():
        cells = [c.strip() for c in line.split("|")]
        if len(cells) > 3 and cells[2].startswith("`"):
            names |= {n.strip(" `") for n in cells[2].split(",")}
        elif line.startswith("`"):
            names.add(line.split("`")[1])
    return names


def test_the_source_tree_is_what_this_test_reads():
    assert {"runner", "analysis", "cli", "output_paths"} <= packages_and_modules()


def test_every_package_and_top_level_module_has_a_row_in_the_architecture_doc():
    assert packages_and_modules() - documented() == set()


def test_the_rendering_contract_covers_every_package_below_the_cli_and_the_viewer():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    (forbidden,) = [c for c in config if c["type"] == "forbidden"]
    assert set(forbidden["forbidden_modules"]) == {"rich", "typer"}
    covered = {m.removeprefix("sparring.") for m in forbidden["source_modules"]}
    assert covered == packages_and_modules() - RENDERERS
