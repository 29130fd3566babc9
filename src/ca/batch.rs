//! Batch request files for `cert issue --batch`: a YAML list of maps, or CSV with a header row.
//!
//! Fields: `subject` and `profile` (required), `san` (a list in YAML; `;`-separated in CSV),
//! `csr` (a path relative to the batch file), `validity`. Every row is checked before anything
//! is issued, and errors name the row. Pure: text in, rows out. A row's profile is kept as the
//! name it gives: a built-in or a home profile (`$GOVPKI_HOME/profiles/NAME.yaml`), which the
//! caller resolves as `cert issue --profile` resolves it (`ops::batch::prepare`).

use serde::Deserialize;

use super::dn::Dn;
use super::profile::San;
use super::when;

/// One validated batch row.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchRow {
    /// 1-based row number (YAML item or CSV data line) for messages.
    pub row: usize,
    pub subject: Dn,
    /// The profile's name as the row gives it (trimmed, not empty); resolved by the caller.
    pub profile: String,
    pub sans: Vec<San>,
    pub csr: Option<String>,
    pub validity: Option<time::Duration>,
}

/// Why a batch file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BatchError {
    #[error("YAML: {0}")]
    Yaml(String),
    #[error("CSV line {line}: {msg}")]
    Csv { line: usize, msg: String },
    #[error("row {row}: {msg}")]
    Row { row: usize, msg: String },
    #[error("the batch is empty")]
    Empty,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRow {
    subject: String,
    profile: String,
    #[serde(default)]
    san: Vec<String>,
    #[serde(default)]
    csr: Option<String>,
    #[serde(default)]
    validity: Option<String>,
}

/// Parses a batch file; `is_csv` is decided by the caller from the file name.
pub fn parse(text: &str, is_csv: bool) -> Result<Vec<BatchRow>, BatchError> {
    let raw = if is_csv {
        parse_csv(text)?
    } else {
        parse_yaml(text)?
    };
    if raw.is_empty() {
        return Err(BatchError::Empty);
    }
    raw.into_iter()
        .enumerate()
        .map(|(i, r)| validate(i + 1, r))
        .collect()
}

fn parse_yaml(text: &str) -> Result<Vec<RawRow>, BatchError> {
    // Only the first line of the parser's message: the rest quotes the input, which must not
    // reach stderr (a private key passed by mistake would be echoed).
    // serde-saphyr's default budget (250,000 nodes) guards configuration files; a batch of
    // 100,000 requests has ~5 nodes a row. Scale the budget with the input (nodes and events
    // per line), keeping its limits on depth, aliases and anchors.
    let lines = text.lines().count();
    let mut budget = serde_saphyr::Budget::default();
    budget.max_nodes = (lines.saturating_mul(8)).max(250_000);
    budget.max_events = (lines.saturating_mul(16)).max(1_000_000);
    budget.max_depth = 16;
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    serde_saphyr::from_str_with_options::<Vec<RawRow>>(text, options).map_err(|e| {
        let msg = e.to_string();
        let first = msg.lines().next().unwrap_or("").trim();
        BatchError::Yaml(first.strip_prefix("error: ").unwrap_or(first).to_string())
    })
}

fn validate(row: usize, r: RawRow) -> Result<BatchRow, BatchError> {
    let err = |msg: String| BatchError::Row { row, msg };
    let subject =
        Dn::parse(&r.subject).map_err(|e| err(format!("subject `{}`: {e}", r.subject)))?;
    let profile = r.profile.trim().to_string();
    if profile.is_empty() {
        return Err(err("no profile".into()));
    }
    let sans = r
        .san
        .iter()
        .map(|s| San::parse(s))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| err(e.to_string()))?;
    let validity = r
        .validity
        .as_deref()
        .map(when::parse_duration)
        .transpose()
        .map_err(|e| err(e.to_string()))?;
    let csr = r.csr.filter(|c| !c.trim().is_empty());
    if let Some(c) = &csr
        && c.contains('\0')
    {
        return Err(err("csr path contains a NUL byte".into()));
    }
    Ok(BatchRow {
        row,
        subject,
        profile,
        sans,
        csr,
        validity,
    })
}

/// Splits one CSV line (RFC 4180 quoting; no embedded newlines).
fn split_csv_line(line: &str, lineno: usize) -> Result<Vec<String>, BatchError> {
    let mut fields = Vec::new();
    let mut cur = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    let mut at_start = true;
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    cur.push('"');
                    chars.next();
                } else {
                    quoted = false;
                }
            } else {
                cur.push(c);
            }
        } else if c == '"' && at_start {
            quoted = true;
            at_start = false;
        } else if c == ',' {
            fields.push(std::mem::take(&mut cur));
            at_start = true;
        } else if c == '"' {
            return Err(BatchError::Csv {
                line: lineno,
                msg: "a quote inside an unquoted field".into(),
            });
        } else {
            cur.push(c);
            at_start = false;
        }
    }
    if quoted {
        return Err(BatchError::Csv {
            line: lineno,
            msg: "unterminated quoted field".into(),
        });
    }
    fields.push(cur);
    Ok(fields)
}

fn parse_csv(text: &str) -> Result<Vec<RawRow>, BatchError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let Some((hline, header)) = lines.next() else {
        return Ok(Vec::new());
    };
    let header: Vec<String> = split_csv_line(header, hline + 1)?
        .into_iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    let col = |name: &str| header.iter().position(|h| h == name);
    for h in &header {
        if !["subject", "profile", "san", "csr", "validity"].contains(&h.as_str()) {
            return Err(BatchError::Csv {
                line: hline + 1,
                msg: format!(
                    "unknown column `{h}` (expected subject, profile, san, csr, validity)"
                ),
            });
        }
    }
    let (Some(subj), Some(prof)) = (col("subject"), col("profile")) else {
        return Err(BatchError::Csv {
            line: hline + 1,
            msg: "the header needs `subject` and `profile` columns".into(),
        });
    };
    let (san, csr, validity) = (col("san"), col("csr"), col("validity"));
    let mut rows = Vec::new();
    for (i, line) in lines {
        let fields = split_csv_line(line, i + 1)?;
        if fields.len() != header.len() {
            return Err(BatchError::Csv {
                line: i + 1,
                msg: format!("{} fields, the header has {}", fields.len(), header.len()),
            });
        }
        let get = |c: Option<usize>| {
            c.map(|c| fields[c].trim().to_string())
                .filter(|s| !s.is_empty())
        };
        rows.push(RawRow {
            subject: fields[subj].trim().to_string(),
            profile: fields[prof].trim().to_string(),
            san: get(san)
                .map(|s| {
                    s.split(';')
                        .map(|x| x.trim().to_string())
                        .filter(|x| !x.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            csr: get(csr),
            validity: get(validity),
        });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_and_csv_agree() {
        let yaml = r#"
- subject: "CN=张三,OU=信息中心,O=连云港市人民政府,C=CN"
  profile: person
  san: ["email:zhangsan@lyg.gov.cn"]
- subject: "CN=www.lyg.gov.cn,O=连云港市人民政府,C=CN"
  profile: server
  san: ["dns:www.lyg.gov.cn", "ip:10.0.0.1"]
  validity: 1y
"#;
        let csv = "subject,profile,san,validity\n\"CN=张三,OU=信息中心,O=连云港市人民政府,C=CN\",person,email:zhangsan@lyg.gov.cn,\n\"CN=www.lyg.gov.cn,O=连云港市人民政府,C=CN\",server,dns:www.lyg.gov.cn;ip:10.0.0.1,1y\n";
        let a = parse(yaml, false).unwrap();
        let b = parse(csv, true).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.len(), 2);
        assert_eq!(a[1].sans.len(), 2);
    }

    #[test]
    fn large_batches_fit_the_parser_budget() {
        // 60,000 rows is ~300,000 YAML nodes, over serde-saphyr's default budget of 250,000.
        let mut yaml = String::new();
        for i in 0..60_000 {
            yaml.push_str(&format!("- subject: \"CN=u{i},C=CN\"\n  profile: person\n"));
        }
        assert_eq!(parse(&yaml, false).unwrap().len(), 60_000);
    }

    #[test]
    fn errors_name_the_row() {
        // A profile is resolved by the caller (built-in or the home's own): any name parses.
        let home = "- subject: \"CN=a\"\n  profile: clerk\n";
        assert_eq!(parse(home, false).unwrap()[0].profile, "clerk");
        let bad = "- subject: \"CN=a\"\n  profile: \" \"\n";
        assert!(matches!(
            parse(bad, false),
            Err(BatchError::Row { row: 1, .. })
        ));
        let unknown = "- subject: \"CN=a\"\n  profile: person\n  colour: red\n";
        assert!(matches!(parse(unknown, false), Err(BatchError::Yaml(_))));
        assert!(matches!(
            parse("subject,profile\n\"CN=a,person\n", true),
            Err(BatchError::Csv { line: 2, .. })
        ));
        assert!(matches!(
            parse("subject,profile,extra\n", true),
            Err(BatchError::Csv { line: 1, .. })
        ));
        assert_eq!(parse("[]", false), Err(BatchError::Empty));
        assert!(parse("{{{", false).is_err());
    }
}
