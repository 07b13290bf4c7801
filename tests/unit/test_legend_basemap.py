"""Map legends (escaped HTML) and the optional basemap configuration."""

import json

import pytest

from dashboard import basemap
from dashboard.legend import LegendGroup, LegendItem, landuse_legend, legend_html
from dashboard.reference import landuse_classes

XSS = "<img src=x onerror=alert(1)>"


def test_landuse_legend_groups_classes_in_table_order_with_standard_colours():
    groups = landuse_legend(["0101", "0301", "0103"])
    assert [g.title for g in groups] == ["耕地", "林地"]
    assert [i.label for i in groups[0].items] == ["水田 0101", "旱地 0103"]
    assert groups[0].items[0].rgb == (0xF8, 0xD0, 0x72)
    assert sum(len(g.items) for g in landuse_legend()) == len(landuse_classes())
    assert landuse_legend(["0101"], "en")[0].title == "Cultivated land"


def test_english_legend_names_every_class_in_english():
    """An English page shows English class names: every class in the reference table has one, in ASCII."""
    classes = landuse_classes()
    assert (classes["dlmc_en"].str.strip() != "").all()
    assert classes["dlmc_en"].map(str.isascii).all()
    labels = [item.label for group in landuse_legend(lang="en") for item in group.items]
    assert len(labels) == len(classes) and all(label.isascii() for label in labels)
    groups = landuse_legend(["0101", "05H1"], "en")
    assert [i.label for g in groups for i in g.items] == ["Paddy field 0101", "Commercial and business service land 05H1"]


def test_legend_html_escapes_every_text():
    text = legend_html([LegendGroup(XSS, (LegendItem(XSS, (1, 2, 3)),))])
    assert "<img" not in text and "&lt;img src=x onerror=alert(1)&gt;" in text
    assert "rgb(1,2,3)" in text
    assert "font-size:18px" in legend_html([], large=True)


def test_no_config_means_no_basemap(tmp_path):
    assert basemap.load_basemap(tmp_path / "missing.toml") is None
    (tmp_path / "d.toml").write_text("[map]\n", encoding="utf-8")
    assert basemap.load_basemap(tmp_path / "d.toml") is None
    assert basemap.basemap_style_url(None) is None
    assert basemap.display_datum(None) == "wgs84"


def test_configured_basemap_becomes_a_local_style(tmp_path):
    config = tmp_path / "d.toml"
    config.write_text('[map]\nbasemap_url = "http://tiles.intranet/{z}/{x}/{y}.png"\nbasemap_datum = "gcj02"\n'
                      'basemap_attribution = "本单位"\n', encoding="utf-8")
    chosen = basemap.load_basemap(config)
    assert chosen.datum == "gcj02" and basemap.display_datum(chosen) == "gcj02"
    url = basemap.basemap_style_url(chosen, tmp_path / "generated")
    assert url.startswith("/app/static/generated/basemap-") and url.endswith(".json")
    style = json.loads((tmp_path / "generated" / url.rsplit("/", 1)[1]).read_text(encoding="utf-8"))
    assert style["sources"]["basemap"]["tiles"] == ["http://tiles.intranet/{z}/{x}/{y}.png"]
    assert "glyphs" not in style and "sprite" not in style  # nothing else is fetched


@pytest.mark.parametrize(
    "body",
    ['basemap_url = "http://tiles/{z}/{x}.png"', 'basemap_url = "http://t/{z}/{x}/{y}.png"\nbasemap_datum = "bd09"'],
)
def test_unusable_basemap_config_is_refused(tmp_path, body):
    (tmp_path / "d.toml").write_text(f"[map]\n{body}\n", encoding="utf-8")
    with pytest.raises(ValueError):
        basemap.load_basemap(tmp_path / "d.toml")
