//! C enumerations and integer macros, read from preprocessed kernel headers.

use std::collections::BTreeMap;

/// A named integer constant, in the order it was declared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Constant {
    pub name: String,
    pub value: i64,
}

/// Known values: enumerators and macros seen so far (an enumerator may refer to one).
pub type Scope = BTreeMap<String, i64>;

/// Every `enum { ... }` in `text`, each as its enumerators with their values.
pub fn enums(text: &str, scope: &mut Scope) -> Result<Vec<Vec<Constant>>, String> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(at) = find_word(rest, "enum") {
        rest = &rest[at + 4..];
        let Some(open) = rest.find('{') else { break };
        // `enum name {` or `enum {`; anything else (e.g. `enum name var;`) is not a body.
        if rest[..open].split_whitespace().count() > 1 || rest[..open].contains(';') {
            continue;
        }
        let close = rest[open..].find('}').ok_or("unterminated enum")? + open;
        let mut constants = Vec::new();
        let mut next = 0i64;
        for entry in rest[open + 1..close].split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (name, value) = match entry.split_once('=') {
                Some((name, expr)) => (name.trim(), evaluate(expr, scope)?),
                None => (entry, next),
            };
            scope.insert(name.to_string(), value);
            constants.push(Constant { name: name.to_string(), value });
            next = value + 1;
        }
        found.push(constants);
        rest = &rest[close..];
    }
    Ok(found)
}

/// The `#define NAME <integer expression>` lines of `cpp -dM` output that evaluate.
pub fn integer_macros(text: &str, scope: &mut Scope) -> Vec<Constant> {
    let mut constants = Vec::new();
    for line in text.lines() {
        let Some(definition) = line.strip_prefix("#define ") else { continue };
        let Some((name, expr)) = definition.split_once(' ') else { continue };
        if name.contains('(') {
            continue; // a function-like macro
        }
        if let Ok(value) = evaluate(expr, scope) {
            scope.insert(name.to_string(), value);
            constants.push(Constant { name: name.to_string(), value });
        }
    }
    constants
}

fn find_word(text: &str, word: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let is_ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut from = 0;
    while let Some(at) = text[from..].find(word).map(|i| i + from) {
        let before = at == 0 || !is_ident(bytes[at - 1]);
        let after = bytes.get(at + word.len()).is_none_or(|&b| !is_ident(b));
        if before && after {
            return Some(at);
        }
        from = at + word.len();
    }
    None
}

/// Evaluates a C integer constant expression over literals and known names:
/// `+ - * << >> & |`, unary `-` and `~`, parentheses and casts to integer types ignored.
pub fn evaluate(expr: &str, scope: &Scope) -> Result<i64, String> {
    let tokens = tokenize(expr)?;
    let mut parser = Parser { tokens: &tokens, at: 0, scope };
    let value = parser.binary(0)?;
    if parser.at != tokens.len() {
        return Err(format!("cannot evaluate `{expr}`"));
    }
    Ok(value)
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Number(i64),
    Name(String),
    Op(&'static str),
}

fn tokenize(expr: &str) -> Result<Vec<Token>, String> {
    const OPS: [&str; 10] = ["<<", ">>", "+", "-", "*", "&", "|", "~", "(", ")"];
    let mut tokens = Vec::new();
    let mut rest = expr.trim();
    while !rest.is_empty() {
        if let Some(op) = OPS.iter().find(|op| rest.starts_with(**op)) {
            tokens.push(Token::Op(op));
            rest = &rest[op.len()..];
        } else if rest.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
            let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
            let word = &rest[..end];
            tokens.push(if word.starts_with(|c: char| c.is_ascii_digit()) {
                Token::Number(parse_number(word)?)
            } else {
                Token::Name(word.to_string())
            });
            rest = &rest[end..];
        } else {
            return Err(format!("unexpected `{rest}`"));
        }
        rest = rest.trim_start();
    }
    Ok(tokens)
}

fn parse_number(word: &str) -> Result<i64, String> {
    let digits = word.trim_end_matches(['u', 'U', 'l', 'L']);
    let parsed = match digits.strip_prefix("0x").or_else(|| digits.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => digits.parse::<u64>(),
    };
    parsed.map(|v| v as i64).map_err(|_| format!("bad number `{word}`"))
}

struct Parser<'a> {
    tokens: &'a [Token],
    at: usize,
    scope: &'a Scope,
}

impl Parser<'_> {
    fn binary(&mut self, min_precedence: u8) -> Result<i64, String> {
        let mut left = self.unary()?;
        while let Some(Token::Op(op)) = self.tokens.get(self.at) {
            let precedence = match *op {
                "|" => 1,
                "&" => 2,
                "<<" | ">>" => 3,
                "+" | "-" => 4,
                "*" => 5,
                _ => break,
            };
            if precedence < min_precedence {
                break;
            }
            self.at += 1;
            let right = self.binary(precedence + 1)?;
            left = match *op {
                "|" => left | right,
                "&" => left & right,
                "<<" => left.checked_shl(right as u32).ok_or("shift overflow")?,
                ">>" => left >> right,
                "+" => left.wrapping_add(right),
                "-" => left.wrapping_sub(right),
                _ => left.wrapping_mul(right),
            };
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<i64, String> {
        let token = self.tokens.get(self.at).cloned().ok_or("expression ends early")?;
        self.at += 1;
        match token {
            Token::Number(n) => Ok(n),
            Token::Name(name) => self.scope.get(&name).copied().ok_or(format!("unknown name {name}")),
            Token::Op("-") => Ok(-self.unary()?),
            Token::Op("~") => Ok(!self.unary()?),
            Token::Op("(") => {
                // A cast such as `(unsigned long)` (type words, none of them a known
                // name) is skipped; anything else is grouping.
                let mut end = self.at;
                while let Some(Token::Name(word)) = self.tokens.get(end) {
                    if self.scope.contains_key(word) {
                        break;
                    }
                    end += 1;
                }
                if end > self.at && self.tokens.get(end) == Some(&Token::Op(")")) {
                    self.at = end + 1;
                    return self.unary();
                }
                let value = self.binary(0)?;
                match self.tokens.get(self.at) {
                    Some(Token::Op(")")) => {
                        self.at += 1;
                        Ok(value)
                    }
                    _ => Err("missing )".into()),
                }
            }
            other => Err(format!("unexpected {other:?}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enumerators_count_on_from_the_last_value() {
        let mut scope = Scope::new();
        let text = "typedef enum api_object { A, B, C = 7, D, } t; enum x { E = D + 1 };";
        let found = enums(text, &mut scope).unwrap();
        let values: Vec<Vec<i64>> = found.iter().map(|e| e.iter().map(|c| c.value).collect()).collect();
        assert_eq!(values, vec![vec![0, 1, 7, 8], vec![9]]);
    }

    #[test]
    fn expressions_follow_c_precedence() {
        let scope: Scope = [("N".to_string(), 2)].into();
        assert_eq!(evaluate("1 + 2 * 3", &scope), Ok(7));
        assert_eq!(evaluate("(1ul<<(N))-1", &scope), Ok(3));
        assert_eq!(evaluate("0x10 | 1 << 2", &scope), Ok(0x14));
        assert_eq!(evaluate("256 - 1", &scope), Ok(255));
        assert_eq!(evaluate("-1", &scope), Ok(-1));
        assert_eq!(evaluate("((unsigned long)4)", &scope), Ok(4));
        assert!(evaluate("M + 1", &scope).is_err());
        assert!(evaluate("1 +", &scope).is_err());
    }

    #[test]
    fn macros_that_are_not_integers_are_skipped() {
        let mut scope = Scope::new();
        let text = "#define seL4_PageBits 12\n#define F(x) x\n#define S \"s\"\n#define seL4_Two (seL4_PageBits - 10)\n";
        let names: Vec<(String, i64)> =
            integer_macros(text, &mut scope).into_iter().map(|c| (c.name, c.value)).collect();
        assert_eq!(names, [("seL4_PageBits".to_string(), 12), ("seL4_Two".to_string(), 2)]);
    }
}
