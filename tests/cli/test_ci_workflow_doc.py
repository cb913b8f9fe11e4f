"""docs/ci.md's GitHub Actions workflow is valid YAML whose steps do what the page says: the store cached, the
suite run with --gate and --junit, the static report exported, both uploaded (also after a failed gate), and
every `sparring` command and option it uses exists (as the CLI loads them); the pytest variant's options exist."""

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from sparring.cli.app import COMMANDS, load_command

DOC = Path(__file__).parents[2] / "docs" / "ci.md"
BLOCKS = re.findall(r"```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)


def workflow() -> dict:
    """The page's workflow, parsed."""
    return yaml.safe_load(BLOCKS[0])


def steps() -> list[dict]:
    """The workflow's one job's steps."""
    [job] = workflow()["jobs"].values()
    return job["steps"]


def invocations(program: str) -> list[list[str]]:
    """Every command line of the workflow's and the pytest variant's `run:` scripts that starts `program`."""
    scripts = [s["run"] for s in steps() + yaml.safe_load(BLOCKS[1]) if "run" in s]
    found = []
    for script in scripts:
        for line in script.replace("\\\n", " ").splitlines():
            words = shlex.split(line.split(";")[0].strip().removeprefix("if [").strip())
            for i, word in enumerate(words):
                if word == program:
                    found.append(words[i:])
    return found


def value(words: list[str], option: str) -> str:
    """The value given to `option` in a command line."""
    return words[words.index(option) + 1]


def test_the_workflow_caches_the_store_and_uploads_junit_and_the_report():
    parsed = workflow()
    assert {"pull_request", "push"} <= set(parsed[True] if True in parsed else parsed["on"])  # YAML 1.1: on → True
    [cache] = [s for s in steps() if s.get("uses", "").startswith("actions/cache@")]
    assert cache["with"]["path"].rstrip("/") == ".sparring" and "restore-keys" in cache["with"]
    [run] = [w for w in invocations("sparring") if w[1] == "run"]
    assert "--gate" in run
    [export, *others] = [w for w in invocations("sparring") if w[1] == "export-html"]
    uploads = {s["with"]["path"].rstrip("/") for s in steps() if s.get("uses", "").startswith("actions/upload-art")}
    assert uploads == {value(run, "--junit"), value(export, "--out")}
    assert all(value(w, "--out") == value(export, "--out") for w in others)
    after_run = steps()[[i for i, s in enumerate(steps()) if "sparring run" in s.get("run", "")][0] + 1 :]
    assert after_run and all("cancelled()" in s.get("if", "") for s in after_run), "uploaded after a failed gate"


def test_every_sparring_command_and_option_in_the_workflow_exists():
    used = invocations("sparring")
    assert {w[1] for w in used} == {"run", "report", "export-html"}
    for words in used:
        assert words[1] in COMMANDS, words
        known = {opt for param in load_command(words[1]).params for opt in param.opts}
        assert {w for w in words[2:] if w.startswith("--")} <= known, words


def test_the_pytest_variant_uses_options_the_plugin_registers(tmp_path):
    [words] = invocations("pytest")
    assert value(words, "--junitxml") == value([w for w in invocations("sparring") if w[1] == "run"][0], "--junit")
    suite_at = words.index("--sparring")
    rest = words[1:suite_at] + words[suite_at + 2 :]
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider"]
    shown = subprocess.run([*command, "--help"], capture_output=True, text=True, check=True, cwd=tmp_path).stdout
    assert "--sparring=SUITE" in shown
    parsed = subprocess.run([*command, "--collect-only", "-q", *rest], capture_output=True, text=True, cwd=tmp_path)
    assert parsed.returncode == pytest.ExitCode.NO_TESTS_COLLECTED, parsed.stderr  # not USAGE_ERROR: all known
