//! Intake from uploaded bytes: every problem at once with its line, each file format, and
//! repeat children across stored runs.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use lazo_formats::{CmfMeta, write_cmf, write_profiles};
use lazo_genetics::Profile;
use lazo_intake::{
    Accepted, Analysis, ChildIndex, IntakeError, IntakeRequest, Person, ProblemSource,
    ProfileFormat, Rejected, SampleCustody, UnitDefinition, verify_intake,
};
use lazo_kinship::MutationModel;
use lazo_sim::Simulator;
use lazo_store::{RunId, RunKind, Verdict};

const STARTED: &str = "2026-11-23T15:00:00Z";

/// A mother, a father, their two children, an unrelated woman, and a second child of the
/// mother: simulated from the default population, every CODIS locus typed.
fn people(analysis: &Analysis) -> Vec<Profile> {
    let model = MutationModel::parse("equal:0.002").unwrap();
    let mut sim = Simulator::seeded(analysis.table(), &model, 2026).unwrap();
    let mother = sim.founder("M-1");
    let father = sim.founder("F-1");
    let (c1, _) = sim.child("C-1", &father, &mother);
    let (c2, _) = sim.child("C-2", &father, &mother);
    let stranger = sim.founder("W-9");
    vec![mother, father, c1, c2, stranger]
}

fn person(sample_id: &str, role: &str) -> Person {
    Person {
        sample_id: sample_id.into(),
        role: role.into(),
    }
}

fn unit(unit_id: &str, people: &[(&str, &str)]) -> UnitDefinition {
    UnitDefinition {
        unit_id: unit_id.into(),
        people: people.iter().map(|(s, r)| person(s, r)).collect(),
    }
}

fn custody_for(sample_id: &str) -> SampleCustody {
    SampleCustody {
        sample_id: sample_id.into(),
        collector: "Agente Ruiz".into(),
        collected_on: "2026-11-23".into(),
        place: "Tapachula".into(),
        consent: Some(true),
        kit: "GlobalFiler".into(),
    }
}

fn custody_of(units: &[UnitDefinition]) -> Vec<SampleCustody> {
    units
        .iter()
        .flat_map(|u| &u.people)
        .map(|p| custody_for(&p.sample_id))
        .collect()
}

fn run(
    analysis: &Analysis,
    history: &ChildIndex,
    run_id: u128,
    file_name: &str,
    file: &[u8],
    units: &[UnitDefinition],
    custody: &[SampleCustody],
) -> Result<Accepted, IntakeError> {
    verify_intake(
        &IntakeRequest {
            run_id: RunId::from_u128(run_id),
            started_at: STARTED,
            site: Some("Tapachula"),
            file_name,
            file,
            units,
            custody,
        },
        analysis,
        history,
    )
}

fn rejected(result: Result<Accepted, IntakeError>) -> Rejected {
    match result {
        Err(IntakeError::Rejected(r)) => r,
        Ok(a) => panic!("accepted: {:?}", a.record.summary),
        Err(e) => panic!("{e}"),
    }
}

fn family() -> Vec<UnitDefinition> {
    vec![unit(
        "U-1",
        &[
            ("M-1", "mother"),
            ("F-1", "father"),
            ("C-1", "child"),
            ("C-2", "child"),
        ],
    )]
}

#[test]
fn a_genemapper_upload_becomes_a_run_record() {
    let analysis = Analysis::defaults().unwrap();
    let csv = write_profiles(&people(&analysis));
    let units = family();
    let accepted = run(
        &analysis,
        &ChildIndex::new(),
        1,
        "lab.csv",
        csv.as_bytes(),
        &units,
        &custody_of(&units),
    )
    .unwrap();
    assert_eq!(accepted.format, ProfileFormat::Table);
    let record = &accepted.record;
    assert_eq!(record.kind, RunKind::Intake);
    assert_eq!(record.site.as_deref(), Some("Tapachula"));
    assert_eq!(record.id, RunId::from_u128(1));
    assert_eq!(record.units.len(), 1);
    assert_eq!(record.units[0].verdict, Verdict::Verified);
    assert_eq!(record.summary.verified, 1);
    record.validate().unwrap();
    // The stranger in the file is in no unit: not stored, and said so.
    let stored: Vec<&str> = record
        .profiles
        .iter()
        .map(|p| p.sample_id.as_str())
        .collect();
    assert_eq!(stored, ["M-1", "F-1", "C-1", "C-2"]);
    assert!(
        accepted.warnings.iter().any(|w| w.contains("W-9")),
        "{:?}",
        accepted.warnings
    );
    let custody: Vec<&str> = record
        .custody
        .iter()
        .map(|c| c.sample_id.as_str())
        .collect();
    assert_eq!(custody, ["M-1", "F-1", "C-1", "C-2"]);
    assert!(
        record
            .custody
            .iter()
            .all(|c| c.consent && c.kit == "GlobalFiler")
    );
    assert_eq!(
        record.policy_toml,
        analysis.settings().to_toml().unwrap(),
        "the policy in force is stored"
    );
    assert!(record.alerts.is_empty());
}

#[test]
fn every_format_is_read() {
    let analysis = Analysis::defaults().unwrap();
    let profiles = people(&analysis);
    let csv = write_profiles(&profiles);
    let tsv = csv.replace(',', "\t");
    let semicolons = csv.replace(',', ";");
    let cmf = write_cmf(
        &profiles,
        &CmfMeta::new("LAB", "DEST", "lazo", "2026-11-23T10:00:00"),
    );
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(tsv.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let units = family();
    let custody = custody_of(&units);
    let mut verdicts = Vec::new();
    for (name, bytes, format) in [
        ("a.csv", csv.as_bytes().to_vec(), ProfileFormat::Table),
        ("a.txt", tsv.as_bytes().to_vec(), ProfileFormat::Table),
        (
            "a.csv",
            semicolons.as_bytes().to_vec(),
            ProfileFormat::Table,
        ),
        ("a.xml", cmf.as_bytes().to_vec(), ProfileFormat::Cmf),
        ("upload", cmf.as_bytes().to_vec(), ProfileFormat::Cmf),
        ("unicode.txt", utf16, ProfileFormat::Table),
    ] {
        let accepted = run(
            &analysis,
            &ChildIndex::new(),
            2,
            name,
            &bytes,
            &units,
            &custody,
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(accepted.format, format, "{name}");
        verdicts.push(accepted.record.units[0].report_json.clone());
    }
    // Whatever the format, the same profiles give the same report.
    assert!(verdicts.windows(2).all(|w| w[0] == w[1]));
}

#[test]
fn every_problem_is_reported_at_once_with_its_line() {
    let analysis = Analysis::defaults().unwrap();
    let csv = write_profiles(&people(&analysis));
    let mut lines: Vec<String> = csv.lines().map(str::to_string).collect();
    // Three bad lines: a malformed allele, an unknown marker, an empty sample name.
    let cells = |line: &str| line.split(',').map(str::to_string).collect::<Vec<_>>();
    let mut l4 = cells(&lines[4]);
    l4[2] = "1O".into();
    lines[4] = l4.join(",");
    let mut l9 = cells(&lines[9]);
    l9[1] = "D99S123".into();
    lines[9] = l9.join(",");
    let mut l17 = cells(&lines[17]);
    l17[0] = String::new();
    lines[17] = l17.join(",");
    let bad = lines.join("\n");
    let mut units = family();
    units[0].people.push(person("NOBODY", "child"));
    units.push(unit(
        "U-2",
        &[("C-1", "child"), ("W-9", "aunt"), ("C-2b", "")],
    ));
    units.push(unit("U-1", &[("X-1", "mother"), ("X-2", "mother")]));
    let mut custody = custody_of(&family());
    custody[0].consent = None;
    custody[1].collected_on = "23/11/2026".into();
    custody[2].collector = " ".into();
    custody[3].consent = Some(false);
    custody.push(custody[0].clone());
    custody.push(custody_for("STRAY"));
    custody.push(custody_for("W-9")); // W-9's row is refused for its role: no second problem

    let r = rejected(run(
        &analysis,
        &ChildIndex::new(),
        3,
        "lab.csv",
        bad.as_bytes(),
        &units,
        &custody,
    ));
    assert_eq!(r.format, Some(ProfileFormat::Table));
    let file: Vec<_> = r
        .problems
        .iter()
        .filter(|p| p.source == ProblemSource::File)
        .collect();
    let file_lines: Vec<Option<usize>> = file.iter().map(|p| p.line).collect();
    assert_eq!(file_lines, [Some(5), Some(10), Some(18)], "{file:#?}");
    assert_eq!(file[0].column.as_deref(), Some("Allele 1"));
    assert_eq!(file[0].sample_id.as_deref(), Some("M-1"));
    assert!(file[0].locus.is_some());
    assert_eq!(file[1].locus.as_deref(), Some("D99S123"));
    assert_eq!(file[1].column.as_deref(), Some("Marker"));
    assert_eq!(file[2].column.as_deref(), Some("Sample Name"));

    let text = |source: ProblemSource| -> Vec<String> {
        r.problems
            .iter()
            .filter(|p| p.source == source)
            .map(ToString::to_string)
            .collect()
    };
    let units_problems = text(ProblemSource::Units);
    for expected in [
        "sample NOBODY is not in the uploaded file",
        "sample C-1 is used twice (already in unit U-1)",
        "unknown role \"aunt\"",
        "sample C-2b, \"role\": no role given",
        "unit U-2, \"role\": the unit has no mother or father",
        "unit id U-1 is given twice",
        "already has a mother (X-1)",
        "unit U-1, \"role\": the unit has no child",
    ] {
        assert!(
            units_problems.iter().any(|p| p.contains(expected)),
            "{expected:?} not in {units_problems:#?}"
        );
    }
    let custody_problems = text(ProblemSource::Custody);
    for expected in [
        "sample M-1, \"consent\": consent is not recorded",
        "sample F-1, \"collected_on\": \"23/11/2026\" is not a date",
        "sample C-1, \"collector\": missing",
        "sample C-2, \"consent\": consent was not given",
        "custody of sample M-1 is given twice",
        "sample NOBODY: no chain-of-custody record",
        "custody is given for sample STRAY, which no unit lists",
    ] {
        assert!(
            custody_problems.iter().any(|p| p.contains(expected)),
            "{expected:?} not in {custody_problems:#?}"
        );
    }
    assert!(
        !custody_problems.iter().any(|p| p.contains("W-9")),
        "{custody_problems:#?}"
    );
}

#[test]
fn a_file_that_is_not_utf8_names_its_lines() {
    let analysis = Analysis::defaults().unwrap();
    let units = family();
    let latin1 =
        b"Sample Name,Marker,Allele 1,Allele 2\nNi\xF1o,TH01,6,7\nM-1,TH01,6,6\nA\xF1o,vWA,17,18\n";
    let r = rejected(run(
        &analysis,
        &ChildIndex::new(),
        4,
        "lab.csv",
        latin1,
        &units,
        &custody_of(&units),
    ));
    assert_eq!(r.format, None);
    let lines: Vec<Option<usize>> = r
        .problems
        .iter()
        .filter(|p| p.source == ProblemSource::File)
        .map(|p| p.line)
        .collect();
    assert_eq!(lines, [Some(2), Some(4)]);
    // The units are still checked (not against the unread file).
    assert!(r.problems.iter().all(|p| p.source == ProblemSource::File));
}

#[test]
fn a_cmf_upload_reports_every_bad_specimen() {
    let analysis = Analysis::defaults().unwrap();
    let profiles = people(&analysis);
    let cmf = write_cmf(
        &profiles,
        &CmfMeta::new("LAB", "DEST", "lazo", "2026-11-23T10:00:00"),
    );
    let mut lines: Vec<String> = cmf.lines().map(str::to_string).collect();
    let values: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.contains("<ALLELEVALUE>"))
        .map(|(i, _)| i)
        .collect();
    for &i in &[values[3], values[60]] {
        lines[i] = "        <ALLELEVALUE>abc</ALLELEVALUE>".into();
    }
    let units = family();
    let r = rejected(run(
        &analysis,
        &ChildIndex::new(),
        5,
        "lab.xml",
        lines.join("\n").as_bytes(),
        &units,
        &custody_of(&units),
    ));
    assert_eq!(r.format, Some(ProfileFormat::Cmf));
    let at: Vec<(Option<usize>, Option<&str>)> = r
        .problems
        .iter()
        .map(|p| (p.line, p.column.as_deref()))
        .collect();
    assert_eq!(
        at,
        [
            (Some(values[3] + 1), Some("ALLELEVALUE")),
            (Some(values[60] + 1), Some("ALLELEVALUE")),
        ]
    );
}

#[test]
fn a_child_presented_again_with_another_adult_is_alerted_across_runs() {
    let analysis = Analysis::defaults().unwrap();
    let profiles = people(&analysis);
    let csv = write_profiles(&profiles);
    let first_units = family();
    let first = run(
        &analysis,
        &ChildIndex::new(),
        10,
        "day1.csv",
        csv.as_bytes(),
        &first_units,
        &custody_of(&first_units),
    )
    .unwrap();
    let mut history = ChildIndex::new();
    assert_eq!(history.add_record(&first.record).unwrap(), 2);

    // Weeks later, child C-2 comes back as "N-7", with the unrelated woman as mother.
    let mut again = profiles[3].clone();
    again.sample_id = "N-7".into();
    let mut stranger = profiles[4].clone();
    stranger.sample_id = "W-9".into();
    let second_file = write_profiles(&[stranger, again]);
    let second_units = vec![unit("U-77", &[("W-9", "mother"), ("N-7", "child")])];
    let second = run(
        &analysis,
        &history,
        11,
        "day2.csv",
        second_file.as_bytes(),
        &second_units,
        &custody_of(&second_units),
    )
    .unwrap();
    let alerts = &second.alerts["U-77"];
    assert_eq!(alerts.len(), 1);
    let alert = &alerts[0];
    assert_eq!(alert.kind, "repeat_child");
    assert_eq!(alert.sample_id, "N-7");
    assert_eq!(alert.adults[0].sample_id, "W-9");
    assert_eq!(alert.earlier.len(), 1);
    let earlier = &alert.earlier[0];
    assert_eq!(
        earlier.run_id.as_deref(),
        Some(&*RunId::from_u128(10).to_string())
    );
    assert_eq!(
        (earlier.unit_id.as_str(), earlier.sample_id.as_str()),
        ("U-1", "C-2")
    );
    let adults: Vec<(&str, &str)> = earlier
        .adults
        .iter()
        .map(|a| (a.sample_id.as_str(), a.role.as_str()))
        .collect();
    assert_eq!(adults, [("M-1", "mother"), ("F-1", "father")]);
    assert!(earlier.random_match_probability < 1e-15);
    // Stored with the run, with the run id in the detail for the alerts page to link by.
    assert_eq!(second.record.alerts.len(), 1);
    assert_eq!(second.record.summary.alerts, 1);
    let detail: serde_json::Value =
        serde_json::from_str(&second.record.alerts[0].detail_json).unwrap();
    assert_eq!(
        detail["earlier"][0]["run_id"],
        RunId::from_u128(10).to_string()
    );
    assert_eq!(detail["earlier"][0]["adults"][1]["role"], "father");
    // The sibling C-1 and the other children are not taken for C-2.
    let lone = write_profiles(&profiles[2..3]);
    let sibling_units = vec![unit("U-78", &[("C-1", "child"), ("M-1", "mother")])];
    let mut sibling_file = lone;
    sibling_file.push_str(
        &write_profiles(&profiles[0..1])
            .lines()
            .skip(1)
            .map(|l| format!("{l}\n"))
            .collect::<String>(),
    );
    let sibling = run(
        &analysis,
        &history,
        12,
        "day3.csv",
        sibling_file.as_bytes(),
        &sibling_units,
        &custody_of(&sibling_units),
    )
    .unwrap();
    let earlier: Vec<&str> = sibling
        .alerts
        .get("U-78")
        .into_iter()
        .flatten()
        .flat_map(|a| a.earlier.iter().map(|e| e.sample_id.as_str()))
        .collect();
    assert_eq!(earlier, ["C-1"], "C-1 matches itself only, not its sister");

    // Expunged runs are forgotten.
    assert!(history.remove_run(RunId::from_u128(10)));
    let after = run(
        &analysis,
        &history,
        13,
        "day2.csv",
        second_file.as_bytes(),
        &second_units,
        &custody_of(&second_units),
    )
    .unwrap();
    assert!(after.alerts.is_empty());
}

#[test]
fn a_child_twice_in_one_intake_is_alerted_within_the_run() {
    let analysis = Analysis::defaults().unwrap();
    let profiles = people(&analysis);
    let mut twin = profiles[2].clone();
    twin.sample_id = "C-1b".into();
    let mut all = profiles.clone();
    all.push(twin);
    let units = vec![
        unit("U-1", &[("M-1", "mother"), ("C-1", "child")]),
        unit("U-2", &[("W-9", "mother"), ("C-1b", "child")]),
    ];
    let accepted = run(
        &analysis,
        &ChildIndex::new(),
        20,
        "x.csv",
        write_profiles(&all).as_bytes(),
        &units,
        &custody_of(&units),
    )
    .unwrap();
    let alert = &accepted.alerts["U-2"][0];
    assert_eq!(alert.earlier[0].unit_id, "U-1");
    assert_eq!(alert.earlier[0].run_id, None);
    assert_eq!(accepted.record.units[1].verdict, Verdict::NotSupported);
}
