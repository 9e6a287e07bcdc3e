use super::*;
use crate::path::resolve;
use alloc::format;
use proptest::prelude::*;
use std::collections::BTreeMap as Map;
use uxrt_protocols::file::OpenFlags;

/// A quota no test reaches.
const NO_QUOTA: Usage = Usage { inodes: usize::MAX, bytes: u64::MAX };

fn p(text: &str) -> Path {
    resolve(&Path::root(), text.as_bytes()).unwrap()
}

const CREATE: OpenFlags = OpenFlags(OpenFlags::WRITE_ONLY | OpenFlags::CREATE);
const READ: OpenFlags = OpenFlags(OpenFlags::READ_ONLY);

fn with(flags: OpenFlags, more: u32) -> OpenFlags {
    OpenFlags(flags.0 | more)
}

fn write_file(tree: &mut Tree, path: &str, bytes: &[u8]) -> Result<(), Errno> {
    let ino = tree.open(&p(path), with(CREATE, OpenFlags::TRUNCATE), SYSTEM)?;
    let written = tree.write(ino, 0, bytes);
    tree.close(ino)?;
    written.map(|_| ())
}

fn read_file(tree: &mut Tree, path: &str) -> Result<Vec<u8>, Errno> {
    let ino = tree.open(&p(path), READ, SYSTEM)?;
    let data = tree.read(ino, 0, usize::MAX).map(<[u8]>::to_vec);
    tree.close(ino)?;
    data
}

#[test]
fn files_and_directories() {
    let mut tree = Tree::new(1 << 20, 1000, NO_QUOTA);
    tree.mkdir(&p("/etc"), SYSTEM).unwrap();
    write_file(&mut tree, "/etc/motd", b"hello").unwrap();
    assert_eq!(read_file(&mut tree, "/etc/motd").unwrap(), b"hello");
    assert_eq!(tree.mkdir(&p("/etc"), SYSTEM), Err(Errno::EEXIST));
    assert_eq!(tree.mkdir(&p("/nope/x"), SYSTEM), Err(Errno::ENOENT));
    assert_eq!(tree.mkdir(&p("/etc/motd/x"), SYSTEM), Err(Errno::ENOTDIR));
    assert_eq!(tree.rmdir(&p("/etc")), Err(Errno::ENOTEMPTY));
    assert_eq!(tree.rmdir(&p("/etc/motd")), Err(Errno::ENOTDIR));
    assert_eq!(tree.rmdir(&p("/")), Err(Errno::EBUSY));
    assert_eq!(tree.unlink(&p("/etc")), Err(Errno::EISDIR));
    let names = tree.read_dir(tree.lookup(&p("/etc")).unwrap()).unwrap();
    assert_eq!(names.len(), 1);
    assert_eq!((names[0].0.as_str(), names[0].2), ("motd", Kind::File));
    tree.unlink(&p("/etc/motd")).unwrap();
    tree.rmdir(&p("/etc")).unwrap();
    assert_eq!((tree.inodes(), tree.bytes_used()), (1, 0));
}

#[test]
fn open_flags() {
    let mut tree = Tree::new(1 << 20, 1000, NO_QUOTA);
    assert_eq!(tree.open(&p("/f"), READ, SYSTEM), Err(Errno::ENOENT));
    let ino = tree.open(&p("/f"), with(CREATE, OpenFlags::EXCLUSIVE), SYSTEM).unwrap();
    tree.close(ino).unwrap();
    assert_eq!(tree.open(&p("/f"), with(CREATE, OpenFlags::EXCLUSIVE), SYSTEM), Err(Errno::EEXIST));
    assert_eq!(tree.open(&p("/"), CREATE, SYSTEM), Err(Errno::EISDIR));
    let dir = tree.open(&p("/"), READ, SYSTEM).unwrap();
    assert_eq!(tree.read(dir, 0, 1), Err(Errno::EISDIR));
    assert_eq!(tree.write(dir, 0, b"x"), Err(Errno::EISDIR));
    tree.close(dir).unwrap();
    assert_eq!(tree.close(dir), Err(Errno::EBADF));
    assert_eq!(tree.close(999), Err(Errno::EBADF));
}

#[test]
fn offsets_gaps_and_limits() {
    let mut tree = Tree::new(100, 1000, NO_QUOTA);
    let ino = tree.open(&p("/f"), CREATE, SYSTEM).unwrap();
    assert_eq!(tree.write(ino, 10, b"ab"), Ok(2));
    assert_eq!(tree.read(ino, 0, 100).unwrap(), &[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, b'a', b'b']);
    assert_eq!(tree.read(ino, 11, 100).unwrap(), b"b");
    assert_eq!(tree.read(ino, 500, 100).unwrap(), b"");
    assert_eq!(tree.write(ino, 95, b"0123456789"), Err(Errno::ENOSPC));
    assert_eq!(tree.write(ino, u64::MAX, b"x"), Err(Errno::EFBIG));
    assert_eq!(tree.stat(ino).unwrap().size, 12, "a failed write changes nothing");
    tree.set_len(ino, 3).unwrap();
    assert_eq!((tree.stat(ino).unwrap().size, tree.bytes_used()), (3, 3));
    tree.close(ino).unwrap();
}

#[test]
fn an_unlinked_file_lives_until_closed() {
    let mut tree = Tree::new(1 << 20, 1000, NO_QUOTA);
    write_file(&mut tree, "/f", b"data").unwrap();
    let ino = tree.open(&p("/f"), READ, SYSTEM).unwrap();
    tree.unlink(&p("/f")).unwrap();
    assert_eq!(tree.lookup(&p("/f")), Err(Errno::ENOENT));
    assert_eq!(tree.read(ino, 0, 10).unwrap(), b"data");
    assert_eq!(tree.stat(ino).unwrap().links, 0);
    tree.close(ino).unwrap();
    assert_eq!((tree.inodes(), tree.bytes_used()), (1, 0));
}

#[test]
fn rename_rules() {
    let mut tree = Tree::new(1 << 20, 1000, NO_QUOTA);
    tree.mkdir(&p("/a"), SYSTEM).unwrap();
    tree.mkdir(&p("/a/b"), SYSTEM).unwrap();
    tree.mkdir(&p("/c"), SYSTEM).unwrap();
    write_file(&mut tree, "/f", b"1").unwrap();
    write_file(&mut tree, "/g", b"2").unwrap();
    assert_eq!(tree.rename(&p("/a"), &p("/a/b/x")), Err(Errno::EINVAL));
    assert_eq!(tree.rename(&p("/f"), &p("/c")), Err(Errno::EISDIR));
    assert_eq!(tree.rename(&p("/c"), &p("/f")), Err(Errno::ENOTDIR));
    assert_eq!(tree.rename(&p("/c"), &p("/a")), Err(Errno::ENOTEMPTY));
    assert_eq!(tree.rename(&p("/"), &p("/x")), Err(Errno::EBUSY));
    assert_eq!(tree.rename(&p("/nope"), &p("/x")), Err(Errno::ENOENT));
    tree.rename(&p("/f"), &p("/g")).unwrap();
    assert_eq!(read_file(&mut tree, "/g").unwrap(), b"1");
    assert_eq!(tree.lookup(&p("/f")), Err(Errno::ENOENT));
    tree.rename(&p("/a"), &p("/c")).unwrap();
    assert!(tree.lookup(&p("/c/b")).is_ok());
    tree.rename(&p("/c"), &p("/c")).unwrap();
    assert_eq!(tree.inodes(), 4, "/, /c, /c/b, /g");
}

/// The model: a flat map from path to what is there, written without a tree so that it
/// does not share the tree's mistakes.
#[derive(Clone, Debug, PartialEq)]
enum Entry {
    Dir,
    File(Vec<u8>),
}

type Model = Map<String, Entry>;

#[derive(Clone, Debug)]
enum Op {
    Mkdir(String),
    Rmdir(String),
    Write(String, Vec<u8>),
    Unlink(String),
    Rename(String, String),
    Read(String),
}

/// Every proper prefix must be a directory; the first that is not decides the error.
fn model_parent(model: &Model, path: &str) -> Result<(), Errno> {
    let parts: Vec<&str> = path.split('/').filter(|c| !c.is_empty()).collect();
    let mut prefix = String::new();
    for part in &parts[..parts.len().saturating_sub(1)] {
        prefix.push('/');
        prefix.push_str(part);
        match model.get(&prefix) {
            Some(Entry::Dir) => {}
            Some(Entry::File(_)) => return Err(Errno::ENOTDIR),
            None => return Err(Errno::ENOENT),
        }
    }
    Ok(())
}

fn model_get<'m>(model: &'m Model, path: &str) -> Result<&'m Entry, Errno> {
    model_parent(model, path)?;
    model.get(path).ok_or(Errno::ENOENT)
}

fn below(key: &str, dir: &str) -> bool {
    key.starts_with(&format!("{dir}/"))
}

fn has_children(model: &Model, dir: &str) -> bool {
    model.keys().any(|k| below(k, dir))
}

fn apply_model(model: &mut Model, op: &Op) -> Result<Option<Vec<u8>>, Errno> {
    match op {
        Op::Mkdir(path) => {
            model_parent(model, path)?;
            if model.contains_key(path) {
                return Err(Errno::EEXIST);
            }
            model.insert(path.clone(), Entry::Dir);
        }
        Op::Rmdir(path) => {
            match model_get(model, path)? {
                Entry::File(_) => return Err(Errno::ENOTDIR),
                Entry::Dir if has_children(model, path) => return Err(Errno::ENOTEMPTY),
                Entry::Dir => {}
            }
            model.remove(path);
        }
        Op::Write(path, bytes) => {
            model_parent(model, path)?;
            if let Some(Entry::Dir) = model.get(path) {
                return Err(Errno::EISDIR);
            }
            model.insert(path.clone(), Entry::File(bytes.clone()));
        }
        Op::Unlink(path) => {
            if let Entry::Dir = model_get(model, path)? {
                return Err(Errno::EISDIR);
            }
            model.remove(path);
        }
        Op::Rename(from, to) => {
            let moving = model_get(model, from)?.clone();
            model_parent(model, to)?;
            if from == to {
                return Ok(None);
            }
            if moving == Entry::Dir && below(to, from) {
                return Err(Errno::EINVAL);
            }
            match (&moving, model.get(to)) {
                (Entry::File(_), Some(Entry::Dir)) => return Err(Errno::EISDIR),
                (Entry::Dir, Some(Entry::File(_))) => return Err(Errno::ENOTDIR),
                (Entry::Dir, Some(Entry::Dir)) if has_children(model, to) => return Err(Errno::ENOTEMPTY),
                _ => {}
            }
            let moved: Vec<(String, Entry)> = model
                .iter()
                .filter(|(k, _)| *k == from || below(k, from))
                .map(|(k, v)| (format!("{to}{}", &k[from.len()..]), v.clone()))
                .collect();
            model.retain(|k, _| !(k == from || below(k, from)));
            model.remove(to);
            model.extend(moved);
        }
        Op::Read(path) => {
            return match model_get(model, path)? {
                Entry::Dir => Err(Errno::EISDIR),
                Entry::File(bytes) => Ok(Some(bytes.clone())),
            };
        }
    }
    Ok(None)
}

fn apply_tree(tree: &mut Tree, op: &Op) -> Result<Option<Vec<u8>>, Errno> {
    match op {
        Op::Mkdir(path) => tree.mkdir(&p(path), SYSTEM).map(|_| None),
        Op::Rmdir(path) => tree.rmdir(&p(path)).map(|_| None),
        Op::Write(path, bytes) => write_file(tree, path, bytes).map(|_| None),
        Op::Unlink(path) => tree.unlink(&p(path)).map(|_| None),
        Op::Rename(from, to) => tree.rename(&p(from), &p(to)).map(|_| None),
        Op::Read(path) => read_file(tree, path).map(Some),
    }
}

fn path() -> impl Strategy<Value = String> {
    proptest::collection::vec(prop_oneof![Just("a"), Just("b"), Just("c")], 1..=3)
        .prop_map(|parts| parts.iter().map(|part| format!("/{part}")).collect::<String>())
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        path().prop_map(Op::Mkdir),
        path().prop_map(Op::Rmdir),
        (path(), proptest::collection::vec(any::<u8>(), 0..8)).prop_map(|(p, b)| Op::Write(p, b)),
        path().prop_map(Op::Unlink),
        (path(), path()).prop_map(|(a, b)| Op::Rename(a, b)),
        path().prop_map(Op::Read),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Any sequence of operations gives the model's results and errors, and the tree
    /// ends holding exactly the model's entries, with no inode or byte left over.
    #[test]
    fn the_tree_agrees_with_a_flat_model(ops in proptest::collection::vec(op(), 1..40)) {
        let mut tree = Tree::new(1 << 20, 1000, NO_QUOTA);
        let mut model = Model::new();
        for op in &ops {
            let expected = apply_model(&mut model, op);
            prop_assert_eq!(apply_tree(&mut tree, op), expected, "{:?}", op);
        }
        prop_assert_eq!(tree.inodes(), model.len() + 1);
        let bytes: usize = model.values().map(|e| match e { Entry::File(b) => b.len(), Entry::Dir => 0 }).sum();
        prop_assert_eq!(tree.bytes_used(), bytes as u64);
        for (path, entry) in &model {
            let ino = tree.lookup(&p(path)).unwrap();
            match entry {
                Entry::Dir => prop_assert_eq!(tree.stat(ino).unwrap().kind, Kind::Directory),
                Entry::File(bytes) => prop_assert_eq!(tree.read(ino, 0, usize::MAX).unwrap(), &bytes[..]),
            }
        }
    }
}

#[test]
fn inodes_are_limited_and_come_back() {
    let mut tree = Tree::new(1 << 20, 4, NO_QUOTA); // the root and three more
    let create = OpenFlags(OpenFlags::WRITE_ONLY | OpenFlags::CREATE);
    for name in ["/a", "/b"] {
        let ino = tree.open(&p(name), create, SYSTEM).unwrap();
        tree.close(ino).unwrap();
    }
    tree.mkdir(&p("/d"), SYSTEM).unwrap();
    assert_eq!(tree.open(&p("/c"), create, SYSTEM), Err(Errno::ENOSPC));
    assert_eq!(tree.mkdir(&p("/e"), SYSTEM), Err(Errno::ENOSPC));
    assert_eq!(tree.lookup(&p("/c")), Err(Errno::ENOENT), "a refused create leaves no name");
    // Rename makes no inode: it still works when full.
    tree.rename(&p("/a"), &p("/a2")).unwrap();
    tree.unlink(&p("/b")).unwrap();
    let ino = tree.open(&p("/c"), create, SYSTEM).unwrap();
    tree.close(ino).unwrap();
    assert_eq!(tree.inodes(), 4);
}

#[test]
fn small_appends_grow_the_file_in_amortized_steps() {
    let mut tree = Tree::new(1 << 20, 10, NO_QUOTA);
    let ino = tree.open(&p("/log"), OpenFlags(OpenFlags::READ_WRITE | OpenFlags::CREATE), SYSTEM).unwrap();
    for i in 0..10_000u64 {
        tree.write(ino, i, b"x").unwrap();
    }
    assert_eq!(tree.read(ino, 0, 20_000).unwrap().len(), 10_000);
    assert_eq!(tree.bytes_used(), 10_000);
    tree.close(ino).unwrap();
}

#[test]
fn each_owner_has_its_quota_and_gets_it_back() {
    let quota = Usage { inodes: 2, bytes: 10 };
    let mut tree = Tree::new(1 << 20, 1000, quota);
    let create = OpenFlags(OpenFlags::READ_WRITE | OpenFlags::CREATE);
    let (alice, bob) = (7, 8);
    let a = tree.open(&p("/a"), create, alice).unwrap();
    tree.mkdir(&p("/d"), alice).unwrap();
    assert_eq!(tree.open(&p("/a2"), create, alice), Err(Errno::EDQUOT));
    assert_eq!(tree.mkdir(&p("/d/e"), alice), Err(Errno::EDQUOT));
    assert_eq!(tree.lookup(&p("/a2")), Err(Errno::ENOENT));
    // Bob's quota is his own; the system has none.
    let b = tree.open(&p("/b"), create, bob).unwrap();
    tree.mkdir(&p("/s"), SYSTEM).unwrap();
    // Bytes are charged to the file's owner, whoever writes them.
    assert_eq!(tree.write(a, 0, b"0123456789"), Ok(10));
    assert_eq!(tree.write(a, 10, b"x"), Err(Errno::EDQUOT));
    assert_eq!(tree.stat(a).unwrap().size, 10, "a refused write leaves the file as it was");
    assert_eq!(tree.write(b, 0, b"0123456789"), Ok(10));
    assert_eq!(tree.usage(alice), Usage { inodes: 2, bytes: 10 });
    // Truncating, unlinking and closing give it all back.
    tree.set_len(a, 4).unwrap();
    assert_eq!(tree.usage(alice).bytes, 4);
    tree.unlink(&p("/a")).unwrap();
    assert_eq!(tree.usage(alice).inodes, 2, "an unlinked file still open is still held");
    tree.close(a).unwrap();
    tree.rmdir(&p("/d")).unwrap();
    assert_eq!(tree.usage(alice), Usage::default());
    tree.close(b).unwrap();
}

#[test]
fn modes_start_by_kind_and_change_with_chmod() {
    let mut tree = Tree::new(1 << 20, 100, Usage { inodes: 100, bytes: 1 << 20 });
    let dir = tree.mkdir(&p("/d"), SYSTEM).unwrap();
    let file = tree.open(&p("/d/f"), CREATE, SYSTEM).unwrap();
    assert_eq!(tree.stat(dir).unwrap().mode, DIRECTORY_MODE);
    assert_eq!(tree.stat(file).unwrap().mode, FILE_MODE);
    tree.chmod(file, 0o4750).unwrap();
    assert_eq!(tree.stat(file).unwrap().mode, 0o4750);
    assert_eq!(tree.chmod(file, 0o10000), Err(Errno::EINVAL));
    assert_eq!(tree.stat(file).unwrap().mode, 0o4750);
    assert_eq!(tree.chmod(999, 0o600), Err(Errno::ENOENT));
}

#[test]
fn times_follow_changes() {
    let mut tree = Tree::new(1 << 20, 100, Usage { inodes: 100, bytes: 1 << 20 });
    tree.set_now(10);
    let file = tree.open(&p("/f"), CREATE, SYSTEM).unwrap();
    let times = |tree: &Tree, ino| {
        let stat = tree.stat(ino).unwrap();
        (stat.modified, stat.changed)
    };
    assert_eq!(times(&tree, file), (10, 10));
    assert_eq!(times(&tree, ROOT), (10, 10), "a new name changes its directory");
    tree.set_now(20);
    tree.write(file, 0, b"x").unwrap();
    assert_eq!(times(&tree, file), (20, 20));
    assert_eq!(times(&tree, ROOT), (10, 10), "writing a file leaves its directory");
    tree.set_now(30);
    tree.chmod(file, 0o600).unwrap();
    assert_eq!(times(&tree, file), (20, 30), "chmod changes, does not modify");
    tree.set_now(40);
    tree.rename(&p("/f"), &p("/g")).unwrap();
    assert_eq!(times(&tree, file), (20, 40));
    assert_eq!(times(&tree, ROOT), (40, 40));
    tree.set_now(50);
    // A failed write stamps nothing.
    assert_eq!(tree.write(file, FILE_MAX, b"y"), Err(Errno::EFBIG));
    assert_eq!(times(&tree, file), (20, 40));
    tree.set_len(file, 0).unwrap();
    assert_eq!(times(&tree, file), (50, 50));
}

#[test]
fn symbolic_links_are_names_the_tree_never_follows() {
    let mut tree = Tree::new(1 << 20, 1000, Usage { inodes: 10, bytes: 100 });
    tree.mkdir(&p("/d"), SYSTEM).unwrap();
    write_file(&mut tree, "/d/f", b"data").unwrap();
    let link = tree.symlink(&p("/l"), "d/f", 7).unwrap();
    assert_eq!(tree.symlink(&p("/l"), "x", 7), Err(Errno::EEXIST));
    assert_eq!(tree.symlink(&p("/m"), "", 7), Err(Errno::ENOENT));
    assert_eq!(tree.symlink(&p("/no/m"), "x", 7), Err(Errno::ENOENT));
    assert_eq!(tree.readlink(&p("/l")), Ok("d/f"));
    assert_eq!(tree.readlink(&p("/d/f")), Err(Errno::EINVAL));
    let stat = tree.stat(link).unwrap();
    assert_eq!((stat.kind, stat.size, stat.mode), (Kind::Symlink, 3, LINK_MODE));
    // The target's bytes count against its owner's quota.
    assert_eq!(tree.usage(7), Usage { inodes: 1, bytes: 3 });
    assert_eq!(tree.symlink(&p("/big"), &"x".repeat(98), 7), Err(Errno::EDQUOT));
    // Where a path crosses one: the first, the last only when asked.
    tree.symlink(&p("/d/dl"), "/d", SYSTEM).unwrap();
    assert_eq!(tree.first_link(&p("/l"), false), None);
    assert_eq!(tree.first_link(&p("/l"), true), Some(LinkMet { component: 0, target: "d/f" }));
    assert_eq!(tree.first_link(&p("/d/dl/f"), false), Some(LinkMet { component: 1, target: "/d" }));
    assert_eq!(tree.first_link(&p("/d/f/x"), true), None);
    assert_eq!(tree.first_link(&p("/missing/l"), true), None);
    // Unfollowed: open is ELOOP, a directory operation sees no directory, and unlink
    // and rename take the link itself.
    assert_eq!(tree.open(&p("/l"), READ, SYSTEM), Err(Errno::ELOOP));
    assert_eq!(tree.open(&p("/l"), with(CREATE, OpenFlags::EXCLUSIVE), SYSTEM), Err(Errno::EEXIST));
    assert_eq!(tree.mkdir(&p("/l"), SYSTEM), Err(Errno::EEXIST));
    assert_eq!(tree.rmdir(&p("/d/dl")), Err(Errno::ENOTDIR));
    assert_eq!(tree.mkdir(&p("/d/dl/x"), SYSTEM), Err(Errno::ENOTDIR));
    tree.rename(&p("/l"), &p("/d/l2")).unwrap();
    assert_eq!(tree.readlink(&p("/d/l2")), Ok("d/f"));
    tree.unlink(&p("/d/l2")).unwrap();
    assert_eq!(read_file(&mut tree, "/d/f").unwrap(), b"data");
    assert_eq!(tree.usage(7), Usage::default());
    tree.unlink(&p("/d/dl")).unwrap();
    tree.unlink(&p("/d/f")).unwrap();
    tree.rmdir(&p("/d")).unwrap();
    assert_eq!((tree.inodes(), tree.bytes_used()), (1, 0));
}

#[test]
fn named_pipes_are_names_charged_as_inodes() {
    let quota = Usage { inodes: 1, bytes: 10 };
    let mut tree = Tree::new(1 << 20, 1000, quota);
    let fifo = tree.mkfifo(&p("/f"), 7).unwrap();
    assert_eq!(tree.stat(fifo).map(|s| (s.kind, s.size, s.links)), Ok((Kind::Fifo, 0, 1)));
    assert_eq!(tree.mkfifo(&p("/f"), 7), Err(Errno::EEXIST));
    assert_eq!(tree.mkfifo(&p("/g"), 7), Err(Errno::EDQUOT), "a named pipe is an inode of its owner's");
    assert_eq!(tree.mkfifo(&p("/no/g"), 8), Err(Errno::ENOENT));
    assert_eq!(tree.open(&p("/f"), OpenFlags(OpenFlags::READ_ONLY), 7), Err(Errno::ENXIO), "never opened in the tree");
    assert_eq!(tree.read(fifo, 0, 1), Err(Errno::EINVAL));
    assert_eq!(tree.open(&p("/f/x"), OpenFlags(OpenFlags::READ_ONLY), 7), Err(Errno::ENOTDIR));
    let entries = tree.read_dir(ROOT).unwrap();
    assert_eq!(entries, [(String::from("f"), fifo, Kind::Fifo)]);
    tree.rename(&p("/f"), &p("/h")).unwrap();
    tree.unlink(&p("/h")).unwrap();
    assert_eq!(tree.usage(7), Usage::default(), "its inode comes back");
    tree.mkfifo(&p("/g"), 7).unwrap();
}

#[test]
fn access_times_follow_relatime_and_times_can_be_set() {
    let mut tree = Tree::new(1 << 20, 10, NO_QUOTA);
    tree.set_now(100);
    let ino = tree.open(&p("/f"), OpenFlags(OpenFlags::READ_WRITE | OpenFlags::CREATE), SYSTEM).unwrap();
    let times = |tree: &Tree| tree.stat(ino).map(|s| (s.accessed, s.modified, s.changed)).unwrap();
    assert_eq!(times(&tree), (100, 100, 100));
    tree.set_now(200);
    tree.write(ino, 0, b"abc").unwrap();
    assert_eq!(times(&tree), (100, 200, 200), "a write is no access");
    tree.set_now(300);
    tree.accessed(ino);
    assert_eq!(times(&tree).0, 300, "the first read since the write");
    tree.set_now(400);
    tree.accessed(ino);
    assert_eq!(times(&tree).0, 300, "not every read (relatime)");
    tree.set_now(300 + ACCESS_LAG);
    tree.accessed(ino);
    assert_eq!(times(&tree).0, 300 + ACCESS_LAG, "but a day later");
    tree.set_now(5_000);
    tree.set_times(ino, NewTime::At(7), NewTime::Omit).unwrap();
    assert_eq!(times(&tree), (7, 200, 5_000), "an access time set, the change time now");
    tree.set_now(6_000);
    tree.set_times(ino, NewTime::Omit, NewTime::Omit).unwrap();
    assert_eq!(times(&tree), (7, 200, 5_000), "both omitted: nothing changes");
    tree.set_times(ino, NewTime::Now, NewTime::At(9)).unwrap();
    assert_eq!(times(&tree), (6_000, 9, 6_000));
    assert_eq!(tree.set_times(999, NewTime::Now, NewTime::Now), Err(Errno::ENOENT));
    tree.close(ino).unwrap();
}
