from django.core.management.base import BaseCommand

from cases import selectors, services


class Command(BaseCommand):
    help = (
        "Delete reporters' personal data from archived cases whose retention period "
        "(BANCHENG_PERSONAL_DATA_RETENTION_DAYS after archiving) has ended. Run daily, e.g. from cron."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="only count the cases that are due")

    def handle(self, *args, dry_run=False, **options):
        due = selectors.cases_due_for_personal_data_erasure()
        days = selectors.personal_data_retention_days()
        if dry_run:
            self.stdout.write(f"due (retention {days} days after archiving): {due.count()}")
            return
        erased = 0
        for case in due.iterator():
            services.case_personal_data_erase(case=case, author=None)
            erased += 1
        self.stdout.write(f"erased: {erased} (retention {days} days after archiving)")
