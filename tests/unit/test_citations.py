"""Source texts as users read them: documents by title, never the project's seed numbers, design-note references
or internal identifiers."""

from __future__ import annotations

import re
import tomllib

import pytest

from dashboard.citations import cite, documents
from tests.conftest import ROOT

SEEDS = ROOT.parent / "shared" / "seeds"


def _sources(node, key=""):
    if isinstance(node, dict):
        for name, value in node.items():
            yield from _sources(value, name)
    elif isinstance(node, str) and key.endswith("source"):
        yield node


def _every_source_text() -> list[str]:
    files = [*ROOT.glob("data/policy/*.toml"), *ROOT.glob("dashboard/indicators/*.toml"),
             ROOT / "data" / "reference" / "yuxi_published_figures.toml"]
    texts = []
    for path in files:
        with open(path, "rb") as handle:
            texts += list(_sources(tomllib.load(handle)))
    return texts


@pytest.mark.parametrize(("raw", "shown"), [
    ("seed 000 三、(二)：前5年供地率", "《玉溪市加强用地要素保障措施机制研究》三、(二)：前5年供地率"),
    ("玉溪未公布；取 seed 002 合肥 一、(二)：到2025年底", "玉溪未公布；取《合肥市土地节约集约利用综合改革试点方案》一、(二)：到2025年底"),
    ("seed 001 江苏：到2020年", "《江苏省节约集约用地“双提升”行动计划》（苏国土资发〔2014〕238号）：到2020年"),
    ("DOMAIN.md §5；seed 000 三、(四) 园区", "《玉溪市加强用地要素保障措施机制研究》三、(四) 园区"),
    ("DOMAIN.md §5（浙江：A 前20%）；seed 004 （十）", "浙江：A 前20%；宁夏回族自治区自然资源厅《关于加强土地节约集约利用的若干措施》（十）"),
    ("seed 001 江苏：…以内；DOMAIN.md §7", "《江苏省节约集约用地“双提升”行动计划》（苏国土资发〔2014〕238号）：…以内"),
    ("《闲置土地处置办法》第十四条", "《闲置土地处置办法》第十四条"),
])
def test_cite(raw, shown):
    assert cite(raw) == shown


def test_every_shown_source_names_documents_not_seed_numbers_or_identifiers():
    texts = _every_source_text()
    assert len(texts) > 100
    for text in texts:
        shown = cite(text)
        assert "seed" not in shown and "DOMAIN" not in shown, (text, shown)
        assert not re.search(r"[a-z]+_[a-z0-9_]+", shown), (text, shown)  # parameter, indicator or file names
        assert not re.search(r"\.(csv|toml|py)\b", shown), (text, shown)


def test_every_document_is_a_seed_file():
    if not SEEDS.exists():
        pytest.skip("../shared/seeds is not beside the repository")
    for key, document in documents().items():
        number = key.split()[1]
        (path,) = SEEDS.glob(f"{number}_*.txt")
        head = re.sub(r"\s+", "", path.read_text(encoding="utf-8")[:600])
        # the seed file names its document (seed 002 is in traditional characters, and names only its subject)
        assert any(part in head for part in (document["name"][:6], *document.get("aliases", ()))), key
