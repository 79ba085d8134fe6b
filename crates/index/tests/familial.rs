//! Familial search on simulated data: the true parent (or sibling) must rank first.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use lazo_genetics::Profile;
use lazo_index::{ProfileIndex, search_familial};
use lazo_kinship::{MutationModel, ParentSex, Relationship, fast, pairwise};

/// 10 000 unrelated people, then `queries` true parents (the query children are not indexed).
fn index_with_parents(
    table: &lazo_genetics::FrequencyTable,
    model: &MutationModel,
    unrelated: usize,
    queries: usize,
    relationship: Relationship,
) -> (ProfileIndex, Vec<Profile>) {
    let mut sim = sim(table, model, 21);
    let mut index = ProfileIndex::with_capacity(unrelated + queries);
    for i in 0..unrelated {
        index
            .insert(&format!("U{i:05}"), &sim.founder("u"))
            .unwrap();
    }
    let mut children = Vec::new();
    for i in 0..queries {
        let (relative, child) = sim.relative_pair(relationship, ParentSex::Female, "r", "c");
        // Real queries are often partial: drop a few loci of the child.
        let (child, _) = sim.dropout(&child, 0.1).unwrap();
        index.insert(&format!("REL{i:03}"), &relative).unwrap();
        children.push(child);
    }
    (index, children)
}

#[test]
fn true_parent_ranks_first() {
    let table = table();
    let model = model();
    let queries = 60;
    let (index, children) =
        index_with_parents(&table, &model, 10_000, queries, Relationship::ParentChild);
    assert!(index.len() >= 10_000);
    let mut first = 0;
    for (i, child) in children.iter().enumerate() {
        let r = search_familial(&index, child, &table, 0.01, Some(&model), 3).unwrap();
        assert_eq!(r.by_parent_child.len(), 3);
        assert!(
            r.by_parent_child[0].parent_child_log10_lr
                >= r.by_parent_child[1].parent_child_log10_lr
        );
        if r.by_parent_child[0].id == format!("REL{i:03}") {
            first += 1;
        }
    }
    // ≥ 95 % of parent–child queries put the true parent first.
    assert!(first * 100 >= queries * 95, "{first} of {queries}");
}

#[test]
fn true_sibling_ranks_high_by_sibling_lr() {
    let table = table();
    let model = model();
    let queries = 30;
    let (index, children) =
        index_with_parents(&table, &model, 3_000, queries, Relationship::FullSiblings);
    let mut first = 0;
    for (i, child) in children.iter().enumerate() {
        let r = search_familial(&index, child, &table, 0.01, None, 5).unwrap();
        if r.by_full_sibling[0].id == format!("REL{i:03}") {
            first += 1;
        }
    }
    // Siblings are weaker evidence than parents; still nearly always first at 24 loci.
    assert!(first * 100 >= queries * 85, "{first} of {queries}");
}

#[test]
fn scores_are_the_closed_forms() {
    let table = table();
    let model = model();
    let (index, children) = index_with_parents(&table, &model, 300, 5, Relationship::ParentChild);
    for theta in [0.0, 0.02] {
        for mutation in [None, Some(&model)] {
            let child = &children[0];
            let r = search_familial(&index, child, &table, theta, mutation, 400).unwrap();
            assert_eq!(r.by_full_sibling.len(), index.len());
            for hit in &r.by_full_sibling {
                let cand = index.get(&hit.id).unwrap().to_profile();
                let mut pc = 0.0;
                let mut fs = 0.0;
                let mut shared = 0;
                for (l, gc) in cand.typed_loci() {
                    let Some(gq) = child.genotype(l) else {
                        continue;
                    };
                    let dense = table.dense(l).unwrap();
                    shared += 1;
                    pc += fast::duo(dense, l, gc, gq, true, theta, mutation).log10();
                    fs += pairwise::locus_lr(
                        gq,
                        gc,
                        |x| table.frequency(l, x),
                        Relationship::FullSiblings.ibd(),
                        theta,
                    )
                    .log10();
                }
                assert_eq!(hit.shared_loci, shared);
                assert!((hit.full_sibling_log10_lr - fs).abs() < 1e-9);
                match hit.parent_child_log10_lr {
                    Some(x) => assert!((x - pc).abs() < 1e-9, "{x} vs {pc}"),
                    None => assert_eq!(pc, f64::NEG_INFINITY),
                }
            }
            // Without a mutation model excluded candidates are left out of the parent list.
            for hit in &r.by_parent_child {
                assert!(hit.parent_child_log10_lr.is_some());
                if mutation.is_none() {
                    assert_eq!(hit.inconsistent_loci, 0);
                }
            }
        }
    }
}

#[test]
fn stepwise_mutation_goes_through_the_engine() {
    let table = table();
    let model = MutationModel::parse("stepwise:0.002").unwrap();
    let equal = common::model();
    let (index, children) = index_with_parents(&table, &equal, 200, 3, Relationship::ParentChild);
    let r = search_familial(&index, &children[1], &table, 0.0, Some(&model), 1).unwrap();
    assert_eq!(r.by_parent_child[0].id, "REL001");
    let pair = lazo_kinship::pair_lr(
        &index.get("REL001").unwrap().to_profile(),
        &children[1],
        Relationship::ParentChild,
        None,
        &lazo_kinship::Model {
            table: &table,
            theta: 0.0,
            mutation: Some(&model),
        },
        None,
    )
    .unwrap();
    let expected = pair.log10_lr().unwrap();
    let got = r.by_parent_child[0].parent_child_log10_lr.unwrap();
    assert!((got - expected).abs() < 1e-9, "{got} vs {expected}");
}

#[test]
fn top_k_zero_and_invalid_models() {
    let table = table();
    let model = model();
    let (index, children) = index_with_parents(&table, &model, 50, 1, Relationship::ParentChild);
    let r = search_familial(&index, &children[0], &table, 0.0, None, 0).unwrap();
    assert!(r.by_parent_child.is_empty() && r.by_full_sibling.is_empty());
    assert!(search_familial(&index, &children[0], &table, 0.7, None, 3).is_err());
}
