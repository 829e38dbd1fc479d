"""Hand-written posts for judging the life-event classifier on wording its templates never used.

Both sets were written apart from the training templates (`genome.models.post_corpus`)
and are never used for training. They differ in what they were allowed to
influence:
- `DEVELOPMENT_POSTS` were read while the event vocabulary
  (`genome.models.life_events.EVENT_WORDS`) was written, so their score is
  optimistic and is shown as such;
- `SEALED_POSTS` were written after that vocabulary was frozen and are only
  ever scored, never looked at to change the classifier: their macro F1 is
  the honest figure for wording people will really use.

Each post is labelled with the author's own event, or `none` when it is
someone else's event or no event at all.
"""

DEVELOPMENT_POSTS: tuple[tuple[str, str], ...] = (
    # the author's own birthday
    ("birthday", "thirty-two today and honestly feeling great about it"),
    ("birthday", "My friends threw me a birthday picnic and I cried a little"),
    ("birthday", "blew out the candles, made a wish, not telling what it was"),
    ("birthday", "Officially in my forties as of this morning 🎂"),
    ("birthday", "Thanks for all the lovely messages on my special day!"),
    ("birthday", "Treated myself to a birthday massage, best decision"),
    ("birthday", "Turning 25 this week and I finally feel like a grown-up"),
    # someone else's birthday
    ("none", "Happy 60th to the most patient dad on earth"),
    ("none", "We surprised my roommate with a birthday cake at midnight"),
    ("none", "my little girl is turning seven and wants a unicorn party"),
    ("none", "Happy birthday to my partner in crime, love you Jess"),
    ("none", "Grandpa turned 90 today and still beat us all at cards"),
    ("none", "Wrapping presents for my nephew's birthday tomorrow"),
    ("none", "Celebrating my coworker's birthday with donuts at the office"),
    # the author's own wedding
    ("wedding", "We eloped! Just the two of us and a very confused officiant"),
    ("wedding", "Married my best friend on Saturday, still floating"),
    ("wedding", "Our wedding photos are back and I can't stop looking at them"),
    ("wedding", "Signed the marriage license today, it's official 💍"),
    ("wedding", "First week as husband and wife, no regrets so far"),
    ("wedding", "Thank you everyone who danced with us at our wedding"),
    ("wedding", "He said yes to forever and we did it in front of everyone we love"),
    # someone else's wedding
    ("none", "My brother got married this weekend and the speeches were hilarious"),
    ("none", "Bridesmaid duty done, feet are destroyed"),
    ("none", "Congratulations to the happy couple, what a beautiful ceremony"),
    ("none", "Looking for a gift for my friend's wedding registry, any ideas?"),
    ("none", "my cousin's wedding had a taco truck and I approve"),
    ("none", "Watched my daughter walk down the aisle today"),
    ("none", "So thrilled for Mia and Tom, they finally tied the knot"),
    # the author's own new baby
    ("new_baby", "Our son arrived at 3am, 8 pounds of perfect"),
    ("new_baby", "We welcomed our daughter into the world yesterday"),
    ("new_baby", "Baby number two is here and big sister is obsessed"),
    ("new_baby", "Home from the hospital with our tiny human"),
    ("new_baby", "I gave birth on Tuesday and I'm still in awe"),
    ("new_baby", "Two weeks of parenthood and I have learned to sleep standing up"),
    ("new_baby", "Meet our newborn, she already has her dad's nose"),
    # someone else's new baby
    ("none", "My best friend just had twins, I'm going to be the fun auntie"),
    ("none", "Knitting a blanket for my coworker's newborn"),
    ("none", "Congrats to my brother and his wife on their baby boy"),
    ("none", "Visited the neighbours' new baby, so tiny"),
    ("none", "Shopping for a baby shower gift, help me choose"),
    ("none", "My sister is pregnant and I'm so excited to be an uncle"),
    ("none", "Welcome to the family, little nephew"),
    # the author's own graduation
    ("graduation", "I officially have my master's degree!!"),
    ("graduation", "Graduated with honours today, thanks mom and dad"),
    ("graduation", "Handed in my final exam ever and picked up my diploma"),
    ("graduation", "Four years, a lot of coffee, and I finally graduated"),
    ("graduation", "Walked at commencement this morning in the pouring rain"),
    ("graduation", "Done with nursing school, I passed my boards!"),
    ("graduation", "Class of 2026 and proud of it 🎓"),
    # someone else's graduation
    ("none", "So proud of my son, he graduated from college today"),
    ("none", "Attending my niece's graduation this weekend"),
    ("none", "My girlfriend just got her PhD, call her doctor now"),
    ("none", "Congrats to all the graduates this year"),
    ("none", "Helping my little brother pick a graduation suit"),
    ("none", "Our oldest finished high school and I'm an emotional wreck"),
    ("none", "my best friend graduated med school today"),
    # the author's own move
    ("moving_house", "We just moved into our first house and the kitchen is a dream"),
    ("moving_house", "Goodbye Chicago, hello Denver, the truck leaves tomorrow"),
    ("moving_house", "Spent the whole weekend unpacking boxes in the new apartment"),
    ("moving_house", "Got the keys to our new home today 🔑"),
    ("moving_house", "New address, same me, update your contacts"),
    ("moving_house", "We signed the lease on a place by the park"),
    ("moving_house", "Finally homeowners! Time to learn how to fix a leaky tap"),
    # someone else's move
    ("none", "Helping my parents pack up the house they lived in for 30 years"),
    ("none", "My best friend is moving across the country and I'm sad"),
    ("none", "Brought a plant to my sister's housewarming"),
    ("none", "Our neighbours moved out and the new ones have a huge dog"),
    ("none", "Congrats to Ana on buying her first condo!"),
    ("none", "my son moved into his college dorm today"),
    ("none", "Lent my truck to a coworker for his move"),
    # the author's own new job
    ("new_job", "Excited to announce I've accepted a position as a senior designer"),
    ("new_job", "Starting my new job on Monday and I'm nervous"),
    ("new_job", "After six interviews I finally got the offer!"),
    ("new_job", "First week at the new company and everyone is so kind"),
    ("new_job", "I've been promoted to team lead, hard work pays off"),
    ("new_job", "Handed in my notice, starting at the hospital next month"),
    ("new_job", "Just signed my contract with a startup downtown 💼"),
    # someone else's new job
    ("none", "My wife got her dream job and I'm bursting with pride"),
    ("none", "Congrats to my brother on the promotion!"),
    ("none", "Our daughter started her first job at the bakery today"),
    ("none", "Welcome to the team, Raj, glad you joined us"),
    ("none", "Helping my friend practise for her job interview"),
    ("none", "My dad retires next week after 40 years at the plant"),
    ("none", "So proud of my mum, she got promoted to head nurse"),
    # everyday posts
    ("none", "Rainy Sunday, soup and a good book"),
    ("none", "Ran my first 10k without stopping"),
    ("none", "Anyone else obsessed with this new coffee place?"),
    ("none", "The game last night was a disaster, we need a new coach"),
    ("none", "Finally fixed the squeaky door, feeling like a handyman"),
    ("none", "Binge-watched the whole season in one weekend, no shame"),
    ("none", "Traffic was awful, took an hour to get home"),
    ("none", "Trying out a new pasta recipe tonight"),
)

SEALED_POSTS: tuple[tuple[str, str], ...] = (
    # the author's own birthday
    ("birthday", "Can't believe I'm 27 already, where did the year go"),
    ("birthday", "Spending my birthday on a mountain with zero phone signal"),
    ("birthday", "Woke up to balloons all over the kitchen, best birthday surprise"),
    ("birthday", "Birthday breakfast in bed, I am spoiled 🎂"),
    ("birthday", "It's my 40th and I'm throwing myself a karaoke party"),
    ("birthday", "One more candle on the cake this year, feeling grateful"),
    # someone else's birthday
    ("none", "Happy birthday to my amazing mum, you deserve the world"),
    ("none", "My twins turn three tomorrow, send coffee"),
    ("none", "Planning a surprise party for my husband's 50th"),
    ("none", "Happy birthday Leo! Hope your day is as awesome as you are"),
    ("none", "Made my daughter a dinosaur cake for her birthday"),
    ("none", "Singing happy birthday to grandma over video call"),
    # the author's own wedding
    ("wedding", "Today I married the love of my life under the oak tree"),
    ("wedding", "Our wedding day was everything we dreamed of"),
    ("wedding", "Newlyweds heading to Lisbon for the honeymoon ✈️"),
    ("wedding", "We got married at the courthouse this morning, just us and two witnesses"),
    ("wedding", "Still can't believe I get to call her my wife"),
    ("wedding", "Exchanged rings and vows in front of our families today 💍"),
    # someone else's wedding
    ("none", "Gave the best man speech at my brother's wedding, nailed it"),
    ("none", "My college roommate's wedding was stunning"),
    ("none", "Congrats to Sofia and Dan on their big day!"),
    ("none", "Flying out for my cousin's wedding next week"),
    ("none", "My parents renewed their vows after 35 years"),
    ("none", "Wedding guest outfit sorted, finally"),
    # the author's own new baby
    ("new_baby", "Our baby girl was born this morning and we are over the moon"),
    ("new_baby", "Welcome to the world, our little Noah 👶"),
    ("new_baby", "First night home as a family of three"),
    ("new_baby", "I'm a dad! Mother and baby are doing great"),
    ("new_baby", "Our daughter arrived two weeks early and perfectly healthy"),
    ("new_baby", "Newborn snuggles and zero sleep, wouldn't change a thing"),
    # someone else's new baby
    ("none", "My sister just had her baby, I'm an auntie!"),
    ("none", "Congratulations to my coworker on the arrival of her son"),
    ("none", "Bought the cutest onesie for my friend's baby shower"),
    ("none", "Holding my best friend's newborn for the first time"),
    ("none", "My brother and his wife are expecting in the spring"),
    ("none", "Grandma met her first great-grandchild today"),
    # the author's own graduation
    ("graduation", "I graduated! Bachelor of Science, finally"),
    ("graduation", "Threw my cap in the air with the rest of the class 🎓"),
    ("graduation", "Defended my dissertation today, I'm a doctor now"),
    ("graduation", "Got my diploma in the mail and framed it immediately"),
    ("graduation", "Finished my last exam, I'm officially done with university"),
    ("graduation", "Graduation day! Thank you to everyone who believed in me"),
    # someone else's graduation
    ("none", "My daughter graduated from high school today, so proud"),
    ("none", "Congrats to my little brother on finishing his engineering degree"),
    ("none", "Went to my best friend's graduation ceremony"),
    ("none", "Our son is heading off to college in the fall"),
    ("none", "My niece just earned her law degree!"),
    ("none", "Cheering loudly at my nephew's graduation"),
    # the author's own move
    ("moving_house", "Moving day! Everything we own is in boxes"),
    ("moving_house", "We bought our first home and I can't stop smiling 🏡"),
    ("moving_house", "Settled into my new flat in Leeds, the view is unreal"),
    ("moving_house", "Just relocated to Austin for a fresh start"),
    ("moving_house", "First night sleeping in our new house, so quiet"),
    ("moving_house", "Finally picked up the keys to my own apartment"),
    # someone else's move
    ("none", "Helping my sister move into her new apartment this weekend"),
    ("none", "My parents are moving to Florida and I'll miss them"),
    ("none", "Housewarming at my friend's place tonight"),
    ("none", "Our neighbours just sold their house"),
    ("none", "My best friend bought her first home, so proud of her"),
    ("none", "Drove my son to his new dorm across the state"),
    # the author's own new job
    ("new_job", "I got the job!!! Starting in two weeks"),
    ("new_job", "Today was my first day as a software engineer"),
    ("new_job", "Accepted an offer at a design studio, can't wait"),
    ("new_job", "Just got promoted to manager at work"),
    ("new_job", "Leaving my old job to start a new role at the hospital"),
    ("new_job", "New job, new city, new adventure 💼"),
    # someone else's new job
    ("none", "My husband just landed his dream job"),
    ("none", "Congrats to my sister on her new position at the bank"),
    ("none", "My best friend starts her new job tomorrow, wish her luck"),
    ("none", "Our team welcomed two new hires this week"),
    ("none", "So proud of my dad, he got promoted after 20 years"),
    ("none", "My son got his first summer job at the pool"),
    # everyday posts
    ("none", "Best pizza in town, no debate"),
    ("none", "Walked the dog along the river this morning"),
    ("none", "Finally finished that 1000 piece puzzle"),
    ("none", "Monday again, more coffee please"),
    ("none", "Our team won the league, what a season"),
    ("none", "Trying to grow tomatoes on the balcony this year"),
    ("none", "Sunset at the beach was incredible tonight"),
    ("none", "Started reading a new mystery novel"),
)
