//! go-glob v1.0.0 ≡ the anchored regex of MAPPING.md §4.4 (translated pattern run with the
//! `regex` crate, which matches RE2 on these patterns).

use fluxport_core::image::filter::{glob_to_regex, go_glob, quote_meta};
use proptest::prelude::*;

/// Reference matcher written independently from the spec text of go-glob's `Glob`.
fn reference(pattern: &str, subj: &str) -> bool {
    if !pattern.contains('*') {
        return pattern == subj;
    }
    let parts: Vec<&str> = pattern.split('*').collect();
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !subj.starts_with(first) {
        return false;
    }
    let mut pos = first.len();
    for mid in &parts[1..parts.len() - 1] {
        match subj[pos..].find(mid) {
            Some(i) => pos += i + mid.len(),
            None => return false,
        }
    }
    subj.len() - pos >= last.len() && subj.ends_with(last)
}

fn alphabet() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("a"),
            Just("b"),
            Just("*"),
            Just("."),
            Just("-"),
            Just("["),
            Just("]"),
            Just("("),
            Just(")"),
            Just("+"),
            Just("?"),
            Just("^"),
            Just("$"),
            Just("|"),
            Just("{"),
            Just("}"),
            Just("\\"),
            Just("1"),
            Just(" "),
            Just("é"),
        ],
        0..8,
    )
    .prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4_000))]
    #[test]
    fn glob_regex_equivalence(pattern in alphabet(), subj in alphabet()) {
        let subj = subj.replace('*', "a");
        let re = regex::Regex::new(&glob_to_regex(&pattern)).unwrap();
        let want = reference(&pattern, &subj);
        prop_assert_eq!(go_glob(&pattern, &subj), want, "go_glob {:?} {:?}", pattern, subj);
        prop_assert_eq!(re.is_match(&subj), want, "regex {:?} {:?}", glob_to_regex(&pattern), subj);
    }

    #[test]
    fn subject_from_pattern_matches(pattern in alphabet(), fill in "[a-z.]{0,3}") {
        // Replace each `*` by some text: the subject must match.
        let subj = pattern.replace('*', &fill);
        let re = regex::Regex::new(&glob_to_regex(&pattern)).unwrap();
        prop_assert!(re.is_match(&subj));
        prop_assert!(go_glob(&pattern, &subj));
    }
}

#[test]
fn quote_meta_is_go_quote_meta() {
    assert_eq!(
        quote_meta(r"\.+*?()|[]{}^$"),
        r"\\\.\+\*\?\(\)\|\[\]\{\}\^\$"
    );
    assert_eq!(quote_meta("a-b/c#d~e&f"), "a-b/c#d~e&f");
}
