"""Plots of a projected triangle: projected cells and curves drawn apart from observed ones."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from retention_lib import project_retention
from retention_lib.plotting import plot_projected_curves, plot_projected_heatmap

MULTI_COHORT = [
    [10000, 8000, 6480, 5307, 4391],
    [10000, 8000, 6480, 5307],
    [10000, 8000, 6480],
    [10000, 8000],
]


@pytest.fixture
def projection() -> pd.DataFrame:
    rows = []
    for i, counts in enumerate(MULTI_COHORT):
        cohort = pd.Timestamp("2020-01-01") + pd.DateOffset(months=i)
        for k in range(5):
            rows.append((cohort, k, 10000, counts[k] if k < len(counts) else np.nan))
    table = pd.DataFrame(rows, columns=["cohort", "period_number", "cohort_size", "customers"])
    return project_retention(table, horizon=8)


def test_heatmap_hatches_exactly_the_projected_cells(projection):
    ax = plot_projected_heatmap(projection)
    hatched = [p for p in ax.patches if p.get_hatch()]
    assert len(hatched) == int(projection["projected"].sum())
    cells = {(int(p.get_y()), int(p.get_x())) for p in hatched}
    rows = {c: i for i, c in enumerate(sorted(projection["cohort"].unique()))}
    expected = {
        (rows[c], int(k))
        for c, k in projection.loc[projection["projected"], ["cohort", "period_number"]].itertuples(
            index=False
        )
    }
    assert cells == expected
    assert "hatched: projected" in ax.get_xlabel()
    assert ax.get_yticklabels()[0].get_text().startswith("2020-01")


def test_curves_draw_projection_dashed_with_a_band(projection):
    ax = plot_projected_curves(projection)
    dashed = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert len(dashed) == 4  # every cohort has projected periods up to the horizon
    assert len(ax.collections) == 4  # one band each
    band = ax.collections[0].get_paths()[0].vertices[:, 1]
    assert band.min() >= 0 and band.max() <= 100
    assert any("prediction interval" in t.get_text() for t in ax.get_legend().get_texts())


def test_plots_refuse_several_groups(projection):
    both = pd.concat([projection.assign(plan="a"), projection.assign(plan="b")])
    with pytest.raises(ValueError, match=r"several groups .*projection\['plan'\] == value"):
        plot_projected_heatmap(both)
    with pytest.raises(ValueError, match="not in `projection`"):
        plot_projected_curves(projection, cohorts=[pd.Timestamp("1999-01-01")])
