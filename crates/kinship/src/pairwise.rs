//! Pairwise likelihood ratios from IBD coefficients, with θ.
//!
//! P(gA, gB | R) = k0·P0 + k1·P1 + k2·P2, where Pi is the joint probability of the two genotypes
//! when they share i alleles identical by descent; the LR against "unrelated" divides by P0.
//! Each Pi comes from the sampling formula over the distinct founder alleles involved, so θ = 0
//! gives back the textbook formulas (e.g. parent–child ab/ac: 1/(4p_a)).

use lazo_genetics::Genotype;

use crate::relationship::Ibd;
use crate::theta::next_allele;

/// Probability of drawing `alleles` in sequence (ordered), each with frequency from `freq`.
fn sequence(alleles: &[(u16, f64)], theta: f64) -> f64 {
    let mut prob = 1.0;
    for (i, &(a, p)) in alleles.iter().enumerate() {
        let seen = alleles[..i].iter().filter(|(b, _)| *b == a).count() as u32;
        prob *= next_allele(p, seen, i as u32, theta);
    }
    prob
}

/// The likelihood ratio of relationship `ibd` against unrelated at one locus.
/// `pa`, `pb` give the frequencies of the alleles of `a` and `b` in the order of
/// `Genotype::alleles()`.
pub fn locus_lr(
    a: Genotype,
    b: Genotype,
    freq: impl Fn(lazo_genetics::Allele) -> f64,
    ibd: Ibd,
    theta: f64,
) -> f64 {
    let [a1, a2] = a.alleles();
    let [b1, b2] = b.alleles();
    let key = |x: lazo_genetics::Allele| (x.tenths(), freq(x));
    let (ka1, ka2, kb1, kb2) = (key(a1), key(a2), key(b1), key(b2));
    let het_b = if b1 == b2 { 1.0 } else { 2.0 };

    // P0 / P(gA): B's two alleles are new draws after A's two.
    let p0 = het_b * sequence(&[ka1, ka2, kb1, kb2], theta) / sequence(&[ka1, ka2], theta);
    if p0 == 0.0 {
        return f64::NAN;
    }
    let mut numerator = ibd.k0 * p0;

    if ibd.k1 > 0.0 {
        // One of B's alleles is a copy of one of A's (each with probability 1/2); the other is
        // a third draw after A's two.
        let third = |x: (u16, f64)| {
            let seen = [ka1, ka2].iter().filter(|k| k.0 == x.0).count() as u32;
            next_allele(x.1, seen, 2, theta)
        };
        let mut p1 = 0.0;
        for shared in [a1, a2] {
            if b1 == b2 {
                if shared == b1 {
                    p1 += 0.5 * third(kb2);
                }
            } else {
                if shared == b1 {
                    p1 += 0.5 * third(kb2);
                }
                if shared == b2 {
                    p1 += 0.5 * third(kb1);
                }
            }
        }
        numerator += ibd.k1 * p1;
    }
    if ibd.k2 > 0.0 && a == b {
        numerator += ibd.k2;
    }
    numerator / p0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Relationship;
    use lazo_genetics::Allele;

    fn g(a: &str, b: &str) -> Genotype {
        Genotype::new(Allele::parse(a).unwrap(), Allele::parse(b).unwrap())
    }

    fn freq(x: Allele) -> f64 {
        match x.tenths() {
            140 => 0.1,
            150 => 0.25,
            160 => 0.25,
            _ => 0.2,
        }
    }

    #[test]
    fn parent_child_textbook_values() {
        // ab / ac: 1/(4 p_a)
        let lr = locus_lr(
            g("14", "15"),
            g("14", "16"),
            freq,
            Relationship::ParentChild.ibd(),
            0.0,
        );
        assert!((lr - 2.5).abs() < 1e-12);
        // aa / aa: 1/p_a
        let lr = locus_lr(
            g("14", "14"),
            g("14", "14"),
            freq,
            Relationship::ParentChild.ibd(),
            0.0,
        );
        assert!((lr - 10.0).abs() < 1e-12);
        // no shared allele: 0
        let lr = locus_lr(
            g("14", "15"),
            g("16", "17"),
            freq,
            Relationship::ParentChild.ibd(),
            0.0,
        );
        assert_eq!(lr, 0.0);
    }

    #[test]
    fn sibship_ratios_from_the_reference_readme() {
        // pq,pq: full (1+p+q+2pq)/(8pq), half (p+q+4pq)/(8pq)
        let (p, q) = (0.1, 0.25);
        let fs = locus_lr(
            g("14", "15"),
            g("14", "15"),
            freq,
            Relationship::FullSiblings.ibd(),
            0.0,
        );
        assert!((fs - (1.0 + p + q + 2.0 * p * q) / (8.0 * p * q)).abs() < 1e-12);
        let hs = locus_lr(
            g("14", "15"),
            g("14", "15"),
            freq,
            Relationship::HalfSiblings.ibd(),
            0.0,
        );
        assert!((hs - (p + q + 4.0 * p * q) / (8.0 * p * q)).abs() < 1e-12);
        // pp,pq: full (1+p)/(4p)
        let fs = locus_lr(
            g("14", "14"),
            g("14", "15"),
            freq,
            Relationship::FullSiblings.ibd(),
            0.0,
        );
        assert!((fs - (1.0 + p) / (4.0 * p)).abs() < 1e-12);
        // no allele shared: 1/4 and 1/2
        let fs = locus_lr(
            g("14", "15"),
            g("16", "17"),
            freq,
            Relationship::FullSiblings.ibd(),
            0.0,
        );
        assert!((fs - 0.25).abs() < 1e-12);
    }

    #[test]
    fn duo_with_theta_matches_nrc_ii() {
        // ab / ac with θ: (1+2θ) / (4[θ + (1−θ)p_a]), the reference's 2.339449541 at θ = 0.01.
        let lr = locus_lr(
            g("14", "15"),
            g("14", "16"),
            freq,
            Relationship::ParentChild.ibd(),
            0.01,
        );
        assert!((lr - 2.339449541).abs() < 1e-9);
    }
}
