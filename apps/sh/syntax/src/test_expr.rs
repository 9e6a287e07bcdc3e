//! `test` and `[`: POSIX's rules by number of arguments (up to four), as pure logic over
//! what the shell can ask of files.

use alloc::format;
use alloc::string::String;

/// What `test` asks of a file.
pub trait Files {
    /// The kind of file at `path`, and its size; `None` if there is none.
    fn stat(&self, path: &str) -> Option<(FileKind, u64)>;
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    Regular,
    Directory,
    Other,
}

/// The outcome of `test ARGS`: true or false, or a usage error (status 2).
pub fn evaluate(args: &[&str], files: &impl Files) -> Result<bool, String> {
    match args {
        [] => Ok(false),
        [one] => Ok(!one.is_empty()),
        ["!", operand] => Ok(operand.is_empty()),
        [op, operand] => unary(op, operand, files),
        // (With three, a binary operator in the middle comes first: `test ! = x`.)
        [left, op, right] if BINARY.contains(op) => binary(left, op, right),
        ["!", rest @ ..] if args.len() <= 4 => evaluate(rest, files).map(|b| !b),
        ["(", inner @ .., ")"] if args.len() <= 4 => evaluate(inner, files),
        // Beyond POSIX's four arguments, the XSI `-o` (loosest) and `-a`, as dash has
        // them: each side evaluated on its own.
        _ => match args.iter().rposition(|&a| a == "-o").or_else(|| args.iter().rposition(|&a| a == "-a")) {
            Some(at) if at > 0 && at + 1 < args.len() => {
                let (left, right) = (evaluate(&args[..at], files)?, evaluate(&args[at + 1..], files)?);
                Ok(if args[at] == "-o" { left || right } else { left && right })
            }
            _ => Err(String::from("too many arguments")),
        },
    }
}

const BINARY: [&str; 10] = ["=", "!=", "<", ">", "-eq", "-ne", "-lt", "-le", "-gt", "-ge"];

/// `[ ARGS ]`: as `test`, with the closing `]` required.
pub fn evaluate_bracket(args: &[&str], files: &impl Files) -> Result<bool, String> {
    match args.split_last() {
        Some((&"]", inner)) => evaluate(inner, files),
        _ => Err(String::from("missing `]`")),
    }
}

fn unary(op: &str, operand: &str, files: &impl Files) -> Result<bool, String> {
    let file = || files.stat(operand);
    Ok(match op {
        "-n" => !operand.is_empty(),
        "-z" => operand.is_empty(),
        "-e" => file().is_some(),
        "-f" => file().is_some_and(|(kind, _)| kind == FileKind::Regular),
        "-d" => file().is_some_and(|(kind, _)| kind == FileKind::Directory),
        "-s" => file().is_some_and(|(_, size)| size > 0),
        _ => return Err(format!("{op}: unary operator expected")),
    })
}

fn binary(left: &str, op: &str, right: &str) -> Result<bool, String> {
    let integer = |text: &str| text.trim().parse::<i64>().map_err(|_| format!("{text}: integer expected"));
    Ok(match op {
        "=" => left == right,
        "!=" => left != right,
        "<" => left < right,
        ">" => left > right,
        "-eq" => integer(left)? == integer(right)?,
        "-ne" => integer(left)? != integer(right)?,
        "-lt" => integer(left)? < integer(right)?,
        "-le" => integer(left)? <= integer(right)?,
        "-gt" => integer(left)? > integer(right)?,
        "-ge" => integer(left)? >= integer(right)?,
        _ => return Err(format!("{op}: binary operator expected")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fs;
    impl Files for Fs {
        fn stat(&self, path: &str) -> Option<(FileKind, u64)> {
            match path {
                "/etc" => Some((FileKind::Directory, 0)),
                "/etc/motd" => Some((FileKind::Regular, 12)),
                "/empty" => Some((FileKind::Regular, 0)),
                _ => None,
            }
        }
    }

    fn test(args: &[&str]) -> Result<bool, String> {
        evaluate(args, &Fs)
    }

    #[test]
    fn posix_rules_by_argument_count() {
        assert_eq!(test(&[]), Ok(false));
        assert_eq!((test(&["x"]), test(&[""]), test(&["-n"])), (Ok(true), Ok(false), Ok(true)));
        assert_eq!((test(&["!", ""]), test(&["-z", ""]), test(&["-n", ""])), (Ok(true), Ok(true), Ok(false)));
        assert_eq!(
            (test(&["a", "=", "a"]), test(&["a", "!=", "a"]), test(&["(", "", ")"])),
            (Ok(true), Ok(false), Ok(false))
        );
        assert_eq!((test(&["!", "a", "=", "b"]), test(&["!", "!", "x"])), (Ok(true), Ok(true)));
        assert_eq!(
            (test(&["10", "-gt", "9"]), test(&["-1", "-le", "-1"]), test(&[" 3", "-eq", "3"])),
            (Ok(true), Ok(true), Ok(true))
        );
        assert!(test(&["a", "-lt", "1"]).is_err());
        assert!(test(&["a", "-x", "b"]).is_err());
        assert!(test(&["-q", "a"]).is_err());
        assert!(test(&["a", "b", "c", "d", "e"]).is_err());
        assert_eq!((test(&["a", "<", "b"]), test(&["b", ">", "c"])), (Ok(true), Ok(false)));
        assert_eq!(test(&["5", "-le", "5", "-a", "6", "-ge", "7"]), Ok(false));
        assert_eq!(test(&["x", "=", "y", "-o", "-n", "z", "-a", "1", "-eq", "1"]), Ok(true));
        assert_eq!((test(&["!", "=", "x"]), test(&["!", "=", "!"])), (Ok(false), Ok(true)), "binary first");
        assert_eq!(test(&["(", "-n", "", ")"]), Ok(false));
    }

    #[test]
    fn files() {
        assert_eq!(
            (test(&["-d", "/etc"]), test(&["-f", "/etc"]), test(&["-e", "/etc"])),
            (Ok(true), Ok(false), Ok(true))
        );
        assert_eq!(
            (test(&["-f", "/etc/motd"]), test(&["-s", "/etc/motd"]), test(&["-s", "/empty"])),
            (Ok(true), Ok(true), Ok(false))
        );
        assert_eq!(test(&["-e", "/nope"]), Ok(false));
    }

    #[test]
    fn brackets_need_their_end() {
        assert_eq!(evaluate_bracket(&["1", "-eq", "1", "]"], &Fs), Ok(true));
        assert!(evaluate_bracket(&["1", "-eq", "1"], &Fs).is_err());
        assert_eq!(evaluate_bracket(&["]"], &Fs), Ok(false));
    }
}
