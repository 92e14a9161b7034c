//! wasm-bindgen tests, run in headless Chromium (scripts/test-web).
#![cfg(target_arch = "wasm32")]

use fluxport_archive::{read_zip, write_zip, Entry, Limits};
use fluxport_core::{convert, FileStatus, InputFile, Options};
use fluxport_web::bindings::convert_yaml;
use fluxport_web::output::{convert_paste, paste_output, zip_entries, PASTE_PATH};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const HR: &str = "apiVersion: helm.fluxcd.io/v1\nkind: HelmRelease\nmetadata:\n  name: podinfo\n  namespace: demo\nspec:\n  chart:\n    repository: https://stefanprodan.github.io/podinfo\n    name: podinfo\n    version: 5.0.3\n";

#[wasm_bindgen_test]
fn zip_round_trip_in_wasm() {
    let entries = vec![
        Entry {
            path: "clusters/prod/podinfo.yaml".into(),
            bytes: HR.as_bytes().to_vec(),
        },
        Entry {
            path: "README.md".into(),
            bytes: b"# hi\n".to_vec(),
        },
    ];
    let z = write_zip(&entries).unwrap();
    assert_eq!(read_zip(&z, &Limits::default()).unwrap(), entries);
    // And the download path: conversion -> zip -> read back.
    let inputs: Vec<InputFile> = entries
        .iter()
        .map(|e| InputFile::new(e.path.clone(), e.bytes.clone()))
        .collect();
    let conv = convert(&inputs, &Options::default());
    let out = zip_entries(&conv);
    let back = read_zip(&write_zip(&out).unwrap(), &Limits::default()).unwrap();
    assert_eq!(back, out);
    assert!(back
        .iter()
        .all(|e| conv.file(&e.path).map(|f| f.status) != Some(FileStatus::Deleted)));
}

#[wasm_bindgen_test]
fn zip_slip_rejected_in_wasm() {
    // Hand-made stored zip with the entry name "../x" (the safe writer refuses it).
    let name = b"../x";
    let data = b"hi";
    let crc = 0xd8932aac_u32; // crc32("hi")
    let mut z = Vec::new();
    let local = |z: &mut Vec<u8>| {
        z.extend_from_slice(&0x04034b50u32.to_le_bytes());
        z.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        z.extend_from_slice(&crc.to_le_bytes());
        z.extend_from_slice(&(data.len() as u32).to_le_bytes());
        z.extend_from_slice(&(data.len() as u32).to_le_bytes());
        z.extend_from_slice(&(name.len() as u16).to_le_bytes());
        z.extend_from_slice(&0u16.to_le_bytes());
        z.extend_from_slice(name);
        z.extend_from_slice(data);
    };
    local(&mut z);
    let cd_start = z.len() as u32;
    z.extend_from_slice(&0x02014b50u32.to_le_bytes());
    z.extend_from_slice(&[20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    z.extend_from_slice(&crc.to_le_bytes());
    z.extend_from_slice(&(data.len() as u32).to_le_bytes());
    z.extend_from_slice(&(data.len() as u32).to_le_bytes());
    z.extend_from_slice(&(name.len() as u16).to_le_bytes());
    z.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    z.extend_from_slice(name);
    let cd_len = z.len() as u32 - cd_start;
    z.extend_from_slice(&0x06054b50u32.to_le_bytes());
    z.extend_from_slice(&[0, 0, 0, 0, 1, 0, 1, 0]);
    z.extend_from_slice(&cd_len.to_le_bytes());
    z.extend_from_slice(&cd_start.to_le_bytes());
    z.extend_from_slice(&0u16.to_le_bytes());
    let err = read_zip(&z, &Limits::default()).unwrap_err().to_string();
    assert!(
        err.contains("\"../x\"") && err.contains("unsafe path"),
        "{err}"
    );
}

#[wasm_bindgen_test]
fn convert_binding_matches_core() {
    let json = convert_yaml(HR, "").map_err(|_| "binding failed").unwrap();
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let c = convert_paste(HR, &Options::default());
    assert_eq!(v["output"].as_str().unwrap(), paste_output(&c));
    assert_eq!(v["report"]["files"][0]["path"], PASTE_PATH);
    // Options are taken from JSON; bad JSON is an error, not a panic.
    assert!(convert_yaml(HR, r#"{"mode":"idiomatic","default_helm_version":"v3"}"#).is_ok());
    assert!(convert_yaml(HR, "{not json").is_err());
}

#[wasm_bindgen_test]
fn invalid_yaml_reports_line() {
    let c = convert_paste("a: 1\nb: [\nc: 2\n", &Options::default());
    let f = c
        .report
        .findings
        .iter()
        .find(|f| f.code.as_str() == "YAML_PARSE_ERROR")
        .expect("parse error finding");
    assert!(f.line >= 2 && f.line <= 3, "line {}", f.line);
}
