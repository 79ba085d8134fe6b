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
    ("scr_title", "48-hour screenings", "Entrevistas de 48 horas"),
    (
        "cmp_title",
        "48-hour compliance",
        "Cumplimiento del plazo de 48 horas",
    ),
    ("cmp_weeks", "Weeks", "Semanas"),
    ("cmp_show", "Show", "Mostrar"),
    ("cmp_all_sites", "All sites", "Todos los lugares"),
    (
        "cmp_share_of",
        "completed within 48 hours",
        "completadas dentro de 48 horas",
    ),
    ("cmp_week", "Week", "Semana"),
    ("cmp_screenings", "Screenings", "Entrevistas"),
    ("cmp_in_time", "Completed in time", "Completadas a tiempo"),
    ("cmp_late", "Completed late", "Completadas tarde"),
    ("cmp_overdue", "Open, overdue", "Abiertas, vencidas"),
    (
        "cmp_open_in_time",
        "Open, within 48 h",
        "Abiertas, dentro de 48 h",
    ),
    ("cmp_share", "Share in time", "Proporción a tiempo"),
    ("scr_screening", "Screening", "Entrevista"),
    ("scr_new", "Start a screening", "Iniciar una entrevista"),
    ("scr_child", "Child (reference)", "Niño o niña (referencia)"),
    (
        "scr_child_ref",
        "Child's reference (case or intake number, not the name)",
        "Referencia del niño o la niña (número de caso o de ingreso, no el nombre)",
    ),
    (
        "scr_language",
        "Interview language",
        "Idioma de la entrevista",
    ),
    ("scr_apprehended", "Apprehended", "Detención"),
    (
        "scr_apprehended_date",
        "Date of apprehension",
        "Fecha de la detención",
    ),
    (
        "scr_apprehended_time",
        "Time of apprehension",
        "Hora de la detención",
    ),
    (
        "scr_utc_offset",
        "UTC offset of that time (the site's local time)",
        "Diferencia con UTC de esa hora (hora local del lugar)",
    ),
    ("scr_choose", "Choose…", "Elija…"),
    ("scr_start", "Start the interview", "Comenzar la entrevista"),
    ("scr_site", "Site", "Lugar"),
    ("scr_interviewer", "Interviewer", "Entrevistador(a)"),
    ("scr_instrument", "Instrument", "Instrumento"),
    ("scr_status", "Status", "Estado"),
    ("scr_status_draft", "In progress", "En curso"),
    (
        "scr_status_completed",
        "Completed, awaiting signature",
        "Terminada, pendiente de firma",
    ),
    ("scr_status_signed", "Signed", "Firmada"),
    ("scr_all", "All", "Todas"),
    (
        "scr_tab_escalated",
        "Escalated (36 h or more)",
        "Escaladas (36 h o más)",
    ),
    (
        "scr_attention",
        "Open screenings past 36 hours (a supervisor must act)",
        "Entrevistas abiertas tras 36 horas (debe actuar un supervisor)",
    ),
    ("scr_attention_overdue", "past 48 hours", "tras 48 horas"),
    ("scr_none", "No screenings.", "No hay entrevistas."),
    ("scr_deadline", "48-hour deadline", "Plazo de 48 horas"),
    ("scr_due", "due", "vence"),
    ("scr_on_time", "on time", "a tiempo"),
    (
        "scr_escalated",
        "ESCALATED to a supervisor: 36 hours have passed",
        "ESCALADA a un supervisor: pasaron 36 horas",
    ),
    (
        "scr_overdue",
        "OVERDUE: 48 hours have passed",
        "VENCIDA: pasaron 48 horas",
    ),
    (
        "scr_completed_on_time",
        "completed within 48 hours",
        "terminada dentro de las 48 horas",
    ),
    (
        "scr_completed_late",
        "completed AFTER the 48-hour deadline",
        "terminada DESPUÉS del plazo de 48 horas",
    ),
    ("scr_time_left", "time left", "tiempo restante"),
    ("scr_outcome", "Outcome", "Resultado"),
    ("scr_sections", "Sections", "Secciones"),
    ("scr_progress", "answered", "respondidas"),
    ("scr_required", "required", "obligatoria"),
    (
        "scr_guidance",
        "For the interviewer",
        "Para quien entrevista",
    ),
    ("scr_save", "Save", "Guardar"),
    ("scr_save_next", "Save and continue", "Guardar y continuar"),
    ("scr_save_review", "Save and review", "Guardar y revisar"),
    ("scr_saved", "Saved.", "Guardado."),
    (
        "scr_fix",
        "Some answers were not saved: correct them below. The others were saved.",
        "Algunas respuestas no se guardaron: corríjalas abajo. Las demás se guardaron.",
    ),
    ("scr_overview", "Overview", "Resumen"),
    (
        "scr_continue",
        "Continue the interview",
        "Continuar la entrevista",
    ),
    (
        "scr_missing",
        "Required questions without an answer",
        "Preguntas obligatorias sin respuesta",
    ),
    (
        "scr_missing_note",
        "A required question left unanswered keeps its findings open (needs follow-up), never “no”.",
        "Una pregunta obligatoria sin respuesta deja sus conclusiones pendientes (requieren seguimiento), nunca «no».",
    ),
    (
        "scr_complete",
        "Complete the screening",
        "Terminar la entrevista",
    ),
    (
        "scr_confirm",
        "The interview is over: lock the answers and compute the findings.",
        "La entrevista terminó: bloquear las respuestas y calcular las conclusiones.",
    ),
    (
        "scr_locked",
        "This screening is completed: its answers are locked.",
        "Esta entrevista está terminada: sus respuestas están bloqueadas.",
    ),
    ("scr_sign", "Sign the screening", "Firmar la entrevista"),
    (
        "scr_sign_reason",
        "Reason: what you checked, and why you sign",
        "Motivo: qué revisó y por qué firma",
    ),
    (
        "scr_signature",
        "Supervisor's signature",
        "Firma del supervisor",
    ),
    ("scr_signed_by", "Signed by", "Firmada por"),
    ("scr_completed_by", "Completed by", "Terminada por"),
    (
        "scr_rights",
        "Rights sheet for the child",
        "Hoja de derechos para el niño o la niña",
    ),
    (
        "scr_record",
        "Screening record",
        "Registro de la entrevista",
    ),
    (
        "scr_print_hint",
        "Print this page with the browser's Print command.",
        "Imprima esta página con la opción Imprimir del navegador.",
    ),
    (
        "scr_record_pdf",
        "Signed record (PDF)",
        "Registro firmado (PDF)",
    ),
    (
        "scr_rights_fallback",
        "There is no rights sheet in the interview language: the English one is shown.",
        "No hay hoja de derechos en el idioma de la entrevista: se muestra la de inglés.",
    ),
    (
        "scr_mismatch",
        "Evaluated again today, these answers give a different decision from the one stored (another version of Lazo?). The stored decision below is the one that was completed and signed.",
        "Evaluadas de nuevo hoy, estas respuestas dan una decisión distinta de la guardada (¿otra versión de Lazo?). La decisión guardada, abajo, es la que se terminó y firmó.",
    ),
    ("ans_yes", "Yes", "Sí"),
    ("ans_no", "No", "No"),
    ("ans_unsure", "Not sure", "No está seguro(a)"),
    (
        "ans_declined",
        "Did not want to answer",
        "No quiso responder",
    ),
    ("ans_none", "No answer yet", "Sin respuesta todavía"),
    (
        "out_trafficking_referral",
        "Trafficking referral",
        "Remisión por trata",
    ),
    (
        "out_protection_interview",
        "Protection interview",
        "Entrevista de protección",
    ),
    (
        "out_child_welfare_custody",
        "Child-welfare custody",
        "Custodia de protección infantil",
    ),
    (
        "out_supervisor_review",
        "Supervisor review",
        "Revisión de un supervisor",
    ),
    (
        "out_eligible_for_return",
        "Eligible for return",
        "Elegible para el retorno",
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
    (
        "report_pdf",
        "Verification report (PDF)",
        "Informe de verificación (PDF)",
    ),
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
