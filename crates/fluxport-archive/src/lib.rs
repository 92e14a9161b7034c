//! Safe `.zip` reading and writing for fluxport.
//!
//! Pure Rust, no wasm and no file system: the web app calls it from wasm, and it can be
//! tested and fuzzed natively. Reading rejects zip-slip paths and zip bombs before any
//! large allocation; every error names the offending entry.

use std::fmt;
use std::io::{Cursor, Read, Write};

/// Safety limits for reading archives.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Most entries (files and directories) in one archive.
    pub max_entries: usize,
    /// Largest uncompressed size of one entry.
    pub max_entry_bytes: u64,
    /// Largest total uncompressed size.
    pub max_total_bytes: u64,
    /// Highest uncompressed:compressed ratio of one entry.
    pub max_ratio: u64,
    /// Entries smaller than this are exempt from the ratio check: a tiny file of
    /// repeated bytes compresses well but cannot be a bomb (the total limit still applies).
    pub ratio_exempt_below: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_entries: 20_000,
            max_entry_bytes: 64 << 20,
            max_total_bytes: 512 << 20,
            max_ratio: 200,
            ratio_exempt_below: 64 << 10,
        }
    }
}

/// One file read from or written to an archive. `path` is relative and `/`-separated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub path: String,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// Not a zip archive at all (no zip directory found), or one too damaged to open.
    NotZip,
    /// A zip archive with an unreadable part.
    Corrupt(String),
    /// Unsafe entry path (zip-slip): `entry` is the first, `more_unsafe` counts the
    /// others; nothing is read, not even the `safe` entries (files).
    UnsafePath {
        entry: String,
        reason: &'static str,
        more_unsafe: usize,
        safe: usize,
    },
    TooManyEntries {
        count: usize,
        max: usize,
    },
    EntryTooLarge {
        entry: String,
        size: u64,
        max: u64,
    },
    TotalTooLarge {
        entry: String,
        total: u64,
        max: u64,
    },
    RatioTooHigh {
        entry: String,
        size: u64,
        compressed: u64,
        max: u64,
    },
    /// Writing failed (or an entry path given to the writer is unsafe).
    Write(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NotZip => write!(
                f,
                "this is not a zip file, or it is damaged: it has no zip directory to read"
            ),
            Error::Corrupt(m) => write!(f, "not a valid zip archive: {m}"),
            Error::UnsafePath {
                entry,
                reason,
                more_unsafe,
                safe,
            } => {
                write!(f, "zip entry \"{entry}\" rejected: unsafe path ({reason})")?;
                if *more_unsafe > 0 {
                    write!(f, ", and {more_unsafe} more unsafe entries")?;
                }
                write!(
                    f,
                    "; nothing from this zip was loaded, not even its {safe} safe {}",
                    if *safe == 1 { "entry" } else { "entries" }
                )
            }
            Error::TooManyEntries { count, max } => {
                write!(f, "zip archive rejected: {count} entries, more than the limit of {max}")
            }
            Error::EntryTooLarge { entry, size, max } => write!(
                f,
                "zip entry \"{entry}\" rejected: {size} bytes uncompressed, over the {} MiB per-entry limit",
                max >> 20
            ),
            Error::TotalTooLarge { entry, total, max } => write!(
                f,
                "zip entry \"{entry}\" rejected: archive total reaches {total} bytes uncompressed, over the {} MiB limit",
                max >> 20
            ),
            Error::RatioTooHigh { entry, size, compressed, max } => write!(
                f,
                "zip entry \"{entry}\" rejected: compression ratio {}:1 ({size} bytes from {compressed}) is over {max}:1 (possible zip bomb)",
                size / (*compressed).max(1)
            ),
            Error::Write(m) => write!(f, "cannot write zip: {m}"),
        }
    }
}

impl std::error::Error for Error {}

/// Checks an entry name for zip-slip. Returns the reason it is unsafe.
pub fn check_path(name: &str) -> Result<(), &'static str> {
    if name.is_empty() {
        return Err("empty name");
    }
    if name.contains('\\') {
        return Err("backslash in path");
    }
    if name.contains('\0') {
        return Err("NUL byte in path");
    }
    if name.starts_with('/') {
        return Err("absolute path");
    }
    let b = name.as_bytes();
    if b.len() >= 2 && b[1] == b':' && b[0].is_ascii_alphabetic() {
        return Err("drive letter");
    }
    if name.split('/').any(|c| c == "..") {
        return Err("\"..\" component");
    }
    Ok(())
}

/// Reads every file of a zip archive (directories are skipped, as are macOS
/// `__MACOSX/` resource forks). Checks all limits from the central directory before
/// decompressing anything, and again while decompressing (headers can lie).
pub fn read_zip(data: &[u8], limits: &Limits) -> Result<Vec<Entry>, Error> {
    read(data, limits, false).map(|(entries, _)| entries)
}

/// The entries [`read_zip_skipping_unsafe`] left out: each path, and why.
pub type Skipped = Vec<(String, &'static str)>;

/// Like [`read_zip`], but leaves out the entries with an unsafe path instead of
/// rejecting the archive (what a user asks for after [`Error::UnsafePath`]: "load the
/// N safe entries"); returns the safe entries and each one left out, with why. Every
/// other limit still rejects the whole archive.
pub fn read_zip_skipping_unsafe(
    data: &[u8],
    limits: &Limits,
) -> Result<(Vec<Entry>, Skipped), Error> {
    read(data, limits, true)
}

fn read(data: &[u8], limits: &Limits, skip_unsafe: bool) -> Result<(Vec<Entry>, Skipped), Error> {
    let mut archive = zip::ZipArchive::new(Cursor::new(data)).map_err(|_| Error::NotZip)?;
    let count = archive.len();
    if count > limits.max_entries {
        return Err(Error::TooManyEntries {
            count,
            max: limits.max_entries,
        });
    }
    // Pass 1: names and declared sizes.
    let mut total: u64 = 0;
    let mut wanted = Vec::new();
    // The first unsafe entry and how many more: each is named before anything is read.
    let mut unsafe_entries: Option<(String, &'static str, usize)> = None;
    let mut skipped = Vec::new();
    for i in 0..count {
        let f = archive
            .by_index_raw(i)
            .map_err(|e| Error::Corrupt(e.to_string()))?;
        let name = String::from_utf8_lossy(f.name_raw()).into_owned();
        if let Err(reason) = check_path(&name) {
            if skip_unsafe {
                skipped.push((name, reason));
                continue;
            }
            match &mut unsafe_entries {
                Some((_, _, more)) => *more += 1,
                None => unsafe_entries = Some((name, reason, 0)),
            }
            continue;
        }
        if f.is_dir() || name.ends_with('/') {
            continue;
        }
        check_sizes(&name, f.size(), f.compressed_size(), &mut total, limits)?;
        if name.starts_with("__MACOSX/") {
            continue;
        }
        wanted.push((i, name));
    }
    if let Some((entry, reason, more_unsafe)) = unsafe_entries {
        return Err(Error::UnsafePath {
            entry,
            reason,
            more_unsafe,
            safe: wanted.len(),
        });
    }
    // Pass 2: decompress with hard caps.
    let mut out = Vec::with_capacity(wanted.len());
    let mut total: u64 = 0;
    for (i, name) in wanted {
        let f = archive
            .by_index(i)
            .map_err(|e| Error::Corrupt(format!("{name}: {e}")))?;
        let compressed = f.compressed_size();
        let mut bytes = Vec::with_capacity(f.size().min(limits.max_entry_bytes) as usize);
        f.take(limits.max_entry_bytes + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| Error::Corrupt(format!("{name}: {e}")))?;
        check_sizes(&name, bytes.len() as u64, compressed, &mut total, limits)?;
        out.push(Entry { path: name, bytes });
    }
    Ok((out, skipped))
}

fn check_sizes(
    name: &str,
    size: u64,
    compressed: u64,
    total: &mut u64,
    l: &Limits,
) -> Result<(), Error> {
    if size > l.max_entry_bytes {
        return Err(Error::EntryTooLarge {
            entry: name.into(),
            size,
            max: l.max_entry_bytes,
        });
    }
    *total = total.saturating_add(size);
    if *total > l.max_total_bytes {
        return Err(Error::TotalTooLarge {
            entry: name.into(),
            total: *total,
            max: l.max_total_bytes,
        });
    }
    if size >= l.ratio_exempt_below && size / compressed.max(1) > l.max_ratio {
        return Err(Error::RatioTooHigh {
            entry: name.into(),
            size,
            compressed,
            max: l.max_ratio,
        });
    }
    Ok(())
}

/// Writes entries (in the given order) into a deflate-compressed zip archive.
/// Timestamps are fixed (1980-01-01) so the output is reproducible.
pub fn write_zip(entries: &[Entry]) -> Result<Vec<u8>, Error> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .unix_permissions(0o644);
    for e in entries {
        check_path(&e.path).map_err(|reason| {
            Error::Write(format!("entry \"{}\": unsafe path ({reason})", e.path))
        })?;
        w.start_file(e.path.as_str(), opts)
            .map_err(|err| Error::Write(format!("{}: {err}", e.path)))?;
        w.write_all(&e.bytes)
            .map_err(|err| Error::Write(format!("{}: {err}", e.path)))?;
    }
    let cursor = w.finish().map_err(|e| Error::Write(e.to_string()))?;
    Ok(cursor.into_inner())
}

#[cfg(test)]
mod tests;
