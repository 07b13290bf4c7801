"""Documentation generated from the declarations, so docs and code cannot drift apart.

``python -m dashboard docs`` rewrites ``docs/DATA_CONTRACTS.md``; a test fails when the committed file differs
from what the contracts generate.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from dashboard.contracts import UNITS, Dataset, load_contracts
from dashboard.i18n import t

DOCS_DIR = Path(__file__).resolve().parents[1] / "docs"
CONTRACTS_DOC = DOCS_DIR / "DATA_CONTRACTS.md"


def _rule_text(col, lang: str) -> str:
    parts = []
    if col.choices:
        parts.append(" / ".join(col.choices))
    if col.pattern:
        parts.append(f"`{col.pattern}`")
    for attr, symbol in (("gt", ">"), ("min", "≥"), ("max", "≤")):
        value = getattr(col, attr)
        if value is not None:
            parts.append(f"{symbol} {value:g}")
    if col.derive_from:
        parts.append(t("contracts.derived", lang, source=col.derive_from["column"], n=col.derive_from["take"]))
    return "; ".join(parts)


def contract_table(dataset: Dataset, lang: str = "zh") -> pd.DataFrame:
    """One row per column: name, label, type, unit, required, rules and header aliases."""
    rows = []
    for col in dataset.columns:
        rows.append(
            {
                t("contracts.column", lang): col.name,
                t("contracts.label", lang): col.zh if lang == "zh" else col.en,
                t("contracts.type", lang): col.type,
                t("contracts.unit", lang): UNITS[col.unit][0 if lang == "zh" else 1] if col.unit else "",
                t("contracts.required", lang): "✔" if col.required else "",
                t("contracts.rules", lang): _rule_text(col, lang),
                t("contracts.aliases", lang): "、".join(col.aliases),
            }
        )
    return pd.DataFrame(rows)


def _markdown_table(frame: pd.DataFrame) -> str:
    def cell(value) -> str:
        return str(value).replace("|", "\\|")

    lines = ["| " + " | ".join(frame.columns) + " |", "|" + " --- |" * len(frame.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines)


def contracts_markdown(lang: str = "zh") -> str:
    """The data-contract reference as Markdown (generated; do not edit the output by hand)."""
    out = [
        f"# {t('contracts.doc_title', lang)}",
        "",
        t("contracts.doc_intro", lang),
        "",
    ]
    for name, dataset in load_contracts().items():
        geometry = t(f"contracts.geometry_{dataset.geometry}", lang)
        out += [
            f"## `{name}` — {dataset.title_zh} / {dataset.title_en}",
            "",
            t("contracts.doc_key", lang, columns=", ".join(f"`{k}`" for k in dataset.key), geometry=geometry),
            "",
            _markdown_table(contract_table(dataset, lang)),
            "",
        ]
    return "\n".join(out)


def write_contracts_doc(path: Path = CONTRACTS_DOC) -> Path:
    """Regenerate the contract reference file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(contracts_markdown(), encoding="utf-8")
    return path
