use crate::*;
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::string::ToString;
use std::vec;

struct Vars(BTreeMap<String, String>, std::cell::RefCell<Vec<String>>);

impl Variables for Vars {
    fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }
    fn status(&self) -> u8 {
        3
    }
    fn pid(&self) -> u32 {
        42
    }
    /// (The test's "subshell" prints its script, reversed, with newlines after.)
    fn command_output(&self, script: &str) -> String {
        alloc::format!("{}\n\n", script.chars().rev().collect::<String>())
    }
    fn complain(&self, message: &str) {
        self.1.borrow_mut().push(message.into());
    }
}

fn vars() -> Vars {
    Vars(
        BTreeMap::from([
            ("HOME".to_string(), "/home/u".to_string()),
            ("X".to_string(), "a b".to_string()),
            ("N".to_string(), "7".to_string()),
            ("F".to_string(), "a/b/c.txt".to_string()),
        ]),
        Default::default(),
    )
}

/// The expanded words of each command of each pipeline, in order.
fn shape(line: &str) -> Vec<Vec<Vec<String>>> {
    let list = parse(line).unwrap();
    let v = vars();
    let words = |p: &Pipeline| -> Vec<Vec<String>> {
        p.commands.iter().map(|c| c.words.iter().map(|w| w.expand(&v)).collect()).collect()
    };
    list.0
        .iter()
        .flat_map(|(a, _)| core::iter::once(&a.first).chain(a.rest.iter().map(|(_, p)| p)))
        .map(words)
        .collect()
}

#[test]
fn words_split_on_blanks_and_operators() {
    assert_eq!(shape("ls  -l /bin"), [[vec!["ls", "-l", "/bin"]]]);
    assert_eq!(shape("ls / | wc -l"), [vec![vec!["ls", "/"], vec!["wc", "-l"]]]);
    assert_eq!(shape("a;b"), [[vec!["a"]], [vec!["b"]]]);
    assert_eq!(shape("a&&b||c"), [[vec!["a"]], [vec!["b"]], [vec!["c"]]]);
}

#[test]
fn lists_know_their_modes_and_connectors() {
    let list = parse("sleep 1 & echo x; false || true && echo y").unwrap();
    let modes: Vec<Mode> = list.0.iter().map(|(_, m)| *m).collect();
    assert_eq!(modes, [Mode::Background, Mode::Foreground, Mode::Foreground]);
    let connectors: Vec<Connector> = list.0[2].0.rest.iter().map(|(c, _)| *c).collect();
    assert_eq!(connectors, [Connector::Or, Connector::And]);
    assert_eq!(parse("a &").unwrap().0[0].1, Mode::Background);
    assert!(parse("! false").unwrap().0[0].0.first.negated);
    assert!(!parse("echo !").unwrap().0[0].0.first.negated);
}

#[test]
fn quotes_and_escapes() {
    assert_eq!(
        shape(r#"echo 'a  b' "c $X d" e\ f '$X' "\$X" "q\"q""#),
        [[vec!["echo", "a  b", "c a b d", "e f", "$X", "$X", "q\"q"]]]
    );
    assert_eq!(shape(r#"echo "" ''"#), [[vec!["echo", "", ""]]]);
    assert_eq!(shape("echo a'b'\"c\""), [[vec!["echo", "abc"]]]);
}

#[test]
fn variables_status_and_pid_expand() {
    assert_eq!(
        shape("echo $HOME/x ${HOME}y $? $$ $NOPE. $ a$"),
        [[vec!["echo", "/home/u/x", "/home/uy", "3", "42", ".", "$", "a$"]]]
    );
    // An expansion stays one word (no field splitting).
    assert_eq!(shape("echo $X"), [[vec!["echo", "a b"]]]);
}

#[test]
fn comments_end_the_line() {
    assert_eq!(shape("echo a # b c"), [[vec!["echo", "a"]]]);
    assert_eq!(shape("echo a#b"), [[vec!["echo", "a#b"]]]);
    assert_eq!(parse("# nothing").unwrap(), List::default());
    assert_eq!(parse("   ").unwrap(), List::default());
}

#[test]
fn redirections_take_fds_and_targets() {
    let list = parse("cat <in >out 2>>err 2>&1 x").unwrap();
    let command = &list.0[0].0.first.commands[0];
    let v = vars();
    let redirects: Vec<(u32, RedirectKind, String)> =
        command.redirects.iter().map(|r| (r.fd, r.kind, r.target.expand(&v))).collect();
    assert_eq!(
        redirects,
        [
            (0, RedirectKind::Input, "in".into()),
            (1, RedirectKind::Output, "out".into()),
            (2, RedirectKind::Append, "err".into()),
            (2, RedirectKind::Duplicate(1), "".into()),
        ]
    );
    assert_eq!(command.words.len(), 2);
    // A number that is an argument stays one.
    assert_eq!(shape("echo 2 > f"), [[vec!["echo", "2"]]]);
}

#[test]
fn assignments_come_before_the_command() {
    let list = parse("A=1 B=$HOME env C=3").unwrap();
    let command = &list.0[0].0.first.commands[0];
    let v = vars();
    let assigned: Vec<(String, String)> = command.assignments.iter().map(|(n, w)| (n.clone(), w.expand(&v))).collect();
    assert_eq!(assigned, [("A".into(), "1".into()), ("B".into(), "/home/u".into())]);
    assert_eq!(command.words.iter().map(|w| w.expand(&v)).collect::<Vec<_>>(), ["env", "C=3"]);
    let alone = parse("X=y").unwrap();
    assert!(alone.0[0].0.first.commands[0].words.is_empty());
    assert_eq!(shape("1A=2"), [[vec!["1A=2"]]]);
}

#[test]
fn syntax_errors_are_reported() {
    for bad in ["| a", "a |", "a && ", "; a", "a >", "a < | b", "echo 'x", "echo \"x", "a \\", "echo ${", "a >& b", "&"]
    {
        assert!(parse(bad).is_err(), "{bad:?} parsed");
    }
    assert_eq!(parse("a | | b").unwrap_err().to_string(), "syntax error: unexpected `|`");
}

proptest! {
    /// Any line: a list or a syntax error, never a panic.
    #[test]
    fn arbitrary_lines_parse_or_fail_cleanly(line in "[ -~\t]{0,80}") {
        let _ = parse(&line);
    }

    /// Plain words (no special characters) come back exactly as written (the first not a
    /// reserved word).
    #[test]
    fn plain_words_round_trip(words in proptest::collection::vec("[a-zA-Z0-9_./,:+-]{1,12}", 1..8)) {
        let reserved = ["if", "then", "elif", "else", "fi", "while", "until", "do", "done", "for"];
        prop_assume!(!reserved.contains(&words[0].as_str()));
        let line = words.join(" ");
        let got = shape(&line);
        prop_assert_eq!(got, vec![vec![words]]);
    }

    /// Single quotes keep anything but a quote verbatim.
    #[test]
    fn single_quotes_are_verbatim(text in "[ -&(-~]{0,40}") {
        let got = shape(&std::format!("echo '{text}'"));
        prop_assert_eq!(got, vec![vec![vec!["echo".to_string(), text]]]);
    }
}

/// The compound command of a line's only pipeline.
fn compound(line: &str) -> Compound {
    let list = parse(line).unwrap();
    assert_eq!(list.0.len(), 1, "{line}");
    *list.0[0].0.first.compound.clone().expect("a compound command")
}

#[test]
fn compound_commands_parse() {
    let Compound::For { name, words, body } = compound("for i in a 'b c' $X; do echo $i; done") else { panic!() };
    let v = vars();
    assert_eq!(name, "i");
    assert_eq!(words.iter().map(|w| w.expand(&v)).collect::<Vec<_>>(), ["a", "b c", "a b"]);
    assert_eq!(body.0.len(), 1);
    let Compound::For { words, .. } = compound("for i; do :; done") else { panic!() };
    assert_eq!(words, [Word(vec![Part::Variable("@".into())])]);
    let Compound::If { branches, otherwise } =
        compound("if false; then echo 1; elif true; then echo 2; echo 3; else echo 4; fi")
    else {
        panic!()
    };
    assert_eq!((branches.len(), branches[1].1 .0.len(), otherwise.map(|l| l.0.len())), (2, 2, Some(1)));
    let Compound::While { until, condition, body } = compound("until test -f x; do sleep 1; echo waiting; done") else {
        panic!()
    };
    assert_eq!((until, condition.0.len(), body.0.len()), (true, 1, 2));
    // Nested, and followed by more of the list.
    let list = parse("for a in 1 2; do for b in 3; do echo $a$b; done; done; echo end").unwrap();
    assert_eq!(list.0.len(), 2);
    let negated = parse("! if true; then false; fi && echo x").unwrap();
    assert!(negated.0[0].0.first.negated && negated.0[0].0.first.compound.is_some());
}

#[test]
fn reserved_words_are_reserved_only_where_a_command_starts() {
    assert_eq!(shape("echo done if then fi"), vec![vec![vec!["echo", "done", "if", "then", "fi"]]]);
    // `!` after a word that opens a list negates, as where a line starts.
    let Compound::If { branches, .. } = compound("if ! false; then echo y; fi") else { panic!() };
    assert!(branches[0].0 .0[0].0.first.negated);
}

#[test]
fn malformed_compound_commands_are_syntax_errors() {
    for line in [
        "done",
        "then echo",
        "if true; then fi",
        "if true; echo x; fi",
        "if true; then echo x",
        "while true; do echo x",
        "while; do echo; done",
        "for 1x in a; do echo; done",
        "for i in a do echo; done",
        "for i in a; echo; done",
        "for i in a; do echo; done | { cat; }",
        "if true; then echo; fi fi",
    ] {
        assert!(parse(line).is_err(), "{line} parsed");
    }
}

#[test]
fn arithmetic_expansion() {
    let cases = [
        ("echo $((1 + 2 * 3))", "7"),
        ("echo $(( (1 + 2) * 3 ))", "9"),
        ("echo $((N * N - 1))", "48"),
        ("echo $((-7 / 2)) $((7 % 3))", "-3 1"),
        ("echo $((UNSET + 1))", "1"),
        ("echo $((3 > 2 && 2 > 3)) $((!0)) $((1 == 1 || 0))", "0 1 1"),
        ("echo x$((N+1))y", "x8y"),
        ("echo \"$((2 * 21))\"", "42"),
        ("echo $(( $N + ${N} ))", "14"),
        // (The test's subshell prints its script reversed: `2` is `2`.)
        ("echo $(( $(2) * 3 ))", "6"),
        ("echo $((N | 8)) $((N & 3)) $((N ^ 1)) $((~0))", "15 3 6 -1"),
        ("echo $((1 << 4)) $((N >> 1)) $((1 + 2 << 1))", "16 3 6"),
        ("echo $((N > 5 ? 10 : 20)) $((0 ? 1 : 0 ? 2 : 3))", "10 3"),
    ];
    for (line, expected) in cases {
        let words = shape(line);
        assert_eq!(words[0][0][1..].join(" "), expected, "{line}");
    }
}

#[test]
fn arithmetic_errors_are_reported_and_expand_to_nothing() {
    let v = vars();
    for (text, error) in [
        ("1 / 0", "division by zero"),
        ("1 +", "missing operand"),
        ("2 $ 3", "unexpected $"),
        ("X + 1", "not a number"),
    ] {
        let list = parse(&std::format!("echo [$(({text}))]")).unwrap();
        let word = &list.0[0].0.first.commands[0].words[1];
        assert_eq!(word.expand(&v), "[]", "{text}");
        let said = v.1.borrow().last().cloned().unwrap_or_default();
        assert!(said.contains(error), "{text}: {said}");
    }
}

#[test]
fn command_substitution() {
    // The test's subshell prints the script reversed; trailing newlines go.
    assert_eq!(shape("echo $(abc) x$(d e)y"), vec![vec![vec!["echo", "cba", "xe dy"]]]);
    // Nested parentheses and quoted ones belong to the script.
    assert_eq!(shape("echo $(f (g) ')')"), vec![vec![vec!["echo", "')' )g( f"]]]);
    assert_eq!(shape("echo \"$(a b)\""), vec![vec![vec!["echo", "b a"]]]);
    assert!(parse("echo $(unterminated").is_err());
    assert!(parse("echo $((1 + 2)").is_err());
}

#[test]
fn case_parses_items_patterns_and_lists() {
    let list = parse("case $X in a|b) echo ab;; (c*) echo c; echo more ;; *) ;; esac").unwrap();
    let Some(Compound::Case { word, items }) = list.0[0].0.first.compound.as_deref() else {
        panic!("not a case: {list:?}");
    };
    let v = vars();
    assert_eq!(word.expand(&v), "a b");
    let patterns: Vec<Vec<String>> = items.iter().map(|(p, _)| p.iter().map(|w| w.expand(&v)).collect()).collect();
    assert_eq!(patterns, [vec!["a", "b"], vec!["c*"], vec!["*"]]);
    assert_eq!(items.iter().map(|(_, l)| l.0.len()).collect::<Vec<_>>(), [1, 2, 0]);
    // The last `;;` may go; `esac` may follow at once; items may sit in loops.
    assert!(parse("case x in x) echo x esac").is_err());
    assert!(parse("case x in x) echo x; esac").is_ok());
    assert!(parse("case x in esac").is_ok());
    assert!(parse("for i in 1 2; do case $i in 1) echo one;; *) echo other;; esac; done").is_ok());
    assert!(parse("case x in x echo; esac").is_err());
    assert!(parse("case x x) ;; esac").is_err());
    assert!(parse("case x in x) echo").is_err());
}

#[test]
fn groups_functions_and_positional_parameters() {
    let list = parse("{ echo a; echo b; } && greet() { echo hello $1 $# $@; }").unwrap();
    let first = list.0[0].0.first.compound.as_deref();
    assert!(matches!(first, Some(Compound::Group(inner)) if inner.0.len() == 2), "{first:?}");
    let second = list.0[0].0.rest[0].1.compound.as_deref();
    let Some(Compound::Function { name, body }) = second else { panic!("not a function: {second:?}") };
    assert_eq!(name, "greet");
    let Compound::Group(inner) = body.as_ref() else { panic!("body {body:?}") };
    let words = &inner.0[0].0.first.commands[0].words;
    let split = |name: &str| [Part::Split(std::boxed::Box::new(Part::Variable(name.into())))];
    assert_eq!(words[2].0, split("1"));
    assert_eq!(words[3].0, split("#"));
    assert_eq!(words[4].0, split("@"));
    assert!(parse("f() echo x").is_err());
    assert!(parse("{ echo a }").is_err());
    assert!(parse("f() { echo; }; f").is_ok());
    assert!(parse("1f() { echo; }").is_err());
}

#[test]
fn unquoted_expansions_split_into_fields() {
    let mut v = vars();
    v.0.insert("E".into(), String::new());
    v.0.insert("S".into(), " lead  two trail ".into());
    let fields = |line: &str| -> Vec<Vec<String>> {
        let list = parse(line).unwrap();
        list.0[0].0.first.commands[0].words.iter().map(|w| w.expand_fields(&v)).collect()
    };
    // `$X` is "a b": two fields outside quotes, one inside.
    assert_eq!(fields("echo $X \"$X\""), [vec!["echo"], vec!["a", "b"], vec!["a b"]]);
    // Text around an expansion joins its first and last fields.
    assert_eq!(fields("echo x$X'y'"), [vec!["echo"], vec!["xa", "by"]]);
    // Empty alone: no field; quoted empty: one; blanks at the ends and runs of them split once.
    assert_eq!(fields("echo $E \"\" \"$E\""), [vec!["echo"], vec![], vec![""], vec![""]]);
    assert_eq!(fields("echo $S"), [vec!["echo"], vec!["lead", "two", "trail"]]);
    assert_eq!(fields("echo [$S]"), [vec!["echo"], vec!["[", "lead", "two", "trail", "]"]]);
    // Command substitution splits too (the test's subshell prints the script reversed).
    assert_eq!(fields("echo $(b a)"), [vec!["echo"], vec!["a", "b"]]);
}

#[test]
fn subshells_parse() {
    let list = parse("(cd /tmp; echo a) && echo b").unwrap();
    let first = list.0[0].0.first.compound.as_deref();
    assert!(matches!(first, Some(Compound::Subshell(inner)) if inner.0.len() == 2), "{first:?}");
    assert!(parse("(echo a").is_err());
    assert!(parse("()").is_err());
    assert!(parse("echo a)").is_err());
    assert!(parse("( (echo nested) )").is_ok());
    // One compound command may be an element of a pipeline, anywhere in it.
    let list = parse("echo a | (read x; echo $x) | wc").unwrap();
    let pipeline = &list.0[0].0.first;
    assert_eq!((pipeline.commands.len(), pipeline.compound_at), (2, 1));
    assert!(matches!(pipeline.compound.as_deref(), Some(Compound::Subshell(_))));
    let list = parse("{ echo a; echo b; } | wc -l").unwrap();
    assert_eq!((list.0[0].0.first.commands.len(), list.0[0].0.first.compound_at), (1, 0));
}

#[test]
fn unquoted_glob_characters_make_patterns() {
    let v = vars();
    let fields = |line: &str| -> Vec<Field> {
        let list = parse(line).unwrap();
        list.0[0].0.first.commands[0].words.iter().flat_map(|w| w.expand_patterns(&v)).collect()
    };
    let field = |text: &str, pattern: Option<&str>| Field { text: text.into(), pattern: pattern.map(String::from) };
    assert_eq!(fields("ls *.c"), [field("ls", None), field("*.c", Some("*.c"))]);
    // Quoted or escaped, they are text: escaped in the pattern, or no pattern at all.
    assert_eq!(fields("ls '*'.c a\\?"), [field("ls", None), field("*.c", None), field("a?", None)]);
    assert_eq!(fields("ls \"a*\"*"), [field("ls", None), field("a**", Some("a\\**"))]);
    // Expansions are text in the pattern.
    assert_eq!(fields("ls $HOME/*"), [field("ls", None), field("/home/u/*", Some("/home/u/*"))]);
}

#[test]
fn constructs_span_lines() {
    for text in [
        "for i in a b\ndo\n  echo $i\ndone",
        "for i\ndo echo $i; done",
        "if true\nthen\n  echo x\nelif false\nthen :\nelse\n  echo y\nfi",
        "while false\ndo\n  :\ndone\necho after",
        "echo a |\n  cat &&\n  echo b ||\n  echo c",
        "f() {\n  echo in\n}\nf",
        "case x in\n  a) echo a;;\n  *)\n    echo b\n    ;;\nesac",
        "# a comment\necho one # another\n\necho two",
        "echo 'two\nlines' \"and\nmore\"",
        "echo con\\\ntinued",
    ] {
        assert!(parse(text).is_ok(), "{text:?}: {:?}", parse(text));
    }
    let two = parse("echo one\necho two").unwrap();
    assert_eq!(two.0.len(), 2);
    assert_eq!(shape("echo one \\\n  two"), [[vec!["echo", "one", "two"]]]);
}

#[test]
fn text_that_ends_too_soon_is_incomplete() {
    for text in [
        "while true; do",
        "if true; then echo",
        "echo 'open",
        "echo \"open",
        "echo a |",
        "echo a &&",
        "case x in",
        "f() {",
        "echo \\",
        "for i in a b",
    ] {
        let error = parse(text).expect_err(text);
        assert!(error.incomplete, "{text:?}: {error:?}");
    }
    for text in ["echo a; )", "done", "echo a;; echo b", "fi"] {
        let error = parse(text).expect_err(text);
        assert!(!error.incomplete, "{text:?}: {error:?}");
    }
}

#[test]
fn parameter_expansions() {
    let cases = [
        ("echo ${N:-x} ${UNSET:-def} ${UNSET-d2} ${N:+alt}x${UNSET:+no}", "7 def d2 altx"),
        ("echo ${#N} ${#UNSET}", "1 0"),
        ("echo ${F#*/} ${F##*/} ${F%/*} ${F%%/*}", "b/c.txt c.txt a/b a"),
        ("echo ${F%.txt}.md ${F#a/}", "a/b/c.md b/c.txt"),
        ("echo \"${UNSET:-two words}\"", "two words"),
    ];
    for (line, expected) in cases {
        let words = shape(line);
        assert_eq!(words[0][0][1..].join(" "), expected, "{line}");
    }
    assert!(parse("echo ${N:-unclosed").is_err_and(|e| e.incomplete));
    let list = parse("echo ${U:=set} ${N:=no} ${E=x}").unwrap();
    let words = &list.0[0].0.first.commands[0].words;
    let v = vars();
    let made: Vec<(String, String)> = words.iter().flat_map(|w| w.assignments(&v)).collect();
    assert_eq!(made, [("U".to_string(), "set".to_string()), ("E".to_string(), "x".to_string())]);
}

/// Text made from a parsed command parses as the same command.
#[test]
fn unparsed_text_parses_the_same() {
    for text in [
        "echo a 'b c' \"$X\" $X ${N:-x y} ${#N} $((N * 2)) $(echo in) x$N'y' *.c \"$@\" $? $$",
        "A=1 B='two words' cmd < in > out 2>> log 2>&1",
        "! a | b && c || d & e",
        "if a; then b; elif c; then d; else e; fi",
        "while a; do b; done; until c; do d; done",
        "for i in 1 'two three' $X; do echo $i; done",
        "for i; do echo $i; done",
        "case $x in a|b) echo ab;; *) ;; esac",
        "{ a; b; } | c > out",
        "a | (c; d) > out | e",
        "f() { echo \"$1\"; return 2; }",
        "cat <<EOF\nhello $N\n  x\nEOF",
        "cat <<EOF\nkept \\$HOME and \\\\ but $N\nEOF",
        "cat <<'Q'\nkept $N\nQ",
        "while read l; do echo $l; done < file",
        "echo ${F%/*} ${F##*.} ${U+set} ${U:?oops} ${A:=1} ${B=2}",
    ] {
        let parsed = parse(text).unwrap();
        let again = crate::unparse::list(&parsed);
        assert_eq!(parse(&again), Ok(parsed), "{text:?} became {again:?}");
    }
    assert_eq!(crate::unparse::quote("it's"), "'it'\\''s'");
    assert_eq!(crate::unparse::quote("plain/path-1.0"), "plain/path-1.0");
}
