//! Exact pedigree likelihoods at one locus, with θ and mutation.
//!
//! The method is pedprobr's for θ > 0 (and Familias's): enumerate the genotypes of the
//! founders, weigh each combination by the joint probability of all founder alleles under the
//! Balding–Nichols sampling formula, then walk the non-founders in birth order, multiplying the
//! transmission probabilities of typed people and summing over the genotypes of untyped ones.
//! Untyped people with no typed descendant are dropped first (they integrate to 1).
//!
//! The alphabet is the alleles seen in the typed members plus one lumped state for everything
//! else, when the mutation model allows lumping; otherwise (stepwise) every allele of the table.
//! Lumping is exact, not an approximation: the Dirichlet (θ) urn is closed under merging
//! categories, and the lumpable models mutate into an observed allele at the same rate from any
//! unobserved one. It is what keeps a unit of six people at 20 loci in the microseconds.

use std::collections::BTreeSet;

use lazo_genetics::{Allele, FrequencyTable, Genotype, Locus};

use crate::KinshipError;
use crate::mutation::{MutationModel, State, transition_matrix};
use crate::theta::Urn;

/// A pedigree: people with optional parents. Parents always come before their children, so the
/// member order is a valid birth order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Pedigree {
    members: Vec<Member>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Member {
    pub label: String,
    pub parents: Option<Parents>,
}

/// The two parents of a member; `father` transmits with the paternal mutation rate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Parents {
    pub father: usize,
    pub mother: usize,
}

impl Pedigree {
    pub fn new() -> Pedigree {
        Pedigree::default()
    }

    pub fn add_founder(&mut self, label: impl Into<String>) -> usize {
        self.members.push(Member {
            label: label.into(),
            parents: None,
        });
        self.members.len() - 1
    }

    /// Adds a child of two existing members.
    pub fn add_child(
        &mut self,
        label: impl Into<String>,
        father: usize,
        mother: usize,
    ) -> Result<usize, KinshipError> {
        let n = self.members.len();
        if father >= n || mother >= n || father == mother {
            return Err(KinshipError::InvalidPedigree(format!(
                "child {n} needs two distinct existing parents"
            )));
        }
        self.members.push(Member {
            label: label.into(),
            parents: Some(Parents { father, mother }),
        });
        Ok(n)
    }

    pub fn len(&self) -> usize {
        self.members.len()
    }

    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    pub fn members(&self) -> &[Member] {
        &self.members
    }
}

/// The probability model for one locus: frequencies, θ and mutation.
#[derive(Clone, Copy, Debug)]
pub struct LocusModel<'a> {
    pub locus: Locus,
    pub table: &'a FrequencyTable,
    pub theta: f64,
    pub mutation: Option<&'a MutationModel>,
}

/// The per-locus alphabet with frequencies and transition matrices.
struct Alphabet {
    states: Vec<State>,
    freqs: Vec<f64>,
    paternal: Vec<f64>,
    maternal: Vec<f64>,
}

impl Alphabet {
    fn build(model: &LocusModel<'_>, observed: &BTreeSet<Allele>) -> Alphabet {
        let listed: Vec<Allele> = model
            .table
            .locus(model.locus)
            .map(|l| l.alleles().iter().map(|(a, _)| *a).collect())
            .unwrap_or_default();
        let unlisted_observed = observed.iter().filter(|a| !listed.contains(a)).count();
        let total_alleles = listed.len() + unlisted_observed;
        let lumpable = model.mutation.is_none_or(|m| m.kind.is_lumpable());

        let mut states: Vec<State> = Vec::new();
        let mut freqs: Vec<f64> = Vec::new();
        if lumpable {
            for a in observed {
                states.push(State::Allele(*a));
                freqs.push(model.table.frequency(model.locus, *a));
            }
            let members = total_alleles.saturating_sub(observed.len());
            let rest = (1.0 - freqs.iter().sum::<f64>()).max(0.0);
            if members > 0 && rest > 0.0 {
                states.push(State::Lumped { members });
                freqs.push(rest);
            }
        } else {
            let all: BTreeSet<Allele> = listed.iter().chain(observed.iter()).copied().collect();
            for a in all {
                states.push(State::Allele(a));
                freqs.push(model.table.frequency(model.locus, a));
            }
        }
        let (paternal, maternal) = match model.mutation {
            Some(m) => {
                let rates = m.rates(model.locus);
                let heterozygosity: f64 = listed
                    .iter()
                    .chain(observed.iter().filter(|a| !listed.contains(a)))
                    .map(|a| {
                        let p = model.table.frequency(model.locus, *a);
                        p * (1.0 - p)
                    })
                    .sum();
                (
                    transition_matrix(
                        m.kind,
                        rates.paternal,
                        &states,
                        &freqs,
                        total_alleles,
                        heterozygosity,
                    ),
                    transition_matrix(
                        m.kind,
                        rates.maternal,
                        &states,
                        &freqs,
                        total_alleles,
                        heterozygosity,
                    ),
                )
            }
            None => {
                let identity = transition_matrix(
                    crate::MutationKind::Equal,
                    0.0,
                    &states,
                    &freqs,
                    total_alleles,
                    0.0,
                );
                (identity.clone(), identity)
            }
        };
        Alphabet {
            states,
            freqs,
            paternal,
            maternal,
        }
    }

    fn index(&self, allele: Allele) -> usize {
        self.states
            .iter()
            .position(|s| *s == State::Allele(allele))
            .unwrap_or(usize::MAX)
    }
}

/// The likelihood of the typed genotypes (`None` = untyped) under the pedigree at one locus.
pub fn locus_likelihood(
    pedigree: &Pedigree,
    genotypes: &[Option<Genotype>],
    model: &LocusModel<'_>,
) -> f64 {
    assert_eq!(
        pedigree.len(),
        genotypes.len(),
        "one genotype slot per pedigree member"
    );
    let n = pedigree.len();

    // Who matters: typed people and the ancestors through whom they are related.
    let mut relevant = vec![false; n];
    for i in (0..n).rev() {
        if genotypes[i].is_some() || relevant[i] {
            relevant[i] = true;
            if let Some(p) = pedigree.members[i].parents {
                // A child is relevant only if it is typed or has relevant descendants; its
                // parents then are too.
                relevant[p.father] = true;
                relevant[p.mother] = true;
            }
        }
    }
    // A founder kept only because an untyped child needed it is still needed; but a relevant
    // untyped non-founder whose subtree has no typed member cannot occur by construction.

    let observed: BTreeSet<Allele> = genotypes
        .iter()
        .enumerate()
        .filter(|(i, _)| relevant[*i])
        .filter_map(|(_, g)| *g)
        .flat_map(|g| g.alleles())
        .collect();
    let alphabet = Alphabet::build(model, &observed);
    let typed: Vec<Option<(usize, usize)>> = genotypes
        .iter()
        .map(|g| {
            g.map(|g| {
                let [a, b] = g.alleles();
                (alphabet.index(a), alphabet.index(b))
            })
        })
        .collect();

    let founders: Vec<usize> = (0..n)
        .filter(|&i| relevant[i] && pedigree.members[i].parents.is_none())
        .collect();
    let nonfounders: Vec<usize> = (0..n)
        .filter(|&i| relevant[i] && pedigree.members[i].parents.is_some())
        .collect();
    let mut engine = Engine {
        pedigree,
        alphabet: &alphabet,
        typed: &typed,
        founders: &founders,
        nonfounders: &nonfounders,
        genotype: vec![(0, 0); n],
        urn: Urn::new(alphabet.states.len(), model.theta),
    };
    engine.founders_from(0)
}

struct Engine<'a> {
    pedigree: &'a Pedigree,
    alphabet: &'a Alphabet,
    typed: &'a [Option<(usize, usize)>],
    founders: &'a [usize],
    nonfounders: &'a [usize],
    genotype: Vec<(usize, usize)>,
    urn: Urn,
}

impl Engine<'_> {
    fn founders_from(&mut self, k: usize) -> f64 {
        let Some(&person) = self.founders.get(k) else {
            return self.nonfounders_from(0);
        };
        let size = self.alphabet.states.len();
        match self.typed[person] {
            Some((a, b)) => self.founder_genotype(k, person, a, b),
            None => {
                let mut total = 0.0;
                for a in 0..size {
                    for b in a..size {
                        total += self.founder_genotype(k, person, a, b);
                    }
                }
                total
            }
        }
    }

    /// Draws founder `person`'s alleles (a, b) from the urn and recurses.
    fn founder_genotype(&mut self, k: usize, person: usize, a: usize, b: usize) -> f64 {
        let freqs = &self.alphabet.freqs;
        let pa = self.urn.prob(a, freqs[a]);
        self.urn.draw(a);
        let pb = self.urn.prob(b, freqs[b]);
        self.urn.draw(b);
        let prior = pa * pb * if a == b { 1.0 } else { 2.0 };
        let result = if prior > 0.0 {
            self.genotype[person] = (a, b);
            prior * self.founders_from(k + 1)
        } else {
            0.0
        };
        self.urn.undraw(b);
        self.urn.undraw(a);
        result
    }

    fn nonfounders_from(&mut self, k: usize) -> f64 {
        let Some(&child) = self.nonfounders.get(k) else {
            return 1.0;
        };
        let Some(parents) = self.pedigree.members[child].parents else {
            unreachable!()
        };
        let size = self.alphabet.states.len();
        let transmit = |matrix: &[f64], (g1, g2): (usize, usize), x: usize| {
            0.5 * (matrix[g1 * size + x] + matrix[g2 * size + x])
        };
        let fg = self.genotype[parents.father];
        let mg = self.genotype[parents.mother];
        let pat = &self.alphabet.paternal;
        let mat = &self.alphabet.maternal;
        let prob = |u: usize, v: usize| {
            let one = transmit(pat, fg, u) * transmit(mat, mg, v);
            if u == v {
                one
            } else {
                one + transmit(pat, fg, v) * transmit(mat, mg, u)
            }
        };
        match self.typed[child] {
            Some((u, v)) => {
                let p = prob(u, v);
                if p == 0.0 {
                    0.0
                } else {
                    p * self.nonfounders_from(k + 1)
                }
            }
            None => {
                let mut total = 0.0;
                for u in 0..size {
                    for v in u..size {
                        let p = prob(u, v);
                        if p > 0.0 {
                            self.genotype[child] = (u, v);
                            total += p * self.nonfounders_from(k + 1);
                        }
                    }
                }
                total
            }
        }
    }
}

/// Builds the standard two-person pedigrees: returns the pedigree and the indices of `a` and
/// `b` in it. Untyped connecting relatives are added as needed; `a` is placed as a father
/// wherever a sex is needed (only the mutation rate depends on it).
pub fn pair_pedigree(
    relationship: crate::Relationship,
) -> Result<(Pedigree, usize, usize), KinshipError> {
    use crate::Relationship as R;
    let mut p = Pedigree::new();
    let (a, b) = match relationship {
        R::Unrelated => (p.add_founder("a"), p.add_founder("b")),
        R::ParentChild => {
            let a = p.add_founder("a");
            let m = p.add_founder("other parent");
            (a, p.add_child("b", a, m)?)
        }
        R::FullSiblings => {
            let f = p.add_founder("father");
            let m = p.add_founder("mother");
            (p.add_child("a", f, m)?, p.add_child("b", f, m)?)
        }
        R::HalfSiblings => {
            let shared = p.add_founder("shared parent");
            let m1 = p.add_founder("other parent of a");
            let m2 = p.add_founder("other parent of b");
            (p.add_child("a", shared, m1)?, p.add_child("b", shared, m2)?)
        }
        R::Grandparent => {
            let a = p.add_founder("a");
            let s = p.add_founder("a's partner");
            let x = p.add_child("parent of b", a, s)?;
            let y = p.add_founder("other parent of b");
            (a, p.add_child("b", x, y)?)
        }
        R::Avuncular => {
            let g1 = p.add_founder("grandfather");
            let g2 = p.add_founder("grandmother");
            let a = p.add_child("a", g1, g2)?;
            let x = p.add_child("parent of b", g1, g2)?;
            let y = p.add_founder("other parent of b");
            (a, p.add_child("b", x, y)?)
        }
        R::FirstCousins => {
            let g1 = p.add_founder("grandfather");
            let g2 = p.add_founder("grandmother");
            let x = p.add_child("parent of a", g1, g2)?;
            let z = p.add_child("parent of b", g1, g2)?;
            let u = p.add_founder("other parent of a");
            let v = p.add_founder("other parent of b");
            (p.add_child("a", x, u)?, p.add_child("b", z, v)?)
        }
        R::Identical => {
            return Err(KinshipError::InvalidPedigree(
                "identity is not a pedigree relationship".into(),
            ));
        }
    };
    Ok((p, a, b))
}
