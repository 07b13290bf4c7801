"""``python -m dashboard bench``: every benchmark in one run, a table of medians and ratios (:mod:`dashboard.bench_suite`).

Options: ``--only`` (sections, comma-separated), ``--parcels``, ``--naive-max``, ``--rows``, ``--repeat``,
``--quick`` (tiny sizes, one repeat: a smoke test), ``--json`` (the whole payload on standard output) and
``--write FILE`` (replace the generated block of ``BENCHMARKS.md``).  Progress goes to standard error.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from pathlib import Path


def _ints(text: str) -> tuple[int, ...]:
    """``"1000,100k,0.5m"`` → ``(1000, 100000, 500000)``; argparse reports a bad value."""
    out = []
    for part in text.split(","):
        part = part.strip().lower().replace("_", "")
        if not part:
            continue
        scale = {"k": 1_000, "m": 1_000_000}.get(part[-1], 1)
        try:
            value = int(float(part[:-1] if scale > 1 else part) * scale)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {part!r}") from None
        if value < 1:
            raise argparse.ArgumentTypeError("sizes must be positive")
        out.append(value)
    if not out:
        raise argparse.ArgumentTypeError("give at least one size")
    return tuple(sorted(dict.fromkeys(out)))


def _int(text: str) -> int:
    (value,) = _ints(text)
    return value


def _sections(text: str) -> tuple[str, ...]:
    from dashboard.bench_suite import SECTIONS

    chosen = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    unknown = [name for name in chosen if name not in SECTIONS]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(f"choose from {','.join(SECTIONS)} (got {text!r})")
    return chosen


def _bench(args) -> int:
    from dashboard.bench_suite import SECTIONS, Settings, markdown_block, run_suite, write_block

    only = args.only or SECTIONS
    settings = Settings.quick(only) if args.quick else Settings(only=only)
    for name in ("parcels", "naive_max", "rows", "repeat"):
        value = getattr(args, name)
        if value is not None:
            setattr(settings, name, value)
    if args.memory_parcels is not None:
        settings.memory_parcels = args.memory_parcels
    # A plain SIGTERM would skip the clean-up that stops the servers and browsers this run started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    payload = run_suite(settings)
    block = markdown_block(payload)
    if args.write:
        write_block(Path(args.write), block)
        print(f"wrote the results block of {args.write}", file=sys.stderr)
    if args.json:
        print(json.dumps(payload, ensure_ascii=False, indent=1, default=str))
    else:
        print(block)
    return 0


def add_bench_commands(commands) -> None:
    """Register ``bench`` on the CLI's subparsers."""
    bench = commands.add_parser("bench", help="run the benchmarks (maps, indicators, validation, cold start, memory)",
                                description="Every benchmark in one run: medians and ratios against baselines "
                                "measured in the same run.")
    bench.add_argument("--only", type=_sections,
                       help="sections, comma-separated: maps,indicators,validation,coldstart,memory (default all)")
    bench.add_argument("--parcels", type=_ints,
                       help="land-use layer sizes for the map benchmark (default 1000,100000,500000; the largest is "
                            "also the memory section's)")
    bench.add_argument("--naive-max", type=_int, help="largest size drawn inline as the maps' baseline (default 100000)")
    bench.add_argument("--rows", type=_int, help="rows per table for indicators and validation (default 1000000)")
    bench.add_argument("--memory-parcels", type=_int, help="parcels for the memory section (default: largest --parcels)")
    bench.add_argument("--repeat", type=_int, help="measured runs per measure; medians are reported (default 3)")
    bench.add_argument("--quick", action="store_true", help="tiny sizes and one repeat: a smoke test, not a measurement")
    bench.add_argument("--json", action="store_true", help="print the whole payload as JSON instead of the table")
    bench.add_argument("--write", metavar="FILE", help="replace the generated results block of FILE (BENCHMARKS.md)")
    bench.set_defaults(func=_bench)
