//! Labels that read the same though their characters differ: what `catalog add|update` flags
//! when a catalogue role is labelled like one of the user's own (a "Ρroduction" with a Greek
//! capital rho reads as "Production", and a click on it goes to another account).
//!
//! A skeleton in the spirit of Unicode's confusables (UTS #39), cut down to what a label
//! typed or pasted by a person is likely to use: invisible characters dropped, compatibility
//! forms (fullwidth letters) folded, case and runs of spaces ignored, and the Cyrillic and Greek
//! letters that look like Latin ones, and the digits and letter pairs people misread (0/o,
//! 1/l/i, rn/m), made the same. It only raises a flag, so a false match costs a line of
//! warning; the whole UTS #39 table (6,000+ entries) would not earn its weight here.

/// What `label` looks like: two labels with the same skeleton read alike.
pub fn skeleton(label: &str) -> String {
    let mut out = String::with_capacity(label.len());
    for word in label
        .split(|c: char| c.is_whitespace())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push(' ');
        }
        for c in word.chars().filter(|c| !invisible(*c)) {
            for lower in fold(c).to_lowercase() {
                out.push(latin(lower));
            }
        }
    }
    // After the letters: "rn" drawn small reads as "m".
    out.replace("rn", "m")
}

/// Characters that draw nothing (or nothing a reader notices): soft hyphen, zero-width
/// spaces and joiners, word joiners and invisible operators, variation selectors, BOM.
fn invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}'
        | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}' | '\u{FFA0}')
}

/// Fullwidth ASCII (U+FF01–U+FF5E) as ASCII.
fn fold(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// A lower-case letter or digit as the Latin letter it looks like.
fn latin(c: char) -> char {
    match c {
        // Cyrillic
        'а' => 'a',
        'в' => 'b',
        'е' | 'ё' | 'є' => 'e',
        'һ' => 'h',
        'і' | 'ї' | 'ӏ' => 'l',
        'ј' => 'j',
        'к' => 'k',
        'м' => 'm',
        'н' => 'h',
        'о' => 'o',
        'р' => 'p',
        'с' => 'c',
        'т' => 't',
        'у' => 'y',
        'х' => 'x',
        'ѕ' => 's',
        'ԁ' => 'd',
        'ԛ' => 'q',
        'ԝ' => 'w',
        // Greek
        'α' => 'a',
        'β' => 'b',
        'ε' => 'e',
        'η' => 'n',
        'ι' => 'l',
        'κ' => 'k',
        'ν' => 'v',
        'ο' => 'o',
        'ρ' => 'p',
        'τ' => 't',
        'υ' => 'u',
        'χ' => 'x',
        'ζ' => 'z',
        // Latin and digits people misread
        'ı' | 'i' | '1' | '|' | 'ǀ' | 'ℓ' => 'l',
        '0' => 'o',
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::skeleton;

    #[test]
    fn labels_that_read_alike_have_one_skeleton() {
        let production = skeleton("Production");
        for disguised in [
            "  production ",
            "Ρroduction",           // Greek capital rho
            "Prоduction",           // Cyrillic o
            "Pr\u{200B}oduction",   // a zero-width space
            "Pr0duction",           // a zero
            "Ｐｒｏｄｕｃｔｉｏｎ", // fullwidth
            "Productіon",           // Cyrillic i
            "Product1on",
        ] {
            assert_eq!(skeleton(disguised), production, "{disguised}");
        }
        assert_eq!(skeleton("Billing admin"), skeleton("Billing adrnin"));
        assert_eq!(skeleton("Prod   EU"), skeleton("prod eu"));
    }

    #[test]
    fn labels_that_read_differently_do_not() {
        let production = skeleton("Production");
        for other in [
            "Productions",
            "Pre-production",
            "Prod",
            "Producción",
            "Development",
        ] {
            assert_ne!(skeleton(other), production, "{other}");
        }
        assert_ne!(skeleton("Prod EU"), skeleton("ProdEU"));
    }
}
