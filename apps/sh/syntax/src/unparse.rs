//! Shell text from a parsed command: what the shell hands a child `sh -c` to run a
//! part of itself it cannot fork — a compound command or a function in a pipeline, a
//! command substitution that calls a function. Parsing the text gives back the same
//! command (host-tested on the parser's own cases).

use crate::{AndOr, Command, Compound, Connector, List, Mode, Part, Pipeline, Redirect, RedirectKind, Word};
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;

/// Text that parses as `list`.
pub fn list(list: &List) -> String {
    let mut out = Text::default();
    out.list(list);
    out.text
}

/// Text that parses as a command running `compound`.
pub fn compound(compound: &Compound) -> String {
    let mut out = Text::default();
    out.compound(compound);
    out.line_end();
    out.text
}

/// `text` as one shell word that means exactly it (single-quoted unless plain).
pub fn quote(text: &str) -> String {
    let plain = !text.is_empty()
        && text.chars().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '/' | ':' | '=' | '+' | '-' | ',' | '@' | '%')
        });
    if plain {
        return String::from(text);
    }
    let mut quoted = String::from("'");
    for c in text.chars() {
        match c {
            '\'' => quoted.push_str("'\\''"),
            c => quoted.push(c),
        }
    }
    quoted.push('\'');
    quoted
}

/// A here-document body to write after the line its command ends.
struct HereDocument(Word);

/// The text being written, with the here-documents waiting for the end of the line.
#[derive(Default)]
struct Text {
    text: String,
    pending: Vec<HereDocument>,
}

/// The delimiter of every here-document written (a line no body here has).
const DELIMITER: &str = "__uxrt_here_document_end__";

impl Text {
    /// Ends a line: the bodies of the here-documents it opened follow.
    fn line_end(&mut self) {
        self.text.push('\n');
        for HereDocument(body) in core::mem::take(&mut self.pending) {
            if body.0.iter().all(|part| matches!(part, Part::Literal(_))) {
                self.raw_word(&body);
            } else {
                // (Under an unquoted delimiter a backslash keeps `$`, `` ` `` and `\`.)
                for part in &body.0 {
                    match part {
                        Part::Literal(text) => {
                            for c in text.chars() {
                                if matches!(c, '$' | '`' | '\\') {
                                    self.text.push('\\');
                                }
                                self.text.push(c);
                            }
                        }
                        other => self.expansion(other),
                    }
                }
            }
            if !self.text.ends_with('\n') {
                self.text.push('\n');
            }
            self.text.push_str(DELIMITER);
            self.text.push('\n');
        }
    }

    fn list(&mut self, list: &List) {
        for (and_or, mode) in &list.0 {
            self.and_or(and_or);
            if *mode == Mode::Background {
                self.text.push_str(" &");
            }
            self.line_end();
        }
    }

    fn and_or(&mut self, and_or: &AndOr) {
        self.pipeline(&and_or.first);
        for (connector, pipeline) in &and_or.rest {
            self.text.push_str(match connector {
                Connector::And => " && ",
                Connector::Or => " || ",
            });
            self.pipeline(pipeline);
        }
    }

    fn pipeline(&mut self, pipeline: &Pipeline) {
        if pipeline.negated {
            self.text.push_str("! ");
        }
        let elements = pipeline.commands.len() + pipeline.compound.is_some() as usize;
        let mut commands = pipeline.commands.iter();
        for element in 0..elements {
            if element > 0 {
                self.text.push_str(" | ");
            }
            match &pipeline.compound {
                Some(compound) if element == pipeline.compound_at => {
                    self.compound(compound);
                    for redirect in &pipeline.redirects {
                        self.redirect(redirect);
                    }
                }
                _ => {
                    if let Some(command) = commands.next() {
                        self.command(command);
                    }
                }
            }
        }
    }

    fn command(&mut self, command: &Command) {
        let mut first = true;
        let mut space = |text: &mut String| {
            if !core::mem::take(&mut first) {
                text.push(' ');
            }
        };
        for (name, value) in &command.assignments {
            space(&mut self.text);
            self.text.push_str(name);
            self.text.push('=');
            self.word(value);
        }
        for word in &command.words {
            space(&mut self.text);
            self.word(word);
        }
        for redirect in &command.redirects {
            self.redirect(redirect);
        }
    }

    fn redirect(&mut self, redirect: &Redirect) {
        let _ = write!(self.text, " {}", redirect.fd);
        match redirect.kind {
            RedirectKind::Input => self.text.push('<'),
            RedirectKind::Output => self.text.push('>'),
            RedirectKind::Append => self.text.push_str(">>"),
            RedirectKind::Duplicate(to) => {
                let _ = write!(self.text, ">&{to}");
                return;
            }
            RedirectKind::HereDocument => {
                // (A body of text alone is written as it is, under a quoted delimiter.)
                let literal = redirect.target.0.iter().all(|part| matches!(part, Part::Literal(_)));
                let _ = if literal { write!(self.text, "<<'{DELIMITER}'") } else { write!(self.text, "<<{DELIMITER}") };
                self.pending.push(HereDocument(redirect.target.clone()));
                return;
            }
        }
        self.word(&redirect.target);
    }

    fn compound(&mut self, compound: &Compound) {
        match compound {
            Compound::If { branches, otherwise } => {
                for (index, (condition, body)) in branches.iter().enumerate() {
                    self.text.push_str(if index == 0 { "if " } else { "elif " });
                    self.list(condition);
                    self.text.push_str("then ");
                    self.list(body);
                }
                if let Some(otherwise) = otherwise {
                    self.text.push_str("else ");
                    self.list(otherwise);
                }
                self.text.push_str("fi");
            }
            Compound::While { until, condition, body } => {
                self.text.push_str(if *until { "until " } else { "while " });
                self.list(condition);
                self.text.push_str("do ");
                self.list(body);
                self.text.push_str("done");
            }
            Compound::For { name, words, body } => {
                let _ = write!(self.text, "for {name} in");
                for word in words {
                    self.text.push(' ');
                    self.word(word);
                }
                self.line_end();
                self.text.push_str("do ");
                self.list(body);
                self.text.push_str("done");
            }
            Compound::Case { word, items } => {
                self.text.push_str("case ");
                self.word(word);
                self.text.push_str(" in");
                self.line_end();
                for (patterns, body) in items {
                    for (index, pattern) in patterns.iter().enumerate() {
                        if index > 0 {
                            self.text.push('|');
                        }
                        self.word(pattern);
                    }
                    self.text.push(')');
                    self.line_end();
                    self.list(body);
                    self.text.push_str(";;");
                    self.line_end();
                }
                self.text.push_str("esac");
            }
            Compound::Group(list) => {
                self.text.push('{');
                self.line_end();
                self.list(list);
                self.text.push('}');
            }
            Compound::Subshell(list) => {
                self.text.push('(');
                self.line_end();
                self.list(list);
                self.text.push(')');
            }
            Compound::Function { name, body } => {
                let _ = write!(self.text, "{name}() ");
                self.compound(body);
            }
        }
    }

    /// A word as written: literal text quoted, expansions as `${...}` (quoted unless
    /// split), patterns bare.
    fn word(&mut self, word: &Word) {
        if word.0.is_empty() {
            self.text.push_str("''");
        }
        for part in &word.0 {
            match part {
                Part::Literal(text) if text.is_empty() => self.text.push_str("''"),
                Part::Literal(text) => self.text.push_str(&quote(text)),
                Part::Split(inner) => self.expansion(inner),
                Part::Glob(c) => self.text.push(*c),
                other => {
                    self.text.push('"');
                    self.expansion(other);
                    self.text.push('"');
                }
            }
        }
    }

    /// A word's parts with no quoting, its text as it is (the inside of `$((...))`, of
    /// `${NAME-word}`, and a here-document's body, where `$` is the only special
    /// character).
    fn raw_word(&mut self, word: &Word) {
        for part in &word.0 {
            match part {
                Part::Literal(text) => self.text.push_str(text),
                Part::Split(inner) => self.expansion(inner),
                Part::Glob(c) => self.text.push(*c),
                other => self.expansion(other),
            }
        }
    }

    fn expansion(&mut self, part: &Part) {
        match part {
            Part::Literal(text) => self.text.push_str(&quote(text)),
            Part::Variable(name) => {
                let _ = write!(self.text, "${{{name}}}");
            }
            Part::Status => self.text.push_str("$?"),
            Part::ShellPid => self.text.push_str("$$"),
            Part::Command(script) => {
                let _ = write!(self.text, "$({script})");
            }
            Part::Arithmetic(expression) => {
                self.text.push_str("$((");
                self.raw_word(expression);
                self.text.push_str("))");
            }
            Part::Split(inner) => self.expansion(inner),
            Part::Glob(c) => self.text.push(*c),
            Part::Length(name) => {
                let _ = write!(self.text, "${{#{name}}}");
            }
            Part::Parameter { name, operator, word } => {
                let operator = operator.text();
                let _ = write!(self.text, "${{{name}{operator}");
                self.raw_word(word);
                self.text.push('}');
            }
        }
    }
}
