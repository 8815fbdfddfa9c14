//! Registration marks come out as the `vehicles` table stores them, impossible marks are refused,
//! and commonly misread characters give flagged alternatives that are themselves possible marks.

use toex_matching::vrm::{
    MAX_ALTERNATIVES, MAX_SUBSTITUTIONS, Substitution, Vrm, VrmError, VrmFormat, normalise, search_marks,
};

#[test]
fn marks_in_every_scheme_normalise_to_upper_case_without_spaces() {
    let cases = [
        ("AB12 CDE", "AB12CDE", VrmFormat::Current),
        ("ab12cde", "AB12CDE", VrmFormat::Current),
        (" ma19 xyk ", "MA19XYK", VrmFormat::Current),
        ("LA02-ZZZ", "LA02ZZZ", VrmFormat::Current),
        ("YA74 ABC", "YA74ABC", VrmFormat::Current),
        ("A123 BCD", "A123BCD", VrmFormat::Prefix),
        ("p7 abc", "P7ABC", VrmFormat::Prefix),
        ("Q123 ABC", "Q123ABC", VrmFormat::Prefix),
        ("ABC 123D", "ABC123D", VrmFormat::Suffix),
        ("XYZ 1A", "XYZ1A", VrmFormat::Suffix),
        ("1234 AB", "1234AB", VrmFormat::Dateless),
        ("AB 1234", "AB1234", VrmFormat::Dateless),
        ("ABZ 1234", "ABZ1234", VrmFormat::Dateless),
        ("A 1", "A1", VrmFormat::Dateless),
    ];
    for (written, expected, format) in cases {
        let mark = normalise(written);
        assert_eq!(mark.as_ref().map(Vrm::as_str), Ok(expected), "{written}");
        assert_eq!(mark.map(|mark| mark.format()), Ok(format), "{written}");
    }
}

#[test]
fn impossible_marks_are_refused_with_the_reason() {
    let impossible = |written: &str| matches!(normalise(written), Err(VrmError::Impossible { .. }));
    assert_eq!(normalise(""), Err(VrmError::Empty));
    assert_eq!(normalise("AB12.CDE"), Err(VrmError::InvalidCharacter { character: '.' }));
    assert_eq!(normalise("ÅB12CDE"), Err(VrmError::InvalidCharacter { character: 'Å' }));
    assert_eq!(normalise("AB12CDEF"), Err(VrmError::WrongLength { characters: 8 }));
    assert_eq!(normalise("A"), Err(VrmError::WrongLength { characters: 1 }));
    for written in [
        "AB01CDE", // age identifier 01 was never issued
        "IB12CDE", // no memory tag starts with I
        "AZ12CDE", // Z is never the second letter of a memory tag
        "AB12CIE", // I is never one of the three letters
        "A012BCD", // serial numbers have no leading zero
        "O123ABC", // O was never a prefix year letter
        "ABC123Q", // Q was never a suffix year letter
        "AB12345", // at most four digits in a dateless mark
        "ABCD123", // at most three letters in a dateless mark
        "1234567", // no letters at all
        "ABCDEFG", // no digits at all
        "A1B2C3D", // no scheme alternates letters and digits
    ] {
        assert!(impossible(written), "{written} should be impossible");
    }
}

#[test]
fn misread_characters_give_flagged_alternatives_that_are_possible_marks() {
    let search = search_marks("AB12 CDE").unwrap();
    assert_eq!(search.primary.as_str(), "AB12CDE");
    let alternatives: Vec<&str> = search.alternatives.iter().map(|alternative| alternative.mark.as_str()).collect();
    assert!(alternatives.contains(&"A812CDE"), "B read as 8 gives a prefix mark: {alternatives:?}");
    assert!(!alternatives.contains(&"AB12CDE"), "the mark itself is never an alternative");
    let b_as_8 = search.alternatives.iter().find(|alternative| alternative.mark.as_str() == "A812CDE");
    assert_eq!(
        b_as_8.map(|alternative| alternative.substitutions.clone()),
        Some(vec![Substitution { position: 1, given: 'B', reading: '8' }])
    );
    for alternative in &search.alternatives {
        assert_eq!(normalise(alternative.mark.as_str()).as_ref(), Ok(&alternative.mark));
        assert!((1..=MAX_SUBSTITUTIONS).contains(&alternative.substitutions.len()));
    }
}

#[test]
fn alternatives_come_fewest_changes_first_and_are_bounded() {
    let search = search_marks("S8 12").unwrap();
    let changes: Vec<usize> = search.alternatives.iter().map(|alternative| alternative.substitutions.len()).collect();
    assert_eq!(changes, [1, 2, 2]);
    assert!(search.alternatives.len() <= MAX_ALTERNATIVES);
    let alternatives: Vec<&str> = search.alternatives.iter().map(|alternative| alternative.mark.as_str()).collect();
    assert!(alternatives.contains(&"SB12"), "{alternatives:?}");
}

#[test]
fn a_mark_with_no_confusable_character_has_no_alternatives() {
    assert_eq!(search_marks("MA19 XYK").map(|search| search.alternatives.len()), Ok(0));
}

#[test]
fn an_impossible_mark_suggests_the_possible_marks_it_may_be_a_misreading_of() {
    // A camera reading the 1 of "MA19 XYK" as I.
    let Err(VrmError::Impossible { mark, readings }) = normalise("MAI9 XYK") else {
        panic!("MAI9XYK is not a possible mark");
    };
    assert_eq!(mark, "MAI9XYK");
    let suggested: Vec<&str> = readings.iter().map(|reading| reading.mark.as_str()).collect();
    assert_eq!(suggested, ["MA19XYK"]);
    assert_eq!(VrmError::Impossible { mark, readings }.to_string(), "MAI9XYK is not a possible UK registration mark");
}
