//! Native helper for the e2e suite: computes with the real core exactly what the web app
//! must show, so the browser test stays exact while the core evolves.
//!
//! `native-convert paste < file.yaml`  prints the paste-mode output pane text.
//! `native-convert report < file.yaml` prints the report JSON (with its pre-flight) of that paste.
//! `native-convert dir DIR`            prints JSON `[{path, status, text}]` of the
//!                                     conversion of every file under DIR (paths relative to DIR).
//! `native-convert dir-report DIR`     prints the report JSON (with its pre-flight) of that
//!                                     conversion.

use fluxport_core::{convert, InputFile, Options};
use fluxport_web::output::{convert_paste, paste_output};
use std::io::{Read, Write};
use std::path::Path;

fn walk(root: &Path, dir: &Path, out: &mut Vec<InputFile>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("read dir")
        .flatten()
        .collect();
    entries.sort_by_key(|e| e.path());
    for e in entries {
        let p = e.path();
        if p.is_dir() {
            walk(root, &p, out);
        } else {
            let rel = p
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            out.push(InputFile::new(rel, std::fs::read(&p).expect("read file")));
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let options = Options::default();
    match args.first().map(String::as_str) {
        Some("paste") => {
            let mut s = String::new();
            std::io::stdin().read_to_string(&mut s).expect("stdin");
            let c = convert_paste(&s, &options);
            std::io::stdout()
                .write_all(paste_output(&c).as_bytes())
                .unwrap();
        }
        Some("report") => {
            let mut s = String::new();
            std::io::stdin().read_to_string(&mut s).expect("stdin");
            let c = convert_paste(&s, &options);
            println!("{}", c.report_json());
        }
        Some("dir") => {
            let root = Path::new(args.get(1).expect("dir"));
            let mut inputs = Vec::new();
            walk(root, root, &mut inputs);
            let c = convert(&inputs, &options);
            let v: Vec<_> = c
                .files
                .iter()
                .map(|f| serde_json::json!({"path": f.path, "status": f.status, "text": f.text()}))
                .collect();
            println!("{}", serde_json::to_string(&v).unwrap());
        }
        Some("dir-report") => {
            let root = Path::new(args.get(1).expect("dir"));
            let mut inputs = Vec::new();
            walk(root, root, &mut inputs);
            println!("{}", convert(&inputs, &options).report_json());
        }
        _ => {
            eprintln!("usage: native-convert paste < file | native-convert dir DIR");
            std::process::exit(2);
        }
    }
}
