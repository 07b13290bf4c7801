"""Maps load every asset from the app's own static files.

Decision on URLs in rendered HTML: a rendered map may contain no http(s) URL that the browser would fetch.
Links inside attribution text (``<a href="https://...">`` in a tile layer's ``attr``) are tolerated because the
browser only follows them on a click; Leaflet's own "Leaflet" attribution link lives in leaflet.js, not in the
rendered HTML. ``local_folium_map`` has no tile layer by default, so its HTML has no URL at all.
"""

from __future__ import annotations

import re
from pathlib import Path

import branca.colormap
import folium
import folium.plugins
import pytest

from dashboard import offline
from tests.conftest import ROOT

VENDOR = ROOT / "static" / "vendor"

ALL_ASSETS = [
    *offline.folium_default_js(),
    *offline.folium_default_css(),
    *offline.draw_default_js(),
    *offline.draw_default_css(),
    ("mvt_worker", offline.MVT_WORKER_URL),
]

_URL = re.compile(r"""(?:https?:)?//[^\s"'<>()\\]+""", re.IGNORECASE)
# An anchor's href, possibly JSON-escaped inside a script (attribution strings are).
_ANCHOR_HREF = re.compile(
    r"""(?:<|\\u003c)a\s(?:(?!>|\\u003e).)*?href=\\?["'](?:https?:)?//[^"'\\]+\\?["']""", re.IGNORECASE
)


def fetched_urls(html: str) -> list[str]:
    """URLs in ``html`` a browser would fetch: every absolute URL except anchor hrefs and XML namespaces."""
    without_links = _ANCHOR_HREF.sub("", html)
    return [u for u in _URL.findall(without_links) if not u.startswith(("http://www.w3.org/", "//www.w3.org/"))]


def sample_map() -> folium.Map:
    m = offline.local_folium_map(location=[24.35, 102.54], zoom_start=9)
    folium.Marker([24.35, 102.54], icon=folium.Icon()).add_to(m)
    folium.Marker([24.4, 102.6], icon=folium.Icon(prefix="fa", icon="industry", angle=45)).add_to(m)
    folium.GeoJson(
        {"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"name": "玉溪"},
             "geometry": {"type": "Polygon", "coordinates": [[[102.5, 24.3], [102.6, 24.3], [102.6, 24.4], [102.5, 24.3]]]}},
        ]},
        tooltip=folium.GeoJsonTooltip(["name"]),
    ).add_to(m)
    offline.local_draw_plugin(export=False).add_to(m)
    return m


@pytest.mark.parametrize(("name", "url"), ALL_ASSETS, ids=[name for name, _ in ALL_ASSETS])
def test_every_asset_url_is_a_vendored_file(name, url):
    assert url.startswith(f"/{offline.STATIC_URL}/vendor/"), url
    path = offline.static_path(url)
    assert path.is_file(), f"{name}: {url} -> {path} missing (run `make vendor`)"
    assert path.stat().st_size > 0


def test_local_names_match_folium_defaults():
    # A folium upgrade that adds or renames an asset must be mirrored locally, or it would load from a CDN.
    assert [n for n, _ in offline.folium_default_js()] == [n for n, _ in folium.Map.default_js]
    assert [n for n, _ in offline.folium_default_css()] == [n for n, _ in folium.Map.default_css]
    assert [n for n, _ in offline.draw_default_js()] == [n for n, _ in folium.plugins.Draw.default_js]
    assert [n for n, _ in offline.draw_default_css()] == [n for n, _ in folium.plugins.Draw.default_css]


def test_defaults_are_set_on_instances_not_classes():
    cdn_js, cdn_css = list(folium.Map.default_js), list(folium.Map.default_css)
    m = offline.local_folium_map()
    offline.local_draw_plugin()
    assert m.default_js == offline.folium_default_js()
    assert folium.Map.default_js == cdn_js and folium.Map.default_css == cdn_css
    assert folium.Map().default_js == cdn_js
    assert all(url.startswith("https://") for _, url in folium.plugins.Draw.default_js)


def test_rendered_map_fetches_nothing_from_outside():
    html = sample_map().get_root().render()
    assert fetched_urls(html) == []
    for _, url in offline.folium_default_js() + offline.draw_default_js():
        assert f'src="{url}"' in html
    for _, url in offline.folium_default_css() + offline.draw_default_css():
        assert f'href="{url}"' in html


def test_attribution_links_are_tolerated_but_tile_urls_are_not():
    m = offline.local_folium_map()
    folium.TileLayer(
        tiles="/app/static/tiles/{z}/{x}/{y}.png", attr='&copy; <a href="https://example.org/">示例</a>'
    ).add_to(m)
    assert fetched_urls(m.get_root().render()) == []
    folium.TileLayer(tiles="https://tile.example.org/{z}/{x}/{y}.png", attr="x").add_to(m)
    assert fetched_urls(m.get_root().render()) == ["https://tile.example.org/{z}/{x}/{y}.png"]


def test_external_assets_of_a_local_map_is_empty():
    assert offline.external_assets(sample_map()) == []


@pytest.mark.parametrize(
    ("build", "expected_host"),
    [
        (lambda: folium.Map(), "cdn.jsdelivr.net"),
        (lambda: offline.local_folium_map(tiles="OpenStreetMap"), "tile.openstreetmap.org"),
        (lambda: offline.local_folium_map().add_child(folium.plugins.Draw()), "cdnjs.cloudflare.com"),
        (lambda: offline.local_folium_map().add_child(branca.colormap.LinearColormap(["red", "blue"])), "d3js.org"),
    ],
    ids=["cdn-map", "osm-tiles", "cdn-draw", "colormap-d3"],
)
def test_external_assets_reports_what_would_leave_the_machine(build, expected_host):
    assert any(expected_host in url for url in offline.external_assets(build()))


def test_mvt_load_options_point_at_the_vendored_worker():
    assert offline.mvt_load_options() == {"mvt": {"workerUrl": offline.MVT_WORKER_URL}}
    assert offline.static_path(offline.MVT_WORKER_URL).name == "mvt-worker.js"


def test_mvt_worker_matches_the_version_streamlit_requests():
    # deck.gl inside Streamlit builds the worker URL from the MVT loader's version; the vendored worker must be
    # that version, or a Streamlit upgrade would silently mix versions.
    import streamlit

    bundle_dir = Path(streamlit.__file__).parent / "static" / "static" / "js"
    bundles = list(bundle_dir.glob("DeckGlJsonChart.*.js"))
    assert bundles, f"no deck.gl bundle under {bundle_dir}"
    found = re.search(r"id:`mvt`,module:`mvt`.{0,400}?,(\w+)=`([\d.]+)`", bundles[0].read_text(encoding="utf-8"))
    assert found, "MVT loader definition not found in Streamlit's deck.gl bundle"
    readme = (VENDOR / "README.md").read_text(encoding="utf-8")
    assert f"| `@loaders.gl/mvt` | {found.group(2)} |" in readme


def css_references() -> list[tuple[str, str]]:
    refs = []
    for css in sorted(VENDOR.rglob("*.css")):
        for raw in re.findall(r"""url\(\s*["']?([^"')]+)["']?\s*\)""", css.read_text(encoding="utf-8")):
            if raw.startswith(("data:", "#")):
                continue
            refs.append((str(css.relative_to(VENDOR)), raw))
    return refs


@pytest.mark.parametrize(("css", "ref"), css_references())
def test_css_references_resolve_locally(css, ref):
    assert not _is_absolute(ref), f"{css} loads {ref} from outside"
    target = (VENDOR / css).parent / re.split(r"[?#]", ref)[0]
    if target.is_file():
        return
    # Font fallbacks (eot/ttf/svg/woff) are left out on purpose when a woff2 of the same font is shipped.
    assert target.suffix in {".eot", ".ttf", ".svg", ".woff"}, f"{css}: {ref} missing"
    assert target.with_suffix(".woff2").is_file(), f"{css}: {ref} missing and no woff2 beside it"


def _is_absolute(ref: str) -> bool:
    return bool(re.match(r"^([a-z]+:)?//", ref, re.IGNORECASE))


def test_vendor_folder_stays_small():
    total = sum(p.stat().st_size for p in VENDOR.rglob("*") if p.is_file())
    assert total < 2_500_000, f"static/vendor is {total} bytes"
    assert not list(VENDOR.rglob("*.map"))
