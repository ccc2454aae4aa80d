from django.core.management.base import BaseCommand, CommandError

from portal import backup


class Command(BaseCommand):
    help = "备份数据库（SQLite 在线备份或 pg_dump）和媒体文件到新目录，附带校验和清单；用 restore 恢复。"

    def add_arguments(self, parser):
        parser.add_argument("directory", help="新的或空的目录")

    def handle(self, *args, directory, **options):
        try:
            result = backup.backup(directory)
        except backup.BackupError as exc:
            raise CommandError(str(exc))
        self.stdout.write(
            f"已备份 {backup.ENGINE_LABELS[result.engine]} 数据库（{result.database_bytes:,} 字节）和 "
            f"{result.media_files} 个媒体文件（{result.media_bytes:,} 字节）到 {result.directory}，清单 manifest.json。"
        )
