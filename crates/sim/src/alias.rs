//! Walker's alias method (Vose's construction): constant-time draws from a fixed discrete
//! distribution. The simulator draws millions of alleles during calibration, so every draw must
//! be O(1) and allocation-free; the table is built once per locus (or per transmission row).

use lazo_genetics::Allele;
use rand::Rng;

/// An alias table over alleles. Weights need not sum to 1: they are normalised on construction,
/// so the represented distribution sums to 1 exactly up to floating-point rounding.
#[derive(Clone, Debug)]
pub(crate) struct Alias {
    values: Vec<Allele>,
    /// Probability of keeping column `i` rather than taking its alias.
    keep: Vec<f64>,
    alias: Vec<u32>,
}

impl Alias {
    /// Builds the table from `(allele, weight)` pairs. Entries with a weight that is not
    /// positive (zero, negative or NaN) are dropped; `None` when nothing positive is left.
    pub(crate) fn new(entries: impl IntoIterator<Item = (Allele, f64)>) -> Option<Alias> {
        let (values, weights): (Vec<Allele>, Vec<f64>) =
            entries.into_iter().filter(|(_, w)| *w > 0.0).unzip();
        let n = values.len();
        let total: f64 = weights.iter().sum();
        if n == 0 || !total.is_finite() || total <= 0.0 || n > u32::MAX as usize {
            return None;
        }
        let mut scaled: Vec<f64> = weights.iter().map(|w| w * n as f64 / total).collect();
        let mut keep = vec![1.0; n];
        let mut alias: Vec<u32> = (0..n as u32).collect();
        let (mut small, mut large): (Vec<usize>, Vec<usize>) =
            (0..n).partition(|&i| scaled[i] < 1.0);
        while let (Some(&s), Some(&l)) = (small.last(), large.last()) {
            small.pop();
            keep[s] = scaled[s];
            alias[s] = l as u32;
            scaled[l] = (scaled[l] + scaled[s]) - 1.0;
            if scaled[l] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        // Whatever is left in either list holds (up to rounding) exactly one column's worth of
        // probability: it keeps itself with certainty.
        Some(Alias {
            values,
            keep,
            alias,
        })
    }

    /// One draw: a uniform column, then a biased coin between the column and its alias.
    #[inline]
    pub(crate) fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Allele {
        let n = self.values.len();
        if n == 1 {
            return self.values[0];
        }
        let i = rng.random_range(0..n);
        let k = self.keep[i];
        if k >= 1.0 || rng.random::<f64>() < k {
            self.values[i]
        } else {
            self.values[self.alias[i] as usize]
        }
    }

    /// The probability of each allele as the table represents it (for tests).
    #[cfg(test)]
    pub(crate) fn probabilities(&self) -> Vec<(Allele, f64)> {
        let n = self.values.len() as f64;
        let mut p = vec![0.0; self.values.len()];
        for i in 0..self.values.len() {
            let k = self.keep[i].min(1.0);
            p[i] += k / n;
            p[self.alias[i] as usize] += (1.0 - k) / n;
        }
        self.values.iter().copied().zip(p).collect()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn a(t: u16) -> Allele {
        Allele::from_tenths(t).unwrap()
    }

    #[test]
    fn represents_the_normalised_weights_exactly() {
        let weights = [0.3, 0.0001, 0.25, 0.0, 0.4, 0.0499, 0.02];
        let entries: Vec<(Allele, f64)> = weights
            .iter()
            .enumerate()
            .map(|(i, w)| (a(80 + 10 * i as u16), *w))
            .collect();
        let total: f64 = weights.iter().sum();
        let alias = Alias::new(entries.clone()).unwrap();
        let probs = alias.probabilities();
        // The zero weight is dropped.
        assert_eq!(probs.len(), 6);
        for (allele, p) in probs {
            let w = entries.iter().find(|(x, _)| *x == allele).unwrap().1;
            assert!(
                (p - w / total).abs() < 1e-12,
                "{allele}: {p} vs {}",
                w / total
            );
        }
    }

    #[test]
    fn single_and_empty() {
        let one = Alias::new([(a(100), 3.0)]).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        assert!((0..10).all(|_| one.sample(&mut rng) == a(100)));
        assert!(Alias::new([(a(100), 0.0)]).is_none());
        assert!(Alias::new(std::iter::empty()).is_none());
        assert!(Alias::new([(a(100), f64::NAN)]).is_none());
    }

    #[test]
    fn draws_follow_the_distribution() {
        let alias = Alias::new([(a(90), 0.7), (a(100), 0.2), (a(110), 0.1)]).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let n = 200_000;
        let hits = (0..n).filter(|_| alias.sample(&mut rng) == a(110)).count() as f64;
        let sd = (n as f64 * 0.1 * 0.9).sqrt();
        assert!((hits - n as f64 * 0.1).abs() < 5.0 * sd, "{hits}");
    }
}
