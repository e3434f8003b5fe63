from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from samforlop.accounts.models import Organisation, User
from samforlop.core import clock
from samforlop.fhir.actions import register_fhir_client


class Command(BaseCommand):
    help = ("Register a system that may call the FHIR API with an organisation's access "
            "(by that organisation's administrator). Prints the client id.")

    def add_arguments(self, parser):
        parser.add_argument("--organisation", required=True, help="organisation number")
        parser.add_argument("--jwk-file", required=True, help="the client's PUBLIC key as a JWK (JSON)")
        parser.add_argument("--actor", required=True, help="username of the organisation's administrator")
        parser.add_argument("--name", default="", help="the system's name (default: the organisation's name)")
        parser.add_argument("--client-id", default="", help="the client id (default: generated)")
        parser.add_argument("--reporting", action="store_true",
                            help="give the client the reporting role (bulk export, as the registry export)")

    def handle(self, *args, **options):
        organisation = Organisation.objects.filter(org_number=options["organisation"]).first()
        if organisation is None:
            raise CommandError("No organisation has that organisation number.")
        actor = User.objects.filter(username=options["actor"]).first()
        if actor is None:
            raise CommandError("No user has that username.")
        try:
            public_key = Path(options["jwk_file"]).read_text(encoding="utf-8")
        except OSError as error:
            raise CommandError(f"Cannot read the key file: {error.strerror}") from None
        try:
            client = register_fhir_client(organisation=organisation, name=options["name"] or organisation.name,
                                          public_key=public_key, actor=actor, now=clock.now(),
                                          client_id=options["client_id"], reporting=options["reporting"])
        except PermissionDenied as error:
            raise CommandError(str(error)) from None
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(client.client_id)
