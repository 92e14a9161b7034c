//! Line diff (Myers, O((N+M)·D)) for the before/after view. Common prefix and suffix
//! are trimmed first, so a small edit in a big file costs little; if the remaining edit
//! distance is over [`MAX_EDIT_COST`] the middle is shown as one replaced block, which
//! keeps the time and memory bounded for any input.

use std::collections::HashMap;

/// Edit distance above which the diff gives up on finding a minimal script.
pub const MAX_EDIT_COST: usize = 4000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Same,
    Del,
    Add,
}

/// One line of a unified diff. Line numbers are 1-based.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line<'a> {
    pub kind: Kind,
    pub old: Option<usize>,
    pub new: Option<usize>,
    pub text: &'a str,
}

/// Splits text into lines without their terminators (a final newline adds no line).
pub fn lines(s: &str) -> Vec<&str> {
    s.lines().collect()
}

/// Full line diff of two texts.
pub fn diff<'a>(a: &'a str, b: &'a str) -> Vec<Line<'a>> {
    let (la, lb) = (lines(a), lines(b));
    // Intern lines so comparisons are integer compares.
    let mut ids: HashMap<&str, u32> = HashMap::new();
    let mut intern = |l: &'a str| {
        let n = ids.len() as u32;
        *ids.entry(l).or_insert(n)
    };
    let ia: Vec<u32> = la.iter().map(|l| intern(l)).collect();
    let ib: Vec<u32> = lb.iter().map(|l| intern(l)).collect();

    let mut pre = 0;
    while pre < ia.len() && pre < ib.len() && ia[pre] == ib[pre] {
        pre += 1;
    }
    let mut suf = 0;
    while suf < ia.len() - pre
        && suf < ib.len() - pre
        && ia[ia.len() - 1 - suf] == ib[ib.len() - 1 - suf]
    {
        suf += 1;
    }
    let ops = myers(&ia[pre..ia.len() - suf], &ib[pre..ib.len() - suf]);

    let mut out = Vec::with_capacity(la.len().max(lb.len()) + 8);
    let (mut i, mut j) = (0usize, 0usize);
    let mut push = |kind: Kind, i: &mut usize, j: &mut usize| match kind {
        Kind::Same => {
            out.push(Line {
                kind,
                old: Some(*i + 1),
                new: Some(*j + 1),
                text: la[*i],
            });
            *i += 1;
            *j += 1;
        }
        Kind::Del => {
            out.push(Line {
                kind,
                old: Some(*i + 1),
                new: None,
                text: la[*i],
            });
            *i += 1;
        }
        Kind::Add => {
            out.push(Line {
                kind,
                old: None,
                new: Some(*j + 1),
                text: lb[*j],
            });
            *j += 1;
        }
    };
    for _ in 0..pre {
        push(Kind::Same, &mut i, &mut j);
    }
    for k in ops {
        push(k, &mut i, &mut j);
    }
    for _ in 0..suf {
        push(Kind::Same, &mut i, &mut j);
    }
    out
}

/// Myers' greedy algorithm with a stored trace, bounded by [`MAX_EDIT_COST`].
fn myers(a: &[u32], b: &[u32]) -> Vec<Kind> {
    let (n, m) = (a.len() as isize, b.len() as isize);
    if n == 0 || m == 0 {
        let mut v = vec![Kind::Del; n as usize];
        v.extend(std::iter::repeat_n(Kind::Add, m as usize));
        return v;
    }
    let max = (n + m) as usize;
    let cap = max.min(MAX_EDIT_COST);
    let off = cap as isize + 1;
    let mut v = vec![0isize; 2 * cap + 3];
    let mut trace: Vec<Vec<isize>> = Vec::new();
    let mut found = None;
    'outer: for d in 0..=cap as isize {
        trace.push(v.clone());
        let mut k = -d;
        while k <= d {
            let idx = (k + off) as usize;
            let mut x = if k == -d || (k != d && v[idx - 1] < v[idx + 1]) {
                v[idx + 1]
            } else {
                v[idx - 1] + 1
            };
            let mut y = x - k;
            while x < n && y < m && a[x as usize] == b[y as usize] {
                x += 1;
                y += 1;
            }
            v[idx] = x;
            if x >= n && y >= m {
                found = Some(d);
                break 'outer;
            }
            k += 2;
        }
    }
    let Some(dend) = found else {
        // Too different: one replaced block.
        let mut v = vec![Kind::Del; n as usize];
        v.extend(std::iter::repeat_n(Kind::Add, m as usize));
        return v;
    };
    // Backtrack.
    let mut ops = Vec::with_capacity((n + m) as usize);
    let (mut x, mut y) = (n, m);
    for d in (1..=dend).rev() {
        let vd = &trace[d as usize];
        let k = x - y;
        let idx = |k: isize| (k + off) as usize;
        let prev_k = if k == -d || (k != d && vd[idx(k - 1)] < vd[idx(k + 1)]) {
            k + 1
        } else {
            k - 1
        };
        let prev_x = vd[idx(prev_k)];
        let prev_y = prev_x - prev_k;
        while x > prev_x && y > prev_y {
            ops.push(Kind::Same);
            x -= 1;
            y -= 1;
        }
        if x == prev_x {
            ops.push(Kind::Add);
            y -= 1;
        } else {
            ops.push(Kind::Del);
            x -= 1;
        }
    }
    while x > 0 && y > 0 {
        ops.push(Kind::Same);
        x -= 1;
        y -= 1;
    }
    ops.reverse();
    ops
}

/// A unified-diff hunk: a run of lines with changes and up to `context` lines around.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block<'a> {
    Lines(Vec<Line<'a>>),
    /// Unchanged lines not shown.
    Skipped(usize),
}

/// Groups a diff into shown blocks and skipped runs of unchanged lines.
pub fn hunks<'a>(lines: &[Line<'a>], context: usize) -> Vec<Block<'a>> {
    let n = lines.len();
    let mut show = vec![false; n];
    for (i, l) in lines.iter().enumerate() {
        if l.kind != Kind::Same {
            let lo = i.saturating_sub(context);
            let hi = (i + context + 1).min(n);
            show[lo..hi].iter_mut().for_each(|s| *s = true);
        }
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < n {
        let start = i;
        let s = show[i];
        while i < n && show[i] == s {
            i += 1;
        }
        if s {
            out.push(Block::Lines(lines[start..i].to_vec()));
        } else {
            out.push(Block::Skipped(i - start));
        }
    }
    out
}

/// Counts of added and removed lines.
pub fn stats(lines: &[Line<'_>]) -> (usize, usize) {
    let add = lines.iter().filter(|l| l.kind == Kind::Add).count();
    let del = lines.iter().filter(|l| l.kind == Kind::Del).count();
    (add, del)
}

/// Applies a diff (for tests): rebuilds old and new texts from it.
pub fn rebuild(lines: &[Line<'_>]) -> (Vec<String>, Vec<String>) {
    let old = lines
        .iter()
        .filter(|l| l.kind != Kind::Add)
        .map(|l| l.text.to_string())
        .collect();
    let new = lines
        .iter()
        .filter(|l| l.kind != Kind::Del)
        .map(|l| l.text.to_string())
        .collect();
    (old, new)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(a: &str, b: &str) -> Vec<Line<'static>> {
        let a: &'static str = Box::leak(a.to_string().into_boxed_str());
        let b: &'static str = Box::leak(b.to_string().into_boxed_str());
        let d = diff(a, b);
        let (o, n) = rebuild(&d);
        assert_eq!(o, lines(a));
        assert_eq!(n, lines(b));
        d
    }

    #[test]
    fn identical() {
        let d = check("a\nb\nc\n", "a\nb\nc\n");
        assert!(d.iter().all(|l| l.kind == Kind::Same));
        assert_eq!(hunks(&d, 3), vec![Block::Skipped(3)]);
    }

    #[test]
    fn minimal_edit() {
        let d = check("a\nb\nc\nd\n", "a\nx\nc\nd\ne\n");
        assert_eq!(stats(&d), (2, 1));
    }

    #[test]
    fn classic_myers_example() {
        let d = check("a\nb\nc\na\nb\nb\na", "c\nb\na\nb\na\nc");
        let (add, del) = stats(&d);
        assert_eq!(add + del, 5);
    }

    #[test]
    fn empty_sides() {
        assert_eq!(stats(&check("", "a\nb\n")), (2, 0));
        assert_eq!(stats(&check("a\nb\n", "")), (0, 2));
        assert!(check("", "").is_empty());
    }

    #[test]
    fn line_numbers() {
        let d = check("a\nb\n", "a\nc\n");
        assert_eq!(
            d[1],
            Line {
                kind: Kind::Del,
                old: Some(2),
                new: None,
                text: "b"
            }
        );
        assert_eq!(
            d[2],
            Line {
                kind: Kind::Add,
                old: None,
                new: Some(2),
                text: "c"
            }
        );
    }

    #[test]
    fn hunks_skip_context() {
        let a: String = (0..100).map(|i| format!("l{i}\n")).collect();
        let b = a.replace("l50\n", "X\n");
        let d = check(&a, &b);
        let h = hunks(&d, 3);
        assert_eq!(h.len(), 3);
        assert_eq!(h[0], Block::Skipped(47));
        assert!(matches!(&h[1], Block::Lines(l) if l.len() == 8));
        assert_eq!(h[2], Block::Skipped(46));
    }

    #[test]
    fn big_and_totally_different_is_bounded() {
        let a: String = (0..20_000).map(|i| format!("a{i}\n")).collect();
        let b: String = (0..20_000).map(|i| format!("b{i}\n")).collect();
        let t = std::time::Instant::now();
        let d = check(&a, &b);
        assert_eq!(stats(&d), (20_000, 20_000));
        assert!(t.elapsed().as_secs() < 10);
    }

    #[test]
    fn big_file_small_edit_is_fast() {
        let a: String = (0..200_000).map(|i| format!("line {i}\n")).collect();
        let b = a
            .replace("line 1000\n", "changed\n")
            .replace("line 150000\n", "");
        let t = std::time::Instant::now();
        let d = check(&a, &b);
        assert_eq!(stats(&d), (1, 2));
        assert!(t.elapsed().as_secs() < 5);
    }
}
