"""export_data / import_data: SQLite → export → import into PostgreSQL → export gives the same bytes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.contrib.auth.models import Group, User
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone
from wagtail.documents.models import Document

from cases import services
from cases.models import Case
from knowledge.models import District
from search.models import SearchSynonym
from tests.search.experience_helpers import make_article, make_department, make_topic

ROOT = Path(__file__).resolve().parents[2]
PG = os.environ.get("BANCHENG_TEST_PG", "postgres://bancheng@127.0.0.1:54329")


def _data(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((directory / "data").glob("*.jsonl"))}


@pytest.fixture
def content(db, tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    topic = make_topic()
    department = make_department("虹口区市场监督管理局")
    article = make_article(topic, "个体工商户简易注销指引", problem="前租户未注销", departments=[department])
    article.summary = "第二版摘要：& < > \" '"
    article.save_revision().publish()  # a second revision
    Document.objects.create(title="办事指南", file=ContentFile(b"%PDF-1.4 guide", name="guide.pdf"))
    SearchSynonym.objects.create(terms="注销，注销登记")
    user = User.objects.create_user("clerk", password="secret-pass-1", first_name="小王")
    user.groups.add(Group.objects.get(name="窗口人员"))
    hongkou = District.objects.get(code="hongkou")
    case = services.case_register(author=None, channel=Case.Channel.ONLINE, district=hongkou,
                                  reporter_name="王某", reporter_phone="13800001234", matter="执照办不下来的事情")
    material = services.material_add(case=case, author=user, name="营业执照正本",
                                     promised_date=timezone.localdate(), supply_method="mail")
    services.case_triage(case=case, author=user, classification="difficult", blocking_cause="legacy")
    services.case_dispatch(case=case, author=user, lead_department=department, lead_task="核实情况")
    services.material_receive(material=material, author=user)
    services.case_close(case=Case.objects.get(pk=case.pk), author=user, outcome="done", resolution_summary="已办成")
    services.case_rate(case=Case.objects.get(pk=case.pk), rating=5, comment="满意")
    services.case_link_article(case=Case.objects.get(pk=case.pk), page=article, author=user)
    # A newer draft of the article in moderation: its workflow and task states travel too.
    article.summary = "第三版摘要，待审核"
    article.save_revision(user=user)
    article.get_workflow().start(article, user)
    # Under a millisecond: Django's own JSON cut this to ".000", and the round trip then differed.
    Case.objects.filter(pk=case.pk).update(created_at=case.created_at.replace(microsecond=456))
    return case


def test_export_has_a_manifest_with_checksums_and_no_password_hashes(content, tmp_path):
    out = tmp_path / "export"
    call_command("export_data", str(out), stdout=open(os.devnull, "w"))
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["format"] == "bancheng-export" and manifest["version"] == 1
    for name in ("data/cases.case.jsonl", "data/cases.timelineentry.jsonl", "data/cases.dispatch.jsonl",
                 "data/cases.casearticlelink.jsonl", "data/wagtailcore.revision.jsonl",
                 "data/wagtailcore.page.jsonl", "data/auth.user.jsonl", "data/auth.group.jsonl",
                 "data/search.searchsynonym.jsonl", "data/wagtaildocs.document.jsonl",
                 "data/cases.missingmaterial.jsonl", "data/wagtailcore.workflowstate.jsonl",
                 "data/wagtailcore.taskstate.jsonl"):
        assert manifest["files"][name]["lines"] >= 1, name
    assert any(name.startswith("media/documents/") for name in manifest["files"])
    users = (out / "data/auth.user.jsonl").read_text()
    assert ".000456" in (out / "data/cases.case.jsonl").read_text()  # every microsecond kept
    password_hash = User.objects.get(username="clerk").password
    assert password_hash not in users and '"password"' not in users
    call_command("export_data", str(tmp_path / "with"), with_passwords=True, stdout=open(os.devnull, "w"))
    assert password_hash in (tmp_path / "with/data/auth.user.jsonl").read_text()
    # A damaged export is refused, nothing imported.
    (out / "data/cases.case.jsonl").write_text("{}\n")
    from portal import transfer

    with pytest.raises(transfer.ImportRefused):
        transfer.verify(out)


def _manage(args, env):
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True,
                   capture_output=True, timeout=600)


def test_round_trip_into_postgresql_is_byte_identical(content, tmp_path, settings):
    first, second = tmp_path / "first", tmp_path / "second"
    call_command("export_data", str(first), with_passwords=True, stdout=open(os.devnull, "w"))
    name = f"bancheng_roundtrip_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        var = tmp_path / "var-pg"
        var.mkdir()
        env = {**os.environ, "DATABASE_URL": f"{PG}/{name}", "BANCHENG_VAR_DIR": str(var),
               "DJANGO_SETTINGS_MODULE": "portal.settings.test"}
        _manage(["migrate", "-v0"], env)
        _manage(["import_data", str(first)], env)
        _manage(["export_data", str(second), "--with-passwords"], env)
        with psycopg.connect(f"{PG}/{name}") as conn:
            assert conn.execute("SELECT count(*) FROM cases_case").fetchone()[0] == 1
    finally:
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    assert _data(first) == _data(second)
    assert list((second / "media/documents").iterdir())
