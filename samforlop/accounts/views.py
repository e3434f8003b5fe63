import datetime as dt
import logging
import time

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from samforlop.accounts import oidc
from samforlop.accounts.models import LoginAttempt, LoginRefusal, Organisation, User
from samforlop.core import clock

logger = logging.getLogger("samforlop.login")


def _demo_users():
    """Demo users grouped by organisation, the specialist clinics first (as a coordinator expects)."""
    kinds = list(Organisation.Kind.values)
    users = User.objects.filter(is_demo=True, is_active=True).select_related("organisation", "patient")

    def order(user):
        if user.organisation is None:  # patients last
            return (len(kinds), "", user.username)
        return (kinds.index(user.organisation.kind), user.organisation.name, user.username)

    return sorted(users, key=order)


MAX_FAILURES = 5
WINDOW = dt.timedelta(minutes=15)


class RateLimitedAuthenticationForm(AuthenticationForm):
    """Five failed log-ins for a username, or from one address, within 15 minutes stop further
    tries until the window has passed; every failure is recorded."""

    def clean(self):
        now = clock.now()
        username = (self.data.get("username") or "")[:150]
        address = self.request.META.get("REMOTE_ADDR") if self.request else None
        recent = LoginAttempt.objects.filter(at__gt=now - WINDOW)
        if recent.filter(username=username).count() >= MAX_FAILURES or (
                address and recent.filter(address=address).count() >= MAX_FAILURES * 4):
            logger.warning("log-in refused: too many failed attempts")
            raise ValidationError(_("Too many failed attempts. Try again in 15 minutes."), code="rate_limited")
        try:
            return super().clean()
        except ValidationError:
            LoginAttempt.objects.create(at=now, username=username, address=address)
            logger.warning("log-in refused: wrong username or password")
            raise


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True
    authentication_form = RateLimitedAuthenticationForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # One-click demo log-in exists only in development.
        context["demo_users"] = _demo_users() if settings.DEBUG else []
        context["oidc_providers"] = list(oidc.providers().values())
        return context


@require_POST
def demo_login(request):
    if not settings.DEBUG:
        raise Http404()
    user = User.objects.filter(is_demo=True, is_active=True, username=request.POST.get("username", "")).first()
    if user is None:
        raise Http404()
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect("portal:home" if user.patient_id else settings.LOGIN_REDIRECT_URL)


# --- National log-in (OpenID Connect): see accounts/oidc.py ----------------------------------

PENDING_KEY = "oidc_pending"
MAX_PENDING = 5  # log-ins started in other tabs stay valid, but not without bound


def _refusal_message(reason: str) -> str:
    if reason == "level_too_low":
        return _("Log-in refused: this service requires log-in at the highest security level.")
    if reason == "no_such_user":
        return _("Log-in refused: you are not registered as a user of Samforløp. Contact your organisation or the clinic.")
    if reason == "organisation_mismatch":
        return _("Log-in refused: you logged in on behalf of an organisation you are not registered with in Samforløp.")
    if reason == "inactive_user":
        return _("Log-in refused: your user account has been deactivated.")
    if reason == "unknown_state":
        return _("The log-in has expired or was already used. Please start again.")
    if reason == "provider_error":
        return _("The identity provider could not complete the log-in. Please try again later.")
    return _("Log-in refused: the answer from the identity provider could not be verified.")


def _refuse(request, provider_name: str, refused: oidc.Refused):
    """Record and log the refusal and show the log-in page with a message (403)."""
    reason = refused.reason if refused.reason in LoginRefusal.Reason.values else "token_error"
    LoginRefusal.objects.create(at=clock.now(), provider=provider_name[:32], reason=reason,
                                address=request.META.get("REMOTE_ADDR") or None)
    if refused.detail:
        logger.warning("oidc log-in refused: %s (%s: %s)", reason, provider_name, refused.detail)
    else:
        logger.warning("oidc log-in refused: %s (%s)", reason, provider_name)
    view = LoginView()
    view.setup(request)
    context = view.get_context_data(form=RateLimitedAuthenticationForm(request), oidc_error=_refusal_message(reason))
    return render(request, LoginView.template_name, context, status=403)


def _redirect_uri(provider_name: str) -> str:
    # Built from SITE_URL, not the Host header: it must be the address registered with the provider.
    return settings.SITE_URL.rstrip("/") + reverse("accounts:oidc_callback", args=[provider_name])


@require_GET
def oidc_start(request, provider):
    config = oidc.get_provider(provider)
    if config is None:
        raise Http404()
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        next_url = ""
    state, pending = oidc.new_pending(config, _redirect_uri(provider), next_url)
    try:
        url = oidc.authorization_url(config, state=state, nonce=pending.nonce,
                                     code_verifier=pending.code_verifier, redirect_uri=pending.redirect_uri)
    except oidc.Refused as refused:
        return _refuse(request, provider, refused)
    started = dict(request.session.get(PENDING_KEY) or {})
    started[state] = pending.as_dict()
    # Keep the newest few.
    started = dict(sorted(started.items(), key=lambda item: item[1]["started"])[-MAX_PENDING:])
    request.session[PENDING_KEY] = started
    return HttpResponseRedirect(url)


@require_GET
def oidc_callback(request, provider):
    config = oidc.get_provider(provider)
    if config is None:
        raise Http404()
    try:
        user, pending = _complete_log_in(request, config)
    except oidc.Refused as refused:
        return _refuse(request, provider, refused)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session["login_method"] = f"oidc:{provider}"
    if pending.next_url:
        return HttpResponseRedirect(pending.next_url)
    return redirect("portal:home" if user.patient_id else settings.LOGIN_REDIRECT_URL)


def _complete_log_in(request, config):
    state = request.GET.get("state", "")
    started = dict(request.session.get(PENDING_KEY) or {})
    entry = started.pop(state, None) if state else None  # single use, whatever happens next
    request.session[PENDING_KEY] = started
    if entry is None or entry.get("provider") != config.name:
        raise oidc.Refused("unknown_state")
    pending = oidc.Pending(**entry)
    if time.time() - pending.started > oidc.PENDING_SECONDS:
        raise oidc.Refused("unknown_state", "the log-in was started too long ago")
    # RFC 9207: the authorization response names its issuer (defends against mix-up attacks).
    if "iss" in request.GET and request.GET["iss"].rstrip("/") != config.issuer:
        raise oidc.Refused("wrong_issuer", "authorization response from another issuer")
    if request.GET.get("error"):
        raise oidc.Refused("provider_error", f"authorization error {request.GET['error'][:64]!r}")
    code = request.GET.get("code", "")
    if not code:
        raise oidc.Refused("provider_error", "no code in the authorization response")
    answer = oidc.exchange_code(config, code=code, pending=pending)
    claims = oidc.validate_id_token(config, answer["id_token"], expected_nonce=pending.nonce)
    oidc.record_nonce(config, claims["nonce"], clock.now())
    return oidc.find_user(config, claims), pending
