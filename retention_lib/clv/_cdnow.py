"""The CDNOW transaction logs shipped with lifetimes, in the canonical schema."""

from __future__ import annotations

import pandas as pd

from ._lifetimes import dataset_path

__all__ = ["load_cdnow"]


def load_cdnow(*, sample: bool = True) -> pd.DataFrame:
    """CDNOW purchases (January 1997 - June 1998) as a canonical transaction log.

    Parameters
    ----------
    sample : bool, default True
        ``True``: the 1/10th sample of 2,357 customers (6,919 rows) analysed by Fader, Hardie &
        Lee (2005), with their customer ids 1..2357. ``False``: the full cohort of 23,570
        customers (69,659 rows).

    Returns
    -------
    pandas.DataFrame
        ``customer_id`` (str), ``timestamp`` (day), ``amount`` (dollars), ``quantity`` (CDs).

    Examples
    --------
    >>> tx = load_cdnow()
    >>> len(tx), tx["customer_id"].nunique()
    (6919, 2357)

    References
    ----------
    Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting your customers" the easy
    way. Marketing Science 24(2), 275-284. Data: http://www.brucehardie.com/datasets/
    """
    if sample:
        names = ["master_id", "customer_id", "date", "quantity", "amount"]
        path = dataset_path("CDNOW_sample.txt")
        raw = pd.read_csv(
            path, sep=r"\s+", header=None, names=names, dtype={"customer_id": str, "date": str}
        )
        raw["customer_id"] = raw["customer_id"].str.lstrip("0")
    else:
        names = ["customer_id", "date", "quantity", "amount"]
        path = dataset_path("CDNOW_master.txt")
        raw = pd.read_csv(
            path, sep=r"\s+", header=0, names=names, dtype={"customer_id": str, "date": str}
        )
        raw["customer_id"] = raw["customer_id"].str.lstrip("0")
    return pd.DataFrame(
        {
            "customer_id": raw["customer_id"].astype("str"),
            "timestamp": pd.to_datetime(raw["date"], format="%Y%m%d"),
            "amount": raw["amount"].astype(float),
            "quantity": raw["quantity"].astype(float),
        }
    )
