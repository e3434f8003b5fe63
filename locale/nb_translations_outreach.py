"""Norwegian Bokmål for the outreach list (oppsøkende oppfølging) and the collaboration arena (samarbeidsarena)."""

NB = {
    # The outreach list: rules and reasons
    "No contact": "Ingen kontakt",
    "Declined or dropped out": "Takket nei eller falt fra",
    "Pathway ended without a plan owner in the municipality": "Forløpet er avsluttet uten planeier i kommunen",
    ("No contact for %(months)s month or more: the last was %(what)s on %(date)s.",
     "No contact for %(months)s months or more: the last was %(what)s on %(date)s."): (
        "Ingen kontakt på %(months)s måned eller mer: siste var %(what)s %(date)s.",
        "Ingen kontakt på %(months)s måneder eller mer: siste var %(what)s %(date)s."),
    ("No contact for %(months)s month or more: none since the care team started on %(date)s.",
     "No contact for %(months)s months or more: none since the care team started on %(date)s."): (
        "Ingen kontakt på %(months)s måned eller mer: ingen siden teamet rundt pasienten startet %(date)s.",
        "Ingen kontakt på %(months)s måneder eller mer: ingen siden teamet rundt pasienten startet %(date)s."),
    "a check-in": "en egenrapportering",
    "an answer to a suggested offer": "et svar på et foreslått tilbud",
    "a collaboration meeting held": "et samhandlingsmøte",
    "an outreach that reached the patient": "en oppsøkende kontakt som nådde pasienten",
    "a message from the patient": "en melding fra pasienten",
    "a training session in the diary": "en treningsøkt i treningsdagboka",
    "agreeing to the plan": "at pasienten sa seg enig i planen",
    "Declined “%(offer)s” on %(date)s: “%(reason)s”.": "Takket nei til «%(offer)s» %(date)s: «%(reason)s».",
    "Dropped out of the measure “%(title)s”: stopped on %(date)s because “%(reason)s”.":
        "Falt fra tiltaket «%(title)s»: avsluttet %(date)s fordi «%(reason)s».",
    "The pathway “%(pathway)s” at %(clinic)s ended on %(date)s (%(outcome)s), and nobody in the municipality holds the plan.":
        "Forløpet «%(pathway)s» ved %(clinic)s ble avsluttet %(date)s (%(outcome)s), og ingen i kommunen eier planen.",

    # Outreach: model fields and choices
    "when": "når",
    "how": "hvordan",
    "result": "resultat",
    "note": "merknad",
    "reasons it answered": "årsaker den svarte på",
    "Phone": "Telefon",
    "Letter": "Brev",
    "Message": "Melding",
    "Home visit": "Hjemmebesøk",
    "Meeting": "Møte",
    "Reached, agreed follow-up": "Nådd, avtalte oppfølging",
    "Reached, no need now": "Nådd, ikke behov nå",
    "Not reached": "Ikke nådd",
    "Declined contact": "Ønsket ikke kontakt",

    # Outreach: operations and forms
    "Only the coordinating unit or the patient's contact person records outreach.":
        "Bare koordinerende enhet eller pasientens kontaktperson registrerer oppsøkende kontakt.",
    "Choose how you tried to reach the patient.": "Velg hvordan du prøvde å nå pasienten.",
    "Choose the result.": "Velg resultatet.",
    "Choose the reasons on the list this outreach answered.": "Velg hvilke årsaker på lista denne kontakten svarte på.",
    "No contact for at least (months)": "Ingen kontakt på minst (måneder)",
    "How": "Hvordan",
    "Result": "Resultat",
    "Note": "Merknad",
    "Reasons it answered": "Årsaker den svarte på",

    # Outreach: pages
    "Outreach list": "Oppsøkende oppfølging",
    "Outreach": "Oppsøkende kontakt",
    "Patients your coordinating unit follows who may need someone to reach out: no contact for a while, declined or dropped out of a measure, or a pathway that ended with nobody in the municipality holding the plan.":
        "Pasienter koordinerende enhet følger som kan trenge at noen tar kontakt: ingen kontakt på en stund, takket nei til eller falt fra et tiltak, eller et forløp som er avsluttet uten at noen i kommunen eier planen.",
    "Patients you are the contact person for who may need someone to reach out: no contact for a while, declined or dropped out of a measure, or a pathway that ended with nobody in the municipality holding the plan.":
        "Pasienter du er kontaktperson for som kan trenge at noen tar kontakt: ingen kontakt på en stund, takket nei til eller falt fra et tiltak, eller et forløp som er avsluttet uten at noen i kommunen eier planen.",
    "When you record an outreach that reached the patient, they leave the list until a new reason arises. “Not reached” keeps them on the list.":
        "Når du registrerer en kontakt som nådde pasienten, går pasienten ut av lista til en ny årsak oppstår. «Ikke nådd» holder pasienten på lista.",
    "Show": "Vis",
    "Patients on the list:": "Pasienter på lista:",
    "Nobody on the list.": "Ingen på lista.",
    "Previous": "Forrige",
    "Next": "Neste",
    "Pages": "Sider",
    "Page %(number)s of %(pages)s": "Side %(number)s av %(pages)s",
    "Why on the list": "Hvorfor på lista",
    "Not on the outreach list now.": "Ikke på lista for oppsøkende oppfølging nå.",
    "Earlier outreach": "Tidligere oppsøkende kontakt",
    "When": "Når",
    "Recorded by": "Registrert av",
    "None recorded.": "Ingen registrert.",
    "Record an outreach and its result": "Registrer en oppsøkende kontakt og resultatet",
    "Record outreach": "Registrer kontakten",

    # The collaboration arena: models
    "coordinating unit": "koordinerende enhet",
    "name": "navn",
    "what the arena is for": "hva arenaen er til",
    "participating services": "deltakende tjenester",
    "meets every (weeks)": "uker mellom møtene",
    "usual place": "fast sted",
    "time": "tidspunkt",
    "duration (minutes)": "varighet (minutter)",
    "place": "sted",
    "status": "status",
    "held on": "gjennomført",
    "minutes": "referat",
    "Scheduled": "Planlagt",
    "Held": "Gjennomført",
    "Cancelled": "Avlyst",
    "Given in the portal": "Gitt på Mine sider",
    "Given orally to staff": "Gitt muntlig til en ansatt",
    "what to discuss": "hva som skal drøftes",
    "decision": "beslutning",
    "responsible": "ansvarlig",
    "due": "frist",

    # The collaboration arena: operations
    "Give the arena a name.": "Gi arenaen et navn.",
    "Choose how often the arena meets.": "Velg hvor ofte arenaen møtes.",
    "Choose the services that take part.": "Velg tjenestene som deltar.",
    "Not in the municipality: %(names)s.": "Ikke i kommunen: %(names)s.",
    "Only the coordinating unit that runs the arena can do this.":
        "Bare koordinerende enhet som driver arenaen, kan gjøre dette.",
    "A collaboration arena is run by the municipality's coordinating unit.":
        "En samarbeidsarena drives av kommunens koordinerende enhet.",
    "A collaboration arena": "En samarbeidsarena",
    "%(unit)s has set up the collaboration arena “%(arena)s”, meeting every %(weeks)s weeks, with your service taking part.":
        "%(unit)s har opprettet samarbeidsarenaen «%(arena)s», som møtes hver %(weeks)s. uke, og tjenesten deres deltar.",
    "Give the time of the meeting.": "Oppgi tidspunktet for møtet.",
    "The time has passed.": "Tidspunktet har passert.",
    "Give the place.": "Oppgi stedet.",
    "Invitation to the collaboration arena": "Invitasjon til samarbeidsarenaen",
    "The collaboration arena “%(arena)s” meets on %(when)s. Place: %(place)s. The patients to discuss are on the meeting's page in Samforløp.":
        "Samarbeidsarenaen «%(arena)s» møtes %(when)s. Sted: %(place)s. Pasientene som skal drøftes, står på møtesiden i Samforløp.",
    "Only the patient gives consent in the portal.": "Bare pasienten gir samtykke på Mine sider.",
    "Consent given orally is recorded by the coordinating unit that runs the arena.":
        "Muntlig samtykke registreres av koordinerende enhet som driver arenaen.",
    "Say how the consent was given.": "Oppgi hvordan samtykket ble gitt.",
    "This arena is not in the patient's municipality.": "Denne arenaen er ikke i pasientens kommune.",
    "Only the patient, or the coordinating unit on the patient's word, withdraws consent.":
        "Bare pasienten, eller koordinerende enhet etter beskjed fra pasienten, trekker tilbake samtykket.",
    "This patient has not consented to be discussed in this arena.":
        "Denne pasienten har ikke samtykket til å bli drøftet i denne arenaen.",
    "The meeting has been held or cancelled.": "Møtet er gjennomført eller avlyst.",
    "The patient is already on this meeting's list.": "Pasienten står allerede på sakslista til dette møtet.",
    "Say what to discuss.": "Skriv hva som skal drøftes.",
    "The collaboration arena": "Samarbeidsarenaen",
    "As you agreed, your situation will be discussed in “%(arena)s” on %(when)s, with the services taking part. You can withdraw your consent in Samforløp.":
        "Som du har sagt ja til, blir situasjonen din drøftet i «%(arena)s» %(when)s, sammen med tjenestene som deltar. Du kan trekke tilbake samtykket i Samforløp.",
    "The meeting was cancelled.": "Møtet ble avlyst.",
    "Put the patient on the meeting's list first.": "Sett pasienten på sakslista til møtet først.",
    "Write the decision.": "Skriv beslutningen.",
    "Choose one of the services in the arena.": "Velg en av tjenestene i arenaen.",
    "Decided in the collaboration arena “%(arena)s” on %(date)s: %(text)s":
        "Besluttet i samarbeidsarenaen «%(arena)s» %(date)s: %(text)s",
    "A task from the collaboration arena": "En oppgave fra samarbeidsarenaen",
    "The collaboration arena “%(arena)s” decided something for %(patient)s that your service is responsible for, due %(due)s. It is on your worklist.":
        "Samarbeidsarenaen «%(arena)s» besluttet noe for %(patient)s som tjenesten deres har ansvar for, med frist %(due)s. Det står på arbeidslista deres.",
    "Give the date the meeting was held.": "Oppgi datoen møtet ble gjennomført.",
    "The date is in the future.": "Datoen er fram i tid.",
    "Write the minutes.": "Skriv referatet.",
    "Minutes from the collaboration arena": "Referat fra samarbeidsarenaen",
    "The minutes from “%(arena)s” on %(date)s are in Samforløp.": "Referatet fra «%(arena)s» %(date)s ligger i Samforløp.",
    "No patient your service follows has this identity number.":
        "Ingen pasient tjenesten deres følger, har dette fødselsnummeret.",

    # The collaboration arena: forms
    "Name": "Navn",
    "What the arena is for": "Hva arenaen er til",
    "Participating services": "Deltakende tjenester",
    "Meets every (weeks)": "Uker mellom møtene",
    "Usual place": "Fast sted",
    "Time": "Tidspunkt",
    "Place": "Sted",
    "Patient (only those who have consented)": "Pasient (bare de som har samtykket)",
    "What to discuss": "Hva som skal drøftes",
    "Decision": "Beslutning",
    "Responsible service": "Ansvarlig tjeneste",
    "Due": "Frist",
    "Date the meeting was held": "Dato møtet ble gjennomført",
    "Minutes": "Referat",

    # The collaboration arena: pages
    "Collaboration arenas": "Samarbeidsarenaer",
    "A collaboration arena is a recurring meeting across services in the municipality, run by the coordinating unit. Only patients who have consented are discussed.":
        "En samarbeidsarena er et fast møte på tvers av tjenestene i kommunen, drevet av koordinerende enhet. Bare pasienter som har samtykket, blir drøftet.",
    "Arena": "Arena",
    "Run by": "Drives av",
    "Your service runs or takes part in no collaboration arena.":
        "Tjenesten deres driver ikke og deltar ikke i noen samarbeidsarena.",
    "New collaboration arena": "Ny samarbeidsarena",
    "Create the arena": "Opprett arenaen",
    "Patients who have consented": "Pasienter som har samtykket",
    "Coming meetings": "Kommende møter",
    "None scheduled.": "Ingen planlagt.",
    "Schedule the next meeting": "Planlegg neste møte",
    "Suggested from the arena meeting every %(weeks)s weeks.": "Foreslått ut fra at arenaen møtes hver %(weeks)s. uke.",
    "Schedule": "Planlegg",
    "Earlier meetings": "Tidligere møter",
    "None.": "Ingen.",
    "Change the arena": "Endre arenaen",
    "Save": "Lagre",
    "Only these patients can be put on a meeting's list. A patient who withdraws leaves every list at once.":
        "Bare disse pasientene kan settes på sakslista til et møte. En pasient som trekker samtykket, forsvinner fra alle lister med en gang.",
    "Patient": "Pasient",
    "Given": "Gitt",
    "Withdraw": "Trekk tilbake",
    "Withdrawn orally": "Trukket tilbake muntlig",
    "Nobody has consented yet.": "Ingen har samtykket ennå.",
    "Record consent given orally": "Registrer muntlig samtykke",
    "The patient can also consent, and withdraw, on their own pages.":
        "Pasienten kan også samtykke, og trekke samtykket, på Mine sider.",
    "Record the consent": "Registrer samtykket",
    "Status": "Status",
    "Not saved": "Ikke lagret",
    "Patients to discuss": "Pasienter som skal drøftes",
    "Only patients whose consent to be discussed in this arena is in force.":
        "Bare pasienter som har et gyldig samtykke til å bli drøftet i denne arenaen.",
    "Added by %(who)s": "Satt opp av %(who)s",
    "Decisions": "Beslutninger",
    "due": "frist",
    "Record a decision (it becomes a task)": "Registrer en beslutning (den blir en oppgave)",
    "Record the decision": "Registrer beslutningen",
    "Put a patient on the list": "Sett en pasient på sakslista",
    "No other patient has consented to be discussed in this arena.":
        "Ingen andre pasienter har samtykket til å bli drøftet i denne arenaen.",
    "Put on the list": "Sett på sakslista",
    "Mark the meeting held": "Registrer at møtet er gjennomført",
    "Mark held": "Registrer som gjennomført",

    # Suggested labels for the patient's access log (portal/views.py ACCESS_WHAT)
    "Saw you on the outreach list": "Så deg på lista for oppsøkende oppfølging",
    "Opened your entry on the outreach list": "Åpnet deg på lista for oppsøkende oppfølging",
    "Saw you on a collaboration arena's list": "Så deg på sakslista til en samarbeidsarena",
    "Saw your consent to the collaboration arena": "Så samtykket ditt til samarbeidsarenaen",
    "Read the collaboration arena page": "Leste siden om samarbeidsarenaen",

    # The patient's page
    "In your municipality, the services that help you (your GP, physiotherapist, NAV, the healthy-life centre and others) meet regularly to find solutions together. You decide whether your situation may be discussed there. You can withdraw your consent at any time; it takes effect at once.":
        "I kommunen din møtes tjenestene som hjelper deg (fastlegen, fysioterapeuten, NAV, frisklivssentralen og andre) jevnlig for å finne løsninger sammen. Du bestemmer om situasjonen din kan drøftes der. Du kan trekke tilbake samtykket når som helst; det gjelder med en gang.",
    "Your consent": "Ditt samtykke",
    "Given %(date)s: your situation may be discussed.": "Gitt %(date)s: situasjonen din kan drøftes.",
    "Not given: you are not discussed.": "Ikke gitt: du blir ikke drøftet.",
    "Withdraw my consent": "Trekk tilbake samtykket mitt",
    "I consent to being discussed": "Jeg samtykker til å bli drøftet",
    "Your municipality has no collaboration arena in Samforløp.": "Kommunen din har ingen samarbeidsarena i Samforløp.",
    "Meetings where you are on the list": "Møter der du står på sakslista",
}
