//! Scalars as Kubernetes reads them (YAML 1.1 rules): [`plain_type`] and [`to_json`].

use super::*;

/// The JSON value Kubernetes would read (YAML 1.1 scalar rules; aliases become null,
/// since they are never expanded; non-string keys become their text). Iterative, so
/// a deep tree cannot overflow the stack (wasm's is 1 MiB).
pub fn to_json(node: &Node) -> serde_json::Value {
    use serde_json::Value as J;
    enum Work<'a> {
        Visit(&'a Node),
        Map(&'a [Entry]),
        Seq(usize),
    }
    let mut work = vec![Work::Visit(node)];
    let mut done: Vec<J> = Vec::new();
    while let Some(w) = work.pop() {
        match w {
            Work::Visit(n) => match &n.value {
                Value::Map { entries, .. } => {
                    work.push(Work::Map(entries));
                    work.extend(entries.iter().rev().map(|e| Work::Visit(&e.value)));
                }
                Value::Seq { items, .. } => {
                    work.push(Work::Seq(items.len()));
                    work.extend(items.iter().rev().map(Work::Visit));
                }
                _ => done.push(scalar_json(n)),
            },
            Work::Map(entries) => {
                let values = done.split_off(done.len() - entries.len());
                done.push(J::Object(
                    entries
                        .iter()
                        .zip(values)
                        .map(|(e, v)| (e.key.as_str().unwrap_or("").to_string(), v))
                        .collect(),
                ));
            }
            Work::Seq(len) => {
                let values = done.split_off(done.len() - len);
                done.push(J::Array(values));
            }
        }
    }
    done.pop().unwrap_or(J::Null)
}

fn scalar_json(node: &Node) -> serde_json::Value {
    use serde_json::Value as J;
    let Some(text) = node.as_str() else {
        return J::Null;
    };
    let Some(plain) = node.plain_text() else {
        return J::String(text.to_string());
    };
    match plain_type(plain) {
        PlainType::Null => J::Null,
        PlainType::Bool(b) => J::Bool(b),
        PlainType::Int => parse_int(plain)
            .map(J::from)
            .unwrap_or_else(|| J::String(plain.to_string())),
        PlainType::Float => plain
            .replace('_', "")
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(J::Number)
            .unwrap_or_else(|| J::String(plain.to_string())),
        PlainType::Str => J::String(plain.to_string()),
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PlainType {
    Null,
    Bool(bool),
    Int,
    Float,
    Str,
}

/// Resolves a plain scalar the way Kubernetes' YAML reader (go-yaml, YAML 1.1 rules)
/// does, which is the most conservative choice for deciding when to quote.
pub fn plain_type(s: &str) -> PlainType {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return PlainType::Null,
        "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "y" | "Y" => {
            return PlainType::Bool(true)
        }
        "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "n" | "N" => {
            return PlainType::Bool(false)
        }
        _ => {}
    }
    if parse_int(s).is_some() {
        return PlainType::Int;
    }
    if is_float(s) {
        return PlainType::Float;
    }
    PlainType::Str
}

pub(super) fn parse_int(s: &str) -> Option<i64> {
    if !s.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '+') {
        return None;
    }
    let t = if s.contains('_') {
        std::borrow::Cow::Owned(s.replace('_', ""))
    } else {
        std::borrow::Cow::Borrowed(s)
    };
    let (neg, body) = match t.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, t.strip_prefix('+').unwrap_or(&t)),
    };
    if body.is_empty() {
        return None;
    }
    let v = if let Some(h) = body.strip_prefix("0x") {
        i64::from_str_radix(h, 16).ok()?
    } else if let Some(o) = body.strip_prefix("0o") {
        i64::from_str_radix(o, 8).ok()?
    } else if let Some(b) = body.strip_prefix("0b") {
        i64::from_str_radix(b, 2).ok()?
    } else if body.bytes().all(|c| c.is_ascii_digit()) {
        body.parse().ok()?
    } else {
        return None;
    };
    Some(if neg { -v } else { v })
}

fn is_float(s: &str) -> bool {
    if [".inf", "+.inf", "-.inf", ".nan"]
        .iter()
        .any(|x| s.eq_ignore_ascii_case(x))
    {
        return true;
    }
    let b = s.strip_prefix(['-', '+']).unwrap_or(s);
    let mut digits = 0;
    let mut dot = 0;
    let mut exp = false;
    let mut prev_e = false;
    for c in b.chars() {
        match c {
            '0'..='9' | '_' => {
                digits += 1;
                prev_e = false;
            }
            '.' if !exp => dot += 1,
            'e' | 'E' if !exp && digits > 0 => {
                exp = true;
                prev_e = true;
            }
            '+' | '-' if prev_e => prev_e = false,
            _ => return false,
        }
    }
    digits > 0 && dot <= 1 && !prev_e && (dot == 1 || exp)
}
