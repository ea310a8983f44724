//! Owns installing and removing an agent skill file — `<dir>/<name>/SKILL.md` — that okstra
//! ships inside its binary (the Claude Code `okstra-run` skill). Only that file, and its folder
//! when that is left empty, are okstra's: a file there that differs from what okstra ships (an
//! older okstra's, or edited by hand) is never overwritten or removed unless forced. The text
//! itself and where the skills folder is are the CLI's to say.

use std::io;
use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::errors::PathError;
use crate::fs_atomic::{read_optional, write_text};

/// The file name of a skill inside its folder.
pub const SKILL_FILE: &str = "SKILL.md";

/// What installing a skill did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SkillInstall {
    /// The file was written; there was none.
    Installed { path: PathBuf },
    /// The file already held this text: nothing was written.
    Unchanged { path: PathBuf },
    /// A different file was there and was replaced (forced).
    Replaced { path: PathBuf },
}

/// What removing a skill did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SkillUninstall {
    /// The file was removed; `folder_removed` says whether its folder, then empty, went too.
    Removed { path: PathBuf, folder_removed: bool },
    /// There was no file: nothing was done.
    NotInstalled { path: PathBuf },
}

/// Why a skill could not be installed or removed.
#[derive(Debug, Error)]
pub enum SkillError {
    /// The file there is not the one okstra ships, and the change was not forced.
    #[error("{} differs from the skill this okstra ships", path.display())]
    Changed { path: PathBuf },
    /// Something in the way is not a regular file (a folder, say).
    #[error("{} is not a regular file", path.display())]
    NotAFile { path: PathBuf },
    #[error(transparent)]
    Io(#[from] PathError),
}

/// Returns where skill `name` lives in the skills folder `dir`.
pub fn skill_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(name).join(SKILL_FILE)
}

/// Writes `text` as skill `name` in `dir` (creating the folders), unless the same text is there
/// already; a different file there is replaced only when `force`.
pub fn install_skill(
    dir: &Path,
    name: &str,
    text: &str,
    force: bool,
) -> Result<SkillInstall, SkillError> {
    let path = skill_path(dir, name);
    let replaced = match read_existing(&path)? {
        None => false,
        Some(current) if current == text => return Ok(SkillInstall::Unchanged { path }),
        Some(_) if force => true,
        Some(_) => return Err(SkillError::Changed { path }),
    };
    write_text(&path, text)?;
    Ok(if replaced {
        SkillInstall::Replaced { path }
    } else {
        SkillInstall::Installed { path }
    })
}

/// Removes skill `name` from `dir` when its file holds `text` (any file when `force`), and its
/// folder when nothing else is left in it.
pub fn uninstall_skill(
    dir: &Path,
    name: &str,
    text: &str,
    force: bool,
) -> Result<SkillUninstall, SkillError> {
    let path = skill_path(dir, name);
    match read_existing(&path)? {
        None => return Ok(SkillUninstall::NotInstalled { path }),
        Some(current) if current == text || force => {}
        Some(_) => return Err(SkillError::Changed { path }),
    }
    fs_err::remove_file(&path).map_err(PathError::at(&path))?;
    let folder = dir.join(name);
    // Only an empty folder goes: anything else in it is not okstra's.
    let folder_removed = match fs_err::remove_dir(&folder) {
        Ok(()) => true,
        Err(e) if is_not_empty(&e) => false,
        Err(e) => return Err(PathError::at(&folder)(e).into()),
    };
    Ok(SkillUninstall::Removed {
        path,
        folder_removed,
    })
}

/// Returns the text of the file at `path`, `None` when there is none; anything but a regular
/// file (or a symlink to one) is refused. A file that is not UTF-8 counts as changed.
fn read_existing(path: &Path) -> Result<Option<String>, SkillError> {
    match fs_err::metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(PathError::at(path)(e).into()),
        Ok(meta) if !meta.is_file() => {
            return Err(SkillError::NotAFile {
                path: path.to_path_buf(),
            });
        }
        Ok(_) => {}
    }
    match read_optional(path) {
        Err(e) if e.source.kind() == io::ErrorKind::InvalidData => Ok(Some(String::new())),
        other => Ok(other?),
    }
}

fn is_not_empty(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::DirectoryNotEmpty
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "---\nname: s\ndescription: d\n---\nbody\n";

    fn dir() -> tempfile::TempDir {
        tempfile::tempdir().unwrap()
    }

    #[test]
    fn install_writes_once_then_is_a_no_op() {
        let d = dir();
        let path = skill_path(d.path(), "s");
        assert_eq!(
            install_skill(d.path(), "s", TEXT, false).unwrap(),
            SkillInstall::Installed { path: path.clone() }
        );
        assert_eq!(fs_err::read_to_string(&path).unwrap(), TEXT);
        assert_eq!(
            install_skill(d.path(), "s", TEXT, false).unwrap(),
            SkillInstall::Unchanged { path }
        );
    }

    #[test]
    fn a_changed_file_is_replaced_only_when_forced() {
        let d = dir();
        let path = skill_path(d.path(), "s");
        fs_err::create_dir_all(path.parent().unwrap()).unwrap();
        fs_err::write(&path, "mine\n").unwrap();
        let err = install_skill(d.path(), "s", TEXT, false).unwrap_err();
        assert!(matches!(err, SkillError::Changed { path: ref p } if *p == path));
        assert_eq!(fs_err::read_to_string(&path).unwrap(), "mine\n");
        assert_eq!(
            install_skill(d.path(), "s", TEXT, true).unwrap(),
            SkillInstall::Replaced { path: path.clone() }
        );
        assert_eq!(fs_err::read_to_string(&path).unwrap(), TEXT);
    }

    #[test]
    fn a_file_that_is_not_utf8_counts_as_changed() {
        let d = dir();
        let path = skill_path(d.path(), "s");
        fs_err::create_dir_all(path.parent().unwrap()).unwrap();
        fs_err::write(&path, [0xff, 0xfe]).unwrap();
        assert!(matches!(
            install_skill(d.path(), "s", TEXT, false),
            Err(SkillError::Changed { .. })
        ));
        assert!(matches!(
            uninstall_skill(d.path(), "s", TEXT, false),
            Err(SkillError::Changed { .. })
        ));
    }

    #[test]
    fn a_folder_in_place_of_the_file_is_refused_even_when_forced() {
        let d = dir();
        let path = skill_path(d.path(), "s");
        fs_err::create_dir_all(&path).unwrap();
        assert!(matches!(
            install_skill(d.path(), "s", TEXT, true),
            Err(SkillError::NotAFile { .. })
        ));
        assert!(matches!(
            uninstall_skill(d.path(), "s", TEXT, true),
            Err(SkillError::NotAFile { .. })
        ));
    }

    #[test]
    fn uninstall_removes_the_file_and_its_folder_when_empty() {
        let d = dir();
        install_skill(d.path(), "s", TEXT, false).unwrap();
        let path = skill_path(d.path(), "s");
        assert_eq!(
            uninstall_skill(d.path(), "s", TEXT, false).unwrap(),
            SkillUninstall::Removed {
                path: path.clone(),
                folder_removed: true
            }
        );
        assert!(!d.path().join("s").exists());
        assert!(d.path().exists(), "the skills folder itself stays");
        assert_eq!(
            uninstall_skill(d.path(), "s", TEXT, false).unwrap(),
            SkillUninstall::NotInstalled { path }
        );
    }

    #[test]
    fn uninstall_leaves_other_files_and_refuses_a_changed_skill_unless_forced() {
        let d = dir();
        install_skill(d.path(), "s", TEXT, false).unwrap();
        let extra = d.path().join("s/notes.md");
        fs_err::write(&extra, "the user's").unwrap();
        let path = skill_path(d.path(), "s");
        assert_eq!(
            uninstall_skill(d.path(), "s", TEXT, false).unwrap(),
            SkillUninstall::Removed {
                path: path.clone(),
                folder_removed: false
            }
        );
        assert!(extra.exists());

        fs_err::write(&path, "edited\n").unwrap();
        assert!(matches!(
            uninstall_skill(d.path(), "s", TEXT, false),
            Err(SkillError::Changed { .. })
        ));
        assert!(path.exists());
        assert!(matches!(
            uninstall_skill(d.path(), "s", TEXT, true),
            Ok(SkillUninstall::Removed { .. })
        ));
        assert!(!path.exists());
    }
}
