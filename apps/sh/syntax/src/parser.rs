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

/// One element of a pipeline.
enum Element {
    Simple(Command),
    Compound(Compound),
}

struct Parser {
    tokens: core::iter::Peekable<alloc::vec::IntoIter<Token>>,
}

fn unexpected<T>(token: Option<&Token>) -> Result<T, SyntaxError> {
    Err(match token {
        None => SyntaxError::at_end("unexpected end of line"),
        Some(token) => SyntaxError::new(alloc::format!("unexpected `{}`", describe(token))),
    })
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
        Token::Newline => "newline",
        Token::HereDocument(..) => "<<",
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
            self.linebreak();
            match self.tokens.peek() {
                None if end.is_empty() => return Ok(list),
                None => return Err(SyntaxError::at_end(alloc::format!("`{}` expected", end[0]))),
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
                Some(Token::Semicolon | Token::Newline) => Mode::Foreground,
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

    /// Skips newlines (where more must come: after `|`, `&&`, `||`, a reserved word).
    fn linebreak(&mut self) {
        while self.tokens.next_if_eq(&Token::Newline).is_some() {}
    }

    /// Takes the reserved word `word`, or says what came instead.
    fn expect(&mut self, word: &str) -> Result<(), SyntaxError> {
        self.linebreak();
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
                        _ => return Err(SyntaxError::new("`for` needs a variable name")),
                    },
                    other => return unexpected(other.as_ref()),
                };
                let mut words = Vec::new();
                let listed = keyword_in(self.tokens.peek());
                if listed {
                    self.tokens.next();
                    while let Some(Token::Word(word)) = self.tokens.peek() {
                        words.push(word.clone());
                        self.tokens.next();
                    }
                } else {
                    // `for NAME` alone goes over the positional parameters: `"$@"`.
                    words.push(Word(Vec::from([Part::Variable("@".into())])));
                }
                // `for NAME do`, `for NAME; do`, or a newline before `do`.
                if listed || keyword(self.tokens.peek()) != Some("do") {
                    match self.tokens.next() {
                        Some(Token::Semicolon | Token::Newline) => {}
                        None => return Err(SyntaxError::at_end("`do` expected")),
                        other => return unexpected(other.as_ref()),
                    }
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
            return Err(SyntaxError::new("`case WORD` needs `in`"));
        }
        self.tokens.next();
        self.tokens.next_if_eq(&Token::Semicolon);
        let mut items = Vec::new();
        loop {
            self.linebreak();
            if self.tokens.peek().is_none() {
                return Err(SyntaxError::at_end("`esac` expected"));
            }
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
            self.linebreak();
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
            self.linebreak();
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
                _ => return Err(SyntaxError::new(alloc::format!("`{name}()` needs a compound command ({{ ...; }})"))),
            };
            let function = Compound::Function { name, body: Box::new(body) };
            let compound = Some(Box::new(function));
            return Ok(Pipeline { negated, commands: Vec::new(), compound, compound_at: 0, redirects: Vec::new() });
        }
        let mut commands = Vec::new();
        let mut compound: Option<(usize, Compound)> = None;
        let mut redirects = Vec::new();
        loop {
            match self.element()? {
                Element::Simple(command) => commands.push(command),
                Element::Compound(_) if compound.is_some() => {
                    return Err(SyntaxError::new("only one compound command may be part of a pipeline (yet)"));
                }
                Element::Compound(element) => {
                    // Its redirections (`while read l; do ...; done < FILE`).
                    while let Some(redirect) = self.redirect()? {
                        redirects.push(redirect);
                    }
                    compound = Some((commands.len(), element));
                }
            }
            if self.tokens.next_if_eq(&Token::Pipe).is_none() {
                break;
            }
            self.linebreak();
        }
        let (compound_at, compound) = match compound {
            Some((at, element)) => (at, Some(Box::new(element))),
            None => (0, None),
        };
        Ok(Pipeline { negated, commands, compound, compound_at, redirects })
    }

    /// One element of a pipeline: a subshell, a compound command, or a simple command.
    fn element(&mut self) -> Result<Element, SyntaxError> {
        if self.tokens.next_if_eq(&Token::LeftParen).is_some() {
            let list = self.list(&[")"])?;
            return match self.tokens.next() {
                Some(Token::RightParen) => Ok(Element::Compound(Compound::Subshell(list))),
                None => Err(SyntaxError::at_end("`)` expected")),
                other => unexpected(other.as_ref()),
            };
        }
        match keyword(self.tokens.peek()) {
            Some(opener) if OPENERS.contains(&opener) => {
                let opener = String::from(opener);
                Ok(Element::Compound(self.compound(&opener)?))
            }
            Some(_) => unexpected(self.tokens.peek()),
            None => Ok(Element::Simple(self.command()?)),
        }
    }

    /// A redirection, if one comes next.
    fn redirect(&mut self) -> Result<Option<Redirect>, SyntaxError> {
        let (fd, kind) = match self.tokens.peek() {
            Some(&Token::Less(fd)) => (fd.unwrap_or(0), RedirectKind::Input),
            Some(&Token::Greater(fd)) => (fd.unwrap_or(1), RedirectKind::Output),
            Some(&Token::DoubleGreater(fd)) => (fd.unwrap_or(1), RedirectKind::Append),
            Some(&Token::GreaterAmpersand(fd, target)) => {
                self.tokens.next();
                let kind = RedirectKind::Duplicate(target);
                return Ok(Some(Redirect { fd: fd.unwrap_or(1), kind, target: Word::default() }));
            }
            Some(Token::HereDocument(..)) => {
                let Some(Token::HereDocument(fd, body)) = self.tokens.next() else { return Ok(None) };
                return Ok(Some(Redirect { fd, kind: RedirectKind::HereDocument, target: body }));
            }
            _ => return Ok(None),
        };
        self.tokens.next();
        match self.tokens.next() {
            Some(Token::Word(target)) => Ok(Some(Redirect { fd, kind, target })),
            other => unexpected(other.as_ref()),
        }
    }

    fn command(&mut self) -> Result<Command, SyntaxError> {
        let mut command = Command::default();
        loop {
            if let Some(Token::Word(word)) = self.tokens.peek() {
                match assignment(word).filter(|_| command.words.is_empty()) {
                    Some(pair) => command.assignments.push(pair),
                    None => command.words.push(word.clone()),
                }
                self.tokens.next();
                continue;
            }
            match self.redirect()? {
                Some(redirect) => command.redirects.push(redirect),
                None => break,
            }
        }
        if command.words.is_empty() && command.assignments.is_empty() && command.redirects.is_empty() {
            return unexpected(self.tokens.peek());
        }
        Ok(command)
    }
}
