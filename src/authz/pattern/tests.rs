use super::*;

fn res(p: &str) -> Pattern {
    Pattern::parse(p, PatternKind::Resource).unwrap()
}

fn act(p: &str) -> Pattern {
    Pattern::parse(p, PatternKind::Action).unwrap()
}

fn subject(pairs: &[(&str, &str)]) -> Subject {
    let mut s = Subject::new();
    for (k, v) in pairs {
        s.insert(k, v);
    }
    s
}

#[test]
fn star_is_one_segment_except_at_the_end() {
    let s = Subject::new();
    let p = res("dept/*");
    assert!(p.matches("dept/a", &s, Unresolved::NoMatch));
    assert!(p.matches("dept/a/b", &s, Unresolved::NoMatch));
    assert!(!p.matches("dept", &s, Unresolved::NoMatch));
    assert!(!p.matches("depts/a", &s, Unresolved::NoMatch));
    let p = res("dept/*/seal");
    assert!(p.matches("dept/a/seal", &s, Unresolved::NoMatch));
    assert!(!p.matches("dept/a/b/seal", &s, Unresolved::NoMatch));
    let p = res("dept/*局/doc");
    assert!(p.matches("dept/财政局/doc", &s, Unresolved::NoMatch));
    assert!(!p.matches("dept/信息中心/doc", &s, Unresolved::NoMatch));
    let p = res("dept/a*");
    assert!(p.matches("dept/abc/x", &s, Unresolved::NoMatch));
    assert!(!p.matches("dept/b", &s, Unresolved::NoMatch));
    let p = res("*");
    assert!(p.matches("anything/at/all", &s, Unresolved::NoMatch));
}

#[test]
fn actions_use_dots() {
    let p = act("seal.*");
    assert!(p.matches_plain("seal.apply"));
    assert!(p.matches_plain("seal.apply.batch"));
    assert!(!p.matches_plain("seal"));
    let p = act("*.read");
    assert!(p.matches_plain("doc.read"));
    assert!(!p.matches_plain("doc.x.read"));
    assert!(act("cert.issue").matches_plain("cert.issue"));
    assert!(!act("cert.issue").matches_plain("cert.issued"));
}

#[test]
fn refuses_bad_patterns() {
    for bad in [
        "",
        "dept/**",
        "dept//x",
        "/dept",
        "dept/${x}",
        "dept/${subject.",
        "dept/${subject.}",
    ] {
        assert!(Pattern::parse(bad, PatternKind::Resource).is_err(), "{bad}");
    }
    assert!(Pattern::parse("a.${subject.x}", PatternKind::Action).is_err());
    assert!(Pattern::parse("dept/", PatternKind::Resource).is_err());
}

#[test]
fn substitution_is_literal_and_single_segment() {
    let p = res("dept/${subject.department}/doc/*");
    let s = subject(&[("department", "信息中心")]);
    assert!(p.matches("dept/信息中心/doc/1", &s, Unresolved::NoMatch));
    assert!(!p.matches("dept/财政局/doc/1", &s, Unresolved::NoMatch));
    let star = subject(&[("department", "*")]);
    assert!(!p.matches("dept/财政局/doc/1", &star, Unresolved::NoMatch));
    let slash = subject(&[("department", "a/b")]);
    assert!(!p.matches("dept/a/b/doc/1", &slash, Unresolved::NoMatch));
    let none = Subject::new();
    assert!(!p.matches("dept/财政局/doc/1", &none, Unresolved::NoMatch));
    assert!(p.matches("dept/财政局/doc/1", &none, Unresolved::Wildcard));
    assert!(!p.matches("dept/财/政/doc/1", &none, Unresolved::Wildcard));
}

#[test]
fn an_unresolved_variable_makes_a_deny_pattern_match_everything() {
    let p = res("dept/${subject.department}/seal/invoice");
    let none = Subject::new();
    for resource in [
        "dept/档案局/seal/contract",
        "dept/档案局/seal/invoice",
        "dept/a/b/c/d",
        "ca/root",
        "x",
    ] {
        assert!(
            p.matches(resource, &none, Unresolved::Everything),
            "{resource}"
        );
        assert!(
            !p.matches(resource, &none, Unresolved::NoMatch),
            "{resource}"
        );
    }
    // Several values, or one with the separator, are no value either.
    let two = subject(&[("department", "a"), ("department", "b")]);
    assert!(p.matches("dept/c/seal/contract", &two, Unresolved::Everything));
    let slash = subject(&[("department", "a/b")]);
    assert!(p.matches("dept/c/seal/contract", &slash, Unresolved::Everything));
    // With the value, the pattern matches as written.
    let known = subject(&[("department", "档案局")]);
    assert!(p.matches("dept/档案局/seal/invoice", &known, Unresolved::Everything));
    assert!(!p.matches("dept/档案局/seal/contract", &known, Unresolved::Everything));
    assert!(!p.matches("dept/财政局/seal/invoice", &known, Unresolved::Everything));
    // A pattern without variables is unaffected.
    let plain = res("dept/*/seal/invoice");
    assert!(!plain.matches("dept/a/seal/contract", &none, Unresolved::Everything));
}

#[test]
fn trie_finds_candidates() {
    let pats = [
        "dept/*",
        "dept/信息中心/seal/official",
        "dept/${subject.department}/seal/*",
        "ca/root",
        "*",
        "dept/*/cert/person",
    ];
    let mut trie = Trie::new('/');
    for (i, p) in pats.iter().enumerate() {
        trie.insert(&res(p), i);
    }
    let mut found = Vec::new();
    trie.candidates("dept/信息中心/seal/official", &mut |i| found.push(i));
    found.sort();
    found.dedup();
    assert_eq!(found, vec![0, 1, 2, 4]);
    let mut found = Vec::new();
    trie.candidates("ca/root", &mut |i| found.push(i));
    found.sort();
    assert_eq!(found, vec![3, 4]);
}

#[test]
fn a_trie_with_a_dangling_index_is_out_of_range() {
    let mut trie = Trie::new('/');
    trie.insert(&res("dept/*/seal"), 3u32);
    trie.insert(&res("ca/root"), 5u32);
    assert!(trie.in_range(&mut |&i| i < 6));
    assert!(!trie.in_range(&mut |&i| i < 5));
    let mut dangling = Trie::new('/');
    dangling.insert(&res("dept/*/seal"), 3u32);
    dangling.nodes[0].wild = Some(dangling.nodes.len() as u32);
    assert!(!dangling.in_range(&mut |_| true));
    let mut lit = Trie::new('/');
    lit.insert(&res("ca/root"), 0u32);
    *lit.nodes[0].lit.values_mut().next().unwrap() = 99;
    assert!(!lit.in_range(&mut |_| true));
    let empty: Trie<u32> = Trie {
        nodes: Vec::new(),
        sep: '/',
    };
    assert!(!empty.in_range(&mut |_| true));
}

#[test]
fn patterns_are_compiled_again_when_read_back() {
    let p = res("dept/${subject.department}/doc/*");
    let bytes = postcard::to_stdvec(&p).unwrap();
    let back: Pattern = postcard::from_bytes(&bytes).unwrap();
    assert_eq!(
        (back.text(), back.sep, back.any_suffix),
        (p.text(), '/', true)
    );
    assert_eq!(back.tokens, p.tokens);
    let a = act("seal.*");
    let back: Pattern = postcard::from_bytes(&postcard::to_stdvec(&a).unwrap()).unwrap();
    assert_eq!(back.sep, '.');
    assert!(back.matches_plain("seal.apply"));
    // A text that does not compile is an error, not a pattern.
    let bad = postcard::to_stdvec(&(false, "dept/**")).unwrap();
    assert!(postcard::from_bytes::<Pattern>(&bad).is_err());
}

#[test]
fn no_exponential_blowup() {
    let p = res("a*a*a*a*a*a*a*a*a*a*a*b");
    let input = format!("{}c", "a".repeat(5000));
    let s = Subject::new();
    assert!(!p.matches(&input, &s, Unresolved::NoMatch));
}

proptest::proptest! {
    #[test]
    fn linear_matcher_agrees_with_backtracking(
        pattern in "[ab*/]{0,8}(\\$\\{subject\\.d\\})?[ab*/]{0,4}",
        input in "[ab/]{0,10}",
        department in proptest::option::of("[ab/]{1,2}"),
        wildcard in proptest::bool::ANY,
    ) {
        let Ok(p) = Pattern::parse(&pattern, PatternKind::Resource) else {
            return Ok(());
        };
        let mut s = Subject::new();
        if let Some(d) = &department {
            s.insert("d", d);
        }
        let mode = if wildcard { Unresolved::Wildcard } else { Unresolved::NoMatch };
        let var = |attr: &str| match resolve(&s, attr, '/') {
            Some(v) => VarValue::Known(v),
            None => VarValue::Unknown,
        };
        let fast = match_tokens(&p.tokens, &input, p.any_suffix, '/', &var, mode);
        let slow = match_reference(&p.tokens, &input, p.any_suffix, '/', &var, mode);
        proptest::prop_assert_eq!(fast, slow, "{} on {}", pattern, input);
    }
}

#[test]
fn coverage_is_conservative() {
    assert!(res("dept/a/x").covered_by(&res("dept/*")));
    assert!(res("dept/a/*").covered_by(&res("dept/*")));
    assert!(!res("dept/*").covered_by(&res("dept/a*")));
    assert!(res("dept/a").covered_by(&res("dept/a")));
    assert!(res("dept/*/x").covered_by(&res("dept/*/x")));
    assert!(!res("dept/*/x").covered_by(&res("dept/a/x")));
}
