//! Repeat-child alerts: a child whose profile matches a child presented in an earlier unit,
//! with the adults who accompanied the child each time.

use std::collections::BTreeMap;

use anyhow::Result;
use lazo_genetics::FrequencyTable;
use lazo_index::{PresentedSample, RepeatChildConfig, SampleRole, repeat_child_alerts};
use lazo_kinship::FamilyUnit;
use serde::Serialize;

/// One alert as it appears in a unit's `alerts` array (see the README's CLI contract).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RepeatChild {
    pub kind: &'static str,
    pub sample_id: String,
    /// The adults presenting the child now.
    pub adults: Vec<Adult>,
    pub earlier: Vec<Earlier>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Earlier {
    pub unit_id: String,
    pub sample_id: String,
    /// The adults who presented the child then.
    pub adults: Vec<Adult>,
    pub stringency: lazo_index::Stringency,
    pub shared_loci: u8,
    pub mismatching_loci: u8,
    pub random_match_probability: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Adult {
    pub sample_id: String,
    pub role: &'static str,
}

fn adults_of(unit: &FamilyUnit<'_>) -> Vec<Adult> {
    let mut v = Vec::new();
    if let Some(m) = unit.mother {
        v.push(Adult {
            sample_id: m.sample_id.clone(),
            role: "mother",
        });
    }
    if let Some(f) = unit.father {
        v.push(Adult {
            sample_id: f.sample_id.clone(),
            role: "father",
        });
    }
    v
}

/// Alerts for every unit, keyed by unit id (units in presentation order).
pub fn repeat_children(
    units: &[FamilyUnit<'_>],
    table: &FrequencyTable,
) -> Result<BTreeMap<String, Vec<RepeatChild>>> {
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
    let found = repeat_child_alerts(&samples, table, &RepeatChildConfig::default())?;
    let by_id: BTreeMap<&str, &FamilyUnit<'_>> = units.iter().map(|u| (u.id.as_str(), u)).collect();
    let mut alerts: BTreeMap<String, Vec<RepeatChild>> = BTreeMap::new();
    for alert in found {
        let adults = by_id
            .get(alert.unit_id.as_str())
            .map(|u| adults_of(u))
            .unwrap_or_default();
        let earlier = alert
            .matches
            .iter()
            .map(|m| Earlier {
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
        alerts
            .entry(alert.unit_id.clone())
            .or_default()
            .push(RepeatChild {
                kind: "repeat_child",
                sample_id: alert.sample_id,
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
            format!(
                "as {} in unit {} with {}",
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
