"""Point folium, folium plugins and deck.gl at the browser assets the app serves itself.

folium, its plugins and deck.gl's vector-tile loader fetch their JavaScript and CSS from public CDNs by default.
The app runs without the internet, so the same files are vendored under ``static/vendor/`` (see
``static/vendor/README.md``; ``make vendor`` re-fetches them) and Streamlit serves that folder at
``/app/static/`` (``server.enableStaticServing = true`` in ``.streamlit/config.toml``).

The URLs are root-relative (``/app/static/vendor/...``). streamlit-folium renders a map inside a component
iframe served by the app itself (``/component/streamlit_folium.st_folium/index.html``) and adds the map's
``default_js`` / ``default_css`` there as ``<script src>`` / ``<link href>``; a root-relative URL resolves against
the app's origin in that iframe, a relative one would not. This assumes the default ``server.baseUrlPath`` ("").

Local assets are set on each instance (``m.default_js = ...``), never on the folium classes, so other code using
folium in the same process keeps folium's behaviour.

This module never imports streamlit, and imports folium and branca only when a folium map is built or checked:
the land-use page and the tile builder need only the paths and the MVT options, and folium costs seconds of a
cold start.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import folium
    import folium.plugins

#: Where Streamlit serves the project's ``static/`` folder, relative to the app's root URL.
STATIC_URL = "app/static"
#: The project's ``static/`` folder on disk.
STATIC_DIR = Path(__file__).resolve().parents[1] / "static"

_VENDOR = f"/{STATIC_URL}/vendor"

# Same names as folium 0.20's folium.Map.default_js / default_css, so an upgrade that adds or renames an asset
# shows up in tests/unit/test_offline.py instead of as a silent CDN request.
_FOLIUM_JS = (
    ("leaflet", "leaflet/leaflet.js"),
    ("jquery", "jquery/jquery.min.js"),
    ("bootstrap", "bootstrap/js/bootstrap.bundle.min.js"),
    ("awesome_markers", "leaflet.awesome-markers/leaflet.awesome-markers.js"),
)
_FOLIUM_CSS = (
    ("leaflet_css", "leaflet/leaflet.css"),
    ("bootstrap_css", "bootstrap/css/bootstrap.min.css"),
    ("glyphicons_css", "bootstrap3-glyphicons/css/bootstrap3-glyphicons.min.css"),
    ("awesome_markers_font_css", "fontawesome-free/css/all.min.css"),
    ("awesome_markers_css", "leaflet.awesome-markers/leaflet.awesome-markers.css"),
    ("awesome_rotate_css", "folium/leaflet.awesome.rotate.min.css"),
)
_DRAW_JS = (("leaflet_draw_js", "leaflet-draw/leaflet.draw.js"),)
_DRAW_CSS = (("leaflet_draw_css", "leaflet-draw/leaflet.draw.css"),)

#: The loaders.gl MVT worker that deck.gl's ``MVTLayer`` would otherwise fetch from unpkg. Version 4.4.3 is the
#: one the MVT loader in Streamlit 1.67's deck.gl bundle reports; pass it with :func:`mvt_load_options`.
MVT_WORKER_URL = f"{_VENDOR}/loaders.gl-mvt/mvt-worker.js"



@cache
def _st_folium_colormap_js() -> tuple[str, ...]:
    """The d3 scripts streamlit-folium adds itself for every branca ColorMap (folium.Choropleth adds one).

    They cannot be redirected, so such maps are reported by :func:`external_assets`.  The URLs are read from
    streamlit-folium's source file rather than copied here, so an upgrade that changes them is still caught;
    the file is read as text, not imported (importing it would import Streamlit into this pure package).
    """
    source = Path(importlib.util.find_spec("streamlit_folium").origin).read_text(encoding="utf-8")
    return tuple(dict.fromkeys(re.findall(r"[\"'](https?://[^\"']*d3[^\"']*\.js)[\"']", source)))


@cache
def _leaflet_image_path_class():
    """The folium element that sets ``L.Icon.Default.imagePath`` to the vendored Leaflet images.

    Leaflet finds its default marker images through leaflet.css; streamlit-folium adds the CSS after the map's
    script has run, so Leaflet falls back to the stylesheet URL minus its file name and a slash
    (``.../vendor/leafletmarker-icon.png``, a 404). Setting the path up front avoids that.  (A class built on
    first use, so that importing this module does not import folium.)
    """
    from branca.element import MacroElement
    from folium.template import Template

    class LeafletImagePath(MacroElement):
        _template = Template(
            """{% macro script(this, kwargs) %}L.Icon.Default.imagePath = {{ this.path|tojson }};{% endmacro %}"""
        )

        def __init__(self, path: str):
            super().__init__()
            self._name = "LeafletImagePath"
            self.path = path

    return LeafletImagePath


def vendor_url(relpath: str) -> str:
    """Return the URL the browser uses for ``static/vendor/<relpath>``."""
    return f"{_VENDOR}/{relpath}"


def static_path(url: str) -> Path:
    """Return the file under ``static/`` that a ``/app/static/...`` URL serves.

    Raises
    ------
    ValueError
        If ``url`` is not below ``/app/static/``.
    """
    prefix = f"/{STATIC_URL}/"
    if not url.startswith(prefix):
        raise ValueError(f"not an app static URL: {url!r}")
    return STATIC_DIR / url[len(prefix):]


def folium_default_js() -> list[tuple[str, str]]:
    """Local replacements for ``folium.Map.default_js``: ``(name, url)`` pairs with folium's names."""
    return [(name, vendor_url(path)) for name, path in _FOLIUM_JS]


def folium_default_css() -> list[tuple[str, str]]:
    """Local replacements for ``folium.Map.default_css``: ``(name, url)`` pairs with folium's names."""
    return [(name, vendor_url(path)) for name, path in _FOLIUM_CSS]


def draw_default_js() -> list[tuple[str, str]]:
    """Local replacements for ``folium.plugins.Draw.default_js``."""
    return [(name, vendor_url(path)) for name, path in _DRAW_JS]


def draw_default_css() -> list[tuple[str, str]]:
    """Local replacements for ``folium.plugins.Draw.default_css``."""
    return [(name, vendor_url(path)) for name, path in _DRAW_CSS]


def local_folium_map(**kwargs) -> folium.Map:
    """Build a ``folium.Map`` that loads Leaflet and its helpers from the app's own static files.

    Parameters
    ----------
    **kwargs
        Passed to ``folium.Map``. ``tiles`` defaults to ``None`` (no basemap) because folium's default,
        OpenStreetMap, is fetched from the internet; pass a tile layer served by the app to get one.

    Returns
    -------
    folium.Map
        The map, with ``default_js`` / ``default_css`` replaced on this instance only.
    """
    import folium

    kwargs.setdefault("tiles", None)
    m = folium.Map(**kwargs)
    m.default_js = folium_default_js()
    m.default_css = folium_default_css()
    # Added first so that it runs before any marker asks for the default icon.
    m.add_child(_leaflet_image_path_class()(vendor_url("leaflet/images/")))
    return m


def local_draw_plugin(**kwargs) -> folium.plugins.Draw:
    """Build a ``folium.plugins.Draw`` control whose Leaflet.draw assets come from the app's static files.

    Parameters
    ----------
    **kwargs
        Passed to ``folium.plugins.Draw``.
    """
    import folium.plugins

    draw = folium.plugins.Draw(**kwargs)
    draw.default_js = draw_default_js()
    draw.default_css = draw_default_css()
    return draw


def mvt_load_options() -> dict:
    """deck.gl ``loadOptions`` that make an ``MVTLayer`` start its parser worker from the app's static files.

    Use as ``pdk.Layer("MVTLayer", ..., load_options=mvt_load_options())``.
    """
    return {"mvt": {"workerUrl": MVT_WORKER_URL}}


def _walk(element) -> Iterator:
    yield element
    for child in getattr(element, "_children", {}).values():
        yield from _walk(child)


def _is_external(url: str) -> bool:
    return bool(re.match(r"^(https?:)?//", url, flags=re.IGNORECASE))


def external_assets(m: folium.Map) -> list[str]:
    """List every URL outside the app that rendering ``m`` with streamlit-folium would make the browser fetch.

    Looks at the assets of every element (``default_js`` / ``default_css``), tile layer URL templates and the
    d3 scripts streamlit-folium adds for branca colormaps. An empty list means the map works offline.
    """
    import branca.colormap
    import folium

    urls: list[str] = []
    for element in _walk(m):
        for _, url in [*getattr(element, "default_js", []), *getattr(element, "default_css", [])]:
            if _is_external(url):
                urls.append(url)
        if isinstance(element, folium.raster_layers.TileLayer) and _is_external(str(element.tiles)):
            urls.append(str(element.tiles))
        if isinstance(element, branca.colormap.ColorMap):
            urls.extend(_st_folium_colormap_js())
    return list(dict.fromkeys(urls))
