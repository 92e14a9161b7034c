//! The file tree's model, as pure functions (native tests below; the view is
//! `components::file_tree`): folders built from the uploaded paths, what is visible under
//! the search and filters with some folders collapsed, the WAI-ARIA tree keys (APG
//! "Tree View": ↑/↓, → opens or enters, ← closes or goes to the parent, Home/End,
//! Enter/Space, type-ahead), and "next / previous file with findings".
//!
//! Order: each folder lists its children by name, a folder's name taken with its `/`,
//! so the depth-first order of the files is exactly the byte order of their paths (the
//! order of the core's report and of the tree before it had folders).

use fluxport_core::{FileStatus, Severity};
use std::collections::{HashMap, HashSet};

/// One file as the tree needs it.
#[derive(Clone, Debug, PartialEq)]
pub struct TreeFile {
    pub path: String,
    pub status: FileStatus,
    /// Findings on it, of the conversion and of the pre-flight.
    pub findings: usize,
    /// The severities of those findings.
    pub severities: Vec<Severity>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    /// A folder; `path` has no trailing `/`.
    Dir,
    /// Index into the files.
    File(usize),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub kind: Kind,
    /// Unique among the nodes: a file's path, a folder's path with a trailing `/`.
    pub key: String,
    /// What the row shows: the last path component (a folder's with its `/`).
    pub name: String,
    /// `aria-level`: 1 for the top.
    pub level: usize,
    pub parent: Option<usize>,
    pub children: Vec<usize>,
}

/// The search and the filters. Empty: everything shows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Filter {
    /// A path substring, matched ignoring ASCII case (Unicode case folding would bring
    /// its tables into the wasm: +10.6 KiB gzip, measured; other letters match exactly).
    pub query: String,
    pub status: Option<FileStatus>,
    /// Files with at least one finding of this severity.
    pub severity: Option<Severity>,
}

impl Filter {
    pub fn matches(&self, f: &TreeFile) -> bool {
        self.status.is_none_or(|s| f.status == s)
            && self.severity.is_none_or(|s| f.severities.contains(&s))
            && (self.query.is_empty()
                || f.path
                    .to_ascii_lowercase()
                    .contains(&self.query.to_ascii_lowercase()))
    }

    pub fn is_empty(&self) -> bool {
        *self == Filter::default()
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tree {
    pub files: Vec<TreeFile>,
    pub nodes: Vec<Node>,
    pub roots: Vec<usize>,
}

/// What a key does in the tree.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Move the focus to this node.
    Focus(usize),
    /// Open (`true`) or close this folder; the focus stays on it.
    Expand(usize, bool),
    /// Open this file (select it).
    Select(usize),
}

impl Tree {
    pub fn new(mut files: Vec<TreeFile>) -> Tree {
        files.sort_by(|a, b| a.path.cmp(&b.path));
        let mut t = Tree {
            files,
            ..Tree::default()
        };
        let mut dirs: HashMap<String, usize> = HashMap::new();
        for i in 0..t.files.len() {
            let path = t.files[i].path.clone();
            let parts: Vec<&str> = path.split('/').collect();
            let mut parent = None;
            let mut key = String::new();
            for (depth, part) in parts[..parts.len() - 1].iter().enumerate() {
                key.push_str(part);
                key.push('/');
                let id = match dirs.get(&key) {
                    Some(&id) => id,
                    None => {
                        let id = t.push(
                            Kind::Dir,
                            key.clone(),
                            format!("{part}/"),
                            depth + 1,
                            parent,
                        );
                        dirs.insert(key.clone(), id);
                        id
                    }
                };
                parent = Some(id);
            }
            let name = parts[parts.len() - 1].to_string();
            t.push(Kind::File(i), path.clone(), name, parts.len(), parent);
        }
        // Children by name, a folder's with its `/`: depth-first = path order.
        let names: Vec<String> = t.nodes.iter().map(|n| n.name.clone()).collect();
        let by_name = |v: &mut Vec<usize>| v.sort_by(|&a, &b| names[a].cmp(&names[b]));
        by_name(&mut t.roots);
        for n in t.nodes.iter_mut() {
            by_name(&mut n.children);
        }
        t
    }

    fn push(
        &mut self,
        kind: Kind,
        key: String,
        name: String,
        level: usize,
        parent: Option<usize>,
    ) -> usize {
        let id = self.nodes.len();
        self.nodes.push(Node {
            kind,
            key,
            name,
            level,
            parent,
            children: Vec::new(),
        });
        match parent {
            Some(p) => self.nodes[p].children.push(id),
            None => self.roots.push(id),
        }
        id
    }

    pub fn find(&self, key: &str) -> Option<usize> {
        self.nodes.iter().position(|n| n.key == key)
    }

    /// For each node, whether it shows under `filter`: a file that matches, a folder
    /// holding one.
    pub fn shown(&self, filter: &Filter) -> Vec<bool> {
        let mut shown = vec![false; self.nodes.len()];
        for (id, n) in self.nodes.iter().enumerate() {
            if let Kind::File(i) = n.kind {
                if filter.matches(&self.files[i]) {
                    let mut at = Some(id);
                    while let Some(a) = at {
                        if shown[a] && a != id {
                            break;
                        }
                        shown[a] = true;
                        at = self.nodes[a].parent;
                    }
                }
            }
        }
        shown
    }

    /// The rows on screen, in order: shown nodes whose folders are all open.
    pub fn visible(&self, shown: &[bool], collapsed: &HashSet<String>) -> Vec<usize> {
        let mut out = Vec::new();
        let mut stack: Vec<usize> = self.roots.iter().rev().copied().collect();
        while let Some(id) = stack.pop() {
            if !shown[id] {
                continue;
            }
            out.push(id);
            let n = &self.nodes[id];
            if n.kind == Kind::Dir && !collapsed.contains(&n.key) {
                stack.extend(n.children.iter().rev());
            }
        }
        out
    }

    /// The folders above a node (to open so that it shows).
    pub fn ancestors(&self, id: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut at = self.nodes[id].parent;
        while let Some(p) = at {
            out.push(p);
            at = self.nodes[p].parent;
        }
        out
    }

    /// What `key` does with the focus on `focus` (one of `visible`). `typed`: the
    /// type-ahead so far, this key included (only for a printable key).
    pub fn key(
        &self,
        visible: &[usize],
        focus: usize,
        key: &str,
        collapsed: &HashSet<String>,
        typed: &str,
    ) -> Option<Action> {
        let pos = visible.iter().position(|&v| v == focus)?;
        let n = &self.nodes[focus];
        let open = n.kind == Kind::Dir && !collapsed.contains(&n.key);
        match key {
            "ArrowDown" => visible.get(pos + 1).map(|&v| Action::Focus(v)),
            "ArrowUp" => pos.checked_sub(1).map(|p| Action::Focus(visible[p])),
            "Home" => visible.first().map(|&v| Action::Focus(v)),
            "End" => visible.last().map(|&v| Action::Focus(v)),
            "ArrowRight" => match n.kind {
                Kind::Dir if !open => Some(Action::Expand(focus, true)),
                Kind::Dir => visible
                    .get(pos + 1)
                    .filter(|&&v| self.nodes[v].parent == Some(focus))
                    .map(|&v| Action::Focus(v)),
                Kind::File(_) => None,
            },
            "ArrowLeft" => {
                if open {
                    Some(Action::Expand(focus, false))
                } else {
                    n.parent.map(Action::Focus)
                }
            }
            "Enter" | " " => Some(match n.kind {
                Kind::Dir => Action::Expand(focus, !open),
                Kind::File(_) => Action::Select(focus),
            }),
            _ if !typed.is_empty() => {
                // Type-ahead: the next row whose name starts with what was typed; a
                // first character starts after the focus, more stay on it if it fits.
                let typed = typed.to_ascii_lowercase();
                let start = if typed.chars().count() == 1 {
                    pos + 1
                } else {
                    pos
                };
                (0..visible.len())
                    .map(|k| visible[(start + k) % visible.len()])
                    .find(|&v| self.nodes[v].name.to_ascii_lowercase().starts_with(&typed))
                    .map(Action::Focus)
            }
            _ => None,
        }
    }

    /// The next (`forward`) or previous file after `from` (a file's node; `None`: from
    /// the top) that has findings and matches `filter`, in tree order, wrapping around.
    pub fn with_findings(
        &self,
        filter: &Filter,
        from: Option<usize>,
        forward: bool,
    ) -> Option<usize> {
        let all: Vec<usize> = self.visible(&vec![true; self.nodes.len()], &HashSet::new());
        let hits: Vec<usize> = all
            .iter()
            .copied()
            .filter(|&id| match self.nodes[id].kind {
                Kind::File(i) => self.files[i].findings > 0 && filter.matches(&self.files[i]),
                Kind::Dir => false,
            })
            .collect();
        let first = if forward { hits.first() } else { hits.last() };
        let Some(from) = from.and_then(|f| all.iter().position(|&v| v == f)) else {
            return first.copied();
        };
        let rank = |id: usize| all.iter().position(|&v| v == id).unwrap_or(0);
        let next = if forward {
            hits.iter().find(|&&h| rank(h) > from)
        } else {
            hits.iter().rev().find(|&&h| rank(h) < from)
        };
        next.or(first).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, status: FileStatus, sev: &[Severity]) -> TreeFile {
        TreeFile {
            path: path.into(),
            status,
            findings: sev.len(),
            severities: sev.to_vec(),
        }
    }

    fn tree() -> Tree {
        use FileStatus::*;
        use Severity::*;
        Tree::new(vec![
            file("z.yaml", Unchanged, &[]),
            file("apps/b.yaml", Converted, &[Warning]),
            file("apps-x.yaml", New, &[]),
            file("apps/a.yaml", Failed, &[Error, Info]),
            file("apps/sub/c.yaml", Deleted, &[Info]),
            file("README.md", Unchanged, &[]),
        ])
    }

    fn keys(t: &Tree, v: &[usize]) -> Vec<String> {
        v.iter().map(|&i| t.nodes[i].key.clone()).collect()
    }

    #[test]
    fn folders_nest_and_files_keep_path_order() {
        let t = tree();
        let v = t.visible(&t.shown(&Filter::default()), &HashSet::new());
        assert_eq!(
            keys(&t, &v),
            [
                "README.md",
                "apps-x.yaml",
                "apps/",
                "apps/a.yaml",
                "apps/b.yaml",
                "apps/sub/",
                "apps/sub/c.yaml",
                "z.yaml"
            ]
        );
        let files: Vec<&str> = v
            .iter()
            .filter(|&&i| t.nodes[i].kind != Kind::Dir)
            .map(|&i| t.nodes[i].key.as_str())
            .collect();
        let mut sorted = files.clone();
        sorted.sort();
        assert_eq!(files, sorted, "depth-first order is path order");
        let c = t.find("apps/sub/c.yaml").unwrap();
        assert_eq!(t.nodes[c].level, 3);
        assert_eq!(t.nodes[c].name, "c.yaml");
        assert_eq!(t.nodes[t.find("apps/sub/").unwrap()].name, "sub/");
    }

    #[test]
    fn a_collapsed_folder_hides_what_it_holds() {
        let t = tree();
        let collapsed: HashSet<String> = ["apps/".to_string()].into();
        let v = t.visible(&t.shown(&Filter::default()), &collapsed);
        assert_eq!(
            keys(&t, &v),
            ["README.md", "apps-x.yaml", "apps/", "z.yaml"]
        );
    }

    #[test]
    fn search_and_filters_keep_matching_files_and_their_folders() {
        let t = tree();
        let vis = |f: &Filter| keys(&t, &t.visible(&t.shown(f), &HashSet::new()));
        let q = Filter {
            query: "SUB/C".into(),
            ..Filter::default()
        };
        assert_eq!(
            vis(&q),
            ["apps/", "apps/sub/", "apps/sub/c.yaml"],
            "case-insensitive substring of the path"
        );
        let s = Filter {
            status: Some(FileStatus::Failed),
            ..Filter::default()
        };
        assert_eq!(vis(&s), ["apps/", "apps/a.yaml"]);
        let i = Filter {
            severity: Some(Severity::Info),
            ..Filter::default()
        };
        assert_eq!(
            vis(&i),
            ["apps/", "apps/a.yaml", "apps/sub/", "apps/sub/c.yaml"]
        );
        let none = Filter {
            query: "nothing".into(),
            ..Filter::default()
        };
        assert!(vis(&none).is_empty());
        assert!(Filter::default().is_empty() && !q.is_empty());
    }

    #[test]
    fn keys_follow_the_aria_tree_pattern() {
        let t = tree();
        let mut collapsed = HashSet::new();
        let v = t.visible(&t.shown(&Filter::default()), &collapsed);
        let id = |k: &str| t.find(k).unwrap();
        let key = |f: &str, k: &str, c: &HashSet<String>| t.key(&v, id(f), k, c, "");
        assert_eq!(
            key("README.md", "ArrowDown", &collapsed),
            Some(Action::Focus(id("apps-x.yaml")))
        );
        assert_eq!(key("README.md", "ArrowUp", &collapsed), None);
        assert_eq!(key("z.yaml", "ArrowDown", &collapsed), None);
        assert_eq!(
            key("apps/b.yaml", "Home", &collapsed),
            Some(Action::Focus(id("README.md")))
        );
        assert_eq!(
            key("apps/b.yaml", "End", &collapsed),
            Some(Action::Focus(id("z.yaml")))
        );
        assert_eq!(
            key("apps/", "ArrowRight", &collapsed),
            Some(Action::Focus(id("apps/a.yaml"))),
            "open: enters"
        );
        assert_eq!(
            key("apps/", "ArrowLeft", &collapsed),
            Some(Action::Expand(id("apps/"), false)),
            "open: closes"
        );
        assert_eq!(
            key("apps/b.yaml", "ArrowLeft", &collapsed),
            Some(Action::Focus(id("apps/"))),
            "file: to its folder"
        );
        assert_eq!(key("apps/b.yaml", "ArrowRight", &collapsed), None);
        assert_eq!(
            key("apps/b.yaml", "Enter", &collapsed),
            Some(Action::Select(id("apps/b.yaml")))
        );
        assert_eq!(
            key("apps/b.yaml", " ", &collapsed),
            Some(Action::Select(id("apps/b.yaml")))
        );
        assert_eq!(
            key("apps/", "Enter", &collapsed),
            Some(Action::Expand(id("apps/"), false))
        );
        collapsed.insert("apps/".to_string());
        assert_eq!(
            key("apps/", "ArrowRight", &collapsed),
            Some(Action::Expand(id("apps/"), true)),
            "closed: opens"
        );
        assert_eq!(
            key("apps/", "ArrowLeft", &collapsed),
            None,
            "closed, at the top"
        );
        assert_eq!(
            key("apps/", "x", &collapsed),
            None,
            "a printable key without type-ahead text"
        );
    }

    #[test]
    fn type_ahead_finds_the_next_row_by_its_first_characters() {
        let t = tree();
        let c = HashSet::new();
        let v = t.visible(&t.shown(&Filter::default()), &c);
        let id = |k: &str| t.find(k).unwrap();
        assert_eq!(
            t.key(&v, id("README.md"), "a", &c, "a"),
            Some(Action::Focus(id("apps-x.yaml")))
        );
        assert_eq!(
            t.key(&v, id("apps-x.yaml"), "a", &c, "a"),
            Some(Action::Focus(id("apps/"))),
            "the same letter again: the next one"
        );
        assert_eq!(
            t.key(&v, id("apps-x.yaml"), "p", &c, "ap"),
            Some(Action::Focus(id("apps-x.yaml"))),
            "more letters: the focus fits, stays"
        );
        assert_eq!(
            t.key(&v, id("apps/"), "/", &c, "apps/"),
            Some(Action::Focus(id("apps/")))
        );
        assert_eq!(
            t.key(&v, id("z.yaml"), "r", &c, "R"),
            Some(Action::Focus(id("README.md"))),
            "wraps, any case"
        );
        assert_eq!(t.key(&v, id("z.yaml"), "q", &c, "q"), None);
    }

    #[test]
    fn next_and_previous_file_with_findings_wrap_and_follow_the_filter() {
        let t = tree();
        let id = |k: &str| t.find(k).unwrap();
        let all = Filter::default();
        assert_eq!(t.with_findings(&all, None, true), Some(id("apps/a.yaml")));
        assert_eq!(
            t.with_findings(&all, None, false),
            Some(id("apps/sub/c.yaml"))
        );
        assert_eq!(
            t.with_findings(&all, Some(id("README.md")), true),
            Some(id("apps/a.yaml"))
        );
        assert_eq!(
            t.with_findings(&all, Some(id("apps/a.yaml")), true),
            Some(id("apps/b.yaml"))
        );
        assert_eq!(
            t.with_findings(&all, Some(id("apps/sub/c.yaml")), true),
            Some(id("apps/a.yaml")),
            "wraps"
        );
        assert_eq!(
            t.with_findings(&all, Some(id("apps/a.yaml")), false),
            Some(id("apps/sub/c.yaml")),
            "wraps back"
        );
        assert_eq!(
            t.with_findings(&all, Some(id("z.yaml")), false),
            Some(id("apps/sub/c.yaml"))
        );
        let warn = Filter {
            severity: Some(Severity::Warning),
            ..Filter::default()
        };
        assert_eq!(
            t.with_findings(&warn, Some(id("apps/b.yaml")), true),
            Some(id("apps/b.yaml")),
            "the only one"
        );
        let clean = Filter {
            status: Some(FileStatus::Unchanged),
            ..Filter::default()
        };
        assert_eq!(t.with_findings(&clean, None, true), None);
    }
}
