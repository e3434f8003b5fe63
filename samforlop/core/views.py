from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST


@require_GET
@never_cache
def healthz(request):
    """Answers 200 only when the database answers a query."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any failure means "not healthy"
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@require_POST
def set_language(request):
    """The language switch: Django's (the cookie, for before log-in), and kept on the person."""
    from django.views.i18n import set_language as django_set_language

    from samforlop.accounts.actions import choose_language
    from samforlop.core import clock

    response = django_set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        choose_language(user=request.user, language=language, now=clock.now())
    return response


def bad_request(request, exception=None):
    """The 400 page (a malformed id in a form or query string, core.ids): plain, in the user's
    language, with the site's header, and never the submitted value."""
    from django.shortcuts import render

    return render(request, "400.html", status=400)
