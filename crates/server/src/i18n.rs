//! English and Spanish labels: a small message table. The language comes from `?lang=es|en`,
//! else `Accept-Language`, else English.

use axum::http::HeaderMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    En,
    Es,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Es => "es",
        }
    }

    /// From the query's `lang=` first, then the first supported `Accept-Language` tag.
    pub fn pick(query: Option<&str>, headers: &HeaderMap) -> Lang {
        if let Some(q) = query {
            for pair in q.split('&') {
                match pair {
                    "lang=es" => return Lang::Es,
                    "lang=en" => return Lang::En,
                    _ => {}
                }
            }
        }
        let accept = headers
            .get("accept-language")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        for tag in accept.split(',') {
            let tag = tag
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            if tag.starts_with("es") {
                return Lang::Es;
            }
            if tag.starts_with("en") {
                return Lang::En;
            }
        }
        Lang::En
    }
}

/// The label `key` in `lang` (the key itself when missing, which a test forbids).
pub fn t(lang: Lang, key: &str) -> &'static str {
    let pair = MESSAGES.iter().find(|(k, _, _)| *k == key);
    match (pair, lang) {
        (Some((_, en, _)), Lang::En) => en,
        (Some((_, _, es)), Lang::Es) => es,
        (None, _) => "?",
    }
}

/// key, English, Spanish.
pub const MESSAGES: &[(&str, &str, &str)] = &[
    ("app", "Lazo", "Lazo"),
    ("sign_in", "Sign in", "Iniciar sesión"),
    ("sign_out", "Sign out", "Cerrar sesión"),
    ("name", "Account name", "Nombre de cuenta"),
    ("password", "Password", "Contraseña"),
    (
        "new_password",
        "New password (at least 12 characters)",
        "Nueva contraseña (al menos 12 caracteres)",
    ),
    ("change_password", "Change password", "Cambiar contraseña"),
    (
        "must_change",
        "Choose a new password before continuing.",
        "Elija una nueva contraseña antes de continuar.",
    ),
    (
        "bad_sign_in",
        "Wrong name or password, or the account is locked.",
        "Nombre o contraseña incorrectos, o la cuenta está bloqueada.",
    ),
    ("dashboard", "Dashboard", "Panel"),
    ("runs", "Verification runs", "Corridas de verificación"),
    ("started", "Started", "Inicio"),
    ("kind", "Kind", "Tipo"),
    ("units", "Units", "Unidades"),
    ("verified", "Verified", "Verificada"),
    ("not_supported", "Not supported", "No respaldada"),
    ("inconclusive", "Inconclusive", "No concluyente"),
    ("alerts", "Alerts", "Alertas"),
    ("unit", "Unit", "Unidad"),
    ("verdict", "Verdict", "Veredicto"),
    ("members", "Members", "Integrantes"),
    ("reasons", "Reasons", "Razones"),
    ("recommendations", "Recommendations", "Recomendaciones"),
    ("claims", "Claims", "Relaciones declaradas"),
    (
        "claim",
        "Claimed parent → child",
        "Progenitor declarado → menor",
    ),
    ("locus", "Locus", "Locus"),
    ("lr", "Likelihood ratio", "Razón de verosimilitud"),
    ("inconsistent", "Inconsistent", "Inconsistente"),
    ("genotypes", "Genotypes", "Genotipos"),
    ("audit_log", "Audit log", "Registro de auditoría"),
    ("when", "When", "Cuándo"),
    ("actor", "Who", "Quién"),
    ("action", "Action", "Acción"),
    ("target", "Target", "Objeto"),
    ("previous", "Previous", "Anterior"),
    ("next", "Next", "Siguiente"),
    ("signed_in_as", "Signed in as", "Sesión de"),
    (
        "no_casework",
        "Your role does not include casework.",
        "Su rol no incluye casos.",
    ),
    ("new_intake", "New intake", "Nueva admisión"),
    (
        "intake",
        "Intake of a family unit",
        "Admisión de una unidad familiar",
    ),
    ("unit_id", "Unit id", "Id. de la unidad"),
    ("people", "People", "Personas"),
    ("sample_id", "Sample id", "Id. de la muestra"),
    ("role", "Role", "Rol"),
    ("mother", "Mother", "Madre"),
    ("father", "Father", "Padre"),
    ("child", "Child", "Menor"),
    ("consent", "Consent given", "Consentimiento otorgado"),
    ("yes", "Yes", "Sí"),
    ("no", "No", "No"),
    ("custody", "Chain of custody", "Cadena de custodia"),
    ("collector", "Collected by", "Recolectada por"),
    ("collected_on", "Date of collection", "Fecha de recolección"),
    ("place", "Place of collection", "Lugar de recolección"),
    ("kit", "Kit or instrument", "Kit o instrumento"),
    (
        "profile_file",
        "Profile file (GeneMapper CSV or tab-separated, or CODIS CMF XML)",
        "Archivo de perfiles (GeneMapper CSV o separado por tabuladores, o CODIS CMF XML)",
    ),
    (
        "upload_again",
        "choose the file again",
        "vuelva a elegir el archivo",
    ),
    ("verify_and_save", "Verify and save", "Verificar y guardar"),
    (
        "intake_rejected",
        "Nothing was saved. Correct every problem below and submit again.",
        "No se guardó nada. Corrija todos los problemas siguientes y vuelva a enviar.",
    ),
    ("where", "In", "En"),
    ("line", "Line", "Línea"),
    ("column", "Column or field", "Columna o campo"),
    ("problem", "Problem", "Problema"),
    ("warnings", "Warnings", "Advertencias"),
    ("site", "Site", "Sede"),
    ("source_file", "File", "Archivo"),
    ("source_units", "Unit", "Unidad"),
    ("source_custody", "Custody", "Custodia"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_translated() {
        for (i, (k, en, es)) in MESSAGES.iter().enumerate() {
            assert!(!en.is_empty() && !es.is_empty(), "{k}");
            assert!(
                MESSAGES[i + 1..].iter().all(|(other, _, _)| other != k),
                "{k} twice"
            );
        }
        assert_eq!(t(Lang::Es, "sign_in"), "Iniciar sesión");
    }

    #[test]
    fn language_choice() {
        let mut h = HeaderMap::new();
        assert_eq!(Lang::pick(None, &h), Lang::En);
        h.insert(
            "accept-language",
            "es-MX,es;q=0.9,en;q=0.8"
                .parse()
                .unwrap_or_else(|_| unreachable!()),
        );
        assert_eq!(Lang::pick(None, &h), Lang::Es);
        assert_eq!(Lang::pick(Some("x=1&lang=en"), &h), Lang::En);
    }
}
