"""Norwegian Bokmål for national log-in (HelseID and ID-porten over OpenID Connect)."""

NB = {
    # The user
    "HPR number": "HPR-nummer",
    "An HPR number has up to nine digits.": "Et HPR-nummer har opptil ni sifre.",
    # Why a log-in was refused (LoginRefusal.Reason)
    "ID token for another client": "ID-token for en annen klient",
    "nonce used before": "nonce brukt før",
    "nonce does not match the log-in": "nonce stemmer ikke med innloggingen",
    "security level too low": "for lavt sikkerhetsnivå",
    "signature not valid with the provider's keys": "signaturen er ikke gyldig med identitetsleverandørens nøkler",
    "ID token expired or not yet valid": "ID-tokenet er utløpt eller ennå ikke gyldig",
    "wrong issuer": "feil utsteder",
    "unknown, expired or reused state": "ukjent, utløpt eller gjenbrukt state",
    "no user matches the person": "ingen bruker passer med personen",
    "organisation number does not match the user's": "organisasjonsnummeret stemmer ikke med brukerens",
    "user deactivated": "brukeren er deaktivert",
    "identity provider error or unreachable": "feil hos identitetsleverandøren, eller den svarer ikke",
    "token request failed or answer malformed": "tokenforespørselen feilet, eller svaret var ugyldig",
    # What the person sees
    "Log-in refused: this service requires log-in at the highest security level.":
        "Innloggingen ble avvist: denne tjenesten krever innlogging på høyeste sikkerhetsnivå.",
    "Log-in refused: you are not registered as a user of Samforløp. Contact your organisation or the clinic.":
        "Innloggingen ble avvist: du er ikke registrert som bruker av Samforløp. Ta kontakt med virksomheten din eller klinikken.",
    "Log-in refused: you logged in on behalf of an organisation you are not registered with in Samforløp.":
        "Innloggingen ble avvist: du logget inn på vegne av en virksomhet du ikke er registrert i Samforløp for.",
    "Log-in refused: your user account has been deactivated.":
        "Innloggingen ble avvist: brukerkontoen din er deaktivert.",
    "The log-in has expired or was already used. Please start again.":
        "Innloggingen er utløpt eller allerede brukt. Start på nytt.",
    "The identity provider could not complete the log-in. Please try again later.":
        "Identitetsleverandøren kunne ikke fullføre innloggingen. Prøv igjen senere.",
    "Log-in refused: the answer from the identity provider could not be verified.":
        "Innloggingen ble avvist: svaret fra identitetsleverandøren kunne ikke verifiseres.",
    # The log-in page
    "National log-in": "Nasjonal innlogging",
    "Log in with HelseID": "Logg inn med HelseID",
    "Log in with ID-porten": "Logg inn med ID-porten",
    "for health personnel": "for helsepersonell",
    "for patients and relatives": "for pasienter og pårørende",
}
