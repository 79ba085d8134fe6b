//! The Balding–Nichols sampling formula: alleles drawn one after another from a subpopulation
//! with co-ancestry θ (F_ST). It is the basis of the NRC II 4.10 formulas and of the θ
//! correction in pedigree software (forrel, Familias): every formula in this crate that uses θ
//! goes through this one urn.

/// Probability that the next allele drawn is of a type already drawn `seen` times, when `drawn`
/// alleles have been drawn so far and the type has population frequency `p`:
/// (seen·θ + (1−θ)·p) / (1 + (drawn−1)·θ). With θ = 0 it is just `p`.
#[inline]
pub fn next_allele(p: f64, seen: u32, drawn: u32, theta: f64) -> f64 {
    if theta == 0.0 {
        return p;
    }
    (f64::from(seen) * theta + (1.0 - theta) * p) / (1.0 + (f64::from(drawn) - 1.0) * theta)
}

/// An urn over a small alphabet: counts of each allele drawn so far.
#[derive(Clone, Debug)]
pub(crate) struct Urn {
    counts: Vec<u32>,
    drawn: u32,
    theta: f64,
}

impl Urn {
    pub(crate) fn new(alphabet: usize, theta: f64) -> Urn {
        Urn {
            counts: vec![0; alphabet],
            drawn: 0,
            theta,
        }
    }

    /// Probability of drawing `allele` next (does not draw it).
    #[inline]
    pub(crate) fn prob(&self, allele: usize, p: f64) -> f64 {
        next_allele(p, self.counts[allele], self.drawn, self.theta)
    }

    #[inline]
    pub(crate) fn draw(&mut self, allele: usize) {
        self.counts[allele] += 1;
        self.drawn += 1;
    }

    #[inline]
    pub(crate) fn undraw(&mut self, allele: usize) {
        self.counts[allele] -= 1;
        self.drawn -= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_draw_is_the_population_frequency() {
        assert!((next_allele(0.2, 0, 0, 0.03) - 0.2).abs() < 1e-15);
    }

    #[test]
    fn homozygote_frequency_matches_nrc_ii_4_10a() {
        // NRC II 4.10a: P(AA) = p[θ + (1−θ)p].
        let (p, t) = (0.1, 0.03);
        let seq = next_allele(p, 0, 0, t) * next_allele(p, 1, 1, t);
        assert!((seq - p * (t + (1.0 - t) * p)).abs() < 1e-15);
    }

    #[test]
    fn urn_probabilities_sum_to_one() {
        let freqs = [0.1, 0.2, 0.3, 0.4];
        let mut urn = Urn::new(4, 0.05);
        urn.draw(1);
        urn.draw(1);
        urn.draw(3);
        let total: f64 = freqs.iter().enumerate().map(|(i, p)| urn.prob(i, *p)).sum();
        assert!((total - 1.0).abs() < 1e-12);
    }
}
