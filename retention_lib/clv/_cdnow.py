"""Datasets shipped with lifetimes: the CDNOW transaction logs in the canonical schema, and the
donations summary of discrete opportunities."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._validation import require_bool
from ._lifetimes import dataset_path

__all__ = ["load_cdnow", "load_donations"]


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
    if require_bool(sample, name="sample"):
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


def load_donations() -> pd.DataFrame:
    """The donations data of Fader, Hardie & Shang (2010): 11,104 first-time donors of 1995,
    with whether they gave again in each of the next 6 years.

    Returns
    -------
    pandas.DataFrame
        One row per donor: ``frequency`` (years with a donation among the 6), ``recency``
        (the last of them, 0 if none) and ``T`` (6 opportunities); ``attrs["period"]`` is
        ``"Y"``. lifetimes ships it compressed (one row per pattern with a count); here the
        rows are repeated so it reads as any other summary.

    Examples
    --------
    >>> summary = load_donations()
    >>> len(summary), int(summary["T"].max())
    (11104, 6)

    References
    ----------
    Fader, P. S., Hardie, B. G. S. & Shang, J. (2010). Customer-base analysis in a
    discrete-time noncontractual setting. Marketing Science 29(6), 1086-1108.
    """
    raw = pd.read_csv(dataset_path("donations.csv"))
    rows = np.repeat(np.arange(len(raw)), raw["weights"].to_numpy())
    out = pd.DataFrame(
        {
            "frequency": raw["frequency"].to_numpy()[rows],
            "recency": raw["recency"].to_numpy()[rows],
            "T": raw["periods"].to_numpy()[rows],
        }
    )
    out.attrs = {"period": "Y", "kind": "opportunities"}
    return out
