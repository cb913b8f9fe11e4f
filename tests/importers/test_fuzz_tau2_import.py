"""Fuzzed τ² domain folders (issues 28 and 29): the vendored mock and banking_knowledge folders with one JSON file
retyped somewhere or its bytes broken. `sparring import tau2 FOLDER` writes the suite (exit 0) or prints one error
line naming the damaged file (exit 2), never a traceback, and writes nothing when it refuses."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from fuzz_inputs import FUZZ, broken_bytes, retyped
from importers.test_tau2_banking import banking_folder
from sparring.cli import app

FIXTURES = Path(__file__).parents[1] / "fixtures" / "tau2_v1"
FILES = [
    ("mock", "tasks.json"),
    ("mock", "db.json"),
    ("mock", "user_db.json"),
    ("banking_knowledge", "tasks/task_001.json"),
]


@FUZZ
@given(data=st.data())
def test_a_damaged_tau2_folder_imports_or_is_one_line_naming_the_file(data):
    domain, relative = data.draw(st.sampled_from(FILES), label="file")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / domain
        if domain == "banking_knowledge":
            banking_folder(Path(tmp))
        else:
            shutil.copytree(FIXTURES / domain, folder)
        target = folder / relative
        original = target.read_bytes()
        if data.draw(st.booleans(), label="retype"):
            damaged = json.dumps(data.draw(retyped(json.loads(original)), label="value")).encode()
        else:
            damaged = data.draw(broken_bytes(original), label="bytes")
        target.write_bytes(damaged)
        out = Path(tmp) / "suite"
        result = CliRunner().invoke(app, ["import", "tau2", str(folder), "--out", str(out)])
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        assert "Traceback" not in result.output
        if result.exit_code != 0:
            assert result.exit_code == 2, result.output
            lines = [line for line in result.output.strip().splitlines() if line.strip()]
            assert len(lines) == 1 and str(folder) in lines[0], result.output
            assert not out.exists() or not any(out.iterdir()), "nothing written when refused"
        else:
            assert (out / "suite.yaml").is_file()
