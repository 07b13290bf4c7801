"""Text from uploads: strict decoding, cells as text, and garbled-text (mojibake) detection.

Chinese offices produce UTF-8 (often with a BOM, from Excel "CSV UTF-8"), GBK/GB18030 (Excel's default "CSV"
on Chinese Windows) and UTF-16 ("Unicode text").  We decode the whole file strictly with UTF-8 first, then
GB18030 (a superset of GBK and GB2312), and never fall back to Latin-1: a Latin-1 fallback "succeeds" on any
bytes and silently stores garbage such as ``ÓñÏª`` for 玉溪.
"""

from __future__ import annotations

import codecs
import datetime as dt
import math
import numbers
import re
from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dashboard.errors import UserError

#: Tried in this order when the caller gives no encoding.  UTF-8 first: valid UTF-8 is almost never valid
#: Chinese GB text by accident, while GB18030 accepts most UTF-8 byte sequences as (wrong) characters.
AUTO_ENCODINGS = ("utf-8", "gb18030")

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_HIGH_LATIN = re.compile(r"[\u0080-\u00ff]")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_SUSPECT = re.compile(r"[\u0080-\u00ff].*[\u0080-\u00ff]|[\u3400-\u4dbf\u4e00-\u9fff]{2}")
_ZERO_FORMAT = re.compile(r"^0+$")


def codec_name(encoding: str) -> str:
    """The canonical Python codec name of ``encoding``; ``error.upload.unknown_encoding`` if there is none."""
    try:
        return codecs.lookup(encoding).name
    except (LookupError, TypeError) as exc:
        raise UserError("error.upload.unknown_encoding", encoding=str(encoding)[:40]) from exc


def _undecodable(data: bytes, failures: list[tuple[str, UnicodeDecodeError]]) -> UserError:
    # The attempt that got furthest is the likely intended encoding, so its position is the useful one.
    _, exc = max(failures, key=lambda f: f[1].start)
    offset = exc.start
    return UserError(
        "error.upload.undecodable",
        tried=", ".join(e.upper() for e, _ in failures),
        offset=offset,
        line=data.count(b"\n", 0, offset) + 1,
        byte=f"0x{data[offset]:02X}" if offset < len(data) else "EOF",
    )


def decode_bytes(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """Decode a whole file strictly and say which encoding worked.

    Parameters
    ----------
    data
        The file's bytes.
    encoding
        The user's explicit choice; ``None`` tries a BOM, then UTF-8, then GB18030.

    Returns
    -------
    (text, encoding)
        ``encoding`` is a Python codec name: ``utf-8``, ``utf-8-sig`` (UTF-8 with BOM), ``gb18030``,
        ``utf-16`` or the explicit choice.

    Raises
    ------
    UserError
        ``error.upload.undecodable`` with the byte offset, line and byte value of the first bad byte, or
        ``error.upload.unknown_encoding``.
    """
    if encoding is not None:
        name = codec_name(encoding)
        if name == "utf-8" and data.startswith(codecs.BOM_UTF8):
            name = "utf-8-sig"
        try:
            return data.decode(name), name
        except UnicodeDecodeError as exc:
            raise _undecodable(data, [(name, exc)]) from None
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(name), name
            except UnicodeDecodeError as exc:
                raise _undecodable(data, [(name, exc)]) from None
    failures = []
    for name in AUTO_ENCODINGS:
        try:
            return data.decode(name), name
        except UnicodeDecodeError as exc:
            failures.append((name, exc))
    raise _undecodable(data, failures)


#: Scripts a Chinese land ledger has no use for but that appear when Big5 (or other double-byte) text is decoded
#: as GBK: Big5 lead bytes A4–C6 fall on GBK's kana, Greek, Cyrillic and box-drawing rows, and other byte
#: pairs on GB18030's user-defined areas (private use code points).
_ALIEN = re.compile(r"[\u0370-\u04ff\u2500-\u257f\u3040-\u30ff\ue000-\uf8ff]")


def doubtful_decoding(text: str, encoding: str) -> dict | None:
    """Warning params when GB18030-decoded text looks like another double-byte encoding (Big5), else ``None``.

    Any byte string of Big5 is also valid GBK, so strict decoding cannot catch it; the give-away is a share of
    kana/Greek/Cyrillic/box characters no Chinese ledger has.
    """
    if encoding != "gb18030":
        return None
    sample = [c for c in text[:200_000] if not c.isascii()]
    alien = sum(1 for c in sample if _ALIEN.match(c))
    if alien >= 5 and alien >= 0.1 * len(sample):
        return {"encoding": encoding.upper(), "share": f"{100 * alien / len(sample):.0f}%"}
    return None


def cell_text(value, number_format: str | None = None) -> str | None:
    """One stored cell value as text, without guessing (``None`` for a blank).

    Integral floats lose their ``.0`` (Excel stores every number as a float); other floats keep 15 significant
    digits, what Excel itself shows.  A number formatted ``000000`` in Excel is a code typed as a number: its
    zero padding is restored, because that is what the official sees.
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, np.bool_)):
        return "TRUE" if value else "FALSE"
    if isinstance(value, numbers.Integral):
        text = str(int(value))
    elif isinstance(value, (float, np.floating)):
        value = float(value)
        if math.isnan(value):
            return None
        text = str(int(value)) if value.is_integer() and abs(value) < 1e15 else format(value, ".15g")
    elif isinstance(value, Decimal):
        return str(value)
    elif isinstance(value, dt.datetime):
        if value.time() == dt.time(0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    elif isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    elif isinstance(value, bytes):
        return value.hex()
    else:
        return str(value)
    if number_format and _ZERO_FORMAT.match(number_format) and not text.startswith("-"):
        text = text.zfill(len(number_format))
    return text


def series_text(values: pd.Series) -> pd.Series:
    """A column as the nullable ``string`` dtype, each value converted by :func:`cell_text`."""
    if isinstance(values.dtype, pd.StringDtype):
        return values.astype("string")
    if pd.api.types.is_datetime64_any_dtype(values):
        values = values.astype(object).where(values.notna(), None)
    converted = [cell_text(v) for v in values.astype(object).tolist()]
    return pd.Series(converted, index=values.index, dtype="string", name=values.name)


def unmangle(text: str) -> str | None:
    """The intended text if ``text`` is mojibake, else ``None``.

    Two kinds are recognised: GBK or UTF-8 bytes shown as Latin-1/cp1252 (``ÓñÏª`` → 玉溪, the classic result of a
    ``.dbf`` read without its code page) and UTF-8 bytes shown as GBK (``鐜夋邯`` → 玉溪).  The repaired text must
    contain Chinese characters, which keeps real accented Latin text (``Café``) from being flagged.
    """
    if len(_HIGH_LATIN.findall(text)) >= 2:
        for shown_as in ("cp1252", "latin-1"):
            try:
                raw = text.encode(shown_as)
            except UnicodeEncodeError:
                continue
            for real in AUTO_ENCODINGS:
                try:
                    fixed = raw.decode(real)
                except UnicodeDecodeError:
                    continue
                if _CJK.search(fixed):
                    return fixed
    if _CJK.search(text):
        try:
            fixed = text.encode("gbk").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            return None
        if fixed != text and len(fixed) < len(text) and _CJK.search(fixed):
            return fixed
    return None


def _all_ascii(values: pd.Series) -> bool:
    """Whether every value of an Arrow-backed text column is ASCII (checked in Arrow; ``False`` if unsure)."""
    dtype = values.dtype
    if getattr(dtype, "storage", None) != "pyarrow" and not isinstance(dtype, pd.ArrowDtype):
        return False
    try:
        array = pa.array(values, from_pandas=True)
        if not pa.types.is_string(array.type) and not pa.types.is_large_string(array.type):
            return False
        return bool(pc.all(pc.string_is_ascii(array)).as_py() in (True, None))
    except (pa.ArrowException, TypeError, ValueError):
        return False


def scan_garbled(frame: pd.DataFrame, row_numbers) -> list[tuple[str, dict]]:
    """Warnings for mojibake and U+FFFD replacement characters in headers and text cells.

    Parameters
    ----------
    frame
        Attribute columns as text.
    row_numbers
        Source row number (CSV line / sheet row / feature number) of each frame row, for the message.

    Returns
    -------
    list of (key, params)
        ``warning.upload.mojibake_header``, ``warning.upload.mojibake`` and ``warning.upload.replacement_char``,
        each with the first example and a count.
    """
    warnings: list[tuple[str, dict]] = []
    headers = [str(c) for c in frame.columns if c != "geometry"]
    bad_headers = [(h, f) for h in headers if (f := unmangle(h))]
    if bad_headers:
        warnings.append(("warning.upload.mojibake_header",
                         {"columns": ", ".join(h for h, _ in bad_headers[:10]),
                          "suggestion": ", ".join(f for _, f in bad_headers[:10])}))
    found: dict[str, dict | None] = {"mojibake": None, "fffd": None}
    counts = {"mojibake": 0, "fffd": 0}
    for column in headers:
        values = frame[column]
        if not (isinstance(values.dtype, pd.StringDtype) or values.dtype == object):
            continue
        if _all_ascii(values):
            continue  # codes, numbers, dates: nothing to unmangle
        # Distinct values only, and ASCII skipped at C speed: ledgers repeat the same names many times.
        fixes: dict[str, str] = {}
        fffd: list[str] = []
        for value in values.unique().tolist():  # a missing value is not a str: skipped below
            if not isinstance(value, str) or value.isascii():
                continue
            if "\ufffd" in value:
                fffd.append(value)
            elif _SUSPECT.search(value) and (fixed := unmangle(value)):
                fixes[value] = fixed
        for kind, bad in (("mojibake", list(fixes)), ("fffd", fffd)):
            if not bad:
                continue
            hit = values.isin(bad).fillna(False).to_numpy(dtype=bool)
            counts[kind] += int(hit.sum())
            if found[kind] is None:
                first = int(np.flatnonzero(hit)[0])
                value = str(values.iloc[first])
                found[kind] = {"column": column, "row": int(row_numbers[first])}
                if kind == "mojibake":
                    found[kind] |= {"value": value[:60], "suggestion": fixes[value][:60]}
    if found["mojibake"]:
        warnings.append(("warning.upload.mojibake", {"count": counts["mojibake"], **found["mojibake"]}))
    if found["fffd"]:
        warnings.append(("warning.upload.replacement_char", {"count": counts["fffd"], **found["fffd"]}))
    return warnings
