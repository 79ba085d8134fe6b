//! From uploaded bytes to a verification run ready to save, and the analysis the CLI and the
//! web service share.
//!
//! - [`verify_intake`]: one intake (a profile file in GeneMapper or CODIS CMF format, the unit
//!   definitions and the chain of custody per sample) to an [`Accepted`] run record of kind
//!   `intake` with its repeat-child alerts, or a [`Rejected`] list of every problem at once,
//!   each with its line in the file (and sample, locus, column) where known. Nothing is
//!   analysed when there is any problem.
//! - [`Analysis`] / [`analyse_all`]: the settings in force ([`Settings`], what `--policy` and
//!   `lazo policy` describe) and the parallel analysis of many units (`lazo verify`, `lazo
//!   demo`, the service).
//! - [`repeat_children`] / [`repeat_children_with_history`]: repeat-child alerts within a run
//!   and against every stored run's children ([`ChildIndex`]).
//! - [`run_record`]: a run's results as the `lazo_store::RunRecord` every caller saves.
//!
//! Pure: no file, clock, randomness, environment or database. The run id and start time come
//! in; the caller saves the record and measures the elapsed time.

pub mod alerts;
pub mod analysis;
pub mod history;
pub mod intake;
pub mod record;
pub mod settings;

pub use alerts::{
    Adult, Earlier, REPEAT_CHILD, RepeatChild, describe, repeat_children,
    repeat_children_with_history,
};
pub use analysis::{Analysis, AnalysisError, analyse_all};
pub use history::{ChildIndex, HistoryError, profile_from_record, profile_record};
pub use intake::{
    Accepted, Analysed, IntakeError, IntakeRequest, MAX_FIELD_CHARS, MAX_ID_CHARS, Person, Problem,
    ProblemSource, Rejected, SampleCustody, UnitDefinition, analyse_intake, verify_intake,
};
pub use record::{LAZO_VERSION, RecordError, RunInput, run_record, stored_verdict};
pub use settings::{DEFAULT_MUTATION, DEFAULT_THETA, Settings, SettingsError, parse_mutation};

/// The profile formats an upload may be in.
pub use lazo_formats::ProfileFormat;
