//! Fuzzes the policy loader: any text must load or be refused with located errors, never panic;
//! a policy that loads must decide requests without panicking, and decide them the same after a
//! round trip through the compiled-policy cache format.
//!
//! Run: `cargo fuzz run policy_loader -- -max_len=8192` (corpus seeds: ../policies/*.yaml,
//! ../testdata/authz/policy-*.yaml).
#![no_main]

use std::path::PathBuf;

use govpki::authz::{Policy, Request, Subject, cache_key};
use libfuzzer_sys::fuzz_target;
use time::macros::datetime;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let sources = [(PathBuf::from("fuzz.yaml"), text.to_string())];
    match Policy::load(&sources) {
        Ok((policy, warnings)) => {
            let key = cache_key(&sources);
            let bytes = policy
                .to_cache_bytes(&warnings, &key)
                .expect("a policy from a UTF-8 path encodes");
            let (cached, cached_warnings) =
                Policy::from_cache_bytes(&bytes, &key).expect("a fresh entry reads back");
            assert_eq!(warnings, cached_warnings);
            let mut subject = Subject::new();
            for (k, v) in [
                ("title", "t"),
                ("department", "财政局"),
                ("clearance", "秘密"),
                ("status", "suspended"),
            ] {
                subject.insert(k, v);
            }
            for (action, resource) in [
                ("doc.read", "dept/财政局/doc/1"),
                ("seal.apply", "dept/a/seal/official"),
                ("cert.issue", "ca/root"),
                ("a", "b"),
            ] {
                let mut request = Request {
                    subject: subject.clone(),
                    action: action.into(),
                    resource: resource.into(),
                    context: Default::default(),
                };
                let now = datetime!(2026-12-01 02:00 UTC);
                assert_eq!(policy.explain(&request, now), cached.explain(&request, now));
                request.context.insert("domain".into(), "intranet".into());
                request.context.insert("level".into(), "secret".into());
                request
                    .context
                    .insert("time".into(), "2026-12-05T23:59:59+08:00".into());
                let decided = policy.decide(&request, now);
                assert_eq!(decided, cached.decide(&request, now));
                // Explaining never changes the decision.
                assert_eq!(decided.allow, policy.explain(&request, now).allow);
            }
        }
        Err(errors) => {
            // A refused policy always says why, with a location.
            assert!(!errors.errors.is_empty());
            for e in &errors.errors {
                assert!(e.at.line >= 1 && e.at.column >= 1);
            }
        }
    }
});
