//! The committed man pages in `man/` are what `cargo run --example gen-man` writes now.

#[test]
fn man_pages_are_fresh() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("man");
    let pages = govpki::cli::man_pages().expect("rendering man pages");
    let mut stale = Vec::new();
    for (name, page) in &pages {
        match std::fs::read(dir.join(name)) {
            Ok(committed) if &committed == page => {}
            _ => stale.push(name.clone()),
        }
    }
    let generated: std::collections::HashSet<_> = pages.iter().map(|(n, _)| n.clone()).collect();
    for entry in std::fs::read_dir(&dir).expect("reading man/") {
        let name = entry
            .expect("man/ entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        if !generated.contains(&name) {
            stale.push(format!("{name} (no longer generated)"));
        }
    }
    assert!(
        stale.is_empty(),
        "man pages out of date, run `cargo run --example gen-man`: {stale:?}"
    );
}
