//! The language of uxrt's `sh`, a small POSIX-like subset, as pure logic (host-tested):
//!
//! ```text
//! list     := and_or ((';' | '&') and_or)* [';' | '&']
//! and_or   := pipeline (('&&' | '||') pipeline)*
//! pipeline := ['!'] (command ('|' command)* | compound)
//! compound := 'if' list 'then' list ('elif' list 'then' list)* ['else' list] 'fi'
//!           | ('while' | 'until') list 'do' list 'done'
//!           | 'for' NAME ['in' word*] ';' 'do' list 'done'
//! command  := (NAME=word)* (word | redirect)+
//! redirect := [digit] ('<' | '>' | '>>') word  |  [digit] '>&' digit
//! word     := (plain | 'single' | "double with $x" | \c | $NAME | ${NAME} | $? | $$)+
//! ```
//!
//! `#` starts a comment where a word could start. Expansions are not split into fields
//! and there is no globbing: `$x` is always one word. The reserved words are reserved
//! where a command starts (`echo done` prints "done"; quoted there, too, for now). A compound command is a whole
//! pipeline (not yet a part of one, nor with redirections of its own: the shell cannot
//! fork to run one in a process of its own).
#![no_std]

extern crate alloc;
#[cfg(test)]
extern crate std;

mod arith;
pub mod editor;
mod lexer;
mod parser;
pub mod pattern;
pub mod printf;
pub mod test_expr;
pub mod unparse;

use alloc::string::String;
use alloc::vec::Vec;

pub use parser::parse;

/// A piece of a word.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Part {
    Literal(String),
    /// `$NAME` or `${NAME}`.
    Variable(String),
    /// `$?`: the status of the last command.
    Status,
    /// `$$`: the shell's pid.
    ShellPid,
    /// `$(...)`: what the commands print (trailing newlines dropped).
    Command(String),
    /// `$((...))`: the expression's value, after the expansions inside it.
    Arithmetic(Word),
    /// An expansion outside quotes: its value is split into fields at blanks.
    Split(alloc::boxed::Box<Part>),
    /// An unquoted `*`, `?` or `[`: the word is a pattern for file names.
    Glob(char),
    /// `${#NAME}`: the length of its value.
    Length(String),
    /// `${NAME<operator>word}`.
    Parameter {
        name: String,
        operator: ParameterOp,
        word: Word,
    },
}

/// What `${NAME<op>word}` does with the variable (`null_too`: the `:` forms, which treat
/// an empty value as unset).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParameterOp {
    /// `-`: the word if unset.
    Default { null_too: bool },
    /// `=`: the word if unset, which the variable is set to (the shell assigns it
    /// before expanding: [`Word::assignments`]).
    Assign { null_too: bool },
    /// `+`: the word if set.
    Alternative { null_too: bool },
    /// `?`: an error (the word says it) if unset.
    Error { null_too: bool },
    /// `#`, `##`: the value without its shortest (longest) prefix matching the word.
    RemovePrefix { longest: bool },
    /// `%`, `%%`: the value without its shortest (longest) suffix matching the word.
    RemoveSuffix { longest: bool },
}

impl ParameterOp {
    /// The operator as written between the name and the word.
    pub fn text(self) -> &'static str {
        match self {
            ParameterOp::Default { null_too } => ["-", ":-"][null_too as usize],
            ParameterOp::Assign { null_too } => ["=", ":="][null_too as usize],
            ParameterOp::Alternative { null_too } => ["+", ":+"][null_too as usize],
            ParameterOp::Error { null_too } => ["?", ":?"][null_too as usize],
            ParameterOp::RemovePrefix { longest } => ["#", "##"][longest as usize],
            ParameterOp::RemoveSuffix { longest } => ["%", "%%"][longest as usize],
        }
    }
}

/// A field of an expanded word: its text, and when it came from a word with unquoted
/// `*`, `?` or `[`, the pattern to match file names with (the quoted parts escaped).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Field {
    pub text: String,
    pub pattern: Option<String>,
}

/// A word before expansion.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Word(pub Vec<Part>);

/// What expansion needs from the shell.
pub trait Variables {
    fn get(&self, name: &str) -> Option<&str>;
    fn status(&self) -> u8;
    fn pid(&self) -> u32;
    /// What `script` prints, run in a subshell (command substitution).
    fn command_output(&self, script: &str) -> String;
    /// Says what went wrong in an expansion (which then expands to nothing).
    fn complain(&self, message: &str);
    /// The positional parameters, `$1` on (what a quoted `"$@"` makes a field each).
    fn positional_parameters(&self) -> Vec<String> {
        self.get("@").map_or_else(Vec::new, |all| all.split(' ').filter(|p| !p.is_empty()).map(String::from).collect())
    }
}

impl Word {
    pub fn literal(text: &str) -> Word {
        Word(alloc::vec![Part::Literal(text.into())])
    }

    /// The `${NAME=word}` assignments expanding it would make now: (name, value) for
    /// each whose variable is unset (or, with `:=`, empty).
    pub fn assignments(&self, variables: &impl Variables) -> Vec<(String, String)> {
        let mut found = Vec::new();
        for part in &self.0 {
            let part = match part {
                Part::Split(inner) => inner.as_ref(),
                other => other,
            };
            if let Part::Parameter { name, operator: ParameterOp::Assign { null_too }, word } = part {
                let missing = variables.get(name).is_none_or(|v| *null_too && v.is_empty());
                if missing {
                    found.push((name.clone(), word.expand(variables)));
                }
            }
        }
        found
    }

    /// The word with its expansions done, as one string (no field splitting: what an
    /// assignment, a redirection's file or a `case` word gets).
    pub fn expand(&self, variables: &impl Variables) -> String {
        self.0.iter().map(|part| expand_part(part, variables)).collect()
    }

    /// The word with its expansions done, split into fields: an expansion outside quotes
    /// splits at blanks (space, tab, newline); one that is empty and alone gives no
    /// field at all, while `""` gives one empty field.
    pub fn expand_fields(&self, variables: &impl Variables) -> Vec<String> {
        self.expand_patterns(variables).into_iter().map(|field| field.text).collect()
    }

    /// As [`Word::expand_fields`], each field with the file-name pattern it makes when
    /// the word has an unquoted `*`, `?` or `[` (the rest of the text escaped in it).
    pub fn expand_patterns(&self, variables: &impl Variables) -> Vec<Field> {
        let globbing = self.0.iter().any(|part| matches!(part, Part::Glob(_)));
        let mut fields = Vec::new();
        let mut current = Field::default();
        // Whether `current` is a field already (it may be empty: `""`).
        let mut started = false;
        let push_text = |field: &mut Field, text: &str| {
            field.text.push_str(text);
            if globbing {
                let pattern = field.pattern.get_or_insert_with(String::new);
                for c in text.chars() {
                    if matches!(c, '*' | '?' | '[' | '\\') {
                        pattern.push('\\');
                    }
                    pattern.push(c);
                }
            }
        };
        for part in &self.0 {
            match part {
                // `"$@"`: a field for each positional parameter (text before it joins the
                // first, text after it the last); none at all when there are none.
                Part::Variable(name) if name == "@" => {
                    for (index, parameter) in variables.positional_parameters().iter().enumerate() {
                        if index > 0 {
                            fields.push(core::mem::take(&mut current));
                        }
                        push_text(&mut current, parameter);
                        started = true;
                    }
                }
                Part::Glob(c) => {
                    current.text.push(*c);
                    current.pattern.get_or_insert_with(String::new).push(*c);
                    started = true;
                }
                Part::Split(inner) => {
                    let value = expand_part(inner, variables);
                    for (index, piece) in value.split([' ', '\t', '\n']).enumerate() {
                        if index > 0 && started {
                            fields.push(core::mem::take(&mut current));
                            started = false;
                        }
                        if !piece.is_empty() {
                            push_text(&mut current, piece);
                            started = true;
                        }
                    }
                }
                other => {
                    push_text(&mut current, &expand_part(other, variables));
                    started = true;
                }
            }
        }
        if started {
            fields.push(current);
        }
        fields
    }
}

/// One part's value.
fn expand_part(part: &Part, variables: &impl Variables) -> String {
    match part {
        Part::Literal(text) => text.clone(),
        Part::Variable(name) => variables.get(name).unwrap_or("").into(),
        Part::Status => alloc::format!("{}", variables.status()),
        Part::ShellPid => alloc::format!("{}", variables.pid()),
        Part::Command(script) => variables.command_output(script).trim_end_matches('\n').into(),
        Part::Arithmetic(expression) => {
            let text = expression.expand(variables);
            let variable = |name: &str| variables.get(name).map(String::from);
            match arith::evaluate(&text, &variable) {
                Ok(value) => alloc::format!("{value}"),
                Err(message) => {
                    variables.complain(&alloc::format!("$(({text})): {message}"));
                    String::new()
                }
            }
        }
        Part::Split(inner) => expand_part(inner, variables),
        Part::Glob(c) => String::from(*c),
        Part::Length(name) => alloc::format!("{}", variables.get(name).unwrap_or("").chars().count()),
        Part::Parameter { name, operator, word } => expand_parameter(name, *operator, word, variables),
    }
}

/// `${NAME<operator>word}`.
fn expand_parameter(name: &str, operator: ParameterOp, word: &Word, variables: &impl Variables) -> String {
    let value = variables.get(name);
    let missing = |null_too: bool| value.is_none_or(|v| null_too && v.is_empty());
    match operator {
        ParameterOp::Default { null_too } | ParameterOp::Assign { null_too } if missing(null_too) => {
            word.expand(variables)
        }
        ParameterOp::Alternative { null_too } => match missing(null_too) {
            true => String::new(),
            false => word.expand(variables),
        },
        ParameterOp::Error { null_too } if missing(null_too) => {
            let message = word.expand(variables);
            let message = if message.is_empty() { String::from("parameter not set") } else { message };
            variables.complain(&alloc::format!("{name}: {message}"));
            String::new()
        }
        ParameterOp::RemovePrefix { longest } => {
            let (value, pattern) = (value.unwrap_or(""), word.expand(variables));
            let mut ends: Vec<usize> = value.char_indices().map(|(i, _)| i).chain([value.len()]).collect();
            if longest {
                ends.reverse();
            }
            let cut = ends.into_iter().find(|&end| pattern::matches(&pattern, &value[..end]));
            String::from(cut.map_or(value, |end| &value[end..]))
        }
        ParameterOp::RemoveSuffix { longest } => {
            let (value, pattern) = (value.unwrap_or(""), word.expand(variables));
            let mut starts: Vec<usize> = value.char_indices().map(|(i, _)| i).chain([value.len()]).collect();
            if !longest {
                starts.reverse();
            }
            let cut = starts.into_iter().find(|&start| pattern::matches(&pattern, &value[start..]));
            String::from(cut.map_or(value, |start| &value[..start]))
        }
        _ => String::from(value.unwrap_or("")),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RedirectKind {
    /// `<`: open for reading.
    Input,
    /// `>`: create or truncate.
    Output,
    /// `>>`: create or append.
    Append,
    /// `>&N`: a copy of fd N.
    Duplicate(u32),
    /// `<<DELIMITER`: the target is the body, which the fd reads.
    HereDocument,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Redirect {
    pub fd: u32,
    pub kind: RedirectKind,
    /// The file (empty for `Duplicate`).
    pub target: Word,
}

/// A simple command: assignments, words (the program and its arguments), redirections
/// in the order written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Command {
    pub assignments: Vec<(String, Word)>,
    pub words: Vec<Word>,
    pub redirects: Vec<Redirect>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pipeline {
    /// `!`: the status is inverted.
    pub negated: bool,
    pub commands: Vec<Command>,
    /// A compound command: the whole pipeline when `commands` is empty, else the one
    /// element of the pipeline at `compound_at` that is not a simple command (the shell
    /// runs it itself, between the programs it starts: it cannot fork).
    pub compound: Option<alloc::boxed::Box<Compound>>,
    pub compound_at: usize,
    /// The compound command's redirections (`while ...; done < FILE`).
    pub redirects: Vec<Redirect>,
}

/// `if`, `while`/`until`, `for`, `case`, `{ }`, and function definitions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Compound {
    /// Each (condition, body) in turn: the first condition that succeeds runs its body;
    /// `otherwise` runs if none does.
    If { branches: Vec<(List, List)>, otherwise: Option<List> },
    /// The body runs while the condition succeeds (with `until`, while it fails).
    While { until: bool, condition: List, body: List },
    /// The body runs with `name` set to each word in turn.
    For { name: String, words: Vec<Word>, body: List },
    /// The list of the first item one of whose patterns matches the word runs.
    Case { word: Word, items: Vec<(Vec<Word>, List)> },
    /// `{ LIST; }`: the list, in the shell itself.
    Group(List),
    /// `( LIST )`: the list in a subshell environment: what it changes (variables,
    /// functions, the working directory, `exit`) stays inside.
    Subshell(List),
    /// `NAME() COMPOUND`: defines the function `name` (a command that runs `body` with
    /// its arguments as `$1`, `$2`, ...).
    Function { name: String, body: alloc::boxed::Box<Compound> },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Connector {
    /// `&&`: run the next if this succeeded.
    And,
    /// `||`: run the next if this failed.
    Or,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AndOr {
    pub first: Pipeline,
    pub rest: Vec<(Connector, Pipeline)>,
}

/// Whether the shell waits for an and-or list (`;`, or the end) or not (`&`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Foreground,
    Background,
}

/// A command line: and-or lists, each run in the foreground or background.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct List(pub Vec<(AndOr, Mode)>);

/// Why a line does not parse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    pub message: String,
    /// The text ended where more had to come (an open quote, `do` without `done`, a
    /// line ending in `|`): with the next line it may parse.
    pub incomplete: bool,
}

impl SyntaxError {
    pub fn new(message: impl Into<String>) -> SyntaxError {
        SyntaxError { message: message.into(), incomplete: false }
    }

    /// An error at the end of the text.
    pub fn at_end(message: impl Into<String>) -> SyntaxError {
        SyntaxError { message: message.into(), incomplete: true }
    }
}

impl core::fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
        write!(f, "syntax error: {}", self.message)
    }
}

#[cfg(test)]
mod tests;
