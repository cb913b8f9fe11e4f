"""Output paths checked before any work starts: a file or folder the user named must be writable where they
said. Shared by the command line (`--out`, `--junit`, `labels export`) and the store (`--db`)."""

from __future__ import annotations

import os
from pathlib import Path


class OutputPathError(ValueError):
    """An output path that cannot be written: the message names the option and the reason."""


def _blocked(start: Path) -> str | None:
    """Why nothing could be created at or under `start`: its nearest existing ancestor (itself included) is a
    file, or a folder this process may not write in; None when it can be."""
    for ancestor in [start, *start.parents]:
        if ancestor.exists():
            if not ancestor.is_dir():
                return f"{ancestor} is a file, not a folder"
            if not os.access(ancestor, os.W_OK | os.X_OK):
                return f"{ancestor} is not writable"
            return None
    return None


def check_output_file(path: Path, option: str, create_parent: bool = True) -> Path:
    """Refuse, before anything runs, an output file that could not be written: a folder in its place, a parent
    that is a file, or a parent that is not writable. The parent folder is created only with `create_parent`."""
    if path.is_dir():
        raise OutputPathError(f"{option} {path}: is a folder, not a file")
    parent = path.parent if str(path.parent) else Path(".")
    reason = _blocked(parent)
    if reason:
        raise OutputPathError(f"{option} {path}: {reason}")
    if not parent.exists():
        if not create_parent:
            raise OutputPathError(f"{option} {path}: folder {parent} does not exist")
        parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and not os.access(path, os.W_OK):
        raise OutputPathError(f"{option} {path}: is not writable")
    return path


def check_output_folder(path: Path, option: str) -> Path:
    """Refuse an output folder that is a file or lies under a file or an unwritable folder. It is not created
    here: the command creates it when it writes its first file."""
    if path.exists() and not path.is_dir():
        raise OutputPathError(f"{option} {path}: is a file, not a folder")
    reason = _blocked(path)
    if reason:
        raise OutputPathError(f"{option} {path}: {reason}")
    return path
