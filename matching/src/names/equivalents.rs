//! Names that denote the same name without looking or sounding alike enough for the fuzzy
//! measures: spelling and language variants (`Catherine`/`Kathryn`, `Piotr`/`Peter`,
//! `Siobhan`/`Shivaun`) and nicknames (`Bill` for `William`, `Peggy` for `Margaret`). Forenames
//! use both; surnames only the spelling variants.

use std::collections::HashMap;
use std::sync::LazyLock;

/// One name and its recognised forms, all lower-case ASCII.
struct NameGroup {
    /// Full forms that are spellings or language forms of one another.
    formal: &'static [&'static str],
    /// Short forms and nicknames of any of the full forms.
    short: &'static [&'static str],
}

const fn group(formal: &'static [&'static str], short: &'static [&'static str]) -> NameGroup {
    NameGroup { formal, short }
}

/// Forenames and their variants and nicknames. A short form may belong to several groups
/// (`alex`, `sam`, `jo`); two names are equivalent when any group holds both.
const FORENAME_GROUPS: &[NameGroup] = &[
    group(&["william"], &["bill", "billy", "billie", "will", "willy", "willie", "liam"]),
    group(&["margaret", "margret"], &["peggy", "maggie", "meg", "marge", "margie", "madge"]),
    group(&["robert"], &["bob", "bobby", "rob", "robbie", "bert"]),
    group(&["elizabeth", "elisabeth"], &["liz", "lizzie", "lizzy", "beth", "betty", "betsy", "eliza", "libby", "liza"]),
    group(&["richard"], &["dick", "dicky", "rick", "ricky", "rich", "richie"]),
    group(&["james"], &["jim", "jimmy", "jimmie", "jamie"]),
    group(&["john"], &["jack", "johnny", "johnnie", "jon", "jonny"]),
    group(&["jonathan", "jonathon"], &["jon", "jonny", "john"]),
    group(
        &["katherine", "catherine", "kathryn", "catherin", "katharine", "kathrine", "cathryn", "katarzyna"],
        &["kate", "kathy", "cathy", "katie", "katy", "kath", "cath", "kay", "kitty", "kasia"],
    ),
    group(&["edward"], &["ted", "teddy", "ed", "eddie", "eddy", "ned"]),
    group(&["anthony", "antony"], &["tony", "ant"]),
    group(&["michael", "micheal"], &["mike", "mikey", "mick", "micky", "mickey"]),
    group(&["thomas", "tomas", "tomasz"], &["tom", "tommy", "thom"]),
    group(
        &["mohammed", "muhammad", "mohamed", "mohammad", "muhammed", "mohamad", "muhamed", "mohammod", "mohamud"],
        &["mohd", "mo"],
    ),
    group(&["stephen", "steven", "stephan", "stefan", "steffan"], &["steve", "stevie"]),
    group(&["christopher", "kristopher", "christoper"], &["chris", "kris", "topher", "kit"]),
    group(&["alexander", "aleksander", "alexandr", "aleksandr", "alexandre"], &["alex", "alec", "sandy", "xander"]),
    group(&["alexandra", "aleksandra"], &["alex", "sandy", "lexi"]),
    group(&["daniel"], &["dan", "danny", "dani"]),
    group(&["danielle", "daniella"], &["dani", "danni"]),
    group(&["joseph", "josef"], &["joe", "joey"]),
    group(&["josephine"], &["jo", "josie"]),
    group(&["joanne", "joanna", "johanna", "joann"], &["jo"]),
    group(&["patricia"], &["pat", "trish", "tricia", "trisha", "patsy", "patty"]),
    group(&["patrick", "padraig"], &["pat", "paddy"]),
    group(&["susan"], &["sue", "susie", "suzie", "suzy"]),
    group(&["jennifer"], &["jenny", "jen", "jennie", "jenni"]),
    group(&["rebecca", "rebekah", "rebbeca", "rebeca"], &["becky", "becca", "bex"]),
    group(&["samuel"], &["sam", "sammy"]),
    group(&["samantha"], &["sam", "sammy", "sammie"]),
    group(&["benjamin"], &["ben", "benny", "benji"]),
    group(&["nicholas", "nicolas", "nikolas"], &["nick", "nicky", "nico"]),
    group(&["nicola", "nichola"], &["nicky", "nikki"]),
    group(&["matthew", "mathew"], &["matt", "matty"]),
    group(&["andrew", "andrei", "andrzej"], &["andy", "drew"]),
    group(&["david", "dafydd", "dawid"], &["dave", "davey", "davy", "dai"]),
    group(&["peter", "piotr"], &["pete"]),
    group(&["charles"], &["charlie", "chuck", "chas", "charley"]),
    group(&["charlotte"], &["charlie", "lottie"]),
    group(&["henry"], &["harry", "hal", "hank"]),
    group(&["frederick", "frederic", "fredrick"], &["fred", "freddie", "freddy"]),
    group(&["alfred"], &["alf", "alfie", "fred", "freddie"]),
    group(&["albert"], &["bert", "bertie", "albie"]),
    group(&["leonard"], &["len", "lenny", "leo"]),
    group(&["lawrence", "laurence"], &["larry", "laurie"]),
    group(&["raymond"], &["ray"]),
    group(&["ronald"], &["ron", "ronnie"]),
    group(&["kenneth"], &["ken", "kenny"]),
    group(&["terence", "terrence", "terrance"], &["terry", "tel"]),
    group(&["gregory"], &["greg"]),
    group(&["timothy"], &["tim", "timmy"]),
    group(&["philip", "phillip", "filip"], &["phil"]),
    group(&["jacob", "jakob", "jakub"], &["jake"]),
    group(&["joshua"], &["josh"]),
    group(&["nathaniel", "nathanial"], &["nat", "nate"]),
    group(&["jacqueline", "jaqueline", "jacquelyn"], &["jackie", "jacqui"]),
    group(&["deborah", "debra"], &["debbie", "deb", "debs"]),
    group(&["victoria"], &["vicky", "vicki", "vikki", "tori"]),
    group(&["amanda"], &["mandy"]),
    group(&["abigail"], &["abi", "abby", "abbie"]),
    group(&["gillian", "jillian"], &["gill", "jill"]),
    group(&["natalie", "nathalie", "natalia"], &["nat"]),
    group(&["emily", "emilie"], &["em", "emmy"]),
    group(&["louise", "louisa"], &["lou"]),
    group(&["louis", "lewis", "luis"], &["lou"]),
    group(&["oluwaseun"], &["seun"]),
    group(&["oluwatobi", "oluwatobiloba"], &["tobi"]),
    group(&["olufemi", "oluwafemi"], &["femi"]),
    group(&["babatunde"], &["tunde"]),
    group(&["sarah", "sara"], &["sally"]),
    group(&["siobhan", "shivaun", "shevaun", "chevonne", "shivon"], &[]),
    group(&["zoe", "zoey", "zoie"], &[]),
    group(&["jayden", "jaden", "jaydon", "jaiden"], &[]),
    group(&["connor", "conor", "conner"], &[]),
    group(&["sean", "shaun", "shawn"], &[]),
    group(&["reece", "rhys", "reese"], &[]),
    group(&["leanne", "leann", "lianne", "leeann"], &[]),
    group(&["ian", "iain"], &[]),
    group(&["neil", "neal", "niall"], &[]),
    group(&["carl", "karl"], &[]),
    group(&["kieran", "kieron", "ciaran"], &[]),
    group(&["callum", "calum"], &["cal"]),
    group(&["claire", "clare"], &[]),
    group(&["rachel", "rachael"], &[]),
    group(&["tracey", "tracy"], &[]),
    group(&["stacey", "stacy"], &[]),
    group(&["kayleigh", "kayley", "kaylee", "kaleigh"], &[]),
    group(&["aisha", "ayesha", "aysha"], &[]),
    group(&["fatima", "fatimah"], &[]),
    group(&["maryam", "mariam"], &[]),
    group(&["zainab", "zaynab"], &[]),
    group(&["hassan", "hasan"], &[]),
    group(&["omar", "umar"], &[]),
    group(&["ahmed", "ahmad"], &[]),
    group(&["hussain", "hussein", "husain"], &[]),
    group(&["gemma", "jemma"], &[]),
    group(&["jodie", "jody", "jodi"], &[]),
    group(&["elliot", "elliott", "eliot"], &[]),
    group(&["marcus", "markus"], &[]),
    group(&["owen", "owain"], &[]),
    group(&["evan", "ifan", "ieuan"], &[]),
    group(&["mary", "marie"], &["molly", "polly"]),
    group(&["lee", "leigh"], &[]),
    // Names listed so that the table knows them as different from names they resemble
    // (`Stephanie`/`Stephen`, `Christina`/`Christian`, `Kylie`/`Kyle`, `Frances`/`Francis`).
    group(&["stephanie", "stefanie"], &["steph"]),
    group(&["christine", "christina", "kristina", "kristine"], &["chris", "chrissie", "tina"]),
    group(&["christian", "kristian"], &["chris"]),
    group(&["francis"], &["frank", "frankie"]),
    group(&["frances"], &["fran", "frankie"]),
    group(&["kyle"], &[]),
    group(&["kylie"], &[]),
    group(&["george"], &["georgie"]),
    group(&["georgia", "georgina"], &["georgie", "gina"]),
    group(&["julian"], &["jules"]),
    group(&["julia", "julie", "juliet"], &["jules"]),
    group(&["martin"], &["marty"]),
    group(&["martina"], &["tina"]),
    group(&["eric"], &[]),
    group(&["erica", "erika"], &[]),
    group(&["michelle"], &["shelley"]),
    group(&["paul", "pawel"], &[]),
    group(&["paula"], &[]),
    group(&["jessica"], &["jess", "jessie"]),
    group(&["jesse"], &["jess"]),
];

/// Surname spellings recorded for the same family that the phonetic and spelling measures do not
/// all reach (`Chowdhury`/`Chaudhry`). Spelling groups of [`FORENAME_GROUPS`] apply too
/// (`Ahmed`/`Ahmad`, `Hussain`/`Hussein`).
const SURNAME_GROUPS: &[&[&str]] = &[
    &["smith", "smyth", "smithe"],
    &["clarke", "clark"],
    &["thompson", "thomson", "tompson"],
    &["phillips", "philips"],
    &["chowdhury", "choudhury", "chaudhry", "chaudhary", "choudhry"],
    &["gray", "grey"],
    &["oneill", "oneil", "oneal"],
    &["johnston", "johnstone"],
    &["stewart", "stuart"],
    &["matthews", "mathews"],
    &["rahman", "rehman"],
    &["mahmood", "mahmud", "mehmood", "mahmoud"],
    &["akhtar", "akhter"],
    &["miah", "meah"],
];

/// How two different names are related.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Equivalence {
    /// A short form and a full form, or two short forms, of one name.
    Nickname,
    /// Two full forms: spellings or language forms of one name.
    Variant,
}

/// What the tables say about two different names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Relation {
    /// Forms of one name.
    Equivalent(Equivalence),
    /// The tables know both names and do not relate them: different names, however alike.
    KnownDistinct,
    /// The tables do not know both names.
    Unknown,
}

/// For each name, the groups holding it and whether as a full form.
struct Index {
    forenames: HashMap<&'static str, Vec<(usize, bool)>>,
    surnames: HashMap<&'static str, Vec<usize>>,
}

/// The surname spelling groups: [`SURNAME_GROUPS`] then the full forms of [`FORENAME_GROUPS`].
fn surname_spelling_groups() -> impl Iterator<Item = &'static [&'static str]> {
    SURNAME_GROUPS.iter().copied().chain(FORENAME_GROUPS.iter().map(|name_group| name_group.formal))
}

static INDEX: LazyLock<Index> = LazyLock::new(|| {
    let mut forenames: HashMap<&'static str, Vec<(usize, bool)>> = HashMap::new();
    for (number, name_group) in FORENAME_GROUPS.iter().enumerate() {
        for name in name_group.formal {
            forenames.entry(name).or_default().push((number, true));
        }
        for name in name_group.short {
            forenames.entry(name).or_default().push((number, false));
        }
    }
    let mut surnames: HashMap<&'static str, Vec<usize>> = HashMap::new();
    for (number, names) in surname_spelling_groups().enumerate() {
        for name in names {
            surnames.entry(name).or_default().push(number);
        }
    }
    Index { forenames, surnames }
});

/// What the tables say about two different normalised forenames: the closer relation when
/// several groups hold both.
pub(crate) fn forename_relation(left: &str, right: &str) -> Relation {
    let (Some(left_groups), Some(right_groups)) = (INDEX.forenames.get(left), INDEX.forenames.get(right)) else {
        return Relation::Unknown;
    };
    left_groups
        .iter()
        .flat_map(|(left_group, left_formal)| {
            right_groups.iter().filter(move |(right_group, _)| right_group == left_group).map(
                move |(_, right_formal)| {
                    if *left_formal && *right_formal { Equivalence::Variant } else { Equivalence::Nickname }
                },
            )
        })
        .max()
        .map_or(Relation::KnownDistinct, Relation::Equivalent)
}

/// What the tables say about two different normalised surnames.
pub(crate) fn surname_relation(left: &str, right: &str) -> Relation {
    let (Some(left_groups), Some(right_groups)) = (INDEX.surnames.get(left), INDEX.surnames.get(right)) else {
        return Relation::Unknown;
    };
    if left_groups.iter().any(|group_number| right_groups.contains(group_number)) {
        Relation::Equivalent(Equivalence::Variant)
    } else {
        Relation::KnownDistinct
    }
}

/// Every surname spelling the tables hold as a variant of `surname` (not including itself).
pub(crate) fn surname_spellings(surname: &str) -> Vec<&'static str> {
    let Some(groups) = INDEX.surnames.get(surname) else {
        return Vec::new();
    };
    let all: Vec<&[&'static str]> = surname_spelling_groups().collect();
    let mut spellings: Vec<&'static str> = groups
        .iter()
        .filter_map(|number| all.get(*number))
        .flat_map(|names| names.iter().copied())
        .filter(|name| *name != surname)
        .collect();
    spellings.sort_unstable();
    spellings.dedup();
    spellings
}

/// How many forename groups the table holds.
pub fn forename_group_count() -> usize {
    FORENAME_GROUPS.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_entries_are_normalised_and_groups_are_not_repeated() {
        let every_name = FORENAME_GROUPS
            .iter()
            .flat_map(|name_group| name_group.formal.iter().chain(name_group.short))
            .chain(SURNAME_GROUPS.iter().flat_map(|names| names.iter()));
        for name in every_name {
            assert!(name.bytes().all(|byte| byte.is_ascii_lowercase()), "{name} is not normalised");
        }
        for (number, name_group) in FORENAME_GROUPS.iter().enumerate() {
            for formal in name_group.formal {
                let holders = INDEX.forenames[formal].iter().filter(|(_, is_formal)| *is_formal).count();
                assert_eq!(holders, 1, "{formal} is a full form in more than one group (group {number})");
            }
        }
    }

    #[test]
    fn relations_are_symmetric_and_the_closer_one_wins() {
        let nickname = Relation::Equivalent(Equivalence::Nickname);
        let variant = Relation::Equivalent(Equivalence::Variant);
        assert_eq!(forename_relation("bill", "william"), nickname);
        assert_eq!(forename_relation("william", "bill"), nickname);
        assert_eq!(forename_relation("catherine", "kathryn"), variant);
        assert_eq!(forename_relation("sam", "samantha"), nickname);
        assert_eq!(forename_relation("samuel", "samantha"), Relation::KnownDistinct, "a shared nickname is not enough");
        assert_eq!(forename_relation("louis", "louise"), Relation::KnownDistinct);
        assert_eq!(forename_relation("john", "zebedee"), Relation::Unknown);
        assert_eq!(surname_relation("chaudhry", "chowdhury"), variant);
        assert_eq!(surname_relation("ahmad", "ahmed"), variant);
        assert_eq!(surname_relation("thomas", "thompson"), Relation::KnownDistinct);
        assert_eq!(surname_relation("smith", "jones"), Relation::Unknown);
        assert_eq!(surname_spellings("gray"), ["grey"]);
    }
}
