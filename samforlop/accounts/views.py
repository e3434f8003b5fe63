import datetime as dt
import logging

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from samforlop.accounts.models import LoginAttempt, Organisation, User
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
