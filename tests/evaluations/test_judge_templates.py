"""A judge template with a Jinja syntax error, an undefined variable, a missing frame or a rendering error
is found when the suite loads: one `file:line: problem`, before any run row is written or model called;
`evals list` and `run --dry-run` fail on it too."""

from pathlib import Path

import pytest
from typer.testing import CliRunner

from sparring import load_suite
from sparring.cli import app
from sparring.evaluations import EvaluationSpec
from sparring.evaluations.template_validation import TemplateProblem, check_judge_template
from sparring.suite import SuiteError

runner = CliRunner(env={"COLUMNS": "250"})
JUDGE = "- id: brand_named\n  description: The agent names QuickBite.\n  prompt: prompts/brand.j2\n"
BAD_TEMPLATES = {
    "syntax": ('{% extends "judge.j2" %}\n{% block question %}\nThe AGENT says {{ criterion QuickBite.\n', 3),
    "undefined": (
        '{% extends "judge.j2" %}\n{% block question %}\n{{ criterion }}\nHi {{ customer_name }}{% endblock %}\n',
        4,
    ),
    "missing frame": ('{% extends "judge_v2.j2" %}\n', 1),
    "render": ('{% extends "judge.j2" %}\n{% block question %}\n\n{{ policy.summary() }}{% endblock %}\n', 4),
}
PROBLEMS = {
    "syntax": "Jinja syntax error: expected token 'end of print statement', got 'QuickBite'",
    "undefined": "undefined variable 'customer_name' (a judge template gets boundary, criterion, policy, scenario",
    "missing frame": "template 'judge_v2.j2' not found",
    "render": "cannot render: 'str object' has no attribute 'summary'",
}


def add_judge(root: Path, template: str) -> Path:
    folder = root / "evaluations"
    (folder / "prompts").mkdir(parents=True, exist_ok=True)
    (folder / "brand.yaml").write_text(JUDGE)
    file = folder / "prompts" / "brand.j2"
    file.write_text(template)
    return file


def spec_with(tmp_path: Path, text: str) -> EvaluationSpec:
    file = tmp_path / "t.j2"
    file.write_text(text)
    return EvaluationSpec(id="t", kind="judge", description="d", template=str(file))


@pytest.mark.parametrize("case", list(BAD_TEMPLATES))
def test_each_bad_template_is_one_line_naming_file_and_line(tmp_path, case):
    text, line = BAD_TEMPLATES[case]
    spec = spec_with(tmp_path, text)
    with pytest.raises(TemplateProblem) as info:
        check_judge_template(spec)
    assert str(info.value).startswith(f"{spec.template}:{line}: {PROBLEMS[case]}")
    assert "\n" not in str(info.value)


def test_a_problem_in_the_extended_frame_names_the_frame(tmp_path):
    (tmp_path / "frame.j2").write_text("Frame {{ transcript }}\n{% block question %}{% endblock %}\n{{ rubric }}\n")
    spec = spec_with(tmp_path, '{% extends "frame.j2" %}{% block question %}{{ criterion }}{% endblock %}')
    with pytest.raises(TemplateProblem, match=r"frame\.j2:3: undefined variable 'rubric'"):
        check_judge_template(spec)


def test_good_templates_and_every_library_judge_pass(tmp_path, example_suite):
    good = '{% extends "judge.j2" %}{% block question %}{% set w = "Quick" %}{{ w }}Bite {{ criterion }}{% endblock %}'
    check_judge_template(spec_with(tmp_path, good))
    for spec in example_suite.catalog.specs.values():
        check_judge_template(spec)


@pytest.mark.parametrize("case", ["syntax", "undefined"])
def test_the_suite_refuses_it_at_load_and_run_dry_run_and_evals_list_fail(suite_copy, tmp_path, case):
    text, line = BAD_TEMPLATES[case]
    file = add_judge(suite_copy, text)
    expected = f"{file}:{line}: {PROBLEMS[case]}"
    with pytest.raises(SuiteError) as info:
        load_suite(suite_copy)
    assert str(info.value).startswith(expected)
    listed = runner.invoke(app, ["evals", "list", "--suite", str(suite_copy)])
    assert listed.exit_code == 2 and expected in listed.output.replace("\n", "") and "Traceback" not in listed.output
    db = tmp_path / "runs.db"
    for extra in (["--dry-run"], []):
        result = runner.invoke(app, ["run", str(suite_copy), "--model", "scripted:none", "--db", str(db), *extra])
        assert result.exit_code == 2 and expected in result.output.replace("\n", ""), result.output
    assert not db.exists(), "nothing written"
