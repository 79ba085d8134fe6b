//! The children of every stored run, searchable: what a new intake's children are checked
//! against for repeat-child alerts across runs. The web service keeps one in memory, built from
//! the store at start-up and extended after each saved intake.

use std::collections::HashMap;

use lazo_genetics::{AlleleCall, FrequencyTable, Locus, LocusCall, Profile};
use lazo_index::{IdentityQuery, ProfileIndex, RepeatChildConfig, Stringency, search_identity};
use lazo_store::{MemberRole, ProfileRecord, RunId, RunRecord, UnitMember};

use crate::alerts::{Adult, Earlier, child_key};

/// Why a stored run could not be indexed.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("stored run {run}, sample {sample}: {message}")]
    Profile {
        run: RunId,
        sample: String,
        message: String,
    },
    #[error("stored run {run}: {source}")]
    Index {
        run: RunId,
        source: lazo_index::IndexError,
    },
}

/// One time a child was presented: which run and unit, with whom.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Presentation {
    run_id: RunId,
    unit_id: String,
    sample_id: String,
    adults: Vec<Adult>,
}

/// Children of stored runs in a [`ProfileIndex`] (id `RUN_ID/SAMPLE_ID`: sample ids repeat
/// across runs), with where and with whom each was presented. Slots follow the order runs were
/// added, so add runs oldest first to list earlier presentations in time order.
#[derive(Clone, Debug, Default)]
pub struct ChildIndex {
    index: ProfileIndex,
    presented: HashMap<String, Vec<Presentation>>,
    runs: HashMap<RunId, Vec<String>>,
}

impl ChildIndex {
    pub fn new() -> ChildIndex {
        ChildIndex::default()
    }

    /// Children indexed (live).
    pub fn children(&self) -> usize {
        self.index.len()
    }

    /// Runs indexed (including runs without children).
    pub fn runs(&self) -> usize {
        self.runs.len()
    }

    pub fn contains_run(&self, run: RunId) -> bool {
        self.runs.contains_key(&run)
    }

    pub fn run_ids(&self) -> impl Iterator<Item = RunId> + '_ {
        self.runs.keys().copied()
    }

    /// Adds the children of a stored run: its units (id and members, as the store lists them)
    /// and its profiles. All or nothing: on an error nothing of the run is indexed. A run
    /// already indexed is left as it is. Returns the children added.
    pub fn add_run<'a>(
        &mut self,
        run_id: RunId,
        units: impl IntoIterator<Item = (&'a str, &'a [UnitMember])>,
        profiles: &[ProfileRecord],
    ) -> Result<usize, HistoryError> {
        if self.contains_run(run_id) {
            return Ok(0);
        }
        let by_sample: HashMap<&str, &ProfileRecord> =
            profiles.iter().map(|p| (p.sample_id.as_str(), p)).collect();
        let run_text = run_id.to_string();
        // Parse everything first: a refused profile leaves the index untouched.
        let mut new: Vec<(String, Profile, Presentation)> = Vec::new();
        for (unit_id, members) in units {
            let adults: Vec<Adult> = members
                .iter()
                .filter(|m| m.role != MemberRole::Child)
                .map(|m| Adult {
                    sample_id: m.sample_id.clone(),
                    role: m.role.as_str().to_string(),
                })
                .collect();
            for child in members.iter().filter(|m| m.role == MemberRole::Child) {
                // A child without a stored profile has nothing to match.
                let Some(record) = by_sample.get(child.sample_id.as_str()) else {
                    continue;
                };
                let key = child_key(&run_text, &child.sample_id);
                let profile =
                    profile_from_record(record, &key).map_err(|message| HistoryError::Profile {
                        run: run_id,
                        sample: child.sample_id.clone(),
                        message,
                    })?;
                new.push((
                    key,
                    profile,
                    Presentation {
                        run_id,
                        unit_id: unit_id.to_string(),
                        sample_id: child.sample_id.clone(),
                        adults: adults.clone(),
                    },
                ));
            }
        }
        let mut keys: Vec<String> = Vec::new();
        for (key, profile, presentation) in new {
            if !self.index.contains(&key) {
                if let Err(source) = self.index.insert(&key, &profile) {
                    for k in &keys {
                        self.index.remove(k);
                        self.presented.remove(k);
                    }
                    return Err(HistoryError::Index {
                        run: run_id,
                        source,
                    });
                }
                keys.push(key.clone());
            }
            // The same child in two units of one run: one row, two presentations.
            self.presented.entry(key).or_default().push(presentation);
        }
        let added = keys.len();
        self.runs.insert(run_id, keys);
        Ok(added)
    }

    /// Adds the children of a run record (after it is saved).
    pub fn add_record(&mut self, run: &RunRecord) -> Result<usize, HistoryError> {
        self.add_run(
            run.id,
            run.units
                .iter()
                .map(|u| (u.unit_id.as_str(), u.members.as_slice())),
            &run.profiles,
        )
    }

    /// Forgets a run's children (a run deleted from the store); they are gone from every later
    /// search at once. Returns whether the run was indexed.
    pub fn remove_run(&mut self, run: RunId) -> bool {
        let Some(keys) = self.runs.remove(&run) else {
            return false;
        };
        for key in keys {
            self.index.remove(&key);
            self.presented.remove(&key);
        }
        if self.index.tombstones() > self.index.len() {
            self.index.compact();
        }
        true
    }

    /// The earlier presentations of `profile`'s child among the stored runs, in the order the
    /// runs were added, under the repeat-child rule of `config` (the same rule as within a run:
    /// the strictest stringency met is reported, with its counts and random-match probability).
    pub fn search(
        &self,
        profile: &Profile,
        table: &FrequencyTable,
        config: &RepeatChildConfig,
    ) -> Result<Vec<Earlier>, lazo_index::IndexError> {
        config.validate()?;
        if self.index.is_empty() {
            return Ok(Vec::new());
        }
        let query = |stringency| IdentityQuery {
            stringency,
            max_mismatching_loci: config.max_mismatching_loci,
            min_shared_loci: config.min_shared_loci,
            theta: config.theta,
        };
        // High first; a row that fails High may still match at Moderate (allele dropout).
        let mut hits = search_identity(&self.index, profile, &query(Stringency::High), table)?
            .into_iter()
            .map(|h| (Stringency::High, h))
            .collect::<Vec<_>>();
        if config.stringency == Stringency::Moderate {
            let moderate = query(Stringency::Moderate);
            for h in search_identity(&self.index, profile, &moderate, table)? {
                if !hits.iter().any(|(_, high)| high.slot == h.slot) {
                    hits.push((Stringency::Moderate, h));
                }
            }
        }
        hits.sort_by_key(|(_, h)| h.slot);
        Ok(hits
            .iter()
            .flat_map(|(stringency, hit)| {
                self.presented
                    .get(&hit.id)
                    .into_iter()
                    .flatten()
                    .map(move |p| Earlier {
                        run_id: Some(p.run_id.to_string()),
                        unit_id: p.unit_id.clone(),
                        sample_id: p.sample_id.clone(),
                        adults: p.adults.clone(),
                        stringency: *stringency,
                        shared_loci: hit.shared_loci,
                        mismatching_loci: hit.mismatching_loci,
                        random_match_probability: hit.random_match_probability,
                    })
            })
            .collect())
    }
}

/// A stored profile back as a [`Profile`] under `id`: the store keeps locus names and allele
/// calls as text, so that stored runs outlive changes to the catalogue.
pub fn profile_from_record(record: &ProfileRecord, id: &str) -> Result<Profile, String> {
    let mut profile = Profile::new(id);
    for locus in &record.loci {
        let parsed = Locus::parse(&locus.locus).map_err(|e| e.to_string())?;
        let calls = locus
            .alleles
            .iter()
            .map(|a| AlleleCall::parse(a))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("locus {}: {e}", locus.locus))?;
        let call = LocusCall::from_calls(parsed, &calls)
            .map_err(|e| format!("locus {}: {e}", locus.locus))?;
        profile
            .insert(parsed, call)
            .map_err(|e| format!("locus {}: {e}", locus.locus))?;
    }
    Ok(profile)
}

/// A profile as the store keeps it.
pub fn profile_record(profile: &Profile) -> ProfileRecord {
    ProfileRecord {
        sample_id: profile.sample_id.clone(),
        loci: profile
            .calls()
            .map(|(locus, call)| lazo_store::LocusCalls {
                locus: locus.name().to_string(),
                alleles: call.calls().iter().map(ToString::to_string).collect(),
            })
            .collect(),
    }
}
