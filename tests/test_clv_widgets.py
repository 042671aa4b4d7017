"""CLV explorer: the named view function and the wiring."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("ipywidgets")

from retention_lib import DataValidationError  # noqa: E402
from retention_lib.clv import BetaGeoModel, GammaGammaModel, load_cdnow, rfm_summary  # noqa: E402
from retention_lib.widgets.clv import clv_explorer, clv_view  # noqa: E402


@pytest.fixture(scope="module")
def setup():
    tx = load_cdnow()
    tx["region"] = np.where(tx["customer_id"].astype(int) % 2 == 0, "Even", "Odd")
    cal = rfm_summary(tx, grain="D", observation_end="1997-09-30", count_zero_amounts=True)
    return BetaGeoModel().fit(cal), GammaGammaModel().fit(cal), cal, tx


def test_clv_view_returns_table_and_figure(setup):
    bg, gg, cal, tx = setup
    table, fig = clv_view(bg, gg, cal, tx, region="Even", horizon_months=6, margin=0.5)
    assert set(table["region"]) == {"Even", "Odd"}
    assert len(fig.axes) == 2
    longer, _ = clv_view(bg, gg, cal, tx, horizon_months=24, margin=0.5)
    assert longer["total_clv"].sum() > table["total_clv"].sum()


def test_clv_view_unknown_region(setup):
    bg, gg, cal, tx = setup
    with pytest.raises(DataValidationError, match="No customers with `region`"):
        clv_view(bg, gg, cal, tx, region="Mars")


def test_clv_explorer_wires_controls(setup):
    bg, gg, cal, tx = setup
    box = clv_explorer(bg, gg, cal, tx)
    region, horizon = box.children[0].children
    assert list(region.options) == ["All", "Even", "Odd"]
    horizon.value = 3  # triggers a redraw without error
    assert horizon.value == 3
