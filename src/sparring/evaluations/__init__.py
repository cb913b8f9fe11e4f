"""Evaluations: LLM judges and deterministic checks, each a binary verdict on a whole conversation."""

from typing import TYPE_CHECKING

from sparring.evaluations.check_functions import (
    CheckContext,
    CheckFunction,
    CheckResult,
    check,
    check_info,
    close_backend,
    collect_checks,
    failed,
    not_applicable,
    passed,
)
from sparring.evaluations.deterministic import Check
from sparring.evaluations.evaluator import Evaluator, build_evaluations
from sparring.evaluations.judge import Judge, JudgeParseError, parse_judge_answer
from sparring.evaluations.protocol import Evaluation, EvaluationContext, SuiteFacts
from sparring.evaluations.spec import SIMULATOR_FAMILY, EvaluationSpec
from sparring.evaluations.transcript import render_transcript
from sparring.exports import lazy_attributes

if TYPE_CHECKING:
    from sparring.evaluations.library import builtin_checks as builtin_checks
    from sparring.evaluations.library import builtin_evaluations as builtin_evaluations
    from sparring.evaluations.template_validation import TemplateProblem as TemplateProblem
    from sparring.evaluations.template_validation import check_judge_template as check_judge_template

__all__ = [
    "Check",
    "CheckContext",
    "CheckFunction",
    "CheckResult",
    "Evaluation",
    "EvaluationContext",
    "EvaluationSpec",
    "Evaluator",
    "Judge",
    "JudgeParseError",
    "SIMULATOR_FAMILY",
    "SuiteFacts",
    "TemplateProblem",
    "build_evaluations",
    "builtin_checks",
    "builtin_evaluations",
    "check",
    "check_info",
    "check_judge_template",
    "close_backend",
    "collect_checks",
    "failed",
    "not_applicable",
    "parse_judge_answer",
    "passed",
    "render_transcript",
]

__getattr__, __dir__ = lazy_attributes(__name__, __file__)
