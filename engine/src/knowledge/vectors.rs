//! Embedding vectors as aiwidget keeps and searches them (issue 18): each
//! normalised to length 1, then quantised to one signed byte per dimension
//! with its own scale, stored as 4 bytes of scale (`f32`, little endian)
//! followed by the bytes. A 1,536-dimension vector takes 1,540 bytes, a
//! quarter of `f32`s, and the ranking it gives is that of the floats to
//! within the rounding (tested below).
//!
//! [`Index`] holds a project's vectors in one contiguous block and answers
//! a query with an exact scan: every vector's dot product with the query
//! (the cosine similarity, both being of length 1), the best `k` kept.

use std::cmp::Ordering;

/// A vector's bytes: its scale, then one `i8` per dimension.
#[must_use]
pub fn encode(vector: &[f32]) -> Vec<u8> {
    let (scale, values) = quantize(vector);
    let mut bytes = Vec::with_capacity(4 + values.len());
    bytes.extend_from_slice(&scale.to_le_bytes());
    bytes.extend(values.iter().map(|value| value.to_le_bytes()[0]));
    bytes
}

/// The dimensions of an encoded vector (`None` for bytes that are not one).
#[must_use]
pub fn dimensions(bytes: &[u8]) -> Option<usize> {
    (bytes.len() > 4).then(|| bytes.len() - 4)
}

/// `vector` at length 1, as a scale and one signed byte per dimension
/// (`value ≈ byte × scale`). A zero vector stays zero.
#[must_use]
pub fn quantize(vector: &[f32]) -> (f32, Vec<i8>) {
    let length = vector.iter().map(|x| x * x).sum::<f32>().sqrt();
    let largest = vector.iter().fold(0.0_f32, |most, x| most.max(x.abs()));
    if !(length.is_finite() && largest > 0.0) {
        return (0.0, vec![0; vector.len()]);
    }
    let scale = largest / length / 127.0;
    let values = vector
        .iter()
        .map(|x| {
            #[allow(
                clippy::cast_possible_truncation,
                reason = "rounded and clamped to the i8 range first"
            )]
            let byte = (x / length / scale).round().clamp(-127.0, 127.0) as i8;
            byte
        })
        .collect();
    (scale, values)
}

/// The best matches of a query: the vector's position in the index and its
/// cosine similarity, best first.
pub type Hits = Vec<(usize, f32)>;

/// A project's vectors of one model, searched by an exact scan.
#[derive(Debug, Clone, Default)]
pub struct Index {
    dimensions: usize,
    scales: Vec<f32>,
    values: Vec<i8>,
}

impl Index {
    /// An empty index of `dimensions`.
    #[must_use]
    pub fn new(dimensions: usize) -> Self {
        Self {
            dimensions,
            ..Self::default()
        }
    }

    /// Adds an encoded vector; false (and nothing added) when its
    /// dimensions are not the index's.
    pub fn push(&mut self, bytes: &[u8]) -> bool {
        if dimensions(bytes) != Some(self.dimensions) {
            return false;
        }
        let mut scale = [0; 4];
        scale.copy_from_slice(&bytes[..4]);
        self.scales.push(f32::from_le_bytes(scale));
        self.values
            .extend(bytes[4..].iter().map(|byte| i8::from_le_bytes([*byte])));
        true
    }

    /// How many vectors it holds.
    #[must_use]
    pub fn len(&self) -> usize {
        self.scales.len()
    }

    /// True when it holds none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.scales.is_empty()
    }

    /// The dimensions of its vectors.
    #[must_use]
    pub fn dimensions(&self) -> usize {
        self.dimensions
    }

    /// The bytes its vectors take in memory.
    #[must_use]
    pub fn bytes(&self) -> usize {
        self.values.len() + self.scales.len() * 4
    }

    /// The `k` vectors most similar to `query` (of the index's dimensions:
    /// none otherwise), best first.
    #[must_use]
    pub fn search(&self, query: &[f32], k: usize) -> Hits {
        if query.len() != self.dimensions || self.dimensions == 0 || k == 0 {
            return Vec::new();
        }
        let (query_scale, query) = quantize(query);
        let mut best: Hits = Vec::with_capacity(k + 1);
        for (position, vector) in self.values.chunks_exact(self.dimensions).enumerate() {
            #[allow(
                clippy::cast_precision_loss,
                reason = "a dot product of i8s over at most a few thousand dimensions"
            )]
            let score = dot(vector, &query) as f32 * self.scales[position] * query_scale;
            if best.len() < k || score > best[best.len() - 1].1 {
                let at = best.partition_point(|(_, known)| *known >= score);
                best.insert(at, (position, score));
                best.truncate(k);
            }
        }
        best
    }
}

/// The dot product of two byte vectors, in a form the compiler vectorises.
fn dot(a: &[i8], b: &[i8]) -> i32 {
    a.iter()
        .zip(b)
        .map(|(x, y)| i32::from(*x) * i32::from(*y))
        .sum()
}

/// Orders scores best first (a NaN last).
#[must_use]
pub fn best_first(a: f32, b: f32) -> Ordering {
    b.partial_cmp(&a).unwrap_or(Ordering::Equal)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pseudo_random(seed: u64, dimensions: usize) -> Vec<f32> {
        let mut state = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        (0..dimensions)
            .map(|_| {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                #[allow(clippy::cast_precision_loss, reason = "test data")]
                let unit = (state >> 40) as f32 / (1_u64 << 24) as f32;
                unit - 0.5
            })
            .collect()
    }

    fn cosine(a: &[f32], b: &[f32]) -> f32 {
        let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
        let la = a.iter().map(|x| x * x).sum::<f32>().sqrt();
        let lb = b.iter().map(|x| x * x).sum::<f32>().sqrt();
        dot / la / lb
    }

    #[test]
    fn encoded_vectors_keep_their_dimensions_and_reject_others() {
        let bytes = encode(&[3.0, -4.0, 0.0]);
        assert_eq!(bytes.len(), 7);
        assert_eq!(dimensions(&bytes), Some(3));
        let mut index = Index::new(3);
        assert!(index.push(&bytes));
        assert!(!index.push(&encode(&[1.0, 2.0])));
        assert_eq!((index.len(), index.bytes()), (1, 7));
        assert!(index.search(&[1.0, 2.0], 3).is_empty());
        // The vector against itself scores about 1 (it was normalised).
        let hits = index.search(&[3.0, -4.0, 0.0], 3);
        assert_eq!(hits.len(), 1);
        assert!((hits[0].1 - 1.0).abs() < 0.01, "{}", hits[0].1);
        assert_eq!(quantize(&[0.0, 0.0]).1, vec![0, 0]);
    }

    #[test]
    fn search_finds_the_same_best_vectors_as_exact_floats() {
        let dimensions = 256;
        let vectors: Vec<Vec<f32>> = (0..500).map(|n| pseudo_random(n, dimensions)).collect();
        let mut index = Index::new(dimensions);
        for vector in &vectors {
            assert!(index.push(&encode(vector)));
        }
        for seed in 1_000..1_020 {
            // A query close to one vector: that vector must win.
            let target = usize::try_from(seed % 500).expect("small");
            let noise = pseudo_random(seed, dimensions);
            let query: Vec<f32> = vectors[target]
                .iter()
                .zip(&noise)
                .map(|(x, n)| x + 0.3 * n)
                .collect();
            let hits = index.search(&query, 5);
            assert_eq!(hits[0].0, target);
            assert!(hits.windows(2).all(|pair| pair[0].1 >= pair[1].1));
            let exact = cosine(&vectors[target], &query);
            assert!((hits[0].1 - exact).abs() < 0.02, "{} vs {exact}", hits[0].1);
        }
    }
}
