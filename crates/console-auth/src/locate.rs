//! Which operators file a console uses, if any: `--operators FILE`, else the site file an
//! engineer deployed, else the data folder's own; none means sign-in is off.

use std::path::{Path, PathBuf};

/// The environment variable that moves the site file (tests, and sites that keep it
/// elsewhere); when unset, [`default_site_path`].
pub const SITE_ENV: &str = "PLANT_OPERATORS_SITE";
/// The operators file's name in the data folder and the site folder.
pub const FILE_NAME: &str = "operators.json";

/// The site file where nothing moved it: `/etc/plant-console/operators.json` on Unix,
/// `%ProgramData%\plant-console\operators.json` on Windows.
pub fn default_site_path() -> PathBuf {
    #[cfg(windows)]
    {
        let program_data = std::env::var_os("ProgramData")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(r"C:\ProgramData"));
        program_data.join("plant-console").join(FILE_NAME)
    }
    #[cfg(not(windows))]
    {
        PathBuf::from("/etc/plant-console").join(FILE_NAME)
    }
}

/// The site file: `PLANT_OPERATORS_SITE` when set and not empty, else the default.
pub fn site_path() -> PathBuf {
    match std::env::var_os(SITE_ENV) {
        Some(path) if !path.is_empty() => PathBuf::from(path),
        _ => default_site_path(),
    }
}

/// The operators file to use: `explicit` (`--operators FILE`) whether or not it exists
/// (loading it says so if it does not: a file asked for by name is never silently
/// skipped), else the site file ([`site_path`]) if it exists, else
/// `<data_dir>/operators.json` if it exists, else `None`: sign-in is off and the console
/// runs as the OS user.
pub fn locate(explicit: Option<&Path>, data_dir: &Path) -> Option<PathBuf> {
    locate_with_site(explicit, &site_path(), data_dir)
}

/// [`locate`] with the site file given.
pub fn locate_with_site(explicit: Option<&Path>, site: &Path, data_dir: &Path) -> Option<PathBuf> {
    if let Some(path) = explicit {
        return Some(path.to_path_buf());
    }
    // `exists` follows links and is false for a file we may not even look at; a site
    // file that is there but unreadable is taken, so that loading reports it rather
    // than sign-in quietly falling back to a local file.
    if site.exists() || std::fs::symlink_metadata(site).is_ok() {
        return Some(site.to_path_buf());
    }
    let local = data_dir.join(FILE_NAME);
    local.exists().then_some(local)
}

/// Where `operators add` writes when no file exists yet: `explicit`, else the data
/// folder's file (never the site file, which an engineer deploys on purpose).
pub fn path_for_new(explicit: Option<&Path>, data_dir: &Path) -> PathBuf {
    explicit.map_or_else(|| data_dir.join(FILE_NAME), Path::to_path_buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_explicit_file_wins_then_the_site_file_then_the_data_folder_then_none() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("site").join(FILE_NAME);
        let data = dir.path().join("data");
        std::fs::create_dir_all(&data).unwrap();
        assert_eq!(locate_with_site(None, &site, &data), None);
        std::fs::write(data.join(FILE_NAME), "{}").unwrap();
        assert_eq!(
            locate_with_site(None, &site, &data),
            Some(data.join(FILE_NAME))
        );
        std::fs::create_dir_all(site.parent().unwrap()).unwrap();
        std::fs::write(&site, "{}").unwrap();
        assert_eq!(locate_with_site(None, &site, &data), Some(site.clone()));
        let explicit = dir.path().join("missing.json");
        assert_eq!(
            locate_with_site(Some(&explicit), &site, &data),
            Some(explicit)
        );
    }

    #[test]
    fn a_new_file_goes_to_the_data_folder_unless_one_is_named() {
        let data = Path::new("data");
        assert_eq!(path_for_new(None, data), data.join(FILE_NAME));
        assert_eq!(
            path_for_new(Some(Path::new("x.json")), data),
            PathBuf::from("x.json")
        );
    }
}
