//! Cross-region grouping of the people in a search answer: records in different regions that
//! plausibly describe the same person are put in one group with the evidence, never merged.
//! Each record keeps its own region, markings, grades and `person_category`, so a victim in one
//! region and a suspect in another stay two records that an analyst can see belong together.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use toex_matching::{DobQuery, Gender, NameKeys, PersonQuery, PersonRecord, score_person};
use toex_proto::v1::{Person, PersonGroup, RecordRef};

/// The lowest score, in both directions, at which two records from different regions are grouped.
/// Higher than the search threshold: a group is a claim that two records are one person, so it
/// needs agreeing names and a date of birth that agrees or nearly agrees.
pub const GROUP_THRESHOLD: f64 = 0.90;

/// Groups `persons` (each at most once, by region and record id) across regions.
pub fn group_persons<'a>(persons: impl IntoIterator<Item = &'a Person>) -> Vec<PersonGroup> {
    let people = distinct(persons);
    let keys: Vec<NameKeys> =
        people.iter().map(|person| NameKeys::new(&person.person.surname, &person.person.forenames)).collect();
    let mut stored: HashMap<&str, Vec<usize>> = HashMap::new();
    for (position, person_keys) in keys.iter().enumerate() {
        for key in &person_keys.surname_codes {
            stored.entry(key.as_str()).or_default().push(position);
        }
    }
    let mut groups = UnionFind::new(people.len());
    let mut links: Vec<(usize, usize, f64, String)> = Vec::new();
    for (left, person) in people.iter().enumerate() {
        let candidates: BTreeSet<usize> = keys[left]
            .lookup_keys()
            .iter()
            .filter_map(|key| stored.get(key.as_str()))
            .flatten()
            .copied()
            .filter(|right| *right > left && people[*right].region() != person.region())
            .collect();
        for right in candidates {
            if let Some((score, evidence)) = pair_score(person.person, people[right].person) {
                groups.union(left, right);
                links.push((left, right, score, evidence));
            }
        }
    }
    let mut members: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for position in 0..people.len() {
        members.entry(groups.root(position)).or_default().push(position);
    }
    let mut found: Vec<PersonGroup> = members
        .into_values()
        .filter(|group| group.len() > 1)
        .map(|group| {
            let edges: Vec<&(usize, usize, f64, String)> =
                links.iter().filter(|(left, _, _, _)| group.contains(left)).collect();
            PersonGroup {
                members: group.iter().map(|position| people[*position].reference()).collect(),
                score: edges.iter().map(|(_, _, score, _)| *score).fold(1.0, f64::min),
                evidence: edges
                    .iter()
                    .map(|(left, right, score, evidence)| {
                        format!("{} ~ {} ({score:.2}): {evidence}", people[*left].label(), people[*right].label())
                    })
                    .collect(),
            }
        })
        .collect();
    found.sort_by(|left, right| right.score.total_cmp(&left.score));
    found
}

/// A person of the answer, with where it came from.
struct Candidate<'a> {
    person: &'a Person,
}

impl Candidate<'_> {
    fn region(&self) -> &str {
        self.person.provenance.as_ref().map_or("", |source| source.region.as_str())
    }

    fn record_id(&self) -> &str {
        self.person.provenance.as_ref().map_or("", |source| source.record_id.as_str())
    }

    fn reference(&self) -> RecordRef {
        RecordRef { region: self.region().to_owned(), record_id: self.record_id().to_owned() }
    }

    fn label(&self) -> String {
        format!("{}:{}", self.region(), self.record_id())
    }
}

/// Each person once (a person can be a match and a link of another match), with a surname.
fn distinct<'a>(persons: impl IntoIterator<Item = &'a Person>) -> Vec<Candidate<'a>> {
    let mut seen = BTreeSet::new();
    persons
        .into_iter()
        .filter(|person| !person.surname.is_empty())
        .map(|person| Candidate { person })
        .filter(|candidate| seen.insert(candidate.label()))
        .collect()
}

/// The weaker of the two directions' scores and its evidence, when both reach the threshold.
fn pair_score(left: &Person, right: &Person) -> Option<(f64, String)> {
    let forward = score_person(&as_query(left)?, &as_record(right))?;
    let backward = score_person(&as_query(right)?, &as_record(left))?;
    let weaker = if forward.score <= backward.score { forward } else { backward };
    if weaker.score < GROUP_THRESHOLD {
        return None;
    }
    let evidence = weaker.evidence.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
    Some((weaker.score, evidence))
}

fn as_query(person: &Person) -> Option<PersonQuery> {
    let mut query = PersonQuery::new(&person.surname, &person.forenames).ok()?;
    if let Ok(date) = chrono::NaiveDate::parse_from_str(&person.dob, "%Y-%m-%d") {
        query = query.with_dob(DobQuery::Exact(date));
    }
    if let Some(gender) = Gender::from_code(&person.gender) {
        query = query.with_gender(gender);
    }
    Some(query)
}

fn as_record(person: &Person) -> PersonRecord {
    let mut record = PersonRecord::new(&person.surname, &person.forenames);
    record.dob = chrono::NaiveDate::parse_from_str(&person.dob, "%Y-%m-%d").ok();
    record.gender = Gender::from_code(&person.gender);
    record
}

/// Disjoint sets over positions, with path halving.
struct UnionFind {
    parent: Vec<usize>,
}

impl UnionFind {
    fn new(size: usize) -> Self {
        Self { parent: (0..size).collect() }
    }

    fn root(&mut self, mut position: usize) -> usize {
        while self.parent[position] != position {
            self.parent[position] = self.parent[self.parent[position]];
            position = self.parent[position];
        }
        position
    }

    fn union(&mut self, left: usize, right: usize) {
        let (left, right) = (self.root(left), self.root(right));
        if left != right {
            self.parent[right.max(left)] = right.min(left);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use toex_proto::v1::Provenance;

    fn person(region: &str, id: &str, forenames: &str, surname: &str, dob: &str, category: &str) -> Person {
        Person {
            provenance: Some(Provenance { region: region.into(), record_id: id.into(), ..Provenance::default() }),
            surname: surname.into(),
            forenames: forenames.into(),
            dob: dob.into(),
            gender: "M".into(),
            person_category: category.into(),
            ..Person::default()
        }
    }

    #[test]
    fn variant_spellings_in_two_regions_form_one_group_and_keep_their_categories() {
        let people = [
            person("NWROCU", "NWROCU-P-1", "John", "Smith", "1990-04-03", "VICTIM"),
            person("LONDON", "LONDON-P-9", "Jon", "Smyth", "1990-04-03", "SUSPECT"),
            person("TARIAN", "TARIAN-P-4", "John", "Smith", "1971-01-01", "SUSPECT"),
        ];
        let groups = group_persons(&people);
        assert_eq!(groups.len(), 1, "{groups:?}");
        let members: Vec<&str> = groups[0].members.iter().map(|member| member.record_id.as_str()).collect();
        assert_eq!(members, ["NWROCU-P-1", "LONDON-P-9"]);
        assert!(groups[0].score >= GROUP_THRESHOLD);
        assert!(groups[0].evidence[0].starts_with("NWROCU:NWROCU-P-1 ~ LONDON:LONDON-P-9"));
        assert_eq!(people[0].person_category, "VICTIM", "grouping never rewrites a record");
    }

    #[test]
    fn records_of_one_region_and_repeated_records_are_not_grouped() {
        let same = person("NWROCU", "NWROCU-P-1", "John", "Smith", "1990-04-03", "OTHER");
        let twin = person("NWROCU", "NWROCU-P-2", "John", "Smith", "1990-04-03", "OTHER");
        assert!(group_persons([&same, &twin, &same]).is_empty());
    }

    #[test]
    fn transposed_names_across_regions_are_grouped() {
        let people = [
            person("NWROCU", "NWROCU-P-1", "Ahmed", "Hussain", "1988-02-11", "OTHER"),
            person("EMSOU", "EMSOU-P-7", "Hussain", "Ahmed", "1988-02-11", "SUSPECT"),
        ];
        assert_eq!(group_persons(&people).len(), 1);
    }
}
