"""Norwegian Bokmål for consent to share (samtykke) with NAV and relatives."""

NB = {
    "Plan and meetings": "Plan og møter",
    "Check-ins": "Egenrapporteringer",
    "Referral and assessment": "Henvisning og utredning",
    "relative": "pårørende",
    "Only the patient can give consent to share their data.": "Bare pasienten kan samtykke til å dele sine opplysninger.",
    "Share with either a relative or an organisation.": "Del enten med en pårørende eller med en organisasjon.",
    "Consent is given to NAV; health personnel on the care team see what they need for treatment.":
        "Samtykke gis til NAV; helsepersonell i teamet ser det de trenger for behandlingen.",
    "Consent is given to a relative, not to staff or to yourself.":
        "Samtykke gis til en pårørende, ikke til ansatte eller til deg selv.",
    "Choose at least one kind of information to share.": "Velg minst én type opplysninger å dele.",
    "Only the patient can withdraw their consent.": "Bare pasienten kan trekke tilbake sitt samtykke.",
    "Share with": "Del med",
    "The relative's name": "Navnet på den pårørende",
    "The relative's national identity number (they log in with ID-porten)":
        "Fødselsnummeret til den pårørende (de logger inn med ID-porten)",
    "What to share": "Hva du vil dele",
    "To (leave empty for until you withdraw it)": "Til (la stå tomt for til du trekker det tilbake)",
    "A relative": "En pårørende",
    "What I share": "Det jeg deler",
    "The health personnel who treat you see what they need for that. NAV and your relatives see only what you choose to share here, and only for the period you choose. You can withdraw it at any time; it takes effect at once.":
        "Helsepersonellet som behandler deg, ser det de trenger for det. NAV og dine pårørende ser bare det du velger å dele her, og bare i perioden du velger. Du kan trekke det tilbake når som helst; det gjelder med en gang.",
    "With": "Med",
    "Period": "Periode",
    "Status": "Status",
    "in force": "gjelder",
    "not in force now": "gjelder ikke nå",
    "Withdraw": "Trekk tilbake",
    "You share nothing beyond your treatment.": "Du deler ikke noe utover behandlingen din.",
    "Share more": "Del mer",
    "Shared with me": "Delt med meg",
    "Nobody shares information with you now.": "Ingen deler opplysninger med deg nå.",
    "You see what the patient has consented to share with you.":
        "Du ser det pasienten har samtykket til å dele med deg.",
    "Goals": "Mål",
    "Measures": "Tiltak",
    "Meetings": "Møter",
    "Read what you share": "Leste det du deler",
    "Saw that you share with them": "Så at du deler med dem",
}

NB.update({
    "Only the organisation's administrator changes its users.": "Bare organisasjonens administrator endrer brukerne.",
    "Choose one of the roles.": "Velg en av rollene.",
})

NB.update({
    "Read your data through a connected system": "Leste opplysningene dine gjennom et tilkoblet system",
    "Searched for you through a connected system": "Søkte etter deg gjennom et tilkoblet system",
    "Read your pathway through a connected system": "Leste forløpet ditt gjennom et tilkoblet system",
    "Saw your pathway through a connected system": "Så forløpet ditt gjennom et tilkoblet system",
    "Exported your data to a connected system (bulk export)":
        "Eksporterte opplysningene dine til et tilkoblet system (masseuttrekk)",
    "Only a specialist clinic's systems can have the reporting role.":
        "Bare systemene til en spesialistklinikk kan få rapporteringsrollen.",
    "Unsupported resource types: %(types)s": "Ressurstyper som ikke støttes: %(types)s",
    "Read your plan through a connected system": "Leste planen din gjennom et tilkoblet system",
    "Saw your plan through a connected system": "Så planen din gjennom et tilkoblet system",
    "Agreed to the plan through a connected system": "Sa seg enig i planen gjennom et tilkoblet system",
    "Read a goal in your plan through a connected system": "Leste et mål i planen din gjennom et tilkoblet system",
    "Saw the goals in your plan through a connected system": "Så målene i planen din gjennom et tilkoblet system",
    "Changed a goal in your plan through a connected system": "Endret et mål i planen din gjennom et tilkoblet system",
    "Read a task or measure about you through a connected system": "Leste en oppgave eller et tiltak om deg gjennom et tilkoblet system",
    "Saw tasks and measures about you through a connected system": "Så oppgaver og tiltak om deg gjennom et tilkoblet system",
    "Changed a task or measure about you through a connected system": "Endret en oppgave eller et tiltak om deg gjennom et tilkoblet system",
    "Someone else changed this task after you opened it, so your change was not saved.": "Noen andre endret denne oppgaven etter at du åpnet den, så endringen din ble ikke lagret.",
    "Read your referral through a connected system": "Leste henvisningen din gjennom et tilkoblet system",
    "Saw your referral through a connected system": "Så henvisningen din gjennom et tilkoblet system",
    "Sent a referral for you through a connected system": "Sendte en henvisning for deg gjennom et tilkoblet system",
    "Read a check-in of yours through a connected system": "Leste en innsjekk fra deg gjennom et tilkoblet system",
    "Saw your check-ins through a connected system": "Så innsjekkene dine gjennom et tilkoblet system",
    "Sent a check-in through a connected system": "Sendte en innsjekk gjennom et tilkoblet system",
    "You have not been asked to answer this questionnaire.": "Du er ikke bedt om å svare på dette spørreskjemaet.",
    "Read your care team through a connected system": "Leste behandlingsteamet ditt gjennom et tilkoblet system",
    "Saw your care team through a connected system": "Så behandlingsteamet ditt gjennom et tilkoblet system",
    "Read a meeting through a connected system": "Leste et møte gjennom et tilkoblet system",
    "Saw your meetings through a connected system": "Så møtene dine gjennom et tilkoblet system",
    "Read a consent of yours through a connected system": "Leste et samtykke fra deg gjennom et tilkoblet system",
    "Saw your consents through a connected system": "Så samtykkene dine gjennom et tilkoblet system",
    "Read your access log through a connected system": "Leste innsynsloggen din gjennom et tilkoblet system",
    "Saw your access log through a connected system": "Så innsynsloggen din gjennom et tilkoblet system",
})
