//! Builds a [`List`] from the tokens of a line.

use crate::lexer::{tokens, Token};
use crate::{
    AndOr, Command, Compound, Connector, List, Mode, Part, Pipeline, Redirect, RedirectKind, SyntaxError, Word,
};
use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;

/// Parses one line (an empty or comment-only line is an empty list).
pub fn parse(line: &str) -> Result<List, SyntaxError> {
    let tokens = tokens(line)?;
    let mut parser = Parser { tokens: tokens.into_iter().peekable() };
    parser.list(&[])
}

/// Words reserved where a command starts: those that begin a compound command, and
/// those that end a list inside one.
const OPENERS: [&str; 6] = ["if", "while", "until", "for", "case", "{"];
const CLOSERS: [&str; 8] = ["then", "elif", "else", "fi", "do", "done", "esac", "}"];

/// The reserved word `token` is, if it is one: a plain word of one literal part.
fn keyword(token: Option<&Token>) -> Option<&str> {
    match token {
        Some(Token::Word(Word(parts))) => match parts.as_slice() {
            [Part::Literal(text)] if OPENERS.contains(&text.as_str()) || CLOSERS.contains(&text.as_str()) => {
                Some(text.as_str())
            }
            _ => None,
        },
        _ => None,
    }
}

struct Parser {
    tokens: core::iter::Peekable<alloc::vec::IntoIter<Token>>,
}

fn unexpected<T>(token: Option<&Token>) -> Result<T, SyntaxError> {
    Err(SyntaxError(match token {
        None => "unexpected end of line".into(),
        Some(token) => alloc::format!("unexpected `{}`", describe(token)),
    }))
}

fn describe(token: &Token) -> &'static str {
    match token {
        Token::Word(_) => "word",
        Token::Pipe => "|",
        Token::And => "&&",
        Token::Or => "||",
        Token::Semicolon => ";",
        Token::Ampersand => "&",
        Token::Bang => "!",
        Token::Less(_) => "<",
        Token::Greater(_) => ">",
        Token::DoubleGreater(_) => ">>",
        Token::GreaterAmpersand(..) => ">&",
        Token::LeftParen => "(",
        Token::RightParen => ")",
        Token::DoubleSemicolon => ";;",
    }
}

/// A variable's name: a letter or `_`, then letters, digits and `_`.
fn valid_name(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Whether `token` is the word `in` (reserved only after `for NAME`).
fn keyword_in(token: Option<&Token>) -> bool {
    matches!(token, Some(Token::Word(Word(parts))) if matches!(parts.as_slice(), [Part::Literal(text)] if text == "in"))
}

/// `NAME=value` with a valid name: the name and the value's parts.
fn assignment(word: &Word) -> Option<(String, Word)> {
    let Some(Part::Literal(first)) = word.0.first() else { return None };
    let (name, value) = first.split_once('=')?;
    if !valid_name(name) {
        return None;
    }
    let mut parts = Vec::from([Part::Literal(value.into())]);
    parts.extend(word.0[1..].iter().cloned());
    Some((name.into(), Word(parts)))
}

impl Parser {
    /// A list up to the end of the line (`end` empty), or up to one of the reserved
    /// words `end` (not taken; the list must then have a command).
    fn list(&mut self, end: &[&str]) -> Result<List, SyntaxError> {
        let mut list = List::default();
        loop {
            match self.tokens.peek() {
                None if end.is_empty() => return Ok(list),
                None => return Err(SyntaxError(alloc::format!("`{}` expected", end[0]))),
                // (A `case` item's list ends at `;;`, a subshell's at `)`: the caller
                // takes it.)
                Some(Token::DoubleSemicolon) if end.contains(&";;") => return Ok(list),
                Some(Token::RightParen) if end.contains(&")") => {
                    return match list.0.is_empty() {
                        true => unexpected(self.tokens.peek()),
                        false => Ok(list),
                    };
                }
                next if keyword(next).is_some_and(|k| end.contains(&k)) => {
                    return match list.0.is_empty() {
                        true => unexpected(next),
                        false => Ok(list),
                    };
                }
                _ => {}
            }
            let and_or = self.and_or()?;
            let mode = match self.tokens.peek() {
                None => Mode::Foreground,
                Some(Token::Semicolon) => Mode::Foreground,
                Some(Token::Ampersand) => Mode::Background,
                Some(Token::DoubleSemicolon) if end.contains(&";;") => {
                    list.0.push((and_or, Mode::Foreground));
                    return Ok(list);
                }
                Some(Token::RightParen) if end.contains(&")") => {
                    list.0.push((and_or, Mode::Foreground));
                    return Ok(list);
                }
                other => return unexpected(other),
            };
            self.tokens.next();
            list.0.push((and_or, mode));
        }
    }

    /// Takes the reserved word `word`, or says what came instead.
    fn expect(&mut self, word: &str) -> Result<(), SyntaxError> {
        match keyword(self.tokens.peek()) {
            Some(found) if found == word => {
                self.tokens.next();
                Ok(())
            }
            _ => unexpected(self.tokens.peek()),
        }
    }

    fn compound(&mut self, opener: &str) -> Result<Compound, SyntaxError> {
        self.tokens.next();
        match opener {
            "if" => {
                let mut branches = Vec::new();
                let mut otherwise = None;
                loop {
                    let condition = self.list(&["then"])?;
                    self.expect("then")?;
                    branches.push((condition, self.list(&["elif", "else", "fi"])?));
                    match keyword(self.tokens.next().as_ref()) {
                        Some("elif") => continue,
                        Some("else") => {
                            otherwise = Some(self.list(&["fi"])?);
                            self.expect("fi")?;
                        }
                        _ => {} // `fi`
                    }
                    return Ok(Compound::If { branches, otherwise });
                }
            }
            "while" | "until" => {
                let condition = self.list(&["do"])?;
                self.expect("do")?;
                let body = self.list(&["done"])?;
                self.expect("done")?;
                Ok(Compound::While { until: opener == "until", condition, body })
            }
            "case" => self.case(),
            "{" => {
                let list = self.list(&["}"])?;
                self.expect("}")?;
                Ok(Compound::Group(list))
            }
            _ => {
                let name = match self.tokens.next() {
                    Some(Token::Word(word)) => match word.0.as_slice() {
                        [Part::Literal(name)] if valid_name(name) => name.clone(),
                        _ => return Err(SyntaxError("`for` needs a variable name".into())),
                    },
                    other => return unexpected(other.as_ref()),
                };
                let mut words = Vec::new();
                if keyword_in(self.tokens.peek()) {
                    self.tokens.next();
                    while let Some(Token::Word(word)) = self.tokens.peek() {
                        words.push(word.clone());
                        self.tokens.next();
                    }
                }
                match self.tokens.next() {
                    Some(Token::Semicolon) => {}
                    other => return unexpected(other.as_ref()),
                }
                self.expect("do")?;
                let body = self.list(&["done"])?;
                self.expect("done")?;
                Ok(Compound::For { name, words, body })
            }
        }
    }

    /// `case WORD in [(]PATTERN[|PATTERN]...) LIST ;; ... esac` (the last `;;` may go;
    /// an item's list may be empty).
    fn case(&mut self) -> Result<Compound, SyntaxError> {
        let word = match self.tokens.next() {
            Some(Token::Word(word)) => word,
            other => return unexpected(other.as_ref()),
        };
        if !keyword_in(self.tokens.peek()) {
            return Err(SyntaxError("`case WORD` needs `in`".into()));
        }
        self.tokens.next();
        self.tokens.next_if_eq(&Token::Semicolon);
        let mut items = Vec::new();
        loop {
            if keyword(self.tokens.peek()) == Some("esac") {
                self.tokens.next();
                return Ok(Compound::Case { word, items });
            }
            self.tokens.next_if_eq(&Token::LeftParen);
            let mut patterns = Vec::new();
            loop {
                match self.tokens.next() {
                    Some(Token::Word(pattern)) => patterns.push(pattern),
                    other => return unexpected(other.as_ref()),
                }
                match self.tokens.next() {
                    Some(Token::Pipe) => continue,
                    Some(Token::RightParen) => break,
                    other => return unexpected(other.as_ref()),
                }
            }
            let empty = matches!(self.tokens.peek(), Some(Token::DoubleSemicolon))
                || keyword(self.tokens.peek()) == Some("esac");
            let list = if empty { List::default() } else { self.list(&[";;", "esac"])? };
            items.push((patterns, list));
            self.tokens.next_if_eq(&Token::DoubleSemicolon);
            self.tokens.next_if_eq(&Token::Semicolon);
        }
    }

    fn and_or(&mut self) -> Result<AndOr, SyntaxError> {
        let first = self.pipeline()?;
        let mut rest = Vec::new();
        loop {
            let connector = match self.tokens.peek() {
                Some(Token::And) => Connector::And,
                Some(Token::Or) => Connector::Or,
                _ => return Ok(AndOr { first, rest }),
            };
            self.tokens.next();
            rest.push((connector, self.pipeline()?));
        }
    }

    /// `NAME()` ahead: a function definition's name (the tokens stay).
    fn function_name(&self) -> Option<String> {
        let mut ahead = self.tokens.clone();
        let Some(Token::Word(Word(parts))) = ahead.next() else { return None };
        let [Part::Literal(name)] = parts.as_slice() else { return None };
        let parens = ahead.next() == Some(Token::LeftParen) && ahead.next() == Some(Token::RightParen);
        (parens && valid_name(name)).then(|| name.clone())
    }

    fn pipeline(&mut self) -> Result<Pipeline, SyntaxError> {
        let negated = self.tokens.next_if_eq(&Token::Bang).is_some();
        if let Some(name) = self.function_name() {
            self.tokens.nth(2);
            let body = match keyword(self.tokens.peek()) {
                Some(opener) if OPENERS.contains(&opener) => {
                    let opener = String::from(opener);
                    self.compound(&opener)?
                }
                _ => return Err(SyntaxError(alloc::format!("`{name}()` needs a compound command ({{ ...; }})"))),
            };
            let function = Compound::Function { name, body: Box::new(body) };
            return Ok(Pipeline { negated, commands: Vec::new(), compound: Some(Box::new(function)) });
        }
        if self.tokens.next_if_eq(&Token::LeftParen).is_some() {
            let list = self.list(&[")"])?;
            match self.tokens.next() {
                Some(Token::RightParen) => {}
                other => return unexpected(other.as_ref()),
            }
            if let Some(Token::Pipe) = self.tokens.peek() {
                return Err(SyntaxError("a compound command cannot be part of a pipeline yet".into()));
            }
            let compound = Compound::Subshell(list);
            return Ok(Pipeline { negated, commands: Vec::new(), compound: Some(Box::new(compound)) });
        }
        match keyword(self.tokens.peek()) {
            Some(opener) if OPENERS.contains(&opener) => {
                let opener = String::from(opener);
                let compound = self.compound(&opener)?;
                if let Some(Token::Pipe) = self.tokens.peek() {
                    return Err(SyntaxError("a compound command cannot be part of a pipeline yet".into()));
                }
                return Ok(Pipeline { negated, commands: Vec::new(), compound: Some(Box::new(compound)) });
            }
            Some(_) => return unexpected(self.tokens.peek()),
            None => {}
        }
        let mut commands = Vec::from([self.command()?]);
        while self.tokens.next_if_eq(&Token::Pipe).is_some() {
            commands.push(self.command()?);
        }
        Ok(Pipeline { negated, commands, compound: None })
    }

    fn command(&mut self) -> Result<Command, SyntaxError> {
        let mut command = Command::default();
        loop {
            let redirect = match self.tokens.peek() {
                Some(Token::Word(word)) => {
                    match assignment(word).filter(|_| command.words.is_empty()) {
                        Some(pair) => command.assignments.push(pair),
                        None => command.words.push(word.clone()),
                    }
                    self.tokens.next();
                    continue;
                }
                Some(&Token::Less(fd)) => (fd.unwrap_or(0), RedirectKind::Input),
                Some(&Token::Greater(fd)) => (fd.unwrap_or(1), RedirectKind::Output),
                Some(&Token::DoubleGreater(fd)) => (fd.unwrap_or(1), RedirectKind::Append),
                Some(&Token::GreaterAmpersand(fd, target)) => {
                    self.tokens.next();
                    let kind = RedirectKind::Duplicate(target);
                    command.redirects.push(Redirect { fd: fd.unwrap_or(1), kind, target: Word::default() });
                    continue;
                }
                _ => break,
            };
            self.tokens.next();
            let (fd, kind) = redirect;
            match self.tokens.next() {
                Some(Token::Word(target)) => command.redirects.push(Redirect { fd, kind, target }),
                other => return unexpected(other.as_ref()),
            }
        }
        if command.words.is_empty() && command.assignments.is_empty() && command.redirects.is_empty() {
            return unexpected(self.tokens.peek());
        }
        Ok(command)
    }
}
