//! Regenerates the man pages in `man/`: `cargo run --example gen-man`.
//!
//! One page for `govpki` and one per subcommand (`govpki-cert-issue.1`, ...). A test checks
//! that the committed pages match what this writes.

fn main() -> std::io::Result<()> {
    let dir = std::env::args_os()
        .nth(1)
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/man")));
    std::fs::create_dir_all(&dir)?;
    for (name, page) in govpki::cli::man_pages()? {
        std::fs::write(dir.join(name), page)?;
    }
    Ok(())
}
