from django.core.management.base import BaseCommand, CommandError

from portal import transfer


class Command(BaseCommand):
    help = "把 export_data 导出的目录导入空数据库（先执行 migrate）；导入后请执行 rebuild_search_index。"

    def add_arguments(self, parser):
        parser.add_argument("directory")

    def handle(self, *args, directory, **options):
        try:
            counts = transfer.import_all(directory)
        except transfer.ImportRefused as exc:
            raise CommandError(str(exc))
        self.stdout.write(f"已导入 {sum(counts.values())} 条记录（{len(counts)} 类）。请执行 rebuild_search_index。")
