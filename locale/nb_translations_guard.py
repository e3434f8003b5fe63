"""Norwegian Bokmål for the guard's strings (issue 17 points 1–3, issue 19 point 4): sharing
categories per view, malformed ids, FHIR paging bounds, user organisations and consent."""

NB = {
    "Consent is given to NAV or a user organisation; health personnel on the care team see what they need for "
    "treatment.":
        "Samtykke gis til NAV eller en brukerorganisasjon; helsepersonell i teamet ser det de trenger for "
        "behandlingen.",
    "Bad request": "Ugyldig forespørsel",
    "The page was sent something it cannot read (for example an id that is not an id). Go back and try again "
    "from the page.":
        "Siden fikk noe den ikke kan lese (for eksempel en id som ikke er en id). Gå tilbake og prøv igjen fra "
        "siden.",
}
