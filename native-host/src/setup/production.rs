//! Which imported and discovered roles are production: a word of the profile's or the
//! account's name is `prod`, `production` or `prd`, in any case. Words are split on
//! anything that is not a letter or a digit, so `acme-prod-admin`, `Prod` and
//! `payments_prd` are production, and `product`, `prodigy`, `preprod` or `AcmeProd` (one
//! word each) are not: a pre-production account is not production, and guessing inside
//! words would mark `production-like` names nobody meant.

/// The words that mark production.
const WORDS: [&str; 3] = ["prod", "production", "prd"];

/// Whether any word of `name` is a production word.
pub fn is_production_name(name: &str) -> bool {
    name.split(|c: char| !c.is_alphanumeric())
        .any(|w| WORDS.iter().any(|p| w.eq_ignore_ascii_case(p)))
}

/// Whether any of `names` (a profile's name, an account's name) marks production.
pub fn is_production<'a>(names: impl IntoIterator<Item = &'a str>) -> bool {
    names.into_iter().any(is_production_name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_words_in_any_case() {
        for yes in [
            "acme-prod-admin",
            "Prod",
            "payments_prd",
            "PRODUCTION",
            "Acme Production",
            "eu.prod.readonly",
            "team/prd",
            "prod2 prod",
        ] {
            assert!(is_production_name(yes), "{yes}");
        }
        for no in [
            "product",
            "prodigy",
            "preprod",
            "AcmeProd",
            "production2",
            "reproduction",
            "",
            "dev",
        ] {
            assert!(!is_production_name(no), "{no}");
        }
        assert!(is_production(["sandbox", "Acme Prod"]));
        assert!(!is_production(["sandbox", "Acme Dev"]));
    }
}
