//! The profiles of a home: the built-in ones and the home's own
//! (`$GOVPKI_HOME/profiles/NAME.yaml`, [`crate::ca::profile_yaml`]), each file read bounded.
//! Prints nothing.

use std::path::{Path, PathBuf};

use anyhow::Context as _;

use super::{Result, hinted};
use crate::ca::profile::{ALL, Profile};
use crate::ca::profile_yaml::{self, HomeProfile};
use crate::store::files;

/// A profile named on the command line.
#[derive(Debug, Clone)]
pub enum Named {
    Builtin(Profile),
    Home(Box<HomeProfile>),
}

/// The directory of a home's own profiles.
pub fn dir(home: &Path) -> PathBuf {
    home.join("profiles")
}

fn read(path: &Path, name: &str) -> anyhow::Result<HomeProfile> {
    let bytes = files::read_limited(path, profile_yaml::MAX_FILE)
        .with_context(|| format!("reading profile file `{}`", path.display()))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| anyhow::anyhow!("profile file `{}`: not UTF-8", path.display()))?;
    Ok(profile_yaml::parse(
        name,
        &path.display().to_string(),
        &text,
    )?)
}

/// The profile `name`: a built-in one, else `profiles/NAME.yaml` of the home.
pub fn find(home: &Path, name: &str) -> Result<Named> {
    if let Ok(p) = name.parse::<Profile>() {
        return Ok(Named::Builtin(p));
    }
    let path = dir(home).join(format!("{name}.yaml"));
    if profile_yaml::valid_name(name) && path.exists() {
        return Ok(Named::Home(Box::new(read(&path, name)?)));
    }
    let builtin: Vec<&str> = ALL.iter().map(|p| p.name()).collect();
    Err(hinted(
        format!(
            "unknown profile `{name}` (built-in: {}; a home profile is `{}`)",
            builtin.join(", "),
            path.display()
        ),
        "list them with `govpki cert profiles`",
    )
    .into())
}

/// Every home profile, by name; a file that does not parse is an error naming it.
pub fn home_profiles(home: &Path) -> Result<Vec<HomeProfile>> {
    let dir = dir(home);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(vec![]);
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    paths.sort();
    // Bounded: a directory of thousands of files is not a profile list.
    if paths.len() > 1000 {
        return Err(anyhow::anyhow!("`{}` holds over 1000 profile files", dir.display()).into());
    }
    let mut out = Vec::with_capacity(paths.len());
    for path in paths {
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        out.push(read(&path, &name)?);
    }
    Ok(out)
}
