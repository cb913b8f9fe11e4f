"""The `sparring` command: parse, call the library, render with Rich. Nothing here the API can't do."""

from sparring.cli import calibration as _calibration  # noqa: F401 - registers label, labels, calibrate
from sparring.cli import evals as _evals  # noqa: F401 - registers the evals and eval commands
from sparring.cli import fidelity as _fidelity  # noqa: F401 - registers the fidelity command
from sparring.cli import scenarios as _scenarios  # noqa: F401 - registers the scenarios commands
from sparring.cli import view as _view  # noqa: F401 - registers the view command
from sparring.cli.app import app

__all__ = ["app"]
