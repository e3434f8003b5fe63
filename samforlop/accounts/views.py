from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from samforlop.accounts.models import Organisation, User


def _demo_users():
    """Demo users grouped by organisation, the specialist clinics first (as a coordinator expects)."""
    kinds = list(Organisation.Kind.values)
    users = User.objects.filter(is_demo=True, is_active=True).select_related("organisation", "patient")

    def order(user):
        if user.organisation is None:  # patients last
            return (len(kinds), "", user.username)
        return (kinds.index(user.organisation.kind), user.organisation.name, user.username)

    return sorted(users, key=order)


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

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
