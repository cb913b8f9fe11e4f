"""The Clopper-Pearson bounds are the Beta quantiles scipy.stats gives, computed with scipy.special alone, so a run's
report does not import scipy.stats (about half a second of every `sparring run`)."""

import subprocess
import sys

import pytest
from scipy import stats

from sparring.analysis.pass_rate_interval import LEVEL, clopper_pearson, clustered_interval


@pytest.mark.parametrize("n", [1, 2.5, 7, 20, 49.3, 50, 150, 1000])
def test_bounds_are_scipy_stats_beta_quantiles(n):
    tail = (1 - LEVEL) / 2
    for passes in sorted({0, 1, n / 3, n / 2, n - 1, n}):
        if passes < 0:
            continue
        estimate = passes / n
        low, high = clopper_pearson(estimate, n)
        passes = estimate * n
        expected_low = stats.beta.ppf(tail, passes, n - passes + 1) if passes > 0 else 0.0
        expected_high = stats.beta.ppf(1 - tail, passes + 1, n - passes) if passes < n else 1.0
        assert low == pytest.approx(expected_low, abs=1e-12) and high == pytest.approx(expected_high, abs=1e-12)


def test_an_interval_does_not_import_scipy_stats():
    code = (
        "import sys; from sparring.analysis.pass_rate_interval import clustered_interval; "
        "i = clustered_interval([(3, 4), (1, 4), (4, 4)]); print(round(i.low, 6), 'scipy.stats' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    expected = clustered_interval([(3, 4), (1, 4), (4, 4)])
    assert expected is not None and float(out[0]) == pytest.approx(expected.low, abs=1e-6)
    assert out[1] == "False"
