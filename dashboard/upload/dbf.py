"""The text encoding of a shapefile's ``.dbf``, decided from its bytes.

Without a ``.cpg`` GDAL reads ``.dbf`` text as ISO-8859-1, which turns GBK ``玉溪`` into ``ÓñÏª``.  Shapefiles
from Chinese desktop GIS are GBK far more often than not, and rarely ship a ``.cpg``.  So we read the raw bytes
of the field names and character fields ourselves and decode them strictly — the ``.cpg``'s encoding first
when there is one, then UTF-8, then GB18030 — and tell the reader which one worked.
"""

from __future__ import annotations

import codecs
from pathlib import Path

import numpy as np

from dashboard.errors import UserError
from dashboard.upload.text import AUTO_ENCODINGS, codec_name

#: ``.cpg`` spellings → Python codecs.  GB2312 and GBK become GB18030: it decodes every valid GB2312/GBK byte
#: sequence identically, and writers that say "GB2312" routinely store GBK-only characters (e.g. 堃, 镕).
CPG_ALIASES = {
    "utf8": "utf-8",
    "utf-8": "utf-8",
    "65001": "utf-8",
    "gbk": "gb18030",
    "gb2312": "gb18030",
    "936": "gb18030",
    "cp936": "gb18030",
    "ansi 936": "gb18030",
    "gb18030": "gb18030",
    "54936": "gb18030",
}


def cpg_encoding(text: str) -> str | None:
    """The Python codec a ``.cpg`` names, or ``None`` when it names nothing we know."""
    key = text.strip().lower()
    if not key:
        return None
    if key in CPG_ALIASES:
        return CPG_ALIASES[key]
    if key.isdigit():
        key = f"cp{key}"
    try:
        return codec_name(key)
    except UserError:
        return None


def _text_fields(path: Path) -> tuple[list[tuple[str, bytes, bool]], list[tuple[int, str, bytes, bool]]]:
    """Non-ASCII field names ``(shown, bytes, full)`` and character values ``(record, field, bytes, full)``.

    ``full``: the bytes fill their slot (10 bytes for a name, the width for a value), so a tool may have cut a
    character at the end.
    """
    data = np.fromfile(path, dtype=np.uint8)
    if len(data) < 33:
        return [], []
    raw = data.tobytes()
    n_records = int.from_bytes(raw[4:8], "little")
    header_len = int.from_bytes(raw[8:10], "little")
    record_len = int.from_bytes(raw[10:12], "little")
    fields = []
    offset = 1  # each record starts with its deletion flag
    for pos in range(32, min(header_len, len(raw)) - 31, 32):
        if raw[pos] == 0x0D:
            break
        desc = raw[pos: pos + 32]
        name = desc[:11].split(b"\0", 1)[0]
        kind, length = chr(desc[11]), desc[16]
        if kind == "C" and desc[17]:
            length += desc[17] << 8  # Clipper/FoxPro store long character widths in the decimals byte
        fields.append((name, kind, offset, length))
        offset += length
    names = [(name.decode("latin-1"), name, len(name) >= 10) for name, *_ in fields if not name.isascii()]
    if record_len <= 0 or header_len >= len(raw):
        return names, []
    n_records = min(n_records, (len(raw) - header_len) // record_len)
    table = data[header_len: header_len + n_records * record_len].reshape(n_records, record_len)
    values = []
    for name, kind, start, length in fields:
        if kind != "C" or start + length > record_len:
            continue
        column = table[:, start: start + length]
        # Only rows with a byte >= 0x80 can fail to decode; ASCII rows are skipped without a Python loop.
        for record in np.flatnonzero(column.max(axis=1) >= 0x80):
            raw = column[record].tobytes()
            value = raw.rstrip(b" \0")
            values.append((int(record) + 1, name.decode("latin-1"), value, len(value) == len(raw)))
    return names, values


def decode_text(raw: bytes, encoding: str, may_be_cut: bool = True) -> tuple[str, bool]:
    """Decode one field name or value strictly, tolerating only a character cut off at the end.

    dBase stores field names in 10 bytes and values in their field's width, and GIS tools cut at the byte
    limit, splitting a multibyte character (``地块编号`` in UTF-8 is 12 bytes and becomes ``地块编`` plus two
    stray bytes).  A dangling partial character at the very end is dropped and reported; an invalid byte
    anywhere else still fails, and so does a partial character when ``may_be_cut`` is false (the value did not
    fill its field, so nothing was cut).

    Returns
    -------
    (text, truncated)

    Raises
    ------
    UnicodeDecodeError
        If ``raw`` is not ``encoding`` text.
    """
    try:
        return raw.decode(encoding), False
    except UnicodeDecodeError as exc:
        # A character is at most 4 bytes, so a cut one leaves at most 3 bytes at the end.
        if not may_be_cut or len(raw) - exc.start > 3 or not _cut_off(raw[exc.start:], encoding):
            raise
        return raw[: exc.start].decode(encoding), True


def _cut_off(tail: bytes, encoding: str) -> bool:
    """Whether ``tail`` is the beginning of a valid character (cut off), not an invalid byte sequence."""
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        return decoder.decode(tail, final=False) == ""
    except UnicodeDecodeError:
        return False


def detect_dbf_encoding(path: str | Path, preferred: list[str] | None = None) -> str:
    """The first encoding that decodes every field name and character value of the ``.dbf`` strictly.

    Parameters
    ----------
    path
        The ``.dbf`` file.
    preferred
        Encodings to try before UTF-8 and GB18030 (the user's choice, the ``.cpg``).

    Returns
    -------
    str
        A Python codec name (``utf-8`` for an all-ASCII file).

    Raises
    ------
    UserError
        ``error.upload.dbf_undecodable`` naming the first record and field no encoding could decode (record 0
        means a field name).
    """
    names, values = _text_fields(Path(path))
    tried = list(dict.fromkeys([*(preferred or []), *AUTO_ENCODINGS]))
    failure = (0, "-")
    for encoding in tried:
        try:
            for shown, raw, full in names:
                failure = (0, shown)
                decode_text(raw, encoding, full)
            for record, field, raw, full in values:
                failure = (record, field)
                decode_text(raw, encoding, full)
        except UnicodeDecodeError:
            continue
        return encoding
    record, field = failure
    try:
        field = field.encode("latin-1").decode("gb18030")
    except UnicodeError:
        pass
    raise UserError("error.upload.dbf_undecodable", record=record, field=field,
                    tried=", ".join(e.upper() for e in tried))
