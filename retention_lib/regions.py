"""Country names -> ISO 3166-1 alpha-2 codes -> continent and UN M49 sub-region.

Names are resolved in this order: the caller's ``aliases``, the built-in alias
table :data:`COUNTRY_ALIASES` (names pycountry does not know, such as ``EIRE``,
``RSA`` or ``Channel Islands``, and non-countries such as ``European
Community`` or ``Unspecified``), then ``pycountry.countries.lookup`` (exact
match, case-insensitive, on ISO name, common name, official name, alpha-2,
alpha-3 or numeric code), then the country's name in another language. Matching
ignores case and surrounding/double spaces.

Names in other languages ("Nederland", "Österreich", "États-Unis", "Regno Unito")
come from pycountry's gettext translations of ISO 3166-1 (the Debian iso-codes
catalogues, ``pycountry.LOCALES_DIR``) in the languages of
:data:`COUNTRY_NAME_LANGUAGES`. They are matched ignoring case, accents and other
diacritics ("Osterreich"), the letters ø, æ, œ, ł, đ, ı, ß spelt as o, ae, oe, l,
d, i, ss, hyphens and apostrophe forms; German names also match with umlauts
spelt out ("Oesterreich"). The English names are indexed the same way, so
"Aland Islands" finds "Åland Islands". A name that is spelt exactly so (ignoring
case) for two countries, or that, when no name is spelt exactly so, matches two
countries' names once accents are ignored, is not guessed: it is left unmapped
with method "ambiguous", and the mapping table says which countries it could be.
(The catalogues give a few official names to a wrong country as well, e.g. the
Slovak "Slovenská republika" to the Gambia too.) A code is read as a code first,
as before: the Vietnamese "Ao" (Austria) is "AO", Angola. The index is built on
the first name that the earlier steps do not resolve and then cached.

pycountry does not carry regions, so :data:`SUBREGIONS` lists every ISO 3166-1
alpha-2 code under its UN M49 sub-region (the *intermediate* region where M49
has one: Eastern/Middle/Southern/Western Africa, Caribbean, Central America,
South America) and :data:`CONTINENTS` maps each sub-region to a continent:
Europe, Asia, Africa, North America (Northern America, Central America and the
Caribbean), South America, Oceania, and "Other" for Antarctica. Following M49,
Cyprus, Turkey and the Caucasus are Western Asia.
"""

from __future__ import annotations

import gettext
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache
from typing import NamedTuple

import numpy as np
import pandas as pd
import pycountry

from retention_lib._validation import (
    DataValidationError,
    require_choice,
    require_columns,
    require_frame,
    require_mapping,
    require_sequence,
)

__all__ = [
    "CONTINENTS",
    "COUNTRY_ALIASES",
    "COUNTRY_NAME_LANGUAGES",
    "SUBREGIONS",
    "UNKNOWN",
    "add_regions",
    "country_to_iso",
    "describe_country_mapping",
    "map_countries",
]

#: Region/sub-region label of rows whose country is unknown by design
#: (``Unspecified``, empty) or unmapped and kept (``unmapped="keep"``).
UNKNOWN = "Unknown"

# UN M49 (https://unstats.un.org/unsd/methodology/m49/), intermediate region
# where one exists. TW is not listed by M49; it is placed in Eastern Asia.
SUBREGIONS: dict[str, str] = {
    code: subregion
    for subregion, codes in {
        "Northern Africa": "DZ EG LY MA SD TN EH",
        "Eastern Africa": "IO BI KM DJ ER ET TF KE MG MW MU YT MZ RE RW SC SO SS UG TZ ZM ZW",
        "Middle Africa": "AO CM CF TD CG CD GQ GA ST",
        "Southern Africa": "BW SZ LS NA ZA",
        "Western Africa": "BJ BF CV CI GM GH GN GW LR ML MR NE NG SH SN SL TG",
        "Caribbean": "AI AG AW BS BB BQ VG KY CU CW DM DO GD GP HT JM MQ MS PR BL KN LC MF VC SX TT TC VI",
        "Central America": "BZ CR SV GT HN MX NI PA",
        "South America": "AR BO BV BR CL CO EC FK GF GY PY PE GS SR UY VE",
        "Northern America": "BM CA GL PM US",
        "Central Asia": "KZ KG TJ TM UZ",
        "Eastern Asia": "CN HK MO KP JP MN KR TW",
        "South-eastern Asia": "BN KH ID LA MY MM PH SG TH TL VN",
        "Southern Asia": "AF BD BT IN IR MV NP PK LK",
        "Western Asia": "AM AZ BH CY GE IQ IL JO KW LB OM QA SA PS SY TR AE YE",
        "Eastern Europe": "BY BG CZ HU PL MD RO RU SK UA",
        "Northern Europe": "AX DK EE FO FI GG IS IE IM JE LV LT NO SJ SE GB",
        "Southern Europe": "AL AD BA HR GI GR VA IT MT ME MK PT SM RS SI ES",
        "Western Europe": "AT BE FR DE LI LU MC NL CH",
        "Australia and New Zealand": "AU CX CC HM NZ NF",
        "Melanesia": "FJ NC PG SB VU",
        "Micronesia": "GU KI MH FM NR MP PW UM",
        "Polynesia": "AS CK PF NU PN WS TK TO TV WF",
        "Antarctica": "AQ",
    }.items()
    for code in codes.split()
}

#: Continent of each sub-region.
CONTINENTS: dict[str, str] = {
    "Northern Africa": "Africa",
    "Eastern Africa": "Africa",
    "Middle Africa": "Africa",
    "Southern Africa": "Africa",
    "Western Africa": "Africa",
    "Caribbean": "North America",
    "Central America": "North America",
    "Northern America": "North America",
    "South America": "South America",
    "Central Asia": "Asia",
    "Eastern Asia": "Asia",
    "South-eastern Asia": "Asia",
    "Southern Asia": "Asia",
    "Western Asia": "Asia",
    "Eastern Europe": "Europe",
    "Northern Europe": "Europe",
    "Southern Europe": "Europe",
    "Western Europe": "Europe",
    "Australia and New Zealand": "Oceania",
    "Melanesia": "Oceania",
    "Micronesia": "Oceania",
    "Polynesia": "Oceania",
    "Antarctica": "Other",
}


class _Place(NamedTuple):
    country_code: str | None
    country_name: str
    region: str
    subregion: str


# Places that are not an ISO 3166-1 country (no alpha-2 code).
_CHANNEL_ISLANDS = _Place(None, "Channel Islands", "Europe", "Northern Europe")
_EUROPEAN_UNION = _Place(None, "European Union", "Europe", UNKNOWN)
_KOSOVO = _Place("XK", "Kosovo", "Europe", "Southern Europe")  # user-assigned code, not ISO
_UNKNOWN_PLACE = _Place(None, UNKNOWN, UNKNOWN, UNKNOWN)

#: Built-in aliases: a name -> an ISO alpha-2 code, or a fixed place for names that
#: are not ISO countries (Channel Islands, European Community, Kosovo) or that are
#: unknown by design (Unspecified).
COUNTRY_ALIASES: dict[str, str | _Place] = {
    # UCI Online Retail spellings
    "EIRE": "IE",
    "RSA": "ZA",
    "USA": "US",
    "Czech Republic": "CZ",
    "Channel Islands": _CHANNEL_ISLANDS,
    "European Community": _EUROPEAN_UNION,
    "Unspecified": _UNKNOWN_PLACE,
    # common short or former names pycountry does not resolve
    "UK": "GB",
    "U.K.": "GB",
    "Great Britain": "GB",
    "Britain": "GB",
    "England": "GB",
    "Scotland": "GB",
    "Wales": "GB",
    "Northern Ireland": "GB",
    "U.S.": "US",
    "U.S.A.": "US",
    "United States of America": "US",
    "America": "US",
    "Holland": "NL",
    "The Netherlands": "NL",
    "Republic of Ireland": "IE",
    "Ireland (Eire)": "IE",
    "South Africa (RSA)": "ZA",
    "Russia": "RU",
    "Russian Federation": "RU",
    "Turkey": "TR",
    "Korea": "KR",
    "South Korea": "KR",
    "Republic of Korea": "KR",
    "North Korea": "KP",
    "Macau": "MO",
    "Macao": "MO",
    "Hong Kong SAR": "HK",
    "Taiwan": "TW",
    "Vietnam": "VN",
    "Laos": "LA",
    "Burma": "MM",
    "Brunei": "BN",
    "Iran": "IR",
    "Syria": "SY",
    "Palestine": "PS",
    "UAE": "AE",
    "U.A.E.": "AE",
    "KSA": "SA",
    "Ivory Coast": "CI",
    "Cote d'Ivoire": "CI",
    "Cape Verde": "CV",
    "Swaziland": "SZ",
    "Macedonia": "MK",
    "Moldova": "MD",
    "Bolivia": "BO",
    "Venezuela": "VE",
    "Tanzania": "TZ",
    "Congo-Kinshasa": "CD",
    "DR Congo": "CD",
    "DRC": "CD",
    "Congo-Brazzaville": "CG",
    "Vatican": "VA",
    "Vatican City": "VA",
    "Micronesia": "FM",
    "East Timor": "TL",
    "Kosovo": _KOSOVO,
    "Guernsey (Channel Islands)": "GG",
    "Jersey (Channel Islands)": "JE",
    "European Union": _EUROPEAN_UNION,
    "EU": _EUROPEAN_UNION,
    # unknown by design
    "Unknown": _UNKNOWN_PLACE,
    "Not specified": _UNKNOWN_PLACE,
    "N/A": _UNKNOWN_PLACE,
}

#: Languages whose country names are recognised: pycountry's gettext locale -> the
#: language's English name (shown in the mapping table). The languages of the EU and
#: its neighbours, and Arabic, Hebrew, Japanese, Korean, Chinese, Indonesian and
#: Vietnamese; pycountry ships about 150 (``pycountry.LOCALES_DIR``), each one more
#: adds about 10 ms to the index and some risk of collisions. A locale the installed
#: pycountry does not ship is skipped.
COUNTRY_NAME_LANGUAGES: dict[str, str] = {
    "nl": "Dutch",
    "de": "German",
    "fr": "French",
    "es": "Spanish",
    "ca": "Catalan",
    "it": "Italian",
    "pt": "Portuguese",
    "pt_BR": "Brazilian Portuguese",
    "sv": "Swedish",
    "da": "Danish",
    "nb_NO": "Norwegian Bokmål",
    "nn": "Norwegian Nynorsk",
    "fi": "Finnish",
    "is": "Icelandic",
    "pl": "Polish",
    "cs": "Czech",
    "sk": "Slovak",
    "hu": "Hungarian",
    "ro": "Romanian",
    "bg": "Bulgarian",
    "hr": "Croatian",
    "sl": "Slovenian",
    "sr": "Serbian",
    "sr@latin": "Serbian (Latin script)",
    "et": "Estonian",
    "lv": "Latvian",
    "lt": "Lithuanian",
    "el": "Greek",
    "tr": "Turkish",
    "ru": "Russian",
    "uk": "Ukrainian",
    "ar": "Arabic",
    "he": "Hebrew",
    "ja": "Japanese",
    "ko": "Korean",
    "zh_CN": "Chinese (simplified)",
    "zh_TW": "Chinese (traditional)",
    "id": "Indonesian",
    "vi": "Vietnamese",
}

_MAPPING_COLUMNS = ["country", "country_code", "country_name", "region", "subregion"]
_ENGLISH = "English"
_ISO_CODE = "ISO code"
# letters that Unicode does not decompose into a base letter and an accent
_PLAIN_LETTERS = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"}
    | dict.fromkeys("-‐‑–—", " ")
    | dict.fromkeys("’‘ʼ`´", "'")
)
# the combining accents of Latin, Greek and Cyrillic letters (not, e.g., Japanese kana marks)
_ACCENTS = re.compile("[\u0300-\u036f]")
_SPACES = re.compile(r"\s+")
# per locale, another spelling its speakers use without the special letters
_SPELT_OUT = {"de": str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue"})}


def _key(name: str) -> str:
    return re.sub(r"\s+", " ", name).strip().casefold()


def _fold(name: str) -> str:
    """Key ignoring case, spacing, accents, hyphens and apostrophe forms."""
    text = unicodedata.normalize("NFKD", name.casefold())
    text = _ACCENTS.sub("", text).translate(_PLAIN_LETTERS)
    return _SPACES.sub(" ", text).strip()


class _Name(NamedTuple):
    code: str
    language: str  # "Dutch", ..., "English" or "ISO code"
    name: str  # as the catalogue spells it
    locale: str = ""


def _catalogue_names() -> Iterator[_Name]:
    """English names and codes of every country, then each language's translations."""
    english = []
    for country in pycountry.countries:
        for field in ("name", "official_name", "common_name"):
            value = getattr(country, field, None)
            if value:
                english.append((country.alpha_2, value))
                yield _Name(country.alpha_2, _ENGLISH, value)
        for code in (country.alpha_2, country.alpha_3):
            yield _Name(country.alpha_2, _ISO_CODE, code)
    for locale, language in COUNTRY_NAME_LANGUAGES.items():
        try:
            catalogue = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, [locale])
        except FileNotFoundError:  # an older pycountry without this language
            continue
        for code, value in english:
            local = catalogue.gettext(value)
            if local != value:
                yield _Name(code, language, local, locale)


def _build_name_index(names: Iterable[_Name]) -> dict[str, tuple[_Name, ...]]:
    """Normalised name -> every catalogue entry spelt so (one code, or a collision)."""
    index: dict[str, dict[_Name, None]] = {}
    folded: dict[str, str] = {}
    for entry in names:
        spellings = {entry.name}
        if entry.locale in _SPELT_OUT:
            spellings.add(
                unicodedata.normalize("NFC", entry.name.casefold()).translate(
                    _SPELT_OUT[entry.locale]
                )
            )
        for spelling in spellings:
            key = folded.get(spelling)
            if key is None:
                key = folded[spelling] = _fold(spelling)
            index.setdefault(key, {})[entry] = None
    return {key: tuple(entries) for key, entries in index.items()}


@lru_cache(maxsize=1)
def _name_index() -> dict[str, tuple[_Name, ...]]:
    return _build_name_index(_catalogue_names())


def _as_read(entries: Iterable[_Name]) -> str:
    """'Czech, Slovak name', 'ISO code' or 'Dutch, German, Swedish, ... (12 languages) name'."""
    entries = list(entries)
    languages = list(dict.fromkeys(e.language for e in entries if e.language != _ISO_CODE))
    listed = ", ".join(languages[:3]) + (
        f", ... ({len(languages)} languages)" if len(languages) > 3 else ""
    )
    parts = [f"{listed} name"] if languages else []
    return ", ".join(parts + [_ISO_CODE] * any(e.language == _ISO_CODE for e in entries))


def _read_name(text: str) -> tuple[str | None, str]:
    """(alpha-2 code or None, how the name was read) from the index of names.

    Names spelt as given (ignoring only case and spacing) decide; when there are none,
    names that match ignoring accents. The code is None and the reading lists the
    candidates ("SK (Czech, Slovak name), GM (Slovak name)") when those names belong
    to more than one country; both are empty when it is no country's name (or only an
    accented spelling of a code).
    """
    entries = _name_index().get(_fold(text), ())
    as_given = unicodedata.normalize("NFC", _key(text))
    exact = [e for e in entries if unicodedata.normalize("NFC", _key(e.name)) == as_given]
    candidates = exact or entries
    codes = list(dict.fromkeys(e.code for e in candidates))
    if len(codes) > 1:
        return None, ", ".join(
            f"{code} ({_as_read(e for e in candidates if e.code == code)})" for code in codes
        )
    entries = tuple(e for e in entries if e.language != _ISO_CODE)
    if not entries:
        return None, ""
    if exact:
        return codes[0], _as_read(exact)
    spellings: dict[str, list[_Name]] = {}
    for entry in entries:
        spellings.setdefault(entry.name, []).append(entry)
    return codes[0], "; ".join(f"{_as_read(group)} {name}" for name, group in spellings.items())


@lru_cache(maxsize=1)
def _alias_index() -> dict[str, str | _Place]:
    return {_key(k): v for k, v in COUNTRY_ALIASES.items()}


def _place_from_code(code: str) -> _Place:
    country = pycountry.countries.get(alpha_2=code)
    subregion = SUBREGIONS[code]
    name = country.name if country is not None else code
    return _Place(code, name, CONTINENTS[subregion], subregion)


@lru_cache(maxsize=4096)
def _pycountry_lookup(name: str) -> _Place | None:
    try:
        country = pycountry.countries.lookup(name)
    except LookupError:
        return None
    return _place_from_code(country.alpha_2)


def _resolve_target(source: str, target: object) -> _Place:
    """A user alias target: an ISO code or country name, or None (= Unknown)."""
    if target is None:
        return _UNKNOWN_PLACE
    if isinstance(target, str):
        key = _key(target)
        builtin = _alias_index().get(key)
        if isinstance(builtin, _Place):
            return builtin
        if isinstance(builtin, str):
            return _place_from_code(builtin)
        place = _pycountry_lookup(re.sub(r"\s+", " ", target).strip())
        if place is not None:
            return place
        code, read = _read_name(target)
        if code is not None:
            return _place_from_code(code)
        if read:
            raise DataValidationError(
                f"`aliases` maps {source!r} to {target!r}, which names more than one country "
                f"({read}). Use the alpha-2 code of the one you mean, such as 'GB'."
            )
    raise DataValidationError(
        f"`aliases` maps {source!r} to {target!r}, which is not an ISO 3166-1 country code "
        "or name. Use an alpha-2 code such as 'GB', an alpha-3 code such as 'GBR', a name "
        "that pycountry knows (in English or a language of `COUNTRY_NAME_LANGUAGES`), or "
        "None for 'Unknown'."
    )


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA


def _resolve(name: object, user: Mapping[str, _Place]) -> tuple[_Place | None, str, str | None]:
    """(place or None, method, how it was read) for one distinct country value."""
    if _is_missing(name) or (isinstance(name, str) and not name.strip()):
        return _UNKNOWN_PLACE, "missing", None
    text = str(name)
    key = _key(text)
    if key in user:
        return user[key], "user_alias", None
    builtin = _alias_index().get(key)
    if builtin is not None:
        place = builtin if isinstance(builtin, _Place) else _place_from_code(builtin)
        return place, "unknown" if place is _UNKNOWN_PLACE else "alias", None
    found = _pycountry_lookup(re.sub(r"\s+", " ", text).strip())
    if found is not None:
        return found, "pycountry", None
    code, read = _read_name(text)
    if code is not None:
        return _place_from_code(code), "translation", read
    if read:
        return None, "ambiguous", read
    return None, "unmapped", None


def _user_aliases(aliases: Mapping[str, object] | None) -> dict[str, _Place]:
    aliases = require_mapping(aliases, name="aliases", example="{'Narnia': 'GB'}")
    return {_key(str(k)): _resolve_target(str(k), v) for k, v in aliases.items()}


def map_countries(
    countries: Iterable[object], *, aliases: Mapping[str, object] | None = None
) -> pd.DataFrame:
    """Map country names to ISO codes, continent and UN M49 sub-region.

    Parameters
    ----------
    countries : iterable of str
        Country names or codes as they appear in the source (duplicates are
        mapped once; order of first appearance is kept).
    aliases : dict, optional
        Extra ``{name: target}`` pairs checked first, e.g. ``{"Narnia": "GB"}``.
        A target is an ISO alpha-2/alpha-3 code, a name pycountry knows (in
        English or a language of :data:`COUNTRY_NAME_LANGUAGES`), or ``None``
        for "Unknown". Use one to settle an "ambiguous" name.

    Returns
    -------
    pandas.DataFrame
        One row per distinct input value with columns ``country`` (as given),
        ``country_code`` (ISO alpha-2, missing for non-countries),
        ``country_name`` (ISO short name, e.g. "Czechia"), ``region``
        (continent, "Other" or "Unknown"), ``subregion`` (UN M49),
        ``method`` ("user_alias", "alias", "pycountry", "translation" for a name
        in another language or spelling, "unknown" for names unknown by design
        such as "Unspecified", "missing" for empty values, "ambiguous" for a name
        of more than one country, "unmapped"), ``read_as`` (str, for
        "translation": the language(s) whose name it is, e.g. "Dutch name", with
        the catalogue's spelling when it matched only ignoring accents or umlauts,
        e.g. "German name Österreich"; for "ambiguous": the candidates, e.g. "GM
        (Slovak name), SK (Czech, Slovak name)"; missing otherwise) and ``mapped``
        (bool, False for "ambiguous" and "unmapped", whose rows hold missing
        values).

    Notes
    -----
    The first name that neither the aliases nor ``pycountry.countries.lookup``
    resolve builds the index of names in other languages (0.1-0.3 s, once per
    process; see the module docstring).

    Examples
    --------
    >>> map_countries(["EIRE", "USA", "Japan"])[["country", "country_code", "region"]]
      country country_code         region
    0    EIRE           IE         Europe
    1     USA           US  North America
    2   Japan           JP           Asia
    >>> map_countries(["Pays-Bas", "Oesterreich"])[["country", "country_code", "read_as"]]
           country country_code                 read_as
    0     Pays-Bas           NL             French name
    1  Oesterreich           AT  German name Österreich
    """
    countries = require_sequence(
        countries, name="countries", what="country names", example="['EIRE', 'Japan']"
    )
    user = _user_aliases(aliases)
    seen: dict[object, None] = {}
    for value in countries:
        seen.setdefault(None if _is_missing(value) else value, None)
    rows: list[tuple[object, ...]] = []
    for value in seen:
        place, method, read = _resolve(value, user)
        if place is None:
            rows.append((value, None, None, None, None, method, read, False))
        else:
            rows.append((value, *place, method, read, True))
    out = pd.DataFrame(rows, columns=[*_MAPPING_COLUMNS, "method", "read_as", "mapped"])
    for col in [*_MAPPING_COLUMNS, "method", "read_as"]:
        out[col] = out[col].astype("str")
    out["mapped"] = out["mapped"].astype(bool)
    return out


def country_to_iso(
    names: Iterable[object], *, aliases: Mapping[str, object] | None = None
) -> list[str | None]:
    """ISO 3166-1 alpha-2 code of each name (``None`` when there is none).

    Non-countries (Channel Islands, European Community, Unspecified) and
    unmapped names give ``None``; use :func:`map_countries` to tell them apart.

    Parameters
    ----------
    names : iterable
        Country names or codes, as in a ``country`` column.
    aliases : dict, optional
        Extra ``{name: target}`` pairs checked first, as in :func:`map_countries`.

    Examples
    --------
    >>> country_to_iso(["EIRE", "RSA", "United Kingdom"])
    ['IE', 'ZA', 'GB']
    """
    names = require_sequence(names, name="names", what="country names", example="['EIRE', 'RSA']")
    table = map_countries(names, aliases=aliases)
    lookup = {
        (None if _is_missing(c) else c): (None if _is_missing(code) else code)
        for c, code in zip(table["country"], table["country_code"], strict=True)
    }
    return [lookup[None if _is_missing(n) else n] for n in names]


def add_regions(
    transactions: pd.DataFrame,
    *,
    aliases: Mapping[str, object] | None = None,
    unmapped: str = "raise",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Add ``country_code``, ``region`` and ``subregion`` from the ``country`` column.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Canonical transactions with a ``country`` column.
    aliases : dict, optional
        Extra ``{name: target}`` pairs, e.g. ``{"Narnia": "GB"}`` (see
        :func:`map_countries`).
    unmapped : {"raise", "keep", "drop"}, default "raise"
        What to do with rows whose country cannot be mapped: raise a
        :class:`DataValidationError` naming the values and row counts, keep them
        with ``region`` and ``subregion`` "Unknown", or drop them. Either way
        they are listed in the returned mapping table.

    Returns
    -------
    transactions : pandas.DataFrame
        A copy with columns ``country_code`` (str, missing for non-countries),
        ``region`` and ``subregion`` (str, never missing) added or replaced.
    mapping : pandas.DataFrame
        One row per distinct country value: ``country``, ``rows``,
        ``country_code``, ``country_name``, ``region``, ``subregion``,
        ``method`` and ``read_as`` (see :func:`map_countries`) and ``action``
        ("mapped", "kept" or "dropped"), sorted by ``rows`` descending.
        :func:`describe_country_mapping` says from it what was mapped via an
        alias or a translation and what was ambiguous, unknown or unmapped.

    Raises
    ------
    DataValidationError
        Some countries cannot be mapped (or name more than one country) and
        ``unmapped="raise"``.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["1", "2", "3"], "country": ["EIRE", "RSA", "Unspecified"]})
    >>> out, mapping = add_regions(tx)
    >>> out["region"].tolist()
    ['Europe', 'Africa', 'Unknown']
    >>> print(mapping[["country", "rows", "method"]].to_string(index=False))
        country  rows  method
           EIRE     1   alias
            RSA     1   alias
    Unspecified     1 unknown
    """
    require_frame(transactions)
    require_columns(
        transactions,
        ["country"],
        fix="Map your country column at load time (`load_transactions(..., country=...)`).",
    )
    require_choice(unmapped, ("raise", "keep", "drop"), name="unmapped")

    country = transactions["country"]
    counts = country.value_counts(dropna=False, sort=False)
    table = map_countries(counts.index, aliases=aliases)
    table.insert(1, "rows", counts.to_numpy().astype("int64"))
    bad = table[~table["mapped"]]
    if len(bad) and unmapped == "raise":
        listed = ", ".join(
            f"{c!r} ({n} rows"
            + (f"; names more than one country: {r})" if m == "ambiguous" else ")")
            for c, n, m, r in zip(
                bad["country"], bad["rows"], bad["method"], bad["read_as"], strict=True
            )
        )
        example = bad["country"].iloc[0]
        raise DataValidationError(
            f"Column `country` has {len(bad)} value(s) that could not be mapped to an ISO "
            f"country: {listed}. Pass `aliases={{{example!r}: 'GB'}}` (an ISO code or name, or "
            "None for 'Unknown') to map them, or `unmapped='keep'`/`'drop'` to keep them as "
            "'Unknown' or drop them."
        )
    table["action"] = np.where(
        table["mapped"], "mapped", "dropped" if unmapped == "drop" else "kept"
    )
    table.loc[~table["mapped"], ["region", "subregion"]] = UNKNOWN
    table = table.drop(columns="mapped")

    out = transactions.copy()
    if unmapped == "drop" and len(bad):
        out = out[~country.isin(bad["country"]).to_numpy()]
    key = out["country"].astype("object").where(out["country"].notna(), None)
    index = pd.Index(table["country"].astype("object").where(table["country"].notna(), None))
    pos = index.get_indexer(key)
    for col in ["country_code", "region", "subregion"]:
        out[col] = pd.array(table[col].to_numpy()[pos], dtype="str")
    table = table.sort_values("rows", ascending=False, kind="stable").reset_index(drop=True)
    return out, table


def describe_country_mapping(mapping: pd.DataFrame) -> list[str]:
    """Sentences for a report on how the countries were mapped.

    Parameters
    ----------
    mapping : pandas.DataFrame
        The mapping table returned by :func:`add_regions`.

    Returns
    -------
    list of str
        Up to four sentences, each only when it has something to list: the names
        mapped through an alias ("EIRE -> IE"), the names read in another language
        or spelling ("Nederland -> NL (Dutch name)"), the names left "Unknown"
        because they belong to more than one country (with the candidates), and
        the other names whose region is "Unknown" (with their row counts).

    Examples
    --------
    >>> tx = pd.DataFrame({"country": ["EIRE", "Pays-Bas", "France", "Unspecified"]})
    >>> for note in describe_country_mapping(add_regions(tx)[1]):
    ...     print(note)
    Countries mapped through the alias table: EIRE -> IE.
    Countries read as their name in another language or spelling (pycountry's ISO 3166-1 translations): Pays-Bas -> NL (French name).
    Region 'Unknown' for: 'Unspecified' (1 rows); pass `aliases=` to map them.
    """
    require_frame(mapping, name="mapping")
    require_columns(
        mapping,
        ["country", "rows", "country_code", "region", "method", "read_as"],
        what="`mapping`",
        fix="Pass the mapping table that `add_regions` returns.",
    )
    notes = []
    via_alias = mapping[mapping["method"].isin(["alias", "user_alias"])]
    if len(via_alias):
        pairs = ", ".join(
            f"{c} -> {code if pd.notna(code) else r}"
            for c, code, r in zip(
                via_alias["country"], via_alias["country_code"], via_alias["region"], strict=True
            )
        )
        notes.append(f"Countries mapped through the alias table: {pairs}.")
    translated = mapping[mapping["method"] == "translation"]
    if len(translated):
        pairs = ", ".join(
            f"{c} -> {code} ({read})"
            for c, code, read in zip(
                translated["country"],
                translated["country_code"],
                translated["read_as"],
                strict=True,
            )
        )
        notes.append(
            "Countries read as their name in another language or spelling (pycountry's "
            f"ISO 3166-1 translations): {pairs}."
        )
    ambiguous = mapping[mapping["method"] == "ambiguous"]
    if len(ambiguous):
        listed = "; ".join(
            f"{c!r} ({n:,} rows) could be {read}"
            for c, n, read in zip(
                ambiguous["country"], ambiguous["rows"], ambiguous["read_as"], strict=True
            )
        )
        notes.append(
            f"Region 'Unknown' for names of more than one country, not guessed: {listed}; "
            "pass `aliases=` with the code you mean."
        )
    unknown = mapping[mapping["method"].isin(["unknown", "missing", "unmapped"])]
    if len(unknown):
        listed = ", ".join(
            f"{c!r} ({n:,} rows)" for c, n in zip(unknown["country"], unknown["rows"], strict=True)
        )
        notes.append(f"Region 'Unknown' for: {listed}; pass `aliases=` to map them.")
    return notes
