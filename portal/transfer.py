"""Lossless export and import of a whole deployment (``export_data`` / ``import_data``).

Format (``FORMAT_VERSION``): one JSON Lines file per model under ``data/``
(``app_label.model.jsonl``, rows in primary-key order, one Django-serialised object
per line with sorted keys, references to content types and permissions as natural
keys, since ``migrate`` numbers those differently in each database), the media files under ``media/``, and ``manifest.json`` listing every file with
its SHA-256 and line count. The data files depend only on the data, so exporting,
importing into another database (SQLite or PostgreSQL) and exporting again gives
byte-identical files.

Left out because they are derived or transient: content types and permissions
(created by ``migrate``), sessions, task results, search index tables (run
``rebuild_search_index`` after an import), image renditions, Wagtail's reference
index and editing sessions. Password hashes only with ``--with-passwords``.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import shutil
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.serializers.json import DjangoJSONEncoder
from django.core.management.color import no_style
from django.db import connection, models, transaction
from wagtail.fields import StreamField

FORMAT = "bancheng-export"
FORMAT_VERSION = 1

EXCLUDED = {
    "contenttypes.contenttype", "auth.permission", "sessions.session", "admin.logentry",
    "django_tasks_database.dbtaskresult", "wagtailsearch.indexentry", "wagtailsearch.sqliteftsindexentry",
    "wagtailimages.rendition", "wagtailcore.referenceindex", "wagtailadmin.editingsession",
    "wagtailadmin.formstate", "wagtailadmin.admin", "wagtailcore.uploadedfile",
    "search.searchentry", "search.searchfacet", "search.searchentryfacets", "search.pendingindexoperation",
}


class LosslessJSONEncoder(DjangoJSONEncoder):
    """Django's encoder cuts times to milliseconds (12:00:00.000123 → "12:00:00.000", which
    imports as 12:00:00 and exports again as "12:00:00"): every microsecond is kept instead."""

    def default(self, o):
        if isinstance(o, datetime.datetime):
            text = o.isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text
        if isinstance(o, datetime.time):
            return o.isoformat()
        return super().default(o)


def exported_models() -> list[type[models.Model]]:
    """Every concrete, managed model with a table, in a stable order (app label, model name)."""
    found = []
    for model in apps.get_models():
        meta = model._meta
        if meta.proxy or not meta.managed or meta.label_lower in EXCLUDED:
            continue
        found.append(model)
    return sorted(found, key=lambda m: m._meta.label_lower)


def _canonical(value):
    """JSON with sorted keys at every level: PostgreSQL's jsonb does not keep key order."""
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    return value


def _by_natural_key(field) -> str | None:
    """Content types and permissions are made by ``migrate`` with ids that differ per database."""
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    remote = getattr(getattr(field, "remote_field", None), "model", None)
    if remote is ContentType:
        return "contenttype"
    if remote is Permission:
        return "permission"
    return None


def _natural(kind: str, pk: int) -> list:
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    if kind == "contenttype":
        return list(ContentType.objects.get_for_id(pk).natural_key())
    return list(Permission.objects.select_related("content_type").get(pk=pk).natural_key())


def _pk(kind: str, key: list) -> int:
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    if kind == "contenttype":
        return ContentType.objects.get_by_natural_key(*key).pk
    return Permission.objects.get_by_natural_key(*key).pk


def _row(model, data: dict, *, with_passwords: bool) -> dict:
    fields = data["fields"]
    for field in model._meta.get_fields():
        name = getattr(field, "name", None)
        if name not in fields:
            continue
        kind = _by_natural_key(field)
        if kind and fields[name] is not None:
            value = fields[name]
            fields[name] = ([_natural(kind, v) for v in value] if isinstance(value, list)
                            else _natural(kind, value))
        if isinstance(field, StreamField) and isinstance(fields[name], str) and fields[name]:
            fields[name] = json.loads(fields[name])
        elif isinstance(field, models.ManyToManyField) and isinstance(fields[name], list):
            fields[name] = sorted(fields[name], key=lambda v: json.dumps(v, sort_keys=True))
    if model._meta.label_lower == "auth.user" and not with_passwords:
        fields.pop("password", None)
    return _canonical(data)


def file_sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def export_all(directory: Path, *, with_passwords: bool = False) -> dict:
    directory = Path(directory)
    data_dir = directory / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    files = {}
    for model in exported_models():
        label = model._meta.label_lower
        path = data_dir / f"{label}.jsonl"
        count = 0
        with path.open("w", encoding="utf-8", newline="\n") as out:
            queryset = model._default_manager.order_by("pk")
            # Serialise in chunks: one object per line, the same bytes from any database.
            for obj in queryset.iterator(chunk_size=500):
                [data] = json.loads(serializers.serialize("json", [obj], cls=LosslessJSONEncoder))
                out.write(json.dumps(_row(model, data, with_passwords=with_passwords), ensure_ascii=False,
                                     sort_keys=True, separators=(",", ":")) + "\n")
                count += 1
        files[f"data/{label}.jsonl"] = {"sha256": file_sha256(path), "lines": count}
    media_root = Path(settings.MEDIA_ROOT)
    if media_root.is_dir():
        for source in sorted(p for p in media_root.rglob("*") if p.is_file()):
            relative = source.relative_to(media_root).as_posix()
            if "renditions/" in relative:
                continue  # derived from the originals
            target = directory / "media" / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
            files[f"media/{relative}"] = {"sha256": file_sha256(target), "bytes": target.stat().st_size}
    manifest = {"format": FORMAT, "version": FORMAT_VERSION, "with_passwords": with_passwords, "files": files}
    (directory / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return manifest


class ImportRefused(Exception):
    pass


def verify(directory: Path) -> dict:
    directory = Path(directory)
    manifest_path = directory / "manifest.json"
    if not manifest_path.is_file():
        raise ImportRefused(f"{manifest_path} 不存在：这不是导出目录。")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT or manifest.get("version") != FORMAT_VERSION:
        raise ImportRefused(f"不支持的导出格式：{manifest.get('format')} 第 {manifest.get('version')} 版。")
    for name, entry in manifest["files"].items():
        path = directory / name
        if not path.is_file() or file_sha256(path) != entry["sha256"]:
            raise ImportRefused(f"文件 {name} 缺失或校验和不符，导出目录已损坏。")
    return manifest


def _target_is_empty() -> bool:
    from cases.models import Case
    from knowledge.models import SolutionArticlePage

    return not Case.objects.exists() and not SolutionArticlePage.objects.exists()


def _deserialize_line(model, line: str, *, with_passwords: bool):
    data = json.loads(line)
    fields = data["fields"]
    for field in model._meta.get_fields():
        name = getattr(field, "name", None)
        kind = _by_natural_key(field)
        if kind and fields.get(name) is not None:
            value = fields[name]
            fields[name] = [_pk(kind, v) for v in value] if value and isinstance(value[0], list) else (
                _pk(kind, value) if value and not isinstance(value[0], list) else value)
        if isinstance(field, StreamField) and name in fields and not isinstance(fields[name], str):
            fields[name] = json.dumps(fields[name], ensure_ascii=False)
    if model._meta.label_lower == "auth.user" and "password" not in fields:
        fields["password"] = "!"  # unusable: the export carried no password hashes
    [obj] = list(serializers.deserialize("json", json.dumps([data])))
    return obj


@transaction.atomic
def import_all(directory: Path) -> dict:
    directory = Path(directory)
    manifest = verify(directory)
    if not _target_is_empty():
        raise ImportRefused("目标数据库已有案件或文章：请导入到刚执行过 migrate 的空数据库。")
    counts = {}
    by_label = {m._meta.label_lower: m for m in exported_models()}
    imported_models = []
    with connection.constraint_checks_disabled():
        _wipe(list(by_label.values()))
        labels = [n[len("data/"):-len(".jsonl")] for n in manifest["files"] if n.startswith("data/")]
        unknown = [label for label in labels if label not in by_label]
        if unknown:
            raise ImportRefused(f"导出中的 {', '.join(unknown)} 在本版本中不存在。")
        # References are primary keys (kept as exported), checked once at the end.
        labels.sort()
        for label in labels:
            name = f"data/{label}.jsonl"
            model = by_label[label]
            count = 0
            with (directory / name).open(encoding="utf-8") as lines:
                for line in lines:
                    obj = _deserialize_line(model, line, with_passwords=manifest["with_passwords"])
                    obj.save()
                    count += 1
            counts[label] = count
            imported_models.append(model)
    connection.check_constraints()
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), imported_models):
            cursor.execute(sql)
    media_root = Path(settings.MEDIA_ROOT)
    for name in manifest["files"]:
        if name.startswith("media/"):
            target = media_root / name[len("media/"):]
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(directory / name, target)
    return counts


def _wipe(models_: list) -> None:
    """Remove what ``migrate`` seeded (root page, groups, districts …): the export has them as they were."""
    tables = []
    for model in models_:
        tables.append(model._meta.db_table)
        for field in model._meta.local_many_to_many:
            through = field.remote_field.through
            if through._meta.auto_created:
                tables.append(through._meta.db_table)
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")
