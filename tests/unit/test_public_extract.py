"""The public extract: small-group suppression, rounding, the allow-list check, the change log, the reader's
confinement to the extract folder, and the public app's independence from the internal loaders."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from dashboard import public_reader
from dashboard.public_extract import publish_public, verify_extract
from dashboard.public_schema import ROUNDING, TABLES, LeakError, allowed_files, check_table
from tests.browser.public_guard import INTERNAL_MODULES
from tests.conftest import ROOT

DEMO = ROOT / "data" / "demo"
TONGHAI = "530423"  # 通海县: one park (P04), 50 enterprises in the demo


@pytest.fixture(scope="module")
def demo_extract(tmp_path_factory):
    out = tmp_path_factory.mktemp("public")
    manifest = publish_public(out, data_dir=DEMO, now=datetime(2026, 10, 8, tzinfo=UTC))
    return out, manifest


def _demo_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "demo"
    shutil.copytree(DEMO, folder)
    return folder


def test_county_with_two_enterprises_is_withheld(tmp_path):
    data = _demo_copy(tmp_path)
    parcels = pd.read_parquet(data / "park_parcels.parquet")
    year = int(parcels["year"].max())
    p04 = parcels[(parcels["park_id"] == "P04") & (parcels["year"] == year)]
    keep = parcels.drop(p04.index[2:])  # two enterprises left in 通海县 in the evaluation year
    keep.to_parquet(data / "park_parcels.parquet", index=False)

    publish_public(tmp_path / "out", data_dir=data)
    per_mu = pd.read_parquet(tmp_path / "out" / "per_mu_county.parquet").set_index("region_code")
    row = per_mu.loc[TONGHAI]
    assert row["suppressed"] and row["suppression"] == "small_group"
    for column in ("invest_per_mu_wan", "output_per_mu_wan", "tax_per_mu_wan", "area_mu", "enterprises"):
        assert pd.isna(row[column]), column
    # The city total minus the other counties would give 通海县 back: the next smallest county goes too.
    complementary = per_mu[per_mu["suppression"] == "complementary"]
    assert len(complementary) == 1
    published = per_mu[~per_mu["suppressed"] & (per_mu["suppression"] != "no_data")]
    assert complementary["level"].iloc[0] == "county"
    assert (published.loc[published["level"] == "county", "enterprises"] >= 3).all()
    # The city row itself (many enterprises) is published.
    city = per_mu[per_mu["level"] == "city"].iloc[0]
    assert not city["suppressed"] and city["invest_per_mu_wan"] > 0
    # ... and the CSV says the same.
    csv = pd.read_csv(tmp_path / "out" / "per_mu_county.csv", dtype={"region_code": str}).set_index("region_code")
    assert pd.isna(csv.loc[TONGHAI, "invest_per_mu_wan"]) and bool(csv.loc[TONGHAI, "suppressed"])


def test_demo_small_landuse_groups_are_withheld_with_a_complement(demo_extract):
    out, _ = demo_extract
    landuse = pd.read_parquet(out / "landuse_structure.parquet")
    small = landuse[landuse["suppression"] == "small_group"]
    assert len(small) >= 1
    assert small[["area_ha", "area_mu", "share_pct", "parcels"]].isna().all().all()
    # No group (across regions) and no region (across groups) has exactly one withheld cell.
    withheld = landuse[landuse["suppressed"]]
    assert (withheld.groupby("group_zh").size() != 1).all()
    assert (withheld.groupby("region_code").size() != 1).all()
    published = landuse[~landuse["suppressed"]]
    assert (published["parcels"] >= 3).all()


def test_rounding_to_published_precision(demo_extract):
    out, _ = demo_extract
    for name in TABLES:
        frame = pd.read_parquet(out / f"{name}.parquet")
        for column, digits in ROUNDING.items():
            if column not in frame.columns:
                continue
            values = frame[column].dropna().astype(float)
            assert ((values * 10**digits).round() == (values * 10**digits).round(6)).all(), (name, column)
    per_mu = pd.read_parquet(out / "per_mu_county.parquet").set_index("region_code")
    assert per_mu.loc["530402", "invest_per_mu_wan"] == 276.8  # 276.800001 in the engine
    rate = pd.read_parquet(out / "supply_rate_5y.parquet")
    assert rate.loc[rate["level"] == "city", "supply_rate_pct"].iloc[0] == 79.22  # 79.220359


def test_extract_holds_only_allow_listed_files_and_tables(demo_extract):
    out, manifest = demo_extract
    names = {p.name for p in out.iterdir()}
    assert names <= allowed_files()
    assert names == allowed_files()  # every table in both formats, manifest and change log
    verify_extract(out)
    for name in TABLES:
        assert list(pd.read_parquet(out / f"{name}.parquet").columns) == list(TABLES[name])
        assert manifest["tables"][name]["source_zh"] and manifest["tables"][name]["source_en"]
    assert manifest["data_date"] == "2026-09-30"


def test_check_table_refuses_row_level_content(demo_extract):
    out, _ = demo_extract
    frame = pd.read_parquet(out / "per_mu_county.parquet")
    check_table("per_mu_county", frame)
    with pytest.raises(LeakError, match="forbidden columns"):
        check_table("per_mu_county", frame.assign(enterprise_name="x"))
    with pytest.raises(LeakError, match="allow-list"):
        check_table("per_mu_county", frame.assign(extra=1))
    with pytest.raises(LeakError, match="not a public table"):
        check_table("park_parcels", frame)
    leaked = frame.copy()
    leaked["region_name"] = leaked["region_name"].astype(object)
    leaked.loc[1, "region_name"] = "91530402MA6CN1496E"
    with pytest.raises(LeakError, match="uscc"):
        check_table("per_mu_county", leaked)
    leaked.loc[1, "region_name"] = "红塔区 530402003001GB00001"
    with pytest.raises(LeakError, match="parcel_id"):
        check_table("per_mu_county", leaked)
    leaked.loc[1, "region_name"] = "102.5432101"
    with pytest.raises(LeakError, match="coordinate"):
        check_table("per_mu_county", leaked)
    leaked.loc[1, "region_name"] = "玉溪联宏机械制造有限公司"
    with pytest.raises(LeakError, match="row-level"):
        check_table("per_mu_county", leaked, forbidden_values={"玉溪联宏机械制造有限公司"})


def test_publish_refuses_a_folder_with_other_files(tmp_path):
    (tmp_path / "park_parcels.parquet").write_bytes(b"x")
    with pytest.raises(LeakError, match="park_parcels.parquet"):
        publish_public(tmp_path, data_dir=DEMO)
    assert {p.name for p in tmp_path.iterdir()} == {"park_parcels.parquet"}


def test_change_log_appends_one_entry_per_publish(tmp_path):
    out = tmp_path / "out"
    publish_public(out, data_dir=DEMO)
    publish_public(out, data_dir=DEMO)
    log = json.loads((out / "changelog.json").read_text(encoding="utf-8"))
    assert [e["changes"][0]["en"] for e in log] == ["First publication", "Republished, no change in the figures"]
    assert log[0]["versions"]["park_parcels"] == "demo" and log[0]["data_date"] == "2026-09-30"

    data = _demo_copy(tmp_path)
    idle = pd.read_parquet(data / "idle_land.parquet")
    idle.iloc[1:].to_parquet(data / "idle_land.parquet", index=False)
    publish_public(out, data_dir=data)
    log = json.loads((out / "changelog.json").read_text(encoding="utf-8"))
    assert len(log) == 3
    assert any("Idle land" in c["en"] for c in log[-1]["changes"])


def test_cli_publish_public(tmp_path, capsys):
    from dashboard.cli import main

    assert main(["--lang", "en", "publish-public", "--out", str(tmp_path), "--data-dir", str(DEMO)]) == 0
    assert "Public extract written" in capsys.readouterr().out
    assert (tmp_path / "manifest.json").exists()


def test_reader_refuses_paths_outside_the_extract(demo_extract, monkeypatch, tmp_path):
    out, _ = demo_extract
    monkeypatch.setenv("DASHBOARD_PUBLIC_DIR", str(out))
    assert public_reader.extract_dir() == out.resolve()
    assert len(public_reader.read_table("idle_land")) == 10
    for name in ("../manifest.json", "/etc/passwd", "park_parcels.parquet", "sub/manifest.json"):
        with pytest.raises(public_reader.OutsideExtractError):
            public_reader.resolve(name)
    with pytest.raises(public_reader.OutsideExtractError):
        public_reader.read_table("park_parcels")
    # A symbolic link that leads out of the folder is refused too.
    linked = tmp_path / "linked"
    shutil.copytree(out, linked)
    (linked / "idle_land.parquet").unlink()
    (linked / "idle_land.parquet").symlink_to(DEMO / "idle_land.parquet")
    with pytest.raises(public_reader.OutsideExtractError):
        public_reader.read_table("idle_land", linked)
    (linked / "notes.txt").write_text("x")
    with pytest.raises(LeakError):
        public_reader.check_folder(linked)


def test_public_app_imports_no_internal_loader(demo_extract):
    """Run the public app and every public page (AppTest) in a fresh interpreter; no internal module is loaded."""
    out, _ = demo_extract
    script = textwrap.dedent(f"""
        import json, os, sys
        os.environ["DASHBOARD_PUBLIC_DIR"] = {str(out)!r}
        sys.path.insert(0, {str(ROOT)!r})
        os.chdir({str(ROOT)!r})
        from streamlit import config
        from streamlit.testing.v1 import AppTest
        config.set_option("server.enableStaticServing", False)  # as `make public` serves it
        errors = []
        at = AppTest.from_file("public_app.py", default_timeout=60)
        at.run()
        errors += [e.value for e in at.exception] + [e.value for e in at.error]
        for page in ("pages_public/city.py", "pages_public/counties.py", "pages_public/changelog.py"):
            at.switch_page(page).run()
            errors += [e.value for e in at.exception] + [e.value for e in at.error]
            assert at.title, page
        print(json.dumps({{"modules": sorted(sys.modules), "errors": errors}}))
    """)
    env = {**os.environ, "DASHBOARD_STORE": "/nonexistent", "DASHBOARD_DEMO_DIR": "/nonexistent"}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=180, cwd=ROOT,
                            env=env, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["errors"] == []
    loaded = [m for m in report["modules"] if any(m == i or m.startswith(i + ".") for i in INTERNAL_MODULES)]
    assert loaded == [], f"the public app loaded internal modules: {loaded}"
    assert "dashboard.public_reader" in report["modules"] and "components.public_view" in report["modules"]


def test_public_tables_export_to_excel_with_metadata(demo_extract):
    """The public pages' Excel download: every published table, cells escaped, a metadata sheet with the data
    date — through the export module the public app may load (it no longer imports the store)."""
    import io

    from openpyxl import load_workbook

    from dashboard.export import ExportMeta, to_xlsx_bytes

    out, manifest = demo_extract
    for name in TABLES:
        frame = pd.read_parquet(out / f"{name}.parquet")
        meta = ExportMeta(dataset=name, source=manifest["tables"][name]["source_zh"], version="demo",
                          data_date=manifest["data_date"])
        book = load_workbook(io.BytesIO(to_xlsx_bytes(frame, meta=meta, lang="zh")))
        data, info = book.worksheets[0], book.worksheets[-1]
        assert data.max_row == len(frame) + 1
        assert any(cell.value == "2026-09-30" for row in info.iter_rows() for cell in row)
