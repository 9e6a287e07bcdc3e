//! The `printf` builtin's formatting: the format's backslash escapes (`\n \t \\ \a \b
//! \f \r \v \0NNN`), and conversions `%s %b %c %d %i %u %x %X %o %%` with flags `-`,
//! `0`, ` `, `+`, a width and a precision. The format is used again while arguments
//! are left; a missing argument is empty (or 0).

use alloc::format;
use alloc::string::String;

pub fn format(format: &str, args: &[String]) -> String {
    let mut out = String::new();
    let mut next = 0;
    loop {
        let used_before = next;
        one_pass(format, args, &mut next, &mut out);
        if next >= args.len() || next == used_before {
            return out;
        }
    }
}

fn one_pass(format: &str, args: &[String], next: &mut usize, out: &mut String) {
    let mut chars = format.chars().peekable();
    let take = |next: &mut usize| {
        let arg = args.get(*next).cloned().unwrap_or_default();
        *next += 1;
        arg
    };
    while let Some(c) = chars.next() {
        match c {
            '\\' => escape(&mut chars, out, false),
            '%' => {
                let mut spec = String::new();
                while let Some(&f) = chars.peek().filter(|f| matches!(f, '-' | '0' | ' ' | '+' | '#')) {
                    spec.push(f);
                    chars.next();
                }
                let flags = spec.clone();
                let mut width = String::new();
                while let Some(d) = chars.next_if(char::is_ascii_digit) {
                    width.push(d);
                }
                let mut precision = None;
                if chars.next_if_eq(&'.').is_some() {
                    let mut digits = String::new();
                    while let Some(d) = chars.next_if(char::is_ascii_digit) {
                        digits.push(d);
                    }
                    precision = Some(digits.parse::<usize>().unwrap_or(0));
                }
                let width: usize = width.parse().unwrap_or(0);
                let Some(conversion) = chars.next() else {
                    out.push('%');
                    return;
                };
                let text = match conversion {
                    '%' => String::from("%"),
                    's' => {
                        let arg = take(next);
                        match precision {
                            Some(p) => arg.chars().take(p).collect(),
                            None => arg,
                        }
                    }
                    'b' => {
                        let arg = take(next);
                        let mut expanded = String::new();
                        let mut inner = arg.chars().peekable();
                        while let Some(c) = inner.next() {
                            match c {
                                '\\' => escape(&mut inner, &mut expanded, true),
                                c => expanded.push(c),
                            }
                        }
                        expanded
                    }
                    'c' => take(next).chars().next().map(String::from).unwrap_or_default(),
                    'd' | 'i' | 'u' | 'x' | 'X' | 'o' => {
                        let arg = take(next);
                        let value = number(&arg);
                        let digits = match conversion {
                            'x' => format!("{:x}", value),
                            'X' => format!("{:X}", value),
                            'o' => format!("{:o}", value),
                            _ => format!("{}", value.unsigned_abs()),
                        };
                        let digits = match precision {
                            Some(p) if digits.len() < p => format!("{}{digits}", "0".repeat(p - digits.len())),
                            _ => digits,
                        };
                        let sign = if matches!(conversion, 'd' | 'i') && value < 0 {
                            "-"
                        } else if matches!(conversion, 'd' | 'i') && flags.contains('+') {
                            "+"
                        } else if matches!(conversion, 'd' | 'i') && flags.contains(' ') {
                            " "
                        } else {
                            ""
                        };
                        if flags.contains('0') && !flags.contains('-') && precision.is_none() {
                            let pad = width.saturating_sub(sign.len() + digits.len());
                            format!("{sign}{}{digits}", "0".repeat(pad))
                        } else {
                            format!("{sign}{digits}")
                        }
                    }
                    other => format!("%{flags}{other}"),
                };
                let pad = " ".repeat(width.saturating_sub(text.chars().count()));
                if flags.contains('-') {
                    out.push_str(&text);
                    out.push_str(&pad);
                } else {
                    out.push_str(&pad);
                    out.push_str(&text);
                }
            }
            c => out.push(c),
        }
    }
}

/// A number argument: decimal, `0x` hex, `0` octal, or `'c` (the character's code);
/// what does not parse is 0.
fn number(text: &str) -> i64 {
    let text = text.trim();
    if let Some(c) = text.strip_prefix(['\'', '"']).and_then(|rest| rest.chars().next()) {
        return c as i64;
    }
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let value = if let Some(hex) = digits.strip_prefix("0x").or_else(|| digits.strip_prefix("0X")) {
        i64::from_str_radix(hex, 16).unwrap_or(0)
    } else if digits.len() > 1 && digits.starts_with('0') {
        i64::from_str_radix(&digits[1..], 8).unwrap_or(0)
    } else {
        digits.parse().unwrap_or(0)
    };
    if negative {
        -value
    } else {
        value
    }
}

/// After a backslash: the escape's character. An octal one is `\ddd` (one to three
/// digits) in a format, and may also be `\0ddd` in a `%b` argument (`in_argument`).
fn escape(chars: &mut core::iter::Peekable<impl Iterator<Item = char>>, out: &mut String, in_argument: bool) {
    if chars.peek().is_some_and(|c| c.is_digit(8)) {
        if in_argument && chars.peek() == Some(&'0') {
            chars.next();
        }
        let mut code = 0u32;
        for _ in 0..3 {
            match chars.peek().and_then(|c| c.to_digit(8)) {
                Some(d) => {
                    code = code * 8 + d;
                    chars.next();
                }
                None => break,
            }
        }
        out.push(char::from_u32(code).unwrap_or('?'));
        return;
    }
    match chars.next() {
        Some('n') => out.push('\n'),
        Some('t') => out.push('\t'),
        Some('r') => out.push('\r'),
        Some('a') => out.push('\x07'),
        Some('b') => out.push('\x08'),
        Some('f') => out.push('\x0c'),
        Some('v') => out.push('\x0b'),
        Some('\\') => out.push('\\'),
        Some(c) => {
            out.push('\\');
            out.push(c);
        }
        None => out.push('\\'),
    }
}

#[cfg(test)]
mod tests {
    use super::format;
    use alloc::string::{String, ToString};
    use alloc::vec::Vec;

    fn f(format_text: &str, args: &[&str]) -> String {
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        format(format_text, &args)
    }

    #[test]
    fn conversions_as_dash_prints_them() {
        assert_eq!(f("%s-%s\\n", &["a", "b"]), "a-b\n");
        assert_eq!(f("[%5s][%-5s][%.2s]", &["ab", "cd", "xyz"]), "[   ab][cd   ][xy]");
        assert_eq!(f("%d %i %05d %x %X %o %u", &["42", "-7", "42", "255", "255", "8", "3"]), "42 -7 00042 ff FF 10 3");
        assert_eq!(f("%c%c", &["hello", "x"]), "hx");
        assert_eq!(f("100%%\\t%b", &["a\\nb"]), "100%\ta\nb");
        assert_eq!(f("%s\\n", &["1", "2", "3"]), "1\n2\n3\n");
        assert_eq!(f("%d %s|", &[]), "0 |");
        assert_eq!(f("%d", &["'A"]), "65");
        assert_eq!(f("\\101|\\0101|%b|%b", &["\\0101", "\\101"]), "A|\x081|A|A");
    }
}
