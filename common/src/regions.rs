//! The Regional Organised Crime Units of England and Wales and the forces each one covers
//! (DESIGN §2). Deployments choose which regions they run; this table only names them.

/// One ROCU: its code, its name and the police forces within it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    /// Short code used everywhere on the wire, e.g. `NWROCU`.
    pub code: &'static str,
    /// Human-readable unit name.
    pub name: &'static str,
    /// Forces within the region, as data.police.uk names them ("Falls within").
    pub forces: &'static [&'static str],
}

/// Every region of England and Wales, in the order DESIGN §2 lists them.
pub const REGIONS: &[Region] = &[
    Region {
        code: "NERSOU",
        name: "North East",
        forces: &["Cleveland Police", "Durham Constabulary", "Northumbria Police"],
    },
    Region {
        code: "NWROCU",
        name: "North West",
        forces: &[
            "Cheshire Constabulary",
            "Cumbria Constabulary",
            "Greater Manchester Police",
            "Lancashire Constabulary",
            "Merseyside Police",
            "North Wales Police",
        ],
    },
    Region {
        code: "YHROCU",
        name: "Yorkshire and the Humber",
        forces: &["Humberside Police", "North Yorkshire Police", "South Yorkshire Police", "West Yorkshire Police"],
    },
    Region {
        code: "EMSOU",
        name: "East Midlands",
        forces: &[
            "Derbyshire Constabulary",
            "Leicestershire Police",
            "Lincolnshire Police",
            "Northamptonshire Police",
            "Nottinghamshire Police",
        ],
    },
    Region {
        code: "ROCUWM",
        name: "West Midlands",
        forces: &["Staffordshire Police", "Warwickshire Police", "West Mercia Police", "West Midlands Police"],
    },
    Region {
        code: "ERSOU",
        name: "Eastern",
        forces: &[
            "Bedfordshire Police",
            "Cambridgeshire Constabulary",
            "Essex Police",
            "Hertfordshire Constabulary",
            "Kent Police",
            "Norfolk Constabulary",
            "Suffolk Constabulary",
        ],
    },
    Region {
        code: "SEROCU",
        name: "South East",
        forces: &["Hampshire Constabulary", "Surrey Police", "Sussex Police", "Thames Valley Police"],
    },
    Region {
        code: "SWROCU",
        name: "South West",
        forces: &[
            "Avon and Somerset Constabulary",
            "Devon & Cornwall Police",
            "Dorset Police",
            "Gloucestershire Constabulary",
            "Wiltshire Police",
        ],
    },
    Region {
        code: "TARIAN",
        name: "Southern Wales",
        forces: &["Dyfed-Powys Police", "Gwent Police", "South Wales Police"],
    },
    Region { code: "LONDON", name: "London", forces: &["Metropolitan Police Service", "City of London Police"] },
];

/// Looks a region up by its code (case-sensitive: codes are upper case on the wire).
pub fn region_by_code(code: &str) -> Option<&'static Region> {
    REGIONS.iter().find(|region| region.code == code)
}

/// The region a force belongs to, by the force name data.police.uk uses.
pub fn region_of_force(force: &str) -> Option<&'static Region> {
    REGIONS.iter().find(|region| region.forces.iter().any(|candidate| candidate.eq_ignore_ascii_case(force)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_regions_with_unique_codes_and_forces() {
        assert_eq!(REGIONS.len(), 10);
        let mut codes: Vec<_> = REGIONS.iter().map(|region| region.code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), 10);
        let forces: usize = REGIONS.iter().map(|region| region.forces.len()).sum();
        assert_eq!(forces, 43, "England and Wales have 43 territorial forces");
    }

    #[test]
    fn forces_map_to_their_region() {
        assert_eq!(region_of_force("Merseyside Police").map(|r| r.code), Some("NWROCU"));
        assert_eq!(region_of_force("city of london police").map(|r| r.code), Some("LONDON"));
        assert_eq!(region_of_force("Police Scotland"), None);
        assert_eq!(region_by_code("TARIAN").map(|r| r.name), Some("Southern Wales"));
    }
}
