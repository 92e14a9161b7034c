//! All-or-nothing writes for `--in-place` and `-o`.
//!
//! Written by hand on `std` (no crate): `tempfile`/`atomicwrites` give one atomic file,
//! but what is needed here is a *set* of files that changes together, with a journal that
//! a later run can roll back. The steps, in order:
//!
//! 1. Every target is checked: an existing target must be a regular file with a write bit
//!    (a read-only file is refused, even though `rename` could replace it).
//! 2. Missing parent directories are created.
//! 3. The journal `<root>/.fluxport-journal` is written (temp + fsync + rename + fsync of
//!    the directory) in state `prepare`, naming every target, its temp file and its backup.
//! 4. Every new content goes to a temp file in the target's own directory (`create_new`,
//!    a name unique to this process), which is fsynced. This is where a full disk or a
//!    read-only directory shows up: nothing has been renamed yet.
//! 5. Every existing target gets a backup: a hard link (a copy where links are refused),
//!    so the original bytes survive the rename.
//! 6. The journal is rewritten in state `commit`, then each temp is renamed over its
//!    target; deletions come last. Directories are fsynced.
//! 7. The journal is removed (the commit point), then the backups.
//!
//! A failure in steps 1–5 removes the temps and backups: nothing changed. A failure in
//! step 6 renames every backup back (and removes new files): nothing changed. A crash
//! leaves the journal; [`recover`] (run before anything is read) removes the temps of a
//! `prepare` journal, and restores the originals of a `commit` journal. So after any
//! failure every file holds either its original bytes or its complete new bytes, and the
//! run after it starts from the originals.
//!
//! The journal stores paths as raw bytes (NUL-terminated fields), so non-UTF-8 names
//! survive.

use std::ffi::{OsStr, OsString};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

/// File names fluxport itself creates while writing; the walk never reads them as input.
pub const INTERNAL_PREFIXES: [&str; 3] = [".fluxport-tmp-", ".fluxport-bak-", ".fluxport-journal"];
const JOURNAL: &str = ".fluxport-journal";
const MAGIC: &[u8] = b"fluxport-journal-v1";

/// Whether `root` holds the journal of an interrupted run.
pub fn has_journal(root: &Path) -> bool {
    exists(&root.join(JOURNAL))
}

/// Whether a directory entry is one of fluxport's temp, backup or journal files.
pub fn is_internal(name: &OsStr) -> bool {
    let b = name.as_bytes();
    INTERNAL_PREFIXES
        .iter()
        .any(|p| b.starts_with(p.as_bytes()))
}

/// One change to make.
pub enum Op {
    /// Create or replace `target` with these bytes.
    Write { target: PathBuf, bytes: Vec<u8> },
    /// Remove `target`.
    Delete { target: PathBuf },
}

impl Op {
    fn target(&self) -> &Path {
        match self {
            Op::Write { target, .. } | Op::Delete { target } => target,
        }
    }
}

struct Entry {
    write: bool,
    existed: bool,
    target: PathBuf,
    tmp: PathBuf,
    bak: PathBuf,
}

fn dir_of(p: &Path) -> PathBuf {
    match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn sibling(target: &Path, prefix: &str, n: usize) -> PathBuf {
    // Unique per process and op; short, so a long target name cannot exceed NAME_MAX.
    dir_of(target).join(format!("{prefix}{}-{n}", std::process::id()))
}

fn fsync_dir(d: &Path) -> io::Result<()> {
    File::open(d)?.sync_all()
}

fn show(p: &Path) -> String {
    crate::escape_path(p)
}

fn encode(state: &str, entries: &[Entry]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut field = |b: &[u8]| {
        out.extend_from_slice(b);
        out.push(0);
    };
    field(MAGIC);
    field(state.as_bytes());
    for e in entries {
        field(match (e.write, e.existed) {
            (true, true) => b"W1",
            (true, false) => b"W0",
            (false, _) => b"D1",
        });
        field(e.target.as_os_str().as_bytes());
        field(e.tmp.as_os_str().as_bytes());
        field(e.bak.as_os_str().as_bytes());
    }
    out
}

fn decode(bytes: &[u8]) -> Option<(String, Vec<Entry>)> {
    let mut fields: Vec<&[u8]> = bytes.split(|&b| b == 0).collect();
    if fields.last() != Some(&&b""[..]) {
        return None; // not NUL-terminated: cut short
    }
    fields.pop();
    if fields.len() < 2 || fields[0] != MAGIC || (fields.len() - 2) % 4 != 0 {
        return None;
    }
    let state = String::from_utf8(fields[1].to_vec()).ok()?;
    let path = |b: &[u8]| PathBuf::from(OsString::from_vec(b.to_vec()));
    let mut entries = Vec::new();
    for c in fields[2..].chunks(4) {
        let (write, existed) = match c[0] {
            b"W1" => (true, true),
            b"W0" => (true, false),
            b"D1" => (false, true),
            _ => return None,
        };
        entries.push(Entry {
            write,
            existed,
            target: path(c[1]),
            tmp: path(c[2]),
            bak: path(c[3]),
        });
    }
    Some((state, entries))
}

fn write_journal(root: &Path, state: &str, entries: &[Entry]) -> io::Result<()> {
    let tmp = root.join(format!("{JOURNAL}.tmp-{}", std::process::id()));
    let _ = fs::remove_file(&tmp);
    let res = (|| {
        let mut f = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        f.write_all(&encode(state, entries))?;
        f.sync_all()?;
        drop(f);
        fs::rename(&tmp, root.join(JOURNAL))?;
        fsync_dir(root)
    })();
    if res.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    res
}

fn exists(p: &Path) -> bool {
    fs::symlink_metadata(p).is_ok()
}

fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (fs::symlink_metadata(a), fs::symlink_metadata(b)) {
        (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
        _ => false,
    }
}

/// What a roll-back did: targets given back their original bytes, new files removed.
#[derive(Default)]
struct Undone {
    restored: Vec<String>,
    removed: Vec<String>,
}

impl Undone {
    fn describe(&self) -> String {
        let list = |v: &[String]| {
            let mut s = v.iter().take(10).cloned().collect::<Vec<_>>().join(", ");
            if v.len() > 10 {
                s.push_str(&format!(", and {} more", v.len() - 10));
            }
            s
        };
        let mut parts = Vec::new();
        if !self.restored.is_empty() {
            parts.push(format!(
                "restored {} file(s) to their original bytes ({})",
                self.restored.len(),
                list(&self.restored)
            ));
        }
        if !self.removed.is_empty() {
            parts.push(format!(
                "removed {} file(s) it had created ({})",
                self.removed.len(),
                list(&self.removed)
            ));
        }
        parts.join("; ")
    }
}

/// Undoes whatever a journal says may have happened: in state `commit`, a target that is
/// no longer its backup's file gets the backup renamed back, and a file that did not exist
/// is removed; in both states the temps and the remaining backups are removed.
fn roll_back(state: &str, entries: &[Entry]) -> Result<Undone, String> {
    let mut undone = Undone::default();
    let mut failed = Vec::new();
    let mut dirs = std::collections::BTreeSet::new();
    for e in entries.iter().rev() {
        dirs.insert(dir_of(&e.target));
        if state == "commit" && e.existed && exists(&e.bak) {
            if same_file(&e.bak, &e.target) {
                let _ = fs::remove_file(&e.bak); // never replaced
            } else {
                match fs::rename(&e.bak, &e.target) {
                    Ok(()) => undone.restored.push(show(&e.target)),
                    Err(err) => failed.push(format!(
                        "{}: {err} (its original is kept in {})",
                        show(&e.target),
                        show(&e.bak)
                    )),
                }
            }
        } else if state == "commit" && e.write && !e.existed && exists(&e.target) {
            match fs::remove_file(&e.target) {
                Ok(()) => undone.removed.push(show(&e.target)),
                Err(err) => failed.push(format!("{}: could not remove it: {err}", show(&e.target))),
            }
        } else if state != "commit" && e.existed && exists(&e.bak) {
            let _ = fs::remove_file(&e.bak);
        }
        if exists(&e.tmp) {
            let _ = fs::remove_file(&e.tmp);
        }
    }
    for d in dirs {
        let _ = fsync_dir(&d);
    }
    if failed.is_empty() {
        Ok(undone)
    } else {
        Err(failed.join("; "))
    }
}

/// Recovers from an interrupted run whose journal is in `root`: a `prepare` journal only
/// leaves temps behind (removed); a `commit` journal may have replaced some targets, whose
/// originals are renamed back. Returns a line for the user, or None if there was nothing.
pub fn recover(root: &Path) -> Result<Option<String>, String> {
    let path = root.join(JOURNAL);
    let bytes = match fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("{}: {e}", show(&path))),
    };
    let (state, entries) = decode(&bytes).ok_or_else(|| {
        format!(
            "{}: an interrupted run's journal that cannot be read; check the files it \
             names and remove it",
            show(&path)
        )
    })?;
    let undone = roll_back(&state, &entries)
        .map_err(|e| format!("recovering the interrupted run in {}: {e}", show(&path)))?;
    fs::remove_file(&path).map_err(|e| format!("{}: {e}", show(&path)))?;
    let _ = fsync_dir(root);
    let what = undone.describe();
    Ok(Some(if what.is_empty() {
        "recovered an interrupted run: it had changed nothing; its temporary files are removed"
            .to_string()
    } else {
        format!("recovered an interrupted run: {what}")
    }))
}

/// Removes fluxport's leftover temp/backup files under `dir` (not following symlinks),
/// after [`recover`] found no journal naming them. Returns how many were removed.
pub fn clean_stale(dir: &Path) -> usize {
    let mut n = 0;
    let Ok(rd) = fs::read_dir(dir) else { return 0 };
    for e in rd.flatten() {
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() {
            if e.file_name() != ".git" {
                n += clean_stale(&e.path());
            }
        } else if ft.is_file() && is_internal(&e.file_name()) && fs::remove_file(e.path()).is_ok() {
            n += 1;
        }
    }
    n
}

/// Replaces one file atomically (temp in its directory, fsync, rename, fsync of the
/// directory): for the `--report` file, which is not part of the converted tree.
pub fn replace_file(target: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = dir_of(target);
    let tmp = sibling(target, ".fluxport-tmp-report-", 0);
    let res = (|| {
        let mut f = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        fs::rename(&tmp, target)?;
        fsync_dir(&dir)
    })();
    if res.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    res
}

/// An exclusive `flock` on the journal's directory, held for the whole run: a second
/// fluxport writing to the same tree would otherwise roll back the first one's journal
/// while it runs (and its clean-up would remove the first one's temps).
pub struct Lock(#[allow(dead_code)] File);

/// Locks `root` if it exists (None if it does not yet: [`commit`] locks it once created).
pub fn lock(root: &Path) -> Result<Option<Lock>, String> {
    use std::os::fd::AsRawFd;
    let f = match File::open(root) {
        Ok(f) if f.metadata().map(|m| m.is_dir()).unwrap_or(false) => f,
        _ => return Ok(None),
    };
    // SAFETY: flock on an fd this function owns; no memory is passed.
    if unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
        let err = io::Error::last_os_error();
        return Err(if err.kind() == io::ErrorKind::WouldBlock {
            format!(
                "another fluxport is writing to {}; nothing was changed",
                show(root)
            )
        } else {
            format!("{}: cannot lock it: {err}; nothing was changed", show(root))
        });
    }
    Ok(Some(Lock(f)))
}

/// Applies every op or none. `root` holds the journal (the output directory, or the
/// input directory for `--in-place`). On error, the message says what changed (nothing,
/// unless a restore itself failed, which names the files and where their originals are).
pub fn commit(root: &Path, ops: &[Op], held: &mut Option<Lock>) -> Result<(), String> {
    let nothing = "nothing was changed";
    if ops.is_empty() {
        return Ok(());
    }
    // 1. Check every target before touching anything.
    for op in ops {
        let t = op.target();
        match fs::symlink_metadata(t) {
            Ok(m) if !m.file_type().is_file() => {
                return Err(format!("{}: not a regular file; {nothing}", show(t)));
            }
            Ok(m) if m.permissions().readonly() => {
                return Err(format!("{}: the file is read-only; {nothing}", show(t)));
            }
            _ => {}
        }
    }
    let mut entries: Vec<Entry> = ops
        .iter()
        .enumerate()
        .map(|(i, op)| Entry {
            write: matches!(op, Op::Write { .. }),
            existed: exists(op.target()),
            target: op.target().to_path_buf(),
            tmp: sibling(op.target(), ".fluxport-tmp-", i),
            bak: sibling(op.target(), ".fluxport-bak-", i),
        })
        .collect();
    for e in &mut entries {
        if !e.existed {
            e.bak = PathBuf::new();
        }
    }
    // 2. Parent directories.
    let mut dirs = std::collections::BTreeSet::new();
    for e in &entries {
        let d = dir_of(&e.target);
        fs::create_dir_all(&d).map_err(|err| format!("{}: {err}; {nothing}", show(&d)))?;
        dirs.insert(d);
    }
    fs::create_dir_all(root).map_err(|err| format!("{}: {err}; {nothing}", show(root)))?;
    if held.is_none() {
        *held = lock(root)?;
    }
    // 3. The journal, before any temp exists, so a crash never leaves an unnamed temp.
    if let Err(err) = write_journal(root, "prepare", &entries) {
        let _ = fs::remove_file(root.join(JOURNAL));
        return Err(format!(
            "{}: cannot write fluxport's journal there: {err}; {nothing}",
            show(root)
        ));
    }
    let abort = |entries: &[Entry], msg: String| -> String {
        let _ = roll_back("prepare", entries);
        let _ = fs::remove_file(root.join(JOURNAL));
        let _ = fsync_dir(root);
        format!("{msg}; {nothing}")
    };
    // 4. Temps (fsynced) and 5. backups.
    for (e, op) in entries.iter().zip(ops) {
        if let Op::Write { bytes, .. } = op {
            let res = (|| -> io::Result<()> {
                let mut f = OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(&e.tmp)?;
                f.write_all(bytes)?;
                f.sync_all()
            })();
            if let Err(err) = res {
                return Err(abort(&entries, format!("{}: {err}", show(&e.target))));
            }
        }
        if e.existed {
            let res = fs::hard_link(&e.target, &e.bak).or_else(|_| {
                fs::copy(&e.target, &e.bak)?;
                File::open(&e.bak)?.sync_all()
            });
            if let Err(err) = res {
                return Err(abort(
                    &entries,
                    format!("{}: cannot keep a backup: {err}", show(&e.target)),
                ));
            }
        }
    }
    for d in &dirs {
        if let Err(err) = fsync_dir(d) {
            return Err(abort(&entries, format!("{}: {err}", show(d))));
        }
    }
    if let Err(err) = write_journal(root, "commit", &entries) {
        return Err(abort(
            &entries,
            format!("{}: {err}", show(&root.join(JOURNAL))),
        ));
    }
    // 6. Renames, then deletions.
    let order = entries
        .iter()
        .filter(|e| e.write)
        .chain(entries.iter().filter(|e| !e.write));
    for e in order {
        let res = if e.write {
            fs::rename(&e.tmp, &e.target)
        } else {
            fs::remove_file(&e.target)
        };
        if let Err(err) = res {
            let first = format!("{}: {err}", show(&e.target));
            return Err(match roll_back("commit", &entries) {
                Ok(_) => {
                    let _ = fs::remove_file(root.join(JOURNAL));
                    let _ = fsync_dir(root);
                    format!("{first}; every file already replaced was restored, {nothing}")
                }
                Err(failed) => format!(
                    "{first}; restoring the originals failed for: {failed}; the journal {} \
                     is kept, the next run retries the restore",
                    show(&root.join(JOURNAL))
                ),
            });
        }
    }
    for d in &dirs {
        let _ = fsync_dir(d);
    }
    // 7. The commit point, then the backups. Once the journal is gone the new tree is
    // the result, so the backups go even when the directory cannot be synced (an
    // injected EIO there used to leave every `.fluxport-bak-*` behind).
    fs::remove_file(root.join(JOURNAL)).map_err(|err| {
        format!(
            "{}: {err}; every file was written; remove the journal by hand",
            show(&root.join(JOURNAL))
        )
    })?;
    let synced = fsync_dir(root);
    for e in &entries {
        if e.existed {
            let _ = fs::remove_file(&e.bak);
        }
    }
    synced.map_err(|err| {
        format!(
            "{}: {err}; every file was written, but the directory could not be synced, so the change may not survive a power loss",
            show(root)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn journal_round_trip_keeps_raw_bytes() {
        let e = Entry {
            write: true,
            existed: true,
            target: PathBuf::from(OsString::from_vec(b"a/b\xff\nc.yaml".to_vec())),
            tmp: PathBuf::from("a/.fluxport-tmp-1-0"),
            bak: PathBuf::from("a/.fluxport-bak-1-0"),
        };
        let bytes = encode("commit", &[e]);
        let (state, got) = decode(&bytes).unwrap();
        assert_eq!(state, "commit");
        assert_eq!(got[0].target.as_os_str().as_bytes(), b"a/b\xff\nc.yaml");
        assert!(
            decode(&bytes[..bytes.len() - 3]).is_none(),
            "a cut journal is refused"
        );
    }

    #[test]
    fn internal_names() {
        assert!(is_internal(OsStr::new(".fluxport-tmp-12-3")));
        assert!(is_internal(OsStr::new(".fluxport-journal")));
        assert!(!is_internal(OsStr::new("fluxport-sources.yaml")));
    }
}
