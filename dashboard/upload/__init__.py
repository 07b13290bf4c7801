"""Analyst data upload: read any file an official sends, safely, into an all-text frame (issue 4).

Pure Python (never imports Streamlit).  The entry point is :func:`read_upload`; the CRS and geometry doctors
are usable on their own.  Message texts of the ``error.upload.*``, ``warning.upload.*`` and
``upload.crs_reason.*`` keys are in ``locales/modules/upload.toml``, which dashboard.i18n loads with the
locale catalogs.
"""

from dashboard.upload.crs import CrsReport, describe, detect_crs, to_lonlat
from dashboard.upload.geometry import GeometryReport, inspect_geometry, repair_geometry
from dashboard.upload.limits import Limits
from dashboard.upload.readers import Upload, read_csv_bytes, read_upload
from dashboard.upload.sniff import Sniffed, sniff

__all__ = [
    "CrsReport",
    "GeometryReport",
    "Limits",
    "Sniffed",
    "Upload",
    "describe",
    "detect_crs",
    "inspect_geometry",
    "read_csv_bytes",
    "read_upload",
    "repair_geometry",
    "sniff",
    "to_lonlat",
]
