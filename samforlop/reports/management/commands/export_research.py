import datetime as dt
import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from samforlop.audit.models import record_audit
from samforlop.core import clock
from samforlop.reports import research


class Command(BaseCommand):
    help = ("Research export without direct identifiers (data.csv and README.txt in --output). "
            "The pseudonymisation key is read from SAMFORLOP_RESEARCH_KEY, never from the database.")

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="date_from", required=True, help="YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", required=True, help="YYYY-MM-DD")
        parser.add_argument("--output", required=True, help="A directory to write data.csv and README.txt into.")

    def handle(self, *args, date_from, date_to, output, **options):
        key = os.environ.get("SAMFORLOP_RESEARCH_KEY", "")
        if len(key) < 16:
            raise CommandError("Set SAMFORLOP_RESEARCH_KEY (at least 16 characters) outside the database.")
        try:
            start, end = dt.date.fromisoformat(date_from), dt.date.fromisoformat(date_to)
        except ValueError:
            raise CommandError("--from and --to are dates in the form YYYY-MM-DD")
        rows = research.rows(start, end, key.encode())
        folder = Path(output)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "data.csv").write_text(research.render_csv(rows), encoding="utf-8")
        (folder / "README.txt").write_text(research.README, encoding="utf-8")
        from samforlop.audit.models import log_access
        from samforlop.pathways.models import Pathway
        from samforlop.patients.models import Patient

        exported = Patient.objects.filter(pk__in=Pathway.objects.filter(
            started_on__gte=start, started_on__lte=end).values("patient_id"))
        if exported:
            log_access(user=None, what="research_export_command", at=clock.now(), patients=list(exported))
        record_audit(actor=None, action="research_exported", object_type="reports.research",
                     object_id=f"{start}..{end}", at=clock.now(), rows=len(rows))
        self.stdout.write(f"Wrote {len(rows)} rows to {folder / 'data.csv'}")
