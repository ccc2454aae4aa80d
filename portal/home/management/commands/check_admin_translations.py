"""List Wagtail admin strings that neither Wagtail's zh_Hans catalogue nor ours translates.

Run after upgrading Wagtail. Add what it prints to locale/zh_Hans/LC_MESSAGES/
django.po (djangojs.po for the djangojs domain), then compile:
msgfmt --check-format -o django.mo django.po
"""

from pathlib import Path

import polib
import wagtail
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


def _translated(path: Path) -> set:
    if not path.exists():
        return set()
    return {(e.msgctxt, e.msgid) for e in polib.pofile(str(path)) if e.translated()}


def untranslated_wagtail_strings() -> list[tuple[str, str | None, str]]:
    """(domain, msgctxt, msgid) of every Wagtail string without a zh_Hans translation."""
    ours = [Path(p) / "zh_Hans" / "LC_MESSAGES" for p in settings.LOCALE_PATHS]
    missing = []
    for english in sorted(Path(wagtail.__file__).parent.glob("**/locale/en/LC_MESSAGES/*.po")):
        domain = english.stem
        done = _translated(Path(str(english).replace("/en/", "/zh_Hans/")))
        for directory in ours:
            done |= _translated(directory / f"{domain}.po")
        for entry in polib.pofile(str(english)):
            if not entry.obsolete and (entry.msgctxt, entry.msgid) not in done:
                missing.append((domain, entry.msgctxt, entry.msgid))
    return missing


class Command(BaseCommand):
    help = "列出 Wagtail 后台尚无简体中文译文的字符串。"

    def handle(self, *args, **options):
        missing = untranslated_wagtail_strings()
        for domain, context, msgid in missing:
            self.stdout.write(f"{domain}\t{context or ''}\t{msgid!r}")
        if missing:
            raise CommandError(f"{len(missing)} 条 Wagtail 后台字符串没有中文译文。")
        self.stdout.write("Wagtail 后台字符串均有中文译文。")
