from django.urls import include, path
from django.views.generic import RedirectView

from samforlop.core import views as core_views

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="pathways:worklist", permanent=False)),
    path("healthz", core_views.healthz, name="healthz"),
    path("accounts/", include("samforlop.accounts.urls")),
    path("patients/", include("samforlop.patients.urls")),
    path("", include("samforlop.pathways.urls")),
    path("", include("samforlop.messaging.urls")),
    path("referrals/", include("samforlop.referrals.urls")),
    path("", include("samforlop.assessments.urls")),
    path("", include("samforlop.meetings.urls")),
    path("", include("samforlop.careplan.urls")),
    path("", include("samforlop.checkins.urls")),
    path("", include("samforlop.tasks.urls")),
    path("", include("samforlop.offers.urls")),
    path("reports/", include("samforlop.reports.urls")),
    path("fhir/", include("samforlop.fhir.urls")),
    path("", include("samforlop.work.urls")),
    path("", include("samforlop.costs.urls")),
    path("", include("samforlop.outreach.urls")),
    path("", include("samforlop.portal.urls")),
    path("i18n/setlang/", core_views.set_language, name="set_language"),
]

# A malformed id in a form or query string (samforlop.core.ids) answers 400 with our own page.
handler400 = "samforlop.core.views.bad_request"
