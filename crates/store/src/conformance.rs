//! Behaviour every [`VerificationStore`] must have, as functions a backend's own tests call with
//! a fresh, empty store (feature `conformance`). One suite for all backends is how SQLite and
//! PostgreSQL keep the same meaning.
//!
//! ```text
//! #[tokio::test]
//! async fn round_trip() {
//!     let (_dir, store) = fresh_store().await;
//!     lazo_store::conformance::round_trip(&store).await;
//! }
//! ```
//!
//! The checks panic on failure, like assertions.

#![allow(clippy::unwrap_used)]

use crate::{
    AlertRecord, CustodyRecord, LocusCalls, MemberRole, ProfileRecord, RunDetail, RunFilter, RunId,
    RunKind, RunRecord, RunSummary, StoreError, UnitMember, UnitRecord, Verdict, VerificationStore,
};

/// A unit report shaped like `lazo_kinship::UnitReport`'s JSON, with text that a careless
/// store would change: non-ASCII, escapes, key order, number spellings, whitespace.
pub fn report_json(unit_id: &str, verdict: Verdict) -> String {
    format!(
        concat!(
            r#"{{"unit_id":"{unit}","verdict":"{verdict}","claims":[{{"parent":"{unit}-M","role":"mother","#,
            r#""child":"{unit}-C1","lr":1.2345678901234567e17,"log10_lr":17.091514977,"loci_used":20,"#,
            r#""inconsistent_loci":[],"posterior":0.9999999999999999,"alternatives":[],"loci":[],"#,
            r#""excluded_loci":[],"status":"consistent"}}],"joint":[],"#,
            r#""reasons":["José’s claim: LR ≥ 10^4 — \"verified\"\n(see \u00e9)"],"#,
            r#""recommendations":[], "z_last": -0.0, "a_first": 1E+2 }}"#
        ),
        unit = unit_id,
        verdict = verdict.as_str()
    )
}

/// A complete run: one unit of each verdict (the second with two adults), three profiles'
/// worth of samples, two alerts.
pub fn sample_run(id: u128, started_at: &str) -> RunRecord {
    let unit = |unit_id: &str, verdict: Verdict, members: &[(&str, MemberRole)]| UnitRecord {
        unit_id: unit_id.to_string(),
        verdict,
        members: members
            .iter()
            .map(|(s, r)| UnitMember {
                sample_id: s.to_string(),
                role: *r,
            })
            .collect(),
        report_json: report_json(unit_id, verdict),
        reasons: vec![format!("{unit_id}: {verdict}"), "second reason".into()],
        recommendations: if verdict == Verdict::Inconclusive {
            vec!["test another child of the claimed parent".into()]
        } else {
            Vec::new()
        },
    };
    let units = vec![
        unit(
            "U0001",
            Verdict::Verified,
            &[("S1", MemberRole::Mother), ("S2", MemberRole::Child)],
        ),
        unit(
            "U0002",
            Verdict::NotSupported,
            &[
                ("S3", MemberRole::Mother),
                ("S4", MemberRole::Father),
                ("S5", MemberRole::Child),
                ("S6", MemberRole::Child),
            ],
        ),
        unit(
            "U0003",
            Verdict::Inconclusive,
            &[("S7", MemberRole::Father), ("S8", MemberRole::Child)],
        ),
    ];
    let profiles = (1..=8)
        .map(|i| ProfileRecord {
            sample_id: format!("S{i}"),
            loci: vec![
                LocusCalls {
                    locus: "D3S1358".into(),
                    alleles: vec!["15".into(), "16".into()],
                },
                LocusCalls {
                    locus: "TH01".into(),
                    alleles: vec!["9.3".into()],
                },
                LocusCalls {
                    locus: "AMEL".into(),
                    alleles: vec!["X".into(), "Y".into()],
                },
                LocusCalls {
                    locus: "TPOX".into(),
                    alleles: vec!["8".into(), "OL".into()],
                },
            ],
        })
        .collect();
    let alerts = vec![
        AlertRecord {
            unit_id: "U0002".into(),
            kind: "recycled_child".into(),
            sample_id: Some("S6".into()),
            detail_json: r#"{"earlier_unit":"U0001","earlier_sample":"S2"}"#.into(),
        },
        AlertRecord {
            unit_id: "U0002".into(),
            kind: "note".into(),
            sample_id: None,
            detail_json: "[1, 2.50, \"três\"]".into(),
        },
    ];
    let summary = RunSummary::tally(&units, 2, 1234);
    RunRecord {
        id: RunId::from_u128(id),
        started_at: started_at.to_string(),
        kind: RunKind::Demo,
        lazo_version: "0.1.0".into(),
        population: "nist-1036-us-caucasian".into(),
        theta: 0.01,
        mutation: "equal:0.002".into(),
        policy_toml: "verify_log10_lr = 4.0\n# comment kept\n".into(),
        seed: Some(u64::MAX),
        units,
        profiles,
        alerts,
        summary,
        site: None,
        custody: Vec::new(),
    }
}

/// [`sample_run`] as an intake of `site` made in the service, with the chain of custody of
/// every sample (text a careless store would change included).
pub fn sample_intake(id: u128, started_at: &str, site: &str) -> RunRecord {
    let mut run = sample_run(id, started_at);
    run.kind = RunKind::Intake;
    run.seed = None;
    run.site = Some(site.to_string());
    run.custody = run
        .units
        .iter()
        .flat_map(|u| &u.members)
        .enumerate()
        .map(|(i, m)| CustodyRecord {
            sample_id: m.sample_id.clone(),
            collector: format!("Agente Núñez #{i}"),
            collected_on: "2026-11-02".into(),
            place: "Estación Siglo XXI, \"Tapachula\"".into(),
            consent: i % 2 == 0,
            kit: "Bode Buccal DNA Collector / RapidHIT ID".into(),
        })
        .collect();
    run
}

async fn assert_empty<S: VerificationStore>(store: &S, id: RunId) {
    assert_eq!(store.count_runs().await.unwrap(), 0, "a run is visible");
    assert!(store.list_runs(10, 0).await.unwrap().is_empty());
    assert!(store.get_run(id).await.unwrap().is_none());
    assert!(store.load_run(id).await.unwrap().is_none());
    assert!(store.run_units(id, None).await.unwrap().is_empty());
    assert!(store.run_profiles(id).await.unwrap().is_empty());
    assert!(store.run_alerts(id).await.unwrap().is_empty());
    assert!(store.run_custody(id).await.unwrap().is_empty());
    assert!(store.unit_report(id, "U0001").await.unwrap().is_none());
}

/// Save a run, read it back every way.
pub async fn round_trip<S: VerificationStore>(store: &S) {
    let run = sample_run(1, "2026-11-03T14:05:09.123+01:00");
    assert_eq!(store.save_run(&run).await.unwrap(), run.id);

    assert_eq!(store.load_run(run.id).await.unwrap().as_ref(), Some(&run));
    assert_eq!(
        store.get_run(run.id).await.unwrap(),
        Some(RunDetail {
            run: run.summary_row(),
            policy_toml: run.policy_toml.clone(),
        })
    );
    assert_eq!(store.count_runs().await.unwrap(), 1);
    assert_eq!(
        store.list_runs(10, 0).await.unwrap(),
        vec![run.summary_row()]
    );

    let units = store.run_units(run.id, None).await.unwrap();
    let ids: Vec<&str> = units.iter().map(|u| u.unit_id.as_str()).collect();
    assert_eq!(ids, ["U0001", "U0002", "U0003"]);
    for (row, record) in units.iter().zip(&run.units) {
        assert_eq!(row.verdict, record.verdict);
        assert_eq!(row.members, record.members);
        assert_eq!(row.reasons, record.reasons);
        assert_eq!(row.recommendations, record.recommendations);
    }
    let alert_counts: Vec<u32> = units.iter().map(|u| u.alerts).collect();
    assert_eq!(alert_counts, [0, 2, 0]);
    for verdict in Verdict::ALL {
        let only = store.run_units(run.id, Some(*verdict)).await.unwrap();
        assert_eq!(only.len(), 1, "{verdict}");
        assert_eq!(only[0].verdict, *verdict);
    }

    assert_eq!(store.run_profiles(run.id).await.unwrap(), run.profiles);
    assert_eq!(store.run_alerts(run.id).await.unwrap(), run.alerts);
    assert_eq!(
        store.unit_report(run.id, "U0002").await.unwrap().as_deref(),
        Some(run.units[1].report_json.as_str())
    );
    assert!(store.unit_report(run.id, "U9999").await.unwrap().is_none());

    let missing = RunId::from_u128(999);
    assert!(store.get_run(missing).await.unwrap().is_none());
    assert!(store.run_units(missing, None).await.unwrap().is_empty());

    // A run with no seed, no units, no profiles and no alerts is a valid run too.
    let mut empty = sample_run(2, "2026-11-03T15:00:00Z");
    empty.kind = RunKind::Intake;
    empty.seed = None;
    empty.units.clear();
    empty.profiles.clear();
    empty.alerts.clear();
    empty.summary = RunSummary::tally(&[], 0, 0);
    store.save_run(&empty).await.unwrap();
    assert_eq!(store.load_run(empty.id).await.unwrap(), Some(empty));
}

/// Runs come newest first by instant (not by text), ties in reverse saving order, paginated.
pub async fn newest_first_with_pagination<S: VerificationStore>(store: &S) {
    // Saved in this order; instants (UTC): 10:00, 12:30, 09:00, 12:30 (tie with the second).
    let stamps = [
        "2026-11-03T10:00:00Z",
        "2026-11-03T12:00:00-00:30",
        "2026-11-03T10:00:00+01:00",
        "2026-11-03T12:30:00.000Z",
    ];
    for (i, stamp) in stamps.iter().enumerate() {
        store
            .save_run(&sample_run(100 + i as u128, stamp))
            .await
            .unwrap();
    }
    assert_eq!(store.count_runs().await.unwrap(), 4);
    let page = |limit, offset| async move {
        store
            .list_runs(limit, offset)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.id)
            .collect::<Vec<_>>()
    };
    let id = |i: u128| RunId::from_u128(100 + i);
    assert_eq!(page(10, 0).await, [id(3), id(1), id(0), id(2)]);
    assert_eq!(page(2, 0).await, [id(3), id(1)]);
    assert_eq!(page(2, 2).await, [id(0), id(2)]);
    assert_eq!(page(2, 3).await, [id(2)]);
    assert!(page(2, 4).await.is_empty());
    assert!(page(0, 0).await.is_empty());
    assert!(page(10, u64::MAX).await.is_empty());
}

/// Report and alert JSON come back exactly as given.
pub async fn report_json_is_byte_for_byte<S: VerificationStore>(store: &S) {
    let mut run = sample_run(200, "2026-11-03T14:05:09Z");
    run.units[0].report_json = format!(
        "  {}\n\t",
        report_json("U0001", Verdict::Verified).replace(':', " : ")
    );
    run.alerts[0].detail_json = "{\"b\":1,\"a\":[1.0,1e0,10E-1]}\r\n".into();
    store.save_run(&run).await.unwrap();
    let back = store.unit_report(run.id, "U0001").await.unwrap().unwrap();
    assert_eq!(back.as_bytes(), run.units[0].report_json.as_bytes());
    let alerts = store.run_alerts(run.id).await.unwrap();
    assert_eq!(
        alerts[0].detail_json.as_bytes(),
        run.alerts[0].detail_json.as_bytes()
    );
}

/// A save that fails part-way leaves nothing behind, and the store still works afterwards.
pub async fn failed_save_leaves_nothing<S: VerificationStore>(store: &S) {
    let id = RunId::from_u128(300);
    let fresh = || sample_run(300, "2026-11-03T14:05:09Z");

    // The last unit repeats the first's id: the run row and two units are written first.
    let mut dup_unit = fresh();
    dup_unit.units[2].unit_id = "U0001".into();
    let err = store.save_run(&dup_unit).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert_empty(store, id).await;

    // A sample twice in a run's profiles.
    let mut dup_sample = fresh();
    dup_sample.profiles[7].sample_id = "S1".into();
    let err = store.save_run(&dup_sample).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert_empty(store, id).await;

    // An alert about a unit that is not in the run: fails after every unit is written.
    let mut orphan_alert = fresh();
    orphan_alert.alerts[1].unit_id = "U0404".into();
    let err = store.save_run(&orphan_alert).await.unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err:?}");
    assert_empty(store, id).await;

    // A report that is not JSON.
    let mut bad_json = fresh();
    bad_json.units[2].report_json = "{\"unit_id\": ".into();
    let err = store.save_run(&bad_json).await.unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err:?}");
    assert_empty(store, id).await;

    // Two mothers in one unit.
    let mut two_mothers = fresh();
    two_mothers.units[1].members[1].role = MemberRole::Mother;
    let err = store.save_run(&two_mothers).await.unwrap_err();
    assert!(err.is_caller_error(), "{err:?}");
    assert_empty(store, id).await;

    // Refused before any write: malformed timestamp, summary that does not add up.
    let mut bad_time = fresh();
    bad_time.started_at = "yesterday".into();
    assert!(matches!(
        store.save_run(&bad_time).await,
        Err(StoreError::Invalid(_))
    ));
    let mut bad_summary = fresh();
    bad_summary.summary.verified += 1;
    assert!(matches!(
        store.save_run(&bad_summary).await,
        Err(StoreError::Invalid(_))
    ));
    assert_empty(store, id).await;

    // The store still works, and a second save of the same run is refused, not duplicated.
    let run = fresh();
    store.save_run(&run).await.unwrap();
    let mut again = fresh();
    again.units.truncate(1);
    again.alerts.clear();
    again.summary = RunSummary::tally(&again.units, 0, 1);
    let err = store.save_run(&again).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert_eq!(store.count_runs().await.unwrap(), 1);
    assert_eq!(store.load_run(id).await.unwrap(), Some(run));
}

/// Runs in commit order from a cursor ([`VerificationStore::runs_saved_since`]): saving order,
/// not start order; inclusive of the cursor; paged; the total in the same answer; and a reader
/// catching up from its last cursor while writers save concurrently misses no run.
pub async fn runs_saved_since<S: VerificationStore + Clone + 'static>(store: &S) {
    let empty = store.runs_saved_since(0, 10).await.unwrap();
    assert_eq!(empty, crate::SavedRuns::default());
    // Saved later but started earlier: listed after.
    let a = sample_run(800, "2026-11-05T09:00:00Z");
    let b = sample_run(801, "2026-11-01T09:00:00Z");
    store.save_run(&a).await.unwrap();
    store.save_run(&b).await.unwrap();
    let page = store.runs_saved_since(0, 10).await.unwrap();
    assert_eq!(page.total, 2);
    let ids: Vec<RunId> = page.runs.iter().map(|r| r.1).collect();
    assert_eq!(ids, [a.id, b.id]);
    let (ca, cb) = (page.runs[0].0, page.runs[1].0);
    assert!(ca < cb);
    assert_eq!(
        store.runs_saved_since(cb, 10).await.unwrap().runs,
        vec![(cb, b.id)]
    );
    assert_eq!(
        store.runs_saved_since(cb + 1, 10).await.unwrap(),
        crate::SavedRuns {
            total: 2,
            runs: Vec::new()
        }
    );
    assert_eq!(
        store.runs_saved_since(0, 1).await.unwrap().runs,
        vec![(ca, a.id)]
    );

    // Writers save concurrently while a reader catches up from its last cursor: at the end
    // it has seen every run, each once.
    let writers: Vec<_> = (0..12u128)
        .map(|n| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .save_run(&sample_run(810 + n, "2026-11-06T09:00:00Z"))
                    .await
                    .unwrap();
            })
        })
        .collect();
    let mut seen = vec![a.id, b.id];
    let mut cursor = cb;
    /// One catch-up: the runs from `cursor` on are added to `seen`; returns the total.
    async fn catch_up<S: VerificationStore>(
        store: &S,
        seen: &mut Vec<RunId>,
        cursor: &mut u64,
    ) -> u64 {
        let page = store.runs_saved_since(*cursor, 3).await.unwrap();
        for (c, id) in page.runs {
            assert!(c >= *cursor);
            if !seen.contains(&id) {
                seen.push(id);
            }
            *cursor = c;
        }
        page.total
    }
    while !writers.iter().all(|w| w.is_finished()) {
        catch_up(store, &mut seen, &mut cursor).await;
        tokio::task::yield_now().await;
    }
    for w in writers {
        w.await.unwrap();
    }
    // Pages of three: a few more catch-ups reach the end (a run missed stays missed).
    for _ in 0..20 {
        catch_up(store, &mut seen, &mut cursor).await;
    }
    assert_eq!(seen.len(), 14);
    assert_eq!(store.count_runs().await.unwrap(), 14);
}

/// Intake runs: the site and the chain of custody come back as saved; listings filter by site
/// (a run without a site matches no site filter); a custody row that breaks the schema fails
/// the whole save.
pub async fn sites_and_custody<S: VerificationStore>(store: &S) {
    let a1 = sample_intake(400, "2026-11-03T09:00:00Z", "Tapachula");
    let b1 = sample_intake(401, "2026-11-03T10:00:00Z", "Ciudad Juárez");
    let a2 = sample_intake(402, "2026-11-03T11:00:00Z", "Tapachula");
    let demo = sample_run(403, "2026-11-03T12:00:00Z");
    for run in [&a1, &b1, &a2, &demo] {
        store.save_run(run).await.unwrap();
    }
    for run in [&a1, &b1, &a2, &demo] {
        assert_eq!(store.load_run(run.id).await.unwrap().as_ref(), Some(run));
        assert_eq!(store.run_custody(run.id).await.unwrap(), run.custody);
        let detail = store.get_run(run.id).await.unwrap().unwrap();
        assert_eq!(detail.run.site, run.site);
    }
    assert_eq!(a1.custody.len(), 8);
    assert!(!store.run_custody(a1.id).await.unwrap()[1].consent);

    let ids = |rows: Vec<crate::RunSummaryRow>| rows.into_iter().map(|r| r.id).collect::<Vec<_>>();
    let tapachula = RunFilter::site("Tapachula");
    assert_eq!(store.count_runs_where(&tapachula).await.unwrap(), 2);
    assert_eq!(
        ids(store.list_runs_where(&tapachula, 10, 0).await.unwrap()),
        [a2.id, a1.id]
    );
    assert_eq!(
        ids(store.list_runs_where(&tapachula, 1, 1).await.unwrap()),
        [a1.id]
    );
    let juarez = RunFilter::site("Ciudad Juárez");
    assert_eq!(
        ids(store.list_runs_where(&juarez, 10, 0).await.unwrap()),
        [b1.id]
    );
    // Sites are compared exactly.
    let nowhere = RunFilter::site("tapachula");
    assert_eq!(store.count_runs_where(&nowhere).await.unwrap(), 0);
    assert!(
        store
            .list_runs_where(&nowhere, 10, 0)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.count_runs_where(&RunFilter::all()).await.unwrap(), 4);
    assert_eq!(store.count_runs().await.unwrap(), 4);
    assert_eq!(
        ids(store.list_runs(10, 0).await.unwrap()),
        [demo.id, a2.id, b1.id, a1.id]
    );
    assert_eq!(
        store.list_runs(10, 0).await.unwrap()[1].site.as_deref(),
        Some("Tapachula")
    );

    // Failures leave nothing: a sample's custody twice (written after every other row), a date
    // that is not YYYY-MM-DD, custody of a sample outside the run's units, an empty site.
    let id = RunId::from_u128(404);
    let fresh = || sample_intake(404, "2026-11-03T13:00:00Z", "Tapachula");
    let mut twice = fresh();
    let again = twice.custody[0].clone();
    twice.custody.push(again);
    let err = store.save_run(&twice).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert_empty_run(store, id).await;
    let mut bad_date = fresh();
    bad_date.custody[3].collected_on = "02/11/2026".into();
    let err = store.save_run(&bad_date).await.unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err:?}");
    assert_empty_run(store, id).await;
    let mut stranger = fresh();
    stranger.custody[0].sample_id = "S99".into();
    assert!(matches!(
        store.save_run(&stranger).await,
        Err(StoreError::Invalid(_))
    ));
    let mut blank_site = fresh();
    blank_site.site = Some("  ".into());
    assert!(matches!(
        store.save_run(&blank_site).await,
        Err(StoreError::Invalid(_))
    ));
    assert_empty_run(store, id).await;
    assert_eq!(store.count_runs().await.unwrap(), 4);
}

/// Nothing of run `id` is visible.
async fn assert_empty_run<S: VerificationStore>(store: &S, id: RunId) {
    assert!(store.get_run(id).await.unwrap().is_none());
    assert!(store.load_run(id).await.unwrap().is_none());
    assert!(store.run_units(id, None).await.unwrap().is_empty());
    assert!(store.run_profiles(id).await.unwrap().is_empty());
    assert!(store.run_custody(id).await.unwrap().is_empty());
}

/// A new account named `name`.
pub fn new_account(name: &str, role: crate::Role) -> crate::NewAccount {
    crate::NewAccount {
        name: name.to_string(),
        role,
        site: (role == crate::Role::FieldAgent).then(|| "Tapachula".to_string()),
        password_hash: format!("$argon2id$fake${name}"),
        must_change_password: false,
        created_at: "2026-11-23T10:00:00Z".into(),
    }
}

/// Accounts: create, conflict, read, password change, disable (ends sessions), lockout count.
pub async fn accounts<S: crate::AccountStore>(store: &S) {
    use crate::Role;
    assert!(store.list_accounts().await.unwrap().is_empty());
    store
        .create_account(&new_account("maria", Role::FieldAgent))
        .await
        .unwrap();
    store
        .create_account(&new_account("ana", Role::LabAnalyst))
        .await
        .unwrap();
    assert!(matches!(
        store
            .create_account(&new_account("maria", Role::Admin))
            .await,
        Err(StoreError::Conflict(_))
    ));
    let maria = store.account("maria").await.unwrap().unwrap();
    assert_eq!(maria.role, Role::FieldAgent);
    assert_eq!(maria.site.as_deref(), Some("Tapachula"));
    assert!(!maria.disabled);
    assert_eq!(maria.failed_sign_ins, 0);
    assert_eq!(maria.locked_until_ms, None);
    assert!(store.account("nobody").await.unwrap().is_none());
    let names: Vec<String> = store
        .list_accounts()
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.name)
        .collect();
    assert_eq!(names, ["ana", "maria"]);

    // Four failures count; the fifth locks and restarts the count.
    for n in 1..=4 {
        let a = store
            .record_failed_sign_in("maria", 1_000, 5, 600_000)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((a.failed_sign_ins, a.locked_until_ms), (n, None));
    }
    let a = store
        .record_failed_sign_in("maria", 2_000, 5, 600_000)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((a.failed_sign_ins, a.locked_until_ms), (0, Some(602_000)));
    assert!(
        store
            .record_failed_sign_in("nobody", 1, 5, 1)
            .await
            .unwrap()
            .is_none()
    );
    store.record_failed_sign_in("ana", 1, 5, 1).await.unwrap();
    store.record_sign_in("ana").await.unwrap();
    assert_eq!(
        store.account("ana").await.unwrap().unwrap().failed_sign_ins,
        0
    );

    // A new password clears the lock.
    assert!(
        store
            .set_password("maria", "$argon2id$new", true)
            .await
            .unwrap()
    );
    let maria = store.account("maria").await.unwrap().unwrap();
    assert_eq!(maria.password_hash, "$argon2id$new");
    assert!(maria.must_change_password);
    assert_eq!(maria.locked_until_ms, None);
    assert!(!store.set_password("nobody", "x", false).await.unwrap());

    // Sessions; disabling ends them.
    let session = crate::SessionRecord {
        token_hash: "ab".repeat(32),
        account: "maria".into(),
        csrf_token: "csrf".into(),
        created_ms: 10,
        last_seen_ms: 10,
    };
    store.create_session(&session).await.unwrap();
    assert_eq!(
        store.session(&session.token_hash).await.unwrap(),
        Some(session.clone())
    );
    store.touch_session(&session.token_hash, 99).await.unwrap();
    assert_eq!(
        store
            .session(&session.token_hash)
            .await
            .unwrap()
            .unwrap()
            .last_seen_ms,
        99
    );
    assert!(store.set_disabled("maria", true).await.unwrap());
    assert!(store.account("maria").await.unwrap().unwrap().disabled);
    assert!(store.session(&session.token_hash).await.unwrap().is_none());
    assert!(!store.set_disabled("nobody", true).await.unwrap());

    // TOTP: no step can be claimed before enrolment; each step once, in increasing order;
    // re-enrolling (or clearing) forgets the steps.
    let secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
    assert!(
        store
            .account("ana")
            .await
            .unwrap()
            .unwrap()
            .totp_secret
            .is_none()
    );
    assert!(!store.claim_totp_step("ana", 100).await.unwrap());
    assert!(store.set_totp_secret("ana", Some(secret)).await.unwrap());
    assert_eq!(
        store
            .account("ana")
            .await
            .unwrap()
            .unwrap()
            .totp_secret
            .as_deref(),
        Some(secret)
    );
    assert!(store.claim_totp_step("ana", 100).await.unwrap());
    assert!(
        !store.claim_totp_step("ana", 100).await.unwrap(),
        "a replayed step"
    );
    assert!(
        !store.claim_totp_step("ana", 99).await.unwrap(),
        "an earlier step"
    );
    assert!(store.claim_totp_step("ana", 101).await.unwrap());
    assert!(store.set_totp_secret("ana", Some(secret)).await.unwrap());
    assert!(store.claim_totp_step("ana", 50).await.unwrap());
    assert!(store.set_totp_secret("ana", None).await.unwrap());
    assert!(
        store
            .account("ana")
            .await
            .unwrap()
            .unwrap()
            .totp_secret
            .is_none()
    );
    assert!(!store.claim_totp_step("ana", 200).await.unwrap());
    assert!(!store.set_totp_secret("nobody", Some(secret)).await.unwrap());
    assert!(store.set_totp_secret("ana", Some("short")).await.is_err());

    // Idle sessions are swept; deleting is idempotent.
    let mut ana = session.clone();
    ana.account = "ana".into();
    ana.token_hash = "cd".repeat(32);
    store.create_session(&ana).await.unwrap();
    assert_eq!(store.delete_idle_sessions(5).await.unwrap(), 0);
    assert_eq!(store.delete_idle_sessions(11).await.unwrap(), 1);
    store.delete_session(&ana.token_hash).await.unwrap();
}

/// The audit chain: appends form one verified line, also from concurrent writers; reads page.
pub async fn audit_chain<S: crate::AuditStore + Clone + 'static>(store: &S) {
    use lazo_audit::{AuditKey, Event};
    let key = AuditKey::new(vec![7u8; 32]).unwrap();
    assert_eq!(store.count_audit().await.unwrap(), 0);
    let event = |n: usize| Event {
        at: "2026-11-23T10:00:00Z".into(),
        actor: "maria".into(),
        action: "read_child".into(),
        target: format!("unit:U{n:04}"),
        detail: "{\"request_id\":\"r\"}".into(),
    };
    let first = store.append_audit(&key, event(0)).await.unwrap();
    assert_eq!(first.seq, 1);
    // Concurrent appends: one line, no gaps, no forks.
    let mut tasks = Vec::new();
    for n in 1..=20 {
        let store = store.clone();
        let key = key.clone();
        tasks.push(tokio::spawn(async move {
            store.append_audit(&key, event(n)).await.unwrap()
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(store.count_audit().await.unwrap(), 21);
    let verified = crate::verify_audit(store, &key).await.unwrap().unwrap();
    assert_eq!(verified.records, 21);
    let page = store.audit_records(5, 3).await.unwrap();
    assert_eq!(page.iter().map(|r| r.seq).collect::<Vec<_>>(), [6, 7, 8]);
    assert_eq!(
        store.audit_records(0, 1).await.unwrap(),
        vec![first.clone()]
    );
    // Another key does not verify.
    let other = AuditKey::new(vec![8u8; 32]).unwrap();
    assert!(crate::verify_audit(store, &other).await.unwrap().is_err());
}

/// Saves with their audit record ([`crate::AuditedWrites`]): the run or review and its record
/// are written together or not at all; a refused save appends nothing; concurrent audited saves
/// and plain appends still form one verified chain with exactly one record per saved run.
pub async fn audited_writes<S: crate::AuditedWrites + Clone + 'static>(store: &S) {
    use lazo_audit::{AuditKey, Event};
    let key = AuditKey::new(vec![5u8; 32]).unwrap();
    let event = |action: &str, target: String| Event {
        at: "2026-11-23T10:00:00Z".into(),
        actor: "maria".into(),
        action: action.into(),
        target,
        detail: "{}".into(),
    };
    let run = sample_intake(700, "2026-11-03T09:00:00Z", "Tapachula");
    let target = format!("run:{}", run.id);
    let record = store
        .save_run_audited(&run, &key, event("intake_saved", target.clone()))
        .await
        .unwrap();
    assert_eq!(record.seq, 1);
    assert_eq!(record.event.target, target);
    assert_eq!(store.load_run(run.id).await.unwrap(), Some(run.clone()));
    assert_eq!(store.audit_records(0, 10).await.unwrap(), vec![record]);

    // Refused saves (the same id again; a unit twice, failing after rows were written):
    // nothing is saved and nothing is audited.
    let err = store
        .save_run_audited(&run, &key, event("intake_saved", target.clone()))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    let mut dup_unit = sample_intake(701, "2026-11-03T10:00:00Z", "Tapachula");
    dup_unit.units[2].unit_id = "U0001".into();
    let err = store
        .save_run_audited(&dup_unit, &key, event("intake_saved", "run:701".into()))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert_empty_run(store, dup_unit.id).await;
    assert_eq!(store.count_audit().await.unwrap(), 1);
    assert_eq!(store.count_runs().await.unwrap(), 1);

    // Concurrent audited saves interleaved with plain appends: one chain, no gaps, and each
    // run's record exactly once.
    let mut tasks = Vec::new();
    for n in 0..8u128 {
        let (store, key) = (store.clone(), key.clone());
        tasks.push(tokio::spawn(async move {
            let run = sample_run(710 + n, "2026-11-04T09:00:00Z");
            let target = format!("run:{}", run.id);
            store
                .save_run_audited(&run, &key, event("intake_saved", target))
                .await
                .unwrap();
            store
                .append_audit(&key, event("read_child", format!("unit:{n}")))
                .await
                .unwrap();
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let verified = crate::verify_audit(store, &key).await.unwrap().unwrap();
    assert_eq!(verified.records, 17);
    let records = store.audit_records(0, 100).await.unwrap();
    for n in 0..8u128 {
        let target = format!("run:{}", RunId::from_u128(710 + n));
        assert_eq!(
            records.iter().filter(|r| r.event.target == target).count(),
            1,
            "{target}"
        );
        assert!(
            store
                .get_run(RunId::from_u128(710 + n))
                .await
                .unwrap()
                .is_some()
        );
    }

    // A sign-off and its record together; the event sees the version given to the review.
    let review = new_review(
        700,
        "U0001",
        0,
        crate::Decision::Confirmed,
        Verdict::Verified,
        None,
    );
    let (saved, record) = store
        .save_review_audited(&review, &key, |r| {
            event(
                "review_saved",
                format!("unit:{}/{}#{}", r.run_id, r.unit_id, r.version),
            )
        })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(saved.version, 1);
    assert_eq!(record.seq, 18);
    assert_eq!(record.event.target, format!("unit:{}/U0001#1", run.id));
    assert_eq!(
        store.unit_reviews(run.id, "U0001").await.unwrap(),
        vec![saved]
    );
    // Stale, and of a unit that does not exist: nothing written, nothing audited.
    let err = store
        .save_review_audited(&review, &key, |_| event("review_saved", "stale".into()))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    let mut missing = review.clone();
    missing.unit_id = "U0404".into();
    assert!(
        store
            .save_review_audited(&missing, &key, |_| event("review_saved", "missing".into()))
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(store.unit_reviews(run.id, "U0001").await.unwrap().len(), 1);
    assert_eq!(store.count_audit().await.unwrap(), 18);
    assert!(crate::verify_audit(store, &key).await.unwrap().is_ok());
}

/// Screening changes with their audit records ([`crate::AuditedScreenings`]): each change and
/// its record together; a refused change (invalid, conflict, no such screening) writes nothing
/// and audits nothing; concurrent audited changes, racing on one revision, and plain appends
/// keep one verifying chain with exactly one record per change made.
pub async fn audited_screenings<S: crate::AuditedScreenings + Clone + 'static>(store: &S) {
    use crate::{Completion, ScreeningId, ScreeningSignOff, ScreeningStatus};
    use lazo_audit::{AuditKey, Event};
    let key = AuditKey::new(vec![6u8; 32]).unwrap();
    let event = |action: &str, id: ScreeningId, detail: String| Event {
        at: "2026-11-24T09:00:00Z".into(),
        actor: "maria".into(),
        action: action.into(),
        target: format!("screening:{id}"),
        detail,
    };
    let missing = ScreeningId::from_u128(0xdead);

    // Under an instrument never saved: refused, nothing audited.
    let first = new_screening(1, "Tapachula", 8);
    let err = store
        .create_screening_audited(
            &first,
            &key,
            event("screening_started", first.id, "{}".into()),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err:?}");
    assert_eq!(store.count_audit().await.unwrap(), 0);
    store
        .save_instrument(&screening_instrument())
        .await
        .unwrap();

    // Started with its record.
    let record = store
        .create_screening_audited(
            &first,
            &key,
            event("screening_started", first.id, "{}".into()),
        )
        .await
        .unwrap();
    assert_eq!(
        (record.seq, record.event.action.as_str()),
        (1, "screening_started")
    );
    assert_eq!(store.audit_records(0, 10).await.unwrap(), vec![record]);
    let read = store.screening(first.id).await.unwrap().unwrap();
    assert_eq!(
        (read.summary.status, read.summary.revision),
        (ScreeningStatus::Draft, 0)
    );
    // The same id again, and an invalid one: nothing written, nothing audited.
    let err = store
        .create_screening_audited(
            &first,
            &key,
            event("screening_started", first.id, "{}".into()),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    let broken = crate::NewScreening {
        child_ref: " ".into(),
        ..new_screening(90, "Tapachula", 8)
    };
    let err = store
        .create_screening_audited(
            &broken,
            &key,
            event("screening_started", broken.id, "{}".into()),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err:?}");
    assert!(store.screening(broken.id).await.unwrap().is_none());
    assert_eq!(store.count_audit().await.unwrap(), 1);

    // Answers with their record; the event names the revision written.
    let answers = r#"{"q_hurt": {"yes_no": "no"}}"#;
    let at = "2026-11-24T09:05:00.000Z";
    let (revision, record) = store
        .save_answers_audited(first.id, 0, answers, at, &key, |r| {
            event(
                "screening_answers_saved",
                first.id,
                format!("{{\"revision\":{r}}}"),
            )
        })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(revision, 1);
    assert_eq!(
        (record.seq, record.event.detail.as_str()),
        (2, "{\"revision\":1}")
    );
    // Stale, invalid, missing: the answers stay, nothing audited.
    let err = store
        .save_answers_audited(first.id, 0, "{}", at, &key, |_| {
            event("screening_answers_saved", first.id, "stale".into())
        })
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    let err = store
        .save_answers_audited(first.id, 1, "[1, 2]", at, &key, |_| {
            event("screening_answers_saved", first.id, "invalid".into())
        })
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err:?}");
    assert!(
        store
            .save_answers_audited(missing, 0, "{}", at, &key, |_| {
                event("screening_answers_saved", missing, "missing".into())
            })
            .await
            .unwrap()
            .is_none()
    );
    let read = store.screening(first.id).await.unwrap().unwrap();
    assert_eq!(
        (read.answers_json.as_str(), read.summary.revision),
        (answers, 1)
    );
    assert_eq!(store.count_audit().await.unwrap(), 2);

    // Completion: stale and missing refused unaudited, then completed with its record.
    let completion = Completion {
        completed_at: "2026-11-24T10:00:00.000Z".into(),
        completed_by: "maria".into(),
        answers_json: answers.into(),
        decision_json: "{\"outcome\": {\"outcome\": \"supervisor_review\"}}".into(),
        outcome: "supervisor_review".into(),
    };
    let completed = || event("screening_completed", first.id, "{}".into());
    let err = store
        .complete_screening_audited(first.id, 0, &completion, &key, completed())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert!(
        store
            .complete_screening_audited(missing, 0, &completion, &key, completed())
            .await
            .unwrap()
            .is_none()
    );
    let invalid = Completion {
        outcome: " ".into(),
        ..completion.clone()
    };
    let err = store
        .complete_screening_audited(first.id, 1, &invalid, &key, completed())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err:?}");
    assert_eq!(
        store
            .screening(first.id)
            .await
            .unwrap()
            .unwrap()
            .summary
            .status,
        ScreeningStatus::Draft
    );
    assert_eq!(store.count_audit().await.unwrap(), 2);
    let record = store
        .complete_screening_audited(first.id, 1, &completion, &key, completed())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (record.seq, record.event.action.as_str()),
        (3, "screening_completed")
    );
    assert_eq!(
        store
            .screening(first.id)
            .await
            .unwrap()
            .unwrap()
            .summary
            .status,
        ScreeningStatus::Completed
    );

    // Signature: a draft, a missing screening and no reason refused unaudited; signed once.
    let sign_off = ScreeningSignOff {
        signed_by: "sofia".into(),
        signed_at: "2026-11-24T12:00:00.000Z".into(),
        reason: "Read the answers with the interviewer.".into(),
    };
    let signed = |id| event("screening_signed", id, "{}".into());
    let draft = new_screening(2, "Tapachula", 9);
    store
        .create_screening_audited(
            &draft,
            &key,
            event("screening_started", draft.id, "{}".into()),
        )
        .await
        .unwrap();
    let err = store
        .sign_screening_audited(draft.id, &sign_off, &key, signed(draft.id))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert!(
        store
            .sign_screening_audited(missing, &sign_off, &key, signed(missing))
            .await
            .unwrap()
            .is_none()
    );
    let no_reason = ScreeningSignOff {
        reason: " ".into(),
        ..sign_off.clone()
    };
    let err = store
        .sign_screening_audited(first.id, &no_reason, &key, signed(first.id))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err:?}");
    assert_eq!(store.count_audit().await.unwrap(), 4);
    let record = store
        .sign_screening_audited(first.id, &sign_off, &key, signed(first.id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (record.seq, record.event.action.as_str()),
        (5, "screening_signed")
    );
    let read = store.screening(first.id).await.unwrap().unwrap();
    assert_eq!(read.summary.status, ScreeningStatus::Signed);
    assert_eq!(read.summary.sign_off, Some(sign_off.clone()));
    let err = store
        .sign_screening_audited(first.id, &sign_off, &key, signed(first.id))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert_eq!(store.count_audit().await.unwrap(), 5);

    // Concurrent: eight screenings started at once, two tablets racing to save each one's
    // revision 0, and plain appends between. One chain; per screening one start, one save.
    let mut tasks = Vec::new();
    for n in 0..8u128 {
        let (store, key) = (store.clone(), key.clone());
        tasks.push(tokio::spawn(async move {
            let s = new_screening(10 + n, "Tapachula", 10);
            store
                .create_screening_audited(&s, &key, event("screening_started", s.id, "{}".into()))
                .await
                .unwrap();
            let race = |tablet: u32| {
                let (store, key) = (store.clone(), key.clone());
                tokio::spawn(async move {
                    store
                        .save_answers_audited(s.id, 0, "{}", at, &key, |r| {
                            event(
                                "screening_answers_saved",
                                s.id,
                                format!("{{\"revision\":{r},\"tablet\":{tablet}}}"),
                            )
                        })
                        .await
                })
            };
            let (a, b) = (race(1), race(2));
            let outcomes = [a.await.unwrap(), b.await.unwrap()];
            let won = outcomes.iter().filter(|o| matches!(o, Ok(Some(_)))).count();
            let lost = outcomes
                .iter()
                .filter(|o| matches!(o, Err(StoreError::Conflict(_))))
                .count();
            assert_eq!((won, lost), (1, 1), "{outcomes:?}");
            store
                .append_audit(&key, event("read_screening", s.id, "{}".into()))
                .await
                .unwrap();
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let verified = crate::verify_audit(store, &key).await.unwrap().unwrap();
    assert_eq!(verified.records, 5 + 8 * 3);
    let records = store.audit_records(0, 100).await.unwrap();
    for n in 0..8u128 {
        let id = ScreeningId::from_u128(0x5c00 + 10 + n);
        let of = |action: &str| {
            records
                .iter()
                .filter(|r| r.event.target == format!("screening:{id}") && r.event.action == action)
                .count()
        };
        assert_eq!(
            (of("screening_started"), of("screening_answers_saved")),
            (1, 1),
            "{id}"
        );
        assert_eq!(
            store.screening(id).await.unwrap().unwrap().summary.revision,
            1
        );
    }
}

/// Account changes with their audit records ([`crate::AuditedAccounts`]): each change and its
/// record together; a name taken or an account that does not exist writes and audits nothing;
/// concurrent audited changes and plain appends keep one verifying chain.
pub async fn audited_accounts<S: crate::AuditedAccounts + Clone + 'static>(store: &S) {
    use crate::{Role, SessionRecord};
    use lazo_audit::{AuditKey, Event};
    const SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
    let key = AuditKey::new(vec![7u8; 32]).unwrap();
    let event = |action: &str, name: &str| Event {
        at: "2026-11-23T10:00:00Z".into(),
        actor: "cli:admin".into(),
        action: action.into(),
        target: format!("account:{name}"),
        detail: "{}".into(),
    };

    let record = store
        .create_account_audited(
            &new_account("maria", Role::FieldAgent),
            &key,
            event("account_created", "maria"),
        )
        .await
        .unwrap();
    assert_eq!(
        (record.seq, record.event.action.as_str()),
        (1, "account_created")
    );
    assert_eq!(store.audit_records(0, 10).await.unwrap(), vec![record]);
    assert_eq!(
        store.account("maria").await.unwrap().unwrap().role,
        Role::FieldAgent
    );
    // The name taken: nothing written, nothing audited.
    let err = store
        .create_account_audited(
            &new_account("maria", Role::Admin),
            &key,
            event("account_created", "maria"),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert_eq!(
        store.account("maria").await.unwrap().unwrap().role,
        Role::FieldAgent
    );
    assert_eq!(store.count_audit().await.unwrap(), 1);

    // Password, second factor and disabling, each with its record; no such account: none.
    let record = store
        .set_password_audited(
            "maria",
            "$argon2id$new",
            false,
            &key,
            event("password_changed", "maria"),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (record.seq, record.event.action.as_str()),
        (2, "password_changed")
    );
    assert_eq!(
        store.account("maria").await.unwrap().unwrap().password_hash,
        "$argon2id$new"
    );
    // A secret the schema refuses (too short): nothing written, nothing audited.
    let err = store
        .set_totp_secret_audited(
            "maria",
            Some("JBSWY3DP"),
            &key,
            event("totp_enrolled", "maria"),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err:?}");
    assert!(
        store
            .account("maria")
            .await
            .unwrap()
            .unwrap()
            .totp_secret
            .is_none()
    );
    assert_eq!(store.count_audit().await.unwrap(), 2);
    let record = store
        .set_totp_secret_audited("maria", Some(SECRET), &key, event("totp_enrolled", "maria"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.seq, 3);
    assert_eq!(
        store
            .account("maria")
            .await
            .unwrap()
            .unwrap()
            .totp_secret
            .as_deref(),
        Some(SECRET)
    );
    let record = store
        .set_totp_secret_audited("maria", None, &key, event("totp_reset", "maria"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.seq, 4);
    assert!(
        store
            .account("maria")
            .await
            .unwrap()
            .unwrap()
            .totp_secret
            .is_none()
    );
    store
        .create_session(&SessionRecord {
            token_hash: "ab".repeat(32),
            account: "maria".into(),
            csrf_token: "csrf".into(),
            created_ms: 1,
            last_seen_ms: 1,
        })
        .await
        .unwrap();
    let record = store
        .set_disabled_audited("maria", true, &key, event("account_disabled", "maria"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (record.seq, record.event.action.as_str()),
        (5, "account_disabled")
    );
    assert!(store.account("maria").await.unwrap().unwrap().disabled);
    assert!(store.session(&"ab".repeat(32)).await.unwrap().is_none());
    assert!(
        store
            .set_password_audited(
                "nobody",
                "$argon2id$x",
                true,
                &key,
                event("password_reset", "nobody")
            )
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .set_disabled_audited("nobody", true, &key, event("account_disabled", "nobody"))
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .set_totp_secret_audited("nobody", None, &key, event("totp_reset", "nobody"))
            .await
            .unwrap()
            .is_none()
    );
    assert!(store.account("nobody").await.unwrap().is_none());
    assert_eq!(store.count_audit().await.unwrap(), 5);

    // Sessions: begun and ended with their records; a session of no account, or one already
    // ended, writes and audits nothing.
    store
        .create_account_audited(
            &new_account("ana", Role::LabAnalyst),
            &key,
            event("account_created", "ana"),
        )
        .await
        .unwrap();
    let session = SessionRecord {
        token_hash: "cd".repeat(32),
        account: "ana".into(),
        csrf_token: "csrf".into(),
        created_ms: 1,
        last_seen_ms: 1,
    };
    let record = store
        .create_session_audited(&session, &key, event("sign_in", "ana"))
        .await
        .unwrap();
    assert_eq!((record.seq, record.event.action.as_str()), (7, "sign_in"));
    assert_eq!(
        store.session(&session.token_hash).await.unwrap(),
        Some(session.clone())
    );
    let orphan = SessionRecord {
        token_hash: "ef".repeat(32),
        account: "nobody".into(),
        ..session.clone()
    };
    let err = store
        .create_session_audited(&orphan, &key, event("sign_in", "nobody"))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err:?}");
    assert!(store.session(&orphan.token_hash).await.unwrap().is_none());
    let record = store
        .delete_session_audited(&session.token_hash, &key, event("sign_out", "ana"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.seq, 8);
    assert!(store.session(&session.token_hash).await.unwrap().is_none());
    assert!(
        store
            .delete_session_audited(&session.token_hash, &key, event("sign_out", "ana"))
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(store.count_audit().await.unwrap(), 8);
    // A failed sign-in: the count and its record together; the event sees the lock it caused.
    // An unknown name is still audited.
    let (after, record) = store
        .record_failed_sign_in_audited("ana", 1_000, 1, 60_000, &key, |after| {
            let until = after.and_then(|a| a.locked_until_ms);
            Event {
                detail: format!("{{\"locked_until\":{until:?}}}"),
                ..event("sign_in_failed", "ana")
            }
        })
        .await
        .unwrap();
    assert_eq!(after.unwrap().locked_until_ms, Some(61_000));
    assert_eq!(
        (record.seq, record.event.detail.as_str()),
        (9, "{\"locked_until\":Some(61000)}")
    );
    let (after, record) = store
        .record_failed_sign_in_audited("nobody", 1_000, 1, 60_000, &key, |after| {
            assert!(after.is_none());
            event("sign_in_failed", "nobody")
        })
        .await
        .unwrap();
    assert!(after.is_none());
    assert_eq!(record.seq, 10);

    // Concurrent audited changes and plain appends: one chain, each change's record once.
    let mut tasks = Vec::new();
    for n in 0..8 {
        let (store, key) = (store.clone(), key.clone());
        tasks.push(tokio::spawn(async move {
            let name = format!("agent{n}");
            store
                .create_account_audited(
                    &new_account(&name, Role::FieldAgent),
                    &key,
                    event("account_created", &name),
                )
                .await
                .unwrap();
            store
                .append_audit(&key, event("sign_in", &name))
                .await
                .unwrap();
            store
                .set_password_audited(
                    &name,
                    "$argon2id$changed",
                    false,
                    &key,
                    event("password_changed", &name),
                )
                .await
                .unwrap()
                .unwrap();
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let verified = crate::verify_audit(store, &key).await.unwrap().unwrap();
    assert_eq!(verified.records, 10 + 8 * 3);
    let records = store.audit_records(0, 100).await.unwrap();
    for n in 0..8 {
        let target = format!("account:agent{n}");
        let of = |action: &str| {
            records
                .iter()
                .filter(|r| r.event.target == target && r.event.action == action)
                .count()
        };
        assert_eq!(
            (of("account_created"), of("password_changed")),
            (1, 1),
            "{target}"
        );
    }
}

/// A sign-off of unit `unit_id` in run `run` by `sofia`.
pub fn new_review(
    run: u128,
    unit_id: &str,
    previous_version: u32,
    decision: crate::Decision,
    final_verdict: Verdict,
    reason: Option<&str>,
) -> crate::NewReview {
    crate::NewReview {
        run_id: RunId::from_u128(run),
        unit_id: unit_id.to_string(),
        previous_version,
        reviewer: "sofia".into(),
        decision,
        final_verdict,
        reason: reason.map(str::to_string),
        reviewed_at: "2026-11-23T10:15:00.250-06:00".into(),
    }
}

/// Sign-offs (validation, history, conflicts), the review queue, the dashboard's counts and
/// the alerts across runs.
pub async fn reviews<S: VerificationStore + crate::ReviewStore>(store: &S) {
    use crate::{Decision, QueueItem};
    // Three runs of three units each (verified, not supported, inconclusive; two alerts on
    // the second unit). C is the oldest, then A, then B (started 04:30 UTC on the 22nd).
    let (a, b, c) = (0xA1, 0xB2, 0xC3);
    for (id, at) in [
        (a, "2026-11-20T09:00:00Z"),
        (b, "2026-11-21T23:30:00-05:00"),
        (c, "2026-11-01T12:00:00Z"),
    ] {
        store.save_run(&sample_run(id, at)).await.unwrap();
    }
    let queue = |limit, offset| async move {
        let page = store.review_queue(limit, offset).await.unwrap();
        let ids: Vec<(RunId, String)> = page
            .items
            .iter()
            .map(|q| (q.run_id, q.unit_id.clone()))
            .collect();
        (page.total, ids, page.items)
    };
    let key = |run: u128, unit: &str| (RunId::from_u128(run), unit.to_string());
    let (total, ids, items) = queue(50, 0).await;
    assert_eq!(total, 9);
    assert_eq!(
        ids,
        [
            key(c, "U0002"),
            key(c, "U0003"),
            key(a, "U0002"),
            key(a, "U0003"),
            key(b, "U0002"),
            key(b, "U0003"),
            key(c, "U0001"),
            key(a, "U0001"),
            key(b, "U0001"),
        ],
        "problems first, then older runs first"
    );
    assert_eq!(
        items[2],
        QueueItem {
            run_id: RunId::from_u128(a),
            run_started_at: "2026-11-20T09:00:00Z".into(),
            unit_id: "U0002".into(),
            verdict: Verdict::NotSupported,
            alerts: 2,
        }
    );
    let (total, page, _) = queue(2, 7).await;
    assert_eq!((total, page), (9, vec![key(a, "U0001"), key(b, "U0001")]));
    assert!(queue(2, 9).await.1.is_empty());
    assert!(queue(0, 0).await.1.is_empty());

    // Nothing is stored for a sign-off that breaks a rule.
    let review = |unit, previous, decision, verdict, reason| {
        new_review(a, unit, previous, decision, verdict, reason)
    };
    use Decision::{Confirmed, Overridden};
    use Verdict::{Inconclusive, NotSupported, Verified};
    let mut nameless = review("U0001", 0, Confirmed, Verified, None);
    nameless.reviewer.clear();
    let mut undated = review("U0001", 0, Confirmed, Verified, None);
    undated.reviewed_at = "2026-11-23".into();
    for (why, bad) in [
        (
            "override to the same verdict",
            review("U0001", 0, Overridden, Verified, Some("same")),
        ),
        (
            "confirmation of another verdict",
            review("U0001", 0, Confirmed, NotSupported, None),
        ),
        (
            "override without a reason",
            review("U0001", 0, Overridden, NotSupported, None),
        ),
        (
            "override with a blank reason",
            review("U0001", 0, Overridden, NotSupported, Some("  \n")),
        ),
        (
            "confirmation with a blank reason",
            review("U0001", 0, Confirmed, Verified, Some("")),
        ),
        ("no reviewer", nameless),
        ("no time", undated),
    ] {
        let err = store.save_review(&bad).await.unwrap_err();
        assert!(matches!(err, StoreError::Invalid(_)), "{why}: {err:?}");
    }
    assert!(
        store
            .unit_reviews(RunId::from_u128(a), "U0001")
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(queue(50, 0).await.0, 9);
    // No such unit, no such run.
    let missing = review("U0404", 0, Confirmed, Verified, None);
    assert_eq!(store.save_review(&missing).await.unwrap(), None);
    let mut no_run = review("U0001", 0, Confirmed, Verified, None);
    no_run.run_id = RunId::from_u128(0x404);
    assert_eq!(store.save_review(&no_run).await.unwrap(), None);

    // A confirmation, then an override of it: both kept, oldest first.
    let first = store
        .save_review(&review("U0001", 0, Confirmed, Verified, None))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first.version, 1);
    assert_eq!(first.machine_verdict, Verified);
    assert_eq!(first.reviewer, "sofia");
    assert_eq!(first.reviewed_at, "2026-11-23T10:15:00.250-06:00");
    // The same form sent again (it names the review it follows: none) is refused, as is a
    // version from the future.
    for stale in [0, 2, 7] {
        let err = store
            .save_review(&review("U0001", stale, Confirmed, Verified, None))
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)), "{stale}: {err:?}");
    }
    let reason = "Muestra S2 intercambiada en la toma — «mix-up»\nsee lab note 7";
    let second = store
        .save_review(&review("U0001", 1, Overridden, NotSupported, Some(reason)))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        store
            .unit_reviews(RunId::from_u128(a), "U0001")
            .await
            .unwrap(),
        vec![first.clone(), second.clone()]
    );
    assert_eq!(second.version, 2);
    assert_eq!(second.reason.as_deref(), Some(reason));
    assert!(second.same_sign_off(&review("U0001", 1, Overridden, NotSupported, Some(reason))));
    // Another run's unit of the same id is another unit.
    assert!(
        store
            .unit_reviews(RunId::from_u128(b), "U0001")
            .await
            .unwrap()
            .is_empty()
    );
    let noted = new_review(b, "U0003", 0, Confirmed, Inconclusive, Some("checked"));
    store.save_review(&noted).await.unwrap().unwrap();

    // Two saves racing for the same place: one wins, the other is a conflict.
    let one = new_review(c, "U0003", 0, Confirmed, Inconclusive, None);
    let mut other = new_review(c, "U0003", 0, Confirmed, Inconclusive, Some("re-read"));
    other.reviewer = "tomas".into();
    let (x, y) = tokio::join!(store.save_review(&one), store.save_review(&other));
    let outcomes = [x.map(|r| r.is_some()), y.map(|r| r.is_some())];
    assert_eq!(outcomes.iter().filter(|o| matches!(o, Ok(true))).count(), 1);
    assert_eq!(
        outcomes
            .iter()
            .filter(|o| matches!(o, Err(StoreError::Conflict(_))))
            .count(),
        1,
        "{outcomes:?}"
    );
    assert_eq!(
        store
            .unit_reviews(RunId::from_u128(c), "U0003")
            .await
            .unwrap()
            .len(),
        1
    );

    // The queue shrank by the three units signed off.
    let (total, ids, _) = queue(50, 0).await;
    assert_eq!(total, 6);
    for gone in [key(a, "U0001"), key(b, "U0003"), key(c, "U0003")] {
        assert!(!ids.contains(&gone), "{gone:?} still queued");
    }

    // Dashboard: 7 days ending on the 23rd (UTC); C is older than that.
    let now = crate::unix_ms_from_rfc3339("2026-11-23T10:00:00Z").unwrap();
    let counts = store
        .dashboard_counts(&crate::RunFilter::all(), now, 7)
        .await
        .unwrap();
    let each = crate::VerdictCounts {
        verified: 1,
        not_supported: 1,
        inconclusive: 1,
    };
    assert_eq!(
        counts.units,
        crate::VerdictCounts {
            verified: 3,
            not_supported: 3,
            inconclusive: 3,
        }
    );
    assert_eq!(counts.alerts, 6);
    assert_eq!(counts.awaiting_review, 6);
    assert_eq!(counts.reviewed, 3);
    assert_eq!(counts.overridden, 1, "A/U0001 is overridden now");
    let dates: Vec<&str> = counts.days.iter().map(|d| d.date.as_str()).collect();
    assert_eq!(
        dates,
        [
            "2026-11-17",
            "2026-11-18",
            "2026-11-19",
            "2026-11-20",
            "2026-11-21",
            "2026-11-22",
            "2026-11-23"
        ]
    );
    for (i, day) in counts.days.iter().enumerate() {
        let busy = i == 3 || i == 5;
        let expected = if busy {
            each
        } else {
            crate::VerdictCounts::default()
        };
        assert_eq!(day.units, expected, "{}", day.date);
        assert_eq!(day.alerts, if busy { 2 } else { 0 }, "{}", day.date);
    }
    let month = store
        .dashboard_counts(&crate::RunFilter::all(), now, 30)
        .await
        .unwrap();
    assert_eq!(month.days.len(), 30);
    assert_eq!(month.days[0].date, "2026-10-25");
    let per_day: u64 = month.days.iter().map(|d| d.units.total()).sum();
    assert_eq!(per_day, 9);

    // Alerts of every run, newest run first.
    let alerts = store.list_alerts(50, 0).await.unwrap();
    assert_eq!(alerts.total, 6);
    let runs: Vec<RunId> = alerts.items.iter().map(|x| x.run_id).collect();
    let id = RunId::from_u128;
    assert_eq!(runs, [id(b), id(b), id(a), id(a), id(c), id(c)]);
    let template = sample_run(b, "2026-11-21T23:30:00-05:00");
    assert_eq!(alerts.items[0].alert, template.alerts[0]);
    assert_eq!(alerts.items[1].alert, template.alerts[1]);
    assert_eq!(alerts.items[0].run_started_at, "2026-11-21T23:30:00-05:00");
    let page = store.list_alerts(2, 1).await.unwrap();
    assert_eq!(page.total, 6);
    assert_eq!(
        page.items
            .iter()
            .map(|x| (x.run_id, x.alert.kind.as_str()))
            .collect::<Vec<_>>(),
        [(id(b), "note"), (id(a), "recycled_child")]
    );

    // A site's dashboard counts that site's runs only (a field agent's view).
    let everyone = store
        .dashboard_counts(&crate::RunFilter::all(), 0, 1)
        .await
        .unwrap();
    let site_run = sample_intake(990, "2026-11-04T09:00:00Z", "Nogales");
    store.save_run(&site_run).await.unwrap();
    let nogales = store
        .dashboard_counts(&crate::RunFilter::site("Nogales"), 0, 1)
        .await
        .unwrap();
    assert_eq!(nogales.units.total(), site_run.units.len() as u64);
    assert_eq!(nogales.awaiting_review, site_run.units.len() as u64);
    assert_eq!((nogales.reviewed, nogales.overridden), (0, 0));
    let nowhere = store
        .dashboard_counts(&crate::RunFilter::site("Nowhere"), 0, 1)
        .await
        .unwrap();
    assert_eq!(
        (
            nowhere.units.total(),
            nowhere.alerts,
            nowhere.awaiting_review,
            nowhere.reviewed
        ),
        (0, 0, 0, 0)
    );
    let all_now = store
        .dashboard_counts(&crate::RunFilter::all(), 0, 1)
        .await
        .unwrap();
    assert_eq!(
        all_now.units.total(),
        everyone.units.total() + site_run.units.len() as u64
    );
    assert_eq!(all_now.reviewed, everyone.reviewed);

    // An empty store counts zeros, not errors (checked on a window with no runs).
    let empty = store
        .dashboard_counts(&crate::RunFilter::all(), 0, 2)
        .await
        .unwrap();
    assert!(
        empty
            .days
            .iter()
            .all(|d| d.units.total() == 0 && d.alerts == 0)
    );
}

/// Reviews cannot be changed or deleted, except by deleting their run. `exec` runs one SQL
/// statement on the backend's database (outside the store's API), returning the rows changed
/// or the database's refusal.
pub async fn reviews_are_append_only<S, F, Fut>(store: &S, exec: F)
where
    S: VerificationStore + crate::ReviewStore,
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = Result<u64, String>>,
{
    use crate::Decision;
    let (kept, dropped) = (0x11, 0x22);
    for id in [kept, dropped] {
        store
            .save_run(&sample_run(id, "2026-11-20T09:00:00Z"))
            .await
            .unwrap();
        store
            .save_review(&new_review(
                id,
                "U0002",
                0,
                Decision::Overridden,
                Verdict::Inconclusive,
                Some("one locus could be a mutation"),
            ))
            .await
            .unwrap()
            .unwrap();
    }
    let history = |id: u128| async move {
        store
            .unit_reviews(RunId::from_u128(id), "U0002")
            .await
            .unwrap()
    };
    let before = history(kept).await;
    for sql in [
        "UPDATE reviews SET reason = 'edited afterwards'",
        "UPDATE reviews SET final_verdict = 'verified', decision = 'confirmed'",
        "DELETE FROM reviews",
        "DELETE FROM reviews WHERE version = 1",
    ] {
        let outcome = exec(sql.to_string()).await;
        assert!(outcome.is_err(), "{sql}: {outcome:?}");
    }
    assert_eq!(history(kept).await, before);
    // A retention policy deleting a run takes its reviews with it, and only those.
    let deleted = exec(format!(
        "DELETE FROM runs WHERE id = '{}'",
        RunId::from_u128(dropped)
    ))
    .await;
    assert_eq!(deleted, Ok(1));
    assert!(history(dropped).await.is_empty());
    assert_eq!(history(kept).await, before);
    assert_eq!(
        store
            .dashboard_counts(&crate::RunFilter::all(), 0, 1)
            .await
            .unwrap()
            .reviewed,
        1
    );
}

/// The instrument the screening checks use (any text: the store does not parse it).
pub fn screening_instrument() -> crate::InstrumentRecord {
    crate::InstrumentRecord {
        id: "lazo-default".into(),
        version: "1.1.0".into(),
        toml:
            "id = \"lazo-default\"\nversion = \"1.1.0\"\n# « preguntas » \u{2014} kept as given\n"
                .into(),
    }
}

/// A draft screening `n` at `site`, apprehended `hour` o'clock on 23 November 2026 (UTC).
pub fn new_screening(n: u128, site: &str, hour: u32) -> crate::NewScreening {
    let instrument = screening_instrument();
    crate::NewScreening {
        id: crate::ScreeningId::from_u128(0x5c00 + n),
        child_ref: format!("A-{n:04}"),
        site: site.into(),
        language: "es".into(),
        interviewer: "maria".into(),
        instrument_id: instrument.id,
        instrument_version: instrument.version,
        apprehended_at: format!("2026-11-23T{hour:02}:15:00-06:00"),
        started_at: "2026-11-24T09:00:00.000Z".into(),
    }
}

/// Screenings: instruments kept once, drafts saved by revision, completion freezes, a
/// supervisor signs once, nothing goes backwards; lists by site and status, newest first.
pub async fn screenings<S: crate::ScreeningStore>(store: &S) {
    use crate::{Completion, ScreeningFilter, ScreeningId, ScreeningSignOff, ScreeningStatus};

    // Instruments: kept once, the same text again is fine, other text under the same version
    // is refused.
    let instrument = screening_instrument();
    assert!(
        store
            .instrument(&instrument.id, &instrument.version)
            .await
            .unwrap()
            .is_none()
    );
    // A screening under an instrument never saved is refused.
    let err = store
        .create_screening(&new_screening(1, "Tapachula", 8))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err:?}");
    store.save_instrument(&instrument).await.unwrap();
    store.save_instrument(&instrument).await.unwrap();
    assert_eq!(
        store
            .instrument(&instrument.id, &instrument.version)
            .await
            .unwrap(),
        Some(instrument.clone())
    );
    let mut edited = instrument.clone();
    edited.toml.push_str("# edited\n");
    let err = store.save_instrument(&edited).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert!(
        store
            .instrument("lazo-default", "9")
            .await
            .unwrap()
            .is_none()
    );

    // Start: a draft with no answers.
    let first = new_screening(1, "Tapachula", 8);
    store.create_screening(&first).await.unwrap();
    let err = store.create_screening(&first).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    for broken in [
        crate::NewScreening {
            child_ref: " ".into(),
            ..new_screening(90, "Tapachula", 8)
        },
        crate::NewScreening {
            child_ref: "x".repeat(65),
            ..new_screening(91, "Tapachula", 8)
        },
        crate::NewScreening {
            apprehended_at: "yesterday".into(),
            ..new_screening(92, "Tapachula", 8)
        },
        crate::NewScreening {
            site: String::new(),
            ..new_screening(93, "Tapachula", 8)
        },
    ] {
        let err = store.create_screening(&broken).await.unwrap_err();
        assert!(matches!(err, StoreError::Invalid(_)), "{err:?}");
    }
    let read = store.screening(first.id).await.unwrap().unwrap();
    let s = &read.summary;
    assert_eq!(s.id, first.id);
    assert_eq!(
        (s.child_ref.as_str(), s.site.as_str(), s.language.as_str()),
        ("A-0001", "Tapachula", "es")
    );
    assert_eq!(s.interviewer, "maria");
    assert_eq!(
        (s.instrument_id.as_str(), s.instrument_version.as_str()),
        ("lazo-default", "1.1.0")
    );
    assert_eq!(s.apprehended_at, first.apprehended_at);
    assert_eq!(s.started_at, first.started_at);
    assert_eq!(s.updated_at, first.started_at);
    assert_eq!((s.status, s.revision), (ScreeningStatus::Draft, 0));
    assert!(s.completion.is_none() && s.sign_off.is_none());
    assert_eq!(read.answers_json, "{}");
    assert!(read.decision_json.is_none());
    let missing = ScreeningId::from_u128(0xdead);
    assert!(store.screening(missing).await.unwrap().is_none());

    // Answers are saved by revision: a stale revision is a conflict, nothing is lost.
    let answers = r#"{"q_hurt": {"yes_no": "no"}, "q_name": {"text": "José — «Pepe»"}}"#;
    let at = "2026-11-24T09:05:00.000Z";
    assert_eq!(
        store.save_answers(first.id, 0, answers, at).await.unwrap(),
        Some(1)
    );
    let err = store.save_answers(first.id, 0, "{}", at).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    let read = store.screening(first.id).await.unwrap().unwrap();
    assert_eq!(read.answers_json, answers);
    assert_eq!(read.summary.revision, 1);
    assert_eq!(read.summary.updated_at, at);
    for bad in ["[1, 2]", "{\"q\": ", "\"text\""] {
        let err = store.save_answers(first.id, 1, bad, at).await.unwrap_err();
        assert!(matches!(err, StoreError::Invalid(_)), "{bad}: {err:?}");
    }
    assert_eq!(
        store.save_answers(missing, 0, "{}", at).await.unwrap(),
        None
    );

    // A draft cannot be signed.
    let sign_off = ScreeningSignOff {
        signed_by: "sofia".into(),
        signed_at: "2026-11-24T12:00:00.000Z".into(),
        reason: "Read the answers with the interviewer; referral confirmed.".into(),
    };
    let err = store.sign_screening(first.id, &sign_off).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");

    // Completion: at the revision read, answers and decision frozen (byte for byte).
    let decision = "{ \"outcome\" : {\"outcome\": \"supervisor_review\", \"open\": [\"credible_fear\"]},\n  \"nota\": \"niña\" }";
    let completion = Completion {
        completed_at: "2026-11-24T10:00:00.000Z".into(),
        completed_by: "maria".into(),
        answers_json: answers.into(),
        decision_json: decision.into(),
        outcome: "supervisor_review".into(),
    };
    let err = store
        .complete_screening(first.id, 0, &completion)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert!(
        !store
            .complete_screening(missing, 0, &completion)
            .await
            .unwrap()
    );
    assert!(
        store
            .complete_screening(first.id, 1, &completion)
            .await
            .unwrap()
    );
    let read = store.screening(first.id).await.unwrap().unwrap();
    assert_eq!(read.summary.status, ScreeningStatus::Completed);
    assert_eq!(read.decision_json.as_deref(), Some(decision));
    assert_eq!(read.answers_json, answers);
    assert_eq!(
        read.summary.completion,
        Some(crate::CompletionInfo {
            completed_at: completion.completed_at.clone(),
            completed_by: "maria".into(),
            outcome: "supervisor_review".into(),
        })
    );
    assert_eq!(read.summary.updated_at, completion.completed_at);
    // Frozen: no more answers, no second completion.
    let err = store.save_answers(first.id, 1, "{}", at).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    let err = store
        .complete_screening(first.id, 1, &completion)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");

    // Signature: a reason is required; signed once.
    let no_reason = ScreeningSignOff {
        reason: "  ".into(),
        ..sign_off.clone()
    };
    let err = store
        .sign_screening(first.id, &no_reason)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err:?}");
    assert!(!store.sign_screening(missing, &sign_off).await.unwrap());
    assert!(store.sign_screening(first.id, &sign_off).await.unwrap());
    let err = store.sign_screening(first.id, &sign_off).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    let read = store.screening(first.id).await.unwrap().unwrap();
    assert_eq!(read.summary.status, ScreeningStatus::Signed);
    assert_eq!(read.summary.sign_off, Some(sign_off.clone()));
    assert_eq!(read.decision_json.as_deref(), Some(decision));
    assert_eq!(read.summary.updated_at, sign_off.signed_at);

    // Lists: by site and status, newest apprehension first (by instant, not text), paginated.
    // Apprehended (UTC): #1 14:15, #2 16:15, #3 13:15 at Nogales, #4 16:15 (tie with #2).
    store
        .create_screening(&new_screening(2, "Tapachula", 10))
        .await
        .unwrap();
    let mut third = new_screening(3, "Nogales", 7);
    third.apprehended_at = "2026-11-23T14:15:00+01:00".into();
    store.create_screening(&third).await.unwrap();
    let mut fourth = new_screening(4, "Tapachula", 16);
    fourth.apprehended_at = "2026-11-23T16:15:00Z".into();
    store.create_screening(&fourth).await.unwrap();
    let ids = |rows: Vec<crate::ScreeningSummary>| -> Vec<String> {
        rows.into_iter().map(|r| r.child_ref).collect()
    };
    let all = ScreeningFilter::default();
    assert_eq!(store.count_screenings(&all).await.unwrap(), 4);
    assert_eq!(
        ids(store.list_screenings(&all, 10, 0).await.unwrap()),
        ["A-0004", "A-0002", "A-0001", "A-0003"]
    );
    assert_eq!(
        ids(store.list_screenings(&all, 2, 1).await.unwrap()),
        ["A-0002", "A-0001"]
    );
    assert!(store.list_screenings(&all, 10, 4).await.unwrap().is_empty());
    assert!(
        store
            .list_screenings(&all, 10, u64::MAX)
            .await
            .unwrap()
            .is_empty()
    );
    let tapachula = ScreeningFilter {
        site: Some("Tapachula".into()),
        status: None,
        apprehended_before: None,
    };
    assert_eq!(store.count_screenings(&tapachula).await.unwrap(), 3);
    assert_eq!(
        ids(store.list_screenings(&tapachula, 10, 0).await.unwrap()),
        ["A-0004", "A-0002", "A-0001"]
    );
    let signed = ScreeningFilter {
        site: None,
        status: Some(ScreeningStatus::Signed),
        apprehended_before: None,
    };
    assert_eq!(
        ids(store.list_screenings(&signed, 10, 0).await.unwrap()),
        ["A-0001"]
    );
    let nogales_drafts = ScreeningFilter {
        site: Some("Nogales".into()),
        status: Some(ScreeningStatus::Draft),
        apprehended_before: None,
    };
    assert_eq!(store.count_screenings(&nogales_drafts).await.unwrap(), 1);
    // Drafts apprehended before an instant (strictly, by instant): the escalated ones.
    let old_drafts = ScreeningFilter {
        site: None,
        status: Some(ScreeningStatus::Draft),
        apprehended_before: Some("2026-11-23T10:15:00-06:00".into()),
    };
    assert_eq!(store.count_screenings(&old_drafts).await.unwrap(), 1);
    assert_eq!(
        ids(store.list_screenings(&old_drafts, 10, 0).await.unwrap()),
        ["A-0003"]
    );
    let bad_bound = ScreeningFilter {
        apprehended_before: Some("noon".into()),
        ..ScreeningFilter::default()
    };
    for err in [
        store.count_screenings(&bad_bound).await.unwrap_err(),
        store.list_screenings(&bad_bound, 10, 0).await.unwrap_err(),
    ] {
        assert!(matches!(err, StoreError::Invalid(_)), "{err:?}");
    }
    let listed = store.list_screenings(&signed, 1, 0).await.unwrap();
    assert_eq!(
        listed[0], read.summary,
        "a list row is the record's summary"
    );

    // Times for the compliance statistics: from an instant on (inclusive), oldest first by
    // instant (not text), as recorded (offsets kept), with the completion when there is one.
    let times = store
        .screening_times(None, "2026-11-23T00:00:00Z")
        .await
        .unwrap();
    let brief: Vec<(&str, &str, Option<&str>)> = times
        .iter()
        .map(|t| {
            (
                t.site.as_str(),
                t.apprehended_at.as_str(),
                t.completed_at.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        brief,
        [
            ("Nogales", "2026-11-23T14:15:00+01:00", None),
            (
                "Tapachula",
                "2026-11-23T08:15:00-06:00",
                Some("2026-11-24T10:00:00.000Z")
            ),
            ("Tapachula", "2026-11-23T10:15:00-06:00", None),
            ("Tapachula", "2026-11-23T16:15:00Z", None),
        ]
    );
    let later = store
        .screening_times(Some("Tapachula"), "2026-11-23T16:15:00Z")
        .await
        .unwrap();
    assert_eq!(later.len(), 2, "{later:?}");
    assert!(later.iter().all(|t| t.site == "Tapachula"));
    assert!(
        store
            .screening_times(Some("Tijuana"), "2026-01-01T00:00:00Z")
            .await
            .unwrap()
            .is_empty()
    );
    let err = store.screening_times(None, "last week").await.unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err:?}");
}
