"""Norwegian Bokmål for costs the patient can see: co-payments (egenandeler), the co-payment ceiling
(egenandelstaket) and the exemption card (frikort)."""

NB = {
    # Models and forms
    "Paid on": "Betalt dato",
    "Amount (kr)": "Beløp (kr)",
    "What it was for": "Hva det gjaldt",
    "Counts toward the co-payment ceiling": "Teller mot egenandelstaket",
    "Measure in the plan": "Tiltak i planen",
    "Why it is wrong": "Hvorfor det er feil",
    "For example “GP appointment” or “physiotherapy”.": "For eksempel «time hos fastlegen» eller «fysioterapi».",
    "Counts toward the exemption card (frikort)": "Teller mot frikort",
    "Approved co-payments to the GP, physiotherapist, hospital outpatient clinic, psychologist and for medicines on blue prescription count. Ask if you are unsure.":
        "Godkjente egenandeler hos fastlege, fysioterapeut, poliklinikk på sykehus, psykolog og for legemidler på blå "
        "resept teller med. Spør hvis du er usikker.",
    "For a measure in the plan (optional)": "Gjelder et tiltak i planen (valgfritt)",
    "Cost to the patient (kr), 0 if it is free": "Pris for pasienten (kr), 0 hvis det er gratis",
    "The co-payment counts toward the exemption card (frikort)": "Egenandelen teller mot frikort",
    "Cost to the patient (NOK)": "Pris for pasienten (kr)",
    "Give the cost to the patient in whole kroner, 0 if it is free.":
        "Skriv prisen for pasienten i hele kroner, 0 hvis det er gratis.",
    # Operations
    "You may not register co-payments for this patient.": "Du kan ikke registrere egenandeler for denne pasienten.",
    "Give the date it was paid.": "Skriv datoen det ble betalt.",
    "The date it was paid cannot be in the future.": "Datoen det ble betalt, kan ikke være fram i tid.",
    "Give the amount paid in whole kroner, more than 0.": "Skriv beløpet du betalte i hele kroner, mer enn 0.",
    "Say what it was for (for example “GP appointment”).": "Skriv hva det gjaldt (for eksempel «time hos fastlegen»).",
    "The measure is not in this patient's plan.": "Tiltaket er ikke i denne pasientens plan.",
    "About your co-payments": "Om egenandelene dine",
    "The co-payments registered for you in %(year)s have reached the co-payment ceiling of %(ceiling)s kr. The exemption card (frikort) is sent automatically; if you have not got it, contact HELFO.":
        "Egenandelene som er registrert på deg i %(year)s, har nådd egenandelstaket på %(ceiling)s kr. Frikortet "
        "sendes automatisk; har du ikke fått det, kan du kontakte HELFO.",
    "You may not change this patient's co-payments.": "Du kan ikke endre denne pasientens egenandeler.",
    "Say why the entry is wrong.": "Skriv hvorfor registreringen er feil.",
    # Cost of a measure or an offer
    "Free": "Gratis",
    "counts toward the exemption card": "teller mot frikort",
    "does not count toward the exemption card": "teller ikke mot frikort",
    "Cost to the patient": "Pris for pasienten",
    "Cost": "Pris",
    # The ceiling sentence
    "The patient's registered co-payments reached the co-payment ceiling on %(date)s: the exemption card (frikort) should apply from that date. It is sent automatically; if the patient has not got it, they can contact HELFO.":
        "Pasientens registrerte egenandeler nådde egenandelstaket %(date)s: frikortet skal gjelde fra den datoen. "
        "Det sendes automatisk; har pasienten ikke fått det, kan de kontakte HELFO.",
    "You reached the co-payment ceiling on %(date)s: the exemption card (frikort) should apply from that date. It is sent automatically; if you have not got it, contact HELFO.":
        "Du nådde egenandelstaket %(date)s: frikortet skal gjelde fra den datoen. Det sendes automatisk; har du "
        "ikke fått det, kan du kontakte HELFO.",
    "With what is planned, the patient is expected to reach the co-payment ceiling around %(date)s. The exemption card (frikort) should apply from then.":
        "Med det som er planlagt, ventes pasienten å nå egenandelstaket rundt %(date)s. Frikortet skal gjelde fra da.",
    "With what is planned, you are expected to reach the co-payment ceiling around %(date)s. The exemption card (frikort) should apply from then; it is sent automatically.":
        "Med det som er planlagt, ventes du å nå egenandelstaket rundt %(date)s. Frikortet skal gjelde fra da; "
        "det sendes automatisk.",
    "The ceiling is not reached, even with what is planned: %(left)s left.":
        "Taket er ikke nådd, heller ikke med det som er planlagt: %(left)s igjen.",
    "You have not reached the co-payment ceiling, even with what is planned: %(left)s left before the exemption card (frikort) applies.":
        "Du har ikke nådd egenandelstaket, heller ikke med det som er planlagt: %(left)s igjen før frikortet gjelder.",
    "There is no co-payment ceiling for %(year)s in Samforløp yet, so we cannot say when the exemption card (frikort) applies. The sums are shown all the same.":
        "Samforløp har ikke egenandelstaket for %(year)s ennå, så vi kan ikke si når frikortet gjelder. Summene "
        "vises likevel.",
    # The year page
    "Other years": "Andre år",
    "This year": "I år",
    "Co-payments in %(year)s": "Egenandeler i %(year)s",
    "Paid so far: %(paid)s of the co-payment ceiling of %(ceiling)s.":
        "Betalt så langt: %(paid)s av egenandelstaket på %(ceiling)s.",
    "Co-payment ceiling": "Egenandelstak",
    "not known yet": "ikke kjent ennå",
    "Paid, counts toward the ceiling": "Betalt, teller mot taket",
    "Planned, counts toward the ceiling": "Planlagt, teller mot taket",
    "Together": "Til sammen",
    "Costs that do not count toward the ceiling": "Utgifter som ikke teller mot taket",
    "%(paid)s paid, %(planned)s planned": "%(paid)s betalt, %(planned)s planlagt",
    "See the co-payments registered for you and your exemption card on helsenorge.no":
        "Se egenandelene som er registrert på deg, og frikortet ditt på helsenorge.no",
    "Each cost": "Hver utgift",
    "Date": "Dato",
    "What": "Hva",
    "Amount": "Beløp",
    "no date set": "ingen dato satt",
    "planned for %(date)s, not paid yet": "planlagt %(date)s, ikke betalt ennå",
    "For the measure": "For tiltaket",
    "The rest of %(cost)s": "Resten av %(cost)s",
    "Wrong? Void it": "Feil? Annuller",
    "Void the entry": "Annuller registreringen",
    "Planned": "Planlagt",
    "Paid": "Betalt",
    "No co-payments paid or planned in %(year)s.": "Ingen egenandeler betalt eller planlagt i %(year)s.",
    "Voided entries": "Annullerte registreringer",
    "Register the co-payment": "Registrer egenandelen",
    # The patient's page
    "My costs": "Mine utgifter",
    "What you have paid and what your plan is expected to cost you this year. When your co-payments reach the co-payment ceiling, you get the exemption card (frikort) and pay no more co-payments for the rest of the year.":
        "Det du har betalt, og det planen din ventes å koste deg i år. Når egenandelene dine når egenandelstaket, "
        "får du frikort og betaler ikke flere egenandeler resten av året.",
    "Register a co-payment you have paid": "Registrer en egenandel du har betalt",
    "What the plan costs you, and your co-payments this year": "Hva planen koster deg, og egenandelene dine i år",
    # The care team's pages
    "Co-payments": "Egenandeler",
    "Individual plan": "Individuell plan",
    "Co-payments for %(name)s": "Egenandeler for %(name)s",
    "Register a co-payment the patient tells you about": "Registrer en egenandel pasienten forteller om",
    "Costs to the patient in %(year)s": "Utgifter for pasienten i %(year)s",
    "This plan costs the patient about %(amount)s this year. Are there free alternatives?":
        "Denne planen koster pasienten omtrent %(amount)s i år. Finnes det gratis alternativer?",
    "Look for free offers": "Se etter gratis tilbud",
    "Co-payments that count toward the ceiling: %(paid)s paid and %(planned)s planned, against a ceiling of %(ceiling)s.":
        "Egenandeler som teller mot taket: %(paid)s betalt og %(planned)s planlagt, mot et tak på %(ceiling)s.",
    "Co-payments that count toward the ceiling: %(paid)s paid and %(planned)s planned.":
        "Egenandeler som teller mot taket: %(paid)s betalt og %(planned)s planlagt.",
    "Costs that do not count toward the ceiling: %(amount)s.": "Utgifter som ikke teller mot taket: %(amount)s.",
    "Each co-payment, and register one the patient tells you about":
        "Hver egenandel, og registrer en pasienten forteller om",
}
