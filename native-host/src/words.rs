//! Counts in messages agree with their nouns: "1 gateway", "2 gateways", "0 roles".

/// `n` and the noun in the number it takes: `count(1, "role")` is "1 role",
/// `count(3, "role")` "3 roles". For a noun whose plural is not the singular plus "s", use
/// [`count_as`].
pub fn count(n: usize, singular: &str) -> String {
    if n == 1 {
        format!("1 {singular}")
    } else {
        format!("{n} {singular}s")
    }
}

/// [`count`] with the plural given: `count_as(2, "entry", "entries")`.
pub fn count_as(n: usize, singular: &str, plural: &str) -> String {
    format!("{n} {}", if n == 1 { singular } else { plural })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_is_singular_and_every_other_count_plural() {
        assert_eq!(count(0, "gateway"), "0 gateways");
        assert_eq!(count(1, "gateway"), "1 gateway");
        assert_eq!(count(2, "role"), "2 roles");
        assert_eq!(count_as(1, "entry", "entries"), "1 entry");
        assert_eq!(count_as(5, "entry", "entries"), "5 entries");
    }
}
