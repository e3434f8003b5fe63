import json
import sys

from django.core.management.base import BaseCommand, CommandError

from samforlop.accounts.models import Organisation
from samforlop.audit.models import record_audit
from samforlop.core import clock
from samforlop.pathways.eventfile import export_records
from samforlop.pathways.models import Pathway


class Command(BaseCommand):
    help = "Export pathway events as JSON Lines (the import format)."

    def add_arguments(self, parser):
        parser.add_argument("--clinic", help="Only this clinic's pathways (organisation number).")
        parser.add_argument("--output", "-o", help="Write to this file instead of standard output.")

    def handle(self, *args, clinic=None, output=None, **options):
        pathways = None
        if clinic:
            organisation = Organisation.objects.filter(org_number=clinic).first()
            if organisation is None:
                raise CommandError(f"clinic: no organisation with number {clinic}")
            pathways = Pathway.objects.filter(clinic=organisation)
        stream = open(output, "w", encoding="utf-8") if output else sys.stdout
        count = 0
        try:
            for record in export_records(pathways):
                stream.write(json.dumps(record, ensure_ascii=False) + "\n")
                count += 1
        finally:
            if output:
                stream.close()
        # The file holds identity numbers: keep a row saying what was exported, and when.
        record_audit(actor=None, action="events_exported", object_type="pathways.export",
                     object_id=clinic or "all", at=clock.now(), events=count)
