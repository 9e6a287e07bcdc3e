//! The kernel's interface descriptions: `libsel4/**/interfaces/*.xml` (objects and their
//! methods) and `libsel4/include/api/syscall.xml` (system call numbers).

use roxmltree::{Document, Node, ParsingOptions};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    pub name: String,
    pub type_name: String,
    pub output: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Method {
    /// The interface (object) it is invoked on, e.g. `seL4_TCB`.
    pub interface: String,
    pub name: String,
    /// The invocation label's name, e.g. `TCBConfigure`.
    pub id: String,
    /// A C preprocessor condition under which the kernel has this method.
    pub condition: Option<String>,
    pub brief: String,
    pub params: Vec<Param>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Struct {
    pub name: String,
    pub members: Vec<String>,
}

#[derive(Debug, Default, Clone)]
pub struct Interfaces {
    pub methods: Vec<Method>,
    pub structs: Vec<Struct>,
    pub interface_names: Vec<String>,
}

fn parse_document(xml: &str) -> Result<Document<'_>, String> {
    Document::parse_with_options(xml, ParsingOptions { allow_dtd: true, ..Default::default() })
        .map_err(|e| e.to_string())
}

fn elements<'a, 'i>(node: Node<'a, 'i>, tag: &'static str) -> impl Iterator<Item = Node<'a, 'i>> {
    node.descendants().filter(move |n| n.has_tag_name(tag))
}

fn attribute(node: Node, name: &str) -> Result<String, String> {
    node.attribute(name).map(str::to_string).ok_or_else(|| format!("<{}> without {name}", node.tag_name().name()))
}

/// The methods and structures of one interface file, in file order.
pub fn parse_interfaces(xml: &str) -> Result<Interfaces, String> {
    let doc = parse_document(xml)?;
    let mut found = Interfaces::default();
    for node in elements(doc.root(), "struct") {
        let members = elements(node, "member").map(|m| attribute(m, "name")).collect::<Result<_, _>>()?;
        found.structs.push(Struct { name: attribute(node, "name")?, members });
    }
    for interface in elements(doc.root(), "interface") {
        let interface_name = attribute(interface, "name")?;
        found.interface_names.push(interface_name.clone());
        for method in elements(interface, "method") {
            let mut params = Vec::new();
            for param in elements(method, "param") {
                let direction = attribute(param, "dir")?;
                if direction != "in" && direction != "out" {
                    return Err(format!("parameter direction {direction}"));
                }
                params.push(Param {
                    name: attribute(param, "name")?,
                    type_name: attribute(param, "type")?,
                    output: direction == "out",
                });
            }
            found.methods.push(Method {
                interface: interface_name.clone(),
                name: attribute(method, "name")?,
                id: attribute(method, "id")?,
                condition: method.attribute("condition").filter(|c| !c.trim().is_empty()).map(str::to_string),
                brief: elements(method, "brief").next().map(prose).unwrap_or_default(),
                params,
            });
        }
    }
    Ok(found)
}

/// The text of a description, with `<texttt text="x"/>` as `` `x` `` and white space folded.
fn prose(node: Node) -> String {
    let mut text = String::new();
    for piece in node.descendants() {
        if piece.is_text() {
            text += piece.text().unwrap_or("");
        } else if let Some(code) = piece.attribute("text") {
            text += &format!("`{code}`");
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Syscall {
    pub name: String,
    pub number: i64,
    pub condition: Option<String>,
}

/// Every system call, numbered -1, -2, ... in file order whether configured or not
/// (the numbers of the ones present do not depend on the configuration).
pub fn parse_syscalls(xml: &str) -> Result<Vec<Syscall>, String> {
    let doc = parse_document(xml)?;
    let mut syscalls = Vec::new();
    for config in elements(doc.root(), "config") {
        let condition = config.attribute("condition").filter(|c| !c.trim().is_empty()).map(str::to_string);
        for syscall in elements(config, "syscall") {
            let number = -(syscalls.len() as i64) - 1;
            syscalls.push(Syscall { name: attribute(syscall, "name")?, number, condition: condition.clone() });
        }
    }
    Ok(syscalls)
}

#[cfg(test)]
mod tests {
    use super::*;

    const API: &str = r#"<?xml version="1.0" ?>
<api name="ObjectApi">
  <struct name="seL4_UserContext"><member name="rip"/><member name="rsp"/></struct>
  <interface name="seL4_Untyped">
    <method id="UntypedRetype" name="Retype">
      <brief>Retype an <texttt text="untyped"/>
         object</brief>
      <param dir="in" name="type" type="seL4_Word"/>
      <param dir="out" name="n" type="seL4_Uint8"/>
    </method>
  </interface>
  <interface name="seL4_TCB">
    <method id="TCBSetAffinity" name="SetAffinity" condition="CONFIG_MAX_NUM_NODES > 1"/>
  </interface>
</api>"#;

    #[test]
    fn methods_params_conditions_and_structs() {
        let api = parse_interfaces(API).unwrap();
        assert_eq!(api.interface_names, ["seL4_Untyped", "seL4_TCB"]);
        assert_eq!(api.structs[0].members, ["rip", "rsp"]);
        let retype = &api.methods[0];
        assert_eq!((retype.id.as_str(), retype.brief.as_str()), ("UntypedRetype", "Retype an `untyped` object"));
        assert_eq!(retype.params[0], Param { name: "type".into(), type_name: "seL4_Word".into(), output: false });
        assert!(retype.params[1].output);
        assert_eq!(api.methods[1].condition.as_deref(), Some("CONFIG_MAX_NUM_NODES > 1"));
    }

    #[test]
    fn syscalls_are_numbered_down_from_minus_one() {
        let xml = r#"<syscalls><api><config><syscall name="Call"/><syscall name="ReplyRecv"/></config></api>
            <debug><config condition="defined CONFIG_DEBUG_BUILD"><syscall name="DebugPutChar"/></config></debug></syscalls>"#;
        let calls = parse_syscalls(xml).unwrap();
        let numbers: Vec<(&str, i64)> = calls.iter().map(|s| (s.name.as_str(), s.number)).collect();
        assert_eq!(numbers, [("Call", -1), ("ReplyRecv", -2), ("DebugPutChar", -3)]);
        assert_eq!(calls[2].condition.as_deref(), Some("defined CONFIG_DEBUG_BUILD"));
    }

    #[test]
    fn malformed_xml_is_an_error() {
        assert!(parse_interfaces("<api><interface></api>").is_err());
        assert!(parse_interfaces(r#"<api><interface name="x"><method name="m"/></interface></api>"#).is_err());
    }
}
