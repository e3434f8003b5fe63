from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured


class PathwaysConfig(AppConfig):
    name = "samforlop.pathways"
    label = "pathways"

    def ready(self):
        # Rules as data are checked when the process starts, not when a patient first needs them.
        from samforlop.pathways.definitions import DefinitionError, all_definitions

        try:
            all_definitions()
        except DefinitionError as e:
            raise ImproperlyConfigured(f"Pathway definition error: {e}") from e
