//! Splits a line into words and operators, decoding quotes and escapes as it goes.

use crate::{ParameterOp, Part, SyntaxError, Word};
use alloc::string::String;
use alloc::vec::Vec;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Token {
    Word(Word),
    Pipe,
    And,
    Or,
    Semicolon,
    Ampersand,
    Bang,
    /// `[fd]<`, `[fd]>`, `[fd]>>`, `[fd]>&N`.
    Less(Option<u32>),
    Greater(Option<u32>),
    DoubleGreater(Option<u32>),
    GreaterAmpersand(Option<u32>, u32),
    /// `(` and `)` (a `case` pattern's end), `;;` (a `case` item's end).
    LeftParen,
    RightParen,
    DoubleSemicolon,
    /// A newline outside quotes: it ends a command as `;` does, and is nothing after an
    /// operator or reserved word that wants more (a script's constructs span lines).
    Newline,
    /// `[fd]<<DELIMITER`: fd reads the body (expanded unless the delimiter was quoted).
    HereDocument(u32, Word),
}

/// Characters that end an unquoted word.
fn is_operator(c: char) -> bool {
    matches!(c, '|' | '&' | ';' | '<' | '>' | '(' | ')')
}

struct Lexer<'a> {
    chars: core::iter::Peekable<core::str::Chars<'a>>,
    tokens: Vec<Token>,
    /// Here-documents whose bodies start after this line: (token index, delimiter,
    /// quoted, strip tabs).
    pending: Vec<(usize, String, bool, bool)>,
}

pub fn tokens(line: &str) -> Result<Vec<Token>, SyntaxError> {
    let mut lexer = Lexer { chars: line.chars().peekable(), tokens: Vec::new(), pending: Vec::new() };
    lexer.run()?;
    if !lexer.pending.is_empty() {
        return ended("here-document without its body");
    }
    Ok(lexer.tokens)
}

/// The fd of a here-document token.
fn index_fd(token: &Token) -> u32 {
    match token {
        Token::HereDocument(fd, _) => *fd,
        _ => 0,
    }
}

/// `text` as a word whose `$` expansions happen, as between double quotes (what
/// `$((...))` holds).
fn expanded_text(text: &str) -> Result<Word, SyntaxError> {
    let mut lexer = Lexer { chars: text.chars().peekable(), tokens: Vec::new(), pending: Vec::new() };
    let (mut parts, mut literal) = (Vec::new(), String::new());
    while let Some(c) = lexer.chars.next() {
        match c {
            '$' => lexer.dollar(&mut parts, &mut literal)?,
            _ => literal.push(c),
        }
    }
    if !literal.is_empty() {
        parts.push(Part::Literal(literal));
    }
    Ok(Word(parts))
}

fn error<T>(message: &str) -> Result<T, SyntaxError> {
    Err(SyntaxError::new(message))
}

/// An unquoted here-document's body: `$` expansions happen, and a backslash keeps
/// `$`, `` ` `` and `\\` (and with a newline, joins lines); any other stays.
fn here_document_text(body: &str) -> Result<Word, SyntaxError> {
    let mut lexer = Lexer { chars: body.chars().peekable(), tokens: Vec::new(), pending: Vec::new() };
    let (mut parts, mut literal) = (Vec::new(), String::new());
    while let Some(c) = lexer.chars.next() {
        match c {
            '$' => lexer.dollar(&mut parts, &mut literal)?,
            '`' => lexer.backquoted(&mut parts, &mut literal)?,
            '\\' => match lexer.chars.peek() {
                Some(&escaped @ ('$' | '`' | '\\')) => {
                    lexer.chars.next();
                    literal.push(escaped);
                }
                Some('\n') => {
                    lexer.chars.next();
                }
                _ => literal.push('\\'),
            },
            _ => literal.push(c),
        }
    }
    if !literal.is_empty() {
        parts.push(Part::Literal(literal));
    }
    Ok(Word(parts))
}

/// `text` with its quotes taken off (a `${NAME:-word}`'s word may be quoted).
fn unquoted(text: &str) -> String {
    text.chars().filter(|&c| c != '"' && c != '\'').collect()
}

/// An error, at the end of the text when `at_end`.
fn ended_or<T>(message: &str, at_end: bool) -> Result<T, SyntaxError> {
    if at_end {
        ended(message)
    } else {
        error(message)
    }
}

/// An error because the text ended too soon.
fn ended<T>(message: &str) -> Result<T, SyntaxError> {
    Err(SyntaxError::at_end(message))
}

impl Lexer<'_> {
    fn run(&mut self) -> Result<(), SyntaxError> {
        while let Some(&c) = self.chars.peek() {
            match c {
                ' ' | '\t' | '\r' => {
                    self.chars.next();
                }
                '\n' => {
                    self.chars.next();
                    self.tokens.push(Token::Newline);
                    self.here_document_bodies()?;
                }
                // A line continuation between words is a blank.
                '\\' if self.chars.clone().nth(1) == Some('\n') => {
                    self.chars.nth(1);
                }
                // (A comment runs to the end of its line.)
                '#' => while self.chars.next_if(|&c| c != '\n').is_some() {},
                '|' => {
                    self.chars.next();
                    let token = if self.eat('|') { Token::Or } else { Token::Pipe };
                    self.tokens.push(token);
                }
                '&' => {
                    self.chars.next();
                    let token = if self.eat('&') { Token::And } else { Token::Ampersand };
                    self.tokens.push(token);
                }
                ';' => {
                    self.chars.next();
                    let token = if self.eat(';') { Token::DoubleSemicolon } else { Token::Semicolon };
                    self.tokens.push(token);
                }
                '(' | ')' => {
                    self.chars.next();
                    self.tokens.push(if c == '(' { Token::LeftParen } else { Token::RightParen });
                }
                '<' | '>' => self.redirect(None)?,
                '!' if self.lone_bang() => {
                    self.chars.next();
                    self.tokens.push(Token::Bang);
                }
                _ => self.word()?,
            }
        }
        Ok(())
    }

    /// After `<<` (or `<<-`): the delimiter word; the body is read from the line after
    /// this one (`pending`), up to a line that is the delimiter alone (with `<<-`, tabs
    /// before each line are dropped). A quoted delimiter keeps the body as it is; else
    /// its `$` expansions happen.
    fn here_document(&mut self, fd: Option<u32>) -> Result<(), SyntaxError> {
        let strip_tabs = self.eat('-');
        while self.chars.next_if(|&c| c == ' ' || c == '\t').is_some() {}
        let mut delimiter = String::new();
        let mut quoted = false;
        while let Some(&c) = self.chars.peek() {
            if c.is_whitespace() || is_operator(c) {
                break;
            }
            self.chars.next();
            match c {
                '\'' | '"' => quoted = true,
                '\\' => {
                    quoted = true;
                    if let Some(escaped) = self.chars.next() {
                        delimiter.push(escaped);
                    }
                }
                _ => delimiter.push(c),
            }
        }
        if delimiter.is_empty() {
            return error("<< needs a delimiter");
        }
        self.tokens.push(Token::HereDocument(fd.unwrap_or(0), Word::default()));
        self.pending.push((self.tokens.len() - 1, delimiter, quoted, strip_tabs));
        Ok(())
    }

    /// At a newline: the bodies of the here-documents its line opened.
    fn here_document_bodies(&mut self) -> Result<(), SyntaxError> {
        for (index, delimiter, quoted, strip_tabs) in core::mem::take(&mut self.pending) {
            let mut body = String::new();
            loop {
                let mut line = String::new();
                let mut ended_line = false;
                while let Some(c) = self.chars.next() {
                    if c == '\n' {
                        ended_line = true;
                        break;
                    }
                    line.push(c);
                }
                let line = if strip_tabs { line.trim_start_matches('\t') } else { &line };
                if line == delimiter {
                    break;
                }
                if !ended_line {
                    return ended("here-document without its delimiter");
                }
                body.push_str(line);
                body.push('\n');
            }
            let word = if quoted { Word(Vec::from([Part::Literal(body)])) } else { here_document_text(&body)? };
            self.tokens[index] = Token::HereDocument(index_fd(&self.tokens[index]), word);
        }
        Ok(())
    }

    fn eat(&mut self, c: char) -> bool {
        self.chars.next_if_eq(&c).is_some()
    }

    /// `!` alone (followed by a blank or the end) where a pipeline starts is the
    /// negation operator; anywhere else it is a word.
    fn lone_bang(&self) -> bool {
        let mut ahead = self.chars.clone();
        ahead.next();
        let alone = ahead.peek().is_none_or(|c| c.is_whitespace());
        let after_list_opener = match self.tokens.last() {
            Some(Token::Word(Word(parts))) => matches!(parts.as_slice(),
                [Part::Literal(text)] if ["if", "then", "elif", "else", "while", "until", "do", "{"].contains(&text.as_str())),
            _ => false,
        };
        let starts_pipeline = after_list_opener
            || matches!(
                self.tokens.last(),
                None | Some(Token::Semicolon | Token::Ampersand | Token::And | Token::Or | Token::Newline)
            );
        alone && starts_pipeline
    }

    fn redirect(&mut self, fd: Option<u32>) -> Result<(), SyntaxError> {
        let token = match self.chars.next() {
            Some('<') if self.eat('<') => return self.here_document(fd),
            Some('<') => Token::Less(fd),
            Some('>') if self.eat('>') => Token::DoubleGreater(fd),
            Some('>') if self.eat('&') => {
                let mut digits = String::new();
                while let Some(d) = self.chars.next_if(char::is_ascii_digit) {
                    digits.push(d);
                }
                match digits.parse() {
                    Ok(target) => Token::GreaterAmpersand(fd, target),
                    Err(_) => return error(">& needs a file descriptor number"),
                }
            }
            _ => Token::Greater(fd),
        };
        self.tokens.push(token);
        Ok(())
    }

    fn word(&mut self) -> Result<(), SyntaxError> {
        let mut parts: Vec<Part> = Vec::new();
        let mut literal = String::new();
        let mut all_digits = true;
        while let Some(&c) = self.chars.peek() {
            if c.is_whitespace() || is_operator(c) {
                break;
            }
            self.chars.next();
            if !c.is_ascii_digit() {
                all_digits = false;
            }
            match c {
                '\'' => loop {
                    match self.chars.next() {
                        Some('\'') => break,
                        Some(q) => literal.push(q),
                        None => return ended("unterminated '"),
                    }
                },
                '"' => self.double_quoted(&mut parts, &mut literal)?,
                '\\' => match self.chars.next() {
                    // (A line continuation.)
                    Some('\n') => {}
                    Some(escaped) => literal.push(escaped),
                    None => return ended("\\ at the end of the line"),
                },
                '$' | '`' => {
                    // Outside quotes, what it expands to is split into fields.
                    let before = parts.len();
                    if c == '`' {
                        self.backquoted(&mut parts, &mut literal)?;
                    } else {
                        self.dollar(&mut parts, &mut literal)?;
                    }
                    if parts.len() > before {
                        if let Some(expansion) = parts.pop() {
                            parts.push(Part::Split(alloc::boxed::Box::new(expansion)));
                        }
                    }
                }
                // An unquoted `*`, `?` or `[` makes the word a pattern for file names.
                '*' | '?' | '[' => {
                    if !literal.is_empty() {
                        parts.push(Part::Literal(core::mem::take(&mut literal)));
                    }
                    parts.push(Part::Glob(c));
                }
                _ => literal.push(c),
            }
        }
        // `2>file`: digits right before a redirection are its fd.
        if all_digits && parts.is_empty() && matches!(self.chars.peek(), Some('<' | '>')) {
            if let Ok(fd) = literal.parse() {
                return self.redirect(Some(fd));
            }
        }
        if !literal.is_empty() || parts.is_empty() {
            parts.push(Part::Literal(literal));
        }
        self.tokens.push(Token::Word(Word(parts)));
        Ok(())
    }

    fn double_quoted(&mut self, parts: &mut Vec<Part>, literal: &mut String) -> Result<(), SyntaxError> {
        loop {
            match self.chars.next() {
                Some('"') => return Ok(()),
                Some('\\') => match self.chars.next() {
                    Some(c @ ('"' | '\\' | '$' | '`')) => literal.push(c),
                    Some(c) => {
                        literal.push('\\');
                        literal.push(c);
                    }
                    None => return ended("unterminated \""),
                },
                Some('$') => self.dollar(parts, literal)?,
                Some('`') => self.backquoted(parts, literal)?,
                Some(c) => literal.push(c),
                None => return ended("unterminated \""),
            }
        }
    }

    /// After a `` ` ``: the command up to the closing one, as `$(...)` (a backslash keeps
    /// `` ` ``, `\` and `$`).
    fn backquoted(&mut self, parts: &mut Vec<Part>, literal: &mut String) -> Result<(), SyntaxError> {
        let mut script = String::new();
        loop {
            match self.chars.next() {
                Some('`') => break,
                Some('\\') => match self.chars.next() {
                    Some(c @ ('`' | '\\' | '$')) => script.push(c),
                    Some(c) => {
                        script.push('\\');
                        script.push(c);
                    }
                    None => return ended("unterminated `"),
                },
                Some(c) => script.push(c),
                None => return ended("unterminated `"),
            }
        }
        if !literal.is_empty() {
            parts.push(Part::Literal(core::mem::take(literal)));
        }
        parts.push(Part::Command(script));
        Ok(())
    }

    /// The text up to the `)` that brings `depth` open parentheses to none (not
    /// included); quoted parentheses do not count.
    fn balanced(&mut self, mut depth: usize) -> Result<String, SyntaxError> {
        let mut text = String::new();
        let mut quote = None;
        loop {
            let Some(c) = self.chars.next() else { return ended("unterminated $(") };
            match (quote, c) {
                (None, '\'' | '"') => quote = Some(c),
                (Some(q), _) if c == q => quote = None,
                (None, '(') => depth += 1,
                (None, ')') => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(text);
                    }
                }
                _ => {}
            }
            text.push(c);
        }
    }

    /// After `${`: `NAME}`, `#NAME}` (its length), or `NAME` with an operator and a word
    /// (`:-`, `-`, `:+`, `+`, `:?`, `?`, `#`, `##`, `%`, `%%`) up to the `}` that closes it.
    fn braced(&mut self) -> Result<Part, SyntaxError> {
        let length = self.chars.peek() == Some(&'#') && {
            let mut ahead = self.chars.clone();
            ahead.next();
            ahead.peek().is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '@' || *c == '*')
        };
        if length {
            self.chars.next();
        }
        let mut name = String::new();
        if let Some(c) = self.chars.next_if(|c| matches!(c, '@' | '*' | '#' | '?')) {
            name.push(c);
        } else {
            while let Some(c) = self.chars.next_if(|c| c.is_ascii_alphanumeric() || *c == '_') {
                name.push(c);
            }
        }
        if name.is_empty() {
            return ended_or("bad ${...}", self.chars.peek().is_none());
        }
        if length {
            return match self.chars.next() {
                Some('}') => Ok(Part::Length(name)),
                other => ended_or("bad ${#...}", other.is_none()),
            };
        }
        let operator = match self.chars.next() {
            Some('}') => return Ok(Part::Variable(name)),
            Some(':') => match self.chars.next() {
                Some('-') => ParameterOp::Default { null_too: true },
                Some('+') => ParameterOp::Alternative { null_too: true },
                Some('?') => ParameterOp::Error { null_too: true },
                Some('=') => ParameterOp::Assign { null_too: true },
                other => return ended_or("bad ${...}", other.is_none()),
            },
            Some('-') => ParameterOp::Default { null_too: false },
            Some('=') => ParameterOp::Assign { null_too: false },
            Some('+') => ParameterOp::Alternative { null_too: false },
            Some('?') => ParameterOp::Error { null_too: false },
            Some('#') => ParameterOp::RemovePrefix { longest: self.eat('#') },
            Some('%') => ParameterOp::RemoveSuffix { longest: self.eat('%') },
            other => return ended_or("bad ${...}", other.is_none()),
        };
        // The word: up to the matching `}`, its expansions done as in double quotes.
        let mut text = String::new();
        let mut depth = 0;
        loop {
            match self.chars.next() {
                None => return ended("unterminated ${"),
                Some('}') if depth == 0 => break,
                Some(c) => {
                    depth += (c == '{') as i32 - (c == '}') as i32;
                    text.push(c);
                }
            }
        }
        let word = expanded_text(&unquoted(&text))?;
        Ok(Part::Parameter { name, operator, word })
    }

    /// After a `$`: a variable, `$?`, `$$`, `$(...)`, `$((...))`, or (followed by
    /// nothing it knows) a plain `$`.
    fn dollar(&mut self, parts: &mut Vec<Part>, literal: &mut String) -> Result<(), SyntaxError> {
        let part = match self.chars.peek() {
            Some('?') => {
                self.chars.next();
                Part::Status
            }
            Some('$') => {
                self.chars.next();
                Part::ShellPid
            }
            // Positional parameters: `$0` to `$9`, their count `$#`, all of them `$@`/`$*`;
            // `$!`, the last background job's pid.
            Some(&c @ ('0'..='9' | '#' | '@' | '*' | '!')) => {
                self.chars.next();
                Part::Variable(String::from(c))
            }
            Some('(') => {
                self.chars.next();
                match self.chars.next_if_eq(&'(') {
                    Some(_) => {
                        // `$((`: the expression ends at the `))` that closes it.
                        let mut text = self.balanced(2)?;
                        if text.pop() != Some(')') {
                            return error("bad $((...))");
                        }
                        Part::Arithmetic(expanded_text(&text)?)
                    }
                    None => Part::Command(self.balanced(1)?),
                }
            }
            Some('{') => {
                self.chars.next();
                self.braced()?
            }
            Some(&c) if c.is_ascii_alphabetic() || c == '_' => {
                let mut name = String::new();
                while let Some(c) = self.chars.next_if(|c| c.is_ascii_alphanumeric() || *c == '_') {
                    name.push(c);
                }
                Part::Variable(name)
            }
            _ => {
                literal.push('$');
                return Ok(());
            }
        };
        if !literal.is_empty() {
            parts.push(Part::Literal(core::mem::take(literal)));
        }
        parts.push(part);
        Ok(())
    }
}
