//! "Did you mean": the closest valid key to a misspelt one. A leaf module:
//! config, ingest and init suggest with it.

/// Levenshtein distance between two short strings.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

/// The candidate closest to `key`, when it is close enough to be a typo.
pub fn closest<'a>(key: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let key_lower = key.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| (distance(&key_lower, &c.to_ascii_lowercase()), c))
        .filter(|(d, c)| *d <= (c.len() / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Adds "did you mean `x`?" to serde's "unknown field `y`, expected one of
/// `a`, `b`" message.
pub(crate) fn explain_unknown_field(message: &str) -> String {
    let Some(start) = message.find("unknown field `") else {
        return message.to_string();
    };
    let rest = &message[start + "unknown field `".len()..];
    let Some(end) = rest.find('`') else {
        return message.to_string();
    };
    let key = &rest[..end];
    let expected: Vec<&str> = rest[end + 1..]
        .split('`')
        .enumerate()
        .filter(|(i, _)| i % 2 == 1)
        .map(|(_, name)| name)
        .collect();
    match closest(key, expected) {
        Some(suggestion) => format!("{}; did you mean `{suggestion}`?", message.trim_end()),
        None => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_nearest_key() {
        assert_eq!(closest("min_cel", ["min_cell", "seed"]), Some("min_cell"));
        assert_eq!(closest("mincell", ["min_cell", "seed"]), Some("min_cell"));
        assert_eq!(closest("colour", ["min_cell", "seed"]), None);
        let message = "unknown field `min_cel`, expected one of `waves`, `min_cell`";
        assert!(explain_unknown_field(message).ends_with("did you mean `min_cell`?"));
    }
}
