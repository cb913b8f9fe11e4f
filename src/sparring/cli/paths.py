"""Output paths checked before any work starts: a file the user asked for must be writable where they said."""

from __future__ import annotations

import os
from pathlib import Path


class OutputPathError(ValueError):
    """An output path that cannot be written: the message names the option and the reason."""


def check_output_file(path: Path, option: str, create_parent: bool = True) -> Path:
    """Refuse, before anything runs, an output file that could not be written: a folder in its place, a parent
    that is a file, or a parent that is not writable. The parent folder is created only with `create_parent`."""
    if path.is_dir():
        raise OutputPathError(f"{option} {path}: is a folder, not a file")
    parent = path.parent if str(path.parent) else Path(".")
    for ancestor in [parent, *parent.parents]:
        if ancestor.exists():
            if not ancestor.is_dir():
                raise OutputPathError(f"{option} {path}: {ancestor} is a file, not a folder")
            if not os.access(ancestor, os.W_OK | os.X_OK):
                raise OutputPathError(f"{option} {path}: {ancestor} is not writable")
            break
    if not parent.exists():
        if not create_parent:
            raise OutputPathError(f"{option} {path}: folder {parent} does not exist")
        parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and not os.access(path, os.W_OK):
        raise OutputPathError(f"{option} {path}: is not writable")
    return path


def check_output_folder(path: Path, option: str) -> Path:
    """Refuse an output folder that is a file or lies under a file or an unwritable folder; create it."""
    if path.exists() and not path.is_dir():
        raise OutputPathError(f"{option} {path}: is a file, not a folder")
    for ancestor in [path, *path.parents]:
        if ancestor.exists():
            if not ancestor.is_dir():
                raise OutputPathError(f"{option} {path}: {ancestor} is a file, not a folder")
            if not os.access(ancestor, os.W_OK | os.X_OK):
                raise OutputPathError(f"{option} {path}: {ancestor} is not writable")
            break
    return path
