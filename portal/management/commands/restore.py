from django.conf import settings
from django.core.cache import caches
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from portal import backup


class Command(BaseCommand):
    help = (
        "从 backup 生成的目录恢复数据库和媒体文件：先核对清单中每个文件的大小和 SHA-256、数据库类型和迁移，"
        "全部无误才替换现有数据。"
    )

    def add_arguments(self, parser):
        parser.add_argument("directory")
        parser.add_argument("--check", action="store_true", help="只核对备份，不恢复")
        parser.add_argument("--no-rebuild-index", action="store_true",
                            help="使用 Elasticsearch 时不重建检索索引（之后请自行运行 rebuild_search_index）")
        parser.add_argument("--yes", action="store_true", help="不再询问，直接替换现有数据")

    def handle(self, *args, directory, check, no_rebuild_index, yes, **options):
        try:
            manifest = backup.verify(directory)
        except backup.BackupError as exc:
            raise CommandError(str(exc))
        when = backup.describe_time(manifest)
        self.stdout.write(f"备份核对无误：{when} 的 {backup.ENGINE_LABELS[manifest['engine']]} 备份，"
                          f"{len(manifest['files'])} 个文件。")
        if check:
            return
        if not yes:
            answer = input("恢复将替换当前全部数据和媒体文件，确定吗？输入 yes 继续：")
            if answer.strip().lower() != "yes":
                raise CommandError("已取消，未做任何改动。")
        try:
            result = backup.restore(directory)
        except backup.BackupError as exc:
            raise CommandError(str(exc))
        for cache in caches.all():
            cache.clear()  # pages and counts cached from the replaced data
        self.stdout.write(f"已恢复数据库和 {result.media_files} 个媒体文件（备份时间 {when}）。")
        if result.pending_migrations:
            self.stdout.write("备份早于当前程序版本，请运行 python manage.py migrate。")
        engine = settings.BANCHENG_SEARCH.get("ENGINE", "embedded")
        if engine == "embedded":
            self.stdout.write("检索索引随数据库一同恢复，无需重建。")
        elif no_rebuild_index or result.pending_migrations:
            self.stdout.write("请运行 python manage.py rebuild_search_index 重建检索索引。")
        else:
            self.stdout.write("正在重建检索索引……")
            call_command("rebuild_search_index", stdout=self.stdout, stderr=self.stderr)
