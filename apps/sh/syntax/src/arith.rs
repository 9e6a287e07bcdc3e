//! Arithmetic expansion, `$(( ))`: signed 64-bit integers with C's operators
//! (`+ - * / %`, unary `- + ! ~`, shifts, comparisons, bitwise `& ^ |`, `&&`, `||`,
//! `?:`, parentheses) and variables by name (unset or empty: 0). Errors (a bad token,
//! division by zero, overflow) are messages.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Number(i64),
    Name(String),
    Op(&'static str),
}

const OPERATORS: &[&str] = &[
    "&&", "||", "==", "!=", "<=", ">=", "<<", ">>", "<", ">", "+", "-", "*", "/", "%", "(", ")", "!", "~", "&", "^",
    "|", "?", ":",
];

fn tokens(text: &str) -> Result<Vec<Token>, String> {
    let mut out = Vec::new();
    let mut rest = text.trim_start();
    while !rest.is_empty() {
        let c = rest.chars().next().unwrap_or(' ');
        if c.is_ascii_digit() {
            let end = rest.find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or(rest.len());
            // (C's literals: `0x` hex, a leading 0 octal.)
            let text = &rest[..end];
            let parsed = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
                Some(hex) => i64::from_str_radix(hex, 16),
                None if text.len() > 1 && text.starts_with('0') => i64::from_str_radix(&text[1..], 8),
                None => text.parse(),
            };
            let number = parsed.map_err(|_| format!("bad number {text}"))?;
            out.push(Token::Number(number));
            rest = &rest[end..];
        } else if c.is_ascii_alphabetic() || c == '_' {
            let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
            out.push(Token::Name(rest[..end].into()));
            rest = &rest[end..];
        } else if let Some(op) = OPERATORS.iter().find(|op| rest.starts_with(**op)) {
            out.push(Token::Op(op));
            rest = &rest[op.len()..];
        } else {
            return Err(format!("unexpected {c}"));
        }
        rest = rest.trim_start();
    }
    Ok(out)
}

/// Binary operators by precedence, loosest first.
const LEVELS: &[&[&str]] = &[
    &["||"],
    &["&&"],
    &["|"],
    &["^"],
    &["&"],
    &["==", "!="],
    &["<", "<=", ">", ">="],
    &["<<", ">>"],
    &["+", "-"],
    &["*", "/", "%"],
];

struct Parser<'a, F: Fn(&str) -> Option<String>> {
    tokens: Vec<Token>,
    at: usize,
    variable: &'a F,
}

impl<F: Fn(&str) -> Option<String>> Parser<'_, F> {
    /// `condition ? a : b` (loosest of all, and to the right), or a binary expression.
    /// (Both branches are evaluated: they have no side effects here.)
    fn conditional(&mut self) -> Result<i64, String> {
        let condition = self.binary(0)?;
        if self.tokens.get(self.at) != Some(&Token::Op("?")) {
            return Ok(condition);
        }
        self.at += 1;
        let then = self.conditional()?;
        if self.tokens.get(self.at) != Some(&Token::Op(":")) {
            return Err("? without :".into());
        }
        self.at += 1;
        let otherwise = self.conditional()?;
        Ok(if condition != 0 { then } else { otherwise })
    }

    fn binary(&mut self, level: usize) -> Result<i64, String> {
        if level == LEVELS.len() {
            return self.unary();
        }
        let mut left = self.binary(level + 1)?;
        while let Some(Token::Op(op)) = self.tokens.get(self.at).cloned() {
            if !LEVELS[level].contains(&op) {
                break;
            }
            self.at += 1;
            let right = self.binary(level + 1)?;
            left = apply(op, left, right)?;
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<i64, String> {
        let token = self.tokens.get(self.at).cloned().ok_or("missing operand")?;
        self.at += 1;
        match token {
            Token::Number(n) => Ok(n),
            Token::Name(name) => {
                let value = (self.variable)(&name).unwrap_or_default();
                match value.trim() {
                    "" => Ok(0),
                    text => text.parse().map_err(|_| format!("{name}: not a number ({text})")),
                }
            }
            Token::Op("-") => self.unary()?.checked_neg().ok_or_else(|| String::from("overflow")),
            Token::Op("+") => self.unary(),
            Token::Op("!") => Ok((self.unary()? == 0) as i64),
            Token::Op("~") => Ok(!self.unary()?),
            Token::Op("(") => {
                let value = self.conditional()?;
                match self.tokens.get(self.at) {
                    Some(Token::Op(")")) => {
                        self.at += 1;
                        Ok(value)
                    }
                    _ => Err("missing )".into()),
                }
            }
            Token::Op(op) => Err(format!("unexpected {op}")),
        }
    }
}

fn apply(op: &str, a: i64, b: i64) -> Result<i64, String> {
    let overflow = || String::from("overflow");
    Ok(match op {
        "+" => a.checked_add(b).ok_or_else(overflow)?,
        "-" => a.checked_sub(b).ok_or_else(overflow)?,
        "*" => a.checked_mul(b).ok_or_else(overflow)?,
        "/" | "%" if b == 0 => return Err("division by zero".into()),
        "/" => a.checked_div(b).ok_or_else(overflow)?,
        "%" => a.checked_rem(b).ok_or_else(overflow)?,
        "<" => (a < b) as i64,
        "<=" => (a <= b) as i64,
        ">" => (a > b) as i64,
        ">=" => (a >= b) as i64,
        "==" => (a == b) as i64,
        "!=" => (a != b) as i64,
        "&" => a & b,
        "^" => a ^ b,
        "|" => a | b,
        "<<" | ">>" if !(0..64).contains(&b) => return Err("shift out of range".into()),
        "<<" => a << b,
        ">>" => a >> b,
        "&&" => (a != 0 && b != 0) as i64,
        "||" => (a != 0 || b != 0) as i64,
        _ => return Err(format!("unexpected {op}")),
    })
}

/// The value of `text`, with `variable(name)` giving each variable's value.
pub fn evaluate(text: &str, variable: &impl Fn(&str) -> Option<String>) -> Result<i64, String> {
    let mut parser = Parser { tokens: tokens(text)?, at: 0, variable };
    let value = parser.conditional()?;
    match parser.tokens.get(parser.at) {
        None => Ok(value),
        Some(token) => Err(format!("unexpected {token:?}")),
    }
}
