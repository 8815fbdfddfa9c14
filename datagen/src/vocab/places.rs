//! Geography per region: real postcode areas with their post town, owning force, approximate
//! centre and district range; DVLA memory-tag ranges for VRMs; neighbourhoods for OCG names.

/// One postcode area (or a district range of it) inside a region.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PostcodeArea {
    /// Postcode area letters, e.g. `M`.
    pub area: &'static str,
    /// Post town, used as the address town and the LSOA local-authority name.
    pub town: &'static str,
    /// Owning force, exactly as `toex_common::regions` spells it.
    pub force: &'static str,
    /// Approximate centre latitude.
    pub latitude: f64,
    /// Approximate centre longitude.
    pub longitude: f64,
    /// First and last district number used.
    pub districts: (u16, u16),
    /// Sub-district letters (central London `EC1A`, `WC2H`); empty when the area has none.
    pub subdistricts: &'static str,
}

/// The geography of one region.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RegionPlaces {
    /// Region code.
    pub code: &'static str,
    /// Postcode areas; every force of the region owns at least one.
    pub areas: &'static [PostcodeArea],
    /// DVLA memory tags as (first letter, first second letter, last second letter) ranges.
    pub memory_tags: &'static [(char, char, char)],
    /// Neighbourhoods and estates, for OCG names such as "The Moss Side Crew".
    pub neighbourhoods: &'static [&'static str],
}

/// Largest jitter around an area's centre, in degrees of latitude.
pub(crate) const LATITUDE_JITTER: f64 = 0.04;
/// Largest jitter around an area's centre, in degrees of longitude.
pub(crate) const LONGITUDE_JITTER: f64 = 0.06;

const fn area(
    area: &'static str,
    town: &'static str,
    force: &'static str,
    centre: (f64, f64),
    districts: (u16, u16),
) -> PostcodeArea {
    PostcodeArea { area, town, force, latitude: centre.0, longitude: centre.1, districts, subdistricts: "" }
}

const CLEVELAND: &str = "Cleveland Police";
const DURHAM: &str = "Durham Constabulary";
const NORTHUMBRIA: &str = "Northumbria Police";
const CHESHIRE: &str = "Cheshire Constabulary";
const CUMBRIA: &str = "Cumbria Constabulary";
const GMP: &str = "Greater Manchester Police";
const LANCASHIRE: &str = "Lancashire Constabulary";
const MERSEYSIDE: &str = "Merseyside Police";
const NORTH_WALES: &str = "North Wales Police";
const HUMBERSIDE: &str = "Humberside Police";
const NORTH_YORKSHIRE: &str = "North Yorkshire Police";
const SOUTH_YORKSHIRE: &str = "South Yorkshire Police";
const WEST_YORKSHIRE: &str = "West Yorkshire Police";
const DERBYSHIRE: &str = "Derbyshire Constabulary";
const LEICESTERSHIRE: &str = "Leicestershire Police";
const LINCOLNSHIRE: &str = "Lincolnshire Police";
const NORTHAMPTONSHIRE: &str = "Northamptonshire Police";
const NOTTINGHAMSHIRE: &str = "Nottinghamshire Police";
const STAFFORDSHIRE: &str = "Staffordshire Police";
const WARWICKSHIRE: &str = "Warwickshire Police";
const WEST_MERCIA: &str = "West Mercia Police";
const WEST_MIDLANDS: &str = "West Midlands Police";
const BEDFORDSHIRE: &str = "Bedfordshire Police";
const CAMBRIDGESHIRE: &str = "Cambridgeshire Constabulary";
const ESSEX: &str = "Essex Police";
const HERTFORDSHIRE: &str = "Hertfordshire Constabulary";
const KENT: &str = "Kent Police";
const NORFOLK: &str = "Norfolk Constabulary";
const SUFFOLK: &str = "Suffolk Constabulary";
const HAMPSHIRE: &str = "Hampshire Constabulary";
const SURREY: &str = "Surrey Police";
const SUSSEX: &str = "Sussex Police";
const THAMES_VALLEY: &str = "Thames Valley Police";
const AVON_SOMERSET: &str = "Avon and Somerset Constabulary";
const DEVON_CORNWALL: &str = "Devon & Cornwall Police";
const DORSET: &str = "Dorset Police";
const GLOUCESTERSHIRE: &str = "Gloucestershire Constabulary";
const WILTSHIRE: &str = "Wiltshire Police";
const DYFED_POWYS: &str = "Dyfed-Powys Police";
const GWENT: &str = "Gwent Police";
const SOUTH_WALES: &str = "South Wales Police";
const MET: &str = "Metropolitan Police Service";
const CITY: &str = "City of London Police";

/// Forces whose LSOA codes are Welsh (`W01...`) rather than English (`E01...`).
pub(crate) const WELSH_FORCES: [&str; 4] = [NORTH_WALES, DYFED_POWYS, GWENT, SOUTH_WALES];

/// Geography of all ten regions, in `REGIONS` order.
pub(crate) const REGION_PLACES: [RegionPlaces; 10] = [
    RegionPlaces {
        code: "NERSOU",
        areas: &[
            area("NE", "Newcastle upon Tyne", NORTHUMBRIA, (54.97, -1.61), (1, 71)),
            area("SR", "Sunderland", NORTHUMBRIA, (54.90, -1.38), (1, 9)),
            area("DH", "Durham", DURHAM, (54.78, -1.57), (1, 9)),
            area("DL", "Darlington", DURHAM, (54.52, -1.55), (1, 17)),
            area("TS", "Middlesbrough", CLEVELAND, (54.57, -1.23), (1, 29)),
        ],
        memory_tags: &[('N', 'A', 'Y')],
        neighbourhoods: &["Byker", "Benwell", "Pennywell", "Meadowell", "Grangetown", "Hartlepool", "Easington"],
    },
    RegionPlaces {
        code: "NWROCU",
        areas: &[
            area("M", "Manchester", GMP, (53.48, -2.24), (1, 50)),
            area("L", "Liverpool", MERSEYSIDE, (53.41, -2.98), (1, 40)),
            area("WA", "Warrington", CHESHIRE, (53.39, -2.59), (1, 16)),
            area("PR", "Preston", LANCASHIRE, (53.76, -2.70), (1, 9)),
            area("BB", "Blackburn", LANCASHIRE, (53.75, -2.48), (1, 12)),
            area("CH", "Chester", CHESHIRE, (53.19, -2.89), (1, 8)),
            area("LA", "Lancaster", LANCASHIRE, (54.05, -2.80), (1, 23)),
            area("CA", "Carlisle", CUMBRIA, (54.89, -2.93), (1, 28)),
            area("LL", "Llandudno", NORTH_WALES, (53.32, -3.83), (11, 78)),
            area("WN", "Wigan", GMP, (53.55, -2.63), (1, 8)),
            area("BL", "Bolton", GMP, (53.58, -2.43), (1, 9)),
            area("OL", "Oldham", GMP, (53.54, -2.12), (1, 16)),
            area("SK", "Stockport", GMP, (53.41, -2.16), (1, 17)),
            area("FY", "Blackpool", LANCASHIRE, (53.82, -3.05), (1, 8)),
            area("CW", "Crewe", CHESHIRE, (53.10, -2.44), (1, 12)),
        ],
        memory_tags: &[('M', 'A', 'Y'), ('P', 'A', 'Y'), ('D', 'A', 'K'), ('C', 'W', 'Y')],
        neighbourhoods: &[
            "Moss Side",
            "Toxteth",
            "Cheetham Hill",
            "Kirkby",
            "Salford",
            "Anfield",
            "Wythenshawe",
            "Everton",
        ],
    },
    RegionPlaces {
        code: "YHROCU",
        areas: &[
            area("LS", "Leeds", WEST_YORKSHIRE, (53.80, -1.55), (1, 29)),
            area("BD", "Bradford", WEST_YORKSHIRE, (53.79, -1.75), (1, 24)),
            area("HD", "Huddersfield", WEST_YORKSHIRE, (53.65, -1.78), (1, 9)),
            area("WF", "Wakefield", WEST_YORKSHIRE, (53.68, -1.50), (1, 17)),
            area("HX", "Halifax", WEST_YORKSHIRE, (53.72, -1.86), (1, 7)),
            area("S", "Sheffield", SOUTH_YORKSHIRE, (53.38, -1.47), (1, 81)),
            area("DN", "Doncaster", SOUTH_YORKSHIRE, (53.52, -1.13), (1, 12)),
            area("HU", "Hull", HUMBERSIDE, (53.74, -0.33), (1, 20)),
            area("YO", "York", NORTH_YORKSHIRE, (53.96, -1.08), (1, 62)),
            area("HG", "Harrogate", NORTH_YORKSHIRE, (54.00, -1.54), (1, 5)),
        ],
        memory_tags: &[('Y', 'A', 'Y')],
        neighbourhoods: &[
            "Chapeltown",
            "Harehills",
            "Manningham",
            "Page Hall",
            "Bransholme",
            "Seacroft",
            "Parson Cross",
        ],
    },
    RegionPlaces {
        code: "EMSOU",
        areas: &[
            area("NG", "Nottingham", NOTTINGHAMSHIRE, (52.95, -1.15), (1, 34)),
            area("DE", "Derby", DERBYSHIRE, (52.92, -1.48), (1, 24)),
            area("LE", "Leicester", LEICESTERSHIRE, (52.64, -1.13), (1, 19)),
            area("LN", "Lincoln", LINCOLNSHIRE, (53.23, -0.54), (1, 13)),
            area("NN", "Northampton", NORTHAMPTONSHIRE, (52.24, -0.90), (1, 18)),
        ],
        memory_tags: &[('F', 'A', 'Y'), ('K', 'M', 'Y')],
        neighbourhoods: &["St Ann's", "Meadows", "Highfields", "Bulwell", "Normanton", "Kings Heath", "Sneinton"],
    },
    RegionPlaces {
        code: "ROCUWM",
        areas: &[
            area("B", "Birmingham", WEST_MIDLANDS, (52.48, -1.90), (1, 98)),
            area("CV", "Coventry", WEST_MIDLANDS, (52.41, -1.51), (1, 7)),
            area("CV", "Leamington Spa", WARWICKSHIRE, (52.29, -1.54), (31, 37)),
            area("WV", "Wolverhampton", WEST_MIDLANDS, (52.59, -2.13), (1, 16)),
            area("WS", "Walsall", WEST_MIDLANDS, (52.59, -1.98), (1, 15)),
            area("DY", "Dudley", WEST_MIDLANDS, (52.51, -2.08), (1, 14)),
            area("ST", "Stoke-on-Trent", STAFFORDSHIRE, (53.00, -2.18), (1, 21)),
            area("WR", "Worcester", WEST_MERCIA, (52.19, -2.22), (1, 15)),
            area("HR", "Hereford", WEST_MERCIA, (52.06, -2.72), (1, 9)),
            area("TF", "Telford", WEST_MERCIA, (52.68, -2.45), (1, 13)),
            area("SY", "Shrewsbury", WEST_MERCIA, (52.71, -2.75), (1, 15)),
        ],
        memory_tags: &[('B', 'A', 'Y'), ('V', 'A', 'Y'), ('D', 'L', 'Y')],
        neighbourhoods: &["Handsworth", "Lozells", "Aston", "Small Heath", "Hillfields", "Chelmsley Wood", "Bloxwich"],
    },
    RegionPlaces {
        code: "ERSOU",
        areas: &[
            area("LU", "Luton", BEDFORDSHIRE, (51.88, -0.42), (1, 7)),
            area("MK", "Bedford", BEDFORDSHIRE, (52.14, -0.47), (40, 45)),
            area("CB", "Cambridge", CAMBRIDGESHIRE, (52.21, 0.12), (1, 25)),
            area("PE", "Peterborough", CAMBRIDGESHIRE, (52.57, -0.24), (1, 38)),
            area("CM", "Chelmsford", ESSEX, (51.74, 0.47), (1, 24)),
            area("CO", "Colchester", ESSEX, (51.89, 0.90), (1, 16)),
            area("SS", "Southend-on-Sea", ESSEX, (51.54, 0.71), (1, 17)),
            area("AL", "St Albans", HERTFORDSHIRE, (51.75, -0.34), (1, 10)),
            area("SG", "Stevenage", HERTFORDSHIRE, (51.90, -0.20), (1, 19)),
            area("ME", "Rochester", KENT, (51.39, 0.50), (1, 20)),
            area("CT", "Canterbury", KENT, (51.28, 1.08), (1, 21)),
            area("TN", "Tonbridge", KENT, (51.20, 0.27), (1, 30)),
            area("DA", "Dartford", KENT, (51.45, 0.22), (1, 18)),
            area("NR", "Norwich", NORFOLK, (52.63, 1.30), (1, 35)),
            area("IP", "Ipswich", SUFFOLK, (52.06, 1.16), (1, 33)),
        ],
        memory_tags: &[('A', 'A', 'Y'), ('E', 'A', 'Y'), ('G', 'A', 'O'), ('K', 'A', 'L')],
        neighbourhoods: &["Marsh Farm", "Bury Park", "Basildon", "Jaywick", "Thetford", "Chatham", "Margate"],
    },
    RegionPlaces {
        code: "SEROCU",
        areas: &[
            area("SO", "Southampton", HAMPSHIRE, (50.90, -1.40), (14, 53)),
            area("PO", "Portsmouth", HAMPSHIRE, (50.82, -1.08), (1, 41)),
            area("GU", "Guildford", SURREY, (51.24, -0.57), (1, 35)),
            area("KT", "Kingston upon Thames", SURREY, (51.37, -0.30), (11, 24)),
            area("RH", "Redhill", SURREY, (51.24, -0.17), (1, 20)),
            area("BN", "Brighton", SUSSEX, (50.83, -0.14), (1, 45)),
            area("RG", "Reading", THAMES_VALLEY, (51.45, -0.97), (1, 45)),
            area("OX", "Oxford", THAMES_VALLEY, (51.75, -1.26), (1, 49)),
            area("MK", "Milton Keynes", THAMES_VALLEY, (52.04, -0.76), (1, 19)),
            area("SL", "Slough", THAMES_VALLEY, (51.51, -0.59), (1, 9)),
            area("HP", "Aylesbury", THAMES_VALLEY, (51.82, -0.81), (17, 22)),
        ],
        memory_tags: &[('H', 'K', 'Y'), ('G', 'P', 'Y'), ('O', 'A', 'Y'), ('R', 'A', 'Y')],
        neighbourhoods: &[
            "Somers Town",
            "Whitehawk",
            "Blackbird Leys",
            "Britwell",
            "Whitley",
            "Paulsgrove",
            "Wolverton",
        ],
    },
    RegionPlaces {
        code: "SWROCU",
        areas: &[
            area("BS", "Bristol", AVON_SOMERSET, (51.45, -2.59), (1, 49)),
            area("BA", "Bath", AVON_SOMERSET, (51.38, -2.36), (1, 22)),
            area("TA", "Taunton", AVON_SOMERSET, (51.02, -3.10), (1, 24)),
            area("EX", "Exeter", DEVON_CORNWALL, (50.72, -3.53), (1, 39)),
            area("PL", "Plymouth", DEVON_CORNWALL, (50.38, -4.14), (1, 35)),
            area("TR", "Truro", DEVON_CORNWALL, (50.26, -5.05), (1, 27)),
            area("TQ", "Torquay", DEVON_CORNWALL, (50.46, -3.53), (1, 14)),
            area("DT", "Dorchester", DORSET, (50.71, -2.44), (1, 11)),
            area("BH", "Bournemouth", DORSET, (50.72, -1.88), (1, 31)),
            area("GL", "Gloucester", GLOUCESTERSHIRE, (51.86, -2.24), (1, 56)),
            area("SN", "Swindon", WILTSHIRE, (51.56, -1.78), (1, 26)),
            area("SP", "Salisbury", WILTSHIRE, (51.07, -1.79), (1, 11)),
        ],
        memory_tags: &[('W', 'A', 'Y'), ('H', 'A', 'J')],
        neighbourhoods: &["St Pauls", "Easton", "Lawrence Weston", "Devonport", "Stonehouse", "Penhill", "Boscombe"],
    },
    RegionPlaces {
        code: "TARIAN",
        areas: &[
            area("CF", "Cardiff", SOUTH_WALES, (51.48, -3.18), (3, 48)),
            area("SA", "Swansea", SOUTH_WALES, (51.62, -3.94), (1, 18)),
            area("SA", "Carmarthen", DYFED_POWYS, (51.86, -4.31), (31, 73)),
            area("LD", "Llandrindod Wells", DYFED_POWYS, (52.24, -3.38), (1, 8)),
            area("SY", "Aberystwyth", DYFED_POWYS, (52.41, -4.08), (23, 25)),
            area("NP", "Newport", GWENT, (51.58, -3.00), (4, 44)),
        ],
        memory_tags: &[('C', 'A', 'V')],
        neighbourhoods: &["Butetown", "Ely", "Townhill", "Pillgwenlly", "Gurnos", "Penrhys", "Splott"],
    },
    RegionPlaces {
        code: "LONDON",
        areas: &[
            area("E", "London", MET, (51.53, -0.03), (1, 18)),
            area("N", "London", MET, (51.57, -0.11), (1, 22)),
            area("SE", "London", MET, (51.46, -0.06), (1, 28)),
            area("SW", "London", MET, (51.46, -0.17), (1, 20)),
            area("W", "London", MET, (51.51, -0.23), (2, 14)),
            area("NW", "London", MET, (51.55, -0.20), (1, 11)),
            PostcodeArea { subdistricts: "ABEHNR", ..area("WC", "London", MET, (51.517, -0.12), (1, 2)) },
            PostcodeArea { subdistricts: "AMNRVY", ..area("EC", "London", CITY, (51.514, -0.09), (1, 4)) },
        ],
        memory_tags: &[('L', 'A', 'Y')],
        neighbourhoods: &["Tottenham", "Peckham", "Brixton", "Hackney", "Harlesden", "Woolwich", "Walworth", "Croydon"],
    },
];

/// The geography of a region, by code.
pub(crate) fn places_of(code: &str) -> Option<&'static RegionPlaces> {
    REGION_PLACES.iter().find(|places| places.code == code)
}

/// The two-letter memory tags of a region (second letters never I, Q or Z).
pub(crate) fn memory_tags(places: &RegionPlaces) -> Vec<String> {
    let mut tags = Vec::new();
    for (first, from, to) in places.memory_tags {
        for second in *from..=*to {
            if !matches!(second, 'I' | 'Q' | 'Z') {
                tags.push(format!("{first}{second}"));
            }
        }
    }
    tags
}

/// Street-name stems, combined with [`STREET_SUFFIXES`].
pub(crate) const STREET_STEMS: [&str; 30] = [
    "Church",
    "Station",
    "Park",
    "Victoria",
    "Albert",
    "Queen's",
    "King's",
    "Mill",
    "Oak",
    "Elm",
    "Grange",
    "Meadow",
    "Chapel",
    "York",
    "Windsor",
    "Springfield",
    "Beech",
    "Cedar",
    "Green",
    "Manor",
    "Alexandra",
    "Highfield",
    "Stanley",
    "Richmond",
    "Clarence",
    "Princess",
    "Warwick",
    "Moorland",
    "Brook",
    "Hawthorn",
];
/// Street-name suffixes.
pub(crate) const STREET_SUFFIXES: [&str; 10] =
    ["Road", "Street", "Lane", "Avenue", "Close", "Drive", "Way", "Crescent", "Grove", "Terrace"];

#[cfg(test)]
mod tests {
    use super::*;
    use toex_common::regions::REGIONS;

    #[test]
    fn every_region_and_force_has_places() {
        let mut all_tags = std::collections::HashSet::new();
        for (region, places) in REGIONS.iter().zip(REGION_PLACES.iter()) {
            assert_eq!(region.code, places.code);
            for area in places.areas {
                assert!(region.forces.contains(&area.force), "{} in {}", area.force, region.code);
            }
            for force in region.forces {
                assert!(places.areas.iter().any(|area| area.force == *force), "{force} has no area");
            }
            for tag in memory_tags(places) {
                assert!(all_tags.insert(tag.clone()), "memory tag {tag} used by two regions");
            }
        }
    }
}
