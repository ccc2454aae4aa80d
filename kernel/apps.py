from django.apps import AppConfig


class KernelConfig(AppConfig):
    name = "kernel"
    verbose_name = "共享内核"

    def ready(self):
        from . import exports

        # Every CSV the admin writes: formulas neutralised, a BOM for Excel (kernel/exports.py).
        exports.install()
