//! Percentiles of measured durations.

use std::time::Duration;

/// The nearest-rank percentile `p` (0–100) of sorted values; `None` when
/// there are none.
pub(crate) fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    // Nearest rank: the smallest value with at least p% of the values at or
    // below it (p99 of 100 values is the 99th, not an interpolation).
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

/// p50 and p99 of a sample, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Summary {
    /// How many values.
    pub(crate) n: usize,
    /// Median, ms.
    pub(crate) p50: f64,
    /// 99th percentile, ms.
    pub(crate) p99: f64,
}

impl Summary {
    /// Summarises durations; `None` for an empty sample.
    pub(crate) fn of(durations: &[Duration]) -> Option<Self> {
        let mut ms: Vec<f64> = durations.iter().map(|d| d.as_secs_f64() * 1e3).collect();
        ms.sort_by(f64::total_cmp);
        Some(Self {
            n: ms.len(),
            p50: percentile(&ms, 50.0)?,
            p99: percentile(&ms, 99.0)?,
        })
    }
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "p50 {} / p99 {} ms", ms(self.p50), ms(self.p99))
    }
}

/// Milliseconds with a precision that suits their size.
pub(crate) fn ms(value: f64) -> String {
    if value.abs() < 10.0 {
        format!("{value:.2}")
    } else if value.abs() < 100.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.0}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Nearest rank on 1..=100: p50 is 50, p99 is 99, p100 the maximum.
    #[test]
    fn percentiles_use_the_nearest_rank() {
        let values: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&values, 50.0), Some(50.0));
        assert_eq!(percentile(&values, 99.0), Some(99.0));
        assert_eq!(percentile(&values, 100.0), Some(100.0));
        assert_eq!(percentile(&values, 0.0), Some(1.0));
        assert_eq!(percentile(&[7.0], 99.0), Some(7.0));
        assert_eq!(percentile(&[], 50.0), None);
    }

    /// A summary sorts its input first.
    #[test]
    fn a_summary_sorts_its_sample() {
        let sample = [30, 10, 20].map(Duration::from_millis);
        let summary = Summary::of(&sample).expect("a non-empty sample");
        assert_eq!((summary.n, summary.p50, summary.p99), (3, 20.0, 30.0));
        assert_eq!(Summary::of(&[]), None);
    }
}
