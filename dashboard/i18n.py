"""Translation: every UI string is a key in the catalogs; Chinese is the default locale.

The app's own strings are in ``locales/<lang>.toml``.  Modules with many messages of their own (upload readers,
validation, the store) keep them in one bilingual file each, ``locales/modules/<module>.toml``, with a ``[zh]``
and an ``[en]`` table, so both languages of a message sit side by side.  Keys are dotted (``page.overview``);
values may contain ``str.format`` fields (``{count}``).  A test checks that every key exists in every locale
with the same fields.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

LOCALES_DIR = Path(__file__).with_name("locales")
MODULE_CATALOGS_DIR = LOCALES_DIR / "modules"
LANGUAGES = ("zh", "en")
DEFAULT_LANG = "zh"
LANGUAGE_NAMES = {"zh": "中文", "en": "English"}


def _flatten(table: dict, prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, full + "."))
        else:
            flat[full] = str(value)
    return flat


@cache
def catalog(lang: str) -> dict[str, str]:
    """All messages of ``lang`` as a flat ``{key: text}`` dict."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}")
    with open(LOCALES_DIR / f"{lang}.toml", "rb") as fh:
        messages = _flatten(tomllib.load(fh))
    for path in sorted(MODULE_CATALOGS_DIR.glob("*.toml")):
        module = module_catalog(path.stem, lang)
        clash = set(module) & set(messages)
        if clash:
            raise ValueError(f"{path.name} redefines {sorted(clash)[:5]}")
        messages.update(module)
    return messages


def module_catalog(name: str, lang: str) -> dict[str, str]:
    """The messages of one bilingual module catalog (``locales/modules/<name>.toml``) in ``lang``."""
    with open(MODULE_CATALOGS_DIR / f"{name}.toml", "rb") as fh:
        return _flatten(tomllib.load(fh).get(lang, {}))


def normalise_lang(lang: str | None) -> str:
    """A supported language code, falling back to the default for anything else."""
    return lang if lang in LANGUAGES else DEFAULT_LANG


def t(key: str, lang: str = DEFAULT_LANG, **params) -> str:
    """The message ``key`` in ``lang`` with ``params`` substituted.

    A missing key raises ``KeyError`` (the completeness test keeps catalogs whole, so this is a bug, not a
    user error).
    """
    text = catalog(normalise_lang(lang))[key]
    return text.format(**params) if params else text


def has_key(key: str) -> bool:
    """Whether ``key`` exists in the default catalog."""
    return key in catalog(DEFAULT_LANG)
