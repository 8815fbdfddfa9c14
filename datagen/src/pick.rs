//! Weighted random choice over the fixed vocabularies.

use rand::Rng;
use rand::distr::Distribution;
use rand::distr::weighted::WeightedIndex;

/// A weighted list ready for repeated draws.
#[derive(Debug, Clone)]
pub(crate) struct WeightedPick<T: Copy> {
    items: Vec<T>,
    index: WeightedIndex<u32>,
}

impl<T: Copy> WeightedPick<T> {
    /// Builds the sampler from `(item, weight)` pairs.
    pub(crate) fn new(pairs: &[(T, u32)]) -> Self {
        let items = pairs.iter().map(|(item, _)| *item).collect();
        // Invariant: every list passed here is a non-empty constant with positive weights
        // (the crate's tests draw from each of them).
        let index = WeightedIndex::new(pairs.iter().map(|(_, weight)| *weight))
            .expect("weighted vocabularies are non-empty with positive weights");
        Self { items, index }
    }

    /// Draws one item.
    pub(crate) fn pick(&self, rng: &mut impl Rng) -> T {
        self.items[self.index.sample(rng)]
    }
}
