from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "samforlop.core"
    label = "core"

    def ready(self):
        # The municipality register is data: a mistake in it stops start-up, naming the place.
        from samforlop.core.municipalities import register

        register()
