//! Repeat-child alerts: a child whose profile matches a child presented in an earlier unit (of
//! the same intake, or of any stored run through a [`crate::ChildIndex`]), with the adults who
//! accompanied the child each time.

use std::collections::BTreeMap;

use lazo_genetics::FrequencyTable;
use lazo_index::{IndexError, PresentedSample, RepeatChildConfig, SampleRole, repeat_child_alerts};
use lazo_kinship::FamilyUnit;
use serde::{Deserialize, Serialize};

use crate::ChildIndex;

/// The `kind` of a repeat-child alert, as stored and in JSON.
pub const REPEAT_CHILD: &str = "repeat_child";

/// One alert as it appears in a unit's `alerts` array (see the README's CLI contract) and in a
/// stored alert's detail.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RepeatChild {
    pub kind: String,
    pub sample_id: String,
    /// The adults presenting the child now.
    pub adults: Vec<Adult>,
    pub earlier: Vec<Earlier>,
}

/// A presentation of the same child before.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Earlier {
    /// The stored run the earlier unit belongs to, when it is another run than this one's
    /// (absent when the earlier unit is in the same run).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
    pub unit_id: String,
    pub sample_id: String,
    /// The adults who presented the child then.
    pub adults: Vec<Adult>,
    pub stringency: lazo_index::Stringency,
    pub shared_loci: u8,
    pub mismatching_loci: u8,
    pub random_match_probability: f64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Adult {
    pub sample_id: String,
    pub role: String,
}

/// The adults of a unit, mother first.
pub fn adults_of(unit: &FamilyUnit<'_>) -> Vec<Adult> {
    let mut v = Vec::new();
    if let Some(m) = unit.mother {
        v.push(Adult {
            sample_id: m.sample_id.clone(),
            role: "mother".into(),
        });
    }
    if let Some(f) = unit.father {
        v.push(Adult {
            sample_id: f.sample_id.clone(),
            role: "father".into(),
        });
    }
    v
}

/// Alerts for every unit, keyed by unit id (units in presentation order): each child against
/// the children of earlier units in `units`.
pub fn repeat_children(
    units: &[FamilyUnit<'_>],
    table: &FrequencyTable,
) -> Result<BTreeMap<String, Vec<RepeatChild>>, IndexError> {
    repeat_children_with_history(units, table, None)
}

/// As [`repeat_children`], and each child also against every child of `history` (the stored
/// runs); earlier entries from history come first (in the order they were indexed) and carry
/// their run id.
pub fn repeat_children_with_history(
    units: &[FamilyUnit<'_>],
    table: &FrequencyTable,
    history: Option<&ChildIndex>,
) -> Result<BTreeMap<String, Vec<RepeatChild>>, IndexError> {
    let samples: Vec<PresentedSample<'_>> = units
        .iter()
        .flat_map(|u| {
            u.children.iter().map(move |c| PresentedSample {
                unit_id: &u.id,
                sample_id: &c.sample_id,
                role: SampleRole::Child,
                profile: c,
            })
        })
        .collect();
    let config = RepeatChildConfig::default();
    let found = repeat_child_alerts(&samples, table, &config)?;
    let by_id: BTreeMap<&str, &FamilyUnit<'_>> = units.iter().map(|u| (u.id.as_str(), u)).collect();
    // Earlier children within this run, by (unit, sample).
    let mut within: BTreeMap<(&str, &str), Vec<Earlier>> = BTreeMap::new();
    for alert in &found {
        let earlier = alert
            .matches
            .iter()
            .map(|m| Earlier {
                run_id: None,
                unit_id: m.unit_id.clone(),
                sample_id: m.sample_id.clone(),
                adults: by_id
                    .get(m.unit_id.as_str())
                    .map(|u| adults_of(u))
                    .unwrap_or_default(),
                stringency: m.stringency,
                shared_loci: m.shared_loci,
                mismatching_loci: m.mismatching_loci,
                random_match_probability: m.random_match_probability,
            })
            .collect();
        within.insert((alert.unit_id.as_str(), alert.sample_id.as_str()), earlier);
    }
    let mut alerts: BTreeMap<String, Vec<RepeatChild>> = BTreeMap::new();
    for sample in &samples {
        let mut earlier = match history {
            Some(history) => history.search(sample.profile, table, &config)?,
            None => Vec::new(),
        };
        if let Some(mut same_run) = within.remove(&(sample.unit_id, sample.sample_id)) {
            earlier.append(&mut same_run);
        }
        if earlier.is_empty() {
            continue;
        }
        let adults = by_id
            .get(sample.unit_id)
            .map(|u| adults_of(u))
            .unwrap_or_default();
        alerts
            .entry(sample.unit_id.to_string())
            .or_default()
            .push(RepeatChild {
                kind: REPEAT_CHILD.into(),
                sample_id: sample.sample_id.to_string(),
                adults,
                earlier,
            });
    }
    Ok(alerts)
}

/// One line for people: who, when, with whom.
pub fn describe(alert: &RepeatChild) -> String {
    let names = |adults: &[Adult]| {
        if adults.is_empty() {
            "no adult".to_string()
        } else {
            adults
                .iter()
                .map(|a| format!("{} ({})", a.sample_id, a.role))
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    let earlier: Vec<String> = alert
        .earlier
        .iter()
        .map(|e| {
            let run = e
                .run_id
                .as_ref()
                .map_or(String::new(), |r| format!(" of run {r}"));
            format!(
                "as {} in unit {}{run} with {}",
                e.sample_id,
                e.unit_id,
                names(&e.adults)
            )
        })
        .collect();
    format!(
        "repeat child: {} (now with {}) was presented before {}",
        alert.sample_id,
        names(&alert.adults),
        earlier.join("; ")
    )
}

/// A profile's children-index id within a stored run: sample ids repeat across runs.
pub(crate) fn child_key(run_id: &str, sample_id: &str) -> String {
    format!("{run_id}/{sample_id}")
}
