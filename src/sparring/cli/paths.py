"""Output paths checked before any work starts (see sparring.output_paths, shared with the store's `--db`)."""

from sparring.output_paths import OutputPathError, check_output_file, check_output_folder

__all__ = ["OutputPathError", "check_output_file", "check_output_folder"]
