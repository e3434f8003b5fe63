from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured


class WorkConfig(AppConfig):
    name = "samforlop.work"
    label = "work"

    def ready(self):
        # The follow-up intervals, adjustments, support schemes and the letter's default text are
        # rules as data, checked when the process starts.
        from samforlop.work.rules import RulesError, get_rules

        try:
            get_rules()
        except RulesError as e:
            raise ImproperlyConfigured(f"Work rules error: {e}") from e
