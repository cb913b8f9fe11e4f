"""Judge calibration against human labels (verdicts → calibration): label, measure agreement, iterate."""

from sparring.calibration.agreement import (
    Confusion,
    Estimate,
    Item,
    cohen_kappa,
    confusion,
    estimates,
    inter_labeller,
    weighted_confusion,
)
from sparring.calibration.calibrate import (
    CalibrationReport,
    calibrate,
    calibration_warnings,
    ground_truth,
    write_report,
)
from sparring.calibration.labels_io import LabelFileError, read_labels, write_labels
from sparring.calibration.sampling import sample_for_labelling

__all__ = [
    "CalibrationReport",
    "Confusion",
    "Estimate",
    "Item",
    "LabelFileError",
    "calibrate",
    "calibration_warnings",
    "cohen_kappa",
    "confusion",
    "estimates",
    "ground_truth",
    "inter_labeller",
    "read_labels",
    "sample_for_labelling",
    "weighted_confusion",
    "write_labels",
    "write_report",
]
