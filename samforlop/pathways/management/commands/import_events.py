import sys

from django.core.management.base import BaseCommand, CommandError

from samforlop.core import clock
from samforlop.pathways.eventfile import ImportFailed, import_lines


class Command(BaseCommand):
    help = "Import pathway events from a JSON Lines file (all or nothing). See README: 'Event files'."

    def add_arguments(self, parser):
        parser.add_argument("file", help="JSON Lines file, or - for standard input")
        parser.add_argument("--create-missing", action="store_true",
                            help="Create unknown patients and clinics from their numbers instead of refusing.")

    def handle(self, *args, file, create_missing, **options):
        try:
            stream = sys.stdin if file == "-" else open(file, encoding="utf-8")
        except OSError as e:
            raise CommandError(f"Cannot read {file}: {e.strerror}")
        with stream:
            lines = stream.read().splitlines()
        try:
            result = import_lines(lines, create_missing=create_missing, now=clock.now())
        except ImportFailed as e:
            for number, message in e.errors:
                self.stderr.write(f"line {number}: {message}")
            raise CommandError(f"Nothing imported: {len(e.errors)} line(s) with errors.")
        self.stdout.write(f"Imported {result.created} event(s); {result.already_present} already present.")
