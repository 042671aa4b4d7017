"""One configuration for a report run: the data, how to read it, the business inputs, the models.

Every value remembers where it came from: the user (a command-line flag or a Python argument),
a config file, or the library's default. The report uses that to tell the client's facts from
illustrations: a CAC or a margin the user did not give is never stated as the client's.

A config file is TOML (``retention-lib report --config client.toml``)::

    [data]
    path = "orders.csv.gz"          # relative paths are read from the file's folder
    currency = "GBP"
    date_format = "%d/%m/%Y %H:%M"

    [data.columns]
    customer_id = "Customer ID"
    timestamp = "Invoice Date"

    [analysis]
    by = ["region"]
    holdout_weeks = 13
    model = "bgnbd"

    [business]
    margin = 0.3
    cac = 40.0                      # or a table per acquisition segment:
    [business.cac_by_segment]
    organic = 2.0

The report writes the configuration it ran with back as ``config.toml`` into its output
folder (:meth:`RunConfig.write`); ``--config OUT/config.toml`` repeats the run, and its
``[provenance]`` table keeps each value's original source.
"""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import json
import math
import os
import re
import tomllib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ._validation import (
    DataPathError,
    DataValidationError,
    InputTypeError,
    require_mapping,
    require_path,
    require_str,
)

__all__ = [
    "COLUMN_FLAGS",
    "MODEL_CHOICES",
    "RunConfig",
    "Setting",
    "load_config",
]

#: Where a value came from.
SOURCES = ("user", "config", "default")

#: ``--model`` choices: BG/NBD, MBG/NBD, Pareto/NBD, or the one `compare_models` recommends
#: on the holdout (BG/NBD when the log is too short for a holdout).
MODEL_CHOICES = ("bgnbd", "mbgnbd", "pnbd", "auto")

#: Canonical column -> command-line flag naming the log's column for it.
COLUMN_FLAGS: dict[str, str] = {
    "customer_id": "--customer-id",
    "timestamp": "--timestamp",
    "amount": "--amount",
    "quantity": "--quantity",
    "unit_price": "--unit-price",
    "order_id": "--order-id",
    "product_code": "--product-code",
    "country": "--country",
    "segment": "--segment",
    "currency": "--currency-column",
}


@dataclass(frozen=True)
class Setting:
    """One configuration value and where it came from.

    Attributes
    ----------
    key : str
        The setting's name (``"margin"``, ``"columns.customer_id"``).
    value : object
        The effective value (``None`` = not set).
    source : {"user", "config", "default"}
        A flag or argument of the user, a config file, or the library's default.
    origin : str
        The flag (``"--margin"``), argument (``"margin="``) or file name (``"client.toml"``)
        it came from; ``"default"`` for a default.
    label : str
        Plain-language name, for the report's list of assumptions.
    """

    key: str
    value: Any
    source: str
    origin: str
    label: str

    @property
    def given(self) -> bool:
        """True when the user gave the value (by flag, argument or config file)."""
        return self.source != "default"


# ----------------------------------------------------------------------------- value checks


def _fail(
    where: str, expected: str, value: Any, fix: str = "", *, kind: type = DataValidationError
) -> DataValidationError:
    """The error of a bad setting; ``kind=InputTypeError`` when its type is wrong."""
    return kind(f"{where} must be {expected}; got {value!r}.{' ' + fix if fix else ''}")


def _text(value: Any, where: str, base: Path | None) -> str:
    if not isinstance(value, str):
        raise _fail(where, "a non-empty text", value, kind=InputTypeError)
    if not value.strip():
        raise _fail(where, "a non-empty text", value)
    return value.strip()


def _path(value: Any, where: str, base: Path | None) -> str:
    text = _text(str(value) if isinstance(value, os.PathLike) else value, where, base)
    if "://" in text:  # a database URI (``postgresql://user@host/shop#orders``), as it is
        return text
    path = Path(text).expanduser()
    if not path.is_absolute() and base is not None:
        path = base / path
    return str(path.resolve())


def _currency(value: Any, where: str, base: Path | None) -> str:
    expected = "a three-letter ISO 4217 code such as 'EUR' or 'GBP'"
    if not isinstance(value, str):
        raise _fail(where, expected, value, kind=InputTypeError)
    code = value.strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise _fail(where, "a three-letter ISO 4217 code such as 'EUR' or 'GBP'", value)
    return code


def _flag(value: Any, where: str, base: Path | None) -> bool:
    if not isinstance(value, bool):
        raise _fail(where, "true or false", value, kind=InputTypeError)
    return value


def _separator(value: Any, where: str, base: Path | None) -> str:
    text = value if isinstance(value, str) else None
    aliases = {"\\t": "\t", "tab": "\t", "TAB": "\t"}
    text = aliases.get(text, text) if text is not None else None
    if text is None or len(text) != 1 or text in '\r\n"':
        raise _fail(where, "one character such as ',', ';', '|' or '\\t' (tab)", value)
    return text


def _decimal(value: Any, where: str, base: Path | None) -> str:
    if value not in (".", ","):
        raise _fail(where, "'.' or ','", value)
    return value


def _encoding(value: Any, where: str, base: Path | None) -> str:
    text = _text(value, where, base)
    try:
        codecs.lookup(text)
    except LookupError:
        raise _fail(
            where, "a text encoding such as 'utf-8', 'latin-1' or 'cp1252'", value
        ) from None
    return text


def _groups(value: Any, where: str, base: Path | None) -> tuple[str, ...]:
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not all(isinstance(v, str) for v in items):
        raise _fail(where, "a column name or a list of column names", value, kind=InputTypeError)
    names = tuple(v.strip() for v in items if v.strip())
    if not names:
        raise _fail(where, "at least one column name", value)
    return names


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(where, "a number", value, kind=InputTypeError)
    number = float(value)
    if not math.isfinite(number):
        raise _fail(where, "a finite number", value)
    return number


def _whole(low: int, high: int) -> Callable[[Any, str, Path | None], int]:
    def check(value: Any, where: str, base: Path | None) -> int:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise _fail(where, f"a whole number from {low} to {high}", value)
        return value

    return check


def _margin(value: Any, where: str, base: Path | None) -> float:
    number = _number(value, where)
    if not 0 < number <= 1:
        raise _fail(
            where,
            "a fraction above 0 and at most 1",
            value,
            "Give 30% as 0.3 (a share of revenue).",
        )
    return number


def _rate(value: Any, where: str, base: Path | None) -> float:
    number = _number(value, where)
    if not 0 <= number < 1:
        raise _fail(where, "a monthly rate from 0 to below 1", value, "Give 1% a month as 0.01.")
    return number


def _positive(value: Any, where: str, base: Path | None) -> float:
    number = _number(value, where)
    if number <= 0:
        raise _fail(where, "an amount above 0 (in the reporting currency)", value)
    return number


def _penalizer(value: Any, where: str, base: Path | None) -> float:
    number = _number(value, where)
    if number < 0:
        raise _fail(where, "a number >= 0 (0 = no penalty; try 0.001 to 0.1)", value)
    return number


def _model(value: Any, where: str, base: Path | None) -> str:
    text = str(value).strip().lower() if isinstance(value, str) else value
    if text not in MODEL_CHOICES:
        raise _fail(where, f"one of {', '.join(MODEL_CHOICES)}", value)
    return text


def _cac_table(value: Any, where: str, base: Path | None) -> dict[str, float]:
    if not isinstance(value, Mapping):
        raise _fail(where, "a table of acquisition segment = cost", value, kind=InputTypeError)
    out = {}
    for segment, cost in value.items():
        out[str(segment)] = _positive(cost, f"{where} for segment {segment!r}", base)
    return out


# ----------------------------------------------------------------------------- the options


@dataclass(frozen=True)
class _Option:
    key: str  # attribute of RunConfig; "columns.<canonical>" for the column mapping
    table: str  # TOML table
    name: str  # key in that table
    default: Any
    flag: str
    label: str
    check: Callable[[Any, str, Path | None], Any]


_COLUMN_LABELS = {
    "customer_id": "customer ids",
    "timestamp": "purchase dates",
    "amount": "line amounts",
    "quantity": "quantities",
    "unit_price": "unit prices",
    "order_id": "order numbers",
    "product_code": "product codes",
    "country": "countries",
    "segment": "acquisition segments",
    "currency": "currency codes",
}

_OPTIONS: tuple[_Option, ...] = (
    _Option("data_path", "data", "path", None, "--data", "Transaction log", _path),
    _Option("currency", "data", "currency", "EUR", "--currency", "Reporting currency", _currency),
    _Option(
        "source_currency",
        "data",
        "source_currency",
        None,
        "--source-currency",
        "Currency of the amounts (log without a currency column)",
        _currency,
    ),
    _Option("date_format", "data", "date_format", None, "--date-format", "Date format", _text),
    _Option("dayfirst", "data", "dayfirst", None, "--dayfirst", "Day before month", _flag),
    _Option("sep", "data", "sep", None, "--sep", "Column delimiter", _separator),
    _Option("decimal", "data", "decimal", None, "--decimal", "Decimal mark", _decimal),
    _Option("encoding", "data", "encoding", None, "--encoding", "Text encoding", _encoding),
    _Option("survey_path", "data", "survey", None, "--survey", "Survey answers", _path),
    _Option(
        "sample_customers",
        "data",
        "sample_customers",
        None,
        "--sample-customers",
        "Customers of a Parquet folder or database read into pandas (None = 200,000)",
        _whole(1, 10**9),
    ),
    *(
        _Option(
            f"columns.{canon}",
            "data.columns",
            canon,
            None,
            flag,
            f"Column of {_COLUMN_LABELS[canon]}",
            _text,
        )
        for canon, flag in COLUMN_FLAGS.items()
    ),
    _Option("by", "analysis", "by", ("region",), "--by", "Grouping column(s)", _groups),
    _Option(
        "horizon_months",
        "analysis",
        "horizon_months",
        12,
        "--horizon-months",
        "CLV horizon (months)",
        _whole(1, 120),
    ),
    _Option(
        "discount_rate",
        "analysis",
        "discount_rate",
        0.01,
        "--discount-rate",
        "Discount rate per month",
        _rate,
    ),
    _Option(
        "holdout_weeks",
        "analysis",
        "holdout_weeks",
        None,
        "--holdout-weeks",
        "Holdout length (weeks)",
        _whole(1, 520),
    ),
    _Option(
        "experiment",
        "analysis",
        "experiment",
        None,
        "--experiment",
        "Experiment column (which customers got the campaign)",
        _text,
    ),
    _Option("model", "analysis", "model", "bgnbd", "--model", "Purchase model", _model),
    _Option(
        "penalizer",
        "analysis",
        "penalizer",
        0.0,
        "--penalizer",
        "Penalizer on the model parameters",
        _penalizer,
    ),
    _Option("margin", "business", "margin", 1.0, "--margin", "Profit margin on revenue", _margin),
    _Option("cac", "business", "cac", None, "--cac", "Acquisition cost per customer", _positive),
    _Option(
        "cac_by_segment",
        "business",
        "cac_by_segment",
        {},
        "--cac SEGMENT=COST",
        "Acquisition cost per segment",
        _cac_table,
    ),
    _Option(
        "retention_cost",
        "business",
        "retention_cost",
        None,
        "--retention-cost",
        "Cost of a retention programme",
        _positive,
    ),
    _Option("title", "report", "title", "Customer retention report", "--title", "Title", _text),
)
_BY_KEY = {o.key: o for o in _OPTIONS}
_BY_TABLE: dict[str, dict[str, _Option]] = {}
for _o in _OPTIONS:
    _BY_TABLE.setdefault(_o.table, {})[_o.name] = _o
_TABLES = tuple(_BY_TABLE)


def _where(option: _Option, source: str, origin: str) -> str:
    if source == "config":
        return f"`{option.table}.{option.name}` in {origin}"
    return f"`{origin}`"


# ----------------------------------------------------------------------------- the config


class RunConfig:
    """The settings of one report run, each with its source.

    Read a value as an attribute (``config.margin``, ``config.currency``); ``config.columns``
    is the column mapping the user gave (canonical name -> the log's column). Build one with
    :meth:`from_inputs` (flags/arguments over a config file over defaults) or
    :func:`load_config` (a TOML file).

    Parameters
    ----------
    settings : mapping
        Setting key -> :class:`Setting`, for every option (build one with :meth:`from_inputs`).

    Attributes
    ----------
    data_path, survey_path : str or None
        The transaction log (None = the bundled sample) and a survey file.
    sample_customers : int or None
        For a log read where it lives (a Parquet folder, a database): how many customers'
        rows, about, the sections that need per-customer rows read into pandas (None =
        :data:`retention_lib.pipeline.SAMPLE_CUSTOMERS`); the models fit on every customer.
    currency, source_currency : str
        Reporting currency, and the currency of a log without a currency column.
    date_format, dayfirst, sep, decimal, encoding
        How to read the log's dates and text (None = detected).
    columns : dict
        Canonical column -> the log's column (``{"customer_id": "Customer ID"}``).
    by : tuple of str
        Grouping column(s) for the per-group figures (default ``("region",)``).
    horizon_months, discount_rate, holdout_weeks, model, penalizer
        CLV horizon, monthly discount rate, holdout length (None = chosen from the history),
        purchase model (``bgnbd``, ``mbgnbd``, ``pnbd`` or ``auto``), L2 penalizer.
    experiment : str or None
        The log's column flagging the customers who got a campaign (the A/B test's
        treatment); None = no A/B test.
    margin, cac, cac_by_segment, retention_cost
        Business inputs: profit margin (default 1.0: values are revenue), acquisition cost
        (one, or per segment), cost of a retention programme. None / empty = not given.
    title : str
        Report title.

    Examples
    --------
    >>> config = RunConfig.from_inputs({"margin": 0.3})
    >>> config.margin, config.setting("margin").source, config.setting("cac").given
    (0.3, 'user', False)
    """

    def __init__(self, settings: Mapping[str, Setting]) -> None:
        missing = [o.key for o in _OPTIONS if o.key not in settings]
        if missing:
            raise ValueError(f"RunConfig needs every setting; missing {missing}.")
        self._settings = {o.key: settings[o.key] for o in _OPTIONS}

    # -- building -----------------------------------------------------------------------------
    @classmethod
    def from_inputs(
        cls,
        given: Mapping[str, Any] | None = None,
        *,
        config_file: str | Path | None = None,
        origins: Mapping[str, str] | None = None,
    ) -> RunConfig:
        """Combine the user's values, a config file and the defaults (in that order).

        Parameters
        ----------
        given : mapping, optional
            Values the user gave, by setting name (``None`` = not given); ``columns`` may be
            a mapping of canonical column -> the log's column. Unknown names are an error.
        config_file : path, optional
            A TOML config file (see the module docstring).
        origins : mapping, optional
            Setting name -> the flag it came from (``{"margin": "--margin"}``); without one
            the origin is the argument (``"margin="``).

        Raises
        ------
        DataValidationError
            An unknown setting, or a value out of range (the message names the flag or the
            key in the file).
        """
        given = require_mapping(given, name="given", example="{'margin': 0.3}")
        origins = require_mapping(origins, name="origins", example="{'margin': '--margin'}")
        if config_file is not None:
            require_path(config_file, name="config_file", example="client.toml")
        from_file = _read_file(config_file) if config_file is not None else {}
        flat: dict[str, Any] = {}
        for key, value in dict(given or {}).items():
            if key == "columns" and value is not None:
                if not isinstance(value, Mapping):
                    raise _fail("`columns`", "a mapping of canonical column -> your column", value)
                for canon, col in value.items():
                    flat[f"columns.{canon}"] = col
                    if "columns" in origins:
                        origins.setdefault(f"columns.{canon}", origins["columns"])
            else:
                flat[key] = value
        unknown = [k for k in flat if k not in _BY_KEY]
        if unknown:
            known = ", ".join(k for k in _BY_KEY if not k.startswith("columns."))
            raise DataValidationError(
                f"Unknown setting(s) {', '.join(f'`{k}`' for k in unknown)}; the settings are "
                f"{known} and `columns` (customer_id, timestamp, ...)."
            )
        settings = {}
        for option in _OPTIONS:
            value = flat.get(option.key)
            if value is not None and not (option.key == "cac_by_segment" and not value):
                origin = origins.get(option.key) or (
                    f"{option.key.split('.')[-1]}="
                    if not option.key.startswith("columns.")
                    else f"columns[{option.name!r}]"
                )
                checked = option.check(value, _where(option, "user", origin), Path.cwd())
                settings[option.key] = Setting(option.key, checked, "user", origin, option.label)
            elif option.key in from_file:
                settings[option.key] = from_file[option.key]
            else:
                settings[option.key] = _default(option)
        return cls(settings)

    # -- reading ------------------------------------------------------------------------------
    def __getattr__(self, name: str) -> Any:
        settings = self.__dict__.get("_settings")
        if settings is not None and name in settings:
            return settings[name].value
        raise AttributeError(f"`RunConfig` has no setting `{name}`.")

    @property
    def columns(self) -> dict[str, str]:
        """The column mapping the user gave: canonical name -> the log's column."""
        return {
            k.split(".", 1)[1]: s.value
            for k, s in self._settings.items()
            if k.startswith("columns.") and s.value is not None
        }

    def setting(self, key: str) -> Setting:
        """The :class:`Setting` (value, source, origin) of ``key``.

        Parameters
        ----------
        key : str
            A setting's name (``"margin"``, ``"columns.customer_id"``).
        """
        key = require_str(key, name="key")
        if key not in self._settings:
            raise DataValidationError(
                f"No setting `{key}`; the settings are {', '.join(self._settings)}."
            )
        return self._settings[key]

    def settings(self) -> Iterator[Setting]:
        """Every setting, in the order of the config file."""
        return iter(self._settings.values())

    def given(self, key: str) -> bool:
        """True when the user gave ``key`` (flag, argument or config file).

        Parameters
        ----------
        key : str
            A setting's name (``"margin"``, ``"columns.customer_id"``).
        """
        return self.setting(key).given

    def table(self) -> pd.DataFrame:
        """Every setting as a tidy frame: ``key, label, value, source, origin``."""
        return pd.DataFrame(
            [(s.key, s.label, s.value, s.source, s.origin) for s in self.settings()],
            columns=["key", "label", "value", "source", "origin"],
        )

    def cac_for(self, segment: str | None = None) -> float | None:
        """The acquisition cost the user gave for ``segment`` (or overall); None if none.

        Parameters
        ----------
        segment : str, optional
            An acquisition segment (None: the overall cost).
        """
        segment = require_str(segment, name="segment", allow_none=True)
        if segment is not None and segment in self.cac_by_segment:
            return float(self.cac_by_segment[segment])
        return self.cac

    def basis(self, *keys: str) -> Basis:
        """The inputs a figure rests on, in one sentence, each with where it came from.

        A default business input is named as such, so a figure resting on it reads as an
        illustration, never as the client's fact.

        Parameters
        ----------
        *keys : str
            Setting names (``"margin"``, ``"cac"``, ...).

        Examples
        --------
        >>> config = RunConfig.from_inputs({"margin": 0.3}, origins={"margin": "--margin"})
        >>> str(config.basis("margin", "discount_rate"))
        'Basis: a 30% margin (given: --margin); a discount rate of 1% a month (default).'
        """
        parts = []
        for key in keys:
            setting = self.setting(require_str(key, name="keys"))
            value = setting.value
            where = f"given: {setting.origin}" if setting.given else "default"
            if key == "margin":
                if setting.given:
                    parts.append(f"a {value:.0%} margin ({where})")
                else:
                    parts.append(
                        "no margin applied, so values are revenue (none given; set one with --margin)"
                    )
            elif key == "discount_rate":
                parts.append(f"a discount rate of {value * 100:.3g}% a month ({where})")
            elif key == "horizon_months":
                parts.append(f"a {value}-month horizon ({where})")
            elif key in ("cac", "retention_cost"):
                what = "acquisition cost" if key == "cac" else "retention programme cost"
                parts.append(
                    f"{'an' if key == 'cac' else 'a'} {what} of {value:,.2f} {self.currency} "
                    f"({where})"
                    if value is not None
                    else f"no {what} (none given)"
                )
            else:
                parts.append(f"{setting.label.lower()} {value} ({where})")
        return Basis("Basis: " + "; ".join(parts) + ".")

    def loader_options(self) -> dict[str, Any]:
        """Keyword arguments for :func:`~retention_lib.prepare_transactions`: the column
        mapping and the reading options (delimiter, decimal mark, encoding, date format, day
        first) the user gave; the loader infers the others."""
        options: dict[str, Any] = dict(self.columns)
        for key in ("date_format", "dayfirst", "sep", "decimal", "encoding"):
            if self.setting(key).given:
                options[key] = self.setting(key).value
        # the log's own columns the analysis reads: grouping columns and the experiment flag
        derived = {*COLUMN_FLAGS, "region", *options.values()}
        keep = [c for c in self.by if self.given("by") and c not in derived]
        if self.experiment is not None and self.experiment not in derived:
            keep.append(self.experiment)
        if keep:
            options["keep"] = list(dict.fromkeys(keep))
        return options

    def digest(self) -> str:
        """A short hash of the effective values (two configs with equal values share it)."""
        values = {k: _jsonable(s.value) for k, s in self._settings.items()}
        text = json.dumps(values, sort_keys=True, default=str)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RunConfig) and self._settings == other._settings

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        given = [f"{s.key}={s.value!r} ({s.origin})" for s in self.settings() if s.given]
        return f"<RunConfig: {', '.join(given) if given else 'all defaults'}>"

    # -- writing ------------------------------------------------------------------------------
    def to_toml(self) -> str:
        """The configuration as TOML: given values set, defaults shown commented out, and a
        ``[provenance]`` table with each given value's source and origin."""
        from . import __version__

        now = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
        lines = [
            f"# retention-lib {__version__}: the configuration of a report run ({now}).",
            "# Repeat the run with: retention-lib report --config <this file> --out <folder>",
            "# Set values were given by the user (flag, argument or config file); the commented",
            "# ones are the defaults the run used. [provenance] says where each given value came",
            "# from, so a repeated run labels the same figures as the user's.",
        ]
        for table in _TABLES:
            lines += ["", f"[{table}]"]
            for option in _BY_TABLE[table].values():
                setting = self._settings[option.key]
                if setting.given:
                    lines.append(f"{option.name} = {_toml_value(setting.value)}")
                elif setting.value is None or setting.value == {}:
                    lines.append(f"# {option.name}: not set")
                else:
                    lines.append(f"# {option.name} = {_toml_value(setting.value)}  (default)")
        lines += ["", "[provenance]"]
        for setting in self.settings():
            if setting.given:
                option = _BY_KEY[setting.key]
                lines.append(
                    f"{_toml_value(f'{option.table}.{option.name}')} = "
                    f"{_toml_value([setting.source, setting.origin])}"
                )
        return "\n".join(lines) + "\n"

    def write(self, path: str | Path) -> Path:
        """Write :meth:`to_toml` to ``path`` (folders are created) and return the path.

        Parameters
        ----------
        path : path
            Where to write the TOML file.
        """
        path = require_path(path, name="path", example="config.toml")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.to_toml(), encoding="utf-8")
        return path


@dataclass(frozen=True)
class Basis:
    """A sentence naming the inputs a figure rests on (see :meth:`RunConfig.basis`)."""

    text: str

    def __str__(self) -> str:
        return self.text

    def _repr_markdown_(self) -> str:
        return f"*{self.text}*"


def _default(option: _Option) -> Setting:
    value = dict(option.default) if isinstance(option.default, dict) else option.default
    return Setting(option.key, value, "default", "default", option.label)


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    return value


def _toml_value(value: Any) -> str:
    """A TOML literal for the values a config holds (text, bool, numbers, lists, tables)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = repr(value)
        return text if any(c in text for c in ".en") else f"{text}.0"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        items = ", ".join(f"{json.dumps(str(k))} = {_toml_value(v)}" for k, v in value.items())
        return "{" + (f" {items} " if items else "") + "}"
    raise TypeError(f"Cannot write {value!r} to TOML.")


def _read_file(path: str | Path) -> dict[str, Setting]:
    """The settings a TOML config file gives, checked, with their provenance."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise DataPathError(f"No config file at `{path}`.")
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DataValidationError(f"Config file `{path}` is not valid TOML: {exc}.") from None
    provenance = doc.pop("provenance", {})
    if not isinstance(provenance, Mapping):
        raise DataValidationError(f"`provenance` in {path.name} must be a table.")
    found: dict[str, tuple[_Option, Any]] = {}

    def walk(table: str, content: Mapping[str, Any]) -> None:
        options = _BY_TABLE.get(table, {})
        for name, value in content.items():
            sub = f"{table}.{name}" if table else name
            if isinstance(value, Mapping) and sub in _BY_TABLE:
                walk(sub, value)
            elif table == "business" and name == "cac" and isinstance(value, Mapping):
                found["cac_by_segment"] = (_BY_KEY["cac_by_segment"], value)
            elif name in options:
                found[options[name].key] = (options[name], value)
            else:
                where = f"[{table}]" if table else "the top level"
                known = ", ".join(options) if options else ", ".join(f"[{t}]" for t in _TABLES)
                raise DataValidationError(
                    f"Unknown key `{sub}` in config file {path.name} (in {where}); the keys "
                    f"there are: {known}."
                )

    walk("", doc)
    out = {}
    for key, (option, value) in found.items():
        source, origin = "config", path.name
        recorded = provenance.get(f"{option.table}.{option.name}")
        if (
            isinstance(recorded, list)
            and len(recorded) == 2
            and recorded[0] in ("user", "config")
            and isinstance(recorded[1], str)
        ):
            source, origin = recorded
        where = f"`{option.table}.{option.name}` in {path.name}"
        checked = option.check(value, where, path.resolve().parent)
        out[key] = Setting(key, checked, source, origin, option.label)
    return out


def load_config(path: str | Path) -> RunConfig:
    """Read a TOML config file (every setting it does not give takes its default).

    Parameters
    ----------
    path : path
        A TOML config file.

    Examples
    --------
    >>> config = load_config("reports/config.toml")  # doctest: +SKIP
    >>> config.setting("cac")  # doctest: +SKIP
    Setting(key='cac', value=40.0, source='user', origin='--cac', label='Acquisition cost ...')
    """
    require_path(path, name="path", example="client.toml")
    return RunConfig.from_inputs(config_file=path)
