//! Postcodes come out as the `addresses` table stores them, with their district, and strings that
//! cannot be postcodes are refused with the reason.

use toex_matching::postcode::{Postcode, PostcodeError, normalise};

#[test]
fn postcodes_in_every_shape_normalise_with_one_space() {
    let cases = [
        ("m1 1ae", "M1 1AE", "M1"),
        ("M11AE", "M1 1AE", "M1"),
        ("SW1A1AA", "SW1A 1AA", "SW1A"),
        ("sw1a 1aa", "SW1A 1AA", "SW1A"),
        ("  B33 8TH ", "B33 8TH", "B33"),
        ("CR2 6XH", "CR2 6XH", "CR2"),
        ("DN55 1PT", "DN55 1PT", "DN55"),
        ("W1A 0AX", "W1A 0AX", "W1A"),
        ("EC1A 1BB", "EC1A 1BB", "EC1A"),
        ("LS1  4AP", "LS1 4AP", "LS1"),
        ("GIR 0AA", "GIR 0AA", "GIR"),
        ("je2 3ab", "JE2 3AB", "JE2"),
        ("BT7 1NN", "BT7 1NN", "BT7"),
    ];
    for (written, expected, outward) in cases {
        let postcode = normalise(written);
        assert_eq!(postcode.as_ref().map(Postcode::as_str), Ok(expected), "{written}");
        assert_eq!(postcode.as_ref().map(Postcode::outward), Ok(outward), "{written}");
    }
}

#[test]
fn the_parts_of_a_postcode_are_available() {
    let postcode = normalise("sw1a1aa").unwrap();
    assert_eq!(postcode.outward(), "SW1A");
    assert_eq!(postcode.inward(), "1AA");
    assert_eq!(postcode.area(), "SW");
    assert_eq!(postcode.sector(), "SW1A 1");
    assert_eq!(postcode.to_string(), "SW1A 1AA");
    assert_eq!("M1 1AE".parse::<Postcode>().map(|postcode| postcode.area().to_owned()), Ok("M".to_owned()));
}

#[test]
fn strings_that_cannot_be_postcodes_say_why() {
    let invalid_outward = |outward: &str| PostcodeError::InvalidOutward { outward: outward.to_owned() };
    let invalid_inward = |inward: &str| PostcodeError::InvalidInward { inward: inward.to_owned() };
    let cases = [
        ("", PostcodeError::Empty),
        ("M1-1AE", PostcodeError::InvalidCharacter { character: '-' }),
        ("M1 1A", PostcodeError::WrongLength { characters: 4 }),
        ("SW1A 1AAA", PostcodeError::WrongLength { characters: 8 }),
        ("M1 1AC", invalid_inward("1AC")),
        ("M1 1IA", invalid_inward("1IA")),
        ("M1 AAE", invalid_inward("AAE")),
        ("QA1 1AA", invalid_outward("QA1")),
        ("AJ1 1AA", invalid_outward("AJ1")),
        ("123 1AA", invalid_outward("123")),
        ("M1I 1AA", invalid_outward("M1I")),
        ("SW1C 1AA", invalid_outward("SW1C")),
        ("M123 1AA", invalid_outward("M123")),
        ("ABC1 1AA", invalid_outward("ABC1")),
        ("YY1 1AA", PostcodeError::UnknownArea { area: "YY".to_owned() }),
        ("AA1 1AA", PostcodeError::UnknownArea { area: "AA".to_owned() }),
        ("ZZ1 1AA", invalid_outward("ZZ1")),
    ];
    for (written, expected) in cases {
        assert_eq!(normalise(written), Err(expected), "{written}");
    }
    assert_eq!(normalise("YY1 1AA").map_err(|error| error.to_string()), Err("there is no postcode area YY".to_owned()));
}

#[test]
fn the_generator_postcode_areas_are_all_accepted() {
    // Areas of `datagen/src/vocab/places.rs`, with their London sub-districts.
    for postcode in ["NE71 2AB", "LL78 9ZZ", "S81 1AA", "B98 3XY", "WC2H 7LT", "EC4Y 0DX", "KT24 5AB", "CF48 1AB"] {
        assert!(normalise(postcode).is_ok(), "{postcode}");
    }
}
