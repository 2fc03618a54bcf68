"""Article bodies for the news-page set, part two (our own text: fictional news, written for
these tests)."""

from __future__ import annotations

ARTICLES_B: list[dict[str, object]] = [
    {
        "title": "Budget 2024: the main measures at a glance",
        "date": "2024-03-06", "author": "Rachel Steed", "site": "Money Week Online",
        "body": [
            "The chancellor set out the government's tax and spending plans in a speech to "
            "parliament on Wednesday. These are the main measures announced.",
            "The basic rate of income tax stays at 20 per cent, but the personal allowance "
            "rises to 13,000 from April.",
            "Fuel duty is frozen for another twelve months, at a cost of about 3 billion.",
            "Child benefit will be paid in full to households where no parent earns more than "
            "60,000 a year.",
            "A new tax on vaping products will be introduced in October 2026.",
            "Funding for the health service rises by 2.5 billion, most of it for new "
            "equipment and computer systems.",
            "The chancellor said the measures would leave the average worker better off by "
            "about 450 a year, although independent forecasters said rising taxes elsewhere "
            "would cancel out much of the gain.",
        ],
    },
    {
        "title": "Marathon results: Kiprono breaks course record",
        "date": "2023-04-23", "author": "Paul Ndiaye", "site": "Running World News",
        "body": [
            "Daniel Kiprono broke the course record by 41 seconds on Sunday, pulling away from "
            "a group of five runners in the final three kilometres.",
            "In the women's race, Ayana Tesfaye won her second title in three years, finishing "
            "almost a minute ahead of the defending champion.",
            "Position Name Country Time",
            "1 Daniel Kiprono Kenya 2:04:12",
            "2 Haile Girma Ethiopia 2:04:55",
            "3 Tomas Ruiz Spain 2:05:30",
            "More than 38,000 runners started the race in cool and dry conditions, and "
            "organisers said a record amount had been raised for charity.",
        ],
    },
    {
        "title": "Central bank holds rates and signals cuts later this year",
        "date": "2024-01-31", "author": "Victor Lang", "site": "Markets Live",
        "body": [
            "The central bank kept its main interest rate at 4.5 per cent on Wednesday, as "
            "expected, but said it could begin cutting later in the year if inflation "
            "continues to fall.",
            "Good morning and welcome to our coverage of today's rate decision. We will bring "
            "you the announcement, the governor's press conference and the market reaction.",
            "Markets had priced in a hold, with traders betting on the first cut in June. The "
            "currency fell slightly against the dollar ahead of the announcement.",
            "The decision is out: rates are unchanged at 4.5 per cent. Seven members of the "
            "committee voted to hold, while two voted for a cut of a quarter point.",
            "The governor said the committee needed to see more evidence that price pressures "
            "were easing before it could act. \u201cWe are not there yet, but we are getting "
            "closer,\u201d she said.",
            "Bond yields fell after the press conference, and the main share index closed up "
            "0.8 per cent, led by housebuilders and banks.",
        ],
    },
    {
        "title": "Village library saved by volunteers after council cuts",
        "date": "2019-02-12", "author": "Joan Baxter", "site": "Shire Chronicle",
        "body": [
            "A village library that was due to close under council budget cuts will stay open "
            "after more than forty volunteers offered to run it.",
            "The council agreed to hand over the building and its stock of books to a "
            "community trust, which will open the library four days a week.",
            "Volunteers will receive training from the county's library service, and the "
            "library will remain part of the county catalogue, so readers can still order "
            "books from other branches.",
            "\u201cPeople here were not prepared to lose it,\u201d said the trust's chair, Keith "
            "Armitage. \u201cFor some older residents it is the only place they go in a "
            "week.\u201d",
            "The council said community-run libraries had already saved seven branches "
            "elsewhere in the county.",
        ],
    },
    {
        "title": "Airline orders 50 new planes in push for long-haul routes",
        "date": "2023-07-18", "author": "Mei Chen", "site": "Aviation Today",
        "body": [
            "The national airline has ordered 50 wide-body aircraft in a deal worth about 14 "
            "billion at list prices, its biggest order in more than a decade.",
            "The first planes will arrive in 2026 and will replace older jets on routes to "
            "Asia and North America, the airline said.",
            "The new aircraft burn about a fifth less fuel per seat than the planes they "
            "replace, which the airline said would help it meet its target of cutting "
            "emissions per passenger by a third by 2035.",
            "The chief executive said demand for long-haul travel had recovered faster than "
            "expected and that the airline planned to open eight new routes.",
            "Unions welcomed the order, which they said would secure jobs at the airline's "
            "maintenance base for years to come.",
        ],
    },
    {
        "title": "Police investigate break-in at historic manor",
        "date": "2021-12-03", "author": "Gareth Llewellyn", "site": "County Courier",
        "body": [
            "Police are investigating a break-in at a historic manor house in which paintings "
            "and silverware worth an estimated 2 million were stolen.",
            "Thieves forced a window at the rear of the building in the early hours of "
            "Wednesday and disabled part of the alarm system, officers said.",
            "Among the items taken were two eighteenth-century portraits and a collection of "
            "silver candlesticks that had belonged to the family for generations.",
            "Detectives have appealed for anyone who saw a dark van in the lanes around the "
            "estate between midnight and four in the morning to contact them.",
            "The house, which is open to visitors in the summer, will remain closed while the "
            "investigation continues.",
        ],
    },
    {
        "title": "University opens centre for battery research",
        "date": "2022-10-11", "author": "Irene Novak", "site": "Campus News",
        "body": [
            "A new research centre for battery technology has opened at the university, with "
            "funding of 60 million from the government and industry partners.",
            "Researchers at the centre will work on batteries that use less cobalt and "
            "lithium, and on ways to recycle the batteries of electric cars.",
            "The building houses dry rooms where cells can be assembled without moisture, and "
            "a testing hall where batteries are charged and discharged thousands of times.",
            "\u201cThe countries that master batteries will lead the next industrial era,\u201d "
            "said the centre's director, Professor Alan Whitby.",
            "The university expects the centre to employ about 150 researchers within five "
            "years.",
        ],
    },
    {
        "title": "Heatwave warning issued as temperatures near 38C",
        "date": "2022-07-17", "author": "Lucy Fenwick", "site": "Weather Watch",
        "body": [
            "An extreme heat warning has been issued for much of the country, with "
            "temperatures expected to reach 38C on Monday and Tuesday.",
            "Health officials advised people to stay out of the sun during the hottest part of "
            "the day, to drink plenty of water and to check on elderly neighbours.",
            "Some rail services will run at reduced speeds because of the risk of tracks "
            "buckling, and passengers have been told to travel only if necessary.",
            "Schools have been told they may close early, and several councils have opened "
            "cool rooms in libraries and community centres.",
            "Forecasters said the heat would ease from Wednesday, with thunderstorms likely as "
            "cooler air moves in from the west.",
        ],
    },
    {
        "title": "Ferry company fined over safety failings",
        "date": "2020-01-28", "author": "Niall Byrne", "site": "Maritime Record",
        "body": [
            "A ferry company has been fined 850,000 after admitting safety failings that led "
            "to a crew member being seriously injured on a car deck.",
            "The court heard that the worker was struck by a lorry that was being loaded "
            "while he was securing vehicles, because no one had been assigned to direct "
            "traffic.",
            "The company had been warned about the practice in an internal report two years "
            "earlier but had not changed it, the prosecution said.",
            "The judge said the failings were serious and long-standing, and that the "
            "company had put profit ahead of its workers' safety.",
            "The company said it had since introduced new procedures and apologised to the "
            "injured worker and his family.",
        ],
    },
    {
        "title": "Chess prodigy, 12, becomes youngest national champion",
        "date": "2023-08-29", "author": "Dmitri Volkov", "site": "Mind Sports Weekly",
        "body": [
            "A 12-year-old schoolgirl has become the youngest national chess champion, "
            "winning the title with a round to spare.",
            "Zara Ahmed, who learned to play at the age of five, beat three grandmasters during "
            "the nine-round tournament and lost only one game.",
            "Her coach said her calculation in complex positions was unusual for a player of "
            "any age. \u201cShe sees things the rest of us miss,\u201d he said.",
            "The win earns her a place in the national team for the next Olympiad, where she "
            "will be the youngest player in the squad.",
            "Zara said she would celebrate by going to the cinema with her friends and would "
            "then start preparing for the world youth championship.",
        ],
    },
    {
        "title": "New ferry link to the islands to start in May",
        "date": "2024-02-20", "author": "Iona MacLeod", "site": "Island Times",
        "body": [
            "A new ferry service linking the mainland to the outer islands will begin "
            "sailing in May, cutting the journey time by almost an hour.",
            "The service will use a new hybrid vessel that can carry 150 cars and 600 "
            "passengers and runs on batteries when it enters harbour.",
            "Islanders have complained for years about cancellations caused by the age of the "
            "existing fleet, some of which is more than thirty years old.",
            "The transport agency said the new ship would be joined by a sister vessel next "
            "year, allowing a second daily sailing in the summer.",
            "Fares will stay the same for residents, while visitors will pay a small "
            "supplement in the peak season.",
        ],
    },
    {
        "title": "Court rules against developer in green belt dispute",
        "date": "2021-06-08", "author": "Hannah Weiss", "site": "Planning Law Review",
        "body": [
            "The high court has ruled that a developer cannot build 600 homes on green belt "
            "land outside the town, upholding the council's refusal of planning permission.",
            "The developer had argued that the council had failed to provide enough land for "
            "housing and that the green belt policy should not apply.",
            "The judge found that the council had correctly weighed the need for housing "
            "against the harm to the countryside.",
            "Campaigners who had fought the plans for six years celebrated outside the court. "
            "\u201cThis land will stay fields for our children,\u201d one said.",
            "The developer said it was considering an appeal.",
        ],
    },
    {
        "title": "Why are egg prices rising?",
        "date": "2023-01-10", "author": "Clara Hughes", "site": "Kitchen Economics",
        "body": [
            "Egg prices have risen by almost 30 per cent in a year, and some supermarkets "
            "have limited how many boxes each customer can buy.",
            "The main cause is an outbreak of bird flu that has led to the culling of "
            "millions of laying hens across the region.",
            "Farmers also say that the cost of feed and energy has made it hard to keep "
            "flocks, and some have stopped producing eggs altogether.",
            "Supermarkets have started importing eggs to fill the gaps on their shelves, "
            "but industry groups warn that shortages could last until the summer.",
            "Economists expect prices to fall once flocks are rebuilt, but say that will take "
            "at least a year.",
        ],
    },
    {
        "title": "Orchestra cancels tour after funding is withdrawn",
        "date": "2019-05-14", "author": "Felix Baumann", "site": "Arts Daily",
        "body": [
            "The national youth orchestra has cancelled its summer tour after a sponsor "
            "withdrew its funding at short notice.",
            "The tour would have taken 120 young musicians to eight cities, including concerts "
            "at two of the best-known festivals in Europe.",
            "The orchestra's director said the cancellation was heartbreaking for players who "
            "had been rehearsing since January.",
            "Several musicians have started an online appeal to raise the money needed, which "
            "the orchestra estimates at 400,000.",
            "The sponsor, an energy company, said it was reviewing all of its arts "
            "partnerships and declined to comment further.",
        ],
    },
    {
        "title": "Town celebrates reopening of restored cinema",
        "date": "2022-12-16", "author": "Martha Quinn", "site": "Northern Echoes",
        "body": [
            "A cinema that closed in 1987 reopened on Friday after a restoration funded by "
            "thousands of small donations from local people.",
            "The art deco building had been used as a bingo hall and a carpet warehouse "
            "before a community group bought it seven years ago.",
            "Volunteers stripped back layers of paint to reveal the original ceiling, and the "
            "projection room has been fitted with a digital projector.",
            "The first film shown was the one that closed the cinema 35 years ago, and some "
            "of the audience had been in the seats on that night too.",
            "The cinema will show films six nights a week and will host concerts and talks.",
        ],
    },
    {
        "title": "Rescue teams reach climbers trapped on mountain",
        "date": "2020-02-09", "author": "Jonas Berg", "site": "Alpine Report",
        "body": [
            "Mountain rescue teams have reached three climbers who were trapped for two nights "
            "on a ledge after an avalanche swept away their route down.",
            "A helicopter was unable to fly because of high winds, so rescuers climbed for "
            "eleven hours through deep snow to reach the group.",
            "All three climbers were suffering from cold but were otherwise unhurt, the "
            "rescue service said. They are expected to be brought down on Monday.",
            "The climbers had dug a snow hole and rationed their food, which rescuers said "
            "had almost certainly saved their lives.",
            "The avalanche risk in the region remains high, and authorities have urged "
            "climbers to avoid the mountain until conditions improve.",
        ],
    },
]
