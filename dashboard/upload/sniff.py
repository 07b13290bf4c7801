"""What an upload really is, decided by its content, and whether its name agrees.

The extension of the uploaded file name is a claim, not a fact: officials rename files (``.xls`` that is an
HTML table, ``.csv`` that is a screenshot), so the kind comes from magic numbers and structure, and a name that
claims something else is a clear error rather than a confusing parse failure later.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from dashboard.errors import UserError
from dashboard.upload.archive import open_zip
from dashboard.upload.limits import DEFAULT_LIMITS, Limits

#: Kinds we read.
READABLE_KINDS = frozenset({"csv", "xlsx", "shapefile_zip", "parquet", "geojson", "gpkg", "kml"})

#: Language-neutral format names used in messages (they are the same in Chinese and English UIs).
KIND_LABELS = {
    "csv": "CSV",
    "xlsx": "Excel (XLSX)",
    "shapefile_zip": "Shapefile (ZIP)",
    "zip": "ZIP",
    "parquet": "Parquet/GeoParquet",
    "geojson": "GeoJSON",
    "json": "JSON",
    "gpkg": "GeoPackage",
    "kml": "KML",
    "sqlite": "SQLite",
    "shp": "Shapefile (.shp)",
    "xls": "Excel 97-2003 (XLS)",
    "html": "HTML",
    "xml": "XML",
    "png": "PNG",
    "jpeg": "JPEG",
    "gif": "GIF",
    "pdf": "PDF",
    "gzip": "GZIP",
    "7z": "7-Zip",
    "rar": "RAR",
    "binary": "binary",
}

#: Extension → kinds its content may have.  An extension not listed claims nothing.
EXTENSION_KINDS = {
    ".csv": {"csv"},
    ".txt": {"csv"},
    ".tsv": {"csv"},
    ".xlsx": {"xlsx"},
    ".xlsm": {"xlsx"},
    ".zip": {"shapefile_zip", "zip"},
    ".parquet": {"parquet"},
    ".geoparquet": {"parquet"},
    ".geojson": {"geojson"},
    ".json": {"geojson", "json"},
    ".gpkg": {"gpkg", "sqlite"},
    ".shp": {"shp"},
    ".kml": {"kml"},
    ".xls": {"xls"},
    ".png": {"png"},
    ".jpg": {"jpeg"},
    ".jpeg": {"jpeg"},
    ".gif": {"gif"},
    ".pdf": {"pdf"},
    ".gz": {"gzip"},
    ".7z": {"7z"},
    ".rar": {"rar"},
    ".html": {"html"},
    ".htm": {"html"},
    ".xml": {"xml"},
}

_MAGICS = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"%PDF-", "pdf"),
    (b"\x1f\x8b", "gzip"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"Rar!\x1a\x07", "rar"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "xls"),  # OLE2 compound file: Excel 97-2003
)

_TEXT_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
_HEAD = 64 * 1024
_GPKG_APPLICATION_IDS = (b"GPKG", b"GP10", b"GP11")
_SHP_FILE_CODE = 9994


@dataclass(frozen=True)
class Sniffed:
    """The detected kind of an upload and what was learnt on the way (zip entry names, GeoPackage flag)."""

    kind: str
    entries: tuple[str, ...] = field(default=())

    @property
    def label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


def _zip_kind(path: Path, limits: Limits) -> Sniffed:
    with open_zip(path, limits, allow_nested=True) as (_, entries):
        names = tuple(e.name for e in entries if not e.is_dir)
    lowered = {n.replace("\\", "/").lower() for n in names}
    if "[content_types].xml" in lowered and "xl/workbook.xml" in lowered:
        return Sniffed("xlsx", names)
    if any(PurePosixPath(n).suffix == ".shp" for n in lowered):
        return Sniffed("shapefile_zip", names)
    return Sniffed("zip", names)


def _json_kind(head: bytes) -> str:
    text = head.decode("utf-8", errors="ignore").lstrip("\ufeff \t\r\n")
    # A full parse would need the whole file; the GeoJSON members show up in the first bytes of any real file.
    probe = re.sub(r"\s+", "", text[:_HEAD])
    if any(f'"type":"{t}"' in probe for t in ("FeatureCollection", "Feature")) or '"features":' in probe:
        return "geojson"
    return "json"


def sniff_bytes(head: bytes) -> str:
    """Kind of a file from its first bytes (no zip inspection): one of :data:`KIND_LABELS`'s keys."""
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"SQLite format 3\x00"):
        return "gpkg" if head[68:72] in _GPKG_APPLICATION_IDS else "sqlite"
    if len(head) >= 4 and struct.unpack(">i", head[:4])[0] == _SHP_FILE_CODE:
        return "shp"
    for magic, kind in _MAGICS:
        if head.startswith(magic):
            return kind
    if head.startswith(_TEXT_BOMS[1:]):
        return "csv"  # UTF-16 text: Excel's "Unicode text" export
    body = head[3:] if head.startswith(_TEXT_BOMS[0]) else head
    if b"\x00" in body[:8192]:
        return "binary"
    stripped = body.lstrip(b" \t\r\n")
    lowered = stripped[:512].lower()
    if lowered.startswith((b"<!doctype html", b"<html", b"<table", b"<meta")):
        return "html"  # what many government systems export as ".xls"
    if lowered.startswith(b"<kml") or (lowered.startswith(b"<?xml") and b"<kml" in body[:4096].lower()):
        return "kml"  # Google Earth / 奥维 footprints: KML's root element follows the XML declaration
    if lowered.startswith(b"<?xml"):
        return "xml"
    if stripped.startswith((b"{", b"[")):
        return _json_kind(body)
    return "csv"


def sniff(path: str | Path, limits: Limits = DEFAULT_LIMITS) -> Sniffed:
    """Detect the kind of the file at ``path`` by content.

    Zip files are told apart by their entries: an xlsx has ``[Content_Types].xml`` and ``xl/workbook.xml``, a
    zipped shapefile has a ``.shp``; anything else is a plain ``zip`` (not readable).

    Raises
    ------
    UserError
        ``error.upload.zip_corrupt`` or an unsafe-zip key when a zip cannot be listed safely.
    """
    path = Path(path)
    with open(path, "rb") as fh:
        head = fh.read(_HEAD)
    kind = sniff_bytes(head)
    if kind == "zip":
        return _zip_kind(path, limits)
    return Sniffed(kind)


def claimed_suffix(original_name: str) -> str:
    """The lower-case extension of the name the user gave (only ever used as a string, never as a path)."""
    base = original_name.replace("\\", "/").rsplit("/", 1)[-1]
    return PurePosixPath(base).suffix.lower() if "." in base.strip(".") else ""


def check_kind(sniffed: Sniffed, original_name: str) -> None:
    """Raise if the name claims another kind than the content, or if the kind is not one we read.

    Raises
    ------
    UserError
        ``error.upload.type_mismatch`` (name vs content), ``error.upload.xls_unsupported``,
        ``error.upload.bare_shapefile``, ``error.upload.zip_no_data``, ``error.upload.json_not_geojson``,
        ``error.upload.not_geopackage`` or ``error.upload.unsupported_kind``.
    """
    suffix = claimed_suffix(original_name)
    claimed = EXTENSION_KINDS.get(suffix)
    if claimed is not None and sniffed.kind not in claimed:
        raise UserError("error.upload.type_mismatch", name=original_name, claimed=suffix, detected=sniffed.label)
    if sniffed.kind in READABLE_KINDS:
        return
    specific = {
        "xls": "error.upload.xls_unsupported",
        "shp": "error.upload.bare_shapefile",
        "json": "error.upload.json_not_geojson",
        "sqlite": "error.upload.not_geopackage",
    }
    if sniffed.kind == "zip":
        shown = ", ".join(sniffed.entries[:10]) + (" …" if len(sniffed.entries) > 10 else "")
        raise UserError("error.upload.zip_no_data", name=original_name, entries=shown or "—")
    raise UserError(specific.get(sniffed.kind, "error.upload.unsupported_kind"), name=original_name,
                    detected=sniffed.label)


