"""Command line: ``python -m dashboard <command>``.

Commands
--------
info   list datasets with their current version, rows, data date and source
demo   regenerate the bundled demo dataset (deterministic, seeded)
docs   regenerate docs/DATA_CONTRACTS.md from the contracts
indicators  compute every indicator table (JSON with stable keys: see ``indicators_payload``)
tiles  build the land-use vector tiles of the current version (``make run`` does this before serving)
tileserver  serve a PMTiles archive of the tiles over HTTP (:mod:`dashboard.tileserver`)
validate, import, versions, publish, rollback, export, gc   data management (see :mod:`dashboard.cli_data`)
users  local accounts: ``users add NAME --role ROLE``, ``users remove NAME``, ``users list`` (:mod:`dashboard.cli_users`)
bench  every benchmark in one run, medians and ratios, ``--write BENCHMARKS.md`` (:mod:`dashboard.cli_bench`)
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from dashboard.contracts import load_contracts
from dashboard.errors import UserError
from dashboard.i18n import LANGUAGES, t


def _info(args) -> int:
    from dashboard.store import current_versions

    rows = []
    for name, version in current_versions().items():
        rows.append(
            {
                "dataset": name,
                "title": load_contracts()[name].title(args.lang),
                "version": version.version if version else None,
                "rows": version.rows if version else 0,
                "data_date": version.data_date if version else None,
                "source": version.source(args.lang) if version else None,
                "path": str(version.path) if version else None,
            }
        )
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    print(t("cli.info_heading", args.lang))
    header = [t(f"cli.{k}", args.lang) for k in ("dataset", "title", "version", "rows", "data_date", "source")]
    print("\t".join(header))
    for row in rows:
        print(
            "\t".join(
                [
                    row["dataset"],
                    row["title"],
                    row["version"] or t("cli.no_data", args.lang),
                    str(row["rows"]),
                    row["data_date"] or "-",
                    row["source"] or "-",
                ]
            )
        )
    return 0


def _demo(args) -> int:
    from dashboard.demo import DEMO_DIR, write_demo

    out = Path(args.out) if args.out else DEMO_DIR
    manifest = write_demo(out, seed=args.seed)
    print(t("cli.demo_written", args.lang, path=out, count=len(manifest["datasets"])))
    return 0


def _docs(args) -> int:
    from dashboard.docs import write_contracts_doc

    print(t("cli.docs_written", args.lang, path=write_contracts_doc()))
    return 0


def indicators_payload(args) -> dict:
    """The ``indicators --json`` document.

    Keys: ``meta`` (engine, profile, region, as_of, data versions) and ``indicators``: ``{id: {"label_zh",
    "label_en", "unit", "formula_zh", "formula_en", "source", "params", "columns", "rows"}}`` with rows as
    records (dates as ISO strings, NaN as null).
    """
    from dashboard.config import engine_settings
    from dashboard.engine import Engine
    from dashboard.indicators import Context, compute_all, registry
    from dashboard.policy import load_profile
    from dashboard.store import current_version

    # Check the cheap arguments before starting an engine (a Spark session takes ~10 s to start).
    profile = load_profile(args.profile)
    given_as_of = _parse_as_of(args.as_of) if args.as_of else None
    settings = engine_settings()
    backend = args.engine or settings.backend
    spark = {"spark_master": settings.spark_master, "spark_conf": settings.spark_conf}
    if args.data_dir:
        engine = Engine.from_dir(Path(args.data_dir), backend, **spark)
    else:
        engine = Engine.from_store(backend, **spark)
    as_of = given_as_of or _as_of(args, engine)
    regions = engine.to_pandas("regions")
    if args.region and args.region not in set(regions["code"]):
        raise UserError("error.unknown_region", region=args.region)
    region = None if not args.region or args.region in set(regions.loc[regions["level"] == "city", "code"]) else args.region
    ctx = Context(engine=engine, profile=profile, as_of=as_of, region=region)
    tables = compute_all(ctx)
    specs = registry()
    out = {}
    for ind_id, frame in tables.items():
        spec = specs[ind_id]
        out[ind_id] = {
            "label_zh": spec.zh,
            "label_en": spec.en,
            "unit": spec.unit,
            "formula_zh": spec.formula_zh,
            "formula_en": spec.formula_en,
            "source": spec.source,
            "params": {key: profile[key] for key in spec.params},
            "columns": list(frame.columns),
            "rows": json.loads(frame.to_json(orient="records", date_format="iso", force_ascii=False)),
        }
    versions = {}
    if not args.data_dir:
        for name in engine.paths:
            v = current_version(name)
            versions[name] = {"version": v.version, "data_date": v.data_date} if v else None
    meta = {
        "engine": engine.backend,
        "profile": profile.id,
        "region": args.region or None,
        "as_of": as_of.isoformat(),
        "versions": versions,
    }
    return {"meta": meta, "indicators": out}


def _parse_as_of(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UserError("error.bad_as_of", value=value) from None


def _as_of(args, engine) -> date:
    """The reference date: ``--as-of``, else the data date of the folder's manifest or of the current versions."""
    if args.as_of:
        return _parse_as_of(args.as_of)
    manifest = Path(args.data_dir) / "manifest.json" if args.data_dir else None
    if manifest and manifest.exists():
        return date.fromisoformat(json.loads(manifest.read_text(encoding="utf-8"))["data_date"])
    from dashboard.context import data_as_of

    return data_as_of()


def _indicators(args) -> int:
    payload = indicators_payload(args)
    if args.json:
        print(json.dumps(payload, ensure_ascii=False, indent=1))
        return 0
    for ind_id, table in payload["indicators"].items():
        label = table["label_zh"] if args.lang == "zh" else table["label_en"]
        print(f"# {ind_id} — {label} ({len(table['rows'])})")
    return 0


def _tiles(args) -> int:
    from dashboard.basemap import display_datum, load_basemap
    from dashboard.store import current_version, load_current
    from dashboard.tiles import ensure_landuse_tiles, join_pmtiles

    version = current_version("landuse")
    if version is None:
        print(t("cli.tiles_no_landuse", args.lang))
        return 0
    datum = args.datum or display_datum(load_basemap())
    shown = {"county": None, "pct": -25}

    def progress(step) -> None:
        pct = int(step.fraction * 100)
        # a line when a county starts, every 25 % and at the end
        if step.county != shown["county"] or pct >= shown["pct"] + 25 or (pct == 100 and shown["pct"] < 100):
            shown.update(county=step.county, pct=pct)
            state = t("cli.tiles_reused" if step.reused else "cli.tiles_cut", args.lang)
            print(t("cli.tiles_county", args.lang, county=step.county, index=step.index, total=step.total,
                    state=state, pct=pct), file=sys.stderr)

    tiles = ensure_landuse_tiles(lambda: load_current("landuse"), version.sha256, datum=datum, progress=progress)
    folder = tiles.tilesets[0].folder.parent if tiles.tilesets else Path(".")
    print(t("cli.tiles_ready", args.lang, path=folder, features=tiles.features, version=version.version))
    if tiles.rebuilt or shown["county"] is not None:
        print(t("cli.tiles_rebuilt", args.lang, rebuilt=len(tiles.rebuilt),
                reused=len(tiles.tilesets) - len(tiles.rebuilt), manifest=f"landuse-{tiles.key}.json"))
    if args.pmtiles:
        out = join_pmtiles(tiles, Path(args.pmtiles))
        print(t("cli.tiles_pmtiles", args.lang, path=out, size=f"{out.stat().st_size / 1e6:,.1f}"))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exit code 2 on bad arguments, as argparse does)."""
    from dashboard.demo import SEED

    parser = argparse.ArgumentParser(prog="python -m dashboard", description="用地要素保障一张图 command line")
    parser.add_argument("--lang", choices=LANGUAGES, default="zh", help="output language (default zh)")
    commands = parser.add_subparsers(dest="command", required=True)

    info = commands.add_parser("info", help="list datasets, current version, rows, data date and source")
    info.add_argument("--json", action="store_true", help="print JSON instead of a table")
    info.set_defaults(func=_info)

    demo = commands.add_parser("demo", help="regenerate the demo dataset")
    demo.add_argument("--out", help="output folder (default data/demo)")
    demo.add_argument("--seed", type=int, default=SEED, help=f"random seed (default {SEED})")
    demo.set_defaults(func=_demo)

    docs = commands.add_parser("docs", help="regenerate docs/DATA_CONTRACTS.md")
    docs.set_defaults(func=_docs)

    from dashboard.config import BACKENDS
    from dashboard.policy import DEFAULT_PROFILE

    ind = commands.add_parser("indicators", help="compute every indicator table")
    ind.add_argument("--data-dir", help="folder of <dataset>.parquet files (default: current versions)")
    ind.add_argument("--profile", default=DEFAULT_PROFILE, help=f"policy profile (default {DEFAULT_PROFILE})")
    ind.add_argument("--region", help="county code (default: city and every county)")
    # no argparse ``choices``: an unknown engine is a UserError, reported in the user's language
    ind.add_argument("--engine", help=f"query engine: {' / '.join(BACKENDS)} (default: [engine] of dashboard.toml, "
                                      "else duckdb)")
    ind.add_argument("--as-of", help="reference date YYYY-MM-DD (default: the data date)")
    ind.add_argument("--json", action="store_true", help="print every table as JSON")
    ind.set_defaults(func=_indicators)

    tiles = commands.add_parser("tiles", help="build the vector tiles of the current land-use version (if missing)")
    tiles.add_argument("--datum", choices=("wgs84", "gcj02"), help="display datum (default: the basemap's)")
    tiles.add_argument("--pmtiles", metavar="PATH",
                       help="also join the county tilesets into one PMTiles archive (for `tileserver`)")
    tiles.set_defaults(func=_tiles)
    from dashboard.tileserver import add_tileserver_command

    add_tileserver_command(commands)

    from dashboard.cli_data import add_data_commands

    add_data_commands(commands)
    from dashboard.cli_public import add_public_commands

    add_public_commands(commands)

    from dashboard.cli_users import add_user_commands

    add_user_commands(commands)

    from dashboard.cli_bench import add_bench_commands

    add_bench_commands(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; user errors print a translated message and exit with 2."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except UserError as exc:
        print(exc.message(args.lang), file=sys.stderr)
        return 2
