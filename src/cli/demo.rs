//! `govpki demo`: a guided tour that runs the real commands, in a fresh directory, and checks
//! that each gives the exit code it should.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context as _, Result, bail};
use clap::Args;

use super::{Context, Outcome};

/// Long help of `govpki demo`.
pub const LONG_ABOUT: &str = "\
Run a guided tour of govpki with the real binary in a fresh directory: create a root CA,
issue a department certificate and a civil servant's certificate, revoke one, publish a CRL,
verify both against it, and verify the audit log. Each command is printed before it runs.

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
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let steps = vec![
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
            title: "verify the audit log's hash chain",
            args: s(&["audit", "verify"]),
            expect: 0,
        },
    ];
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
