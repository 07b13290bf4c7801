"""A small vector-tile server for a PMTiles archive: ``python -m dashboard tileserver ARCHIVE``.

For layers too big for Streamlit's static file server (it refuses files over 200 MiB, and copying or serving
millions of small ``.pbf`` files is slow), ``python -m dashboard tiles --pmtiles landuse.pmtiles`` joins the
county tilesets into one archive and this server answers ``/{layer}/{z}/{x}/{y}.pbf`` from it:

- tiles are sent as stored, gzip-compressed, with ``Content-Encoding: gzip`` (the browser inflates them);
- ``Content-Type: application/vnd.mapbox-vector-tile``; a tile the archive lacks is ``204 No Content`` (an empty
  tile, as other PMTiles servers answer), an unknown path ``404``;
- CORS: ``Access-Control-Allow-Origin`` echoes the request's ``Origin`` when it is one of the allowed origins
  (the dashboard's, by default ``http://localhost:8501``), or ``*`` when ``*`` is allowed;
- ``/{layer}.json`` is a TileJSON description (bounds, zooms, the parcel zoom).

It binds to ``127.0.0.1`` unless told otherwise; on an intranet put it behind the site's web server or bind it
to the intranet address (``--host``), and set ``[map] landuse_tiles_url`` in ``dashboard.toml`` to its URL.
The archive is memory-mapped and read with the ``pmtiles`` package; requests are served by threads.
"""

from __future__ import annotations

import json
import mmap
import re
import sys
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from pmtiles.reader import Reader
from pmtiles.tile import Compression

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8600
DEFAULT_ORIGINS = ("http://localhost:8501", "http://127.0.0.1:8501")
MVT_CONTENT_TYPE = "application/vnd.mapbox-vector-tile"
_TILE_PATH = re.compile(r"^/(?P<layer>[A-Za-z0-9_.-]+)/(?P<z>\d{1,2})/(?P<x>\d{1,7})/(?P<y>\d{1,7})\.(?:pbf|mvt)$")
_TILEJSON_PATH = re.compile(r"^/(?P<layer>[A-Za-z0-9_.-]+)\.json$")


@dataclass
class Archive:
    """An open PMTiles archive: its header, metadata and a tile reader over a memory map."""

    path: Path
    reader: Reader
    header: dict
    metadata: dict
    _handle: object = field(repr=False, default=None)
    _map: mmap.mmap | None = field(repr=False, default=None)

    @classmethod
    def open(cls, path: Path) -> Archive:
        """Open ``path`` read-only (memory-mapped: pages are read when tiles are asked for)."""
        path = Path(path)
        handle = open(path, "rb")  # noqa: SIM115 - kept open for the archive's life, closed by close()
        mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        reader = Reader(lambda offset, length: mapped[offset:offset + length])
        return cls(path, reader, reader.header(), reader.metadata(), handle, mapped)

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        """The stored bytes of tile ``z/x/y`` (compressed as the archive says), ``None`` when absent."""
        if not (self.header["min_zoom"] <= z <= self.header["max_zoom"]) or not (0 <= x < 2**z and 0 <= y < 2**z):
            return None
        return self.reader.get(z, x, y)

    @property
    def gzipped(self) -> bool:
        """Whether the tiles are stored gzip-compressed."""
        return self.header["tile_compression"] == Compression.GZIP

    def tilejson(self, tiles_url: str) -> dict:
        """A TileJSON 3.0 description of the archive with ``tiles_url`` as its template."""
        h = self.header
        return {
            "tilejson": "3.0.0",
            "tiles": [tiles_url],
            "minzoom": h["min_zoom"],
            "maxzoom": h["max_zoom"],
            "bounds": [h["min_lon_e7"] / 1e7, h["min_lat_e7"] / 1e7, h["max_lon_e7"] / 1e7, h["max_lat_e7"] / 1e7],
            "vector_layers": self.metadata.get("vector_layers", []),
            "parcel_zoom": self.metadata.get("parcel_zoom"),
        }

    def close(self) -> None:
        """Release the memory map and the file."""
        if self._map is not None:
            self._map.close()
        if self._handle is not None:
            self._handle.close()


def make_server(archive: Path | Archive, *, layer: str | None = None, host: str = DEFAULT_HOST,
                port: int = DEFAULT_PORT, origins: tuple[str, ...] = DEFAULT_ORIGINS) -> ThreadingHTTPServer:
    """An HTTP server (not yet serving: call ``serve_forever``) answering ``/{layer}/{z}/{x}/{y}.pbf`` from the
    archive; ``layer`` defaults to the archive's file name without ``.pmtiles``; ``port=0`` picks a free port
    (``server.server_address`` says which)."""
    opened = archive if isinstance(archive, Archive) else Archive.open(archive)
    name = layer or opened.path.name.removesuffix(".pmtiles")
    allowed = tuple(origins)

    class Handler(BaseHTTPRequestHandler):
        server_version = "dashboard-tileserver"
        protocol_version = "HTTP/1.1"

        def _cors(self) -> None:
            origin = self.headers.get("Origin")
            if "*" in allowed:
                self.send_header("Access-Control-Allow-Origin", "*")
            elif origin and origin in allowed:
                self.send_header("Access-Control-Allow-Origin", origin)
            self.send_header("Vary", "Origin")

        def _empty(self, status: int) -> None:
            self.send_response(status)
            self._cors()
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_OPTIONS(self) -> None:
            self.send_response(204)
            self._cors()
            self.send_header("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
            self.send_header("Access-Control-Max-Age", "86400")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_HEAD(self) -> None:
            self._answer(body=False)

        def do_GET(self) -> None:
            self._answer(body=True)

        def _answer(self, body: bool) -> None:
            path = self.path.split("?", 1)[0]
            if (match := _TILE_PATH.match(path)) and match["layer"] == name:
                data = opened.tile(int(match["z"]), int(match["x"]), int(match["y"]))
                if data is None:
                    return self._empty(204)
                self.send_response(200)
                self._cors()
                self.send_header("Content-Type", MVT_CONTENT_TYPE)
                if opened.gzipped:
                    self.send_header("Content-Encoding", "gzip")
                self.send_header("Cache-Control", "public, max-age=3600")
            elif (match := _TILEJSON_PATH.match(path)) and match["layer"] == name:
                host_header = self.headers.get("Host", f"{self.server.server_address[0]}:{self.server.server_address[1]}")
                data = json.dumps(opened.tilejson(f"http://{host_header}/{name}/{{z}}/{{x}}/{{y}}.pbf")).encode()
                self.send_response(200)
                self._cors()
                self.send_header("Content-Type", "application/json")
            else:
                return self._empty(404)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if body:
                self.wfile.write(data)

        def log_message(self, format: str, *args) -> None:
            return  # one line per tile would flood the log; errors still raise

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    server.archive = opened
    server.layer = name
    return server


def _serve(args) -> int:
    from dashboard.i18n import t

    origins = tuple(o.strip() for o in (args.allow_origin or DEFAULT_ORIGINS))
    server = make_server(Path(args.archive), layer=args.layer, host=args.host, port=args.port, origins=origins)
    host, port = server.server_address[:2]
    print(t("cli.tileserver_serving", args.lang, host=host, port=port, layer=server.layer, archive=args.archive,
            origins=", ".join(origins)), file=sys.stderr)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        server.archive.close()
    return 0


def add_tileserver_command(commands) -> None:
    """Register ``tileserver ARCHIVE [--host --port --layer --allow-origin]`` on the CLI's subparsers."""
    serve = commands.add_parser("tileserver", help="serve a PMTiles archive of the land-use tiles over HTTP")
    serve.add_argument("archive", help="the .pmtiles file (python -m dashboard tiles --pmtiles PATH)")
    serve.add_argument("--host", default=DEFAULT_HOST, help=f"address to bind (default {DEFAULT_HOST})")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    serve.add_argument("--layer", help="the path's first segment (default: the archive name without .pmtiles)")
    serve.add_argument("--allow-origin", action="append", metavar="ORIGIN",
                       help="an origin the dashboard is served from (repeatable; '*' for any; "
                            f"default {' '.join(DEFAULT_ORIGINS)})")
    serve.set_defaults(func=_serve)
