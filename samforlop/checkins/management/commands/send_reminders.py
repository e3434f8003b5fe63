import time

from django.core.management.base import BaseCommand

from samforlop.checkins.actions import reminders_step
from samforlop.core import clock
from samforlop.offers.actions import recommendation_reminder_step, stale_offer_step

# Each step sends at most one item; `any` stops at the first that did.
STEPS = (reminders_step, recommendation_reminder_step, stale_offer_step)


class Command(BaseCommand):
    help = ("Queue due reminders (check-ins, second reminders, blood tests, unanswered recommendations, stale "
            "offers), one per step (runs until stopped, or --once).")

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Queue what is due now, then stop.")
        parser.add_argument("--interval", type=float, default=60.0, help="Seconds to wait when nothing is due.")

    def handle(self, *args, once, interval, **options):
        queued = 0
        while True:
            now = clock.now()
            if any(step(now) is not None for step in STEPS):
                queued += 1
                continue
            if once:
                break
            time.sleep(interval)
        self.stdout.write(f"Queued {queued} reminder(s).")
