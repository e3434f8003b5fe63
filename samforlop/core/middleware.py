class ContentSecurityPolicyMiddleware:
    """Everything a page needs is served by us (no CDN), so the browser may load nothing else."""

    POLICY = (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'self'"
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", self.POLICY)
        return response


class SessionLifetimeMiddleware:
    """Idle timeout and absolute lifetime for sessions, and no caching of pages that may hold
    patient data. Log-out and deactivation are immediate anyway: the session is deleted on log-out,
    and Django refuses an inactive user on their next request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.contrib.auth import logout

        from samforlop.core import clock

        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = clock.now().timestamp()
            started = request.session.setdefault("started_at", now)
            last_seen = request.session.get("last_seen_at", now)
            if now - started > settings.SESSION_ABSOLUTE_SECONDS or now - last_seen > settings.SESSION_IDLE_SECONDS:
                logout(request)
            elif now - last_seen >= 60 or "last_seen_at" not in request.session:
                # Written at most once a minute: a session save per request would cost a write.
                request.session["last_seen_at"] = now
        response = self.get_response(request)
        if user is not None and user.is_authenticated:
            response.setdefault("Cache-Control", "no-store")
        return response


class LanguageMiddleware:
    """Bokmål for everyone unless the person has chosen English: the choice is kept on the user
    once they have logged in (accounts.User.language) and in the language cookie before. The
    browser's Accept-Language is not asked: a public service in Norway speaks Norwegian first, and a
    shared or borrowed computer set to English should not switch it (replaces LocaleMiddleware;
    after AuthenticationMiddleware, which it needs)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.utils import translation

        languages = dict(settings.LANGUAGES)
        user = getattr(request, "user", None)
        language = getattr(user, "language", "") if user is not None and user.is_authenticated else ""
        if language not in languages:
            language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if language not in languages:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
