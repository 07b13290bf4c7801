"""The data commands: import (audited, with rejections), versions, publish, rollback, export, gc, validate.

Exit codes: 0 done/valid, 1 file refused (invalid or rejected), 2 usage (bad arguments, unknown dataset or
version, missing file, conflict).
"""

import argparse
import io
import json

import openpyxl
import pytest

from dashboard import cli_data, store

GOOD = "项目编号,项目名称,县区代码,所处阶段,用地面积(亩)\n0012,玉溪<b>新材料</b>产业园,530402,选址,35.5\n0013,=HYPERLINK(1),530403,供地,8\n"
BAD = "项目编号,项目名称,所处阶段\n0012,缺县区代码,选址\n"


@pytest.fixture
def root(tmp_path, monkeypatch):
    path = tmp_path / "store"
    monkeypatch.setenv("DASHBOARD_STORE", str(path))
    return path


def csv_file(tmp_path, text, name="重点项目.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run(*argv):
    return cli_data.main([str(a) for a in argv])


def import_good(tmp_path, *extra):
    return run("import", csv_file(tmp_path, GOOD), "--dataset", "projects", "--data-date", "2026-09-30", *extra)


@pytest.mark.parametrize(
    "argv",
    [
        ["validate", "f.csv", "--dataset", "projects"],
        ["import", "f.csv", "--dataset", "projects", "--data-date", "2026-09-30"],
        ["versions", "projects"],
        ["publish", "projects", "v"],
        ["rollback", "projects", "v"],
        ["export", "projects", "--format", "csv", "--out", "o.csv"],
        ["gc"],
    ],
)
def test_commands_attach_to_any_parser(argv):
    parser = argparse.ArgumentParser()
    parser.add_argument("--lang", default="zh")
    cli_data.add_data_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    assert args.command == argv[0] and callable(args.func)


def test_import_without_publish_stores_a_version_only(root, tmp_path, capsys):
    assert import_good(tmp_path, "--uploader", "张三", "--note", "一季度") == 0
    assert "尚未发布" in capsys.readouterr().out
    (version,) = store.list_versions("projects")
    assert not version.is_current and version.uploader == "张三" and version.note == "一季度"
    assert version.original_name == "重点项目.csv" and version.source_zh == "用户上传"
    assert store.current_version("projects").is_demo
    assert [e["event"] for e in store.read_audit()] == ["accepted"]


def test_import_and_publish(root, tmp_path, capsys):
    assert import_good(tmp_path, "--publish", "--uploader", "张三", "--source", "市局台账", "--source-en", "Ledger") == 0
    current = store.current_version("projects")
    assert not current.is_demo and current.source("zh") == "市局台账" and current.source("en") == "Ledger"
    frame = store.load_current("projects")
    assert frame["project_id"].tolist() == ["0012", "0013"]
    assert frame["name"].tolist()[0] == "玉溪<b>新材料</b>产业园"
    assert [e["event"] for e in store.read_audit()] == ["accepted", "publish"]
    assert "已发布" in capsys.readouterr().out


def test_rejected_file_is_audited_and_exits_1(root, tmp_path, capsys):
    assert run("import", csv_file(tmp_path, BAD, "坏.csv"), "--dataset", "projects", "--data-date", "2026-09-30") == 1
    err = capsys.readouterr().err
    assert "坏.csv" in err and "县区代码" in err
    (event,) = store.read_audit()
    assert event["event"] == "rejected" and event["reason"] == "error.missing_columns"
    assert event["original_name"] == "坏.csv" and event["params"]["dataset"] == "projects"
    assert store.list_versions("projects") == []


def test_unreadable_file_is_audited_and_exits_1(root, tmp_path):
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"PAR1 not really")
    assert run("import", broken, "--dataset", "projects", "--data-date", "2026-09-30") == 1
    (event,) = store.read_audit()
    assert event["reason"] == "error.store.unreadable" and event["params"]["detail"]


@pytest.mark.parametrize(
    "argv",
    [
        ["import", "{good}", "--dataset", "nonsense", "--data-date", "2026-09-30"],
        ["import", "{missing}", "--dataset", "projects", "--data-date", "2026-09-30"],
        ["import", "{good}", "--dataset", "projects", "--data-date", "2026-02-30"],
        ["versions", "nonsense"],
        ["publish", "projects", "20260101T000000.000000Z-00000000"],
        ["publish", "projects", "../../etc"],
        ["rollback", "projects", "nope"],
        ["export", "nonsense", "--format", "csv", "--out", "{out}"],
        ["export", "projects", "--format", "csv", "--out", "{nodir}"],
    ],
)
def test_usage_errors_exit_2_and_audit_nothing(root, tmp_path, capsys, argv):
    paths = {
        "{good}": csv_file(tmp_path, GOOD),
        "{missing}": tmp_path / "missing.csv",
        "{out}": tmp_path / "out.csv",
        "{nodir}": tmp_path / "no" / "such" / "dir.csv",
    }
    assert run(*[paths.get(a, a) for a in argv]) == 2
    assert capsys.readouterr().err.strip()
    assert store.read_audit() == []


def test_argparse_usage_errors_exit_2(root):
    for argv in (["import", "x.csv", "--dataset", "projects"], ["export", "projects", "--format", "pdf", "--out", "x"]):
        with pytest.raises(SystemExit) as exc:
            run(*argv)
        assert exc.value.code == 2


def test_versions_publish_rollback(root, tmp_path, capsys):
    import_good(tmp_path, "--publish")
    import_good(tmp_path, "--note", "第二版\t含制表符")
    second, first = store.list_versions("projects")
    capsys.readouterr()
    assert run("versions", "projects") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("数据集“projects”的版本")
    assert lines[2].startswith(f" \t{second.version}") and lines[3].startswith(f"*\t{first.version}")
    assert "第二版 含制表符" in lines[2]
    assert run("publish", "projects", second.version, "--user", "李四") == 0
    assert store.current_version("projects").version == second.version
    assert run("rollback", "projects", first.version, "--user", "王五") == 0
    assert store.current_version("projects").version == first.version
    assert run("rollback", "projects", first.version) == 2  # already current
    assert run("--lang", "en", "versions", "projects", "--json") == 0
    out = capsys.readouterr().out
    listed = json.loads(out[out.index("[") :])
    assert [v["is_current"] for v in listed] == [False, True]
    events = store.read_audit()
    assert [e["event"] for e in events] == ["accepted", "publish", "accepted", "publish", "rollback"]
    assert events[-1]["user"] == "王五"


def test_import_publish_conflict_keeps_the_version(root, tmp_path, monkeypatch, capsys):
    import_good(tmp_path, "--publish")
    real_write = store.write_version

    def write_then_someone_publishes(*args, **kwargs):
        version = real_write(*args, **kwargs)
        other = real_write(*args, **kwargs)
        store.publish("projects", other.version, user="someone")  # lands between our write and our publish
        return version

    monkeypatch.setattr(cli_data, "write_version", write_then_someone_publishes)
    assert import_good(tmp_path, "--publish") == 2
    assert "已被他人更改" in capsys.readouterr().err
    assert len(store.list_versions("projects")) == 3
    assert store.read_audit()[-1]["event"] == "conflict"


def test_export_csv_and_xlsx_of_the_current_version(root, tmp_path, capsys):
    import_good(tmp_path, "--publish", "--source", "市局台账")
    current = store.current_version("projects")
    out_csv, out_xlsx, plain = tmp_path / "p.csv", tmp_path / "p.xlsx", tmp_path / "plain.csv"
    assert run("export", "projects", "--format", "csv", "--out", out_csv) == 0
    text = out_csv.read_bytes().decode("utf-8-sig")
    assert f"数据版本,{current.version}" in text and "数据来源,市局台账" in text
    assert "0012,玉溪<b>新材料</b>产业园" in text and "'=HYPERLINK(1)" in text
    assert run("export", "projects", "--format", "csv", "--out", plain, "--no-meta") == 0
    assert plain.read_bytes().decode("utf-8-sig").startswith("project_id,name,county_code")
    assert run("export", "projects", "--format", "xlsx", "--out", out_xlsx) == 0
    book = openpyxl.load_workbook(io.BytesIO(out_xlsx.read_bytes()))
    assert book.sheetnames == ["数据", "元数据"]
    assert dict(book["元数据"].values)["数据版本"] == current.version
    assert "已导出 2 行" in capsys.readouterr().out


def test_export_falls_back_to_demo_data(root, tmp_path):
    out = tmp_path / "demo.csv"
    assert run("export", "plan_quotas", "--format", "csv", "--out", out) == 0
    assert "数据版本,demo" in out.read_bytes().decode("utf-8-sig")


def test_gc(root, tmp_path, capsys):
    import_good(tmp_path)
    (root / ".tmp" / "projects-orphan").mkdir()
    assert run("gc") == 0
    assert "1" in capsys.readouterr().out and not (root / ".tmp" / "projects-orphan").exists()


def test_validate_exit_codes(root, tmp_path, capsys):
    assert run("validate", csv_file(tmp_path, GOOD), "--dataset", "projects") == 0
    assert run("validate", csv_file(tmp_path, BAD, "bad.csv"), "--dataset", "projects") == 1
    assert run("validate", csv_file(tmp_path, BAD, "bad.csv"), "--dataset", "projects", "--json") == 1
    out = capsys.readouterr().out
    assert json.loads(out[out.index("{") :])
    assert run("validate", tmp_path / "missing.csv", "--dataset", "projects") == 2
    assert run("validate", csv_file(tmp_path, GOOD), "--dataset", "nonsense") == 2
    assert store.read_audit() == []  # validating is not uploading
