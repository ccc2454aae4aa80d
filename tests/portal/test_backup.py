"""manage.py backup / restore: a round trip on the engine the suite runs on (SQLite, then PostgreSQL)."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from wagtail.documents.models import Document
from wagtail.models import Page

from cases import services
from cases.models import Case
from knowledge.models import District
from portal import backup
from tests.search.experience_helpers import make_article, make_topic

pytestmark = pytest.mark.django_db(transaction=True)


def _run(name, *args, **kwargs) -> str:
    out = io.StringIO()
    call_command(name, *[str(a) for a in args], stdout=out, **kwargs)
    return out.getvalue()


@pytest.fixture
def site(tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    article = make_article(make_topic(), "个体工商户简易注销指引", problem="前租户未注销")
    document = Document.objects.create(title="办事指南", file=ContentFile(b"%PDF-1.4 guide", name="guide.pdf"))
    case = services.case_register(author=None, channel=Case.Channel.ONLINE,
                                  district=District.objects.get(code="hongkou"), reporter_name="王某",
                                  reporter_phone="13800001234", matter="执照办不下来 A&B <50㎡>")
    return {"article": article, "document": document, "case": case}


def test_round_trip_brings_data_and_media_back(site, tmp_path):
    target = tmp_path / "backup"
    output = _run("backup", target)
    assert "已备份" in output
    manifest = json.loads((target / "manifest.json").read_text("utf-8"))
    engine = connection.vendor
    assert manifest["engine"] == engine and manifest["database_file"] in manifest["files"]
    assert "0015_unescape_stored_text" in manifest["migrations"]["cases"]
    assert {"python", "django", "wagtail"} <= set(manifest["versions"])
    document_name = "media/" + site["document"].file.name
    assert manifest["files"][document_name]["size"] == len(b"%PDF-1.4 guide")
    assert len(manifest["files"][document_name]["sha256"]) == 64

    # Afterwards: the case edited, another case filed, the page deleted, the file gone, a new one.
    case, article = site["case"], site["article"]
    Case.objects.filter(pk=case.pk).update(matter="被改掉了")
    services.case_register(author=None, channel=Case.Channel.ONLINE, district=case.district,
                           reporter_name="李某", reporter_phone="13900001234", matter="备份之后才登记的案件")
    Page.objects.get(pk=article.pk).delete()
    document_path = Path(site["document"].file.path)
    document_path.unlink()
    (document_path.parent / "later.txt").write_bytes(b"after the backup")

    output = _run("restore", target, yes=True)
    assert "已恢复数据库" in output and "1 个媒体文件" in output

    assert list(Case.objects.values_list("matter", flat=True)) == ["执照办不下来 A&B <50㎡>"]
    restored = Page.objects.get(pk=article.pk)
    assert restored.live and restored.title == "个体工商户简易注销指引"
    assert document_path.read_bytes() == b"%PDF-1.4 guide"
    assert not (document_path.parent / "later.txt").exists()
    # The site still works on the restored database: a new case gets the next number.
    again = services.case_register(author=None, channel=Case.Channel.ONLINE, district=case.district,
                                   reporter_name="赵某", reporter_phone="13700001234", matter="恢复之后登记的案件")
    assert again.pk > case.pk


def test_restore_refuses_a_damaged_or_foreign_backup_and_changes_nothing(site, tmp_path):
    target = tmp_path / "backup"
    _run("backup", target)
    with pytest.raises(CommandError, match="不是空的"):
        _run("backup", target)

    damaged = tmp_path / "damaged"
    shutil.copytree(target, damaged)
    media_file = next((damaged / "media").rglob("guide*.pdf"))
    media_file.write_bytes(b"%PDF-1.4 tampered")
    Case.objects.filter(pk=site["case"].pk).update(matter="恢复前的数据")
    with pytest.raises(CommandError, match="校验和不符") as refused:
        _run("restore", damaged, yes=True)
    assert media_file.relative_to(damaged).as_posix() in str(refused.value)
    assert Case.objects.get().matter == "恢复前的数据"

    foreign = tmp_path / "foreign"
    shutil.copytree(target, foreign)
    manifest = json.loads((foreign / "manifest.json").read_text("utf-8"))
    manifest["engine"] = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    (foreign / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    with pytest.raises(CommandError, match="export_data / import_data"):
        _run("restore", foreign, yes=True)

    newer = tmp_path / "newer"
    shutil.copytree(target, newer)
    manifest = json.loads((newer / "manifest.json").read_text("utf-8"))
    manifest["migrations"]["cases"].append("9999_from_the_future")
    (newer / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    with pytest.raises(CommandError, match="9999_from_the_future"):
        _run("restore", newer, yes=True)
    assert Case.objects.get().matter == "恢复前的数据"

    # A recorded migration whose file was removed after squashing (numbered below the latest) is no reason to refuse.
    squashed = tmp_path / "squashed"
    shutil.copytree(target, squashed)
    manifest = json.loads((squashed / "manifest.json").read_text("utf-8"))
    manifest["migrations"]["cases"].append("0002_squashed_away")
    (squashed / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    assert backup.verify(squashed)["engine"] == connection.vendor

    assert "备份核对无误" in _run("restore", target, check=True)
    assert Case.objects.get().matter == "恢复前的数据"


def test_missing_postgresql_tools_are_named(monkeypatch, tmp_path):
    monkeypatch.setenv("BANCHENG_PG_BINDIR", str(tmp_path))
    with pytest.raises(backup.BackupError, match="找不到 PostgreSQL 客户端程序 pg_dump.*BANCHENG_PG_BINDIR"):
        backup.pg_tool("pg_dump")
