//! Shell patterns (`case`, and later file names): `*` any text, `?` any character,
//! `[abc]`, `[a-z]` and `[!abc]` one of (or none of) a set, `\c` the character `c`.

/// Whether all of `text` matches `pattern`.
pub fn matches(pattern: &str, text: &str) -> bool {
    let pattern: alloc::vec::Vec<char> = pattern.chars().collect();
    let text: alloc::vec::Vec<char> = text.chars().collect();
    match_from(&pattern, &text)
}

fn match_from(pattern: &[char], text: &[char]) -> bool {
    let (mut p, mut t) = (0, 0);
    // The last `*` and where its text match started: backtracking goes there.
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        let step = match pattern.get(p) {
            Some('*') => {
                star = Some((p, t));
                p += 1;
                continue;
            }
            Some('?') => Some(1),
            Some('[') => match set(&pattern[p..], text[t]) {
                Some((true, length)) => Some(length),
                Some((false, _)) => None,
                // (An unclosed `[` is itself.)
                None => (text[t] == '[').then_some(1),
            },
            Some('\\') if p + 1 < pattern.len() => (pattern[p + 1] == text[t]).then_some(2),
            Some(&c) => (c == text[t]).then_some(1),
            None => None,
        };
        match (step, star) {
            (Some(length), _) => {
                p += length;
                t += 1;
            }
            (None, Some((star_p, star_t))) => {
                // Let the `*` take one more character, and try again after it.
                p = star_p + 1;
                t = star_t + 1;
                star = Some((star_p, star_t + 1));
            }
            (None, None) => return false,
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

/// A bracket expression at the start of `pattern` against `c`: (whether it matches, its
/// length), or `None` when it is not closed.
fn set(pattern: &[char], c: char) -> Option<(bool, usize)> {
    let mut i = 1;
    let negated = matches!(pattern.get(i), Some('!' | '^'));
    if negated {
        i += 1;
    }
    let mut found = false;
    let mut first = true;
    while let Some(&member) = pattern.get(i) {
        if member == ']' && !first {
            return Some((found != negated, i + 1));
        }
        first = false;
        if pattern.get(i + 1) == Some(&'-') && pattern.get(i + 2).is_some_and(|&end| end != ']') {
            found |= (member..=pattern[i + 2]).contains(&c);
            i += 3;
        } else {
            found |= member == c;
            i += 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn literal_text_and_wildcards() {
        assert!(matches("abc", "abc"));
        assert!(!matches("abc", "abcd"));
        assert!(matches("*", ""));
        assert!(matches("a*c", "abbbc"));
        assert!(matches("a*c", "ac"));
        assert!(!matches("a*c", "acb"));
        assert!(matches("*.txt", "notes.txt"));
        assert!(matches("?b?", "abc"));
        assert!(!matches("?", ""));
        assert!(matches("*a*a*", "banana"));
        assert!(!matches("*x*", "banana"));
    }

    #[test]
    fn sets_ranges_and_escapes() {
        assert!(matches("[abc]x", "bx"));
        assert!(!matches("[abc]x", "dx"));
        assert!(matches("[a-z][0-9]", "q7"));
        assert!(!matches("[!a-z]", "q"));
        assert!(matches("[!a-z]", "Q"));
        assert!(matches("[]]", "]"));
        assert!(matches("\\*", "*"));
        assert!(!matches("\\*", "x"));
        assert!(matches("[", "["));
        assert!(matches("a[", "a["));
    }
}
