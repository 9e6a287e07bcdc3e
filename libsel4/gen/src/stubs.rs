//! Invocation stubs: one Rust function per kernel method, marshalled as the kernel
//! unmarshals it. Capability arguments travel as extra caps; the others are packed in
//! declaration order into message words, each aligned to its own size or a word
//! (whichever is smaller), exactly as the kernel's `syscall_stub_gen.py` lays them out.

use crate::idl::{Method, Param, Struct};
use crate::names;

const WORD_BITS: u32 = 64;

/// Capability types that name no interface of their own in the XML.
const PLAIN_CAP_TYPES: &[&str] = &[
    "seL4_CPtr",
    "seL4_CNode",
    "seL4_X64_PML4",
    "seL4_X86_IOSpace",
    "seL4_X86_EPTPML4",
    "seL4_X86_ASIDControl",
    "seL4_X86_ASIDPool",
    "seL4_X86_VCPU",
    "seL4_X86_IOPort",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// An integer of `bits` bits, as the Rust type `rust`.
    Integer {
        bits: u32,
        rust: &'static str,
    },
    Bool,
    /// A one-word bitfield structure, a newtype over `Word` in Rust.
    BitField {
        rust: &'static str,
    },
    /// A capability: an extra cap of the message, not a message word.
    Cap,
    /// A structure of several words, passed by reference.
    Struct {
        rust: String,
        members: Vec<String>,
    },
}

impl Kind {
    fn bits(&self) -> u32 {
        match self {
            Kind::Integer { bits, .. } => *bits,
            Kind::Bool => 1,
            Kind::BitField { .. } | Kind::Cap => WORD_BITS,
            Kind::Struct { members, .. } => WORD_BITS * members.len() as u32,
        }
    }
}

/// What the generator knows about types: the interfaces (capability types) and structs.
pub struct Types<'a> {
    pub interface_names: &'a [String],
    pub structs: &'a [Struct],
}

impl Types<'_> {
    pub fn classify(&self, type_name: &str) -> Result<Kind, String> {
        let integer = |bits, rust| Ok(Kind::Integer { bits, rust });
        match type_name {
            "seL4_Word" | "long" | "seL4_X86_VMAttributes" | "seL4_ARM_VMAttributes" => integer(64, "Word"),
            "seL4_Uint64" => integer(64, "u64"),
            "seL4_Uint32" => integer(32, "u32"),
            "int" => integer(32, "i32"),
            "seL4_Uint16" => integer(16, "u16"),
            "seL4_Uint8" => integer(8, "u8"),
            "seL4_Bool" => Ok(Kind::Bool),
            "seL4_CapRights_t" => Ok(Kind::BitField { rust: "CapRights" }),
            "seL4_CapData_t" => Ok(Kind::BitField { rust: "CapData" }),
            "seL4_PrioProps_t" => Ok(Kind::BitField { rust: "PrioProps" }),
            _ if PLAIN_CAP_TYPES.contains(&type_name) || self.interface_names.iter().any(|i| i == type_name) => {
                Ok(Kind::Cap)
            }
            _ => match self.structs.iter().find(|s| s.name == type_name) {
                Some(s) => Ok(Kind::Struct { rust: rust_type_name(&s.name), members: s.members.clone() }),
                None => Err(format!("unknown parameter type {type_name}")),
            },
        }
    }
}

/// `seL4_UserContext` → `UserContext`
pub fn rust_type_name(c_name: &str) -> String {
    c_name.trim_start_matches("seL4_").replace('_', "")
}

/// A parameter with its place in the message: (param, kind, first bit).
type Placed<'p> = (&'p Param, Kind, u32);

pub fn place<'p>(params: &[&'p Param], types: &Types) -> Result<Vec<Placed<'p>>, String> {
    let mut bits_used: u32 = 0;
    let mut placed = Vec::new();
    for &param in params {
        let kind = types.classify(&param.type_name)?;
        let size = kind.bits();
        if !size.is_power_of_two() && size % WORD_BITS != 0 {
            return Err(format!("{}: a {size}-bit parameter cannot be packed", param.name));
        }
        let align = size.min(WORD_BITS);
        bits_used = bits_used.div_ceil(align) * align;
        placed.push((param, kind, bits_used));
        bits_used += size;
    }
    Ok(placed)
}

fn mask(bits: u32) -> String {
    format!("{:#x}", (1u128 << bits) - 1)
}

/// The message words that carry the input parameters, as Rust expressions.
fn marshal(inputs: &[Placed]) -> Vec<String> {
    let mut words: Vec<Vec<String>> = Vec::new();
    for (param, kind, first_bit) in inputs {
        let name = names::parameter(&param.name);
        let (word, offset) = ((first_bit / WORD_BITS) as usize, first_bit % WORD_BITS);
        let count = (kind.bits().div_ceil(WORD_BITS)) as usize;
        if words.len() < word + count {
            words.resize(word + count, Vec::new());
        }
        let shifted = |expr: String| if offset == 0 { expr } else { format!("({expr} << {offset})") };
        match kind {
            Kind::Integer { bits: 64, .. } => words[word].push(format!("({name} as Word)")),
            Kind::Integer { bits, .. } => words[word].push(shifted(format!("(({name} as Word) & {})", mask(*bits)))),
            Kind::Bool => words[word].push(shifted(format!("({name} as Word)"))),
            Kind::BitField { .. } => words[word].push(format!("{name}.0")),
            Kind::Struct { members, .. } => {
                for (i, member) in members.iter().enumerate() {
                    words[word + i].push(format!("{name}.{member}"));
                }
            }
            Kind::Cap => unreachable!("capabilities are not placed in message words"),
        }
    }
    words.into_iter().map(|parts| if parts.is_empty() { "0".into() } else { parts.join(" | ") }).collect()
}

/// Rust statements that store the by-reference outputs, and (expression, type) of each
/// returned output.
type Unmarshalled = (Vec<String>, Vec<(String, String)>);

fn unmarshal(outputs: &[Placed]) -> Result<Unmarshalled, String> {
    let mut stores = Vec::new();
    let mut returned = Vec::new();
    for (param, kind, first_bit) in outputs {
        let name = names::parameter(&param.name);
        let (word, offset) = (first_bit / WORD_BITS, first_bit % WORD_BITS);
        let read = format!("reply.word({word})");
        let field = |bits: u32| {
            if offset == 0 {
                format!("({read} & {})", mask(bits))
            } else {
                format!("(({read} >> {offset}) & {})", mask(bits))
            }
        };
        match kind {
            Kind::Integer { bits: 64, rust } => returned.push((format!("{read} as {rust}"), rust.to_string())),
            Kind::Integer { bits, rust } => returned.push((format!("{} as {rust}", field(*bits)), rust.to_string())),
            Kind::Bool => returned.push((format!("{} != 0", field(1)), "bool".into())),
            Kind::BitField { rust } => returned.push((format!("{rust}({read})"), rust.to_string())),
            Kind::Struct { members, .. } => {
                for (i, member) in members.iter().enumerate() {
                    stores.push(format!("{name}.{member} = reply.word({});", word as usize + i));
                }
            }
            Kind::Cap => return Err(format!("{}: capabilities cannot be returned", param.name)),
        }
    }
    Ok((stores, returned))
}

/// `seL4_X86_Page` + `Map` → `x86_page_map`
pub fn function_name(method: &Method) -> String {
    format!("{}_{}", names::snake(method.interface.trim_start_matches("seL4_")), names::snake(&method.name))
}

pub fn render(method: &Method, types: &Types) -> Result<String, String> {
    let context = |e: String| format!("{}.{}: {e}", method.interface, method.name);
    let inputs: Vec<&Param> = method.params.iter().filter(|p| !p.output).collect();
    let outputs: Vec<&Param> = method.params.iter().filter(|p| p.output).collect();
    let mut signature = vec!["service: CPtr".to_string()];
    let mut caps = Vec::new();
    let mut data = Vec::new();
    for &param in &inputs {
        let name = names::parameter(&param.name);
        match types.classify(&param.type_name).map_err(context)? {
            Kind::Cap => {
                signature.push(format!("{name}: CPtr"));
                caps.push(name);
            }
            Kind::Integer { rust, .. } | Kind::BitField { rust } => {
                signature.push(format!("{name}: {rust}"));
                data.push(param);
            }
            Kind::Bool => {
                signature.push(format!("{name}: bool"));
                data.push(param);
            }
            Kind::Struct { rust, .. } => {
                signature.push(format!("{name}: &{rust}"));
                data.push(param);
            }
        }
    }
    for &param in &outputs {
        if let Kind::Struct { rust, .. } = types.classify(&param.type_name).map_err(context)? {
            signature.push(format!("{}: &mut {rust}", names::parameter(&param.name)));
        }
    }
    let words = marshal(&place(&data, types).map_err(context)?);
    let (stores, returned) = unmarshal(&place(&outputs, types).map_err(context)?).map_err(context)?;
    let (return_type, return_value) = match returned.as_slice() {
        [] => ("()".to_string(), "()".to_string()),
        [(expr, ty)] => (ty.clone(), expr.clone()),
        many => (
            format!("({})", many.iter().map(|(_, t)| t.as_str()).collect::<Vec<_>>().join(", ")),
            format!("({})", many.iter().map(|(e, _)| e.as_str()).collect::<Vec<_>>().join(", ")),
        ),
    };
    let reply = if stores.is_empty() && returned.is_empty() { "_reply" } else { "reply" };
    let mut out = String::new();
    if !method.brief.is_empty() {
        out += &format!("/// {}\n///\n", method.brief);
    }
    out += &format!(
        "/// `{}_{}`: invocation `{}`.\n#[inline]\npub fn {}({}) -> Result<{return_type}, Error> {{\n",
        method.interface,
        method.name,
        method.id,
        function_name(method),
        signature.join(", ")
    );
    out += &format!("    let words: [Word; {}] = [{}];\n", words.len(), words.join(", "));
    out += &format!(
        "    let {reply} = crate::invoke(service, InvocationLabel::{}, &[{}], &words)?;\n",
        method.id,
        caps.join(", ")
    );
    for store in stores {
        out += &format!("    {store}\n");
    }
    out += &format!("    Ok({return_value})\n}}\n");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn param(name: &str, type_name: &str, output: bool) -> Param {
        Param { name: name.into(), type_name: type_name.into(), output }
    }

    fn types() -> (Vec<String>, Vec<Struct>) {
        let structs = vec![Struct { name: "seL4_UserContext".into(), members: vec!["rip".into(), "rsp".into()] }];
        (vec!["seL4_TCB".into()], structs)
    }

    #[test]
    fn small_parameters_share_a_word_aligned_to_their_size() {
        let (names, structs) = types();
        let types = Types { interface_names: &names, structs: &structs };
        let (a, b, c, d) = (
            param("a", "seL4_Bool", false),
            param("b", "seL4_Uint8", false),
            param("c", "seL4_Word", false),
            param("d", "seL4_Uint16", false),
        );
        let placed = place(&[&a, &b, &c, &d], &types).unwrap();
        let bits: Vec<u32> = placed.iter().map(|p| p.2).collect();
        // bool at 0, u8 aligned up to 8, word aligned to 64, u16 right after it.
        assert_eq!(bits, [0, 8, 64, 128]);
        assert_eq!(
            marshal(&placed),
            ["(a as Word) | (((b as Word) & 0xff) << 8)", "(c as Word)", "((d as Word) & 0xffff)"]
        );
    }

    #[test]
    fn structures_take_whole_words_and_unmarshal_by_reference() {
        let (names, structs) = types();
        let types = Types { interface_names: &names, structs: &structs };
        let regs = param("regs", "seL4_UserContext", true);
        let (stores, returned) = unmarshal(&place(&[&regs], &types).unwrap()).unwrap();
        assert_eq!(stores, ["regs.rip = reply.word(0);", "regs.rsp = reply.word(1);"]);
        assert!(returned.is_empty());
    }

    #[test]
    fn outputs_unpack_from_their_bits() {
        let (names, structs) = types();
        let types = Types { interface_names: &names, structs: &structs };
        let (x, y) = (param("x", "seL4_Uint8", true), param("y", "seL4_Uint8", true));
        let (_, returned) = unmarshal(&place(&[&x, &y], &types).unwrap()).unwrap();
        assert_eq!(returned[0].0, "(reply.word(0) & 0xff) as u8");
        assert_eq!(returned[1].0, "((reply.word(0) >> 8) & 0xff) as u8");
    }

    #[test]
    fn a_whole_stub_with_caps_words_and_a_result() {
        let (names, structs) = types();
        let types = Types { interface_names: &names, structs: &structs };
        let method = Method {
            interface: "seL4_TCB".into(),
            name: "SetSpace".into(),
            id: "TCBSetSpace".into(),
            condition: None,
            brief: "Set spaces".into(),
            params: vec![
                param("fault_ep", "seL4_Word", false),
                param("cspace_root", "seL4_CNode", false),
                param("cspace_root_data", "seL4_CapData_t", false),
                param("paddr", "seL4_Word", true),
            ],
        };
        let text = render(&method, &types).unwrap();
        assert!(text.contains("pub fn tcb_set_space(service: CPtr, fault_ep: Word, cspace_root: CPtr, cspace_root_data: CapData) -> Result<Word, Error>"), "{text}");
        assert!(text.contains("let words: [Word; 2] = [(fault_ep as Word), cspace_root_data.0];"), "{text}");
        assert!(
            text.contains("crate::invoke(service, InvocationLabel::TCBSetSpace, &[cspace_root], &words)?"),
            "{text}"
        );
        assert!(text.contains("Ok(reply.word(0) as Word)"), "{text}");
    }

    #[test]
    fn unknown_types_are_errors() {
        let (names, structs) = types();
        let types = Types { interface_names: &names, structs: &structs };
        assert!(types.classify("seL4_Mystery").is_err());
        assert_eq!(types.classify("seL4_TCB"), Ok(Kind::Cap));
    }
}
