//! The small pedigree diagram on a unit's result page: the claimed parents above, the children
//! below, in standard pedigree symbols (square: claimed father, circle: claimed mother,
//! diamond: a child whose sex the unit does not record), and each claimed parent–child link
//! drawn by what its own evidence says: solid for consistent, dashed for weak, red with a cross
//! for excluded. Inline SVG with presentation attributes only (no `style`), so the page's
//! content security policy holds; the same facts are in the tables beside it, and the SVG has a
//! `<title>` and `<desc>` for screen readers.

use lazo_store::MemberRole;

use crate::html::esc;
use crate::i18n::{Lang, t};

/// One claimed parent–child link as the stored report gives it.
#[derive(Clone, Debug)]
pub struct Link {
    pub parent: String,
    pub child: String,
    /// `consistent`, `weak` or `excluded`.
    pub status: String,
    pub log10_lr: Option<f64>,
}

const SYMBOL: f64 = 28.0;
const GAP: f64 = 120.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 160.0;

fn x_of(i: usize, n: usize, width: f64) -> f64 {
    let span = GAP * (n.max(1) - 1) as f64;
    (width - span) / 2.0 + GAP * i as f64
}

fn symbol(role: MemberRole, x: f64, y: f64) -> String {
    let h = SYMBOL / 2.0;
    let stroke = r##"fill="#ffffff" stroke="#222222" stroke-width="2""##;
    match role {
        MemberRole::Father => format!(
            r#"<rect x="{:.1}" y="{:.1}" width="{SYMBOL}" height="{SYMBOL}" {stroke}/>"#,
            x - h,
            y - h
        ),
        MemberRole::Mother => format!(r#"<circle cx="{x:.1}" cy="{y:.1}" r="{h}" {stroke}/>"#),
        MemberRole::Child => format!(
            r#"<polygon points="{:.1},{:.1} {:.1},{:.1} {:.1},{:.1} {:.1},{:.1}" {stroke}/>"#,
            x,
            y - h,
            x + h,
            y,
            x,
            y + h,
            x - h,
            y
        ),
    }
}

/// The diagram for a unit's `members` (sample id and role, in presentation order) and the
/// claims' `links`; an empty string when there is nothing to draw.
pub fn svg(lang: Lang, members: &[(String, MemberRole)], links: &[Link]) -> String {
    let adults: Vec<&(String, MemberRole)> = members
        .iter()
        .filter(|(_, r)| *r != MemberRole::Child)
        .collect();
    let children: Vec<&(String, MemberRole)> = members
        .iter()
        .filter(|(_, r)| *r == MemberRole::Child)
        .collect();
    if adults.is_empty() || children.is_empty() {
        return String::new();
    }
    let width = (GAP * (adults.len().max(children.len()) as f64) + 80.0).max(280.0);
    let height = BOTTOM + 40.0;
    let at = |id: &str| -> Option<(f64, f64)> {
        if let Some(i) = adults.iter().position(|(s, _)| s == id) {
            return Some((x_of(i, adults.len(), width), TOP));
        }
        children
            .iter()
            .position(|(s, _)| s == id)
            .map(|i| (x_of(i, children.len(), width), BOTTOM))
    };
    let mut lines = String::new();
    let mut described = Vec::new();
    for link in links {
        let (Some((px, py)), Some((cx, cy))) = (at(&link.parent), at(&link.child)) else {
            continue;
        };
        let (colour, dash, word) = match link.status.as_str() {
            "consistent" => ("#1b5e20", "", t(lang, "link_consistent")),
            "excluded" => (
                "#b71c1c",
                r#" stroke-dasharray="6 4""#,
                t(lang, "link_excluded"),
            ),
            _ => (
                "#8d6e00",
                r#" stroke-dasharray="2 4""#,
                t(lang, "link_weak"),
            ),
        };
        let lr = link
            .log10_lr
            .map_or(String::new(), |v| format!(" · log10 LR {v:.2}"));
        lines.push_str(&format!(
            r#"<line x1="{px:.1}" y1="{:.1}" x2="{cx:.1}" y2="{:.1}" stroke="{colour}" stroke-width="3"{dash}><title>{} → {}: {word}{lr}</title></line>"#,
            py + SYMBOL / 2.0,
            cy - SYMBOL / 2.0,
            esc(&link.parent),
            esc(&link.child),
        ));
        if link.status == "excluded" {
            let (mx, my) = ((px + cx) / 2.0, (py + cy) / 2.0);
            lines.push_str(&format!(
                r##"<text x="{mx:.1}" y="{:.1}" text-anchor="middle" font-size="22" fill="#b71c1c">✗</text>"##,
                my + 8.0
            ));
        }
        described.push(format!(
            "{} → {}: {word}{lr}",
            esc(&link.parent),
            esc(&link.child)
        ));
    }
    let mut shapes = String::new();
    for (id, role) in adults.iter().chain(children.iter()) {
        let Some((x, y)) = at(id) else { continue };
        shapes.push_str(&symbol(*role, x, y));
        // Children's ids below their symbol, the adults' above theirs.
        let label_y = if *role == MemberRole::Child {
            y + SYMBOL / 2.0 + 16.0
        } else {
            y - SYMBOL / 2.0 - 6.0
        };
        shapes.push_str(&format!(
            r#"<text x="{x:.1}" y="{label_y:.1}" text-anchor="middle" font-size="12">{}</text>"#,
            esc(id)
        ));
    }
    format!(
        r#"<figure class="pedigree"><svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}"><title>{title}</title><desc>{desc}</desc>{lines}{shapes}</svg><figcaption>{caption}</figcaption></figure>"#,
        title = t(lang, "pedigree"),
        desc = described.join("; "),
        caption = t(lang, "pedigree_key"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn members() -> Vec<(String, MemberRole)> {
        vec![
            ("M1".into(), MemberRole::Mother),
            ("F1".into(), MemberRole::Father),
            ("C1".into(), MemberRole::Child),
            ("C<2>".into(), MemberRole::Child),
        ]
    }

    fn link(parent: &str, child: &str, status: &str) -> Link {
        Link {
            parent: parent.into(),
            child: child.into(),
            status: status.into(),
            log10_lr: Some(5.0),
        }
    }

    #[test]
    fn symbols_links_and_escaping() {
        let links = [
            link("M1", "C1", "consistent"),
            link("F1", "C1", "excluded"),
            link("M1", "C<2>", "weak"),
            link("F1", "C<2>", "consistent"),
        ];
        let svg = svg(Lang::En, &members(), &links);
        assert_eq!(svg.matches("<circle").count(), 1, "one mother");
        assert_eq!(svg.matches("<rect").count(), 1, "one father");
        assert_eq!(svg.matches("<polygon").count(), 2, "two children");
        assert_eq!(svg.matches("<line").count(), 4);
        assert_eq!(
            svg.matches(">✗</text>").count(),
            1,
            "the excluded link is crossed"
        );
        assert!(svg.contains("C&lt;2&gt;") && !svg.contains("C<2>"));
        assert!(svg.contains("F1 → C1: excluded"));
        assert!(
            !svg.contains("style="),
            "presentation attributes only (CSP)"
        );
    }

    #[test]
    fn nothing_to_draw_without_a_parent_or_a_child() {
        let only_children = vec![("C1".to_string(), MemberRole::Child)];
        assert_eq!(svg(Lang::En, &only_children, &[]), "");
        // Links naming samples not in the unit are skipped, not drawn at the origin.
        let drawn = svg(Lang::En, &members(), &[link("X", "C1", "consistent")]);
        assert_eq!(drawn.matches("<line").count(), 0);
    }
}
