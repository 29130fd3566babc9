//! Which files make up a policy (or a set of test files). Pure: callers list directories and
//! read files; this module only chooses and orders.

use std::path::{Path, PathBuf};

/// Whether a path names a YAML file (`.yaml` or `.yml`, any case).
pub fn is_yaml(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"))
}

/// From the entries of a policy directory, the YAML files to load, in a stable order (by
/// name). Hidden files (`.name`) are skipped; subdirectories are not descended into, so a
/// `tests/` folder beside the policy is not read as policy.
pub fn policy_files(entries: impl IntoIterator<Item = PathBuf>) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = entries
        .into_iter()
        .filter(|p| is_yaml(p))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_none_or(|n| !n.starts_with('.'))
        })
        .collect();
    files.sort();
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_yaml_files_in_order() {
        let got = policy_files(
            [
                "b.yml",
                "a.yaml",
                "README.md",
                ".hidden.yaml",
                "c.YAML",
                "tests",
            ]
            .iter()
            .map(PathBuf::from),
        );
        assert_eq!(
            got,
            ["a.yaml", "b.yml", "c.YAML"]
                .iter()
                .map(PathBuf::from)
                .collect::<Vec<_>>()
        );
    }
}
