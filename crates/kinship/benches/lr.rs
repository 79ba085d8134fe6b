//! LR throughput: locus-level evaluations per second for the pairwise formula, duos with
//! mutation, trios, and whole-unit analysis. Profiles are drawn from the NIST Hispanic table
//! with a fixed seed so runs are comparable.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use lazo_genetics::{Allele, FrequencyTable, Genotype, Locus, MinFrequency, Profile};
use lazo_kinship::pedigree::{LocusModel, locus_likelihood, pair_pedigree};
use lazo_kinship::{
    FamilyUnit, Model, MutationModel, Policy, Relationship, analyse_unit, pairwise,
};

fn table() -> FrequencyTable {
    let text = std::fs::read_to_string(format!(
        "{}/../../data/frequencies/nist1036_hispanic.csv",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("table");
    lazo_formats::read_frequencies(
        &text,
        "nist1036_hispanic.csv",
        "nist1036-hispanic",
        MinFrequency::default(),
    )
    .expect("parse")
    .0
}

/// A tiny deterministic generator (xorshift) so the bench needs no RNG crate.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
    fn allele(&mut self, table: &FrequencyTable, locus: Locus) -> Allele {
        let alleles = table.locus(locus).expect("locus").alleles();
        let mut u = self.next() * alleles.iter().map(|(_, p)| p).sum::<f64>();
        for (a, p) in alleles {
            if u < *p {
                return *a;
            }
            u -= p;
        }
        alleles[alleles.len() - 1].0
    }
    fn pick(&mut self, g: Genotype) -> Allele {
        g.alleles()[usize::from(self.next() < 0.5)]
    }
}

fn founder(rng: &mut Rng, table: &FrequencyTable, id: &str) -> Profile {
    let mut p = Profile::new(id);
    for l in Locus::codis_core() {
        p.set_genotype(l, Genotype::new(rng.allele(table, l), rng.allele(table, l)));
    }
    p
}

fn child(rng: &mut Rng, f: &Profile, m: &Profile, id: &str) -> Profile {
    let mut p = Profile::new(id);
    for l in Locus::codis_core() {
        let (Some(gf), Some(gm)) = (f.genotype(l), m.genotype(l)) else {
            continue;
        };
        p.set_genotype(l, Genotype::new(rng.pick(gf), rng.pick(gm)));
    }
    p
}

fn bench(c: &mut Criterion) {
    let table = table();
    let mut rng = Rng(0x9e3779b97f4a7c15);
    let loci: Vec<Locus> = Locus::codis_core().collect();
    let pairs: Vec<(Profile, Profile, Profile)> = (0..64)
        .map(|i| {
            let f = founder(&mut rng, &table, &format!("F{i}"));
            let m = founder(&mut rng, &table, &format!("M{i}"));
            let c = child(&mut rng, &f, &m, &format!("C{i}"));
            (f, m, c)
        })
        .collect();
    let evaluations = (pairs.len() * loci.len()) as u64;
    let mutation = MutationModel::parse("equal:0.002").expect("model");

    let mut group = c.benchmark_group("locus_lr");
    group.throughput(Throughput::Elements(evaluations));
    group.bench_function(
        BenchmarkId::new("pairwise_parent_child", "theta0.01"),
        |b| {
            b.iter(|| {
                let mut acc = 0.0;
                for (f, _, c) in &pairs {
                    for &l in &loci {
                        let (Some(a), Some(b)) = (f.genotype(l), c.genotype(l)) else {
                            continue;
                        };
                        acc += pairwise::locus_lr(
                            a,
                            b,
                            |x| table.frequency(l, x),
                            Relationship::ParentChild.ibd(),
                            0.01,
                        );
                    }
                }
                acc
            })
        },
    );
    let (duo, pa, ch) = pair_pedigree(Relationship::ParentChild).expect("duo");
    group.bench_function(
        BenchmarkId::new("duo_engine_mutation_generic", "theta0.01"),
        |b| {
            b.iter(|| {
                let mut acc = 0.0;
                for (f, _, c) in &pairs {
                    for &l in &loci {
                        let mut g = vec![None; duo.len()];
                        g[pa] = f.genotype(l);
                        g[ch] = c.genotype(l);
                        acc += locus_likelihood(
                            &duo,
                            &g,
                            &LocusModel {
                                locus: l,
                                table: &table,
                                theta: 0.01,
                                mutation: Some(&mutation),
                            },
                        );
                    }
                }
                acc
            })
        },
    );
    group.bench_function(
        BenchmarkId::new("duo_closed_form_mutation", "theta0.01"),
        |b| {
            b.iter(|| {
                let mut acc = 0.0;
                for (f, _, c) in &pairs {
                    for &l in &loci {
                        let (Some(a), Some(b), Some(dense)) =
                            (f.genotype(l), c.genotype(l), table.dense(l))
                        else {
                            continue;
                        };
                        acc += lazo_kinship::fast::duo(dense, l, a, b, true, 0.01, Some(&mutation));
                    }
                }
                acc
            })
        },
    );
    group.bench_function(BenchmarkId::new("trio_closed_form", "theta0.01"), |b| {
        b.iter(|| {
            let mut acc = 0.0;
            for (f, m, c) in &pairs {
                for &l in &loci {
                    let (Some(a), Some(mo), Some(ch), Some(dense)) =
                        (f.genotype(l), m.genotype(l), c.genotype(l), table.dense(l))
                    else {
                        continue;
                    };
                    acc += lazo_kinship::fast::trio(dense, l, a, mo, ch, 0.01, None);
                }
            }
            acc
        })
    });
    group.bench_function(BenchmarkId::new("trio_pair_lr_api", "theta0.01"), |b| {
        b.iter(|| {
            let mut acc = 0.0;
            let model = Model {
                table: &table,
                theta: 0.01,
                mutation: None,
            };
            for (f, m, c) in &pairs {
                acc +=
                    lazo_kinship::pair_lr(f, c, Relationship::ParentChild, Some(m), &model, None)
                        .map(|r| r.lr())
                        .unwrap_or(0.0);
            }
            acc
        })
    });
    group.finish();

    let mut group = c.benchmark_group("unit");
    let units: Vec<(Profile, Profile, Vec<Profile>)> = (0..8)
        .map(|i| {
            let f = founder(&mut rng, &table, &format!("UF{i}"));
            let m = founder(&mut rng, &table, &format!("UM{i}"));
            let kids = (0..3)
                .map(|k| child(&mut rng, &f, &m, &format!("UC{i}-{k}")))
                .collect();
            (f, m, kids)
        })
        .collect();
    group.throughput(Throughput::Elements(units.len() as u64));
    let policy = Policy::default();
    let model = Model {
        table: &table,
        theta: 0.01,
        mutation: Some(&mutation),
    };
    for (label, two_parents) in [
        ("mother_and_3_children", false),
        ("both_parents_and_3_children", true),
    ] {
        group.bench_function(label, |b| {
            b.iter(|| {
                for (f, m, kids) in &units {
                    let unit = FamilyUnit {
                        id: "U".into(),
                        mother: Some(m),
                        father: two_parents.then_some(f),
                        children: kids.iter().collect(),
                    };
                    let _ = analyse_unit(&unit, &model, &policy);
                }
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
