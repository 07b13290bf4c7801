"""Every UI string exists in every locale, with the same placeholders; every referenced key exists."""

import re
import string
from pathlib import Path

import pytest

from dashboard.i18n import LANGUAGES, catalog, t
from dashboard.navigation import PAGES, SECTION_ORDER

ROOT = Path(__file__).resolve().parents[2]


def fields(text):
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalogs_have_the_same_keys(lang):
    assert set(catalog(lang)) == set(catalog("zh"))


def test_placeholders_match_across_locales():
    for key, text in catalog("zh").items():
        for lang in LANGUAGES:
            assert fields(catalog(lang)[key]) == fields(text), key


def test_no_empty_messages():
    for lang in LANGUAGES:
        assert all(v.strip() for v in catalog(lang).values())


def test_every_key_used_in_code_exists():
    pattern = re.compile(r"""\bt\(\s*["']([a-z_]+\.[a-z0-9_.]+)["']""")
    used = set()
    for folder in ("app.py", "pages", "components", "dashboard"):
        for path in [ROOT / folder] if folder.endswith(".py") else (ROOT / folder).rglob("*.py"):
            used |= set(pattern.findall(path.read_text(encoding="utf-8")))
    used |= {spec.title_key for spec in PAGES} | {spec.section_key for spec in PAGES} | set(SECTION_ORDER)
    missing = sorted(k for k in used if k not in catalog("zh"))
    assert not missing, missing


def test_chinese_is_default_and_english_differs():
    assert t("page.overview") == "总览"
    assert t("page.overview", "en") == "Overview"
    assert t("page.overview", "xx") == "总览"


def test_url_paths_are_file_stems():
    """A new server routes its first request by file stem (legacy pages/ folder): deep links must match."""
    for spec in PAGES:
        assert spec.url_path == Path(spec.file).stem, spec
