//! Blocks of the kernel's bitfield specifications (`*.bf`): the layout of a word such as
//! `seL4_MessageInfo`. Fields are listed from the most significant bit down.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    /// The field's lowest bit.
    pub shift: u32,
    pub bits: u32,
}

/// The fields of `block NAME { ... }` in a preprocessed `.bf` text.
pub fn block(text: &str, name: &str) -> Result<Vec<Field>, String> {
    let header = format!("block {name} ");
    let start = text
        .find(&header)
        .or_else(|| text.find(&format!("block {name}{{")))
        .ok_or(format!("no bitfield block {name}"))?;
    let open = text[start..].find('{').ok_or("block without {")? + start;
    let close = text[open..].find('}').ok_or("block without }")? + open;
    let mut entries = Vec::new();
    let mut total = 0;
    for line in text[open + 1..close].lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        let (field, bits) = match words.as_slice() {
            [] => continue,
            ["padding", bits] => (None, bits),
            ["field", name, bits] => (Some(*name), bits),
            _ => return Err(format!("cannot read `{}` in block {name}", line.trim())),
        };
        let bits: u32 = bits.parse().map_err(|_| format!("bad width in `{}`", line.trim()))?;
        total += bits;
        entries.push((field, bits));
    }
    let mut shift = total;
    let mut fields = Vec::new();
    for (field, bits) in entries {
        shift -= bits;
        if let Some(field) = field {
            fields.push(Field { name: field.to_string(), shift, bits });
        }
    }
    Ok(fields)
}

/// The names of every block in a `.bf` text, in order.
pub fn block_names(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| line.trim().strip_prefix("block "))
        .filter_map(|rest| rest.split(|c: char| c.is_whitespace() || c == '{').next())
        .map(str::to_string)
        .collect()
}

/// The `tag NAME VALUE` lines of tagged unions: the value a block's tag field holds.
pub fn tags(text: &str) -> Vec<(String, u64)> {
    text.lines()
        .filter_map(|line| line.trim().strip_prefix("tag "))
        .filter_map(|rest| {
            let mut words = rest.split_whitespace();
            Some((words.next()?.to_string(), words.next()?.parse().ok()?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_info_layout() {
        let text = "base 64\nblock seL4_MessageInfo {\n padding 32\n field label 20\n field capsUnwrapped 3\n field extraCaps 2\n field length 7\n}\n";
        let fields = block(text, "seL4_MessageInfo").unwrap();
        let layout: Vec<(&str, u32, u32)> = fields.iter().map(|f| (f.name.as_str(), f.shift, f.bits)).collect();
        assert_eq!(layout, [("label", 12, 20), ("capsUnwrapped", 9, 3), ("extraCaps", 7, 2), ("length", 0, 7)]);
    }

    #[test]
    fn block_names_and_union_tags() {
        let text = "block Guard {\n field CapDataType 1\n}\nblock Badge{\n padding 3\n}\ntagged_union seL4_CapData CapDataType {\n tag Badge 0\n tag Guard 1\n}";
        assert_eq!(block_names(text), ["Guard", "Badge"]);
        assert_eq!(tags(text), [("Badge".to_string(), 0), ("Guard".to_string(), 1)]);
    }

    #[test]
    fn missing_block_and_bad_lines_are_errors() {
        assert!(block("block A {\n field x 3\n}", "B").is_err());
        assert!(block("block A {\n field x\n}", "A").is_err());
    }
}
