from django.core.management.base import BaseCommand, CommandError

from samforlop.accounts.models import User
from samforlop.demo.world import build_world


class Command(BaseCommand):
    help = "Create a believable, deterministic demo world (synthetic identity numbers only)."

    def add_arguments(self, parser):
        parser.add_argument("--patients", type=int, default=60, help="How many patients (default 60).")
        parser.add_argument("--seed", type=int, default=1, help="Random seed: the same seed gives the same world.")
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when demo data is already loaded.")

    def handle(self, *args, patients, seed, if_empty, **options):
        if patients < 0:
            raise CommandError("--patients must be 0 or more")
        if if_empty and User.objects.filter(is_demo=True).exists():
            self.stdout.write("Demo data already loaded.")
            return
        world = build_world(patients=patients, seed=seed)
        self.stdout.write(
            f"Demo world: {len(world.organisations)} organisations, {len(world.staff)} staff, "
            f"{len(world.patients)} patients."
        )
