//! The people planted in two regions under different spellings of their name: each entry gives
//! the canonical name and how each of the two regions recorded it.

/// How the two recordings of a planted person differ.
#[derive(Debug, Clone, Copy)]
pub(crate) struct VariantPerson {
    /// `M` or `F`.
    pub gender: &'static str,
    /// Canonical forenames and surname (the identifier in the ground truth).
    pub canonical: (&'static str, &'static str),
    /// As recorded by the first region: (forenames, surname).
    pub first: (&'static str, &'static str),
    /// As recorded by the second region: (forenames, surname).
    pub second: (&'static str, &'static str),
    /// Which kind of variation this is (spelling, nickname, transposed, double_barrelled ...).
    pub variation: &'static str,
    /// True when the first region holds the person as a VICTIM and the second as a SUSPECT.
    pub victim_and_suspect: bool,
}

const fn person(
    gender: &'static str,
    canonical: (&'static str, &'static str),
    first: (&'static str, &'static str),
    second: (&'static str, &'static str),
    variation: &'static str,
    victim_and_suspect: bool,
) -> VariantPerson {
    VariantPerson { gender, canonical, first, second, variation, victim_and_suspect }
}

/// The thirty planted people.
pub(crate) const VARIANT_PEOPLE: [VariantPerson; 30] = [
    person("M", ("Mohammed", "Khan"), ("Mohammed", "Khan"), ("Muhammad", "Khan"), "spelling", false),
    person("M", ("John", "Smith"), ("John", "Smith"), ("Jon", "Smyth"), "spelling", true),
    person("F", ("Katherine", "Jones"), ("Katherine", "Jones"), ("Catherine", "Jones"), "spelling", true),
    person("M", ("William", "Taylor"), ("William", "Taylor"), ("Bill", "Taylor"), "nickname", false),
    person("F", ("Sarah", "Davies-Brown"), ("Sarah", "Davies-Brown"), ("Sarah", "Brown"), "double_barrelled", false),
    person("M", ("Ahmed", "Hussain"), ("Ahmed", "Hussain"), ("Hussain", "Ahmed"), "transposed", false),
    person("M", ("Stephen", "Roberts"), ("Stephen", "Roberts"), ("Steven", "Roberts"), "spelling", false),
    person("M", ("Muhammad", "Iqbal"), ("Mohammad", "Iqbal"), ("Muhammed", "Iqbal"), "spelling", false),
    person("F", ("Elizabeth", "Thompson"), ("Elizabeth", "Thompson"), ("Liz", "Thomson"), "nickname", true),
    person("M", ("Robert", "Wilson"), ("Robert", "Wilson"), ("Bob", "Wilson"), "nickname", false),
    person("M", ("Jamie", "Lee-Walker"), ("Jamie", "Lee-Walker"), ("Jamie", "Walker"), "double_barrelled", false),
    person("F", ("Chloe", "McDonald"), ("Chloe", "McDonald"), ("Chloe", "MacDonald"), "spelling", true),
    person("M", ("Michael", "O'Brien"), ("Michael", "O'Brien"), ("Michael", "OBrien"), "punctuation", false),
    person("M", ("Aleksander", "Nowak"), ("Aleksander", "Nowak"), ("Alexander", "Nowak"), "spelling", false),
    person("M", ("Thomas", "Evans"), ("Thomas", "Evans"), ("Tom", "Evans"), "nickname", false),
    person("M", ("Daniel", "Wright"), ("Daniel", "Wright"), ("Wright", "Daniel"), "transposed", false),
    person("F", ("Rebecca", "Harris"), ("Rebecca", "Harris"), ("Rebekah", "Harris"), "spelling", true),
    person("M", ("Anthony", "Clarke"), ("Anthony", "Clarke"), ("Tony", "Clark"), "nickname", false),
    person("M", ("Kyle", "Thompson"), ("Kyle", "Thompson"), ("Kyle", "Thomson"), "spelling", false),
    person("F", ("Leanne", "Hughes-Jones"), ("Leanne", "Hughes-Jones"), ("Leanne", "Jones"), "double_barrelled", true),
    person("M", ("Christopher", "Green"), ("Christopher", "Green"), ("Chris", "Greene"), "nickname", false),
    person("M", ("Abdul Rahman", "Miah"), ("Abdul Rahman", "Miah"), ("Abdul", "Rahman Miah"), "name_split", false),
    person("M", ("Jayden", "Brown"), ("Jayden", "Brown"), ("Jaden", "Browne"), "spelling", true),
    person("F", ("Siobhan", "Kelly"), ("Siobhan", "Kelly"), ("Shivaun", "Kelly"), "spelling", false),
    person("M", ("Oluwaseun", "Adeyemi"), ("Oluwaseun", "Adeyemi"), ("Seun", "Adeyemi"), "nickname", false),
    person("M", ("Connor", "Murphy"), ("Connor", "Murphy"), ("Conor", "Murphy"), "spelling", true),
    person("F", ("Zoë", "Phillips"), ("Zoë", "Phillips"), ("Zoe", "Phillips"), "diacritic", false),
    person("M", ("Jack", "Harrison-Ward"), ("Jack", "Harrison-Ward"), ("Jack", "Ward"), "double_barrelled", false),
    person("M", ("Nathan", "Edwards"), ("Nathan", "Edwards"), ("Edwards", "Nathan"), "transposed", true),
    person("F", ("Margaret", "Walsh"), ("Margaret", "Walsh"), ("Peggy", "Walsh"), "nickname", false),
];
