//! The include graph (resources, bases, components naming kustomization
//! directories): a post-order to build in, and the cycles.

use super::{Kustomization, Resolved};
use std::collections::HashMap;

fn edges(kusts: &[Kustomization<'_>], by_dir: &HashMap<String, usize>, k: usize) -> Vec<usize> {
    kusts[k]
        .resources
        .iter()
        .chain(kusts[k].components.iter())
        .filter_map(|e| match &e.resolved {
            Resolved::Dir(d) => by_dir.get(d).copied(),
            _ => None,
        })
        .collect()
}

/// Every kustomization in post-order (included ones before those that include
/// them), and each back edge (from, to) with its cycle written as directories.
/// Iterative: a chain of any length cannot overflow the stack. O(nodes + edges).
pub(crate) fn post_order(
    kusts: &[Kustomization<'_>],
    by_dir: &HashMap<String, usize>,
) -> (Vec<usize>, HashMap<(usize, usize), String>) {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Closed,
    }
    let mut mark = vec![Mark::New; kusts.len()];
    let mut order = Vec::with_capacity(kusts.len());
    let mut cycles = HashMap::new();
    for start in 0..kusts.len() {
        if mark[start] != Mark::New {
            continue;
        }
        // (node, its edges, next edge)
        let mut stack: Vec<(usize, Vec<usize>, usize)> =
            vec![(start, edges(kusts, by_dir, start), 0)];
        mark[start] = Mark::Open;
        while let Some((node, out, next)) = stack.last_mut() {
            let node = *node;
            if let Some(&to) = out.get(*next) {
                *next += 1;
                match mark[to] {
                    Mark::New => {
                        mark[to] = Mark::Open;
                        let e = edges(kusts, by_dir, to);
                        stack.push((to, e, 0));
                    }
                    Mark::Open => {
                        let pos = stack.iter().position(|(n, _, _)| *n == to).unwrap_or(0);
                        let mut chain: Vec<&str> = stack[pos..]
                            .iter()
                            .map(|(n, _, _)| kusts[*n].dir.as_str())
                            .collect();
                        chain.push(kusts[to].dir.as_str());
                        let text = if node == to {
                            format!("cycle: {} includes itself", kusts[to].dir)
                        } else {
                            format!("cycle: {}", chain.join(" -> "))
                        };
                        cycles.insert((node, to), text);
                    }
                    Mark::Closed => {}
                }
            } else {
                mark[node] = Mark::Closed;
                order.push(node);
                stack.pop();
            }
        }
    }
    (order, cycles)
}
