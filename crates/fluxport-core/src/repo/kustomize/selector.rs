//! Kubernetes label selectors in their string form (`app=web,tier!=db`,
//! `env in (dev,test)`, `!legacy`), as kustomize reads `target.labelSelector` and
//! `target.annotationSelector` (both through apimachinery's `labels.Parse`).

#[derive(Debug, Clone, PartialEq, Eq)]
enum Req {
    Exists(String),
    NotExists(String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Gt(String, i64),
    Lt(String, i64),
}

/// A parsed selector: all requirements must hold. The empty selector matches all.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LabelSelector {
    reqs: Vec<Req>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Ident(String),
    Not,
    Eq,
    NotEq,
    Gt,
    Lt,
    Open,
    Close,
    Comma,
}

fn lex(s: &str) -> Vec<Tok> {
    let mut out = Vec::new();
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match c {
            ' ' | '\t' | '\n' | '\r' => i += 1,
            '!' if next == Some('=') => {
                out.push(Tok::NotEq);
                i += 2;
            }
            '!' => {
                out.push(Tok::Not);
                i += 1;
            }
            '=' => {
                out.push(Tok::Eq);
                i += if next == Some('=') { 2 } else { 1 };
            }
            '>' => {
                out.push(Tok::Gt);
                i += 1;
            }
            '<' => {
                out.push(Tok::Lt);
                i += 1;
            }
            '(' => {
                out.push(Tok::Open);
                i += 1;
            }
            ')' => {
                out.push(Tok::Close);
                i += 1;
            }
            ',' => {
                out.push(Tok::Comma);
                i += 1;
            }
            _ => {
                let start = i;
                while i < chars.len() && !" \t\n\r!=><(),".contains(chars[i]) {
                    i += 1;
                }
                out.push(Tok::Ident(chars[start..i].iter().collect()));
            }
        }
    }
    out
}

impl LabelSelector {
    pub fn parse(s: &str) -> Result<LabelSelector, String> {
        let toks = lex(s);
        let mut reqs = Vec::new();
        let mut i = 0;
        let ident = |i: usize| match toks.get(i) {
            Some(Tok::Ident(x)) => Some(x.clone()),
            _ => None,
        };
        while i < toks.len() {
            if toks[i] == Tok::Not {
                let key = ident(i + 1).ok_or("expected a key after !")?;
                reqs.push(Req::NotExists(key));
                i += 2;
            } else {
                let key = ident(i).ok_or("expected a key")?;
                i += 1;
                match toks.get(i) {
                    None | Some(Tok::Comma) => reqs.push(Req::Exists(key)),
                    Some(Tok::Eq) | Some(Tok::NotEq) => {
                        let neg = toks[i] == Tok::NotEq;
                        // An empty value (`a=`) is allowed.
                        let val = ident(i + 1);
                        i += 1 + usize::from(val.is_some());
                        let vals = vec![val.unwrap_or_default()];
                        reqs.push(if neg {
                            Req::NotIn(key, vals)
                        } else {
                            Req::In(key, vals)
                        });
                    }
                    Some(Tok::Gt) | Some(Tok::Lt) => {
                        let gt = toks[i] == Tok::Gt;
                        let n: i64 = ident(i + 1)
                            .and_then(|v| v.parse().ok())
                            .ok_or("expected an integer")?;
                        i += 2;
                        reqs.push(if gt { Req::Gt(key, n) } else { Req::Lt(key, n) });
                    }
                    Some(Tok::Ident(op)) if op == "in" || op == "notin" => {
                        let neg = op == "notin";
                        i += 1;
                        if toks.get(i) != Some(&Tok::Open) {
                            return Err("expected ( after in/notin".into());
                        }
                        i += 1;
                        let mut vals = Vec::new();
                        loop {
                            match toks.get(i) {
                                Some(Tok::Ident(v)) => {
                                    vals.push(v.clone());
                                    i += 1;
                                }
                                Some(Tok::Comma) => i += 1,
                                Some(Tok::Close) => {
                                    i += 1;
                                    break;
                                }
                                _ => return Err("unterminated value set".into()),
                            }
                        }
                        reqs.push(if neg {
                            Req::NotIn(key, vals)
                        } else {
                            Req::In(key, vals)
                        });
                    }
                    _ => return Err(format!("unexpected token after key {key}")),
                }
            }
            match toks.get(i) {
                None => {}
                Some(Tok::Comma) => i += 1,
                Some(_) => return Err("expected , between requirements".into()),
            }
        }
        Ok(LabelSelector { reqs })
    }

    /// True if the label (or annotation) set satisfies every requirement.
    pub fn matches(&self, labels: &[(String, String)]) -> bool {
        let get = |k: &str| {
            labels
                .iter()
                .rev()
                .find(|(lk, _)| lk == k)
                .map(|(_, v)| v.as_str())
        };
        self.reqs.iter().all(|r| match r {
            Req::Exists(k) => get(k).is_some(),
            Req::NotExists(k) => get(k).is_none(),
            Req::In(k, vs) => get(k).is_some_and(|v| vs.iter().any(|x| x == v)),
            Req::NotIn(k, vs) => get(k).is_none_or(|v| !vs.iter().any(|x| x == v)),
            Req::Gt(k, n) => get(k)
                .and_then(|v| v.parse::<i64>().ok())
                .is_some_and(|v| v > *n),
            Req::Lt(k, n) => get(k)
                .and_then(|v| v.parse::<i64>().ok())
                .is_some_and(|v| v < *n),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::LabelSelector;

    fn l(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn selectors() {
        let set = l(&[("app", "web"), ("tier", "fe"), ("n", "5")]);
        for (s, want) in [
            ("", true),
            ("app=web", true),
            ("app==web,tier=fe", true),
            ("app!=web", false),
            ("missing!=x", true),
            ("app in (web, api)", true),
            ("app notin (web)", false),
            ("tier", true),
            ("!tier", false),
            ("!other,app", true),
            ("n>4,n<6", true),
            ("app=", false),
        ] {
            assert_eq!(LabelSelector::parse(s).unwrap().matches(&set), want, "{s}");
        }
        for bad in ["app in web", "=x", "a b", "!", "n>x", "a in (b"] {
            assert!(LabelSelector::parse(bad).is_err(), "{bad}");
        }
    }
}
