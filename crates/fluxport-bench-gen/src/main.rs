//! `fluxport-bench-gen [--scale N] [--seed S] [--out DIR | --paste BYTES]`
//! Writes the synthetic repository to DIR (default: prints the total size only), or
//! prints a single multi-document stream of about BYTES to stdout.

use fluxport_bench_gen::{concatenated, generate, DEFAULT_SEED};

fn main() {
    let mut scale = 1usize;
    let mut seed = DEFAULT_SEED;
    let mut out: Option<String> = None;
    let mut paste: Option<usize> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || {
            args.next()
                .unwrap_or_else(|| die(&format!("{a} needs a value")))
        };
        match a.as_str() {
            "--scale" => scale = val().parse().unwrap_or_else(|_| die("bad --scale")),
            "--seed" => seed = val().parse().unwrap_or_else(|_| die("bad --seed")),
            "--out" => out = Some(val()),
            "--paste" => paste = Some(val().parse().unwrap_or_else(|_| die("bad --paste"))),
            "-h" | "--help" => {
                println!("fluxport-bench-gen [--scale N] [--seed S] [--out DIR | --paste BYTES]");
                return;
            }
            _ => die(&format!("unknown argument {a}")),
        }
    }
    let files = generate(scale, seed);
    if let Some(n) = paste {
        print!("{}", concatenated(&files, n));
        return;
    }
    let total: usize = files.iter().map(|(_, t)| t.len()).sum();
    if let Some(dir) = out {
        let root = std::path::Path::new(&dir);
        for (p, t) in &files {
            let path = root.join(p);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).unwrap_or_else(|e| die(&e.to_string()));
            }
            std::fs::write(&path, t).unwrap_or_else(|e| die(&e.to_string()));
        }
        eprintln!("wrote {} files, {} bytes to {dir}", files.len(), total);
    } else {
        println!(
            "{} files, {} bytes (use --out DIR to write them)",
            files.len(),
            total
        );
    }
}

fn die(msg: &str) -> ! {
    eprintln!("fluxport-bench-gen: {msg}");
    std::process::exit(2)
}
