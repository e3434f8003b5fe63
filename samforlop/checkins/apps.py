from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured


class CheckinsConfig(AppConfig):
    name = "samforlop.checkins"
    label = "checkins"

    def ready(self):
        # Questionnaires are rules as data, checked when the process starts.
        from samforlop.checkins.questionnaire import QuestionnaireError, all_questionnaires

        try:
            all_questionnaires()
        except QuestionnaireError as e:
            raise ImproperlyConfigured(f"Questionnaire definition error: {e}") from e
