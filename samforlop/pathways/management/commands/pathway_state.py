import datetime as dt
import json as jsonlib

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Prefetch

from samforlop.accounts.models import Organisation
from samforlop.audit.models import record_audit
from samforlop.core import clock
from samforlop.pathways.models import Pathway, PathwayEvent


class Command(BaseCommand):
    help = "Print each pathway's derived state: status, next milestone, deadline, time limits."

    def add_arguments(self, parser):
        parser.add_argument("--clinic", help="Only this clinic (organisation number).")
        parser.add_argument("--as-of", help="Compute as of this date (YYYY-MM-DD); default today in Europe/Oslo.")
        parser.add_argument("--json", action="store_true", help="JSON output (one array).")

    def handle(self, *args, clinic=None, as_of=None, json=False, **options):
        try:
            today = dt.date.fromisoformat(as_of) if as_of else clock.today()
        except ValueError:
            raise CommandError(f"--as-of: '{as_of}' is not a date in the form YYYY-MM-DD")
        pathways = Pathway.objects.select_related("patient").prefetch_related(
            Prefetch("events", queryset=PathwayEvent.objects.order_by("pk"))
        ).order_by("created_at", "pk")
        if clinic:
            organisation = Organisation.objects.filter(org_number=clinic).first()
            if organisation is None:
                raise CommandError(f"--clinic: no organisation with number {clinic}")
            pathways = pathways.filter(clinic=organisation)
        rows = [self._row(p, today) for p in pathways.iterator(chunk_size=1000)]
        # The output names patients by identity number: keep a row saying it was read.
        record_audit(actor=None, action="pathway_state_read", object_type="pathways.state",
                     object_id=clinic or "all", at=clock.now(), pathways=len(rows), as_of=today.isoformat())
        if json:
            self.stdout.write(_json_dumps(rows))
            return
        for row in rows:
            limits = ", ".join(f"{l['key']}={l['state']}" for l in row["time_limits"])
            self.stdout.write(
                f"{row['id']}  {row['status']:<7} next={row['next_milestone'] or '-'} "
                f"deadline={row['deadline'] or '-'} days_left={row['days_left']}  {limits}"
            )

    def _row(self, pathway, today):
        derived = pathway.derive(today, list(pathway.events.all()))
        return {
            "id": pathway.external_id,
            "patient": pathway.patient.national_id,
            "patient_id": str(pathway.patient_id),
            "type": pathway.type,
            "status": derived.status,
            "phase": derived.phase,
            "outcome": derived.outcome or None,
            "next_milestone": derived.next_milestone,
            "deadline": derived.next_deadline.isoformat() if derived.next_deadline else None,
            "days_left": derived.days_left(today),
            "time_limits": [
                {"key": ls.limit.key, "state": ls.state, "elapsed_days": ls.elapsed_days,
                 "limit_days": ls.limit.days, "deadline": ls.deadline.isoformat() if ls.deadline else None}
                for ls in derived.limits
            ],
        }


def _json_dumps(rows):
    return jsonlib.dumps(rows, ensure_ascii=False, indent=2)
