"""Article bodies for the news-page set, part one (our own text: fictional news, written for
these tests). Each is title, ISO date, author, site and body paragraphs."""

from __future__ import annotations

ARTICLES_A: list[dict[str, object]] = [
    {
        "title": "City council approves plan to rebuild the old harbour bridge",
        "date": "2021-03-12", "author": "Maria Lindqvist", "site": "Harbour Gazette",
        "body": [
            "The city council voted 27 to 4 on Thursday evening to replace the harbour bridge, "
            "ending a decade of arguments over whether the ageing steel structure could be "
            "repaired or had to come down.",
            "Engineers told councillors in January that corrosion in the main girders had "
            "advanced faster than expected, and that the load limit would have to be cut to "
            "seven tonnes by the end of next year if nothing was done.",
            "The new bridge will carry two lanes of traffic, a separated cycle track and a "
            "wider footpath on the seaward side. Construction is expected to start in the "
            "spring of 2023 and to take roughly three years.",
            "\u201cThis is the most important piece of infrastructure we will decide on in a "
            "generation,\u201d said the council leader, Anette Borg. \u201cWe could not keep "
            "patching it and hoping for the best.\u201d",
            "Opponents had argued for a cheaper refurbishment. Councillor Piet Haarsma said the "
            "estimated cost of 212 million had doubled since the first study and warned that "
            "local taxpayers would carry the risk of further overruns.",
            "A temporary ferry service for pedestrians and cyclists will run while the bridge "
            "is closed, and buses will be diverted over the ring road, adding about twelve "
            "minutes to journeys from the eastern districts.",
        ],
    },
    {
        "title": "Drought forces farmers to sell cattle early as feed prices climb",
        "date": "2022-08-04", "author": "Tom Okafor", "site": "Rural Times",
        "body": [
            "Livestock auctions across the southern plains have seen record numbers of cattle "
            "this summer as farmers sell animals they can no longer afford to feed.",
            "Hay prices have risen by more than 60 per cent since May, according to the "
            "regional farmers' union, after the driest spring in forty years left pastures "
            "brown and reservoirs at a third of their usual level.",
            "At the market in Kellerton on Tuesday, more than 3,000 head of cattle passed "
            "through the ring, twice the number sold on the same day last year. Prices per "
            "kilogram fell by almost a fifth over the course of the morning.",
            "\u201cYou sell them now or you watch them lose condition,\u201d said Grace Mbeki, "
            "who runs a herd of 180 suckler cows with her brother. \u201cNeither choice is a "
            "good one, but at least this way the money comes in.\u201d",
            "Economists warn that the early sales could push beef prices up next year, once "
            "the surplus of animals now reaching slaughterhouses has worked its way through "
            "the supply chain.",
            "The agriculture ministry said it would extend an emergency fund for water "
            "transport and would allow grazing on land normally set aside for conservation "
            "until the end of October.",
        ],
    },
    {
        "title": "Rail operator apologises after signal failure strands thousands",
        "date": "2023-01-19", "author": "Helen Carter", "site": "Metro Daily",
        "body": [
            "The main rail operator in the north-west has apologised to passengers after a "
            "signalling fault brought services to a standstill for most of Wednesday.",
            "Trains between the city centre and the airport were cancelled from just after "
            "seven in the morning, and some passengers said they had been held on stationary "
            "trains for more than two hours without information.",
            "Network engineers traced the problem to a damaged cable near the junction at "
            "Westbrook, which had been cut during unrelated building work overnight.",
            "In a statement, the operator said compensation would be paid to anyone whose "
            "journey was delayed by more than fifteen minutes, and that tickets for Wednesday "
            "would be accepted on Thursday as well.",
            "Passenger groups said the failure showed how fragile the network had become. "
            "\u201cOne cable, one morning, and the whole region stops,\u201d said Daniel Price of "
            "the Rail Users' Association.",
        ],
    },
    {
        "title": "Scientists map hidden river beneath the ice shelf",
        "date": "2020-11-02", "author": "Priya Raman", "site": "Science Wire",
        "body": [
            "A team of glaciologists has mapped a river more than 400 kilometres long flowing "
            "beneath the ice sheet, a discovery they say could change estimates of how fast "
            "the ice will melt.",
            "The researchers used airborne radar to trace the channel from the interior of the "
            "continent to the sea, where fresh water emerges beneath the floating ice shelf.",
            "The flow of water lubricates the base of the ice and can speed up the movement of "
            "glaciers toward the ocean. Until now, models had assumed that such channels were "
            "short and isolated.",
            "\u201cWe expected to find pools of water, not a system the size of a major river on "
            "land,\u201d said the study's lead author, Dr Lena Hoffmann of the Polar Research "
            "Institute.",
            "The team plans to return next season with instruments that can be lowered through "
            "boreholes to measure the temperature and speed of the water directly.",
        ],
    },
    {
        "title": "Inflation eases for a third month as energy costs fall",
        "date": "2023-06-14", "author": "James Whitfield", "site": "Business Ledger",
        "body": [
            "Consumer price inflation slowed to 5.8 per cent in May, down from 6.4 per cent in "
            "April, as lower petrol and heating prices offset further rises in the cost of "
            "food.",
            "It was the third consecutive monthly fall and the lowest rate since early last "
            "year, the national statistics office said on Wednesday.",
            "Food prices rose by 11.2 per cent over the year, led by bread, cheese and "
            "vegetables, while the cost of household energy dropped by almost a tenth compared "
            "with the winter peak.",
            "Analysts said the figures made another interest rate rise less likely at the "
            "central bank's meeting next month, although core inflation, which strips out "
            "volatile items, remained stubbornly high at 6.1 per cent.",
            "The finance minister welcomed the data but said households would continue to feel "
            "the squeeze for some time. \u201cPrices are still rising, just less quickly,\u201d "
            "she told reporters.",
            "Retailers reported that shoppers were switching to own-brand products and buying "
            "less meat, trends that have persisted since the autumn.",
        ],
    },
    {
        "title": "Museum returns carved panels to village after 90 years",
        "date": "2021-09-27", "author": "Samuel Adeyemi", "site": "Culture Review",
        "body": [
            "Four carved wooden panels taken from a village meeting house in 1931 have been "
            "returned by the national museum, in a ceremony attended by hundreds of residents.",
            "The panels, which depict the founding of the village, were removed by a colonial "
            "administrator and later sold to the museum by his family.",
            "Elders had campaigned for their return for more than thirty years. Last year the "
            "museum's trustees agreed that the panels had been taken without consent.",
            "\u201cOur grandparents told us about these carvings, but none of us had ever seen "
            "them,\u201d said Ama Owusu, who led the campaign. \u201cToday they are home.\u201d",
            "The panels will be displayed in a new community building next to the meeting "
            "house, which was restored with a grant from the museum.",
        ],
    },
    {
        "title": "Storm brings down power lines across the coast",
        "date": "2022-02-18", "author": "Kate Morrison", "site": "Coastal Herald",
        "body": [
            "More than 80,000 homes were left without electricity on Friday after a storm with "
            "gusts of up to 140 kilometres per hour swept along the coast overnight.",
            "Fallen trees blocked roads in at least a dozen towns, and the coastguard rescued "
            "two people whose car had been caught by flood water near the estuary.",
            "The grid operator said crews had restored power to about half of the affected "
            "customers by midday but warned that some rural areas could be cut off until "
            "Sunday.",
            "Schools in the worst-hit districts were closed, and ferry crossings to the "
            "islands were suspended until the wind drops.",
            "Forecasters expect a second, weaker storm to arrive on Monday, bringing heavy rain "
            "to ground that is already saturated.",
        ],
    },
    {
        "title": "Local bakery wins national award for sourdough",
        "date": "2019-10-08", "author": "Ruth Ellison", "site": "Valley Voice",
        "body": [
            "A family bakery that opened in a converted garage five years ago has been named "
            "the best independent bakery in the country.",
            "Judges praised its sourdough loaf, made with flour milled on a farm six miles "
            "away and left to ferment for 36 hours, as having an exceptional crust and "
            "flavour.",
            "Owners Beth and Martin Cole started baking at home during a period when Martin "
            "was out of work, selling bread to neighbours from a table outside their house.",
            "\u201cWe never expected anything like this,\u201d Beth Cole said. \u201cWe were just "
            "trying to make the bread we wanted to eat.\u201d",
            "The bakery now employs eleven people and supplies cafes across the valley. The "
            "couple said they had no plans to open a second shop.",
        ],
    },
    {
        "title": "Government announces review of school exam grading",
        "date": "2020-08-21", "author": "Oliver Grant", "site": "Education Post",
        "body": [
            "The education department will hold an independent review of how exam grades are "
            "awarded, after thousands of students said their results were lower than their "
            "teachers had predicted.",
            "The review, led by a former chief inspector of schools, will report by the end of "
            "the year and will look at how grades are moderated between schools.",
            "Students in the poorest areas were more likely to have their grades lowered, "
            "according to figures published by the exams regulator last week.",
            "Head teachers welcomed the review but said it came too late for this year's "
            "pupils, some of whom had lost university places.",
            "The minister said any student who believed their grade was wrong could appeal "
            "free of charge, and that the deadline for appeals had been extended by a month.",
        ],
    },
    {
        "title": "Football club unveils plans for a new stadium",
        "date": "2022-05-30", "author": "Chris Dunne", "site": "Sports Desk",
        "body": [
            "The club has unveiled plans for a 42,000-seat stadium on the site of a former "
            "gasworks, two miles from the ground where it has played for more than a century.",
            "The design includes a steep single-tier stand behind one goal, which the club "
            "says will create one of the loudest atmospheres in the league.",
            "Supporters' groups gave the plans a cautious welcome but asked for guarantees on "
            "ticket prices and on the future of the old ground, which the club intends to sell "
            "for housing.",
            "The chairman said the move was essential if the club wanted to compete with its "
            "rivals. \u201cWe cannot grow in a stadium built for the last century,\u201d he said.",
            "A planning application will be submitted in the autumn. If approved, the stadium "
            "could open for the start of the 2026 season.",
        ],
    },
    {
        "title": "Hospital waiting lists reach record high",
        "date": "2023-03-09", "author": "Nadia Hussain", "site": "Health Today",
        "body": [
            "The number of patients waiting for planned hospital treatment has reached a "
            "record 7.2 million, figures released on Thursday show.",
            "Nearly 400,000 people have been waiting for more than a year, most of them for "
            "orthopaedic procedures such as hip and knee replacements.",
            "Hospital leaders said staff shortages and strikes had slowed efforts to clear the "
            "backlog that built up during the pandemic.",
            "The health secretary said extra funding for diagnostic centres would help, but "
            "admitted the target of eliminating waits of over a year by March would be "
            "missed.",
            "Patient groups said many people waiting were in pain and unable to work, and "
            "called for clearer information on how long each patient could expect to wait.",
        ],
    },
    {
        "title": "Tech firm to cut 1,200 jobs as sales slow",
        "date": "2023-02-01", "author": "Leo Martins", "site": "Tech Journal",
        "body": [
            "The software company said on Tuesday it would cut about 1,200 jobs, roughly 8 per "
            "cent of its workforce, as customers reduce spending on new projects.",
            "The chief executive told staff in an email that the company had hired too quickly "
            "during the pandemic, when demand for its cloud tools surged.",
            "Most of the cuts will fall on sales and recruitment teams, the company said. "
            "Engineering teams working on its artificial intelligence products will be spared.",
            "Shares rose by 4 per cent in early trading after the announcement, which came "
            "alongside quarterly results that beat analysts' expectations.",
            "Affected employees will receive at least sixteen weeks of pay and help finding "
            "new jobs, the company said.",
        ],
    },
    {
        "title": "Wildfire season starts early after warm winter",
        "date": "2021-04-22", "author": "Sofia Reyes", "site": "Mountain News",
        "body": [
            "Firefighters have already tackled more than 200 wildfires this year, the highest "
            "number for April since records began, after an unusually warm and dry winter.",
            "The largest, in the hills above the town of Alder Creek, burned about 1,500 "
            "hectares of scrub and forest before it was brought under control on Monday.",
            "The fire service has brought forward the hiring of seasonal crews by six weeks "
            "and has asked the public not to light barbecues or bonfires in the countryside.",
            "\u201cWe are seeing fire behaviour in spring that we used to see in August,\u201d "
            "said the regional fire chief, Marcus Webb.",
            "Scientists say that warmer winters with less snow leave vegetation drier for "
            "longer, extending the fire season at both ends.",
        ],
    },
    {
        "title": "Election commission confirms new voting districts",
        "date": "2022-11-15", "author": "Anna Kowalski", "site": "Capital Report",
        "body": [
            "The independent election commission has published the final map of voting "
            "districts, which will be used for the first time at the general election.",
            "The number of districts stays at 150, but boundaries in the fast-growing suburbs "
            "around the capital have been redrawn so that each district has a similar number "
            "of voters.",
            "Two rural districts in the north will be merged, while a new district will be "
            "created in the east of the capital.",
            "Opposition parties had objected to an earlier draft, arguing that it split "
            "several towns in two. The commission said it had changed 23 boundaries in "
            "response to public comments.",
            "The new map must now be approved by parliament, which cannot amend it but can "
            "send it back to the commission once.",
        ],
    },
    {
        "title": "Port strike enters second week with no talks planned",
        "date": "2022-09-06", "author": "Ibrahim Sallah", "site": "Trade Bulletin",
        "body": [
            "A strike by dock workers at the country's largest container port has entered its "
            "second week, with ships queuing offshore and no new talks scheduled.",
            "The union is demanding a pay rise in line with inflation, while the port operator "
            "has offered 7 per cent over two years.",
            "Shipping companies have started diverting vessels to smaller ports, where "
            "officials say capacity is already stretched.",
            "Manufacturers warned that shortages of components could force factories to slow "
            "production if the dispute is not resolved by the end of the month.",
            "The transport minister urged both sides to return to negotiations but said the "
            "government would not intervene directly.",
        ],
    },
    {
        "title": "Rare orchid found growing on motorway verge",
        "date": "2020-06-17", "author": "Ellen Marsh", "site": "Nature Notes",
        "body": [
            "A colony of one of the rarest orchids in the country has been found growing on a "
            "grass verge beside a busy motorway.",
            "The plants were spotted by a highways worker who photographed them during a "
            "routine inspection and sent the pictures to a local wildlife trust.",
            "Botanists counted 43 flowering spikes, making it the largest known colony of the "
            "species outside nature reserves.",
            "The highways agency has agreed to stop mowing the verge until the autumn, when "
            "the seeds will have been released.",
            "Experts say road verges, which are rarely fertilised or ploughed, are becoming "
            "important refuges for wild flowers that have disappeared from farmland.",
        ],
    },
]
