from django.core.management.base import BaseCommand

from portal import transfer


class Command(BaseCommand):
    help = "导出全部数据（JSON Lines + 媒体文件 + 带校验和的清单），可用 import_data 导入空数据库。"

    def add_arguments(self, parser):
        parser.add_argument("directory")
        parser.add_argument("--with-passwords", action="store_true", help="同时导出密码摘要（默认不导出）")

    def handle(self, *args, directory, with_passwords, **options):
        manifest = transfer.export_all(directory, with_passwords=with_passwords)
        rows = sum(e.get("lines", 0) for e in manifest["files"].values())
        media = sum(1 for name in manifest["files"] if name.startswith("media/"))
        self.stdout.write(f"已导出 {rows} 条记录、{media} 个媒体文件到 {directory}。")
