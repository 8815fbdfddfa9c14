//! Where a query's planning time goes: microseconds per stage of the node's SQL path, logged at
//! `debug` (target `toex_node::stages`) so an operator can see which stage a slow query spent
//! its time in without a profiler. Timings only, never the query text.

use std::time::Instant;

/// The most stages one query records.
const STAGES: usize = 8;

/// Marks the end of each stage of one query.
pub struct StageTimer {
    last: Instant,
    stages: [(&'static str, u128); STAGES],
    recorded: usize,
}

impl StageTimer {
    /// Starts timing the first stage now.
    pub fn start() -> Self {
        Self { last: Instant::now(), stages: [("", 0); STAGES], recorded: 0 }
    }

    /// Ends the stage called `name` now and starts the next.
    pub fn mark(&mut self, name: &'static str) {
        let now = Instant::now();
        if self.recorded < STAGES {
            self.stages[self.recorded] = (name, now.duration_since(self.last).as_micros());
            self.recorded += 1;
        }
        self.last = now;
    }

    /// The stages recorded so far, in order, with their microseconds.
    pub fn stages(&self) -> &[(&'static str, u128)] {
        &self.stages[..self.recorded]
    }

    /// Logs the stages as one `debug` event, cheaply skipped when that level is off.
    pub fn report(&self) {
        if tracing::enabled!(target: "toex_node::stages", tracing::Level::DEBUG) {
            let described =
                self.stages().iter().map(|(name, micros)| format!("{name}={micros}us")).collect::<Vec<_>>().join(" ");
            tracing::debug!(target: "toex_node::stages", stages = %described, "query planned");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_each_stage_in_order() {
        let mut timer = StageTimer::start();
        timer.mark("parse");
        timer.mark("plan");
        let names: Vec<_> = timer.stages().iter().map(|(name, _)| *name).collect();
        assert_eq!(names, ["parse", "plan"]);
    }

    #[test]
    fn keeps_the_first_stages_when_more_are_marked_than_it_holds() {
        let mut timer = StageTimer::start();
        for _ in 0..STAGES + 3 {
            timer.mark("stage");
        }
        assert_eq!(timer.stages().len(), STAGES);
    }
}
