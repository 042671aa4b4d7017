"""Read a transaction file: its format by content, its compression, encoding and CSV dialect.

* **Format** from the first bytes, the name only for text: gzip, bzip2, xz, zstd and zip
  compression, Parquet, Excel (``.xlsx`` is a zip holding ``xl/workbook.xml``; ``.xls`` an
  OLE file); a file whose content contradicts its name is read by its content, with a note.
* **Encoding**: a byte-order mark (UTF-8, UTF-16, UTF-32), else UTF-8 if the whole file
  decodes, else Windows-1252 (the Western European Excel default, a superset of Latin-1's
  printable characters) when charset-normalizer finds that reading clean, else
  charset-normalizer's best guess (e.g. Windows-1251 for Cyrillic); anything else asks for
  ``encoding=``. A note names the encoding used and shows a few of the words it decoded.
* **Delimiter** (``,`` ``;`` tab ``|``): Excel's ``sep=;`` first line, else clevercsv's
  sniffer (van den Burg, Nazábal & Sutton 2019) on the first lines, checked by parsing them:
  the header must have at least two fields and most rows as many; otherwise the candidates
  that split every line the same way decide, and when none or several do, ``sep=`` is asked for.

Values are read as text; dates and numbers are interpreted later, one way per column.
"""

from __future__ import annotations

import bz2
import codecs
import csv
import gzip
import io
import lzma
import re
import warnings
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pandas as pd

from ._validation import DataPathError, DataValidationError, InputTypeError

__all__ = ["DELIMITERS", "read_file"]

DELIMITERS = (",", ";", "\t", "|")
_DELIMITER_NAMES = {",": "','", ";": "';'", "\t": "tab", "|": "'|'"}
_TEXT_SUFFIXES = (".csv", ".tsv", ".txt", ".tab", ".dat")
_COMPRESSED = {".gz": "gzip", ".bz2": "bz2", ".xz": "xz", ".zst": "zstd", ".zip": "zip"}
_MAGIC = (
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bz2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
    (b"PK\x03\x04", "zip"),
    (b"PAR1", "parquet"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "xls"),
)
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_HEAD = 1 << 20  # bytes read to sniff the encoding and the dialect
_SAMPLE_LINES = 500
_DECOMPRESS_ERRORS = (EOFError, zlib.error, gzip.BadGzipFile, lzma.LZMAError, zipfile.BadZipFile)


def read_file(
    path: Path,
    *,
    sheet_name: str | int = 0,
    sep: str | None = None,
    encoding: str | None = None,
) -> tuple[pd.DataFrame, list[str]]:
    """Read ``path`` into pandas without interpreting values; return the frame and notes.

    Raises
    ------
    DataPathError
        No such file, a folder, or a file that cannot be opened.
    DataValidationError
        An empty, truncated, binary or unparsable file, an unknown format, an encoding or
        delimiter that cannot be told (with the argument that settles it).
    """
    kind, compression, notes = _kind(path)
    if kind in ("parquet", "excel", "xls"):
        for name, value in (("sep", sep), ("encoding", encoding)):
            if value is not None:
                raise DataValidationError(
                    f"`{name}=` applies to delimited text files; `{path.name}` is a "
                    f"{'Parquet' if kind == 'parquet' else 'Excel'} file."
                )
        return _read_binary(path, kind, sheet_name), notes
    return _read_text(path, compression, sep=sep, encoding=encoding, notes=notes)


# --------------------------------------------------------------------------- format by content


def _open_checked(path: Path) -> bytes:
    """The first bytes of ``path``, with the reasons it cannot be read in words."""
    if not path.exists():
        raise DataPathError(
            f"Transaction file `{path}` does not exist. Check the path (relative paths are "
            f"resolved from {Path.cwd()})."
        )
    if path.is_dir():
        files = sorted(p.name for p in path.iterdir() if p.is_file())[:5]
        found = f" It holds {', '.join(f'`{f}`' for f in files)}." if files else " It is empty."
        raise DataPathError(
            f"`{path}` is a folder, not a transaction file.{found} Give the path of one file, "
            "or read every file in the folder with `retention_lib.scan_transactions(folder)`."
        )
    try:
        with open(path, "rb") as fh:
            return fh.read(8)
    except PermissionError:
        raise DataPathError(
            f"Transaction file `{path}` cannot be read: permission denied. Check the file's "
            "permissions (e.g. `chmod u+r`), or copy it somewhere you can read it."
        ) from None
    except OSError as exc:
        raise DataPathError(
            f"Transaction file `{path}` cannot be read: {exc.strerror or exc}."
        ) from None


def _kind(path: Path) -> tuple[str, str | None, list[str]]:
    """``(kind, compression, notes)``: kind is text, parquet, excel or xls."""
    magic = _open_checked(path)
    name = path.name.lower()
    by_content = next((k for m, k in _MAGIC if magic.startswith(m)), None)
    suffixes = [s for s in Path(name).suffixes]
    named_compression = _COMPRESSED.get(suffixes[-1]) if suffixes else None
    if by_content == "zip":
        try:
            with zipfile.ZipFile(path) as zf:
                members = zf.namelist()
        except zipfile.BadZipFile:
            raise DataValidationError(
                f"`{path.name}` starts like a zip file but is damaged (truncated?). Copy or "
                "download it again."
            ) from None
        if "xl/workbook.xml" in members:
            by_content = "excel"
        elif len([m for m in members if not m.endswith("/")]) != 1:
            raise DataValidationError(
                f"`{path.name}` is a zip archive with {len(members)} entries; unzip it and "
                "give the path of the transaction file inside."
            )
    if by_content == "parquet" or (by_content is None and name.endswith((".parquet", ".pq"))):
        kind, compression = "parquet", None
    elif by_content in ("excel", "xls"):
        kind, compression = by_content, None
    elif by_content is None and name.endswith((".xlsx", ".xlsm", ".xls")):
        kind, compression = _not_excel(path), None
    elif by_content is not None:
        kind, compression = "text", by_content
    else:
        kind, compression = "text", None
    notes: list[str] = []
    if kind == "text" and not any(s in _TEXT_SUFFIXES for s in suffixes):
        raise DataValidationError(
            f"Cannot tell the format of `{path.name}`. Use a .csv, .csv.gz, .parquet or .xlsx "
            "file, or read it yourself and pass the DataFrame."
        )
    described = {"parquet": "a Parquet file", "excel": "an Excel workbook", "xls": "an Excel file"}
    if kind in described and not name.endswith(
        {"parquet": (".parquet", ".pq"), "excel": (".xlsx", ".xlsm"), "xls": (".xls",)}[kind]
    ):
        notes.append(f"`{path.name}` is {described[kind]} (read by its content, not its name).")
    if kind == "text" and compression != named_compression and compression is not None:
        notes.append(f"`{path.name}` is {compression}-compressed (read by its content).")
    return kind, compression, notes


def _not_excel(path: Path) -> str:
    with open(path, "rb") as fh:
        head = fh.read(2048).lstrip().lower()
    what = "an HTML page" if head.startswith((b"<!doctype html", b"<html", b"<table")) else "text"
    raise DataValidationError(
        f"`{path.name}` is named like an Excel file but is {what}, not a workbook (some shop "
        "systems export this way). Open it in Excel and save it as .xlsx or .csv, or rename it "
        "to .csv if it is comma- or semicolon-separated text."
    )


def _read_binary(path: Path, kind: str, sheet_name: str | int) -> pd.DataFrame:
    what = "Parquet" if kind == "parquet" else "Excel"
    try:
        if kind == "parquet":
            return pd.read_parquet(path)
        return pd.read_excel(path, sheet_name=sheet_name)
    except ImportError as exc:
        raise DataValidationError(
            f"Reading `{path.name}` needs a package that is not installed ({exc}). Save it as "
            ".xlsx or .csv, or install the package."
        ) from None
    except ValueError as exc:
        if kind != "parquet" and (
            "not found" in str(exc).lower() or "worksheet" in str(exc).lower()
        ):
            raise DataValidationError(
                f"`{path.name}` has no sheet {sheet_name!r}: {exc}. Pass `sheet_name=`."
            ) from None
        raise _unreadable(path, what, exc) from None
    except Exception as exc:  # pyarrow / openpyxl on a damaged file
        raise _unreadable(path, what, exc) from None


def _unreadable(path: Path, what: str, exc: BaseException) -> DataValidationError:
    first = (
        str(exc).strip().splitlines()[0][:200].rstrip(".")
        if str(exc).strip()
        else type(exc).__name__
    )
    return DataValidationError(
        f"`{path.name}` could not be read as {what}: {first}. The file may be damaged or "
        "truncated; export or copy it again."
    )


# --------------------------------------------------------------------------- text files


def _open_text_stream(path: Path, compression: str | None) -> Any:
    if compression is None:
        return open(path, "rb")
    if compression == "gzip":
        return gzip.open(path, "rb")
    if compression == "bz2":
        return bz2.open(path, "rb")
    if compression == "xz":
        return lzma.open(path, "rb")
    if compression == "zip":
        zf = zipfile.ZipFile(path)
        return zf.open(next(m for m in zf.namelist() if not m.endswith("/")))
    if compression == "zstd":
        import zstandard  # pandas' own optional dependency for .zst

        return zstandard.open(path, "rb")
    raise AssertionError(compression)  # pragma: no cover


def _read_bytes(path: Path, compression: str | None, limit: int | None) -> bytes:
    try:
        with _open_text_stream(path, compression) as fh:
            return fh.read() if limit is None else fh.read(limit)
    except _DECOMPRESS_ERRORS as exc:
        raise _truncated(path, compression, exc) from None
    except ImportError:
        raise DataValidationError(
            f"`{path.name}` is {compression}-compressed; decompress it first (the "
            f"{compression} package is not installed)."
        ) from None


def _truncated(path: Path, compression: str | None, exc: BaseException) -> DataValidationError:
    what = f"{compression}-compressed" if compression else "compressed"
    return DataValidationError(
        f"`{path.name}` is a damaged or truncated {what} file ({type(exc).__name__}: "
        f"{str(exc)[:120]}). The download or copy was probably cut short: fetch it again, or "
        "check it with `gzip -t` / your archive tool."
    )


def _bom_encoding(head: bytes) -> str | None:
    return next((enc for bom, enc in _BOMS if head.startswith(bom)), None)


def _utf16_without_bom(head: bytes) -> str | None:
    sample = head[:4096]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


def _check_encoding(encoding: str) -> str:
    if not isinstance(encoding, str):
        raise InputTypeError(
            f"`encoding` must be a string such as 'utf-8' or 'cp1252'; got {encoding!r}."
        )
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise DataValidationError(
            f"`encoding={encoding!r}` is not an encoding Python knows. Use e.g. 'utf-8', "
            "'cp1252' (Western European Windows/Excel), 'latin-1', 'utf-16'."
        ) from None
    return encoding


def _fallback_encoding(data: bytes, path: Path) -> str:
    """The encoding of a file that is not UTF-8 (see the module notes)."""
    from charset_normalizer import from_bytes

    lines = [line for line in data.splitlines() if re.search(rb"[\x80-\xff]", line)]
    sample = b"\n".join(lines[:2000])
    try:
        data.decode("cp1252")
        cp1252 = bool(from_bytes(sample, cp_isolation=["cp1252"]))
    except UnicodeDecodeError:
        cp1252 = False
    if cp1252:
        return "cp1252"
    best = from_bytes(sample).best()
    if best is not None:
        try:
            data.decode(best.encoding)
            return best.encoding
        except UnicodeDecodeError:
            pass
    raise DataValidationError(
        f"`{path.name}` is not UTF-8 and its encoding cannot be told from its content. Pass "
        "`encoding=` (e.g. 'cp1252' for Western European Excel exports, 'cp1250' for Central "
        "European, 'cp1251' for Cyrillic, 'latin-1')."
    )


def _decoded_words(text: str, limit: int = 3) -> str:
    words: list[str] = []
    for word in re.findall(r"[^\s,;|\t\"']*[^\x00-\x7f][^\s,;|\t\"']*", text):
        if word not in words:
            words.append(word)
        if len(words) == limit:
            break
    return ", ".join(repr(w) for w in words)


def _head_text(head: bytes, encoding: str) -> str:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    return decoder.decode(head, final=False)


def _records(text: str, sep: str) -> list[list[str]]:
    """The complete records in the first lines of ``text`` (quotes respected)."""
    lines = text.splitlines(keepends=True)
    if len(lines) > 1:
        lines = lines[:-1] if not text.endswith(("\n", "\r")) else lines  # a cut last line
    reader = csv.reader(io.StringIO("".join(lines[:_SAMPLE_LINES])), delimiter=sep, quotechar='"')
    try:
        return [row for row in reader if row]
    except csv.Error:
        return []


def _consistent(rows: list[list[str]]) -> bool:
    """Header of two fields or more, and nearly every row as long (or, for rows ending in a
    delimiter, every row one longer)."""
    counts = [len(row) for row in rows]
    if not counts or counts[0] < 2:
        return False
    body = counts[1:] or counts
    if all(c == counts[0] + 1 for c in body):
        return True
    return sum(c == counts[0] for c in body) >= 0.9 * len(body)


def _sniff_sep(text: str, path: Path) -> str:
    import clevercsv

    lines = text.splitlines()[:_SAMPLE_LINES]
    sample = "\n".join(lines)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            dialect = clevercsv.Sniffer().sniff(sample, delimiters=list(DELIMITERS))
    except Exception:  # the sniffer gives up on some inputs
        dialect = None
    sep = getattr(dialect, "delimiter", None)
    if sep in DELIMITERS and _consistent(_records(text, sep)):
        return sep
    fitting = [d for d in DELIMITERS if _consistent(_records(text, d))]
    if len(fitting) == 1:
        return fitting[0]
    header = lines[0] if lines else ""
    if not fitting:
        if all(len(next(csv.reader([header], delimiter=d), [])) < 2 for d in DELIMITERS):
            raise DataValidationError(
                f"`{path.name}` has a single column (header {header[:80]!r}) when split at "
                "',' ';' tab or '|'. Pass `sep=` with the file's delimiter."
            )
        raise DataValidationError(
            f"Cannot tell the delimiter of `{path.name}`: no delimiter among ',' ';' tab '|' "
            "splits its lines into the same number of fields as the header (header "
            f"{header[:80]!r}). Pass `sep=`, and check the rows are complete."
        )
    names = " or ".join(_DELIMITER_NAMES[d] for d in fitting)
    raise DataValidationError(
        f"Cannot tell the delimiter of `{path.name}`: its first lines split the same way at "
        f"{names} (header {header[:80]!r}). Pass `sep=`."
    )


def _read_text(
    path: Path,
    compression: str | None,
    *,
    sep: str | None,
    encoding: str | None,
    notes: list[str],
) -> tuple[pd.DataFrame, list[str]]:
    if sep is not None and (not isinstance(sep, str) or len(sep) != 1):
        raise DataValidationError(
            f"`sep` must be one character such as ',', ';', '\\t' or '|'; got {sep!r}."
        )
    head = _read_bytes(path, compression, _HEAD)
    if not head.strip():
        raise DataValidationError(
            f"Transaction file `{path}` is empty (no header, no rows). Check the export."
        )
    guessed = encoding is None
    if encoding is not None:
        encoding = _check_encoding(encoding)
    else:
        encoding = _bom_encoding(head) or _utf16_without_bom(head)
        if encoding is None:
            if b"\x00" in head:
                raise DataValidationError(
                    f"`{path.name}` is not a text file (it holds binary data, first bytes "
                    f"{head[:8]!r}). Export the log as CSV, Excel or Parquet."
                )
            try:
                _head_text(head, "utf-8")
                encoding = "utf-8"
            except UnicodeDecodeError:
                encoding = _fallback_encoding(_read_bytes(path, compression, None), path)
    try:
        text = _head_text(head, encoding)
    except UnicodeDecodeError as exc:
        raise DataValidationError(
            f"`{path.name}` cannot be decoded as {encoding}: {exc.reason} at byte {exc.start}. "
            "Pass the file's `encoding=` (e.g. 'cp1252', 'utf-8', 'utf-16')."
        ) from None
    text = text.lstrip("\ufeff")
    skip = 0
    first = text.split("\n", 1)[0].strip()
    excel_sep = re.fullmatch(r'"?sep=(.)"?', first)
    if excel_sep:  # Excel's hint line: 'sep=;'
        sep, skip = sep or excel_sep.group(1), 1
        text = text.split("\n", 1)[1] if "\n" in text else ""
    if sep is None:
        sep = _sniff_sep(text, path)
    rows = _records(text, sep)
    if rows and len(rows[0]) == 1:
        other = [
            d
            for d in DELIMITERS
            if d != sep and len(next(csv.reader([text.split(chr(10))[0]], delimiter=d))) > 1
        ]
        if other:
            raise DataValidationError(
                f"`{path.name}` read with sep={sep!r} has a single column named "
                f"{rows[0][0][:60]!r}: it looks separated by {_DELIMITER_NAMES[other[0]]}. Pass "
                f"`sep={other[0]!r}` (or leave `sep=` out to detect it)."
            )
    # every row ends with one empty field more than the header: a trailing delimiter
    trailing = len(rows) > 1 and all(len(r) == len(rows[0]) + 1 and r[-1] == "" for r in rows[1:])

    def read(enc: str) -> pd.DataFrame:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return pd.read_csv(
                path,
                sep=sep,
                encoding=enc,
                compression=compression,
                dtype=str,
                keep_default_na=False,
                na_values=[""],
                skiprows=skip,
                index_col=False if trailing else None,
                engine="c",
            )

    try:
        try:
            df = read(encoding)
        except UnicodeDecodeError:
            if not guessed or encoding != "utf-8":
                raise
            encoding = _fallback_encoding(_read_bytes(path, compression, None), path)
            df = read(encoding)
    except pd.errors.EmptyDataError:
        raise DataValidationError(
            f"Transaction file `{path}` is empty (no header, no rows). Check the export."
        ) from None
    except UnicodeDecodeError as exc:
        raise DataValidationError(
            f"`{path.name}` cannot be decoded as {encoding}: {exc.reason} at byte {exc.start}. "
            "Pass the file's `encoding=` (e.g. 'cp1252', 'utf-8', 'utf-16')."
        ) from None
    except pd.errors.ParserError as exc:
        detail = str(exc).replace("Error tokenizing data. C error: ", "").strip()
        raise DataValidationError(
            f"`{path.name}` could not be split into columns with sep={sep!r}: {detail}. A value "
            f"holding {sep!r} without quotes, or a different delimiter (pass `sep=`)?"
        ) from None
    except _DECOMPRESS_ERRORS as exc:
        raise _truncated(path, compression, exc) from None
    if not isinstance(df.index, pd.RangeIndex):
        raise DataValidationError(
            f"`{path.name}` has rows with more fields than its header ({len(df.columns)} names). "
            f"Check the delimiter (sep={sep!r}) and that values holding it are quoted."
        )
    if encoding not in ("utf-8", "utf-8-sig", "ascii"):
        words = _decoded_words(text)
        shown = f", e.g. {words}" if words else ""
        how = "as given" if not guessed else "not UTF-8"
        notes.append(
            f"`{path.name}` read as {encoding} ({how}){shown}; pass `encoding=` if these look "
            "wrong."
        )
    if sep != ",":
        notes.append(f"`{path.name}`: columns separated by {_DELIMITER_NAMES.get(sep, repr(sep))}.")
    return df, notes
