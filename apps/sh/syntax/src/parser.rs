//! Builds a [`List`] from the tokens of a line.

use crate::lexer::{tokens, Token};
use crate::{AndOr, Command, Connector, List, Mode, Part, Pipeline, Redirect, RedirectKind, SyntaxError, Word};
use alloc::string::String;
use alloc::vec::Vec;

/// Parses one line (an empty or comment-only line is an empty list).
pub fn parse(line: &str) -> Result<List, SyntaxError> {
    let tokens = tokens(line)?;
    let mut parser = Parser { tokens: tokens.into_iter().peekable() };
    parser.list()
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
    }
}

/// `NAME=value` with a valid name: the name and the value's parts.
fn assignment(word: &Word) -> Option<(String, Word)> {
    let Some(Part::Literal(first)) = word.0.first() else { return None };
    let (name, value) = first.split_once('=')?;
    let valid = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return None;
    }
    let mut parts = Vec::from([Part::Literal(value.into())]);
    parts.extend(word.0[1..].iter().cloned());
    Some((name.into(), Word(parts)))
}

impl Parser {
    fn list(&mut self) -> Result<List, SyntaxError> {
        let mut list = List::default();
        while self.tokens.peek().is_some() {
            let and_or = self.and_or()?;
            let mode = match self.tokens.next() {
                None | Some(Token::Semicolon) => Mode::Foreground,
                Some(Token::Ampersand) => Mode::Background,
                Some(other) => return unexpected(Some(&other)),
            };
            list.0.push((and_or, mode));
        }
        Ok(list)
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

    fn pipeline(&mut self) -> Result<Pipeline, SyntaxError> {
        let negated = self.tokens.next_if_eq(&Token::Bang).is_some();
        let mut commands = Vec::from([self.command()?]);
        while self.tokens.next_if_eq(&Token::Pipe).is_some() {
            commands.push(self.command()?);
        }
        Ok(Pipeline { negated, commands })
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
