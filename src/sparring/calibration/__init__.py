"""Judge calibration against human labels (verdicts → calibration): label, measure agreement, iterate."""

from sparring.analysis import calibration_warnings
from sparring.calibration.agreement import (
    Confusion,
    Estimate,
    Item,
    cohen_kappa,
    confusion,
    estimates,
    inter_labeller,
    stratum_shares,
    weighted_confusion,
)
from sparring.calibration.calibrate import (
    CalibrationReport,
    calibrate,
    ground_truth,
    labelled_judge_model,
    write_report,
)
from sparring.calibration.labels_io import LabelFileError, read_labels, write_labels
from sparring.calibration.sampling import SampledItem, sample_for_labelling
from sparring.calibration.session import pending_sample, save_answer

__all__ = [
    "CalibrationReport",
    "Confusion",
    "Estimate",
    "Item",
    "LabelFileError",
    "SampledItem",
    "calibrate",
    "calibration_warnings",
    "cohen_kappa",
    "confusion",
    "estimates",
    "ground_truth",
    "inter_labeller",
    "labelled_judge_model",
    "pending_sample",
    "read_labels",
    "sample_for_labelling",
    "save_answer",
    "stratum_shares",
    "weighted_confusion",
    "write_labels",
    "write_report",
]
