//! The zip reader of the web app (`fluxport-archive`) on arbitrary bytes, and on
//! archives written from arbitrary entries (zip-slip paths, absolute paths, repeated
//! bytes that compress well): never a panic; whatever it accepts has safe paths and
//! stays within the limits; what `write_zip` writes reads back the same.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use fluxport_archive::{check_path, read_zip, write_zip, Entry, Limits};
use libfuzzer_sys::fuzz_target;

const PATHS: &[&str] = &[
    "a.yaml",
    "apps/hr.yaml",
    "../evil.yaml",
    "a/../../evil",
    "/etc/passwd",
    "C:\\evil",
    "a\\..\\b",
    "dir/",
    "",
    "./x.yaml",
];

fn limits() -> Limits {
    Limits {
        max_entries: 64,
        max_entry_bytes: 1 << 20,
        max_total_bytes: 4 << 20,
        ..Limits::default()
    }
}

fn check_accepted(entries: &[Entry], l: &Limits) {
    assert!(entries.len() <= l.max_entries);
    let mut total = 0u64;
    for e in entries {
        assert!(
            check_path(&e.path).is_ok(),
            "accepted unsafe path {:?}",
            e.path
        );
        assert!(e.bytes.len() as u64 <= l.max_entry_bytes);
        total += e.bytes.len() as u64;
    }
    assert!(total <= l.max_total_bytes);
}

fuzz_target!(|data: &[u8]| {
    let l = limits();
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode % 2 == 0 {
        if let Ok(entries) = read_zip(rest, &l) {
            check_accepted(&entries, &l);
        }
        return;
    }
    let mut u = Unstructured::new(rest);
    let n = u.int_in_range(0..=6usize).unwrap_or(0);
    let mut entries = Vec::new();
    for _ in 0..n {
        let path = if u.ratio(1, 4).unwrap_or(false) {
            String::arbitrary(&mut u).unwrap_or_default()
        } else {
            u.choose(PATHS).map(|p| p.to_string()).unwrap_or_default()
        };
        let len = u.int_in_range(0..=300_000usize).unwrap_or(0);
        let byte = u.arbitrary::<u8>().unwrap_or(b'a');
        entries.push(Entry {
            path,
            bytes: vec![byte; len],
        });
    }
    if let Ok(zip) = write_zip(&entries) {
        if let Ok(back) = read_zip(&zip, &l) {
            check_accepted(&back, &l);
        }
    }
});
