import time

from django.core.management.base import BaseCommand

from samforlop.core import clock
from samforlop.messaging.actions import deliver_next


class Command(BaseCommand):
    help = "Deliver the outbox by e-mail, one message per step (runs until stopped, or --once)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Send what is due now, then stop.")
        parser.add_argument("--interval", type=float, default=5.0, help="Seconds to wait when nothing is due.")

    def handle(self, *args, once, interval, **options):
        sent = 0
        while True:
            message = deliver_next(clock.now())
            if message is not None:
                sent += 1
                continue
            if once:
                break
            time.sleep(interval)
        self.stdout.write(f"Processed {sent} message(s).")
