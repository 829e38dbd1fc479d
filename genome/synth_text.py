"""Wording for synthetic social posts, product reviews and service tickets.

Life-event detection is later trained and evaluated on these posts, so the
wording is deliberately varied: every life event has many templates for the
author's own event and for someone else's, and the truth records the template
id so that whole templates can be held out. Templates are filled once into a
pool of rendered variants (`build_text_pool`); the generator then picks texts
from the pool by index, which keeps text generation out of the per-event path.

Texts are data: some contain quotes, apostrophes, ampersands, emoji, HTML and
strings that look like SQL, because real exports do.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LIFE_EVENTS = ("birthday", "wedding", "new_baby", "graduation", "moving_house", "new_job")

# Slot vocabularies; a template names a slot as {slot}.
SLOTS: dict[str, tuple[str, ...]] = {
    "name": ("Sam", "Alex", "Maya", "Jordan", "Priya", "Chris", "Taylor", "Nina", "Leo", "Grace", "Marcus",
             "Zoe", "Ethan", "Ava", "Diego", "Hana", "Olivia", "Ben", "Lucia", "Kai"),
    "relation": ("sister", "brother", "cousin", "best friend", "coworker", "neighbor", "college roommate",
                 "bestie", "sister-in-law", "brother-in-law", "aunt", "uncle", "oldest friend", "teammate"),
    "kid": ("son", "daughter", "niece", "nephew", "little brother", "little sister", "cousin", "godson",
            "goddaughter", "stepdaughter"),
    "parent": ("mom", "dad", "grandma", "grandpa", "mother-in-law", "father-in-law"),
    "partner": ("husband", "wife", "partner", "fiancé", "fiancée", "love"),
    "venue": ("the lake house", "city hall", "the vineyard", "the beach", "the botanical garden",
              "her parents' farm", "a tiny chapel", "the rooftop"),
    "school": ("State", "the university", "nursing school", "law school", "community college",
               "grad school", "high school", "the academy"),
    "drink": ("coffee", "cold brew", "an oat latte", "matcha", "espresso", "iced tea"),
    "food": ("tacos", "pizza", "ramen", "brunch", "pancakes", "sushi", "bbq"),
    "game": ("Elden Quest", "Star Raiders", "Kart Legends", "Dungeon Tactics", "Skyforge", "Neon Drift"),
    "miles": ("3", "5", "6.2", "8", "10", "13.1"),
    "show": ("the new season", "that docuseries", "a cooking show", "the finale", "a true crime podcast"),
    "team": ("the Bulls", "the Knicks", "the Lakers", "the Sox", "the Seahawks", "the Nuggets"),
    "weather": ("rainy", "sunny", "freezing", "gorgeous", "humid", "windy"),
    "day": ("Monday", "Tuesday", "Friday", "Saturday", "Sunday"),
    "e_birthday": ("🎂", "🎉", "🥳", "🎈", "🎁", ""),
    "e_wedding": ("💍", "💒", "🥂", "💐", "❤️", "👰", ""),
    "e_new_baby": ("👶", "🍼", "💙", "💗", "🧸", ""),
    "e_graduation": ("🎓", "📜", "🎉", "🙌", ""),
    "e_moving_house": ("🏡", "📦", "🔑", "🚚", "🏠", ""),
    "e_new_job": ("💼", "🚀", "🙌", "✨", "🎯", ""),
    "e_none": ("☕", "😂", "🙌", "🔥", "🌞", "😴", "🍕", "✨", "", ""),
}

# (event, "self" | "other") -> templates. "self" is the author's own event.
POST_TEMPLATES: dict[tuple[str, str], tuple[str, ...]] = {
    ("birthday", "self"): (
        "Another trip around the sun {e_birthday}",
        "Thank you all for the birthday wishes, I feel so loved!!",
        "It's my birthday and I'll eat cake for breakfast if I want to {e_birthday}",
        "birthday dinner with my favorite people {e_birthday}",
        "Officially a year older & not one bit wiser lol",
        "Spent my birthday at {venue} and it was perfect",
        "best birthday ever, thank you {name}!! {e_birthday}",
        "Older, wiser, still can't blow out all the candles {e_birthday}",
        "the \"big day\" is finally here... my birthday week starts now",
        "Birthday girl energy all weekend {e_birthday}",
        "Celebrating me today. Cake, {drink} & zero emails",
        "woke up to {parent} singing happy birthday to me on speaker 😂",
        "Can't believe I'm another year older today {e_birthday}",
        "my bday wish: a nap. that's it. that's the wish",
        "Thirty-something and thriving, thanks for all the love today {e_birthday}",
        "Birthday number 27 in the books {e_birthday}",
        "Took the day off for my birthday and did absolutely nothing",
        "Leveled up to 35 today {e_birthday}",
        "Blowing out candles tonight with the whole crew {e_birthday}",
        "The squad surprised me with a party for my birthday!!",
        "Me, one year older, eating my own weight in cake {e_birthday}",
        "Birthday treat to myself: new sneakers & a long nap",
        "Born on this day and still kicking {e_birthday}",
    ),
    ("birthday", "other"): (
        "Happy birthday to my {relation} {name}! {e_birthday}",
        "my {kid} turns 5 today, where did the time go {e_birthday}",
        "Surprise party for {name} tonight, don't tell!! {e_birthday}",
        "HBD to the best {parent} in the world ❤️",
        "Baked a cake for my {relation}'s birthday & it actually looks like a cake",
        "{name}'s birthday brunch was chaos in the best way {e_birthday}",
        "Wishing my {relation} the happiest of birthdays {e_birthday}",
        "at {name}'s 30th and the DJ is playing 2000s bangers",
        "Picking out a birthday gift for my {kid}, send ideas",
        "Can't believe my {kid} is turning 10 this week {e_birthday}",
        "Happy 60th {parent}!! love you to the moon",
        "Planning {name}'s surprise birthday, keep it quiet",
        "Sang happy birthday to {name} at the office today {e_birthday}",
        "Another year older, {name}! Have the best day {e_birthday}",
        "Cake for the twins' party is done, they turn 3 tomorrow",
        "Wrapped presents till midnight for my {kid}'s birthday",
    ),
    ("wedding", "self"): (
        "Just got married to my best friend!! {e_wedding}",
        "Can't believe I'm officially a Mrs now {e_wedding}",
        "we said I do {e_wedding}",
        "Mr & Mrs as of this afternoon {e_wedding}",
        "Married the love of my life at {venue} today {e_wedding}",
        "Still can't stop looking at my ring. We did it!! {e_wedding}",
        "Best day of our lives. Thank you to everyone who celebrated with us",
        "Hitched! {e_wedding} Honeymoon mode: ON",
        "first dance as a married couple and I cried the whole time",
        "Changed my last name today, feels surreal {e_wedding}",
        "our wedding was small & perfect and I'd do it all again tomorrow",
        "Just married. Thank you {name} for officiating!! {e_wedding}",
        "Introducing my {partner}... for real now {e_wedding}",
        "can't believe I get to call you my husband now {e_wedding}",
        "Our forever started today {e_wedding}",
        "Signed the marriage license, it's official!! {e_wedding}",
        "From girlfriend to wife in one afternoon {e_wedding}",
        "I married my high school sweetheart today {e_wedding}",
        "Back from our honeymoon and still grinning",
        "We eloped!! Just the two of us and a photographer {e_wedding}",
        "Walked down the aisle to my favorite person today",
        "Thank you to everyone who danced with us at our wedding {e_wedding}",
        "Wearing my wedding band to the grocery store feels so weird lol",
        "Newlyweds in Paris {e_wedding}",
    ),
    ("wedding", "other"): (
        "my {relation}'s wedding was beautiful {e_wedding}",
        "Congrats to {name} & Jamie on tying the knot!! {e_wedding}",
        "Maid of honor duties complete, {relation} is married!",
        "At my {relation}'s wedding at {venue} {e_wedding}",
        "Cried through my {relation}'s vows, not even sorry",
        "Best man speech went great, {name} is officially married",
        "Wedding season: 3 weddings, 1 suit, 0 regrets",
        "So happy for my {relation} who got married this weekend {e_wedding}",
        "{name}'s wedding cake was a work of art",
        "Bridesmaid for the third time this year {e_wedding}",
        "My {parent} remarried today and I've never seen them happier",
        "Caught the bouquet at {name}'s wedding, no pressure lol",
        "Toasting {name} and Jamie, the newlyweds {e_wedding}",
        "Ordering a dress for my {relation}'s wedding in June",
        "{name} and Jamie got hitched at {venue} {e_wedding}",
    ),
    ("new_baby", "self"): (
        "Welcome to the world, little one {e_new_baby}",
        "Our baby boy arrived this morning, 7lbs 4oz of perfection {e_new_baby}",
        "We're parents!!! {e_new_baby}",
        "Meet our daughter {name} {e_new_baby}",
        "Sleepless nights, full hearts. Our little one is finally here",
        "3 days old and already the boss of this house {e_new_baby}",
        "Baby girl made her grand entrance early {e_new_baby}",
        "Never knew I could love someone this much. Welcome, {name}",
        "first night home with our newborn & nobody slept lol {e_new_baby}",
        "I'm a mom!! Still can't believe it {e_new_baby}",
        "Our family just got a little bigger {e_new_baby}",
        "Became a dad today. Everything is different now {e_new_baby}",
        "Diapers, bottles and the tiniest socks... our son is here",
        "She's here! Mom & baby are healthy and happy {e_new_baby}",
        "Welcome to the family, baby {name}! Born at 3am {e_new_baby}",
        "Hospital bracelet, coming-home outfit, car seat. We're going home {e_new_baby}",
        "Became parents of twins this week, send coffee {e_new_baby}",
        "Day 5 of parenthood and I've changed 40 diapers {e_new_baby}",
        "Our rainbow baby is finally here {e_new_baby}",
        "Meet the newest member of our family {e_new_baby}",
        "Baby's first bath tonight, both of us cried {e_new_baby}",
        "I gave birth on Tuesday and I'm still in awe",
        "Maternity leave starts now: just me, the baby and the couch",
        "Our son was born yesterday at 8 lbs {e_new_baby}",
    ),
    ("new_baby", "other"): (
        "congrats to my {relation} on the new baby {e_new_baby}",
        "I'm an aunt!!! my {relation} just had a baby girl {e_new_baby}",
        "Met my new nephew today and he's perfect {e_new_baby}",
        "Baby shower for {name} this weekend {e_new_baby}",
        "Congrats {name} & Jamie on your little one!",
        "Holding my {relation}'s newborn and my heart is melting",
        "Uncle duty starts now, my {relation} had a boy {e_new_baby}",
        "Knitting a blanket for my {relation}'s baby, send patience",
        "So happy for {name}, welcome to the world little one {e_new_baby}",
        "My {relation} is pregnant and I'm going to be an aunt!!",
        "Dropped off a lasagna for {name} and the new baby",
        "Finally held my {relation}'s twins today {e_new_baby}",
        "Gender reveal for {name} this weekend: it's a girl! {e_new_baby}",
        "{name} had her baby! Mom and daughter doing great",
        "Bought the tiniest onesie for my {relation}'s baby shower",
    ),
    ("graduation", "self"): (
        "I graduated!!! {e_graduation}",
        "Officially done with school. Diploma in hand {e_graduation}",
        "Walked across that stage today {e_graduation}",
        "4 years, 2 majors, 1 degree. Alumni now {e_graduation}",
        "Thank you {parent} for getting me through {school}. I did it!",
        "No more finals. EVER. {e_graduation}",
        "Cap tossed, tassel turned {e_graduation}",
        "Finally a graduate of {school}! {e_graduation}",
        "Defended my thesis today, call me Dr. now {e_graduation}",
        "Commencement was a blur but I'm officially an alum",
        "Graduation day!! So grateful for everyone who helped me get here",
        "Turned in my last assignment ever & picked up my diploma {e_graduation}",
        "student loans start next month but today I'm a graduate {e_graduation}",
        "done done DONE with {school} {e_graduation}",
        "It took 6 years but I finally have my degree {e_graduation}",
        "Masters done. Time to sleep for a week {e_graduation}",
        "Passed my last exam, I'm officially a nurse {e_graduation}",
        "Class of 2026, that's me {e_graduation}",
        "Got my diploma in the mail today and cried a little",
        "Tossed my cap with 400 classmates today {e_graduation}",
        "Thesis submitted, gown returned, I'm a graduate {e_graduation}",
        "Final semester done, goodbye campus {e_graduation}",
        "First in my family to get a college degree {e_graduation}",
    ),
    ("graduation", "other"): (
        "At my {kid}'s graduation {e_graduation}",
        "So proud of my {kid} for graduating from {school}!",
        "Congrats to {name} on graduating {e_graduation}",
        "my {relation} finished nursing school today, so proud",
        "Graduation party for my {kid} tonight {e_graduation}",
        "Watching my {kid} walk the stage had me in tears",
        "Cheered way too loud at {name}'s commencement",
        "Two graduations in one weekend, proud {parent} moments all around",
        "{name} is officially a graduate of {school} {e_graduation}",
        "Front row seats at my {kid}'s commencement {e_graduation}",
        "Framed {name}'s diploma as a surprise gift",
        "My {kid} finished kindergarten today, cap and all",
        "Congrats to the class of 2026, especially my {relation} {e_graduation}",
        "Proud {parent} moment: {name} got a degree in nursing",
        "Throwing a graduation bbq for my {relation} on Saturday",
    ),
    ("moving_house", "self"): (
        "Keys in hand, we're homeowners!! {e_moving_house}",
        "Moving day. Send pizza and strong friends {e_moving_house}",
        "First night in the new place {e_moving_house}",
        "Unpacked 40 boxes, 60 to go {e_moving_house}",
        "New city, new apartment, new me {e_moving_house}",
        "We closed on our first house today!",
        "Goodbye old apartment, you were tiny but you were ours",
        "Finally moved in! The cat is not amused {e_moving_house}",
        "Signed the lease on our new place {e_moving_house}",
        "Home sweet (new) home {e_moving_house}",
        "Relocating this month, any tips for the new neighborhood?",
        "The U-Haul is packed and so are we {e_moving_house}",
        "sleeping on a mattress on the floor of our new house & loving it",
        "new address who dis {e_moving_house}",
        "Our stuff is officially in the new house {e_moving_house}",
        "Just signed the papers on our first home {e_moving_house}",
        "Moved across the country this week, hello Denver {e_moving_house}",
        "Spent the whole weekend painting the new living room",
        "Our new neighbors brought cookies on day one {e_moving_house}",
        "Forwarded my mail to the new address, it's real now {e_moving_house}",
        "Living out of boxes until further notice {e_moving_house}",
        "Said goodbye to the old flat and hello to a backyard {e_moving_house}",
        "Assembling furniture in the new apartment till 2am",
    ),
    ("moving_house", "other"): (
        "Helped my {relation} move this weekend, my back hates me",
        "Housewarming at {name}'s new place tonight {e_moving_house}",
        "my {parent} finally sold the old house & moved closer to us",
        "Congrats to {name} on the new house!! {e_moving_house}",
        "Carried a couch up 4 flights for my {relation}'s move. True friendship",
        "Brought a plant to {name}'s housewarming {e_moving_house}",
        "My {relation} moved across the country & I already miss her",
        "Spent Saturday unpacking boxes at my {kid}'s first apartment",
        "{name} got the keys to their first place today {e_moving_house}",
        "Helping {name} carry boxes into the new flat",
        "My {relation} bought a house!! so proud {e_moving_house}",
        "Sad day, my {relation} moved to another state",
        "Our neighbors moved out today, we'll miss them {e_moving_house}",
        "Painting walls at my {parent}'s new condo this weekend",
        "{name} finally found an apartment in the city {e_moving_house}",
    ),
    ("new_job", "self"): (
        "Excited to share that I'm starting a new position today {e_new_job}",
        "First day at the new job! {e_new_job}",
        "Signed the offer letter {e_new_job}",
        "New job, new commute, same {drink} addiction",
        "Officially joined the team at a company I've admired for years",
        "Last day at my old job today, new chapter starts Monday {e_new_job}",
        "Got the job!!! {e_new_job}",
        "Onboarding week at the new gig, so many acronyms",
        "I got promoted & I'm moving to a new team {e_new_job}",
        "Starting my new role as a nurse this week {e_new_job}",
        "New badge, new desk, new me {e_new_job}",
        "Thrilled to announce I'm joining a new company as senior engineer",
        "after 6 months of interviews I finally start my new job tomorrow",
        "Said yes to the offer. Big changes ahead {e_new_job}",
        "Accepted an offer at a company I love {e_new_job}",
        "Two weeks' notice handed in, new chapter on the 1st {e_new_job}",
        "Day one at the hospital as a full time nurse {e_new_job}",
        "After 8 years in retail I start my first office job Monday",
        "Got my work laptop and my name on the door {e_new_job}",
        "Just accepted my dream job, pinch me {e_new_job}",
        "Meeting my new team tomorrow, wish me luck {e_new_job}",
        "Career change at 40: I'm a teacher now {e_new_job}",
        "Excited to say I've been hired as head chef {e_new_job}",
    ),
    ("new_job", "other"): (
        "So proud of my {relation} who started a new job today {e_new_job}",
        "Congrats to {name} on the new role!",
        "My {kid} got her first job & I'm emotional",
        "Celebrating {name}'s promotion tonight {e_new_job}",
        "{relation} just landed her dream job, drinks on her",
        "Farewell lunch for {name}, she's off to a new company",
        "my {partner} starts a new job Monday, so proud {e_new_job}",
        "Congrats to my {relation} on the new gig {e_new_job}",
        "{name} got the job!! told you so {e_new_job}",
        "My {partner} got the promotion, dinner's on me {e_new_job}",
        "{name} starts at the hospital next week, so proud {e_new_job}",
        "Welcome to the team, {name}! {e_new_job}",
        "Wrote a reference for my {relation}'s job application today",
        "My {kid} just got hired at the coffee shop down the street",
        "Retirement party for {name} after 30 years at the company",
    ),
    ("none", "none"): (
        "great run this morning {e_none}",
        "new game drop tonight {e_none}",
        "coffee first {e_none}",
        "{weather} {day} vibes {e_none}",
        "Finally tried {food} at that new place downtown {e_none}",
        "Sunday reset: laundry, meal prep & {show}",
        "Ran {miles} miles before work, legs are toast",
        "Who else is up late playing {game}? {e_none}",
        "Can't stop listening to this album",
        "rainy day = reading day",
        "{drink} + sunshine = happy {e_none}",
        "Game day! Let's go {team}! {e_none}",
        "Traffic on the way home was unreal today",
        "Tried a new recipe tonight & nobody complained",
        "Anyone else binge {show} this weekend?",
        "Weekend hike with the dog {e_none}",
        "My plants are thriving and I'm so proud of them",
        "Packing for a weekend getaway {e_none}",
        "Finished a 1000-piece puzzle, send help",
        "Why is {day} so long",
        "grocery haul for the week {e_none}",
        "Spin class destroyed me {e_none}",
        "Morning walk with {drink} in hand",
        "Beat the final boss in {game} after 40 tries {e_none}",
        "Date night: {food} & a movie",
        "Can someone recommend a good book? {e_none}",
        "Cleaned out my closet and found 3 \"lost\" jackets",
        "New personal best at the {day} 5k {e_none}",
        "Airport snacks hit different {e_none}",
        "Watching the sunset from the balcony",
        "Work from home with my cat as a coworker {e_none}",
        "Tried yoga for the first time, I'm not flexible lol",
        "Movie marathon with {name} tonight {e_none}",
        "just discovered {food} tuesdays near my office",
        "Concert last night was incredible {e_none}",
        "Holiday shopping done early for once",
        "Farmers market haul: peaches & sourdough {e_none}",
        "{team} lost again. I'm fine. Totally fine.",
        "Birthday cards on sale at the pharmacy, stocked up for the year",
        "Rewatching my favorite wedding movie tonight {e_none}",
        "Our house smells like cinnamon rolls {e_none}",
        "Working late again, send snacks",
        "Moving my desk closer to the window was the best idea",
        "Baby carrots are the best snack, fight me",
        "Back-to-school shopping for myself, new notebooks {e_none}",
        "Finally cleaned the garage {e_none}",
        "Home by 6, dinner by 7, asleep by 9",
        "My cat knocked the cake off the counter",
        "Podcast recommendations for a long drive?",
        "New phone, who dis {e_none}",
        "Repainted the bathroom, it's blue now",
        "The office coffee machine finally got fixed {e_none}",
        "Meal prep Sunday: rice, beans & {food}",
        "Lost my keys again {e_none}",
        "Ran into an old friend at the grocery store",
        "Trying to learn guitar at 30, wish me luck",
        "Long week at work, pizza night {e_none}",
        "My neighbor's dog won't stop barking",
        "Rain all week, my garden is happy {e_none}",
        "Road trip playlist is ready {e_none}",
        "Just renewed my gym membership for another year",
        "Graduated from couch to 5k! {e_none}",
        "Watched {team} win from the couch {e_none}",
    ),
}

REVIEW_TEMPLATES: dict[int, tuple[str, ...]] = {
    5: ("Absolutely love it, exactly as described.", "Best purchase I've made this year!", "Great quality & fast shipping {e_none}",
        "Bought a second one for my {relation}.", "5 stars. Would buy again in a heartbeat.", "Exceeded my expectations, <b>highly</b> recommend.",
        "My {kid} loves it, no complaints at all."),
    4: ("Really good, just a bit pricey.", "Works well, took a few days to arrive.", "Solid product, the color is slightly different from the photo.",
        "Happy with it overall. Instructions could be clearer.", "Good value & looks great in person.", "Does what it says. \"Premium\" feel is real."),
    3: ("It's okay. Does the job.", "Average quality for the price.", "Decent but I expected more.", "Fine, nothing special.",
        "Fits a little small, order a size up.", "Not bad, not great. 3/5"),
    2: ("Disappointed, it stopped working after two weeks.", "Cheap feel, wouldn't buy again.", "Arrived scratched & the box was crushed.",
        "Smaller than it looks in the pictures.", "Customer service didn't help much.", "Meh. Returned it."),
    1: ("Broke on the first day. Terrible.", "Don't waste your money!!!", "Arrived damaged and nobody answers my emails.",
        "Worst purchase ever '; DROP TABLE events; --", "Completely useless. 1 star because I can't give 0.", "<script>alert('bad')</script> junk"),
}

TICKET_TEMPLATES: dict[str, tuple[str, ...]] = {
    "delivery": ("Where is my order {order}? It's been {days} days.", "Package marked delivered but I never got it.",
                 "My order {order} arrived with a missing item.", "Tracking hasn't updated in {days} days, please help",
                 "Delivery driver left the box in the rain & it's soaked"),
    "refund": ("I returned an item {days} days ago and still no refund.", "Please cancel order {order} and refund me.",
               "Was charged twice for order {order}!!", "How long does a refund take to show up on my card?",
               "Refund amount is wrong, I paid $49.99 not $39.99"),
    "account": ("I can't log in to my account, password reset email never arrives.", "Please update my email address on file.",
                "How do I delete my account and my data?", "My loyalty points disappeared after the app update",
                "Please stop sending me marketing emails", "Can you merge my two accounts? I used my work email by mistake"),
    "product": ("The item I received is broken, what are my options?", "Does the {thing} come with a warranty?",
                "Is the {thing} compatible with my old model?", "Product doesn't match the description \"waterproof\"",
                "Received the wrong size, need an exchange"),
    "store": ("The staff at the {city} store were super helpful, thank you!", "Waited 30 minutes at checkout in {city} store.",
              "Price at the till didn't match the shelf tag", "Can I return an online order at the {city} store?",
              "Lost my loyalty card, can you send a new one?"),
    "billing": ("Coupon SAVE10 didn't apply at checkout", "Why was I charged tax on a gift card?",
                "Invoice for our business account is missing the PO number", "Payment failed but money left my account",
                "<b>URGENT</b>: double charge on my card"),
}
TICKET_SLOTS: dict[str, tuple[str, ...]] = {
    "order": ("#A10482", "#B22917", "#C31005", "#A99120", "#D40477", "#B57733", "order 8841-2231"),
    "days": ("3", "5", "7", "10", "12", "14", "21"),
    "thing": ("charger", "tent", "console", "stroller", "coffee maker", "watch", "laptop", "suitcase"),
    "city": ("Chicago", "New York", "Boston", "Seattle", "Austin", "Miami", "Denver", "Phoenix"),
}


@dataclass(frozen=True)
class TextGroup:
    """A block of rendered texts: `variants` per template, contiguous."""

    start: int
    n_templates: int
    variants: int
    template_ids: tuple[str, ...]


@dataclass(frozen=True)
class TextPool:
    """All rendered texts, addressed as group start + template * variants + variant."""

    texts: tuple[str, ...]
    groups: dict[tuple, TextGroup]


def post_template_id(event: str, side: str, number: int) -> str:
    """Stable template id such as `wedding.self.07` or `none.12`."""
    return f"none.{number:02d}" if event == "none" else f"{event}.{side}.{number:02d}"


def build_text_pool(rng: np.random.Generator, *, variants: int = 40) -> TextPool:
    """Render every template `variants` times with random slot fills."""
    texts: list[str] = []
    groups: dict[tuple, TextGroup] = {}

    def add_group(key: tuple, templates: tuple[str, ...], ids: tuple[str, ...], slots: dict, decorate: bool) -> None:
        groups[key] = TextGroup(len(texts), len(templates), variants, ids)
        for template in templates:
            for _ in range(variants):
                text = _fill(template, slots, rng)
                texts.append(_decorate(text, rng) if decorate else text)

    for (event, side), templates in POST_TEMPLATES.items():
        ids = tuple(post_template_id(event, side, i) for i in range(len(templates)))
        add_group(("post", event, side), templates, ids, SLOTS, decorate=False)
    for rating, templates in REVIEW_TEMPLATES.items():
        ids = tuple(f"review.{rating}.{i:02d}" for i in range(len(templates)))
        add_group(("review", rating), templates, ids, SLOTS, decorate=True)
    for topic, templates in TICKET_TEMPLATES.items():
        ids = tuple(f"ticket.{topic}.{i:02d}" for i in range(len(templates)))
        add_group(("ticket", topic), templates, ids, TICKET_SLOTS, decorate=True)
    return TextPool(tuple(texts), groups)


def _fill(template: str, slots: dict[str, tuple[str, ...]], rng: np.random.Generator) -> str:
    values = {name: choices[rng.integers(len(choices))] for name, choices in slots.items() if "{" + name + "}" in template}
    # Collapse the gap an empty emoji slot leaves behind.
    return template.format_map(values).replace("  ", " ").strip()


def _decorate(text: str, rng: np.random.Generator) -> str:
    """Occasional noise found in real free text: emphasis, emoji, shouting, quotes."""
    roll = rng.random()
    if roll < 0.04:
        return text + " 🙄"
    if roll < 0.07:
        return text.upper()
    if roll < 0.09:
        return f'"{text}"'
    if roll < 0.10:
        return text + " <br/>Sent from my iPhone"
    return text
