//! Family-unit files: `unit_id,sample_id,role`, one row per person, role `mother`, `father` or
//! `child`. Every mother or father listed claims to be the parent of every child in the unit.

use std::collections::BTreeMap;

use crate::FormatError;
use crate::table::{normalise_header, read_rows, split_header};

/// What a person in a unit claims to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum UnitRole {
    Mother,
    Father,
    Child,
}

impl UnitRole {
    pub fn name(self) -> &'static str {
        match self {
            UnitRole::Mother => "mother",
            UnitRole::Father => "father",
            UnitRole::Child => "child",
        }
    }
}

/// One person in a unit, with the line it came from (for errors raised later, e.g. a sample id
/// absent from the profiles).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnitMember {
    pub sample_id: String,
    pub role: UnitRole,
    pub line: usize,
}

/// A unit as listed in the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnitListing {
    pub unit_id: String,
    pub members: Vec<UnitMember>,
    /// First line of the unit in the file.
    pub line: usize,
}

impl UnitListing {
    pub fn with_role(&self, role: UnitRole) -> impl Iterator<Item = &UnitMember> {
        self.members.iter().filter(move |m| m.role == role)
    }
}

/// Reads and checks a units file: header with `unit_id`, `sample_id`, `role` (any order, case
/// ignored); comma, semicolon or tab separated. Refuses unknown roles, a unit with no child, a
/// unit with two mothers or two fathers, and a sample listed twice in one unit, naming the line.
pub fn read_units(text: &str, file: &str) -> Result<Vec<UnitListing>, FormatError> {
    let err = |line: Option<usize>, message: String| FormatError::File {
        file: file.to_string(),
        line,
        message,
    };
    let rows = read_rows(text, file)?;
    let (header, data) = split_header(&rows, file, "unit_id,sample_id,role")?;
    let names: Vec<String> = header.cells.iter().map(|h| normalise_header(h)).collect();
    let column = |name: &str| names.iter().position(|n| n == name);
    let (Some(unit_col), Some(sample_col), Some(role_col)) =
        (column("unitid"), column("sampleid"), column("role"))
    else {
        return Err(err(
            Some(header.line),
            format!(
                "header must name unit_id, sample_id and role; found {:?}",
                header.cells
            ),
        ));
    };

    let mut units: BTreeMap<String, UnitListing> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    for row in data {
        let line = row.line;
        let (unit_id, sample_id, role_text) =
            (row.cell(unit_col), row.cell(sample_col), row.cell(role_col));
        if unit_id.is_empty() || sample_id.is_empty() {
            return Err(err(
                Some(line),
                "unit_id and sample_id must not be empty".into(),
            ));
        }
        let role = match role_text.to_ascii_lowercase().as_str() {
            "mother" => UnitRole::Mother,
            "father" => UnitRole::Father,
            "child" => UnitRole::Child,
            _ => {
                return Err(err(
                    Some(line),
                    format!("unknown role {role_text:?} (expected mother, father or child)"),
                ));
            }
        };
        let unit = units.entry(unit_id.to_string()).or_insert_with(|| {
            order.push(unit_id.to_string());
            UnitListing {
                unit_id: unit_id.to_string(),
                members: Vec::new(),
                line,
            }
        });
        if unit.members.iter().any(|m| m.sample_id == sample_id) {
            return Err(err(
                Some(line),
                format!("sample {sample_id:?} is listed twice in unit {unit_id:?}"),
            ));
        }
        if role != UnitRole::Child && unit.with_role(role).next().is_some() {
            return Err(err(
                Some(line),
                format!("unit {unit_id:?} already has a {}", role.name()),
            ));
        }
        unit.members.push(UnitMember {
            sample_id: sample_id.to_string(),
            role,
            line,
        });
    }
    let mut listings = Vec::with_capacity(order.len());
    for id in order {
        let Some(unit) = units.remove(&id) else {
            continue;
        };
        if unit.with_role(UnitRole::Child).next().is_none() {
            return Err(err(Some(unit.line), format!("unit {id:?} has no child")));
        }
        if unit.with_role(UnitRole::Mother).next().is_none()
            && unit.with_role(UnitRole::Father).next().is_none()
        {
            return Err(err(
                Some(unit.line),
                format!("unit {id:?} has no mother or father: nothing to verify"),
            ));
        }
        listings.push(unit);
    }
    if listings.is_empty() {
        return Err(err(None, "no units listed".into()));
    }
    Ok(listings)
}

/// Writes units in the format `read_units` reads (quoting ids that need it).
pub fn write_units(units: &[UnitListing]) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let rows = std::iter::once(["unit_id", "sample_id", "role"].map(String::from)).chain(
        units.iter().flat_map(|unit| {
            unit.members.iter().map(|m| {
                [
                    unit.unit_id.clone(),
                    m.sample_id.clone(),
                    m.role.name().to_string(),
                ]
            })
        }),
    );
    for row in rows {
        // Writing to a Vec cannot fail.
        let _ = writer.write_record(&row);
    }
    writer
        .into_inner()
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .unwrap_or_default()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn reads_units_in_file_order() {
        let units = read_units("unit_id,sample_id,role\nU2,A,father\nU2,B,child\nU1,C,mother\nU1,D,child\nU1,E,child\n", "u.csv").unwrap();
        assert_eq!(units.len(), 2);
        assert_eq!(units[0].unit_id, "U2");
        assert_eq!(units[1].with_role(UnitRole::Child).count(), 2);
        assert_eq!(
            read_units(&write_units(&units), "again.csv").unwrap(),
            units
        );
    }

    #[test]
    fn errors_name_file_line_and_value() {
        let e = read_units("unit_id,sample_id,role\nU1,A,uncle\n", "u.csv")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("u.csv") && e.contains("line 2") && e.contains("uncle"),
            "{e}"
        );
        let e = read_units("unit_id,sample_id,role\nU1,A,mother\n", "u.csv")
            .unwrap_err()
            .to_string();
        assert!(e.contains("no child"), "{e}");
        let e = read_units(
            "unit_id,sample_id,role\nU1,A,mother\nU1,B,mother\nU1,C,child\n",
            "u.csv",
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("line 3") && e.contains("already has a mother"),
            "{e}"
        );
        let e = read_units("unit,sample\n", "u.csv")
            .unwrap_err()
            .to_string();
        assert!(e.contains("header"), "{e}");
        let e = read_units("unit_id;sample_id;role\nU1;A;child\n", "u.csv")
            .unwrap_err()
            .to_string();
        assert!(e.contains("no mother or father"), "{e}");
    }
}
