//! Inferred tag orders (docs/image-tag-order.md): for generated tag lists of each
//! shape, the inferred policy, applied the way image-reflector-controller applies it
//! (filter by `filterTags.pattern`, `extract` the named group, order:
//! `internal/policy/filter.go`, `numerical.go`, `alphabetical.go`), picks the tag whose
//! encoded time (or number, or version) is the greatest. The `regex` crate stands in for
//! Go RE2 (same syntax for `(?P<name>...)`, classes and counted repetition).

use fluxport_core::image::filter::{go_glob, Filter};
use fluxport_core::image::tag_order::{infer, select, Inferred, Order, Outcome, Reason};
use proptest::prelude::*;

/// Days since 1970-01-01 → (y, m, d) (proleptic Gregorian).
fn civil(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn ymd_hms(t: i64) -> (String, String) {
    let (y, m, d) = civil(t.div_euclid(86_400));
    let s = t.rem_euclid(86_400);
    (
        format!("{y:04}{m:02}{d:02}"),
        format!("{:02}{:02}{:02}", s / 3600, s / 60 % 60, s % 60),
    )
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Ts14,
    DateTime,
    DateTimeSecs,
    Unix10,
    Build,
    Semver,
}

/// (v1 filter, tag for the encoded value `v` with SHA `sha`).
fn shape(kind: Kind, v: i64, sha: &str) -> (&'static str, String) {
    let (date, time) = ymd_hms(v);
    match kind {
        Kind::Ts14 => ("glob:prod-*", format!("prod-{sha}-{date}{time}")),
        Kind::DateTime => ("glob:main-*", format!("main-{date}-{}", &time[..4])),
        Kind::DateTimeSecs => ("regex:^main-.*$", format!("main-{date}-{time}")),
        Kind::Unix10 => ("glob:master-*", format!("master-{v}")),
        Kind::Build => ("glob:Release-*", format!("Release-{}", v % 100_000)),
        Kind::Semver => ("glob:2.*", format!("2.{}.{}", v / 1_000 % 1_000, v % 1_000)),
    }
}

/// The sort key of the encoded value, in the resolution the shape keeps.
fn key(kind: Kind, v: i64) -> i64 {
    match kind {
        Kind::DateTime => v / 60,
        Kind::Build => v % 100_000,
        Kind::Semver => (v / 1_000 % 1_000) * 1_000 + v % 1_000,
        _ => v,
    }
}

fn extracting(inf: &Inferred) -> impl Fn(&str) -> Option<String> + '_ {
    let re = regex::Regex::new(&inf.pattern).expect("inferred pattern compiles");
    move |t: &str| {
        re.captures(t)
            .and_then(|c| c.name(inf.group).map(|m| m.as_str().to_string()))
    }
}

fn kinds() -> impl Strategy<Value = Kind> {
    prop_oneof![
        Just(Kind::Ts14),
        Just(Kind::DateTime),
        Just(Kind::DateTimeSecs),
        Just(Kind::Unix10),
        Just(Kind::Build),
        Just(Kind::Semver),
    ]
}

/// yyyymmddHH with a year 1970–2099, month 1–12, day 1–31 and hour 0–23.
fn reads_as_date_hour(s: &str) -> bool {
    let n = |a: usize, b: usize| s[a..b].parse::<u32>().unwrap_or(u32::MAX);
    s.len() == 10
        && s.bytes().all(|b| b.is_ascii_digit())
        && (1970..=2099).contains(&n(0, 4))
        && (1..=12).contains(&n(4, 6))
        && (1..=31).contains(&n(6, 8))
        && n(8, 10) < 24
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn inferred_policy_picks_the_newest(
        kind in kinds(),
        // 2001-09-09 .. 2038-01-19: 10-digit Unix times, 4-digit years
        values in prop::collection::vec(1_000_000_000i64..2_147_483_647, 1..20),
        current in any::<prop::sample::Index>(),
        shas in prop::collection::vec("[0-9a-f]{6}[a-f]", 20),
    ) {
        let tags: Vec<(String, i64)> = values
            .iter()
            .zip(&shas)
            .map(|(v, sha)| (shape(kind, *v, sha).1, key(kind, *v)))
            .collect();
        let (filter, _) = shape(kind, values[0], &shas[0]);
        let filter = Filter::parse(filter);
        let cur = &tags[current.index(tags.len())].0;
        // A 10-digit value that also reads as yyyymmddHH (2072021500: 2072-02-15, 00 h)
        // must stay suspended (issue 18: "a group that could be read two ways").
        if kind == Kind::Unix10 && reads_as_date_hour(&cur["master-".len()..]) {
            let out = infer(&filter, Some(cur));
            prop_assert!(
                matches!(out, Outcome::Suspended { reason: Reason::TwoReadings, .. }),
                "{cur}: two readings, yet {out:?}"
            );
            return Ok(());
        }
        let Outcome::Inferred(inf) = infer(&filter, Some(cur)) else {
            return Err(TestCaseError::fail(format!("{cur}: not inferred")));
        };
        // Tags of other shapes in the same repository must not be candidates.
        let mut all: Vec<String> = tags.iter().map(|t| t.0.clone()).collect();
        all.extend(["latest", "prod-1a2b3c4", "main", "Release-x1", "2.1.0-rc.1", "stg-20240101120000"].map(String::from));
        let ex = extracting(&inf);
        for t in &all {
            if ex(t).is_some() {
                // the narrowed pattern accepts only what the v1 filter accepts
                let glob = fluxport_core::image::tag_order::glob_of(&filter).unwrap();
                prop_assert!(go_glob(&glob, t), "{} accepts {t}, v1 filter does not", inf.pattern);
                if inf.order == Order::Numerical {
                    prop_assert!(ex(t).unwrap().parse::<f64>().is_ok());
                }
            }
        }
        prop_assert!(ex(cur).is_some(), "{} rejects the current tag {cur}", inf.pattern);
        let picked = select(&inf, &all, &ex).expect("some tag selected");
        let best = tags.iter().map(|t| t.1).max().unwrap();
        let picked_key = tags.iter().find(|t| t.0 == picked).map(|t| t.1);
        prop_assert_eq!(picked_key, Some(best), "picked {} for {:?}", picked, tags);
    }
}

/// The planted defect: ordering build numbers alphabetically (or by an unpadded
/// `[0-9]+` group) picks `Release-9` over `Release-10`; the inferred numerical order
/// does not. The property above would catch a wrong order choice.
#[test]
fn numerical_order_matters_for_build_numbers() {
    let Outcome::Inferred(inf) = infer(&Filter::parse("glob:Release-*"), Some("Release-9")) else {
        panic!("not inferred")
    };
    let tags = vec!["Release-9".to_string(), "Release-10".to_string()];
    let ex = extracting(&inf);
    assert_eq!(select(&inf, &tags, &ex), Some("Release-10"));
    let wrong = Inferred {
        order: Order::Alphabetical,
        ..inf.clone()
    };
    assert_eq!(select(&wrong, &tags, &ex), Some("Release-9"));
}

/// A 10-digit Unix time of a different width (a 9-digit one from 2001) is no candidate:
/// the group is fixed-width, so numerical and alphabetical agree on every candidate.
#[test]
fn fixed_width_groups() {
    let Outcome::Inferred(inf) = infer(&Filter::parse("glob:master-*"), Some("master-1700000000"))
    else {
        panic!("not inferred")
    };
    let ex = extracting(&inf);
    assert!(ex("master-999999999").is_none());
    assert!(ex("master-17000000001").is_none());
    assert!(ex("master-1700000001").is_some());
}
