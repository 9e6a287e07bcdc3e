//! `ps`: the processes, from the root server's table.
#![no_std]
#![no_main]

coreutils::main!(main);

fn main() -> i32 {
    let mut out = coreutils::Output::default();
    // MEMORY: what the process is charged for, kernel objects included; SHARED: frames
    // kept for every process that maps them (its program's text).
    out.text(format_args!("  PID  PPID  MEMORY  SHARED  NAME\n"));
    for row in uxrt::process::processes() {
        let (memory, shared) = (row.memory >> 10, row.shared >> 10);
        out.text(format_args!("{:5} {:5} {memory:6}K {shared:6}K  {}\n", row.pid, row.parent, row.name()));
    }
    0
}
