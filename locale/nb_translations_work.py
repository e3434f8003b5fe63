"""Norwegian Bokmål for work-oriented follow-up (arbeidsrettet oppfølging) and the letter to the employer."""

NB = {
    # The work situation (forms, check-in, pages)
    "Work situation": "Arbeidssituasjon",
    "Sick leave (%), for sick leave": "Sykmeldingsgrad (%), ved sykmelding",
    "To (if known)": "Til (hvis kjent)",
    "Has your work situation changed?": "Har arbeidssituasjonen din endret seg?",
    "This is your work situation as we know it. If it has changed, change it here; if not, leave it as it is.":
        "Slik kjenner vi arbeidssituasjonen din. Har den endret seg, endrer du den her; hvis ikke, lar du den stå som den er.",
    "Work situation now": "Arbeidssituasjonen nå",
    "Earlier work situations": "Tidligere arbeidssituasjoner",
    "Recorded": "Registrert",
    "Source": "Kilde",
    "No work situation recorded yet.": "Ingen arbeidssituasjon er registrert ennå.",
    "Record a new work situation": "Registrer en ny arbeidssituasjon",
    "Save the work situation": "Lagre arbeidssituasjonen",
    "The assessment": "Utredningen",
    "A check-in": "En egenrapportering",
    "The care team": "Behandlingsteamet",
    # Validation and refusals
    "Choose what the task is.": "Velg hva oppgaven er.",
    "Only staff with access to the patient's work section can do this.":
        "Bare ansatte med tilgang til pasientens arbeidsdel kan gjøre dette.",
    "Only the patient or the care team can do this.": "Bare pasienten eller behandlingsteamet kan gjøre dette.",
    "Unknown source of the work situation.": "Ukjent kilde for arbeidssituasjonen.",
    "Only the patient records their own work situation here.":
        "Bare pasienten registrerer sin egen arbeidssituasjon her.",
    "Choose the work situation.": "Velg arbeidssituasjon.",
    "Give the sick-leave percentage (1–100).": "Oppgi sykmeldingsgraden (1–100).",
    "Sick leave is a percentage from 1 to 100.": "Sykmeldingsgraden er en prosent fra 1 til 100.",
    "Choose the service that holds the role.": "Velg tjenesten som har rollen.",
    "Name the person who holds the role.": "Velg personen som har rollen.",
    "Choose how often, from 1 to 52 weeks.": "Velg hvor ofte, fra 1 til 52 uker.",
    "Name a return-to-work coordinator first.": "Velg en koordinator for arbeidsrettet oppfølging først.",
    "Give the date it was agreed.": "Oppgi datoen det ble avtalt.",
    "Name the employer.": "Skriv navnet på arbeidsgiveren.",
    "Unknown adjustment.": "Ukjent tilrettelegging.",
    "Choose at least one adjustment, or describe what was agreed.":
        "Velg minst én tilrettelegging, eller beskriv hva som ble avtalt.",
    "The review date is before the date it was agreed.": "Evalueringsdatoen er før datoen det ble avtalt.",
    "Write what the condition means for work, in general terms.":
        "Skriv hva tilstanden betyr for arbeidet, i generelle ordelag.",
    "Unknown choice.": "Ukjent valg.",
    "Enter a valid e-mail address.": "Skriv inn en gyldig e-postadresse.",
    "Write the diagnosis as you want the employer to read it, or leave it out.":
        "Skriv diagnosen slik du vil at arbeidsgiveren skal lese den, eller la den være ute.",
    "Someone changed the letter after you opened it, so your change was not saved. Read it again.":
        "Noen endret brevet etter at du åpnet det, så endringen din ble ikke lagret. Les det på nytt.",
    "Only the patient can approve a letter to their employer.":
        "Bare pasienten kan godkjenne et brev til sin arbeidsgiver.",
    "Tick the box to consent to this letter being given to your employer.":
        "Kryss av i boksen for å samtykke til at dette brevet gis til arbeidsgiveren din.",
    "The letter changed after you opened it. Read it again before you approve it.":
        "Brevet ble endret etter at du åpnet det. Les det på nytt før du godkjenner det.",
    # Messages (outbox)
    "A new role in Samforløp": "En ny rolle i Samforløp",
    "%(who)s named you return-to-work coordinator for %(patient)s.":
        "%(who)s har gjort deg til koordinator for arbeidsrettet oppfølging for %(patient)s.",
    "News from Samforløp": "Nytt fra Samforløp",
    "%(person)s at %(organisation)s is now your return-to-work coordinator: the person who follows up with you and your employer about work.":
        "%(person)s ved %(organisation)s er nå koordinatoren din for arbeidsrettet oppfølging: den som følger opp deg og arbeidsgiveren din om arbeid.",
    "A new task in Samforløp": "En ny oppgave i Samforløp",
    "%(who)s gave you a task about %(patient)s's work, due %(date)s: %(reason)s":
        "%(who)s ga deg en oppgave om arbeidet til %(patient)s, frist %(date)s: %(reason)s",
    "A letter for you to read in Samforløp": "Et brev du kan lese i Samforløp",
    "%(who)s has drafted a letter to your employer with you. Read it, change what you want, and approve it if you want it given to your employer. Nothing is given to anyone without your consent.":
        "%(who)s har skrevet et utkast til et brev til arbeidsgiveren din sammen med deg. Les det, endre det du vil, og godkjenn det hvis du vil at det skal gis til arbeidsgiveren din. Ingenting gis til noen uten ditt samtykke.",
    "%(who)s changed the letter to your employer that you approved. It will not be given to anyone until you have read it and approved it again.":
        "%(who)s har endret brevet til arbeidsgiveren din som du godkjente. Det gis ikke til noen før du har lest det og godkjent det på nytt.",
    "%(patient)s approved the letter to the employer. It can now be printed.":
        "%(patient)s har godkjent brevet til arbeidsgiveren. Nå kan det skrives ut.",
    # The return-to-work coordinator
    "Service": "Tjeneste",
    "Follow up every": "Følg opp hver",
    "How the follow-up is done (optional)": "Hvordan oppfølgingen gjøres (valgfritt)",
    ("%(n)s week", "%(n)s weeks"): ("%(n)s uke", "%(n)s uker"),
    "Follow up every (weeks)": "Følg opp hver (uker)",
    "How the follow-up is done": "Hvordan oppfølgingen gjøres",
    "Return-to-work coordinator": "Koordinator for arbeidsrettet oppfølging",
    "Since": "Siden",
    "Follows up": "Følger opp",
    ("every week", "every %(weeks)s weeks"): ("hver uke", "hver %(weeks)s. uke"),
    "No return-to-work coordinator is named yet. Any service on the care team can hold the role; NAV is proposed when the patient shares work with NAV.":
        "Ingen koordinator for arbeidsrettet oppfølging er valgt ennå. Alle tjenestene i teamet kan ha rollen; NAV foreslås når pasienten deler arbeid med NAV.",
    "Name the coordinator, or change how often they follow up":
        "Velg koordinator, eller endre hvor ofte det følges opp",
    "My return-to-work coordinator": "Min koordinator for arbeidsrettet oppfølging",
    ("follows up with you every week", "follows up with you every %(weeks)s weeks"):
        ("følger deg opp hver uke", "følger deg opp hver %(weeks)s. uke"),
    # The coordinator's tasks
    "What is to be done": "Hva som skal gjøres",
    "The coordinator's tasks": "Koordinatorens oppgaver",
    "No tasks yet.": "Ingen oppgaver ennå.",
    "Give the coordinator a task": "Gi koordinatoren en oppgave",
    "Give the task": "Gi oppgaven",
    "Name a return-to-work coordinator first; their tasks are given here.":
        "Velg en koordinator for arbeidsrettet oppfølging først; oppgavene til koordinatoren gis her.",
    # Agreed workplace measures
    "Agreed on": "Avtalt",
    "Employer": "Arbeidsgiver",
    "Contact at the employer (name, phone or e-mail)": "Kontaktperson hos arbeidsgiveren (navn, telefon eller e-post)",
    "Contact at the employer": "Kontaktperson hos arbeidsgiveren",
    "Adjustments agreed": "Avtalt tilrettelegging",
    "Adjustments": "Tilrettelegging",
    "Other measures agreed": "Andre tiltak som ble avtalt",
    "Review on": "Evalueres",
    "Agreed workplace measures": "Avtalt tilrettelegging på arbeidsplassen",
    "Record measures agreed with the employee and the employer":
        "Registrer tiltak avtalt med arbeidstakeren og arbeidsgiveren",
    "Save the agreement": "Lagre avtalen",
    "With %(employer)s, agreed %(date)s": "Med %(employer)s, avtalt %(date)s",
    "Review on %(date)s": "Evalueres %(date)s",
    "Recorded by %(who)s": "Registrert av %(who)s",
    "No workplace measures agreed yet.": "Ingen tilrettelegging er avtalt ennå.",
    "What has been agreed with my employer": "Det som er avtalt med arbeidsgiveren min",
    # The letter to the employer
    "To (the employer)": "Til (arbeidsgiveren)",
    "What the condition means for work, in general terms": "Hva tilstanden betyr for arbeidet, i generelle ordelag",
    "Adjustments that help": "Tilrettelegging som hjelper",
    "Support schemes the employer can use": "Ordninger arbeidsgiveren kan bruke",
    "Support schemes for the employer": "Ordninger for arbeidsgiveren",
    "Contact person at NAV": "Kontaktperson i NAV",
    "NAV contact person": "Kontaktperson i NAV",
    "NAV contact's e-mail": "E-postadressen til kontaktpersonen i NAV",
    "NAV contact e-mail": "E-post til kontaktpersonen i NAV",
    "Name my diagnosis in the letter": "Nevn diagnosen min i brevet",
    "The diagnosis, as you want your employer to read it": "Diagnosen, slik du vil at arbeidsgiveren skal lese den",
    "Only if you want to. Your employer has no right to know your diagnosis.":
        "Bare hvis du vil. Arbeidsgiveren din har ikke rett til å vite diagnosen din.",
    "Include a diagnosis": "Ta med en diagnose",
    "Diagnosis, as you want the employer to read it": "Diagnose, slik du vil at arbeidsgiveren skal lese den",
    "I have read the letter above and consent to it being given to my employer as it reads.":
        "Jeg har lest brevet over og samtykker til at det gis til arbeidsgiveren min slik det står.",
    "Waiting for the patient's approval": "Venter på pasientens godkjenning",
    "Approved by the patient": "Godkjent av pasienten",
    "Consent withdrawn": "Samtykket er trukket tilbake",
    "The patient withdrew the consent": "Pasienten trakk samtykket tilbake",
    "The letter changed": "Brevet ble endret",
    "Letter to the employer": "Brev til arbeidsgiveren",
    "Work and return to work": "Arbeid og arbeidsrettet oppfølging",
    "Letter to the employer about %(name)s": "Brev til arbeidsgiveren om %(name)s",
    "The letter as it will print:": "Brevet slik det blir skrevet ut:",
    "Change the letter with the patient": "Endre brevet sammen med pasienten",
    "The patient reads and approves every change before the letter can be printed. Only the patient can choose to name a diagnosis.":
        "Pasienten leser og godkjenner hver endring før brevet kan skrives ut. Bare pasienten kan velge å nevne en diagnose.",
    "Save the letter": "Lagre brevet",
    "The patient's consents": "Pasientens samtykker",
    "Approved %(date)s": "Godkjent %(date)s",
    "To: %(employer)s": "Til: %(employer)s",
    "About: %(name)s, and how work can go well": "Om: %(name)s, og hvordan arbeidet kan gå godt",
    "Diagnosis": "Diagnose",
    "E-mail": "E-post",
    "This letter says nothing about health beyond what the employee has chosen to share. It is given with the employee's consent, which they can withdraw.":
        "Brevet sier ikke noe om helse utover det arbeidstakeren selv har valgt å dele. Det gis med arbeidstakerens samtykke, som kan trekkes tilbake.",
    "Information to the employer": "Informasjon til arbeidsgiveren",
    "Approved by the employee on %(date)s.": "Godkjent av arbeidstakeren %(date)s.",
    "Approved by the patient on %(date)s: it can be printed and given to the employer.":
        "Godkjent av pasienten %(date)s: brevet kan skrives ut og gis til arbeidsgiveren.",
    "The patient has withdrawn the consent: the letter cannot be printed.":
        "Pasienten har trukket samtykket tilbake: brevet kan ikke skrives ut.",
    "Waiting for the patient's approval: the letter cannot be printed yet.":
        "Venter på pasientens godkjenning: brevet kan ikke skrives ut ennå.",
    "Letters to the employer": "Brev til arbeidsgiveren",
    "A letter is written with the patient and can be printed only after the patient has read it and consented. It never names a diagnosis unless the patient chooses to.":
        "Et brev skrives sammen med pasienten og kan først skrives ut når pasienten har lest det og samtykket. Det nevner aldri en diagnose med mindre pasienten selv velger det.",
    "Drafted by": "Utkast av",
    "Draft a letter to the employer with the patient": "Skriv et utkast til brev til arbeidsgiveren sammen med pasienten",
    "Letter of %(date)s": "Brev av %(date)s",
    # The patient's pages
    "My work": "Mitt arbeid",
    "My work situation": "Min arbeidssituasjon",
    "Has your work situation changed? Update it here": "Har arbeidssituasjonen din endret seg? Oppdater den her",
    "Letters to my employer": "Brev til arbeidsgiveren min",
    "A letter can tell your employer what your condition means for work and what helps, without naming a diagnosis unless you want to. You decide what it says, and nothing is given to anyone without your consent.":
        "Et brev kan fortelle arbeidsgiveren din hva tilstanden din betyr for arbeidet og hva som hjelper, uten å nevne en diagnose med mindre du vil. Du bestemmer hva det står, og ingenting gis til noen uten ditt samtykke.",
    "Write a letter to my employer": "Skriv et brev til arbeidsgiveren min",
    "Letter to your employer": "Brev til arbeidsgiveren din",
    "Print the letter": "Skriv ut brevet",
    "This is the letter exactly as it will print. Nothing is given to your employer unless you approve it.":
        "Slik blir brevet nøyaktig når det skrives ut. Ingenting gis til arbeidsgiveren din uten at du godkjenner det.",
    "Approve the letter": "Godkjenn brevet",
    "Change what the letter says": "Endre det brevet sier",
    "If you change the letter, you approve it again before it can be printed.":
        "Endrer du brevet, godkjenner du det på nytt før det kan skrives ut.",
    "Save the changes": "Lagre endringene",
    "Work and return to work: %(name)s": "Arbeid og arbeidsrettet oppfølging: %(name)s",
    # Access-log labels suggested for the patient's access log (portal/views.py ACCESS_WHAT)
    "Read your work situation and return-to-work follow-up": "Leste arbeidssituasjonen din og den arbeidsrettede oppfølgingen",
    "Changed your work situation or return-to-work follow-up": "Endret arbeidssituasjonen din eller den arbeidsrettede oppfølgingen",
    "Read a letter to your employer": "Leste et brev til arbeidsgiveren din",
    "Released a letter to your employer with your consent": "Frigav et brev til arbeidsgiveren din med ditt samtykke",
    "Printed a letter to your employer": "Skrev ut et brev til arbeidsgiveren din",
}
