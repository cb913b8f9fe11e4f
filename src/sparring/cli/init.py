"""`sparring init DIR`: a minimal suite that runs as it is (policy, snapshot, tools, two scenarios, the
suite's own judge, built-in evaluations and gates), copied from the skeleton folder next to this file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Annotated

import typer

from sparring.cli.common import console, fail
from sparring.output_paths import OutputPathError, check_output_folder

SKELETON = Path(__file__).parent / "skeleton"


def init(folder: Annotated[Path, typer.Argument(help="new or empty folder for the suite")]) -> None:
    """Write a minimal suite skeleton that runs as it is: edit it for your own support bot."""
    try:
        check_output_folder(folder, "init")
    except OutputPathError as exc:
        raise fail(str(exc)) from exc
    if folder.is_dir() and any(folder.iterdir()):
        raise fail(f"init {folder}: the folder is not empty; give a new or empty folder (nothing was written)")
    shutil.copytree(SKELETON, folder, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__"))
    suite_file = folder / "suite.yaml"
    name = json.dumps(folder.resolve().name)  # a JSON string is a YAML string, whatever the folder is called
    suite_file.write_text(suite_file.read_text(encoding="utf-8").replace("__NAME__", name), encoding="utf-8")
    written = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    console.print(f"wrote a suite in {folder}: {', '.join(written)}", highlight=False, soft_wrap=True)
    console.print(
        f"try it: sparring run {folder} --dry-run, then sparring run {folder}", highlight=False, soft_wrap=True
    )
