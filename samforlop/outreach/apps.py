from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured


class OutreachConfig(AppConfig):
    name = "samforlop.outreach"
    label = "outreach"

    def ready(self):
        # The outreach list's thresholds and the arena's recurrence are rules as data, checked at start-up.
        from samforlop.outreach.rules import RulesError, get_rules

        try:
            get_rules()
        except RulesError as e:
            raise ImproperlyConfigured(f"Outreach rules error: {e}") from e
