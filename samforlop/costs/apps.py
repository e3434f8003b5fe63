from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured


class CostsConfig(AppConfig):
    name = "samforlop.costs"
    label = "costs"

    def ready(self):
        # The co-payment ceiling per year and the high-cost flag are rules as data, checked at start-up.
        from samforlop.costs.rules import RulesError, get_rules

        try:
            get_rules()
        except RulesError as e:
            raise ImproperlyConfigured(f"Costs rules error: {e}") from e
