//! Closed forms for the two computations done millions of times: the parent–child duo (other
//! parent untyped) and the trio (mother typed). They give exactly what the pedigree engine gives
//! for the same model — same alphabet, same lumped state, same transition probabilities — and a
//! property test holds them to it; they only skip the enumeration. Lumpable models (none, equal,
//! proportional) only: stepwise goes through the engine.

use lazo_genetics::{DenseLocus, Genotype};

use crate::mutation::{MutationKind, MutationModel};
use crate::theta::next_allele;

/// Most states a trio can need: six distinct observed alleles plus the lump.
const MAX_STATES: usize = 7;
const LUMP: u16 = u16::MAX;

/// The alphabet of one computation: observed alleles (then possibly the lump), their
/// frequencies, and the mutation-model constants.
struct Alphabet {
    alleles: [u16; MAX_STATES],
    freqs: [f64; MAX_STATES],
    len: usize,
    /// Number of alleles of the locus (listed plus observed unlisted): the equal model's n.
    total_alleles: usize,
    heterozygosity: f64,
}

impl Alphabet {
    fn new(dense: &DenseLocus, genotypes: &[Genotype]) -> Alphabet {
        let mut alleles = [0u16; MAX_STATES];
        let mut freqs = [0.0; MAX_STATES];
        let mut len = 0;
        let mut unlisted = 0;
        let mut heterozygosity = dense.listed_heterozygosity;
        for g in genotypes {
            for a in g.alleles() {
                let t = a.tenths();
                if alleles[..len].contains(&t) {
                    continue;
                }
                let p = dense.frequency(t);
                alleles[len] = t;
                freqs[len] = p;
                len += 1;
                if !dense.lists(t) {
                    unlisted += 1;
                    heterozygosity += p * (1.0 - p);
                }
            }
        }
        // Sorted like the engine's BTreeSet, so sums are taken in the same order (insertion
        // sort: at most six elements, and no allocation in this hot path).
        for i in 1..len {
            let mut j = i;
            while j > 0 && alleles[j - 1] > alleles[j] {
                alleles.swap(j - 1, j);
                freqs.swap(j - 1, j);
                j -= 1;
            }
        }
        let total_alleles = dense.listed_count + unlisted;
        let observed_mass: f64 = freqs[..len].iter().sum();
        let rest = (1.0 - observed_mass).max(0.0);
        if total_alleles > len && rest > 0.0 {
            alleles[len] = LUMP;
            freqs[len] = rest;
            len += 1;
        }
        Alphabet {
            alleles,
            freqs,
            len,
            total_alleles,
            heterozygosity,
        }
    }

    fn index(&self, tenths: u16) -> usize {
        self.alleles[..self.len]
            .iter()
            .position(|a| *a == tenths)
            .unwrap_or(0)
    }

    /// P(state `from` → state `to`) under the model with this rate (engine's matrix entry).
    #[inline]
    fn mutate(&self, kind: Option<MutationKind>, rate: f64, from: usize, to: usize) -> f64 {
        let identity = if from == to { 1.0 } else { 0.0 };
        let Some(kind) = kind else { return identity };
        if rate == 0.0 || self.total_alleles < 2 {
            return identity;
        }
        match kind {
            MutationKind::Equal => {
                let each = rate / (self.total_alleles as f64 - 1.0);
                let members = if self.alleles[to] == LUMP {
                    (self.total_alleles - (self.len - 1)) as f64
                } else {
                    1.0
                };
                if from != to {
                    each * members
                } else if self.alleles[to] == LUMP {
                    1.0 - rate + each * (members - 1.0)
                } else {
                    1.0 - rate
                }
            }
            MutationKind::Proportional => {
                let k = if self.heterozygosity > 0.0 {
                    1.0 / self.heterozygosity
                } else {
                    0.0
                };
                if from != to {
                    (k * rate * self.freqs[to]).min(1.0)
                } else {
                    let off: f64 = (0..self.len)
                        .filter(|&j| j != from)
                        .map(|j| (k * rate * self.freqs[j]).min(1.0))
                        .sum();
                    (1.0 - off).max(0.0)
                }
            }
            MutationKind::Stepwise { .. } => {
                unreachable!("stepwise is not lumpable; callers use the engine")
            }
        }
    }

    /// Transmission from a typed parent: ½ Σ over its two alleles.
    fn typed_transmission(
        &self,
        kind: Option<MutationKind>,
        rate: f64,
        parent: Genotype,
        to: usize,
    ) -> f64 {
        let [p1, p2] = parent.alleles().map(|a| self.index(a.tenths()));
        0.5 * (self.mutate(kind, rate, p1, to) + self.mutate(kind, rate, p2, to))
    }

    /// The allele an untyped founder drawn after the typed founders `seen` transmits, before
    /// mutation: distributed as the next urn draw.
    fn next_draw(&self, seen: &[Genotype], theta: f64) -> [f64; MAX_STATES] {
        let drawn = 2 * seen.len() as u32;
        let mut out = [0.0; MAX_STATES];
        for (y, slot) in out.iter_mut().enumerate().take(self.len) {
            let count = seen
                .iter()
                .flat_map(|g| g.alleles())
                .filter(|a| a.tenths() == self.alleles[y])
                .count() as u32;
            *slot = next_allele(self.freqs[y], count, drawn, theta);
        }
        out
    }

    /// Transmission from that untyped founder, mutation included.
    fn untyped_transmission(
        &self,
        kind: Option<MutationKind>,
        rate: f64,
        draw: &[f64; MAX_STATES],
        to: usize,
    ) -> f64 {
        if kind.is_none() || rate == 0.0 {
            return draw[to];
        }
        (0..self.len)
            .map(|y| draw[y] * self.mutate(kind, rate, y, to))
            .sum()
    }

    fn child(
        &self,
        child: Genotype,
        paternal: impl Fn(usize) -> f64,
        maternal: impl Fn(usize) -> f64,
    ) -> f64 {
        let [c1, c2] = child.alleles().map(|a| self.index(a.tenths()));
        let one = paternal(c1) * maternal(c2);
        if c1 == c2 {
            one
        } else {
            one + paternal(c2) * maternal(c1)
        }
    }
}

/// Whether the closed forms cover this model.
pub fn covers(mutation: Option<&MutationModel>) -> bool {
    mutation.is_none_or(|m| m.kind.is_lumpable())
}

/// The rates to use: (transmitting parent's, other parent's).
fn rates(
    mutation: Option<&MutationModel>,
    locus: lazo_genetics::Locus,
    parent_is_father: bool,
) -> (Option<MutationKind>, f64, f64) {
    match mutation {
        None => (None, 0.0, 0.0),
        Some(m) => {
            let r = m.rates(locus);
            let (mine, other) = if parent_is_father {
                (r.paternal, r.maternal)
            } else {
                (r.maternal, r.paternal)
            };
            (Some(m.kind), mine, other)
        }
    }
}

/// Parent–child duo LR at one locus; the other parent is untyped.
pub fn duo(
    dense: &DenseLocus,
    locus: lazo_genetics::Locus,
    parent: Genotype,
    child: Genotype,
    parent_is_father: bool,
    theta: f64,
    mutation: Option<&MutationModel>,
) -> f64 {
    let alphabet = Alphabet::new(dense, &[parent, child]);
    let (kind, rate, other_rate) = rates(mutation, locus, parent_is_father);
    let from_parent = |x| alphabet.typed_transmission(kind, rate, parent, x);
    let draw = alphabet.next_draw(&[parent], theta);
    let from_other = |x| alphabet.untyped_transmission(kind, other_rate, &draw, x);
    let h1 = alphabet.child(child, from_parent, from_other);
    h1 / unrelated_child(&alphabet, &[parent], child, theta)
}

/// Trio LR at one locus: alleged father and undisputed mother typed.
pub fn trio(
    dense: &DenseLocus,
    locus: lazo_genetics::Locus,
    father: Genotype,
    mother: Genotype,
    child: Genotype,
    theta: f64,
    mutation: Option<&MutationModel>,
) -> f64 {
    let alphabet = Alphabet::new(dense, &[father, mother, child]);
    let (kind, paternal, maternal) = rates(mutation, locus, true);
    let from_mother = |x| alphabet.typed_transmission(kind, maternal, mother, x);
    let h1 = alphabet.child(
        child,
        |x| alphabet.typed_transmission(kind, paternal, father, x),
        from_mother,
    );
    let draw = alphabet.next_draw(&[father, mother], theta);
    let h0 = alphabet.child(
        child,
        |x| alphabet.untyped_transmission(kind, paternal, &draw, x),
        from_mother,
    );
    h1 / h0
}

/// P(child's genotype) when the child is a founder drawn after `seen`.
fn unrelated_child(alphabet: &Alphabet, seen: &[Genotype], child: Genotype, theta: f64) -> f64 {
    let [c1, c2] = child.alleles();
    let mut drawn = 2 * seen.len() as u32;
    let count = |t: u16, extra: u32| {
        seen.iter()
            .flat_map(|g| g.alleles())
            .filter(|a| a.tenths() == t)
            .count() as u32
            + extra
    };
    let f = |t: u16| alphabet.freqs[alphabet.index(t)];
    let first = next_allele(f(c1.tenths()), count(c1.tenths(), 0), drawn, theta);
    drawn += 1;
    let second = next_allele(
        f(c2.tenths()),
        count(c2.tenths(), u32::from(c1 == c2)),
        drawn,
        theta,
    );
    first * second * if c1 == c2 { 1.0 } else { 2.0 }
}
