import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from samforlop.audit.models import log_access
from samforlop.core import clock, ids
from samforlop.core.forms import show_refusal
from samforlop.core.decorators import staff_required
from samforlop.offers import actions
from samforlop.offers.forms import AnswerForm, ImportForm, OfferForm, PreferencesForm, PublicFilterForm, RecommendForm
from samforlop.offers.models import Offer, Recommendation
from samforlop.patients.access import get_patient_for_user
from samforlop.patients.models import HEALTH_PERSONNEL_ONLY
from samforlop.portal.views import patient_required


def public_offers(filters: dict):
    offers = Offer.objects.filter(served__municipality=filters["municipality"]).select_related("provider").distinct()
    if filters.get("kind"):
        offers = offers.filter(kind=filters["kind"])
    if filters.get("no_referral"):
        offers = offers.filter(needs_referral=False, needs_decision=False)
    if filters.get("free"):
        offers = offers.filter(cost_nok=0)
    if filters.get("transport"):
        offers = offers.filter(transport=True)
    if filters.get("without_diagnosis"):
        offers = offers.filter(open_without_diagnosis=True)
    if filters.get("q"):
        offers = offers.filter(Q(title__icontains=filters["q"]) | Q(description__icontains=filters["q"]))
    return offers.order_by("title")


@require_GET
def catalogue(request):
    """Public: a municipality's offers, searchable and filterable, no log-in."""
    form = PublicFilterForm(request.GET or None)
    offers, today = None, clock.today()
    if form.is_bound and form.is_valid():
        offers = list(public_offers(form.cleaned_data))
        for offer in offers:
            offer.stale = actions.is_stale(offer, today)
    return render(request, "offers/catalogue.html", {"form": form, "offers": offers, "today": today},
                  status=400 if form.is_bound and not form.is_valid() else 200)


@require_GET
def offer_detail(request, offer_id):
    offer = get_object_or_404(Offer.objects.select_related("provider").prefetch_related("served"), pk=offer_id)
    today = clock.today()
    staff = request.user.is_authenticated and request.user.organisation_id is not None
    rehabilitation = []
    if offer.kind == Offer.Kind.WARM_CLIMATE_TRIP:
        rehabilitation = Offer.objects.filter(kind=Offer.Kind.REHABILITATION_STAY).order_by("title")[:10]
    return render(request, "offers/detail.html", {
        "offer": offer, "stale": actions.is_stale(offer, today), "today": today,
        "uptake": actions.uptake(offer) if staff else None, "rehabilitation": rehabilitation,
    })


BOOLEAN_PARAMETERS = ("no_referral", "free", "transport", "without_diagnosis")


@require_GET
def api_offers(request):
    """GET /api/public/offers?municipality=NNNN[&kind=…][&no_referral=1][&free=1][&transport=1][&q=…]"""
    unknown = sorted(set(request.GET) - {"municipality", "kind", "q", *BOOLEAN_PARAMETERS})
    errors = {name: "unknown parameter" for name in unknown}
    for name in BOOLEAN_PARAMETERS:
        if request.GET.get(name, "0") not in ("0", "1"):
            errors[name] = "must be 0 or 1"
    form = PublicFilterForm(request.GET)
    if not form.is_valid():
        errors.update({name: " ".join(str(m) for m in messages) for name, messages in form.errors.items()})
    if errors:
        response = JsonResponse({"error": "bad request", "parameters": errors}, status=400)
    else:
        today = clock.today()
        response = JsonResponse({"municipality": form.cleaned_data["municipality"], "offers": [{
            "id": str(o.pk), "title": o.title, "description": o.description, "kind": o.kind,
            "provider": o.provider.name, "open_without_diagnosis": o.open_without_diagnosis,
            "diagnosis_groups": o.diagnosis_groups, "needs_referral": o.needs_referral,
            "needs_decision": o.needs_decision, "cost_nok": o.cost_nok,
            "counts_toward_exemption": o.counts_toward_exemption, "transport": o.transport,
            "accessibility": o.accessibility, "languages": o.languages, "place": o.place, "schedule": o.schedule,
            "next_start_dates": o.next_start_dates, "seats": o.seats, "contact": o.contact,
            "last_verified": o.last_verified.isoformat(), "stale": actions.is_stale(o, today),
            "url": request.build_absolute_uri(f"/offers/{o.pk}/"),
        } for o in public_offers(form.cleaned_data)]})
    # A municipality's own web site may embed the list.
    response["Access-Control-Allow-Origin"] = "*"
    return response


# --- Editors -----------------------------------------------------------------------------------------

def _get_offer_for_editor(user, offer_id) -> Offer:
    """Only the providing organisation's staff edit an offer; for anyone else it does not exist."""
    offer = Offer.objects.filter(pk=offer_id, provider_id=user.organisation_id).first()
    if offer is None:
        raise Http404()
    return offer


@require_http_methods(["GET", "POST"])
@staff_required
def mine(request):
    today = clock.today()
    offers = list(Offer.objects.filter(provider_id=request.user.organisation_id).prefetch_related("served"))
    uptake = actions.uptake_for(offers)
    for offer in offers:
        offer.stale = actions.is_stale(offer, today)
        offer.uptake = uptake[offer.pk]
    offers.sort(key=lambda o: (not o.stale, o.title))
    import_form, import_errors, imported = ImportForm(), [], None
    if request.method == "POST":
        import_form = ImportForm(request.POST, request.FILES)
        if import_form.is_valid():
            text = import_form.cleaned_data["file"].read().decode("utf-8-sig", errors="replace")
            try:
                imported = actions.import_offers_csv(editor=request.user, text=text, now=clock.now())
                return redirect("offers:mine")
            except actions.ImportFailed as e:
                import_errors = e.errors
    return render(request, "offers/mine.html", {"offers": offers, "import_form": import_form,
                                                "import_errors": import_errors, "imported": imported},
                  status=400 if import_errors else 200)


@require_GET
@staff_required
def export(request):
    response = HttpResponse(actions.export_offers_csv(request.user.organisation), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="offers.csv"'
    return response


@require_http_methods(["GET", "POST"])
@staff_required
def edit(request, offer_id=None):
    offer = _get_offer_for_editor(request.user, offer_id) if offer_id else None
    initial = {}
    if offer is not None:
        initial = {"municipalities": " ".join(offer.served.values_list("municipality", flat=True)),
                   "next_start_dates": " ".join(offer.next_start_dates)}
    form = OfferForm(request.POST or None, instance=offer, initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields if name != "municipalities"}
        try:
            saved = actions.save_offer(editor=request.user, fields=fields, municipalities=form.cleaned_data["municipalities"],
                                       now=clock.now(), offer=offer)
            return redirect("offers:detail", offer_id=saved.pk)
        except ValidationError as e:
            show_refusal(form, e)
    return render(request, "offers/edit.html", {"form": form, "offer": offer},
                  status=400 if request.method == "POST" else 200)


@require_POST
@staff_required
def verify(request, offer_id):
    actions.verify_offer(offer=_get_offer_for_editor(request.user, offer_id), editor=request.user, now=clock.now())
    return redirect("offers:mine")


# --- For a patient -----------------------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
@staff_required
def for_patient(request, patient_id):
    """Offers matched to the patient, with why; recommend one; record peer information.

    Health personnel only: the matching reads and writes the diagnosis group and ranks by the needs
    in the plan's goals, which no consent opens to NAV, user organisations or relatives."""
    now = clock.now()
    patient = get_patient_for_user(request.user, patient_id, what="offers_for_patient", now=now,
                                   category=HEALTH_PERSONNEL_ONLY)
    preferences = PreferencesForm(request.POST or None, initial={
        "diagnosis_group": patient.diagnosis_group, "prefers_no_referral": patient.prefers_no_referral,
        "prefers_low_cost": patient.prefers_low_cost, "needs_transport": patient.needs_transport})
    if request.method == "POST":
        if request.POST.get("action") == "peer_information":
            actions.record_peer_information(patient=patient, note=request.POST.get("note", ""), actor=request.user, now=now)
            return redirect("offers:for_patient", patient_id=patient.pk)
        if preferences.is_valid():
            actions.update_matching_preferences(patient=patient, actor=request.user, now=now, **preferences.cleaned_data)
            return redirect("offers:for_patient", patient_id=patient.pk)
    matches = actions.match_offers(patient, clock.oslo_date(now))
    for offer, _points, _why in matches:
        offer.submission_id = uuid.uuid4()  # one per recommend form: a double submit recommends once
    return render(request, "offers/for_patient.html", {
        "patient": patient, "matches": matches,
        "preferences": preferences, "recommend_form": RecommendForm(),
        "recommendations": patient.recommendations.select_related("offer", "recommended_by"),
        "peer_information": patient.peer_information.select_related("told_by").order_by("-told_at").first(),
    }, status=400 if request.method == "POST" else 200)


@require_POST
@staff_required
def recommend(request, patient_id, offer_id):
    now = clock.now()
    patient = get_patient_for_user(request.user, patient_id, what="offer_recommend", now=now,
                                   category=HEALTH_PERSONNEL_ONLY)
    offer = get_object_or_404(Offer, pk=offer_id)
    form = RecommendForm(request.POST)
    if not form.is_valid():
        raise PermissionDenied("Bad form")
    try:
        actions.recommend_offer(offer=offer, patient=patient, note=form.cleaned_data["note"], actor=request.user,
                                now=now, submission_id=form.cleaned_data["submission_id"])
    except ValidationError as e:
        return render(request, "offers/refused.html", {"patient": patient, "messages_": e.messages}, status=400)
    return redirect("offers:for_patient", patient_id=patient.pk)


@require_http_methods(["GET", "POST"])
@patient_required
def my_offers(request):
    """The suggestions I have had, and my answers."""
    now = clock.now()
    patient = request.user.patient
    errors = {}
    if request.method == "POST":
        recommendation = ids.posted_object(request, "recommendation", Recommendation.objects.filter(patient=patient))
        form = AnswerForm(request.POST)
        if form.is_valid():
            try:
                actions.answer_recommendation(recommendation=recommendation, actor=request.user, now=now,
                                              **form.cleaned_data)
                return redirect("portal:offers")
            except ValidationError as e:
                errors[recommendation.pk] = e.messages
        else:
            errors[recommendation.pk] = [str(m) for ms in form.errors.values() for m in ms]
    recommendations = list(patient.recommendations.select_related("offer", "recommended_by"))
    for r in recommendations:
        r.errors = errors.get(r.pk, [])
    log_access(user=request.user, what="portal_offers", at=now, patients=[patient])
    return render(request, "offers/my_offers.html", {"recommendations": recommendations, "answer_form": AnswerForm()},
                  status=400 if errors else 200)
