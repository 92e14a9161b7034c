//! A small regular-expression matcher for kustomize's patch target selectors.
//!
//! kustomize compiles `target.name`, `target.namespace`, `group`, `version` and
//! `kind` with Go's `regexp` after anchoring them as `^(?:pattern)$`
//! (`api/types/selector.go#anchorRegex`), so only a whole-string match is needed.
//! This supports the RE2 syntax that appears in selectors: literals, `.`, classes
//! (`[a-z0-9-]`, `[^x]`, `\d \w \s` and their negations), groups `( )` / `(?: )`,
//! alternation, `* + ?` (lazy forms accepted; laziness cannot change a whole-string
//! match), counted repetition `{n}`, `{n,}`, `{n,m}` (n, m <= 1000 as in RE2), and
//! `^ $`. Anything else (flags, `\b`, POSIX classes, backreferences) is a compile
//! error, reported to the caller like Go's `regexp.Compile` error.
//!
//! Matching is a Pike VM (a set of NFA states advanced one character at a time):
//! time O(text × program), no backtracking, so no pattern can blow up.

const MAX_PROGRAM: usize = 20_000;
const MAX_NEST: usize = 100;
const MAX_REPEAT: u32 = 1000;

#[derive(Debug, Clone)]
enum Ast {
    Empty,
    Char(char),
    Any,
    Class(Vec<(char, char)>, bool),
    Start,
    End,
    Concat(Vec<Ast>),
    Alt(Vec<Ast>),
    Repeat(Box<Ast>, u32, Option<u32>),
}

#[derive(Debug, Clone)]
enum Inst {
    Char(char),
    Any,
    Class(usize),
    Split(usize, usize),
    Jmp(usize),
    Start,
    End,
    Match,
}

/// A compiled pattern; [`Regex::full_match`] answers `^(?:pattern)$`.
#[derive(Debug, Clone)]
pub struct Regex {
    prog: Vec<Inst>,
    classes: Vec<(Vec<(char, char)>, bool)>,
    /// The pattern, when it has no metacharacter: it then matches exactly itself, and
    /// [`Regex::full_match`] compares strings instead of running the VM (most selectors
    /// name one object; the pre-flight matches every patch against every object).
    literal: Option<Box<str>>,
}

struct Parser<'p> {
    chars: Vec<char>,
    pos: usize,
    depth: usize,
    _src: &'p str,
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }
    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn alt(&mut self) -> Result<Ast, String> {
        self.depth += 1;
        if self.depth > MAX_NEST {
            return Err("regexp nested too deeply".into());
        }
        let mut alts = vec![self.concat()?];
        while self.eat('|') {
            alts.push(self.concat()?);
        }
        self.depth -= 1;
        Ok(if alts.len() == 1 {
            alts.pop().unwrap_or(Ast::Empty)
        } else {
            Ast::Alt(alts)
        })
    }
    fn concat(&mut self) -> Result<Ast, String> {
        let mut items = Vec::new();
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            let atom = self.atom()?;
            items.push(self.repeat(atom)?);
        }
        Ok(match items.len() {
            0 => Ast::Empty,
            1 => items.pop().unwrap_or(Ast::Empty),
            _ => Ast::Concat(items),
        })
    }
    fn number(&mut self) -> Option<u32> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        if self.pos == start || self.pos - start > 4 {
            return None;
        }
        self.chars[start..self.pos]
            .iter()
            .collect::<String>()
            .parse()
            .ok()
    }
    fn repeat(&mut self, atom: Ast) -> Result<Ast, String> {
        let mut atom = atom;
        let mut repeated = false;
        loop {
            let (min, max) = match self.peek() {
                Some('*') => (0, None),
                Some('+') => (1, None),
                Some('?') => (0, Some(1)),
                Some('{') => {
                    let save = self.pos;
                    self.pos += 1;
                    match self.counted() {
                        Some(r) => {
                            self.pos -= 1; // re-consumed below
                            r
                        }
                        None => {
                            // Go treats a malformed `{` as a literal.
                            self.pos = save;
                            return Ok(atom);
                        }
                    }
                }
                _ => return Ok(atom),
            };
            self.pos += 1;
            if repeated {
                // `a**` is an error in RE2 ("invalid nested repetition operator").
                return Err("invalid nested repetition operator".into());
            }
            repeated = true;
            self.eat('?');
            if max.is_some_and(|m| m < min)
                || min > MAX_REPEAT
                || max.is_some_and(|m| m > MAX_REPEAT)
            {
                return Err("invalid repeat count".into());
            }
            atom = Ast::Repeat(Box::new(atom), min, max);
        }
    }
    /// After `{`: `n}`, `n,}` or `n,m}`; leaves pos just past `}`.
    fn counted(&mut self) -> Option<(u32, Option<u32>)> {
        let min = self.number()?;
        let max = if self.eat(',') {
            if self.peek() == Some('}') {
                None
            } else {
                Some(self.number()?)
            }
        } else {
            Some(min)
        };
        if !self.eat('}') {
            return None;
        }
        Some((min, max))
    }
    fn atom(&mut self) -> Result<Ast, String> {
        let c = self.peek().ok_or("unexpected end")?;
        self.pos += 1;
        Ok(match c {
            '.' => Ast::Any,
            '^' => Ast::Start,
            '$' => Ast::End,
            '(' => {
                if self.eat('?') && !self.eat(':') {
                    return Err("unsupported group flags".into());
                }
                let inner = self.alt()?;
                if !self.eat(')') {
                    return Err("missing closing )".into());
                }
                inner
            }
            ')' => return Err("unexpected )".into()),
            '*' | '+' | '?' => return Err("missing argument to repetition operator".into()),
            '[' => self.class()?,
            '\\' => self.escape(false)?,
            c => Ast::Char(c),
        })
    }
    fn escape(&mut self, in_class: bool) -> Result<Ast, String> {
        let c = self.peek().ok_or("trailing backslash")?;
        self.pos += 1;
        let digit = vec![('0', '9')];
        let word = vec![('0', '9'), ('A', 'Z'), ('_', '_'), ('a', 'z')];
        let space = vec![('\t', '\n'), ('\x0c', '\r'), (' ', ' ')];
        Ok(match c {
            'd' => Ast::Class(digit, false),
            'D' => Ast::Class(digit, true),
            'w' => Ast::Class(word, false),
            'W' => Ast::Class(word, true),
            's' => Ast::Class(space, false),
            'S' => Ast::Class(space, true),
            'n' => Ast::Char('\n'),
            't' => Ast::Char('\t'),
            'r' => Ast::Char('\r'),
            c if c.is_ascii_punctuation() => Ast::Char(c),
            _ if in_class => return Err("invalid escape in class".into()),
            _ => return Err(format!("unsupported escape \\{c}")),
        })
    }
    fn class(&mut self) -> Result<Ast, String> {
        let negated = self.eat('^');
        let mut ranges = Vec::new();
        let mut first = true;
        loop {
            let c = self.peek().ok_or("missing closing ]")?;
            if c == ']' && !first {
                self.pos += 1;
                break;
            }
            first = false;
            if c == '[' && self.chars.get(self.pos + 1) == Some(&':') {
                return Err("POSIX classes are not supported".into());
            }
            self.pos += 1;
            let lo = if c == '\\' {
                match self.escape(true)? {
                    Ast::Char(ch) => ch,
                    Ast::Class(rs, false) => {
                        ranges.extend(rs);
                        continue;
                    }
                    _ => return Err("negated escape in class is not supported".into()),
                }
            } else {
                c
            };
            if self.peek() == Some('-') && self.chars.get(self.pos + 1).is_some_and(|n| *n != ']') {
                self.pos += 1;
                let mut hi = self.peek().ok_or("missing closing ]")?;
                self.pos += 1;
                if hi == '\\' {
                    match self.escape(true)? {
                        Ast::Char(ch) => hi = ch,
                        _ => return Err("invalid class range".into()),
                    }
                }
                if hi < lo {
                    return Err("invalid character class range".into());
                }
                ranges.push((lo, hi));
            } else {
                ranges.push((lo, lo));
            }
        }
        Ok(Ast::Class(ranges, negated))
    }
}

struct Compiler {
    prog: Vec<Inst>,
    classes: Vec<(Vec<(char, char)>, bool)>,
}

impl Compiler {
    fn push(&mut self, i: Inst) -> Result<usize, String> {
        if self.prog.len() >= MAX_PROGRAM {
            return Err("regexp too large".into());
        }
        self.prog.push(i);
        Ok(self.prog.len() - 1)
    }
    fn emit(&mut self, ast: &Ast, depth: usize) -> Result<(), String> {
        if depth > MAX_NEST * 2 {
            return Err("regexp nested too deeply".into());
        }
        match ast {
            Ast::Empty => {}
            Ast::Char(c) => {
                self.push(Inst::Char(*c))?;
            }
            Ast::Any => {
                self.push(Inst::Any)?;
            }
            Ast::Class(r, n) => {
                self.classes.push((r.clone(), *n));
                self.push(Inst::Class(self.classes.len() - 1))?;
            }
            Ast::Start => {
                self.push(Inst::Start)?;
            }
            Ast::End => {
                self.push(Inst::End)?;
            }
            Ast::Concat(items) => {
                for i in items {
                    self.emit(i, depth + 1)?;
                }
            }
            Ast::Alt(alts) => {
                let mut jumps = Vec::new();
                for (k, a) in alts.iter().enumerate() {
                    if k + 1 < alts.len() {
                        let split = self.push(Inst::Split(0, 0))?;
                        self.emit(a, depth + 1)?;
                        jumps.push(self.push(Inst::Jmp(0))?);
                        let next = self.prog.len();
                        self.prog[split] = Inst::Split(split + 1, next);
                    } else {
                        self.emit(a, depth + 1)?;
                    }
                }
                let end = self.prog.len();
                for j in jumps {
                    self.prog[j] = Inst::Jmp(end);
                }
            }
            Ast::Repeat(inner, min, max) => {
                for _ in 0..*min {
                    self.emit(inner, depth + 1)?;
                }
                match max {
                    None => {
                        let split = self.push(Inst::Split(0, 0))?;
                        self.emit(inner, depth + 1)?;
                        self.push(Inst::Jmp(split))?;
                        let end = self.prog.len();
                        self.prog[split] = Inst::Split(split + 1, end);
                    }
                    Some(max) => {
                        let mut splits = Vec::new();
                        for _ in *min..*max {
                            splits.push(self.push(Inst::Split(0, 0))?);
                            self.emit(inner, depth + 1)?;
                        }
                        let end = self.prog.len();
                        for s in splits {
                            self.prog[s] = Inst::Split(s + 1, end);
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

impl Regex {
    /// Compiles `pattern` (RE2 syntax subset; see the module docs).
    pub fn new(pattern: &str) -> Result<Regex, String> {
        let mut p = Parser {
            chars: pattern.chars().collect(),
            pos: 0,
            depth: 0,
            _src: pattern,
        };
        let ast = p.alt()?;
        if p.pos != p.chars.len() {
            return Err("unexpected )".into());
        }
        let mut c = Compiler {
            prog: Vec::new(),
            classes: Vec::new(),
        };
        c.emit(&ast, 0)?;
        c.push(Inst::Match)?;
        let literal =
            (!pattern.contains(|c: char| "\\.+*?()|[]{}^$".contains(c))).then(|| pattern.into());
        Ok(Regex {
            prog: c.prog,
            classes: c.classes,
            literal,
        })
    }

    /// True if the whole of `text` matches (Go: `^(?:pattern)$`).
    pub fn full_match(&self, text: &str) -> bool {
        match &self.literal {
            Some(l) => **l == *text,
            None => self.vm_match(text),
        }
    }

    /// [`Regex::full_match`] by the Pike VM.
    fn vm_match(&self, text: &str) -> bool {
        let n = self.prog.len();
        let mut clist: Vec<usize> = Vec::new();
        let mut nlist: Vec<usize> = Vec::new();
        let mut mark = vec![usize::MAX; n];
        let len = text.len();
        let mut gen = 0usize;
        self.add(&mut clist, &mut mark, gen, 0, 0, len);
        for (at, ch) in text.char_indices() {
            if clist.is_empty() {
                return false;
            }
            gen += 1;
            let next_at = at + ch.len_utf8();
            for &pc in &clist {
                let ok = match &self.prog[pc] {
                    Inst::Char(c) => *c == ch,
                    Inst::Any => ch != '\n',
                    Inst::Class(k) => {
                        let (ranges, neg) = &self.classes[*k];
                        ranges.iter().any(|(lo, hi)| *lo <= ch && ch <= *hi) != *neg
                    }
                    _ => false,
                };
                if ok {
                    self.add(&mut nlist, &mut mark, gen, pc + 1, next_at, len);
                }
            }
            std::mem::swap(&mut clist, &mut nlist);
            nlist.clear();
        }
        clist.iter().any(|&pc| matches!(self.prog[pc], Inst::Match))
    }

    /// Adds `pc` and everything reachable by empty moves at text position `at`.
    fn add(
        &self,
        list: &mut Vec<usize>,
        mark: &mut [usize],
        gen: usize,
        pc: usize,
        at: usize,
        len: usize,
    ) {
        let mut stack = vec![pc];
        while let Some(pc) = stack.pop() {
            if pc >= self.prog.len() || mark[pc] == gen {
                continue;
            }
            mark[pc] = gen;
            match self.prog[pc] {
                Inst::Jmp(t) => stack.push(t),
                Inst::Split(a, b) => {
                    stack.push(b);
                    stack.push(a);
                }
                Inst::Start => {
                    if at == 0 {
                        stack.push(pc + 1);
                    }
                }
                Inst::End => {
                    if at == len {
                        stack.push(pc + 1);
                    }
                }
                _ => list.push(pc),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Regex;

    #[test]
    fn the_literal_fast_path_agrees_with_the_vm() {
        let patterns = [
            "app-1", "app", "", "a_b", "ns/x", "é-ü", "app-1.x", "a+", "[a]", "x|y",
        ];
        let texts = [
            "app-1", "app-10", "app", "", "a_b", "ns/x", "é-ü", "app-1.x", "app-1Ax", "aa", "a",
            "x",
        ];
        let mut literals = 0;
        for p in patterns {
            let r = Regex::new(p).unwrap();
            literals += usize::from(r.literal.is_some());
            for t in texts {
                assert_eq!(r.full_match(t), r.vm_match(t), "{p:?} on {t:?}");
            }
        }
        assert_eq!(literals, 6, "the first six patterns have no metacharacter");
    }

    fn m(p: &str, t: &str) -> bool {
        Regex::new(p).unwrap().full_match(t)
    }

    #[test]
    fn anchored_semantics() {
        assert!(m("app", "app"));
        assert!(!m("app", "app2"));
        assert!(!m("b-c", "b-cm"));
        assert!(m("b-.*", "b-app"));
        assert!(m("c.", "cm"));
        assert!(m("(foo|bar)-[0-9]+", "bar-12"));
        assert!(!m("(foo|bar)-[0-9]+", "bar-"));
        assert!(m("a|b", "b"));
        assert!(m("x{2,3}", "xxx"));
        assert!(!m("x{2,3}", "xxxx"));
        assert!(m("x{2,}", "xxxxx"));
        assert!(m("[^-]+-\\d", "ab-7"));
        assert!(m("^a$", "a"));
        assert!(m("", ""));
        assert!(!m("", "a"));
        assert!(m("a{", "a{"));
        assert!(m("(?:ab)?c", "c"));
        assert!(m("é.", "éx"));
        assert!(m("[\\w.-]+", "a_b.c-d"));
    }

    #[test]
    fn errors_not_panics() {
        for p in [
            "(",
            ")",
            "[a",
            "a**",
            "*a",
            "\\",
            "(?i)a",
            "[[:alpha:]]",
            "x{1001}",
            "[z-a]",
            "\\b",
        ] {
            assert!(Regex::new(p).is_err(), "{p}");
        }
        let deep = "(".repeat(500) + &")".repeat(500);
        assert!(Regex::new(&deep).is_err());
        // Big but bounded: ((a{1000}){1000}) exceeds the program cap instead of hanging.
        assert!(Regex::new("(a{1000}){1000}").is_err());
        let r = Regex::new("(a*)*b").unwrap();
        assert!(!r.full_match(&"a".repeat(5000)));
        assert!(Regex::new("a*?").is_ok());
    }
}
