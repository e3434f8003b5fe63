"""Norwegian Bokmål for the strings that tie work, costs and outreach into the rest (menus, access-log labels)."""

NB = {
    "Read your cost page": "Leste kostnadssiden din",
    "Read your co-payments": "Leste egenandelene dine",
    "return-to-work coordinator": "koordinator for arbeidsrettet oppfølging",
    "Work, costs and cooperation": "Arbeid, utgifter og samarbeid",
    "your work situation and letters to your employer": "arbeidssituasjonen din og brev til arbeidsgiveren",
    "co-payments this year and the exemption card": "egenandeler i år og frikort",
    "whether the services in your municipality may discuss your case together":
        "om tjenestene i kommunen din kan drøfte saken din sammen",
    "Costs for the patient": "Utgifter for pasienten",
    # Tasks given to a named organisation (tasks.actions.assign_task) and their kinds.
    "Say what is to be done.": "Skriv hva som skal gjøres.",
    "Give a due date.": "Oppgi en frist.",
    "The due date has passed.": "Fristen er passert.",
    "Choose who is responsible.": "Velg hvem som er ansvarlig.",
    "Agree workplace measures with employee and employer": "Avtale tilrettelegging med arbeidstaker og arbeidsgiver",
    "Follow up that work has resumed as agreed": "Følge opp at arbeidet er gjenopptatt som avtalt",
    "Adjust the work measures as the disease fluctuates": "Justere tilretteleggingen når sykdommen svinger",
    "Carry out a decision from the collaboration arena": "Følge opp en beslutning fra samarbeidsarenaen",
    "Return-to-work follow-up": "Arbeidsrettet oppfølging",
    "Collaboration arena": "Samarbeidsarena",
}
