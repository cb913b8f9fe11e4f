"""Evaluations: LLM judges and deterministic checks, each a binary verdict on a whole conversation."""

from sparring.evaluations.check_functions import (
    CheckContext,
    CheckResult,
    check,
    collect_checks,
    failed,
    not_applicable,
    passed,
)
from sparring.evaluations.deterministic import Check
from sparring.evaluations.evaluator import Evaluator, build_evaluations
from sparring.evaluations.judge import Judge, JudgeParseError, parse_judge_answer
from sparring.evaluations.protocol import Evaluation, EvaluationContext, SuiteFacts
from sparring.evaluations.spec import EvaluationSpec
from sparring.evaluations.transcript import render_transcript

__all__ = [
    "Check",
    "CheckContext",
    "CheckResult",
    "Evaluation",
    "EvaluationContext",
    "EvaluationSpec",
    "Evaluator",
    "Judge",
    "JudgeParseError",
    "SuiteFacts",
    "build_evaluations",
    "check",
    "collect_checks",
    "failed",
    "not_applicable",
    "parse_judge_answer",
    "passed",
    "render_transcript",
]
