"""/fhir/...: each endpoint module contributes its `urlpatterns`; anything else is an
OperationOutcome saying it is not supported."""

from samforlop.fhir import views
from samforlop.fhir.capability import endpoint_modules

app_name = "fhir"

urlpatterns = [pattern for module in endpoint_modules() for pattern in module.urlpatterns] + views.catch_all
