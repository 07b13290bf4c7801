"""Safety limits for uploads, enforced server-side on the bytes we received (never on what the browser says)."""

from __future__ import annotations

from dataclasses import dataclass

MIB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Size and archive limits applied to every upload.

    Parameters
    ----------
    max_upload_bytes
        Largest accepted upload (default 200 MB).  Streamlit's ``server.maxUploadSize`` is only a client-side
        convenience; this is the check that counts.
    max_unpacked_bytes
        Largest total decompressed size of a zip (shapefile archive or xlsx) or of a parquet file's column
        chunks (default 1 GB).
    max_ratio
        Largest decompressed/compressed ratio of one zip entry (default 100:1) — the zip-bomb signature.
    ratio_min_bytes
        Entries smaller than this (default 1 MB) are exempt from the ratio rule: they cannot be a bomb (the
        total limit bounds them) and small padded ``.dbf``/``.cpg`` members legitimately compress far better
        than 100:1.
    max_entries
        Largest number of entries in a zip (default 1000).
    max_header_scan_rows
        How many leading rows are searched for the header row under title rows.
    """

    max_upload_bytes: int = 200 * MIB
    max_unpacked_bytes: int = 1024 * MIB
    max_ratio: float = 100.0
    ratio_min_bytes: int = 1 * MIB
    max_entries: int = 1000
    max_header_scan_rows: int = 30


def megabytes(size: int) -> str:
    """``size`` bytes as a short MB figure for messages (``"212.4"``)."""
    return f"{size / MIB:.1f}"


#: The defaults, shared (the dataclass is frozen).
DEFAULT_LIMITS = Limits()
