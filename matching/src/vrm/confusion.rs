//! Other readings of a registration mark that ANPR cameras, witnesses and typists commonly
//! confuse with it (`0`/`O`, `1`/`I`, `5`/`S`, `8`/`B`, `2`/`Z`, `6`/`G`), kept only when they
//! are themselves possible marks. They are offered as flagged alternatives to search for, never
//! substituted for what was recorded.

use super::Vrm;
use super::format::detect;

/// Characters that are read for one another, each pair listed once.
pub const CONFUSABLE_PAIRS: &[(char, char)] = &[('0', 'O'), ('1', 'I'), ('5', 'S'), ('8', 'B'), ('2', 'Z'), ('6', 'G')];
/// Most characters changed in one alternative reading: a mark misread in more than two places is
/// rare, and allowing more widens a search to unrelated vehicles.
pub const MAX_SUBSTITUTIONS: usize = 2;
/// Most alternative readings returned for one mark, fewest substitutions first.
pub const MAX_ALTERNATIVES: usize = 16;

/// One character read differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Substitution {
    /// Position in the normalised mark, from 0.
    pub position: usize,
    /// The character as given.
    pub given: char,
    /// The character it may have been.
    pub reading: char,
}

/// A possible mark that differs from the given one only by commonly confused characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VrmAlternative {
    /// The alternative reading, itself a valid mark.
    pub mark: Vrm,
    /// What was changed to get it, in position order.
    pub substitutions: Vec<Substitution>,
}

/// The character `character` is commonly confused with, if any.
fn confused_with(character: char) -> Option<char> {
    CONFUSABLE_PAIRS.iter().find_map(|(digit, letter)| {
        if character == *digit {
            Some(*letter)
        } else if character == *letter {
            Some(*digit)
        } else {
            None
        }
    })
}

/// Every valid mark reachable from the normalised `mark` by one to [`MAX_SUBSTITUTIONS`]
/// confusable substitutions, fewest substitutions first, then alphabetically, at most
/// [`MAX_ALTERNATIVES`]. The mark itself is never included; `mark` need not be valid.
pub(crate) fn alternatives_of(mark: &str) -> Vec<VrmAlternative> {
    let characters: Vec<char> = mark.chars().collect();
    let confusable: Vec<(usize, char)> = characters
        .iter()
        .enumerate()
        .filter_map(|(position, character)| confused_with(*character).map(|reading| (position, reading)))
        .collect();
    let mut found: Vec<VrmAlternative> = Vec::new();
    let mut chosen: Vec<usize> = Vec::with_capacity(MAX_SUBSTITUTIONS);
    collect_readings(&characters, &confusable, 0, &mut chosen, &mut found);
    found.sort_by(|left, right| {
        left.substitutions.len().cmp(&right.substitutions.len()).then_with(|| left.mark.cmp(&right.mark))
    });
    found.truncate(MAX_ALTERNATIVES);
    found
}

/// Depth-first over subsets of confusable positions of size 1..=MAX_SUBSTITUTIONS.
fn collect_readings(
    characters: &[char],
    confusable: &[(usize, char)],
    from: usize,
    chosen: &mut Vec<usize>,
    found: &mut Vec<VrmAlternative>,
) {
    if !chosen.is_empty() {
        let mut reading: Vec<char> = characters.to_vec();
        let mut substitutions = Vec::with_capacity(chosen.len());
        for &index in chosen.iter() {
            let (position, replacement) = confusable[index];
            substitutions.push(Substitution { position, given: characters[position], reading: replacement });
            reading[position] = replacement;
        }
        let text: String = reading.into_iter().collect();
        if let Some(format) = detect(&text) {
            found.push(VrmAlternative { mark: Vrm { mark: text, format }, substitutions });
        }
    }
    if chosen.len() == MAX_SUBSTITUTIONS {
        return;
    }
    for index in from..confusable.len() {
        chosen.push(index);
        collect_readings(characters, confusable, index + 1, chosen, found);
        chosen.pop();
    }
}
