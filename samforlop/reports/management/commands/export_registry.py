import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from samforlop.audit.models import log_access, record_audit
from samforlop.patients.models import Patient
from samforlop.core import clock
from samforlop.reports import registry


class Command(BaseCommand):
    help = "Export the pathway events of a period for the national patient registry (csv or json)."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="date_from", required=True, help="YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", required=True, help="YYYY-MM-DD")
        parser.add_argument("--format", choices=["csv", "json"], default="csv")
        parser.add_argument("--output", "-o", help="Write to this file instead of standard output.")

    def handle(self, *args, date_from, date_to, format, output=None, **options):
        try:
            start, end = dt.date.fromisoformat(date_from), dt.date.fromisoformat(date_to)
        except ValueError:
            raise CommandError("--from and --to are dates in the form YYYY-MM-DD")
        if end < start:
            raise CommandError("--to is before --from")
        rows = registry.records(start, end)
        text = registry.render(rows, format)
        if output:
            with open(output, "w", encoding="utf-8", newline="") as f:
                f.write(text)
        else:
            self.stdout.write(text, ending="")
        # The file holds identity numbers: every patient in it gets an access-log row, and the
        # export itself an audit row.
        patients = list(Patient.objects.filter(national_id__in={r["patient_national_id"] for r in rows}))
        if patients:
            log_access(user=None, what="registry_export_command", at=clock.now(), patients=patients)
        record_audit(actor=None, action="registry_exported", object_type="reports.registry",
                     object_id=f"{start}..{end}", at=clock.now(), rows=len(rows), format=format)
