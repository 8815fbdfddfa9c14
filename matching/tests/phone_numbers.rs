//! UK phone numbers as people write them come out in the E.164 form the `phones` table stores,
//! and numbers that cannot be UK numbers are refused with the reason.

use toex_matching::phone::{E164, MAX_PHONE_INPUT_CHARS, NumberKind, PhoneError, normalise};

#[test]
fn every_common_way_of_writing_a_uk_number_gives_its_e164_form() {
    let cases = [
        ("07700 900123", "+447700900123"),
        ("+44 7700 900123", "+447700900123"),
        ("447700900123", "+447700900123"),
        ("(07700) 900-123", "+447700900123"),
        ("0044 7700 900123", "+447700900123"),
        ("+44 (0)7700 900123", "+447700900123"),
        ("+44 07700 900123", "+447700900123"),
        ("07700.900.123", "+447700900123"),
        ("  07700900123  ", "+447700900123"),
        ("7700900123", "+447700900123"),
        ("+447700900021", "+447700900021"),
        ("020 7946 0000", "+442079460000"),
        ("+44 (0)20 7946 0999", "+442079460999"),
        ("0161 496 0000", "+441614960000"),
        ("0113 496 0123", "+441134960123"),
        ("01632 960123", "+441632960123"),
        ("016977 2345", "+44169772345"),
        ("0300 123 4567", "+443001234567"),
        ("0800 123456", "+44800123456"),
        ("0808 157 0123", "+448081570123"),
        ("0909 879 0123", "+449098790123"),
        ("07624 123456", "+447624123456"),
        ("07000 123456", "+447000123456"),
        ("0345 123 4567", "+443451234567"),
    ];
    for (written, expected) in cases {
        let normalised = normalise(written).map(|number| number.to_string());
        assert_eq!(normalised.as_deref(), Ok(expected), "{written}");
    }
}

#[test]
fn numbers_that_cannot_be_uk_numbers_say_why() {
    let wrong_length = |prefix: &str, national_digits: usize, expected: &'static str| PhoneError::WrongLength {
        prefix: prefix.to_owned(),
        national_digits,
        expected,
    };
    let cases = [
        ("", PhoneError::Empty),
        ("   ", PhoneError::Empty),
        ("0800 FLOWERS", PhoneError::ContainsLetters),
        ("07700 900123 ext 4", PhoneError::ContainsLetters),
        ("07700#900123", PhoneError::UnexpectedCharacter { character: '#' }),
        ("07700 +900123", PhoneError::MisplacedPlus),
        ("++447700900123", PhoneError::MisplacedPlus),
        ("+33 6 12 34 56 78", PhoneError::NotUk { dialled: "+33612345678".to_owned() }),
        ("001 202 555 0123", PhoneError::NotUk { dialled: "+12025550123".to_owned() }),
        ("07700 90012", wrong_length("077", 10, "11")),
        ("07700 9001234", wrong_length("077", 12, "11")),
        ("+44 7700 90012", wrong_length("077", 10, "11")),
        ("020 7946 000", wrong_length("020", 10, "11")),
        ("0161 496 00000", wrong_length("016", 12, "10 or 11")),
        ("07", wrong_length("07", 2, "11")),
        ("+44", wrong_length("0", 1, "11")),
        ("0400 123 4567", PhoneError::UnknownPrefix { prefix: "040".to_owned() }),
        ("0600 123 4567", PhoneError::UnknownPrefix { prefix: "060".to_owned() }),
        ("0210 123 4567", PhoneError::UnknownPrefix { prefix: "021".to_owned() }),
        ("0100 123 4567", PhoneError::UnknownPrefix { prefix: "010".to_owned() }),
    ];
    for (written, expected) in cases {
        assert_eq!(normalise(written), Err(expected), "{written}");
    }
    let pasted = "0".repeat(MAX_PHONE_INPUT_CHARS + 1);
    assert_eq!(normalise(&pasted), Err(PhoneError::TooLong { characters: MAX_PHONE_INPUT_CHARS + 1 }));
}

#[test]
fn errors_read_as_reasons() {
    let message =
        |written: &str| normalise(written).map_or_else(|error| error.to_string(), |number| number.to_string());
    assert_eq!(message("07700 90012"), "a UK number starting 077 has 11 digits, not 10");
    assert_eq!(message("+33 6 12 34 56 78"), "+33612345678 is not a UK number (the UK country code is +44)");
    assert_eq!(message("0400 123 4567"), "no UK number starts 040");
}

#[test]
fn the_kind_of_service_and_the_drama_ranges_are_recognised() {
    let kind = |written: &str| normalise(written).map(|number| number.kind());
    assert_eq!(kind("07700 900123"), Ok(NumberKind::Mobile));
    assert_eq!(kind("020 7946 0000"), Ok(NumberKind::Geographic));
    assert_eq!(kind("0300 123 4567"), Ok(NumberKind::UkWide));
    assert_eq!(kind("0560 123 4567"), Ok(NumberKind::Corporate));
    assert_eq!(kind("07000 123456"), Ok(NumberKind::Personal));
    assert_eq!(kind("07600 123456"), Ok(NumberKind::Pager));
    assert_eq!(kind("0800 123 4567"), Ok(NumberKind::Freephone));
    assert_eq!(kind("0845 123 4567"), Ok(NumberKind::SpecialRate));
    assert_eq!(kind("0909 879 0000"), Ok(NumberKind::PremiumRate));

    let drama = |written: &str| normalise(written).is_ok_and(|number| number.is_drama_range());
    for written in ["07700 900000", "07700 900999", "020 7946 0123", "0161 496 0999", "01632 960000", "0191 498 0123"] {
        assert!(drama(written), "{written} is in a drama range");
    }
    for written in ["07700 901000", "020 7946 1000", "0161 497 0000", "07123 456789"] {
        assert!(!drama(written), "{written} is not in a drama range");
    }
}

#[test]
fn the_e164_form_parses_back_to_itself() {
    let number: E164 = "07700 900123".parse().unwrap();
    assert_eq!(number.as_str(), "+447700900123");
    assert_eq!(number.national(), "07700900123");
    assert_eq!(number.national_significant_number(), "7700900123");
    assert_eq!(E164::parse(number.as_str()), Ok(number));
}
