"""pytest plugin (entry point `pytest11`): `pytest --sparring SUITE` runs the suite once per session and
reports each gate and each evaluation as a test item (`sparring[NAME]::gate[...]`, `::eval[ID]`), so
`-k`, `--junitxml` and CI annotations work as for any test. The `sparring_run` fixture gives a test file
the same run (the suite from --sparring or the `sparring_suite` ini value) to assert on.

With -k selecting evaluation items only (no gate, no test using the fixture), only those evaluations are
judged. Sparring itself is imported only when a suite is asked for."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from sparring.pytest_plugin.items import EvaluationItem, GateItem, SuiteCollector

if TYPE_CHECKING:
    from sparring.pytest_plugin.outcome import RunRequest, SuiteOutcome

OPTIONS = (
    ("--sparring-model", "model", "provider:model for every role (default: the suite's, then the embedded one)"),
    ("--sparring-base-url", "base_url", "base URL of an OpenAI-compatible server"),
    ("--sparring-agent", "agent", "chatbot under test: reference | http(s)://endpoint/v1 | module:Class"),
    ("--sparring-db", "db", "database URL or SQLite file (default .sparring/sparring.db)"),
    ("--sparring-label", "label", "label of the stored run"),
)


def pytest_addoption(parser: pytest.Parser) -> None:
    """--sparring SUITE and the run's options; the `sparring_suite` ini value for the fixture."""
    group = parser.getgroup("sparring", "Sparring: a suite's gates and evaluations as test items")
    group.addoption("--sparring", dest="sparring_suite", metavar="SUITE", help="run this suite once per session")
    for flag, dest, text in OPTIONS:
        group.addoption(flag, dest=f"sparring_{dest}", help=text)
    group.addoption("--sparring-scenarios", dest="sparring_scenarios", type=int, help="sample this many scenarios")
    group.addoption("--sparring-seed", dest="sparring_seed", type=int, default=0, help="seed for sampling and models")
    group.addoption("--sparring-trials", dest="sparring_trials", type=int, default=1, help="trials per scenario")
    parser.addini("sparring_suite", "suite folder for the sparring_run fixture (--sparring wins)", type="paths")


class SparringSession:
    """The session's one run: started by the first item or fixture that needs it, then shared."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.evaluation_ids: list[str] = []
        self._result: SuiteOutcome | Exception | None = None

    def request(self) -> RunRequest | None:
        """The run asked for by the options, None when no suite is named."""
        from sparring.pytest_plugin.outcome import RunRequest

        option = self.config.getoption
        from_ini = self.config.getini("sparring_suite")  # relative to the ini file's folder
        suite = option("sparring_suite") or (from_ini[0] if from_ini else None)
        if not suite:
            return None
        fields = {dest: option(f"sparring_{dest}") for _, dest, _ in OPTIONS}
        scenarios, seed, trials = option("sparring_scenarios"), option("sparring_seed"), option("sparring_trials")
        return RunRequest(
            Path(suite), scenarios=scenarios, seed=seed, trials=trials, evaluation_ids=self.evaluation_ids, **fields
        )

    def outcome(self) -> SuiteOutcome:
        """The run's outcome, running it on the first call; a failure is kept and raised to every caller."""
        from sparring.pytest_plugin.outcome import SparringRunError, load, run_once

        if self._result is None:
            request = self.request()
            try:
                if request is None:
                    raise SparringRunError("no suite: pytest --sparring SUITE, or sparring_suite = SUITE in the ini")
                self._result = run_once(load(request), request)
            except SparringRunError as exc:
                self._result = exc
        if isinstance(self._result, Exception):
            raise self._result
        return self._result

    @property
    def finished(self) -> SuiteOutcome | None:
        """The outcome when the run has happened and succeeded, else None."""
        return None if isinstance(self._result, Exception) else self._result


SESSION = pytest.StashKey[SparringSession]()


def pytest_configure(config: pytest.Config) -> None:
    """One SparringSession per pytest session; the `sparring` marker (`-m sparring`: only the suite's items)."""
    scenarios = config.getoption("sparring_scenarios")
    if scenarios is not None and scenarios < 1:
        raise pytest.UsageError(f"--sparring-scenarios {scenarios}: give at least 1")
    trials = config.getoption("sparring_trials")
    if trials < 1:
        raise pytest.UsageError(f"--sparring-trials {trials}: give at least 1")
    config.stash[SESSION] = SparringSession(config)
    config.addinivalue_line("markers", "sparring: a Sparring gate or evaluation item (pytest --sparring SUITE)")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """With --sparring: the suite's items, added before -k and -m deselect."""
    suite_path = config.getoption("sparring_suite")
    if not suite_path:
        return
    from sparring.pytest_plugin.outcome import SparringRunError, load

    state = config.stash[SESSION]
    request = state.request()
    assert request is not None
    try:
        suite = load(request)
    except SparringRunError as exc:
        raise pytest.UsageError(f"--sparring: {exc}") from None
    gates = ["errors", "informative"] + [g.describe() for g in suite.config.gates]
    collector = SuiteCollector.from_parent(
        session,
        name=f"sparring[{suite.config.name}]",
        nodeid=_node_path(suite.root, config.rootpath),
        path=suite.root,
        gates=gates,
        evaluation_ids=[e.id for e in suite.evaluations],
        source=state.outcome,
    )
    report = collector.ihook.pytest_make_collect_report(collector=collector)  # counted like any collection
    collector.ihook.pytest_collectreport(report=report)
    items.extend(i for i in report.result if isinstance(i, pytest.Item))


def _node_path(folder: Path, root: Path) -> str:
    """The suite folder as a node id: relative to the rootdir when inside it (JUnit classname examples.x)."""
    return folder.resolve().relative_to(root).as_posix() if folder.resolve().is_relative_to(root) else folder.as_posix()


def pytest_collection_finish(session: pytest.Session) -> None:
    """Only evaluation items selected (no gate, no test using sparring_run): judge only those evaluations."""
    items = session.items
    whole_run_needed = any(isinstance(i, GateItem) or "sparring_run" in getattr(i, "fixturenames", ()) for i in items)
    if not whole_run_needed:
        session.config.stash[SESSION].evaluation_ids = [i.evaluation_id for i in items if isinstance(i, EvaluationItem)]


@pytest.fixture(scope="session")
def sparring_run(pytestconfig: pytest.Config) -> SuiteOutcome:
    """The session's run of the suite (--sparring or the sparring_suite ini value): `run`, `summaries`,
    `gates`, `pass_rate(id)`, `failing(id)`. A suite that cannot run fails the test with its one-line reason."""
    from sparring.pytest_plugin.outcome import SparringRunError

    try:
        return pytestconfig.stash[SESSION].outcome()
    except SparringRunError as exc:
        pytest.fail(f"sparring run failed: {exc}", pytrace=False)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    """Every judged evaluation's pass rate (passing items show none of their own), pass^k with its interval when
    the run has repeated trials, corrected pass rates and calibration warnings, the decision, and where the run is
    stored."""
    state = config.stash.get(SESSION, None)
    result = state.finished if state else None
    if result is None:
        return
    run = result.run
    terminalreporter.write_sep("-", "sparring pass rates (units: conversations)")
    width = max(map(len, result.summaries), default=0)
    for evaluation_id, summary in result.summaries.items():
        terminalreporter.write_line(f"{evaluation_id:<{width}}  {summary.rate_text()}")
    for figures in result.decision.trials if run.trials > 1 else []:
        shown = ", ".join(
            f"pass^{p.k} {p.estimate:.0%} [{p.low:.0%}, {p.high:.0%}]" for p in figures.pass_hat_k_intervals
        )
        flaky = ", ".join(figures.flaky) or "none"
        terminalreporter.write_line(f"{figures.evaluation_id:<{width}}  {shown}; flaky: {flaky}")
    for rate in result.decision.calibration.corrected:
        terminalreporter.write_line(f"{rate.evaluation_id:<{width}}  judge-error-corrected: {rate.text()}")
    for warning in result.decision.calibration.warnings:
        terminalreporter.write_line(f"sparring judge calibration: {warning}")
    terminalreporter.write_line(f"sparring decision: {result.decision.report.outcome}")
    terminalreporter.write_line(
        f"sparring: run {run.id} (label {run.label}) stored in {result.store_url}; see it with: "
        f"sparring report {run.id}"
    )
