"""What a run's report warns about its judges: each judge version the run used (prompt hash × judge model)
with no calibration of exactly that version against human labels, or whose population κ is below the
suite's minimum. Computed from the store (`sparring calibrate` stores the calibrations); rendered by the CLI."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sparring.store import Store


def calibration_warnings(store: Store, run_id: str, min_kappa: float) -> list[str]:
    """For the judge versions a run used, each a (prompt hash, judge model): those with no calibration of
    exactly that version, or whose population κ is below `min_kappa`."""
    warnings: list[str] = []
    uncalibrated: list[str] = []
    for evaluation_id, prompt_hash, judge_model in store.judge_versions(run_id):  # found in SQL: no verdict loaded
        matching = [
            c
            for c in store.calibrations(evaluation_id)
            if c.prompt_hash == prompt_hash and c.judge_model == judge_model
        ]
        if not matching:
            uncalibrated.append(f"{evaluation_id} ({prompt_hash}, {judge_model})")
            continue
        kappa = matching[-1].metric("kappa")
        if kappa is None or kappa < min_kappa:
            withheld = matching[-1].report.get("metrics", {}).get("kappa", {}).get("withheld")
            shown = "undefined" if kappa is None else f"{kappa:.2f}"
            verdict = f"κ withheld: {withheld}" if withheld else f"κ {shown} < {min_kappa} against human labels"
            warnings.append(f"{evaluation_id}: judge prompt {prompt_hash} with {judge_model} has population {verdict}")
    if uncalibrated:
        warnings.insert(0, f"no calibration against human labels for {', '.join(uncalibrated)}; see sparring calibrate")
    return warnings
