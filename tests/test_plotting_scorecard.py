"""Scorecard plots draw the computed tables and return the Axes."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from retention_lib import DataValidationError
from retention_lib.plotting import plot_churn_calibration, plot_churn_roc

_ROC = pd.DataFrame(
    {
        "scorer": ["a"] * 3 + ["b"] * 3,
        "false_positive_rate": [0.0, 0.3, 1.0, 0.0, 0.6, 1.0],
        "true_positive_rate": [0.0, 0.8, 1.0, 0.0, 0.4, 1.0],
    }
)
_TABLE = pd.DataFrame({"scorer": ["a", "b"], "auc": [0.75, 0.4]})
_CALIBRATION = pd.DataFrame(
    {
        "scorer": ["a", "a", "b"],
        "mean_score": [0.2, 0.8, 0.5],
        "churn_rate": [0.25, 0.7, 0.3],
        "n_customers": [10, 12, 22],
    }
)


def test_roc_curves_with_their_auc_in_the_legend():
    ax = plot_churn_roc(_ROC, auc=_TABLE)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["a (AUC 0.75)", "b (AUC 0.40)", "coin toss"]
    assert list(ax.lines[0].get_ydata()) == [0.0, 0.8, 1.0]


def test_calibration_lines_one_per_scorer_on_a_given_axes():
    fig, ax = plt.subplots()
    out = plot_churn_calibration(_CALIBRATION, scorers=["b"], ax=ax)
    assert out is ax and len(ax.lines) == 2  # b and the diagonal
    assert list(ax.lines[0].get_xdata()) == [0.5]


def test_plots_name_a_wrong_frame():
    with pytest.raises(DataValidationError, match="missing column\\(s\\) `false_positive_rate`"):
        plot_churn_roc(_CALIBRATION)
    with pytest.raises(DataValidationError, match="`scorers` \\['c'\\] are not in the table"):
        plot_churn_calibration(_CALIBRATION, scorers=["c"])
