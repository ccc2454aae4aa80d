"""Load the demo content of every app, idempotently, and print the demo logins."""

import importlib.util

from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand

from knowledge import demo as knowledge_demo


class Command(BaseCommand):
    help = "创建演示数据（可重复运行）并打印演示账号。"

    def handle(self, *args, **options):
        self.stdout.write("加载知识库演示内容…")
        knowledge_demo.load(stdout=self.stdout)
        # The case desk ships its own demo module once it exists.
        if importlib.util.find_spec("cases.demo") is not None:
            from cases import demo as cases_demo

            self.stdout.write("加载案例演示数据…")
            cases_demo.load()
        if "rebuild_search_index" in get_commands():
            self.stdout.write("重建搜索索引…")
            call_command("rebuild_search_index")
        self.stdout.write("")
        self.stdout.write(knowledge_demo.logins_text())
        if importlib.util.find_spec("cases.demo") is not None:
            from cases import demo as cases_demo

            # The case desk's own role accounts, if it describes them.
            if hasattr(cases_demo, "logins_text"):
                self.stdout.write(cases_demo.logins_text())
        self.stdout.write("公开网站：/    管理后台：/admin/")
