"""Reference lists behind the synthetic retailer: categories, stores, names.

Plain data, no logic: `synthetic` turns these lists into a product
catalogue, a store network and customer identities. Keeping them apart from
the generator keeps its code short and lets the wording be reviewed on its
own. Prices are US dollars; the ranges are what a mid-market US retailer
would list.
"""

from __future__ import annotations

# Category groups that the latent traits act on. The genes built later look
# for exactly these, so the names are part of the synthetic data's contract.
TRAVEL = ("luggage", "travel_accessories", "travel_adapters")
GAMING = ("video_games", "game_consoles", "gaming_accessories")
PARENTING = ("baby_food_organic", "diapers", "toys", "kids_clothing")
RUNNING = ("running_shoes", "running_apparel", "fitness_trackers")
FASHION = ("mens_fashion", "womens_fashion", "running_apparel", "kids_clothing")

# category -> (lowest list price, highest list price, product nouns)
CATEGORIES: dict[str, tuple[float, float, tuple[str, ...]]] = {
    "running_shoes": (59, 229, ("Road Running Shoe", "Trail Running Shoe", "Racing Flat", "Stability Trainer", "Cushioned Runner")),
    "running_apparel": (18, 129, ("Running Tee", "Half-Zip Top", "Running Shorts", "Running Tights", "Windbreaker", "Running Socks 3-Pack")),
    "fitness_trackers": (49, 449, ("Fitness Band", "GPS Running Watch", "Heart Rate Strap", "Smart Fitness Watch")),
    "video_games": (19, 69, ("Adventure Game", "Racing Game", "Shooter", "RPG", "Sports Game", "Puzzle Game")),
    "game_consoles": (249, 649, ("Home Console", "Handheld Console", "Console Bundle", "VR Headset")),
    "gaming_accessories": (14, 199, ("Wireless Controller", "Gaming Headset", "Charging Dock", "Mechanical Keyboard", "Gaming Mouse")),
    "baby_food_organic": (2, 24, ("Organic Veggie Pouch", "Organic Fruit Puree", "Oat Cereal", "Teething Wafers", "Toddler Snack Bars")),
    "diapers": (9, 59, ("Diapers Size 1", "Diapers Size 3", "Overnight Diapers", "Sensitive Wipes", "Training Pants")),
    "toys": (7, 119, ("Building Set", "Plush Bear", "Wooden Puzzle", "Toy Car Track", "Doll House", "Activity Gym")),
    "kids_clothing": (7, 59, ("Kids Hoodie", "Baby Onesie 5-Pack", "Kids Sneakers", "Rain Jacket", "Pajama Set")),
    "luggage": (59, 599, ("Carry-On Spinner", "Checked Suitcase", "Duffel Bag", "Travel Backpack", "Garment Bag")),
    "travel_accessories": (7, 79, ("Packing Cubes", "Neck Pillow", "Toiletry Bag", "Passport Wallet", "Luggage Tag Set")),
    "travel_adapters": (9, 49, ("Universal Travel Adapter", "USB-C Travel Charger", "EU Plug Adapter", "Voltage Converter")),
    "cameras": (199, 2499, ("Mirrorless Camera", "Action Camera", "Instant Camera", "Zoom Lens", "Compact Camera")),
    "tvs": (249, 2999, ('55" 4K TV', '65" OLED TV', '43" Smart TV', '75" QLED TV', "Soundbar")),
    "laptops": (399, 2799, ("Ultrabook 13", "Laptop 15", "2-in-1 Laptop", "Creator Laptop 16", "Chromebook")),
    "phones": (199, 1399, ("Smartphone", "Smartphone Pro", "Foldable Phone", "Phone Case", "Wireless Charger")),
    "headphones": (24, 449, ("Wireless Earbuds", "Over-Ear Headphones", "Sport Earbuds", "Noise-Cancelling Headphones")),
    "kitchen": (9, 399, ("Chef Knife", "Cast Iron Skillet", "Stand Mixer", "Air Fryer", "Blender", "Cookware Set")),
    "coffee": (7, 59, ("Whole Bean Coffee", "Espresso Pods", "Cold Brew Concentrate", "Pour-Over Kit", "Decaf Blend")),
    "wine": (9, 149, ("Cabernet Sauvignon", "Pinot Noir", "Sauvignon Blanc", "Prosecco", "Rosé", "Champagne")),
    "groceries": (2, 39, ("Olive Oil", "Pasta Variety Pack", "Granola", "Sparkling Water 12-Pack", "Snack Box")),
    "books": (7, 44, ("Thriller Paperback", "Cookbook", "Biography", "Kids Picture Book", "Travel Guide", "Sci-Fi Novel")),
    "home_decor": (9, 299, ("Throw Pillow", "Table Lamp", "Wall Art Print", "Scented Candle", "Area Rug", "Mirror")),
    "garden": (7, 399, ("Garden Hose", "Raised Bed Kit", "Pruning Shears", "Patio Heater", "Seed Starter Kit")),
    "beauty": (5, 119, ("Lipstick", "Mascara", "Hair Dryer", "Perfume", "Nail Kit")),
    "skincare": (7, 149, ("Moisturizer", "Vitamin C Serum", "Sunscreen SPF 50", "Cleanser", "Eye Cream")),
    "mens_fashion": (14, 299, ("Oxford Shirt", "Chinos", "Wool Blazer", "Leather Belt", "Denim Jacket", "Sneakers")),
    "womens_fashion": (14, 349, ("Wrap Dress", "Silk Blouse", "Trench Coat", "Ankle Boots", "Knit Sweater", "Tote Bag")),
    "jewellery": (29, 1999, ("Gold Hoop Earrings", "Silver Necklace", "Diamond Studs", "Charm Bracelet", "Engagement Ring")),
    "watches": (49, 2999, ("Chronograph Watch", "Dress Watch", "Dive Watch", "Smartwatch Band")),
    "outdoor": (14, 499, ("Hiking Boots", "Rain Shell", "Trekking Poles", "Insulated Bottle", "Fleece Jacket")),
    "camping": (19, 599, ("2-Person Tent", "Sleeping Bag", "Camp Stove", "Headlamp", "Camping Chair")),
    "cycling": (19, 2499, ("Road Bike", "Bike Helmet", "Bike Lights Set", "Cycling Jersey", "Bike Lock")),
    "pet_supplies": (4, 119, ("Dry Dog Food", "Cat Litter", "Pet Bed", "Chew Toy", "Cat Tree")),
    "office": (2, 399, ("Printer Paper", "Ergonomic Chair", "Desk Organizer", "Monitor Stand", "Gel Pens 12-Pack")),
    "smart_home": (19, 349, ("Smart Speaker", "Video Doorbell", "Smart Plug 4-Pack", "Smart Thermostat", "Security Camera")),
    "premium_audio": (299, 3999, ("Hi-Fi Turntable", "Bookshelf Speakers", "Stereo Amplifier", "Reference Headphones")),
    "furniture": (79, 2499, ("Sofa", "Dining Table", "Bookshelf", "Bed Frame", "Office Desk", "Armchair")),
    "cleaning": (2, 59, ("All-Purpose Cleaner", "Dish Soap", "Microfiber Cloths", "Laundry Pods", "Mop Refills")),
}

# What a customer types into the search box when shopping a category; the
# ingester only sees these as text in attributes.query.
SEARCH_QUERIES: dict[str, tuple[str, ...]] = {
    "running_shoes": ("trail running shoes", "marathon shoes", "running shoes wide fit", "carbon plate racer"),
    "running_apparel": ("running shorts", "running tights women", "reflective running jacket"),
    "fitness_trackers": ("gps running watch", "heart rate monitor", "fitness tracker"),
    "video_games": ("new releases ps5", "open world rpg", "racing game", "co-op games"),
    "game_consoles": ("console bundle", "handheld console", "vr headset"),
    "gaming_accessories": ("wireless controller", "gaming headset", "rgb keyboard"),
    "baby_food_organic": ("organic baby food", "baby puree pouches", "teething snacks"),
    "diapers": ("diapers size 3", "sensitive baby wipes", "overnight diapers"),
    "toys": ("toys for 2 year old", "building blocks", "educational toys"),
    "kids_clothing": ("kids rain jacket", "baby onesies", "toddler shoes"),
    "luggage": ("carry on suitcase", "lightweight luggage", "travel backpack 40l"),
    "travel_accessories": ("packing cubes", "neck pillow", "passport holder"),
    "travel_adapters": ("universal travel adapter", "eu plug adapter", "usb c travel charger"),
    "cameras": ("mirrorless camera", "action camera 4k", "instant camera"),
    "tvs": ("65 inch oled", "4k tv deals", "soundbar"),
    "laptops": ("laptop for students", "ultrabook", "gaming laptop"),
    "phones": ("new smartphone", "phone case", "foldable phone"),
    "headphones": ("noise cancelling headphones", "wireless earbuds", "sport earbuds"),
    "kitchen": ("air fryer", "chef knife", "cast iron pan"),
    "coffee": ("espresso beans", "cold brew", "coffee pods"),
    "wine": ("pinot noir", "champagne gift", "wine under 20"),
    "groceries": ("olive oil", "healthy snacks", "sparkling water"),
    "books": ("bestseller thriller", "cookbook", "kids books"),
    "home_decor": ("throw pillows", "wall art", "scented candles"),
    "garden": ("raised garden bed", "garden hose", "patio heater"),
    "beauty": ("long lasting lipstick", "hair dryer", "perfume gift set"),
    "skincare": ("vitamin c serum", "spf 50 sunscreen", "moisturizer dry skin"),
    "mens_fashion": ("mens chinos", "oxford shirt", "mens sneakers"),
    "womens_fashion": ("wrap dress", "ankle boots", "trench coat women"),
    "jewellery": ("gold hoops", "diamond earrings", "engagement ring"),
    "watches": ("chronograph watch", "dive watch", "mens dress watch"),
    "outdoor": ("hiking boots", "rain jacket", "insulated water bottle"),
    "camping": ("2 person tent", "sleeping bag", "camp stove"),
    "cycling": ("road bike", "bike helmet", "bike lights"),
    "pet_supplies": ("dog food grain free", "cat litter", "dog bed"),
    "office": ("ergonomic chair", "printer paper", "monitor stand"),
    "smart_home": ("video doorbell", "smart thermostat", "smart plug"),
    "premium_audio": ("turntable", "bookshelf speakers", "hifi amplifier"),
    "furniture": ("sofa", "dining table", "standing desk"),
    "cleaning": ("laundry pods", "all purpose cleaner", "microfiber cloths"),
}

# Return rates by category: fashion comes back far more often than groceries.
RETURN_RATE_DEFAULT = 0.08
RETURN_RATE: dict[str, float] = {
    "mens_fashion": 0.22, "womens_fashion": 0.25, "kids_clothing": 0.15, "running_apparel": 0.15,
    "running_shoes": 0.14, "jewellery": 0.10, "groceries": 0.01, "coffee": 0.01, "wine": 0.01,
    "diapers": 0.02, "baby_food_organic": 0.01, "cleaning": 0.01, "books": 0.03,
}

# What business (wholesale) accounts restock.
WHOLESALE_CATEGORIES = ("office", "cleaning", "groceries", "coffee", "kitchen", "pet_supplies", "wine")

BRANDS = (
    "Northwind", "Apex", "Lumen", "Stride", "Harbor & Co", "Vela", "Kestrel", "Oakline", "Nimbus",
    "Solace", "Brightwater", "Crest", "Ardent", "Fable", "Ironwood", "Maple Lane", "Quill", "Summit",
    "Tidal", "Verve", "Willow", "Zephyr", "Cobalt", "Ember", "Juniper", "Meridian", "Orbit", "Pioneer",
    "Redwood", "Sable",
)
PRODUCT_LINES = ("", "Pro", "Lite", "Max", "Classic", "Air", "Plus", "Essential", "Signature", "X2", "Go", "Elite")

# city -> (state, area code, population weight, number of stores, store code)
CITIES: dict[str, tuple[str, str, float, int, str]] = {
    "Chicago": ("IL", "312", 0.11, 3, "CHI"),
    "New York": ("NY", "212", 0.18, 4, "NYC"),
    "Los Angeles": ("CA", "213", 0.14, 3, "LAX"),
    "San Francisco": ("CA", "415", 0.07, 2, "SFO"),
    "Seattle": ("WA", "206", 0.07, 2, "SEA"),
    "Boston": ("MA", "617", 0.07, 2, "BOS"),
    "Austin": ("TX", "512", 0.06, 1, "AUS"),
    "Miami": ("FL", "305", 0.07, 2, "MIA"),
    "Denver": ("CO", "303", 0.06, 1, "DEN"),
    "Atlanta": ("GA", "404", 0.07, 2, "ATL"),
    "Las Vegas": ("NV", "702", 0.04, 1, "LAS"),
    "Phoenix": ("AZ", "602", 0.06, 2, "PHX"),
}

# First and last names are disjoint and no first+last concatenation repeats,
# so `first.last<n>` e-mail local parts stay unique by construction.
FIRST_NAMES = (
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
    "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen",
    "Christopher", "Lisa", "Daniel", "Nancy", "Matthew", "Betty", "Anthony", "Sandra", "Mark", "Margaret",
    "Donald", "Ashley", "Steven", "Kimberly", "Andrew", "Emily", "Paul", "Donna", "Joshua", "Michelle",
    "Kenneth", "Carol", "Kevin", "Amanda", "Brian", "Melissa", "George", "Deborah", "Timothy", "Stephanie",
    "Ronald", "Rebecca", "Jason", "Sharon", "Edward", "Laura", "Jeffrey", "Cynthia", "Ryan", "Dorothy",
    "Jacob", "Amy", "Gary", "Kathleen", "Nicholas", "Angela", "Eric", "Shirley", "Jonathan", "Emma",
    "Stephen", "Brenda", "Larry", "Pamela", "Justin", "Nicole", "Scott", "Anna", "Brandon", "Samantha",
    "Benjamin", "Katherine", "Samuel", "Christine", "Gregory", "Debra", "Alexander", "Rachel", "Patrick",
    "Carolyn", "Frank", "Janet", "Raymond", "Maria", "Jack", "Olivia", "Dennis", "Heather", "Jerry",
    "Helen", "Tyler", "Catherine", "Aaron", "Diane", "Jose", "Julie", "Adam", "Victoria", "Nathan",
    "Joyce", "Henry", "Lauren", "Zachary", "Kelly", "Douglas", "Christina", "Peter", "Ruth", "Kyle",
    "Joan", "Noah", "Virginia", "Ethan", "Judith", "Jeremy", "Evelyn", "Walter", "Hannah", "Christian",
    "Andrea", "Keith", "Megan", "Roger", "Cheryl", "Terry", "Jacqueline", "Austin", "Madison", "Sean",
    "Teresa", "Gerald", "Abigail", "Carl", "Sophia", "Harold", "Martha", "Dylan", "Sara", "Arthur",
    "Gloria", "Lawrence", "Janice", "Jordan", "Kathryn", "Jesse", "Ann", "Bryan", "Isabella", "Billy",
    "Priya", "Wei", "Mateo", "Aisha", "Hiroshi", "Fatima", "Luis", "Mei", "Omar", "Chloe",
)
LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
    "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Taylor", "Moore", "Jackson", "Martin", "Lee",
    "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Walker",
    "Young", "Allen", "King", "Wright", "Scofield", "Torres", "Nguyen", "Hill", "Flores", "Green",
    "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "Gomez",
    "Phillips", "Evans", "Turner", "Diaz", "Parker", "Cruz", "Edwards", "Collins", "Reyes", "Stewart",
    "Morris", "Morales", "Murphy", "Cook", "Rogers", "Gutierrez", "Ortiz", "Morgan", "Cooper", "Peterson",
    "Bailey", "Reed", "Kelleher", "Howard", "Ramos", "Kim", "Cox", "Ward", "Richardson", "Watson",
    "Brooks", "Chavez", "Wood", "Bennett", "Gray", "Mendoza", "Ruiz", "Hughes", "Price", "Alvarez",
    "Castillo", "Sanders", "Patel", "Myers", "Long", "Ross", "Foster", "Jimenez", "Powell", "Jenkins",
    "Perry", "Russell", "Sullivan", "Bell", "Coleman", "Butler", "Henderson", "Barnes", "Fisher", "Vasquez",
    "Simmons", "Romero", "Jordan-Reyes", "Patterson", "Aldridge", "Hamilton", "Graham", "Reynolds", "Griffin", "Wallace",
    "Moreno", "West", "Cole", "Hayes", "Bryant", "Herrera", "Gibson", "Ellis", "Tran", "Medina",
    "Aguilar", "Stevens", "Murray", "Ford", "Castro", "Marshall", "Owens", "Harrison", "Fernandez", "McDonald",
    "Woods", "Washington", "Kennedy", "Wells", "Vargas", "Hendricks", "Chen", "Freeman", "Webb", "Tucker",
    "O'Brien", "Yamamoto", "Okafor", "Kowalski", "Novak", "Schmidt", "Dubois", "Rossi", "Singh", "Haddad",
)
EMAIL_DOMAINS = ("gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com", "aol.com", "proton.me", "example.com", "comcast.net")
EMAIL_DOMAIN_WEIGHTS = (0.38, 0.14, 0.12, 0.08, 0.12, 0.04, 0.03, 0.04, 0.05)

# (code, discount in percent): coupons a bargain hunter collects.
COUPONS = (("SAVE10", 10), ("WELCOME10", 10), ("SAVE15", 15), ("SPRING20", 20), ("SAVE20", 20), ("FLASH25", 25), ("VIP30", 30))
DISCOUNT_PERCENTS = (10, 15, 20, 25, 30)

# Sale windows as (name, month, first day, length in days), repeated each year.
SALES = (
    ("spring-sale", 3, 14, 7),
    ("memorial-day-sale", 5, 22, 6),
    ("summer-sale", 7, 8, 5),
    ("back-to-school", 8, 1, 10),
    ("labor-day-sale", 8, 29, 5),
    ("black-friday", 11, 26, 6),
    ("after-christmas-sale", 12, 26, 7),
    ("presidents-day-sale", 2, 13, 5),
)
# Holiday departures that travellers shop for ahead of time: (month, day).
HOLIDAYS = ((3, 20), (5, 23), (6, 28), (7, 18), (8, 29), (11, 26), (12, 20))

# Newsletter themes by month for weeks without a sale.
MONTH_THEMES = {
    1: "new-year-fitness", 2: "valentines-gifts", 3: "spring-refresh", 4: "outdoor-season",
    5: "mothers-day", 6: "summer-travel", 7: "summer-travel", 8: "back-to-school",
    9: "fall-fashion", 10: "game-night", 11: "holiday-preview", 12: "holiday-gifts",
}

SOCIAL_PLATFORMS = ("instagram", "facebook", "x", "tiktok")
SOCIAL_PLATFORM_WEIGHTS = (0.45, 0.25, 0.15, 0.15)

RETURN_REASONS = ("wrong_size", "changed_mind", "damaged", "not_as_described", "late_delivery")
