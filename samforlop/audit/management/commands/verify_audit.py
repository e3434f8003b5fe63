from django.core.management.base import BaseCommand, CommandError

from samforlop.audit.models import verify_access_log


class Command(BaseCommand):
    help = "Check the access log's hash chain; names any edited or deleted row (exit 1 if any)."

    def handle(self, *args, **options):
        problems = verify_access_log()
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"The access log has been tampered with: {len(problems)} problem(s).")
        self.stdout.write("The access log is intact.")
