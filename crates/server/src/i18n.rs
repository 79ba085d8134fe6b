//! English and Spanish labels: a small message table. The language comes from `?lang=es|en`,
//! else the language cookie (set whenever `?lang=` is given, so a choice made once holds on
//! the following pages), else `Accept-Language`, else English.

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

    /// The query's `lang=`, if it names a supported language.
    pub fn from_query(query: Option<&str>) -> Option<Lang> {
        query?.split('&').find_map(|pair| match pair {
            "lang=es" => Some(Lang::Es),
            "lang=en" => Some(Lang::En),
            _ => None,
        })
    }

    /// From the query's `lang=` first, then the language cookie, then the first supported
    /// `Accept-Language` tag.
    pub fn pick(query: Option<&str>, headers: &HeaderMap) -> Lang {
        if let Some(lang) = Lang::from_query(query) {
            return lang;
        }
        match crate::auth::cookie(headers, LANG_COOKIE) {
            Some("es") => return Lang::Es,
            Some("en") => return Lang::En,
            _ => {}
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

/// The cookie that remembers the chosen language (not a secret; readable by the page).
pub const LANG_COOKIE: &str = "lazo_lang";

/// `Set-Cookie` value remembering `lang` for a year.
pub fn lang_cookie(lang: Lang) -> String {
    format!(
        "{LANG_COOKIE}={}; Path=/; SameSite=Strict; Max-Age=31536000",
        lang.code()
    )
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
        "Wrong name, password or code, or the account is locked.",
        "Nombre, contraseña o código incorrectos, o la cuenta está bloqueada.",
    ),
    ("dashboard", "Dashboard", "Panel"),
    ("second_factor", "Second factor", "Segundo factor"),
    ("pedigree", "Claimed pedigree", "Genealogía declarada"),
    (
        "pedigree_key",
        "Square: claimed father · circle: claimed mother · diamond: child. Green solid: consistent · yellow dotted: weak · red dashed with ✗: excluded.",
        "Cuadrado: padre declarado · círculo: madre declarada · rombo: menor. Verde continua: consistente · amarilla punteada: débil · roja discontinua con ✗: excluida.",
    ),
    ("link_consistent", "consistent", "consistente"),
    ("link_weak", "weak", "débil"),
    ("link_excluded", "excluded", "excluida"),
    (
        "totp_code",
        "Authenticator code (if you have set one up)",
        "Código del autenticador (si lo configuró)",
    ),
    (
        "totp_intro",
        "Add this key to an authenticator app (type it, or open the otpauth link on the phone), then type the 6-digit code the app shows.",
        "Agregue esta clave a una aplicación de autenticación (escríbala o abra el enlace otpauth en el teléfono) y escriba el código de 6 dígitos que muestra la aplicación.",
    ),
    ("totp_key", "Key", "Clave"),
    ("totp_turn_on", "Turn on", "Activar"),
    (
        "totp_on",
        "A second factor is set up: every sign-in asks for a code from your app. If you lose the device, ask an administrator to reset it.",
        "El segundo factor está activo: cada inicio de sesión pide un código de su aplicación. Si pierde el dispositivo, pida a un administrador que lo restablezca.",
    ),
    (
        "totp_required",
        "Your role requires a second factor. Set it up to continue.",
        "Su rol exige un segundo factor. Configúrelo para continuar.",
    ),
    (
        "totp_bad_code",
        "That code does not match. Check the phone's clock and type the current code.",
        "El código no coincide. Revise la hora del teléfono y escriba el código actual.",
    ),
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
    // Review, alerts, dashboard.
    ("review_queue", "Review queue", "Cola de revisión"),
    (
        "awaiting_review",
        "Awaiting review",
        "Pendientes de revisión",
    ),
    (
        "queue_empty",
        "Every unit has been signed off.",
        "Todas las unidades están revisadas.",
    ),
    ("sign_off", "Supervisor sign-off", "Revisión del supervisor"),
    (
        "sign_off_history",
        "Sign-off history",
        "Historial de revisiones",
    ),
    (
        "no_sign_off",
        "Not signed off yet: awaiting review.",
        "Aún sin revisar: pendiente de revisión.",
    ),
    ("current_sign_off", "Current sign-off", "Revisión vigente"),
    ("decision", "Decision", "Decisión"),
    ("confirmed", "Confirmed", "Confirmado"),
    ("overridden", "Overridden", "Modificado"),
    (
        "machine_verdict",
        "Machine verdict",
        "Veredicto del sistema",
    ),
    ("final_verdict", "Final verdict", "Veredicto final"),
    ("reason", "Reason", "Motivo"),
    ("reviewer", "Reviewer", "Revisor"),
    ("by", "by", "por"),
    (
        "confirm_verdict",
        "Confirm the verdict",
        "Confirmar el veredicto",
    ),
    (
        "override_verdict",
        "Override the verdict",
        "Modificar el veredicto",
    ),
    ("new_verdict", "New verdict", "Nuevo veredicto"),
    ("reason_optional", "Reason (optional)", "Motivo (opcional)"),
    (
        "reason_required",
        "Reason (required)",
        "Motivo (obligatorio)",
    ),
    ("run", "Run", "Corrida"),
    ("child", "Child", "Menor"),
    (
        "adults_now",
        "Adults with the child now",
        "Adultos con el menor ahora",
    ),
    ("earlier", "Presented before", "Presentado antes"),
    ("as_sample", "as", "como"),
    ("in_unit", "in unit", "en la unidad"),
    ("with_adults", "with", "con"),
    ("no_adult", "no adult", "ningún adulto"),
    ("mother", "mother", "madre"),
    ("father", "father", "padre"),
    ("shared_loci", "loci shared", "loci compartidos"),
    ("repeat_child", "Repeat child", "Menor repetido"),
    ("no_alerts", "No alerts.", "Sin alertas."),
    ("counts", "Counts", "Totales"),
    ("reviewed", "Signed off", "Revisadas"),
    ("last_30_days", "The last 30 days", "Los últimos 30 días"),
    ("verdicts_per_day", "Verdicts per day", "Veredictos por día"),
    ("alerts_per_day", "Alerts per day", "Alertas por día"),
    (
        "numbers_per_day",
        "The numbers, day by day",
        "Las cifras, día por día",
    ),
    ("date_utc", "Date (UTC)", "Fecha (UTC)"),
    ("page", "Page", "Página"),
    ("of", "of", "de"),
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

    /// Every `t(lang, "key")` in the pages names a label that exists (a missing one shows "?"),
    /// and so does every word the pages look up from the store's vocabulary.
    #[test]
    fn every_label_used_is_defined() {
        let defined = |key: &str| MESSAGES.iter().any(|(k, _, _)| *k == key);
        for source in [
            include_str!("pages.rs"),
            include_str!("html.rs"),
            include_str!("intake.rs"),
        ] {
            for rest in source.split("t(lang, \"").skip(1) {
                let key = rest.split('"').next().unwrap_or_default();
                assert!(defined(key), "label {key:?} is used but not defined");
            }
        }
        let words = lazo_store::Verdict::ALL
            .iter()
            .map(|v| v.as_str())
            .chain(lazo_store::Decision::ALL.iter().map(|d| d.as_str()))
            .chain(["mother", "father"]);
        for word in words {
            assert!(defined(word), "{word}");
        }
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
