//! The `seal.create` record names the seal's holders (`; holders=`, the SHA-256 of each holder
//! certificate), and `audit verify` holds the stored seal to them: an insider with write access
//! to `govpki.db` who swaps the holders of a stored seal is caught, naming the seal, even after
//! recomputing the row hash the record keeps and rebuilding the hash chain around it.

use std::path::Path;

use govpki::audit::binding;

mod common;

use common::{Ca, Env, der_of, p};

const ORG: &str = "O=连云港市人民政府,C=CN";

/// A CA, two seal holders, and a seal for each; the seals' esIDs (holder 1's, holder 2's).
fn two_seals(env: &Env) -> (Ca, String, String) {
    let ca = env.root_ca("root", "p256", &[]);
    for (name, cn) in [("h1", "甲"), ("h2", "乙")] {
        env.issue(
            &ca,
            name,
            "seal",
            &format!("CN={cn},OU=办公室,{ORG}"),
            &[],
            &[],
        );
    }
    let mut ids = Vec::new();
    for holder in ["h1", "h2"] {
        let run = env
            .run(
                &ca.home,
                [
                    "--json",
                    "seal",
                    "create",
                    "--name",
                    "连云港市人民政府办公室",
                    "--type",
                    "official",
                    "--department",
                    "办公室",
                    "--holder-cert",
                    p(&env.path(&format!("{holder}.pem"))),
                    "--render",
                    "--out",
                    p(&env.path(&format!("{holder}.esl"))),
                ],
            )
            .success();
        ids.push(common::json_str(&run.json(), "es_id"));
    }
    env.run(&ca.home, ["audit", "verify"]).success();
    let second = ids.pop().unwrap();
    (ca, ids.pop().unwrap(), second)
}

fn db(ca: &Ca) -> rusqlite::Connection {
    rusqlite::Connection::open(ca.db()).unwrap()
}

/// Gives seal `to` the stored DER of seal `from` (which binds another holder).
fn swap_der(ca: &Ca, to: &str, from: &str) {
    db(ca)
        .execute(
            "UPDATE seals SET der = (SELECT der FROM seals WHERE es_id = ?2) WHERE es_id = ?1",
            [to, from],
        )
        .unwrap();
}

/// Recomputes the row hash that seal `es_id`'s record keeps, then rebuilds the whole chain, as
/// someone who knows how rows are bound could.
fn rebind_and_rechain(ca: &Ca, es_id: &str) {
    let db = db(ca);
    let row: String = db
        .query_row(
            "SELECT es_id, name, seal_type, department, valid_from, valid_until, created_at, der
             FROM seals WHERE es_id = ?1",
            [es_id],
            |r| {
                Ok(binding::seal_row(
                    &r.get::<_, String>(0)?,
                    &r.get::<_, String>(1)?,
                    &r.get::<_, String>(2)?,
                    &r.get::<_, String>(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    &r.get::<_, Vec<u8>>(7)?,
                ))
            },
        )
        .unwrap();
    let (seq, outcome): (i64, String) = db
        .query_row(
            "SELECT seq, outcome FROM audit WHERE action = 'seal.create' AND object LIKE ?1",
            [format!("{es_id} %")],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let old = binding::field(&outcome, "row").unwrap().to_string();
    let outcome = outcome.replace(&format!("row={old}"), &format!("row={row}"));
    db.execute(
        "UPDATE audit SET outcome = ?1 WHERE seq = ?2",
        rusqlite::params![outcome, seq],
    )
    .unwrap();
    common::rechain(&db);
}

fn fingerprint(cert: &Path) -> String {
    binding::sha256_hex(&der_of(cert))
}

#[test]
fn the_seal_create_record_names_the_holders_it_binds() {
    let env = Env::new();
    let (ca, first, second) = two_seals(&env);
    let log = env
        .run(&ca.home, ["--json", "audit", "show"])
        .success()
        .json();
    let records = log.as_array().unwrap();
    for (es_id, holder) in [(&first, "h1.pem"), (&second, "h2.pem")] {
        let record = records
            .iter()
            .find(|r| {
                r["action"] == "seal.create"
                    && r["object"].as_str().unwrap().starts_with(es_id.as_str())
            })
            .unwrap_or_else(|| panic!("no seal.create record of {es_id}: {log}"));
        let outcome = record["outcome"].as_str().unwrap();
        assert_eq!(
            binding::field(outcome, "holders"),
            Some(fingerprint(&env.path(holder)).as_str()),
            "{record}"
        );
    }
}

#[test]
fn swapped_holders_in_the_stored_seal_are_caught_naming_the_seal() {
    let env = Env::new();
    let (ca, first, second) = two_seals(&env);
    swap_der(&ca, &first, &second);
    let run = env.run(&ca.home, ["audit", "verify"]).code(1);
    assert!(
        run.stdout.contains(&format!("seal `{first}`")),
        "{}",
        run.describe()
    );
}

#[test]
fn swapped_holders_are_caught_after_the_row_hash_and_the_chain_are_rebuilt() {
    let env = Env::new();
    let (ca, first, second) = two_seals(&env);
    swap_der(&ca, &first, &second);
    rebind_and_rechain(&ca, &first);
    // Everything the row binding and the hash chain check now agrees: only the holders the
    // record names tell the seal was given to someone else.
    let run = env.run(&ca.home, ["audit", "verify"]).code(1);
    assert!(
        run.stdout.contains(&format!(
            "seal `{first}` in the store binds other holders than record"
        )),
        "{}",
        run.describe()
    );
    let json = env
        .run(&ca.home, ["--json", "audit", "verify"])
        .code(1)
        .json();
    assert_eq!(json["intact"], false, "{json}");
}
