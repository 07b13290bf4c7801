"""Source texts as users read them: the policy documents by their titles, not by the project's seed numbers.

Profiles (``data/policy``), indicator declarations (``dashboard/indicators/*.toml``) and the published figures
(``data/reference``) cite their documents as ``seed 000`` … ``seed 004`` — the files in ``../shared/seeds/``, which
the tests read to check each quoted clause.  :func:`cite` turns such a text into what a page shows: each seed number
becomes the document's title (``data/reference/policy_documents.toml``), and references to the project's own design
notes (``DOMAIN.md §5``) are left out, keeping what they say.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from pathlib import Path

DOCUMENTS_TOML = Path(__file__).resolve().parents[1] / "data" / "reference" / "policy_documents.toml"
_SEED = re.compile(r"seed (\d{3})")
_DESIGN_NOTE = re.compile(r"DOMAIN(?:\.md)? §\d+(?:[,，、] ?§\d+)*")
_SEPARATORS = "；;，, "


@cache
def documents() -> dict[str, dict[str, str]]:
    """``{"seed 000": {"title": …, "name": …}, …}``."""
    with open(DOCUMENTS_TOML, "rb") as handle:
        return tomllib.load(handle)


def _seed_title(match: re.Match, text: str) -> tuple[str, int]:
    """The title for the seed number at ``match`` and where the text goes on (past a repeated document name)."""
    document = documents().get(f"seed {match.group(1)}")
    if document is None:
        return match.group(0), match.end()
    rest = match.end()
    after = text[rest:].lstrip(" ")
    for name in (f"《{document['name']}》", document["name"], *document.get("aliases", ())):
        if after.startswith(name):  # the text names the document again ("seed 002 合肥 一、(五)")
            rest = len(text) - len(after) + len(name)
            break
    return document["title"], rest


def _without_design_notes(text: str) -> str:
    """``DOMAIN.md §5（X）`` → ``X``; ``DOMAIN.md §5：X`` → ``X``; ``…；DOMAIN.md §7`` → ``…``."""
    out, position = [], 0
    for match in _DESIGN_NOTE.finditer(text):
        out.append(text[position:match.start()])
        position = match.end()
        if text.startswith("（", position):  # unwrap the parenthesis that says what the note says
            depth, end = 0, position
            for end in range(position, len(text)):
                depth += {"（": 1, "）": -1}.get(text[end], 0)
                if depth == 0:
                    break
            out.append(text[position + 1:end])
            position = end + 1
        elif text.startswith(("：", "；", ":", ";"), position):
            position += 1
    out.append(text[position:])
    joined = "".join(out)
    joined = re.sub(r"[；;]\s*[；;]", "；", joined)
    return joined.strip(_SEPARATORS)


def cite(text: str) -> str:
    """``text`` with each ``seed NNN`` replaced by its document's title and the design-note references left out.

    >>> cite("seed 000 三、(二)：前5年供地率")
    '《玉溪市加强用地要素保障措施机制研究》三、(二)：前5年供地率'
    """
    if not isinstance(text, str) or not text:
        return text
    out, position = [], 0
    for match in _SEED.finditer(text):
        before = text[position:match.start()]
        if before.endswith(" ") and len(before) > 1 and not before[-2].isascii():
            before = before[:-1]  # "取 seed 002" → "取《…》"
        out.append(before)
        title, position = _seed_title(match, text)
        out.append(title)
        if text.startswith(" ", position) and not text[position + 1:position + 2].isascii():
            position += 1  # "seed 000 三、(二)" → "《…》三、(二)"
    out.append(text[position:])
    return _without_design_notes("".join(out))
