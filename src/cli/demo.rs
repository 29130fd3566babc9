//! `govpki demo`: a guided tour that runs the real commands, in a fresh directory, and checks
//! that each gives the exit code it should.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context as _, Result, bail};
use clap::Args;

use super::{Context, Outcome};

/// The shipped policy (`policies/`), so the demo runs from the binary alone.
const POLICY_FILES: [(&str, &str); 3] = [
    ("roles.yaml", include_str!("../../policies/roles.yaml")),
    (
        "bindings.yaml",
        include_str!("../../policies/bindings.yaml"),
    ),
    (
        "restrictions.yaml",
        include_str!("../../policies/restrictions.yaml"),
    ),
];

/// Long help of `govpki demo`.
pub const LONG_ABOUT: &str = "\
Run a guided tour of govpki with the real binary in a fresh directory: create a root CA,
issue a department certificate and a civil servant's certificate, revoke one, publish a CRL,
verify both against it; issue a seal holder's certificate for 办公室, make the office's official
seal (公章), seal a notice, verify it, show the sealed signature, and watch a copy with one byte
changed fail; check the shipped municipal policy (embedded in the binary) for the CA officer,
allowed from the intranet and denied from the Internet; put the CA under the policy and have the
officer issue a certificate, proving presence with his key, then be denied from the extranet;
then verify the audit log and the officer's signature in it. Then the national algorithms: an SM2
CA issues a department certificate, its seal authority makes an SM2 seal, a holder seals the
notice as a GB/T 38540 SES_Signature, and a reviewer verifies it and catches the tampered copy.
Each command is printed before it runs.

EXAMPLES:
    govpki demo
    govpki demo --dir /tmp/govpki-demo --keep

EXIT CODES:
    0  every step behaved as expected
    2  a step did not";

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Run in this directory (created; must be empty) instead of a temporary one
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Keep the directory afterwards
    #[arg(long)]
    pub keep: bool,
}

struct Step<'a> {
    title: &'a str,
    args: Vec<String>,
    expect: i32,
}

pub fn run(args: DemoArgs, ctx: &Context) -> Result<Outcome> {
    let DemoArgs { dir, keep } = args;
    let (dir, _guard) = match dir {
        Some(d) => {
            std::fs::create_dir_all(&d).with_context(|| format!("creating `{}`", d.display()))?;
            if std::fs::read_dir(&d)?.next().is_some() {
                bail!("`{}` is not empty", d.display());
            }
            (d, None)
        }
        None => {
            let t = tempfile::Builder::new()
                .prefix("govpki-demo-")
                .tempdir()
                .context("creating a temporary directory")?;
            let p = t.path().to_path_buf();
            (p, Some(t))
        }
    };
    let exe = std::env::current_exe().context("finding the govpki binary")?;
    let home = dir.join("root-ca");
    let p = |name: &str| dir.join(name).display().to_string();
    std::fs::write(dir.join("ca.pass"), "demo CA passphrase\n")?;
    std::fs::write(dir.join("staff.pass"), "demo staff passphrase\n")?;
    let notice =
        "关于召开2026年度全市电子政务工作会议的通知\n各单位：定于12月1日上午9时召开会议。\n";
    std::fs::write(dir.join("notice.txt"), notice)?;
    // The same notice with one byte changed (9时 -> 8时), to be checked against the original's seal.
    std::fs::write(
        dir.join("notice-tampered.txt"),
        notice.replacen('9', "8", 1),
    )?;
    // The shipped municipal policy, embedded in the binary.
    std::fs::create_dir_all(dir.join("policies"))?;
    for (name, text) in POLICY_FILES {
        std::fs::write(dir.join("policies").join(name), text)?;
    }
    // The CA is governed by the roles and bindings only: restrictions.yaml adds a nightly
    // maintenance window during which the demo's governed issuance would (rightly) be denied.
    std::fs::create_dir_all(dir.join("policies-ca"))?;
    for (name, text) in &POLICY_FILES[..2] {
        std::fs::write(dir.join("policies-ca").join(name), text)?;
    }
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    std::fs::write(dir.join("notice-sm2.txt"), notice)?;
    let mut steps = vec![
        Step {
            title: "create the root CA (P-256, key encrypted with scrypt)",
            args: s(&[
                "ca",
                "init",
                "--subject",
                "CN=连云港市电子政务根CA,O=连云港市人民政府,C=CN",
                "--crl-url",
                "http://pki.lyg.gov.cn/root.crl",
                "--passphrase-file",
                &p("ca.pass"),
            ]),
            expect: 0,
        },
        Step {
            title: "issue the 信息中心 department certificate with a generated key",
            args: s(&[
                "cert",
                "issue",
                "--profile",
                "department",
                "--subject",
                "CN=信息中心,OU=信息中心,O=连云港市人民政府,C=CN",
                "--san",
                "email:xxzx@lyg.gov.cn",
                "--key-out",
                &p("dept.key"),
                "--key-passphrase-file",
                &p("staff.pass"),
                "--passphrase-file",
                &p("ca.pass"),
                "--out",
                &p("dept.pem"),
            ]),
            expect: 0,
        },
        Step {
            title: "a civil servant keeps their own key: create a CSR",
            args: s(&[
                "csr",
                "create",
                "--subject",
                "CN=张三,OU=财政局,O=连云港市人民政府,C=CN",
                "--san",
                "email:zhangsan@lyg.gov.cn",
                "--key-out",
                &p("zhangsan.key"),
                "--passphrase-file",
                &p("staff.pass"),
                "--out",
                &p("zhangsan.csr"),
            ]),
            expect: 0,
        },
        Step {
            title: "issue the person certificate from the CSR",
            args: s(&[
                "cert",
                "issue",
                "--profile",
                "person",
                "--csr",
                &p("zhangsan.csr"),
                "--passphrase-file",
                &p("ca.pass"),
                "--out",
                &p("zhangsan.pem"),
            ]),
            expect: 0,
        },
        Step {
            title: "list what the CA issued",
            args: s(&["cert", "list"]),
            expect: 0,
        },
        Step {
            title: "张三's key was lost: revoke the certificate",
            args: vec![
                "cert".into(),
                "revoke".into(),
                "SERIAL_OF:zhangsan.pem".into(),
                "--reason".into(),
                "keyCompromise".into(),
            ],
            expect: 0,
        },
        Step {
            title: "publish the CRL",
            args: s(&[
                "crl",
                "generate",
                "--out",
                &p("root.crl"),
                "--passphrase-file",
                &p("ca.pass"),
            ]),
            expect: 0,
        },
        Step {
            title: "show the CRL",
            args: s(&["crl", "show", &p("root.crl")]),
            expect: 0,
        },
        Step {
            title: "verify the department certificate against the CRL: valid (exit 0)",
            args: s(&["cert", "verify", &p("dept.pem"), "--crl", &p("root.crl")]),
            expect: 0,
        },
        Step {
            title: "verify 张三's certificate against the CRL: revoked (exit 1)",
            args: s(&[
                "cert",
                "verify",
                &p("zhangsan.pem"),
                "--crl",
                &p("root.crl"),
            ]),
            expect: 1,
        },
        Step {
            title: "issue a seal holder's certificate (profile seal, documentSigning) for 办公室",
            args: s(&[
                "cert",
                "issue",
                "--profile",
                "seal",
                "--subject",
                "CN=李四,OU=办公室,O=连云港市人民政府,C=CN",
                "--key-out",
                &p("lisi.key"),
                "--key-passphrase-file",
                &p("staff.pass"),
                "--passphrase-file",
                &p("ca.pass"),
                "--out",
                &p("lisi.pem"),
            ]),
            expect: 0,
        },
        Step {
            title: "the seal authority makes 办公室's official seal (公章), drawn as the round red seal",
            args: s(&[
                "seal",
                "create",
                "--name",
                "连云港市人民政府办公室",
                "--type",
                "official",
                "--department",
                "办公室",
                "--holder-cert",
                &p("lisi.pem"),
                "--render",
                "--out",
                &p("office.esl"),
                "--passphrase-file",
                &p("ca.pass"),
            ]),
            expect: 0,
        },
        Step {
            title: "李四 seals a notice: notice.txt.p7s, a CMS signature carrying the seal",
            args: s(&[
                "seal",
                "sign",
                "--seal",
                &p("office.esl"),
                "--key",
                &p("lisi.key"),
                "--cert",
                &p("lisi.pem"),
                "--passphrase-file",
                &p("staff.pass"),
                &p("notice.txt"),
            ]),
            expect: 0,
        },
        Step {
            title: "a reviewer verifies the sealed notice: valid (exit 0); the CRL predates the sealing, so it cannot settle revocation",
            args: s(&["seal", "verify", &p("notice.txt"), "--crl", &p("root.crl")]),
            expect: 0,
        },
        Step {
            title: "show the sealed signature and the seal it carries",
            args: s(&["seal", "show", &p("notice.txt.p7s")]),
            expect: 0,
        },
        Step {
            title: "a copy with one byte changed, against the original's seal: invalid (exit 1)",
            args: s(&[
                "seal",
                "verify",
                &p("notice-tampered.txt"),
                "--sig",
                &p("notice.txt.p7s"),
            ]),
            expect: 1,
        },
        Step {
            title: "issue the CA officer's own certificate (TITLE=安全管理员, 信息中心)",
            args: s(&[
                "cert",
                "issue",
                "--profile",
                "person",
                "--subject",
                "CN=王五,TITLE=安全管理员,OU=信息中心,O=连云港市人民政府,C=CN",
                "--key-out",
                &p("officer.key"),
                "--key-passphrase-file",
                &p("staff.pass"),
                "--passphrase-file",
                &p("ca.pass"),
                "--out",
                &p("officer.pem"),
            ]),
            expect: 0,
        },
        Step {
            title: "the policy allows the officer to issue 财政局's certificates from the intranet (exit 0)",
            args: s(&[
                "authz",
                "check",
                "--policy",
                &p("policies"),
                "--subject-cert",
                &p("officer.pem"),
                "--action",
                "cert.issue",
                "--resource",
                "dept/财政局/cert/person",
                "--context",
                "domain=intranet",
                "--context",
                "time=2026-12-01T10:00:00+08:00",
                "--explain",
            ]),
            expect: 0,
        },
        Step {
            title: "the same request from the Internet: an explicit deny overrides the allow (exit 1)",
            args: s(&[
                "authz",
                "check",
                "--policy",
                &p("policies"),
                "--subject-cert",
                &p("officer.pem"),
                "--action",
                "cert.issue",
                "--resource",
                "dept/财政局/cert/person",
                "--context",
                "domain=internet",
                "--context",
                "time=2026-12-01T10:00:00+08:00",
                "--explain",
            ]),
            expect: 1,
        },
        Step {
            title: "put the CA under the policy's roles and bindings: its commands now need an operator",
            args: s(&["ca", "policy", &p("policies-ca")]),
            expect: 0,
        },
        Step {
            title: "the officer issues a 财政局 certificate, proving presence with his key (it signs the act)",
            args: s(&[
                "--as",
                &p("officer.pem"),
                "--as-key",
                &p("officer.key"),
                "--as-passphrase-file",
                &p("staff.pass"),
                "--domain",
                "intranet",
                "cert",
                "issue",
                "--profile",
                "person",
                "--subject",
                "CN=钱八,OU=财政局,O=连云港市人民政府,C=CN",
                "--key-out",
                &p("qian.key"),
                "--key-passphrase-file",
                &p("staff.pass"),
                "--passphrase-file",
                &p("ca.pass"),
                "--out",
                &p("qian.pem"),
            ]),
            expect: 0,
        },
        Step {
            title: "the same officer from the extranet: the policy denies it, and the denial is audited (exit 1)",
            args: s(&[
                "--as",
                &p("officer.pem"),
                "--as-key",
                &p("officer.key"),
                "--as-passphrase-file",
                &p("staff.pass"),
                "--domain",
                "extranet",
                "crl",
                "generate",
                "--passphrase-file",
                &p("ca.pass"),
            ]),
            expect: 1,
        },
        Step {
            title: "verify the audit log: the hash chain and the officer's signature on what he did",
            args: s(&["audit", "verify"]),
            expect: 0,
        },
    ];
    steps.extend(sm2_steps(&p));
    ctx.out
        .info(&format!("govpki demo in `{}`\n", dir.display()));
    for (i, step) in steps.iter().enumerate() {
        let mut args = step.args.clone();
        for a in args.iter_mut() {
            if let Some(file) = a.strip_prefix("SERIAL_OF:") {
                *a = serial_of(&dir.join(file))?;
            }
        }
        ctx.out.info(&format!("== {}. {}", i + 1, step.title));
        ctx.out.info(&format!("$ govpki {}", shell_words(&args)));
        let output = Command::new(&exe)
            .args(&args)
            .env("GOVPKI_HOME", &home)
            // Each step speaks the tour's language (`--lang`, `LANG`...).
            .env("GOVPKI_LANG", ctx.out.lang().code())
            .env_remove("GOVPKI_POLICY")
            .output()
            .with_context(|| format!("running step {}", i + 1))?;
        let code = output.status.code().unwrap_or(-1);
        let mut in_pem = false;
        for line in String::from_utf8_lossy(&output.stdout)
            .lines()
            .chain(String::from_utf8_lossy(&output.stderr).lines())
        {
            // Keep PEM bodies out of the tour.
            if line.starts_with("-----BEGIN") {
                in_pem = true;
            }
            if in_pem {
                in_pem = !line.starts_with("-----END");
                continue;
            }
            ctx.out.info(&format!("    {line}"));
        }
        ctx.out.info(&format!("    (exit {code})\n"));
        if code != step.expect {
            bail!(
                "demo step {} `{}` exited {code}, expected {}",
                i + 1,
                step.title,
                step.expect
            );
        }
    }
    if keep && let Some(g) = _guard {
        let kept = g.keep();
        ctx.out.info(&format!("kept `{}`", kept.display()));
    }
    ctx.out
        .info("demo complete: every step behaved as expected");
    Ok(Outcome::Success)
}

/// The national algorithms: an SM2 CA in its own home issues a department certificate and a
/// seal holder's, its seal authority makes an SM2 seal, the holder seals a notice as a GB/T 38540
/// SES_Signature, and a reviewer verifies it and catches the tampered copy.
fn sm2_steps(p: &dyn Fn(&str) -> String) -> Vec<Step<'static>> {
    let sm2 = |v: &[&str]| {
        ["--home".to_string(), p("sm2-ca")]
            .into_iter()
            .chain(v.iter().map(|x| x.to_string()))
            .collect::<Vec<_>>()
    };
    vec![
        Step {
            title: "national algorithms: create an SM2 root CA in a second home (SM2-with-SM3, GM/T 0009 user ID)",
            args: sm2(&[
                "ca",
                "init",
                "--algorithm",
                "sm2",
                "--subject",
                "CN=连云港市电子政务SM2根CA,O=连云港市人民政府,C=CN",
                "--crl-url",
                "http://pki.lyg.gov.cn/sm2-root.crl",
                "--passphrase-file",
                &p("ca.pass"),
            ]),
            expect: 0,
        },
        Step {
            title: "the SM2 CA issues the 信息中心 department certificate (SM2 key, encrypted PKCS#8)",
            args: sm2(&[
                "cert",
                "issue",
                "--profile",
                "department",
                "--algorithm",
                "sm2",
                "--subject",
                "CN=信息中心,OU=信息中心,O=连云港市人民政府,C=CN",
                "--key-out",
                &p("dept-sm2.key"),
                "--key-passphrase-file",
                &p("staff.pass"),
                "--passphrase-file",
                &p("ca.pass"),
                "--out",
                &p("dept-sm2.pem"),
            ]),
            expect: 0,
        },
        Step {
            title: "verify the SM2 department certificate: valid (exit 0)",
            args: sm2(&["cert", "verify", &p("dept-sm2.pem")]),
            expect: 0,
        },
        Step {
            title: "issue an SM2 seal holder's certificate for 办公室",
            args: sm2(&[
                "cert",
                "issue",
                "--profile",
                "seal",
                "--algorithm",
                "sm2",
                "--subject",
                "CN=赵六,OU=办公室,O=连云港市人民政府,C=CN",
                "--key-out",
                &p("zhaoliu.key"),
                "--key-passphrase-file",
                &p("staff.pass"),
                "--passphrase-file",
                &p("ca.pass"),
                "--out",
                &p("zhaoliu.pem"),
            ]),
            expect: 0,
        },
        Step {
            title: "the SM2 seal authority makes 办公室's seal: a GB/T 38540 v4 SESeal signed SM2",
            args: sm2(&[
                "seal",
                "create",
                "--name",
                "连云港市人民政府办公室",
                "--type",
                "official",
                "--department",
                "办公室",
                "--holder-cert",
                &p("zhaoliu.pem"),
                "--out",
                &p("office-sm2.esl"),
                "--passphrase-file",
                &p("ca.pass"),
            ]),
            expect: 0,
        },
        Step {
            title: "赵六 seals the notice as a GB/T 38540 SES_Signature (SM3 of the notice, SM2 over TBS_Sign): notice-sm2.txt.ses",
            args: sm2(&[
                "seal",
                "sign",
                "--seal",
                &p("office-sm2.esl"),
                "--key",
                &p("zhaoliu.key"),
                "--cert",
                &p("zhaoliu.pem"),
                "--passphrase-file",
                &p("staff.pass"),
                &p("notice-sm2.txt"),
            ]),
            expect: 0,
        },
        Step {
            title: "a reviewer verifies the SES seal-signature: valid (exit 0)",
            args: sm2(&["seal", "verify", &p("notice-sm2.txt")]),
            expect: 0,
        },
        Step {
            title: "the copy with one byte changed, against the SES seal-signature: invalid (exit 1)",
            args: sm2(&[
                "seal",
                "verify",
                &p("notice-tampered.txt"),
                "--sig",
                &p("notice-sm2.txt.ses"),
            ]),
            expect: 1,
        },
    ]
}

fn serial_of(path: &Path) -> Result<String> {
    let der = super::common::read_cert(path)?;
    let cert = crate::ca::input::parse_cert(&der)?;
    Ok(crate::ca::serial::Serial::from_be_bytes(cert.raw_serial())?.to_hex())
}

fn shell_words(args: &[String]) -> String {
    args.iter()
        .map(|a| {
            if a.chars()
                .any(|c| c.is_whitespace() || c == ',' || c == '=' || c == '\'')
            {
                format!("'{}'", a.replace('\'', "'\\''"))
            } else {
                a.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}
