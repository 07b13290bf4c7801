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


#: English texts that keep Chinese on purpose: a term of art glossed for readers of Chinese documents, header
#: names and date forms an upload may use, and the language switch itself.
ENGLISH_KEEPS_CHINESE = {
    "parks_panel.standard.heading",  # 标准地: the policy's name for land supplied with preset controls
    "site_check.error.no_coordinate_columns",  # 经度/纬度: column names the uploaded table may have
    "validate.bad_date",  # 2024年3月1日: a date form the reader accepts
    "sidebar.language",  # 语言 / Language
}
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def test_english_texts_are_english():
    """No Chinese words or full-width punctuation in an English text, except the few kept on purpose."""
    chinese = sorted(k for k, v in catalog("en").items() if CJK.search(v) and k not in ENGLISH_KEEPS_CHINESE)
    assert not chinese, chinese


def test_one_english_spelling_of_yuan():
    """万元 is "10k yuan" and 亿元 "100 million yuan" (or "100M yuan" in a compound unit) everywhere in English."""
    english = catalog("en").values()
    assert not [text for text in english if "CNY" in text or "RMB" in text]
    assert t("arable_panel.unit.wan", "en") == t("overview_panel.unit.wan", "en") == "10k yuan"
    assert t("evaluation_panel.unit.wan_per_mu", "en") == t("overview_panel.unit.wan_per_mu", "en") == "10k yuan/mu"
