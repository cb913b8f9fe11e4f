"""The pytest plugin and `sparring gate --junit` render one decision: on the same stored run (the demo suite, the
stub HTTP server on 127.0.0.1, a real SQLite file, `--sparring-trials 2`), every gate and evaluation item fails
exactly when its JUnit case from `run_decision` and `write_junit` (what `sparring gate --junit` writes) has a
failure or an error, and the summary shows pass^k."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import scipy.stats  # noqa: F401  loaded before pytester's in-process run: numpy's extensions load once per process

from pytest_plugin.test_pytest_plugin import QUIET, cases
from sparring import Store
from sparring.analysis.decision import run_decision
from sparring.analysis.junit import write_junit
from sparring.pytest_plugin.items import slug
from sparring.testing import StubServer

pytest_plugins = ["pytester"]


def test_plugin_items_and_gate_junit_agree_and_trials_are_run(pytester, example_suite, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    db = pytester.path / "runs.db"
    with StubServer() as server:
        args = ["--sparring", str(example_suite.root), "--sparring-model", "openai:stub"]
        args += ["--sparring-base-url", server.base_url, "--sparring-scenarios", "3", "--sparring-trials", "2"]
        result = pytester.runpytest(*QUIET, *args, "--sparring-db", str(db), "--junitxml", "plugin.xml")
    [run] = Store.open(str(db)).list_runs(5)
    assert run.trials == 2 and len(run.scenario_ids) == 3
    result.stdout.fnmatch_lines(["*pass^2 *% [[]*%, *%[]]*flaky*", "sparring decision: *"])

    junit = pytester.path / "gate.xml"
    write_junit(junit, run_decision(example_suite, run, Store.open(str(db))))  # what `sparring gate --junit` writes
    plugin = cases(pytester.path / "plugin.xml")
    for case in ET.parse(junit).getroot().iter("testcase"):
        failed = case.find("failure") is not None or case.find("error") is not None
        name, where = case.get("name") or "", case.get("classname") or ""
        item = f"eval[{name}]" if where.split(".")[-1] not in ("run", "gate") else f"gate[{slug(name)}]"
        if name.startswith("errors:"):
            item = "gate[errors]"
        elif name.startswith("informative:"):
            item = "gate[informative]"
        assert item in plugin, item
        assert (plugin[item] is not None) == failed, (item, plugin[item])
    assert len(plugin) == sum(1 for _ in ET.parse(junit).getroot().iter("testcase"))
