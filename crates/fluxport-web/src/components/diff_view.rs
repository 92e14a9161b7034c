//! A file's changes as a unified or side-by-side line diff (hunks with 3 lines of
//! context, at most [`MAX_DIFF_ROWS`] rows). A view function: it has no state.

use crate::diff::{self, Block, Kind};
use yew::prelude::*;

/// Most diff lines rendered at once (the rest is summarised) to keep the DOM small.
const MAX_DIFF_ROWS: usize = 4000;

pub fn diff_view(before: &str, after: &str, split: bool) -> Html {
    let lines = diff::diff(before, after);
    let (add, del) = diff::stats(&lines);
    let blocks = diff::hunks(&lines, 3);
    let mut rows = Vec::new();
    let mut budget = MAX_DIFF_ROWS;
    let num = |n: Option<usize>| n.map(|n| n.to_string()).unwrap_or_default();
    'outer: for b in &blocks {
        match b {
            Block::Skipped(n) => rows.push(html! {
                <tr class="skip"><td colspan="4">{ format!("⋯ {n} unchanged line{}", if *n == 1 {""} else {"s"}) }</td></tr>
            }),
            Block::Lines(ls) if !split => {
                for l in ls {
                    if budget == 0 { break 'outer; }
                    budget -= 1;
                    let (cls, sign) = match l.kind { Kind::Same => ("same", " "), Kind::Del => ("del", "-"), Kind::Add => ("add", "+") };
                    rows.push(html! { <tr class={cls}><td class="ln">{num(l.old)}</td><td class="ln">{num(l.new)}</td><td class="sign">{sign}</td><td class="txt">{ l.text }</td></tr> });
                }
            }
            Block::Lines(ls) => {
                let mut i = 0;
                while i < ls.len() {
                    if budget == 0 { break 'outer; }
                    if ls[i].kind == Kind::Same {
                        let l = &ls[i];
                        budget -= 1;
                        rows.push(html! { <tr class="same"><td class="ln">{num(l.old)}</td><td class="txt">{l.text}</td><td class="ln">{num(l.new)}</td><td class="txt">{l.text}</td></tr> });
                        i += 1;
                        continue;
                    }
                    let dels: Vec<_> = ls[i..].iter().take_while(|l| l.kind == Kind::Del).collect();
                    i += dels.len();
                    let adds: Vec<_> = ls[i..].iter().take_while(|l| l.kind == Kind::Add).collect();
                    i += adds.len();
                    for k in 0..dels.len().max(adds.len()) {
                        budget = budget.saturating_sub(1);
                        let d = dels.get(k);
                        let a = adds.get(k);
                        rows.push(html! { <tr>
                            <td class={classes!("ln", d.map(|_| "del"))}>{ num(d.and_then(|l| l.old)) }</td>
                            <td class={classes!("txt", d.map(|_| "del"))}>{ d.map(|l| l.text).unwrap_or("") }</td>
                            <td class={classes!("ln", a.map(|_| "add"))}>{ num(a.and_then(|l| l.new)) }</td>
                            <td class={classes!("txt", a.map(|_| "add"))}>{ a.map(|l| l.text).unwrap_or("") }</td>
                        </tr> });
                    }
                }
            }
        }
    }
    let truncated = budget == 0;
    html! {
        <>
        <p class="diff-stats"><span class="plus">{ format!("+{add}") }</span>{" "}<span class="minus">{ format!("−{del}") }</span>
            if truncated { <span class="muted">{ format!(" — showing the first {MAX_DIFF_ROWS} lines; use Output or Download for the rest") }</span> }</p>
        <div class="table-wrap diff-scroll">
            <table class={classes!("diff", split.then_some("split"))} aria-label="Changes">{ for rows }</table>
        </div>
        </>
    }
}
