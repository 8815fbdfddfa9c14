//! Other weighted vocabularies: nationalities, vehicles, crime types and outcomes, OCG naming
//! parts, member roles and intelligence-report wording.

/// Nationalities with relative weights ("British" dominates).
pub(crate) const NATIONALITIES: &[(&str, u32)] = &[
    ("British", 880),
    ("Irish", 12),
    ("Polish", 18),
    ("Romanian", 16),
    ("Albanian", 12),
    ("Vietnamese", 10),
    ("Pakistani", 10),
    ("Indian", 8),
    ("Nigerian", 8),
    ("Lithuanian", 6),
    ("Eritrean", 5),
    ("Sudanese", 5),
    ("Jamaican", 4),
    ("Somali", 4),
    ("Afghan", 4),
    ("Iraqi", 3),
    ("Ghanaian", 3),
];

/// Vehicle makes with their common models and a relative weight.
pub(crate) const VEHICLES: &[(&str, &[&str], u32)] = &[
    ("FORD", &["FIESTA", "FOCUS", "KUGA", "TRANSIT", "TRANSIT CUSTOM", "PUMA"], 140),
    ("VAUXHALL", &["CORSA", "ASTRA", "INSIGNIA", "MOKKA", "VIVARO"], 100),
    ("VOLKSWAGEN", &["GOLF", "POLO", "PASSAT", "TIGUAN", "TRANSPORTER"], 100),
    ("BMW", &["1 SERIES", "3 SERIES", "5 SERIES", "X5", "M3"], 70),
    ("MERCEDES-BENZ", &["A CLASS", "C CLASS", "E CLASS", "SPRINTER", "GLC"], 70),
    ("AUDI", &["A1", "A3", "A4", "Q5", "RS3"], 65),
    ("TOYOTA", &["YARIS", "COROLLA", "PRIUS", "AYGO", "C-HR"], 60),
    ("NISSAN", &["QASHQAI", "JUKE", "MICRA", "NOTE"], 55),
    ("PEUGEOT", &["208", "308", "2008", "PARTNER"], 45),
    ("KIA", &["SPORTAGE", "CEED", "PICANTO", "NIRO"], 40),
    ("HYUNDAI", &["TUCSON", "I10", "I20", "I30"], 35),
    ("LAND ROVER", &["RANGE ROVER", "RANGE ROVER SPORT", "DISCOVERY", "EVOQUE"], 30),
    ("MINI", &["COOPER", "COUNTRYMAN", "ONE"], 30),
    ("HONDA", &["CIVIC", "JAZZ", "CR-V"], 25),
    ("RENAULT", &["CLIO", "CAPTUR", "MEGANE", "TRAFIC"], 25),
    ("SKODA", &["OCTAVIA", "FABIA", "SUPERB"], 25),
    ("SEAT", &["LEON", "IBIZA", "ATECA"], 20),
    ("CITROEN", &["C3", "C4", "BERLINGO"], 20),
    ("TESLA", &["MODEL 3", "MODEL Y"], 8),
];

/// Vehicle colours (DVLA spelling) with relative weights.
pub(crate) const COLOURS: &[(&str, u32)] = &[
    ("BLACK", 200),
    ("SILVER", 160),
    ("GREY", 190),
    ("WHITE", 170),
    ("BLUE", 140),
    ("RED", 90),
    ("GREEN", 20),
    ("ORANGE", 10),
    ("YELLOW", 6),
    ("BROWN", 8),
    ("BEIGE", 5),
    ("GOLD", 4),
    ("PURPLE", 4),
    ("BRONZE", 3),
    ("MAROON", 3),
];

/// data.police.uk street-level crime types with approximate national shares.
pub(crate) const CRIME_TYPES: &[(&str, u32)] = &[
    ("Violence and sexual offences", 300),
    ("Anti-social behaviour", 190),
    ("Public order", 80),
    ("Criminal damage and arson", 75),
    ("Shoplifting", 70),
    ("Other theft", 60),
    ("Vehicle crime", 55),
    ("Burglary", 40),
    ("Drugs", 30),
    ("Other crime", 20),
    ("Possession of weapons", 12),
    ("Robbery", 10),
    ("Theft from the person", 10),
    ("Bicycle theft", 10),
];

/// The crime type that data.police.uk publishes without a crime id or an outcome.
pub(crate) const ANTI_SOCIAL_BEHAVIOUR: &str = "Anti-social behaviour";

/// data.police.uk "last outcome category" values with relative weights.
pub(crate) const OUTCOMES: &[(&str, u32)] = &[
    ("Investigation complete; no suspect identified", 300),
    ("Unable to prosecute suspect", 280),
    ("Under investigation", 120),
    ("Status update unavailable", 60),
    ("Awaiting court outcome", 50),
    ("Court result unavailable", 30),
    ("Local resolution", 40),
    ("Offender given a caution", 20),
    ("Further investigation is not in the public interest", 20),
    ("Formal action is not in the public interest", 15),
    ("Action to be taken by another organisation", 25),
    ("Offender given penalty notice", 8),
    ("Suspect charged as part of another case", 12),
];

/// Places data.police.uk uses for anonymised locations besides streets ("On or near ...").
pub(crate) const CRIME_PLACES: [&str; 10] = [
    "Supermarket",
    "Parking Area",
    "Petrol Station",
    "Shopping Area",
    "Nightclub",
    "Sports/Recreation Area",
    "Further/Higher Educational Building",
    "Hospital",
    "Bus/Coach Station",
    "Conference/Exhibition Centre",
];

/// Exploitation types with relative weights for OCGs and intelligence (county lines dominate).
pub(crate) const EXPLOITATION_WEIGHTS: [u32; 7] = [45, 12, 10, 8, 5, 10, 10];

/// OCG statuses with relative weights.
pub(crate) const OCG_STATUSES: &[(&str, u32)] = &[("ACTIVE", 70), ("ARCHIVED", 15), ("DISRUPTED", 15)];

/// Collective nouns for OCGs named after a place ("The Moss Side Crew").
pub(crate) const OCG_COLLECTIVES: [&str; 6] = ["Crew", "Boys", "Firm", "Mob", "Gang", "Network"];

/// Line names used for county lines ("Kestrel Line").
pub(crate) const LINE_NAMES: [&str; 20] = [
    "Kestrel", "Ace", "Tommy", "Bando", "Milly", "Zoro", "Smokey", "Jinx", "Dee", "Rico", "Frosty", "Blade", "Gucci",
    "Nemo", "Ghost", "Viper", "Ruby", "Bugsy", "Kilo", "Magic",
];

/// OCG member roles; the first member of each group is its principal.
pub(crate) const MEMBER_ROLES: &[(&str, u32)] = &[
    ("LIEUTENANT", 12),
    ("RUNNER", 30),
    ("ENFORCER", 10),
    ("FACILITATOR", 10),
    ("MONEY_LAUNDERER", 8),
    ("RECRUITER", 8),
    ("DRIVER", 10),
    ("ASSOCIATE", 12),
];

/// Role of the first member of every OCG.
pub(crate) const PRINCIPAL_ROLE: &str = "PRINCIPAL";

/// Intelligence summaries per exploitation type (in `EXPLOITATION_TYPES` order); `{town}` and
/// `{other}` are replaced by towns of the region.
pub(crate) const SUMMARY_TEMPLATES: [&[&str]; 7] = [
    &[
        "Source reports a deal line operating from {town} supplying crack cocaine and heroin into {other}.",
        "Young person believed to be running for a line out of {town}; seen travelling to {other} by train.",
        "Address in {town} reported as being used to store and bag up drugs by a county line.",
    ],
    &[
        "Workers at a car wash in {town} appear to be controlled; wages reportedly taken by a third party.",
        "Source reports several men housed at one address in {town} and driven daily to work in {other}.",
    ],
    &[
        "Women believed to be trafficked into {town} for sexual exploitation and moved between premises.",
        "Vehicle reported moving people between {town} and {other} late at night; occupants appeared frightened.",
    ],
    &[
        "Concern that a missing child from {town} is being exploited by older males who supply alcohol and drugs.",
        "Reports of young people being taken to parties at an address in {other} by adults from {town}.",
    ],
    &[
        "Referral from school in {town} regarding possible abuse of a child by a family associate.",
        "Online contact reported between an adult in {town} and a child in {other}; images exchanged.",
    ],
    &[
        "Source reports small-boat arrivals being collected and transported to {town} for onward travel.",
        "Lorry park near {town} used to load concealed migrants; payments arranged through a contact in {other}.",
    ],
    &[
        "General intelligence from {town}: association noted between subjects seen together in {other}.",
        "Cash-intensive business in {town} suspected of laundering proceeds of crime.",
    ],
];
