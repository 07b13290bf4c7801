"""Number formatting shared by the panel tables: thousands separators, fixed decimals and "—" for undefined."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd


def number_display(frame: pd.DataFrame, whole: Callable[[str], bool] = lambda column: False,
                   ) -> tuple[pd.DataFrame, dict[str, str]]:
    """``frame`` made ready to show, and a printf number format per float column.

    Float columns get thousands separators and two decimals; columns for which ``whole(column)`` holds (counts in
    whole 公斤, say) none.  A float column with undefined values is turned into text with "—" there, since a table
    cell would otherwise read "None".  Returns the display frame and ``{column: format}``, with ``"text"`` for
    the converted columns.  Downloads use the raw frame.
    """
    shown, formats = frame.copy(), {}
    for column in frame.columns:
        if not pd.api.types.is_float_dtype(frame[column]):
            continue
        digits = 0 if whole(str(column)) else 2
        if frame[column].isna().any():
            shown[column] = ["—" if pd.isna(v) else f"{v:,.{digits}f}" for v in frame[column]]
            formats[column] = "text"
        else:
            formats[column] = f"%,.{digits}f"
    return shown, formats
