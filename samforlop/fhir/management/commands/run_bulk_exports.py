import time

from django.core.management.base import BaseCommand

from samforlop.core import clock
from samforlop.fhir.actions import purge_expired_bulk_exports, run_bulk_export_step


class Command(BaseCommand):
    help = ("Work through the FHIR Bulk Data exports, one step (one resource type's file) at a time, and "
            "purge the files of expired exports (runs until stopped, or --once).")

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Do what is queued now, then stop.")
        parser.add_argument("--interval", type=float, default=5.0, help="Seconds to wait when nothing is queued.")

    def handle(self, *args, once, interval, **options):
        steps = 0
        while True:
            if run_bulk_export_step(clock.now()) is not None:
                steps += 1
                continue
            purge_expired_bulk_exports(clock.now())
            if once:
                break
            time.sleep(interval)
        self.stdout.write(f"Ran {steps} export step(s).")
