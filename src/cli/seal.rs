//! `govpki seal`: make electronic seals (create), apply them to documents (sign), verify sealed
//! documents (verify), show seals and signatures (show), revoke seals (revoke) and publish the
//! signed seal status list (status-list). DESIGN.md §2 and §4.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context as _, Result, anyhow, bail};
use clap::{Args, Subcommand, ValueEnum};
use serde_json::json;
use time::OffsetDateTime;

use super::common::{self, OpenCa};
use super::govern;
use super::{Context, Outcome, hinted};
use crate::audit::Event;
use crate::ca::input;
use crate::ca::keys::{Algorithm, PrivateKey};
use crate::ca::serial::Serial;
use crate::ca::verify::{self as ca_verify, Purpose, VerifyInput};
use crate::ca::when::{self, rfc3339};
use crate::seal::chain::{AtTimeChecker, ChainSetupError, StoreRevocation};
use crate::seal::render::default_size_mm;
use crate::seal::status::{self, SealStatusList, StatusEntry};
use crate::seal::timestamp::{self, TokenCheck};
use crate::seal::{
    DocumentSigner, Picture, RevokedSeal, RevokedSeals, Seal, SealError, SealSigner, SealSpec,
    SealType, SesSignature, SignRefusal, SignatureAlgorithm, SignatureCheck, SignatureFile,
    Verdict, VerificationReport, VerifyOptions, certificate_subject, check_before_signing,
    create_seal, es_id_from_random, format_time, hash_document_with, looks_like_ses,
    parse_signature, render_seal_svg, sniff_image, verify_document, verify_ses,
};
use crate::store::files;
use crate::store::revocations::RevocationReader;
use crate::store::seals::{RevokedSealRow, SealRecord, SealStoreError};

/// The seal status list's copy in the home, beside `crl.der`.
pub const STATUS_LIST_FILE: &str = "seal-status.der";

/// The most we read of a seal, signature or status list.
const OBJECT_LIMIT: u64 = 64 * 1024 * 1024;

#[derive(Debug, Subcommand)]
#[allow(clippy::large_enum_variant)]
pub enum SealCommand {
    /// Make an electronic seal (.esl) signed by a seal authority (this home's CA), for holder certificates
    #[command(long_about = CREATE_LONG)]
    Create(CreateArgs),
    /// Seal documents: a detached CMS signature carrying the seal, DOC.p7s beside each
    #[command(long_about = SIGN_LONG)]
    Sign(SignArgs),
    /// Verify sealed documents at their signing time and report every check
    #[command(long_about = VERIFY_LONG)]
    Verify(VerifyArgs),
    /// Time-stamp a sealed signature (RFC 3161): write the request, then embed the TSA's token
    #[command(long_about = TIMESTAMP_LONG)]
    Timestamp(TimestampArgs),
    /// Show a seal (.esl), a sealed signature (.p7s or SES_Signature) or a seal status list
    #[command(long_about = SHOW_LONG)]
    Show(ShowArgs),
    /// Revoke a seal this home's CA made
    #[command(long_about = REVOKE_LONG)]
    Revoke(RevokeArgs),
    /// Sign and publish the seal status list (the revoked seals), beside the CRL
    #[command(long_about = STATUS_LIST_LONG)]
    StatusList(StatusListArgs),
}

const CREATE_LONG: &str = "\
Make an electronic seal: a DER SESeal (GB/T 38540-2020, version 4) naming the seal, its type and
department, the holder certificates allowed to apply it, its validity window and its image, signed
by a seal authority: this home's CA key (the default), or a certificate of the `seal-authority`
profile issued under this home's chain (extended key usage 1.3.6.1.4.1.32473.1.3.1; `govpki cert
issue --profile seal-authority`) with its key (--authority-cert F --authority-key F). Any other
certificate (person, department, seal holder) is refused before a key is unlocked: it is not a
seal authority, and `seal verify` would judge its seals invalid. The seal is recorded in the store
(audited as seal.create, esID unique in the home) before the .esl file is written.

Types: official (公章), contract (合同专用章), finance (财务专用章), invoice (发票专用章),
personal (个人章); the Chinese names and the codes 1-5 are accepted too.

Holders: each --holder-cert file holds a certificate (optionally followed by its intermediates).
It must validate now against this CA's chain (or --holder-trust), carry the documentSigning EKU
(1.3.6.1.5.5.7.3.36) and digitalSignature or nonRepudiation, as the seal profile gives, and not be
revoked in this home's store.

Image: --image takes a PNG or SVG (checked: no scripts in SVG); its size in mm comes from
--image-size, else the file (PNG pHYs, SVG width/height), else the customary size of the type.
Without --image the standard round red seal is drawn as SVG (--render, the default): the name
around the upper arc, a five-pointed star, the type below; 42 mm for official seals.

Validity: --valid-from defaults to now; --valid-until takes a time or a duration after
--valid-from (2y) and defaults to the latest holder certificate's expiry, cut to the CA's. Past
windows are allowed (with a warning): such a seal cannot be applied.

EXAMPLES:
    govpki seal create --name 连云港市人民政府办公室 --type official --department 办公室 \\
        --holder-cert lisi.pem --render --out office.esl --passphrase-file ca.pass
    govpki seal create --name 连云港市财政局 --type 财务专用章 --department 财政局 \\
        --holder-cert a.pem --holder-cert b.pem --image finance.png --valid-until 1y --out finance.esl
    govpki cert issue --profile seal-authority --subject 'CN=印章管理部门,O=连云港市人民政府,C=CN' \\
        --key-out sa.key --out sa.pem
    govpki seal create --name 连云港市人民政府 --type official --department 办公室 \\
        --holder-cert lisi.pem --authority-cert sa.pem --authority-key sa.key --out gov.esl

EXIT CODES:
    0  created
    2  an error (maker not a seal authority, holder not valid for sealing, bad image, existing
       output, wrong passphrase, ...)";

const SIGN_LONG: &str = "\
Seal documents: for each DOC, a detached CMS SignedData (RFC 5652) over the document's bytes by the
holder key, with the CAdES-B-B signed attributes contentType, messageDigest, signingTime and
signingCertificateV2, and the whole seal as a signed attribute (OID 1.3.6.1.4.1.32473.1.1, a
documentation placeholder until a PEN is registered). The signer's certificate and chain are
embedded: the chain comes from --chain, else from the --cert file's extra certificates, else from
this home when its CA issued the holder. `openssl cms -verify -binary -inform DER -in DOC.p7s
-content DOC -CAfile ROOT -purpose any` accepts the result.

Output: DOC.p7s beside each document, or in --out-dir. Two documents with the same file name into
one --out-dir is an error; an existing signature file needs --force. Files are written whole or
not at all, and made durable together at the end.

Refusals (exit 1, before the key is unlocked): the seal expired or is not yet valid, the seal is
revoked (known from this home's store when this home's CA made it, or from --seal-status), the
seal does not list the signing certificate, the seal's authority signature does not verify, or the
signing certificate is expired, not yet valid, or revoked in this home's store.

The key is unlocked once (--passphrase-file, else a prompt; an unencrypted key needs neither);
documents are hashed streaming in constant memory (the hash follows the key: SHA-256 for P-256 and
RSA, SHA-384 for P-384, SHA-512 for Ed25519) on every core. All documents get the same signing
time. --format ses (GB/T 38540 SES_Signature) needs an SM2 holder key, which govpki does not issue
yet: not supported. (Seals made by other systems with SM2-with-SM3 are checked: `seal show`.)

With --json: one JSON line per document (document, signature, es_id, signer, signing_time,
digest_algorithm, digest; or document and error), or {\"verdict\": \"refused\", \"reason\": ...}
when the seal is refused.

EXAMPLES:
    govpki seal sign --seal office.esl --key lisi.key --cert lisi.pem --passphrase-file lisi.pass notice.pdf
    govpki seal sign --seal office.esl --key lisi.key --cert lisi.pem --out-dir signed/ docs/*.pdf
    govpki --json seal sign --seal office.esl --key lisi.key --cert lisi.pem --chain chain.pem a.ofd

EXIT CODES:
    0  every document sealed
    1  refused (seal expired, not yet valid, revoked, or not listing the certificate)
    2  an error (missing document, wrong passphrase, existing output, --format ses, ...)";

const VERIFY_LONG: &str = "\
Verify sealed documents. For each DOC the signature is --sig, else DOC.p7s or DOC.ses beside it:
a CMS signature (.p7s, made by `seal sign`) or a GB/T 38540 SES_Signature made by another seal
system (version 4, or GM/T 0031-2025 version 5), told apart by content, not by name. In an OFD
package the seal-signature is Doc_0/Signs/Sign_N/SignedValue.dat and the signed file is the
Signature.xml beside it (its SM3 is the dataHash). Every check is reported, pass or fail:
seal present, document hash, signer signature, signingCertificateV2, signing time, signer listed in
the seal, signer chain (documentSigning, key usage, revocation), seal authority signature and
chain, seal extensions, signing time inside the seal's validity, seal not revoked, time-stamp.
For an SES_Signature: the document's SM3 against dataHash, the SM2-with-SM3 signature over
TBS_Sign (DER r,s only; a raw r||s value is invalid), timeInfo as the claimed signing time, and
the signer chain without the documentSigning EKU (seal systems issue clientAuth certificates).
Version 1 (GM/T 0031-2014) SES_Signatures are refused (exit 2); time-stamps inside an
SES_Signature are reported, not verified.

Everything is judged at the signing time: --at if given, else the genTime of a verified RFC 3161
time-stamp (`govpki seal timestamp`), else the signingTime the signer claims. A time-stamp verifies
when its messageImprint is the hash of the signature value, its signature and ESSCertID(v2) check
out, and its TSA certificate chains to --trust at genTime with the critical timeStamping EKU; a
claimed signingTime more than 5 minutes after genTime is invalid. A token that is altered or for
another signature is invalid; one whose TSA is not trusted is indeterminate (the claimed time is
used). Trust anchors are --trust (repeatable PEM bundles), by default this home's root, with this
home's chain as intermediates besides those in the signature and --untrusted.

Seal authorities: a seal counts only when its maker (the certificate in the seal) is a seal
authority the verifier trusts: a CA certificate of the trusted hierarchy (allowing keyCertSign; a
CA home's key makes seals), a certificate of the `seal-authority` profile (extended key usage
1.3.6.1.4.1.32473.1.3.1) chaining to --trust, or a certificate pinned with --seal-authority
(for other systems' seals; checked under --trust when it chains there, else trusted as given).
Any other maker, e.g. a person, department or seal holder certificate, makes the seal invalid:
\"not a seal authority\", whatever its chain.

Revocation: CRLs come from --crl, from the signature, and from this home's store (for
certificates this home's CA issued, as of now). A CRL shows a certificate valid at the signing
time only if it was issued (thisUpdate) at or after it; a certificate revoked (or on hold, or
with an invalidity date) at or before the signing time is invalid; one revoked later is valid
for this signature, except that a claimed signing time proves nothing against a compromised key:
a certificate of the signer's or the authority's chain revoked for keyCompromise (or
cACompromise, aACompromise, or with an invalidity date) voids the signature unless a verified
time-stamp (or --at, the verifier's own statement) shows it existed before that date (the
invalidity date when earlier). Where no CRL settles it the report says \"revocation not
checked\" and the verdict may still be valid; --require-revocation makes it indeterminate. Seal
revocation comes from this home's store (for seals this home made) and from seal status lists
(--seal-status, see `govpki seal status-list`), with the same rule.

Output: the text report per document; with --json, one JSON object per line per document (JSON
lines), each with `document`, `verdict` (valid, invalid, indeterminate, or error when the
document could not be judged), `reason`, the seal's fields and `checks`.

EXAMPLES:
    govpki seal verify notice.pdf
    govpki seal verify notice.pdf --sig received/notice.p7s --trust root.pem --crl root.crl
    govpki --json seal verify signed/*.pdf --crl root.crl --seal-status seal-status.der --require-revocation
    govpki seal verify contract.ofd --at 2026-06-01T10:00:00+08:00 --image-out seal.svg
    unzip invoice.ofd 'Doc_0/Signs/Sign_0/*' -d invoice
    govpki seal verify invoice/Doc_0/Signs/Sign_0/Signature.xml --sig invoice/Doc_0/Signs/Sign_0/SignedValue.dat \\
        --trust tax-root.pem --seal-authority tax-seal-maker.pem

EXIT CODES (the worst over all documents: 2 > 1 > 3 > 0):
    0  valid
    1  invalid (document changed, bad signature, no seal, holder not listed, maker not a seal
       authority, revoked, key compromised, expired, untrusted, time-stamp altered or for
       another signature)
    2  an error (missing document or signature, malformed signature, version 1
       SES_Signature, unreadable input)
    3  indeterminate (revocation required but not settled, unsupported algorithm, time-stamp by an
       untrusted TSA)";

const TIMESTAMP_LONG: &str = "\
Time-stamp a sealed signature (CAdES-B-T): a time-stamp authority (TSA) attests that the
signature existed at its genTime, so `seal verify` judges the signer and the seal at that proven
time instead of the time the signer claims. govpki does not talk to the TSA; it takes two steps:

1. --query-out REQ.tsq writes an RFC 3161 TimeStampReq (DER) for the signature: messageImprint
   SHA-256 of the SignerInfo's signature value (RFC 3161 Appendix A), a random 64-bit nonce,
   certReq true. Send it to the TSA, e.g. with curl.
2. --response RESP.tsr reads the TSA's TimeStampResp (DER), requires status granted (or
   grantedWithMods), checks that the token is for this signature (messageImprint) and for this
   request (nonce, with --query REQ.tsq), verifies the token's signature, and, with --trust,
   that the TSA certificate chains to those anchors at genTime with the timeStamping EKU. The
   token is then embedded as the unsigned attribute signatureTimeStampToken
   (1.2.840.113549.1.9.16.2.14) and SIG.p7s is replaced atomically. The signed part is untouched:
   the signature verifies as before. A signature that already carries a time-stamp needs --force
   (the old one is replaced). On any refusal the file is unchanged.

With --json: {signature, query, imprint_algorithm, imprint, nonce} for --query-out;
{signature, gen_time, tsa, serial, policy, tsa_chain_checked} for --response.

EXAMPLES:
    govpki seal timestamp notice.pdf.p7s --query-out notice.tsq
    curl -sS -H 'Content-Type: application/timestamp-query' --data-binary @notice.tsq https://tsa.example/ -o notice.tsr
    govpki seal timestamp notice.pdf.p7s --response notice.tsr --query notice.tsq --trust tsa-root.pem
    govpki seal verify notice.pdf --trust root.pem --trust tsa-root.pem

EXIT CODES:
    0  request written, or time-stamp embedded
    1  refused (response not granted, token for another signature or request, bad token
       signature, TSA not trusted under --trust)
    2  an error (unreadable or malformed signature or response, existing output or time-stamp
       without --force)";

const SHOW_LONG: &str = "\
Show a seal (.esl), a sealed signature (.p7s, DER or PEM), a GB/T 38540 SES_Signature (.ses, or an
OFD's SignedValue.dat; recognised by content) or a seal status list: the seal's name, type,
department, esID, validity, holders, authority (and whether its maker is a seal authority: one
of this home's hierarchy, or by its own extensions a CA or seal-authority certificate; a person,
department or seal holder certificate is NOT A SEAL AUTHORITY) and image; the signature's signer, signing time,
attributes and the seal it carries (or that it carries none); for an SES_Signature its dataHash,
propertyInfo and whether both signatures verify. The argument may also be an
esID of a seal this home's CA made. --image-out writes the seal image (PNG or SVG as stored).

EXAMPLES:
    govpki seal show office.esl --image-out office.svg
    govpki seal show notice.pdf.p7s
    govpki seal show invoice/Doc_0/Signs/Sign_0/SignedValue.dat --image-out seal.png
    govpki --json seal show 3f2a9c...e1

EXIT CODES:
    0  shown
    2  an error (unreadable or malformed file, unknown esID, no image to write)";

const REVOKE_LONG: &str = "\
Revoke a seal this home's CA made: it is marked revoked in the store now (audited as seal.revoke).
`seal sign` refuses it at once in this home; others learn it from the seal status list, so publish
one with `govpki seal status-list`. Signatures made before the revocation stay valid.

EXAMPLES:
    govpki seal revoke 3f2a9c...e1 --reason 印章遗失
    govpki seal revoke 3f2a9c...e1 --reason superseded

EXIT CODES:
    0  revoked
    2  an error (unknown esID, already revoked)";

const STATUS_LIST_LONG: &str = "\
Sign and publish the seal status list: every seal this home's CA revoked, with esID, revocation
time and reason, signed by the CA key. Publish it beside the CRL; verifiers pass it to `seal verify
--seal-status F`. Like a CRL, a list shows a seal unrevoked at a signing time only if it was
issued at or after that time, and it speaks only for seals whose authority certificate is the
list's.

Format (DER; PEM label GOVPKI SEAL STATUS LIST):
    SealStatusList ::= SEQUENCE { tbsList TBSSealStatusList, signAlgID OBJECT IDENTIFIER,
                                  signedValue BIT STRING }      -- signature over DER(tbsList)
    TBSSealStatusList ::= SEQUENCE { version INTEGER (1), authority OCTET STRING (certificate),
        thisUpdate GeneralizedTime, nextUpdate GeneralizedTime, revokedSeals SEQUENCE OF
        SEQUENCE { esID IA5String, revocationDate GeneralizedTime, reason UTF8String OPTIONAL } }

The list is written to HOME/seal-status.der, and to --out (replaced atomically; PEM unless
--der) or stdout.

EXAMPLES:
    govpki seal status-list --out /var/www/pki/seal-status.pem --passphrase-file ca.pass
    govpki seal status-list --der --next-update 1d --out seal-status.der

EXIT CODES:
    0  published
    2  an error (wrong passphrase, unwritable output)";

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// The name on the seal, e.g. 连云港市人民政府办公室
    #[arg(long, value_name = "NAME")]
    pub name: String,
    /// Seal type: official, contract, finance, invoice, personal (or 公章, ..., or a code)
    #[arg(long = "type", value_name = "T")]
    pub seal_type: String,
    /// The department the seal belongs to
    #[arg(long, value_name = "DEPT")]
    pub department: String,
    /// A holder certificate allowed to apply the seal (PEM or DER; repeatable)
    #[arg(long, value_name = "F", required = true, num_args = 1..)]
    pub holder_cert: Vec<PathBuf>,
    /// The seal image, PNG or SVG
    #[arg(long, value_name = "F", conflicts_with = "render")]
    pub image: Option<PathBuf>,
    /// Draw the standard round red seal as SVG (the default without --image)
    #[arg(long)]
    pub render: bool,
    /// The image's printed size in millimetres, WIDTHxHEIGHT (e.g. 42x42)
    #[arg(long, value_name = "WxH")]
    pub image_size: Option<String>,
    /// Start of the seal's validity (RFC 3339) [default: now]
    #[arg(long, value_name = "T")]
    pub valid_from: Option<String>,
    /// End of the seal's validity: a time (RFC 3339) or a duration after --valid-from (2y)
    #[arg(long, value_name = "T")]
    pub valid_until: Option<String>,
    /// Trust anchors for the holder certificates (PEM bundle; repeatable) [default: this CA's root]
    #[arg(long, value_name = "F")]
    pub holder_trust: Vec<PathBuf>,
    /// Write the seal (DER SESeal) here
    #[arg(long, value_name = "SEAL.esl")]
    pub out: PathBuf,
    /// Replace an existing output file
    #[arg(long)]
    pub force: bool,
    /// Make the seal with this seal-authority certificate (`cert issue --profile seal-authority`) instead of the CA key
    #[arg(long, value_name = "F", requires = "authority_key")]
    pub authority_cert: Option<PathBuf>,
    /// The private key of --authority-cert (PKCS#8 PEM, encrypted or not)
    #[arg(long, value_name = "F", requires = "authority_cert")]
    pub authority_key: Option<PathBuf>,
    /// File holding the passphrase of the key that makes the seal (the CA key, or --authority-key)
    #[arg(long, value_name = "F")]
    pub passphrase_file: Option<PathBuf>,
}

/// The signature format `seal sign` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SignFormat {
    /// CMS SignedData, detached, CAdES-B-B attributes and the seal (DOC.p7s)
    P7s,
    /// GB/T 38540 SES_Signature (needs an SM2 holder key; not supported yet; `seal verify` reads them)
    Ses,
}

#[derive(Debug, Args)]
pub struct SignArgs {
    /// The seal to apply (.esl)
    #[arg(long, value_name = "SEAL.esl")]
    pub seal: PathBuf,
    /// The holder's private key (PKCS#8 PEM, encrypted or not)
    #[arg(long, value_name = "F")]
    pub key: PathBuf,
    /// The holder's certificate (PEM or DER), optionally followed by its chain
    #[arg(long, value_name = "F")]
    pub cert: PathBuf,
    /// File holding the key's passphrase
    #[arg(long, value_name = "F")]
    pub passphrase_file: Option<PathBuf>,
    /// Signature format
    #[arg(long, value_enum, default_value_t = SignFormat::P7s)]
    pub format: SignFormat,
    /// Write the signatures into this directory instead of beside the documents
    #[arg(long, value_name = "D")]
    pub out_dir: Option<PathBuf>,
    /// Replace existing signature files
    #[arg(long)]
    pub force: bool,
    /// The signer's chain to embed (PEM bundle) [default: the --cert file's extra certificates, else this home's chain]
    #[arg(long, value_name = "F")]
    pub chain: Option<PathBuf>,
    /// A seal status list to check the seal against (repeatable)
    #[arg(long, value_name = "F")]
    pub seal_status: Vec<PathBuf>,
    /// The documents to seal
    #[arg(value_name = "DOC", required = true)]
    pub docs: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The sealed documents
    #[arg(value_name = "DOC", required = true)]
    pub docs: Vec<PathBuf>,
    /// The signature file, .p7s or SES_Signature (one document only) [default: DOC.p7s, else DOC.ses]
    #[arg(long, value_name = "F")]
    pub sig: Option<PathBuf>,
    /// Trust anchors (PEM bundle; repeatable) [default: this home's root]
    #[arg(long, value_name = "F")]
    pub trust: Vec<PathBuf>,
    /// More intermediate certificates (PEM bundle; repeatable)
    #[arg(long, value_name = "F")]
    pub untrusted: Vec<PathBuf>,
    /// A CRL (PEM or DER; repeatable)
    #[arg(long, value_name = "F")]
    pub crl: Vec<PathBuf>,
    /// A seal status list (`seal status-list`; repeatable)
    #[arg(long, value_name = "F")]
    pub seal_status: Vec<PathBuf>,
    /// Trust this certificate as a seal authority (the maker of another system's seals; PEM or DER; repeatable)
    #[arg(long, value_name = "F")]
    pub seal_authority: Vec<PathBuf>,
    /// Judge at this time (RFC 3339) instead of the claimed signing time
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
    /// Revocation not settled by a CRL or status list makes the verdict indeterminate (3)
    #[arg(long)]
    pub require_revocation: bool,
    /// Write the seal image here (one document only)
    #[arg(long, value_name = "F")]
    pub image_out: Option<PathBuf>,
    /// Replace an existing --image-out file
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("step").required(true).args(["query_out", "response"])))]
pub struct TimestampArgs {
    /// The sealed signature (.p7s, DER or PEM)
    #[arg(value_name = "SIG.p7s")]
    pub sig: PathBuf,
    /// Step 1: write a time-stamp request (DER TimeStampReq) for the signature here
    #[arg(long, value_name = "REQ.tsq")]
    pub query_out: Option<PathBuf>,
    /// Step 2: embed the token of this TSA response (DER TimeStampResp) into the signature
    #[arg(long, value_name = "RESP.tsr")]
    pub response: Option<PathBuf>,
    /// The request the response answers: its nonce must be the token's
    #[arg(long, value_name = "REQ.tsq", requires = "response")]
    pub query: Option<PathBuf>,
    /// Trust anchors the TSA certificate must chain to (PEM bundle; repeatable) [default: the chain is not checked]
    #[arg(long, value_name = "F", requires = "response")]
    pub trust: Vec<PathBuf>,
    /// More intermediate certificates for the TSA's chain (PEM bundle; repeatable)
    #[arg(long, value_name = "F", requires = "trust")]
    pub untrusted: Vec<PathBuf>,
    /// A CRL for the TSA's chain (PEM or DER; repeatable)
    #[arg(long, value_name = "F", requires = "trust")]
    pub crl: Vec<PathBuf>,
    /// Replace an existing REQ.tsq, or an existing time-stamp in the signature
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// A seal (.esl), a signature (.p7s or SES_Signature), a seal status list, or an esID of this home
    #[arg(value_name = "FILE")]
    pub target: String,
    /// Write the seal image here
    #[arg(long, value_name = "F")]
    pub image_out: Option<PathBuf>,
    /// Replace an existing --image-out file
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct RevokeArgs {
    /// The seal's esID
    #[arg(value_name = "ESID")]
    pub es_id: String,
    /// Why (free text, e.g. lost, superseded, 印章遗失)
    #[arg(long, value_name = "R", default_value = "unspecified")]
    pub reason: String,
}

#[derive(Debug, Args)]
pub struct StatusListArgs {
    /// Also write the list here (replaced atomically)
    #[arg(long, value_name = "F")]
    pub out: Option<PathBuf>,
    /// Time until nextUpdate
    #[arg(long, value_name = "DURATION", default_value = "7d")]
    pub next_update: String,
    /// Write DER instead of PEM
    #[arg(long)]
    pub der: bool,
    /// File holding the CA key's passphrase
    #[arg(long, value_name = "F")]
    pub passphrase_file: Option<PathBuf>,
}

pub fn run(cmd: SealCommand, ctx: &Context) -> Result<Outcome> {
    match cmd {
        SealCommand::Create(args) => create(args, ctx),
        SealCommand::Sign(args) => sign(args, ctx),
        SealCommand::Verify(args) => verify(args, ctx),
        SealCommand::Timestamp(args) => timestamp_cmd(args, ctx),
        SealCommand::Show(args) => show(args, ctx),
        SealCommand::Revoke(args) => revoke(args, ctx),
        SealCommand::StatusList(args) => status_list(args, ctx),
    }
}

// ---------------------------------------------------------------------------------------------
// Keys

/// A [`SealSigner`] over a key the CA module loaded (the CA key, or a holder key): one
/// passphrase derivation per run, then `ring` signatures.
struct KeySigner<'a> {
    key: &'a PrivateKey,
    algorithm: SignatureAlgorithm,
}

impl<'a> KeySigner<'a> {
    fn new(key: &'a PrivateKey) -> Self {
        let algorithm = match key.algorithm() {
            Algorithm::P256 => SignatureAlgorithm::EcdsaP256Sha256,
            Algorithm::P384 => SignatureAlgorithm::EcdsaP384Sha384,
            Algorithm::Ed25519 => SignatureAlgorithm::Ed25519,
            // Any RSA size: the CA module signs RSA with PKCS#1 v1.5 and SHA-256.
            Algorithm::Rsa3072 => SignatureAlgorithm::RsaPkcs1Sha256,
        };
        Self { key, algorithm }
    }
}

impl SealSigner for KeySigner<'_> {
    fn algorithm(&self) -> SignatureAlgorithm {
        self.algorithm
    }

    fn public_key(&self) -> &[u8] {
        self.key.key_pair().public_key_raw()
    }

    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, SealError> {
        self.key.sign(msg).map_err(|e| SealError::Signing {
            reason: e.to_string(),
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Reading objects

fn read_seal(path: &Path) -> Result<Seal> {
    let bytes = files::read_limited(path, OBJECT_LIMIT)
        .with_context(|| format!("reading seal `{}`", path.display()))?;
    Seal::from_der(&bytes).with_context(|| format!("reading seal `{}`", path.display()))
}

/// A certificate file: the certificate, then any certificates after it (its chain).
fn read_cert_bundle(path: &Path) -> Result<(Vec<u8>, Vec<Vec<u8>>)> {
    let mut certs = common::read_certs(path)?.into_iter();
    let first = certs
        .next()
        .ok_or_else(|| anyhow!("reading certificate `{}`: no certificate", path.display()))?;
    Ok((first, certs.collect()))
}

fn read_crls(paths: &[PathBuf]) -> Result<Vec<Vec<u8>>> {
    let mut out = Vec::with_capacity(paths.len());
    for path in paths {
        let bytes = common::read_file(path, "CRL")?;
        out.push(
            input::decode_one(&bytes, input::CRL_LABELS)
                .with_context(|| format!("reading CRL `{}`", path.display()))?,
        );
    }
    Ok(out)
}

fn decode_status_list(bytes: &[u8]) -> Result<SealStatusList> {
    let der = if bytes.first() == Some(&0x30) {
        bytes.to_vec()
    } else {
        input::decode_one(bytes, &[status::PEM_LABEL])?
    };
    Ok(SealStatusList::from_der(&der)?)
}

/// Reads a seal status list and checks its signature (a list that does not verify is an error,
/// never silently ignored).
fn read_status_list(path: &Path, ctx: &Context) -> Result<SealStatusList> {
    let bytes = files::read_limited(path, OBJECT_LIMIT)
        .with_context(|| format!("reading seal status list `{}`", path.display()))?;
    let list = decode_status_list(&bytes)
        .with_context(|| format!("reading seal status list `{}`", path.display()))?;
    match list.verify_signature() {
        SignatureCheck::Valid => {}
        SignatureCheck::Invalid(why) | SignatureCheck::Unsupported(why) => bail!(
            "reading seal status list `{}`: its signature does not verify ({why})",
            path.display()
        ),
    }
    if list.next_update() < ctx.now {
        ctx.out.warn(&format!(
            "seal status list `{}` is past its nextUpdate {}",
            path.display(),
            format_time(list.next_update())
        ));
    }
    Ok(list)
}

/// The home's CA certificate, its seal revocations by esID, and the esIDs of the seals it
/// recorded.
type HomeSeals = (
    Vec<u8>,
    HashMap<String, RevokedSeal>,
    std::collections::HashSet<String>,
);

/// Where seal revocations come from: this home's store (authoritative for the seals its CA
/// made) and seal status lists, each indexed by esID.
struct SealStatusSources {
    home: Option<HomeSeals>,
    lists: Vec<(SealStatusList, HashMap<String, RevokedSeal>)>,
}

fn index_revocations<'a>(
    rows: impl IntoIterator<Item = (&'a str, OffsetDateTime, Option<&'a String>)>,
) -> HashMap<String, RevokedSeal> {
    let mut map: HashMap<String, RevokedSeal> = HashMap::new();
    for (es_id, revoked_at, reason) in rows {
        // The earliest revocation of an esID counts.
        if map.get(es_id).is_none_or(|e| revoked_at < e.revoked_at) {
            map.insert(
                es_id.to_string(),
                RevokedSeal {
                    revoked_at,
                    reason: reason.cloned(),
                },
            );
        }
    }
    map
}

impl SealStatusSources {
    fn load(ctx: &Context, lists: &[PathBuf], open: Option<&OpenCa>) -> Result<Self> {
        let home = match open {
            Some(o) => {
                let rows: Vec<RevokedSealRow> = o.store.revoked_seals()?;
                let map = index_revocations(
                    rows.iter()
                        .map(|r| (r.es_id.as_str(), r.revoked_at, r.reason.as_ref())),
                );
                Some((o.meta.cert_der.clone(), map, o.store.seal_ids()?))
            }
            None => None,
        };
        let mut indexed = Vec::with_capacity(lists.len());
        for p in lists {
            let list = read_status_list(p, ctx)?;
            let map = index_revocations(
                list.entries()
                    .iter()
                    .map(|e| (e.es_id.as_str(), e.revoked_at, e.reason.as_ref())),
            );
            indexed.push((list, map));
        }
        Ok(Self {
            home,
            lists: indexed,
        })
    }

    /// What is known about `seal` at time `at` (the store speaks as of `now`).
    fn for_seal(&self, seal: &Seal, at: OffsetDateTime, now: OffsetDateTime) -> RevokedSeals {
        let info = seal.info();
        let mut complete = false;
        let mut entry: Option<RevokedSeal> = None;
        let mut note = |r: Option<&RevokedSeal>| {
            if let Some(r) = r
                && entry.as_ref().is_none_or(|e| r.revoked_at < e.revoked_at)
            {
                entry = Some(r.clone());
            }
        };
        // The home speaks for the seals its CA made, and for those of the seal authorities
        // it certified, as far as its store recorded them: a seal made with such a key
        // outside this home (a copy of it, another tool) is one the home cannot revoke, so
        // the home does not settle it.
        if let Some((ca_cert, map, recorded)) = &self.home
            && (*ca_cert == info.authority_cert
                || crate::seal::chain::certificate_issued_by(&info.authority_cert, ca_cert))
            && recorded.contains(&info.es_id)
        {
            complete |= at <= now;
            note(map.get(&info.es_id));
        }
        for (list, map) in self.lists.iter().filter(|(l, _)| l.applies_to(seal)) {
            complete |= list.this_update() >= at;
            note(map.get(&info.es_id));
        }
        let entries = entry.map(|e| (info.es_id.clone(), e));
        if complete {
            RevokedSeals::complete(entries)
        } else {
            RevokedSeals::partial(entries)
        }
    }
}

fn has_document_signing(cert: &x509_parser::certificate::X509Certificate<'_>) -> bool {
    cert.extended_key_usage().ok().flatten().is_some_and(|e| {
        e.value
            .other
            .iter()
            .any(|o| o.to_id_string() == "1.3.6.1.5.5.7.3.36")
    })
}

fn signs_documents(cert: &x509_parser::certificate::X509Certificate<'_>) -> bool {
    match cert.key_usage() {
        Ok(Some(ku)) => ku.value.digital_signature() || ku.value.non_repudiation(),
        Ok(None) => true,
        Err(_) => false,
    }
}

/// The store's record of a certificate this home's CA issued (same DER), if any.
fn store_row(open: &OpenCa, der: &[u8], now: OffsetDateTime) -> Option<crate::store::CertRow> {
    let cert = input::parse_cert(der).ok()?;
    let serial = Serial::from_be_bytes(cert.raw_serial()).ok()?;
    // The home opened and answered before (open_home); a failure here is an I/O fault on a
    // read the store already served, reported as "not found" only for certificates that
    // are not this CA's.
    open.store
        .get(&serial, now)
        .ok()
        .flatten()
        .filter(|r| r.der == der)
}

/// The checker with this home's certificate revocations: the store is authoritative, as of
/// now, for every certificate this home's CA issued (its CRLs are made from it). Serials are
/// looked up as paths need them, on a read-only connection of their own.
fn with_home_revocations(
    checker: AtTimeChecker,
    open: &OpenCa,
    now: OffsetDateTime,
) -> Result<AtTimeChecker> {
    let reader = RevocationReader::open(open.store.home())?;
    let lookup = move |serial: &[u8]| -> std::result::Result<Option<StoreRevocation>, String> {
        let Ok(serial) = Serial::from_be_bytes(serial) else {
            return Ok(None);
        };
        Ok(reader
            .get(&serial)
            .map_err(|e| e.to_string())?
            .map(|e| StoreRevocation {
                serial: e.serial.as_bytes().to_vec(),
                revoked_at: e.revoked_at,
                reason: e.reason,
                invalidity: e.invalidity,
            }))
    };
    Ok(checker.with_store_lookup(open.meta.cert_der.clone(), Box::new(lookup), now))
}

/// This home's CA, if the home holds one. A home whose database exists but does not open is
/// an error, never "no home": it may hold revocations or a policy that must not be skipped.
fn open_home(ctx: &Context) -> Result<Option<OpenCa>> {
    if !ctx.home.join(crate::store::DB_FILE).exists() {
        return Ok(None);
    }
    OpenCa::open(&ctx.home).map(Some)
}

// ---------------------------------------------------------------------------------------------
// seal create

fn parse_size(text: &str) -> Result<(u32, u32)> {
    let bad = || anyhow!("--image-size `{text}` is not WIDTHxHEIGHT in millimetres, like 42x42");
    let (w, h) = text.trim().split_once(['x', 'X', '×']).ok_or_else(bad)?;
    Ok((
        w.trim().parse().map_err(|_| bad())?,
        h.trim().parse().map_err(|_| bad())?,
    ))
}

fn create(args: CreateArgs, ctx: &Context) -> Result<Outcome> {
    let CreateArgs {
        name,
        seal_type,
        department,
        holder_cert,
        image,
        render,
        image_size,
        valid_from,
        valid_until,
        holder_trust,
        out,
        force,
        authority_cert,
        authority_key,
        passphrase_file,
    } = args;
    let seal_type: SealType = seal_type
        .parse()
        .with_context(|| format!("--type `{seal_type}`"))?;
    let size = image_size.as_deref().map(parse_size).transpose()?;
    let valid_from = valid_from
        .as_deref()
        .map(|t| when::parse_time(t).context("--valid-from"))
        .transpose()?
        .unwrap_or(ctx.now);
    common::check_output_free(&out, force)?;

    let picture = match &image {
        Some(path) => {
            let data = common::read_file(path, "seal image")?;
            let info = sniff_image(&data)
                .with_context(|| format!("reading seal image `{}`", path.display()))?;
            let (width_mm, height_mm) = size
                .or(info.size_mm)
                .unwrap_or_else(|| default_size_mm(seal_type));
            Picture {
                format: info.format,
                data,
                width_mm,
                height_mm,
            }
        }
        None => {
            // --render is the default without --image.
            let _ = render;
            let mut p = render_seal_svg(&name, seal_type).context("rendering the seal")?;
            if let Some((w, h)) = size {
                p.width_mm = w;
                p.height_mm = h;
            }
            p
        }
    };

    let mut open = OpenCa::open(&ctx.home)?;
    let actor = govern::authorize(
        ctx,
        &mut open,
        &[govern::Ask::new(
            "seal.create",
            format!(
                "dept/{}/seal/{}",
                govern::segment(Some(&department)),
                seal_type.name()
            ),
        )],
    )?;
    // The maker: this home's CA (the default) or a seal authority certified under it. Only a
    // seal authority makes seals (DESIGN.md §4); checked before any key is unlocked.
    let maker_der = match &authority_cert {
        Some(path) => common::read_cert(path)?,
        None => open.meta.cert_der.clone(),
    };
    check_seal_authority(&open, &maker_der, ctx.now).map_err(|why| {
        let what = match &authority_cert {
            Some(path) => format!("`{}`", path.display()),
            None => "this home's CA certificate".to_string(),
        };
        hinted(
            format!("{what} cannot make seals: {why}"),
            "make seals with this home's CA key (the default), or with a certificate of `govpki cert issue --profile seal-authority` and its key (--authority-cert F --authority-key F)",
        )
    })?;
    let ca_cert =
        input::parse_cert(&maker_der).context("reading the seal authority certificate")?;
    let ca_not_after = ca_cert.validity().not_after.to_datetime();

    // The holders: valid now for sealing under this CA's chain (or --holder-trust).
    let home_chain = open.chain();
    let anchors = if holder_trust.is_empty() {
        home_chain.last().cloned().into_iter().collect::<Vec<_>>()
    } else {
        let mut a = Vec::new();
        for t in &holder_trust {
            a.extend(common::read_certs(t)?);
        }
        a
    };
    let mut holders = Vec::new();
    let mut latest_holder_end: Option<OffsetDateTime> = None;
    for path in &holder_cert {
        let (holder, mut intermediates) = read_cert_bundle(path)?;
        intermediates.extend(home_chain.iter().cloned());
        let refuse = |why: String| {
            hinted(
                format!("holder certificate `{}` {why}", path.display()),
                "issue holders with `govpki cert issue --profile seal`; pass --holder-trust ROOT for holders another CA certified",
            )
        };
        let verdict = ca_verify::verify_chain(&VerifyInput {
            end_entity: &holder,
            intermediates: &intermediates,
            anchors: &anchors,
            crls: &[],
            at: ctx.now,
            purpose: Some(Purpose::DocumentSigning),
        })
        .with_context(|| format!("verifying holder certificate `{}`", path.display()))?;
        match verdict {
            ca_verify::Verdict::Valid { .. } => {}
            ca_verify::Verdict::Invalid { reason, .. }
            | ca_verify::Verdict::Indeterminate { reason } => {
                return Err(refuse(format!("does not validate: {reason}")));
            }
        }
        let parsed = input::parse_cert(&holder)
            .with_context(|| format!("reading certificate `{}`", path.display()))?;
        if parsed.is_ca() {
            return Err(refuse(
                "is a CA certificate, which cannot hold a seal".into(),
            ));
        }
        if !has_document_signing(&parsed) {
            return Err(refuse(
                "lacks the documentSigning extended key usage (1.3.6.1.5.5.7.3.36) of the seal profile"
                    .into(),
            ));
        }
        if !signs_documents(&parsed) {
            return Err(refuse(
                "has neither digitalSignature nor nonRepudiation key usage".into(),
            ));
        }
        if let Some(row) = store_row(&open, &holder, ctx.now)
            && row.status != crate::store::CertStatus::Valid
        {
            return Err(refuse(format!(
                "is {} in this home's store{}",
                row.status,
                row.revoked_at
                    .map(|t| format!(" (since {t})"))
                    .unwrap_or_default()
            )));
        }
        let end = parsed.validity().not_after.to_datetime();
        latest_holder_end = Some(latest_holder_end.map_or(end, |l| l.max(end)));
        if holders.contains(&holder) {
            bail!("holder certificate `{}` is given twice", path.display());
        }
        holders.push(holder);
    }
    let valid_until =
        match valid_until.as_deref() {
            Some(text) => match when::parse_time(text) {
                Ok(t) => t,
                Err(_) => valid_from + when::parse_duration(text).map_err(|_| {
                    anyhow!(
                        "--valid-until `{text}` is neither an RFC 3339 time nor a duration like 2y"
                    )
                })?,
            },
            None => latest_holder_end.unwrap_or(ca_not_after).min(ca_not_after),
        };
    if let Some(end) = latest_holder_end
        && valid_until > end
    {
        ctx.out.warn(&format!(
            "the seal is valid until {}, after every holder certificate expires ({})",
            rfc3339(valid_until),
            rfc3339(end)
        ));
    }
    if valid_until < ctx.now {
        ctx.out.warn(&format!(
            "the seal's validity ended at {}: it cannot be applied",
            rfc3339(valid_until)
        ));
    }

    let ca_key = match &authority_key {
        Some(path) => {
            let key = common::load_key(path, passphrase_file.as_deref())?;
            if key.spki_der() != common::spki_of(&maker_der)? {
                bail!(
                    "the key `{}` does not belong to the seal authority certificate `{}`",
                    path.display(),
                    authority_cert
                        .as_deref()
                        .map(|p| p.display().to_string())
                        .unwrap_or_default()
                );
            }
            key
        }
        None => open.unlock(
            &super::common::ca_passphrase(passphrase_file.as_deref()),
            &super::common::TERMINAL,
        )?,
    };
    let signer = KeySigner::new(&ca_key);
    let es_id = loop {
        let id = es_id_from_random(&common::random16()?);
        if !open.store.es_id_exists(&id)? {
            break id;
        }
    };
    let spec = SealSpec {
        name: name.clone(),
        seal_type,
        department: department.clone(),
        holder_certs: holders.clone(),
        image: picture,
        valid_from,
        valid_until,
        created: ctx.now,
        es_id: es_id.clone(),
    };
    let seal = create_seal(&spec, &maker_der, &signer).context("making the seal")?;
    let info = seal.info();
    open.store
        .record_seal(
            &SealRecord {
                es_id: es_id.clone(),
                name: info.name.clone(),
                seal_type: info.seal_type.name().to_string(),
                department: department.clone(),
                valid_from: info.valid_from,
                valid_until: info.valid_until,
                created_at: info.created,
                der: seal.to_der().to_vec(),
            },
            &actor,
            ctx.now,
        )
        .map_err(store_error)?;
    common::write_output(&out, seal.to_der(), false, force).with_context(|| {
        format!("seal `{es_id}` is recorded in the store, but its file was not written")
    })?;
    let holder_subjects: Vec<String> = holders.iter().map(|h| certificate_subject(h)).collect();
    if ctx.out.is_json() {
        ctx.out.json(&json!({
            "es_id": es_id,
            "name": info.name,
            "type": info.seal_type.name(),
            "type_zh": info.seal_type.chinese_name(),
            "department": department,
            "valid_from": format_time(info.valid_from),
            "valid_until": format_time(info.valid_until),
            "holders": holder_subjects,
            "image": format!("{} {}x{} mm", info.picture.format, info.picture.width_mm, info.picture.height_mm),
            "out": out.display().to_string(),
        }))?;
    } else {
        ctx.out.info(&format!(
            "made {} seal `{}` ({}) esID {es_id}, valid {} .. {}, for {} holder(s), into `{}`",
            info.seal_type.chinese_name(),
            info.name,
            department,
            format_time(info.valid_from),
            format_time(info.valid_until),
            holders.len(),
            out.display()
        ));
    }
    Ok(Outcome::Success)
}

/// Whether `cert_der` is a seal authority of this home's hierarchy now: this home's CA (or a CA
/// above it), or a `seal-authority` certificate chaining to the home's root, not revoked in the
/// store. The reason when not.
fn check_seal_authority(
    open: &OpenCa,
    cert_der: &[u8],
    now: OffsetDateTime,
) -> std::result::Result<(), String> {
    let mut chain = open.chain();
    let root: Vec<Vec<u8>> = chain.pop().into_iter().collect();
    let checker = AtTimeChecker::new(&root, &chain, &[])
        .map_err(|e| format!("this home's chain is unusable: {e}"))?;
    let checker = with_home_revocations(checker, open, now).map_err(|e| format!("{e:#}"))?;
    // The maker signs now: the time is the verifier's own, not a claim.
    match crate::seal::ChainChecker::check_proven(
        &checker,
        cert_der,
        &[],
        now,
        crate::seal::ChainRole::Authority,
    ) {
        crate::seal::ChainCheck::Valid | crate::seal::ChainCheck::ValidRevocationUnknown(_) => {
            Ok(())
        }
        crate::seal::ChainCheck::Invalid(why) | crate::seal::ChainCheck::Indeterminate(why) => {
            Err(why)
        }
    }
}

fn store_error(e: SealStoreError) -> anyhow::Error {
    match e {
        SealStoreError::Store(s) => anyhow::Error::new(s),
        other => anyhow::Error::new(other),
    }
}

// ---------------------------------------------------------------------------------------------
// seal sign

/// The signature file for a document: `DOC.p7s` beside it, or in `out_dir`.
fn signature_path(doc: &Path, out_dir: Option<&Path>, ext: &str) -> Result<PathBuf> {
    let name = doc
        .file_name()
        .ok_or_else(|| anyhow!("`{}` is not a file name", doc.display()))?;
    let mut file = name.to_os_string();
    file.push(".");
    file.push(ext);
    Ok(match out_dir {
        Some(d) => d.join(file),
        None => doc.with_file_name(file),
    })
}

/// Runs `f` over `items` on up to `threads` threads; results in the items' order.
fn parallel_map<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let threads = threads.clamp(1, items.len().max(1));
    if threads == 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let mut parts: Vec<Vec<(usize, R)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut out = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        out.push((i, f(item)));
                    }
                    out
                })
            })
            .collect();
        handles
            .into_iter()
            // A worker only panics on a bug; keep what the others did rather than abort.
            .filter_map(|h| h.join().ok())
            .collect()
    });
    let mut all: Vec<(usize, R)> = parts.drain(..).flatten().collect();
    all.sort_by_key(|(i, _)| *i);
    all.into_iter().map(|(_, r)| r).collect()
}

fn worker_threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 8)
}

fn progress(ctx: &Context, total: usize, verb: &str) -> Option<indicatif::ProgressBar> {
    if !ctx.out.wants_progress() || total < 50 {
        return None;
    }
    let b = indicatif::ProgressBar::new(total as u64);
    b.set_style(
        indicatif::ProgressStyle::with_template(&format!(
            "{{spinner}} {verb} [{{bar:40}}] {{pos}}/{{len}} {{per_sec}} eta {{eta}}"
        ))
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    Some(b)
}

/// Prints a refusal to sign (exit 1): on stdout, like other verdicts.
fn refused(ctx: &Context, why: &str) -> Result<Outcome> {
    if ctx.out.is_json() {
        ctx.out
            .json(&json!({ "verdict": "refused", "reason": why }))?;
    } else {
        ctx.out.data(&format!("refused: {why}"))?;
    }
    Ok(Outcome::Negative)
}

fn sign(args: SignArgs, ctx: &Context) -> Result<Outcome> {
    let SignArgs {
        seal,
        key,
        cert,
        passphrase_file,
        format,
        out_dir,
        force,
        chain,
        seal_status,
        docs,
    } = args;
    if format == SignFormat::Ses {
        return Err(hinted(
            "--format ses is not supported yet: a GB/T 38540 SES_Signature needs an SM2 holder key, which govpki does not issue",
            "use --format p7s (the default)",
        ));
    }
    // Every output path first: duplicates, existing files, missing documents, before any work.
    let mut outputs = Vec::with_capacity(docs.len());
    let mut seen: HashMap<PathBuf, &Path> = HashMap::new();
    for doc in &docs {
        let meta = std::fs::metadata(doc)
            .with_context(|| format!("reading document `{}`", doc.display()))?;
        if !meta.is_file() {
            bail!("reading document `{}`: not a regular file", doc.display());
        }
        let sig = signature_path(doc, out_dir.as_deref(), "p7s")?;
        if let Some(first) = seen.insert(sig.clone(), doc) {
            if out_dir.is_some() {
                bail!(
                    "documents `{}` and `{}` have the same file name: both would be sealed into `{}`",
                    first.display(),
                    doc.display(),
                    sig.display()
                );
            }
            bail!("document `{}` is given twice", doc.display());
        }
        common::check_output_free(&sig, force)?;
        outputs.push(sig);
    }
    let seal = read_seal(&seal)?;
    let (signer_cert, certs) = read_cert_bundle(&cert)?;
    let open = open_home(ctx)?;
    // Refusals, before the key is unlocked.
    let parsed = input::parse_cert(&signer_cert)
        .with_context(|| format!("reading certificate `{}`", cert.display()))?;
    let (not_before, not_after) = (
        parsed.validity().not_before.to_datetime(),
        parsed.validity().not_after.to_datetime(),
    );
    let subject = crate::ca::dn::display_name(parsed.subject());
    if ctx.now > not_after {
        return refused(
            ctx,
            &format!(
                "the signing certificate `{subject}` expired at {}",
                rfc3339(not_after)
            ),
        );
    }
    if ctx.now < not_before {
        return refused(
            ctx,
            &format!(
                "the signing certificate `{subject}` is not valid before {}",
                rfc3339(not_before)
            ),
        );
    }
    if let Some(o) = &open
        && let Some(row) = store_row(o, &signer_cert, ctx.now)
        && row.status.is_revoked()
    {
        return refused(
            ctx,
            &format!(
                "the signing certificate `{subject}` is {} in this home's store{}{}",
                row.status,
                row.revoked_at
                    .map(|t| format!(" since {t}"))
                    .unwrap_or_default(),
                row.reason.map(|r| format!(" ({r})")).unwrap_or_default()
            ),
        );
    }
    let sources = SealStatusSources::load(ctx, &seal_status, open.as_ref())?;
    let revoked = sources.for_seal(&seal, ctx.now, ctx.now);
    if let Err(refusal) = check_before_signing(&seal, &signer_cert, ctx.now, &revoked) {
        let why = match &refusal {
            SignRefusal::CertificateNotListed { .. } => format!(
                "{refusal} (`{}` is not a holder of this seal)",
                cert.display()
            ),
            _ => refusal.to_string(),
        };
        return refused(ctx, &why);
    }
    if let crate::seal::SealStatus::Unknown = revoked.status(&seal.info().es_id) {
        ctx.out.debug(
            "the seal's revocation status is unknown here (not this home's seal, no --seal-status)",
        );
    }

    let embedded_chain = match &chain {
        Some(c) => common::read_certs(c)?,
        None if !certs.is_empty() => certs,
        None => {
            let issuer = input::parse_cert(&signer_cert)
                .map(|c| c.issuer().as_raw().to_vec())
                .unwrap_or_default();
            match &open {
                Some(o)
                    if o.chain().iter().any(|c| {
                        input::parse_cert(c).is_ok_and(|p| p.subject().as_raw() == issuer)
                    }) =>
                {
                    o.chain()
                }
                Some(_) => {
                    ctx.out.warn(
                        "the signer's chain is not embedded (this home's CA did not issue the certificate); pass --chain F",
                    );
                    Vec::new()
                }
                None => {
                    ctx.out.warn(&format!(
                        "the signer's chain is not embedded (no CA home at `{}` to take it from); pass --chain F",
                        ctx.home.display()
                    ));
                    Vec::new()
                }
            }
        }
    };

    // Unlocked before the policy is asked: in a governed home the signing key is also the
    // operator's proof of presence.
    let key_pair = common::load_key(&key, passphrase_file.as_deref())?;
    if key_pair.spki_der() != common::spki_of(&signer_cert)? {
        bail!(
            "the key `{}` does not belong to the certificate `{}` ({subject})",
            key.display(),
            cert.display()
        );
    }

    // Governed homes: applying a seal is `seal.apply` on the seal's department and type, with
    // the operator's domain and the time; the allow is audited.
    if let Some(mut governed) = open_home(ctx)?.filter(|o| o.meta.policy.is_some()) {
        // The operator applying the seal is the signer: the key that signs proves who it is.
        // `--as`, if given, must name the same certificate.
        if let Some(as_cert) = &ctx.operator
            && common::read_cert(as_cert)? != signer_cert
        {
            bail!(
                "--as `{}` is not the signing certificate `{}`: the operator of `seal sign` is the signer",
                as_cert.display(),
                cert.display()
            );
        }
        let mut signer_ctx = ctx.clone();
        signer_ctx.operator = Some(cert.clone());
        let ctx = &signer_ctx;
        let info = seal.info();
        let resource = format!(
            "dept/{}/seal/{}",
            govern::segment(info.department.as_deref()),
            info.seal_type.name()
        );
        let actor = govern::authorize_with_key(
            ctx,
            &mut governed,
            &[govern::Ask::new("seal.apply", resource.clone())],
            Some(&key_pair),
        )?;
        governed.store.audit(vec![Event {
            time: rfc3339(ctx.now),
            actor,
            action: "seal.apply".into(),
            object: format!("{} {resource} {} document(s)", info.es_id, docs.len()),
            outcome: "ok".into(),
        }])?;
    }
    let key_signer = KeySigner::new(&key_pair);
    let doc_signer =
        DocumentSigner::new(&key_signer, &signer_cert, &embedded_chain, &[], Some(&seal)).map_err(
            |e| match e {
                SealError::KeyMismatch { .. } => anyhow!(
                    "the key `{}` does not belong to the certificate `{}` ({subject})",
                    key.display(),
                    cert.display()
                ),
                other => anyhow::Error::new(other).context("preparing to sign"),
            },
        )?;
    if let Some(d) = &out_dir {
        common::create_out_dir(d)?;
    }
    let digest = doc_signer.digest_algorithm();
    let now = ctx.now;
    let bar = progress(ctx, docs.len(), "sealing");
    let jobs: Vec<(&PathBuf, &PathBuf)> = docs.iter().zip(outputs.iter()).collect();
    let results = parallel_map(&jobs, worker_threads(), |(doc, out)| -> Result<String> {
        let file = files::open_regular(doc)
            .with_context(|| format!("reading document `{}`", doc.display()))?;
        let hash = hash_document_with(digest, file)
            .with_context(|| format!("reading document `{}`", doc.display()))?;
        let der = doc_signer
            .sign(&hash.value, now)
            .with_context(|| format!("sealing `{}`", doc.display()))?;
        common::write_output_deferred(out, &der, false, force)?;
        if let Some(b) = &bar {
            b.inc(1);
        }
        Ok(hash.hex())
    });
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    // One file-system sync per device makes every signature durable before it is reported.
    let mut synced = HashSet::new();
    for (out, r) in outputs.iter().zip(&results) {
        if r.is_err() {
            continue;
        }
        let dir = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let dev = std::os::unix::fs::MetadataExt::dev(
            &std::fs::metadata(&dir).with_context(|| format!("reading `{}`", dir.display()))?,
        );
        if synced.insert(dev) {
            files::sync_filesystem(&dir).with_context(|| format!("syncing `{}`", dir.display()))?;
        }
    }
    let info = seal.info();
    let mut failed = 0usize;
    let total = results.len();
    let mut last_error = None;
    for ((doc, out), r) in docs.iter().zip(&outputs).zip(results) {
        match r {
            Ok(hex_digest) => {
                if ctx.out.is_json() {
                    ctx.out.json(&json!({
                        "document": doc.display().to_string(),
                        "signature": out.display().to_string(),
                        "es_id": info.es_id,
                        "seal": info.name,
                        "signer": subject,
                        "signing_time": rfc3339(now),
                        "digest_algorithm": digest.name(),
                        "digest": hex_digest,
                    }))?;
                } else {
                    ctx.out.info(&format!(
                        "sealed `{}` -> `{}`",
                        doc.display(),
                        out.display()
                    ));
                }
            }
            Err(e) => {
                failed += 1;
                if ctx.out.is_json() {
                    ctx.out.json(&json!({
                        "document": doc.display().to_string(),
                        "error": format!("{e:#}"),
                    }))?;
                }
                if total > 1 {
                    super::output::print_error(&e);
                }
                last_error = Some(e);
            }
        }
    }
    match (failed, last_error) {
        (0, _) => {
            if !ctx.out.is_json() && total > 1 {
                ctx.out.info(&format!(
                    "sealed {total} documents with seal `{}` ({}) at {}",
                    info.es_id,
                    info.name,
                    rfc3339(now)
                ));
            }
            Ok(Outcome::Success)
        }
        (1, Some(e)) if total == 1 => Err(e),
        (n, _) => bail!("{n} of {total} documents could not be sealed"),
    }
}

// ---------------------------------------------------------------------------------------------
// seal verify

/// The outcome of one document.
enum Judged {
    Report(Box<VerificationReport>, Option<Picture>),
    Error(anyhow::Error),
}

fn verify(args: VerifyArgs, ctx: &Context) -> Result<Outcome> {
    let VerifyArgs {
        docs,
        sig,
        trust,
        untrusted,
        crl,
        seal_status,
        seal_authority,
        at,
        require_revocation,
        image_out,
        force,
    } = args;
    if docs.len() > 1 && sig.is_some() {
        bail!("--sig names the signature of one document; give one DOC with it");
    }
    if docs.len() > 1 && image_out.is_some() {
        bail!("--image-out writes the image of one document; give one DOC with it");
    }
    if let Some(p) = &image_out {
        common::check_output_free(p, force)?;
    }
    let at = at
        .as_deref()
        .map(|t| when::parse_time(t).context("--at"))
        .transpose()?;
    let open = open_home(ctx)?;
    let mut intermediates = Vec::new();
    for u in &untrusted {
        intermediates.extend(common::read_certs(u)?);
    }
    let anchors = if trust.is_empty() {
        let Some(o) = &open else {
            return Err(hinted(
                format!(
                    "no --trust given, and `{}` holds no CA to trust by default",
                    ctx.home.display()
                ),
                "pass --trust ROOT.pem (repeatable), or --home DIR",
            ));
        };
        let mut chain = o.chain();
        let root = chain.pop().into_iter().collect::<Vec<_>>();
        intermediates.extend(chain);
        root
    } else {
        let mut a = Vec::new();
        for t in &trust {
            a.extend(common::read_certs(t)?);
        }
        a
    };
    let crls = read_crls(&crl)?;
    let checker = AtTimeChecker::new(&anchors, &intermediates, &crls).map_err(|e| match e {
        ChainSetupError::BadCrl { index, reason } => anyhow!(
            "reading CRL `{}`: {reason}",
            crl.get(index)
                .map(|p| p.display().to_string())
                .unwrap_or_default()
        ),
        other => anyhow::Error::new(other).context("setting up the trust anchors"),
    })?;
    let mut pinned = Vec::new();
    for p in &seal_authority {
        pinned.push(common::read_cert(p)?);
    }
    let checker = checker.with_seal_authorities(pinned);
    let checker = match &open {
        Some(o) => with_home_revocations(checker, o, ctx.now)?,
        None => checker,
    };
    let sources = SealStatusSources::load(ctx, &seal_status, open.as_ref())?;
    drop(open);

    let judge = |doc: &PathBuf| -> Judged {
        match judge_one(
            doc,
            sig.as_deref(),
            at,
            require_revocation,
            ctx,
            &checker,
            &sources,
        ) {
            Ok((report, picture)) => Judged::Report(Box::new(report), picture),
            Err(e) => Judged::Error(e),
        }
    };
    let total = docs.len();
    let bar = progress(ctx, total, "verifying");
    let mut outcome = Outcome::Success;
    let mut errors = 0usize;
    let mut single_error = None;
    let mut first = true;
    for chunk in docs.chunks(512) {
        let judged = parallel_map(chunk, worker_threads(), |d| {
            let j = judge(d);
            if let Some(b) = &bar {
                b.inc(1);
            }
            j
        });
        for (doc, j) in chunk.iter().zip(judged) {
            match j {
                Judged::Report(report, picture) => {
                    outcome = outcome.worst(match report.verdict {
                        Verdict::Valid => Outcome::Success,
                        Verdict::Invalid => Outcome::Negative,
                        Verdict::Indeterminate => Outcome::Indeterminate,
                    });
                    if let (Some(path), Some(p)) = (&image_out, picture) {
                        common::write_output(path, &p.data, false, force)?;
                        ctx.out.info(&format!(
                            "wrote the seal image ({}) to `{}`",
                            p.format,
                            path.display()
                        ));
                    }
                    if ctx.out.is_json() {
                        ctx.out.json(&report)?;
                    } else {
                        let sep = if first { "" } else { "\n" };
                        ctx.out.data(&format!("{sep}{report}"))?;
                    }
                }
                Judged::Error(e) => {
                    errors += 1;
                    if ctx.out.is_json() {
                        ctx.out.json(&json!({
                            "document": doc.display().to_string(),
                            "verdict": "error",
                            "reason": format!("{e:#}"),
                        }))?;
                    }
                    if total > 1 {
                        super::output::print_error(&e);
                    }
                    single_error = Some(e);
                }
            }
            first = false;
        }
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    match (errors, single_error) {
        (0, _) => Ok(outcome),
        (1, Some(e)) if total == 1 => Err(e),
        (n, _) => bail!("{n} of {total} documents could not be verified"),
    }
}

fn judge_one(
    doc: &Path,
    sig_arg: Option<&Path>,
    at: Option<OffsetDateTime>,
    require_revocation: bool,
    ctx: &Context,
    checker: &AtTimeChecker,
    sources: &SealStatusSources,
) -> Result<(VerificationReport, Option<Picture>)> {
    // The document first: a missing document is the error to report, not its signature.
    // A device or FIFO is refused at the open (it would never end, or never start).
    let file = files::open_regular(doc)
        .with_context(|| format!("reading document `{}`", doc.display()))?;
    let sig_path = match sig_arg {
        Some(s) => s.to_path_buf(),
        None => {
            let p7s = signature_path(doc, None, "p7s")?;
            let ses = signature_path(doc, None, "ses")?;
            if p7s.symlink_metadata().is_ok() {
                p7s
            } else if ses.symlink_metadata().is_ok() {
                ses
            } else {
                return Err(hinted(
                    format!(
                        "no signature for `{}`: neither `{}` nor `{}` exists",
                        doc.display(),
                        p7s.display(),
                        ses.display()
                    ),
                    "pass --sig F",
                ));
            }
        }
    };
    let bytes = files::read_limited(&sig_path, OBJECT_LIMIT)
        .with_context(|| format!("reading signature `{}`", sig_path.display()))?;
    // The content decides, not the name: an OFD's seal-signature is `SignedValue.dat`.
    if looks_like_ses(&bytes) {
        return judge_ses(
            doc,
            &sig_path,
            &bytes,
            file,
            at,
            require_revocation,
            ctx,
            checker,
            sources,
        );
    }
    let sig: SignatureFile = parse_signature(&bytes)
        .with_context(|| format!("reading signature `{}`", sig_path.display()))?;
    let algorithm = sig
        .signer()
        .document_digest_algorithm()
        .unwrap_or(crate::seal::DigestAlgorithm::Sha256);
    let hash = hash_document_with(algorithm, file)
        .with_context(|| format!("reading document `{}`", doc.display()))?;
    let claimed = sig
        .signer()
        .signed_attributes
        .as_ref()
        .and_then(|a| a.signing_time);
    let with_crls;
    let chain: &dyn crate::seal::ChainChecker = if sig.crls.is_empty() {
        checker
    } else {
        with_crls = checker.with_crls(&sig.crls);
        &with_crls
    };
    // The seal's status is asked at the time `verify_document` will judge at: a verified
    // time-stamp's genTime comes before the claimed time.
    let proven = sig.signer().time_stamp_token.as_deref().and_then(|token| {
        match timestamp::verify_token(
            token,
            &sig.signer().signature,
            &sig.certificates,
            Some(chain),
            ctx.now,
        ) {
            TokenCheck::Valid { stamp, .. } => Some(stamp.gen_time),
            _ => None,
        }
    });
    let judged_at = at.or(proven).or(claimed).unwrap_or(ctx.now);
    let revoked = match sig.seal() {
        Some(s) => sources.for_seal(s, judged_at, ctx.now),
        None => RevokedSeals::unknown(),
    };
    let mut report = verify_document(
        &sig,
        &hash,
        &VerifyOptions {
            now: ctx.now,
            at,
            require_revocation,
            chain,
            revoked_seals: &revoked,
        },
    );
    report.document = Some(doc.display().to_string());
    let picture = sig.seal().map(|s| s.info().picture.clone());
    Ok((report, picture))
}

/// `judge_one` for a GB/T 38540 `SES_Signature`: the document's SM3 against `dataHash`.
#[allow(clippy::too_many_arguments)]
fn judge_ses(
    doc: &Path,
    sig_path: &Path,
    bytes: &[u8],
    file: std::fs::File,
    at: Option<OffsetDateTime>,
    require_revocation: bool,
    ctx: &Context,
    checker: &AtTimeChecker,
    sources: &SealStatusSources,
) -> Result<(VerificationReport, Option<Picture>)> {
    let sig = SesSignature::from_der(bytes)
        .with_context(|| format!("reading signature `{}`", sig_path.display()))?;
    let hash = hash_document_with(crate::seal::DigestAlgorithm::Sm3, file)
        .with_context(|| format!("reading document `{}`", doc.display()))?;
    let judged_at = at.unwrap_or(sig.time_info());
    let revoked = sources.for_seal(sig.seal(), judged_at, ctx.now);
    let mut report = verify_ses(
        &sig,
        &hash,
        &VerifyOptions {
            now: ctx.now,
            at,
            require_revocation,
            chain: checker,
            revoked_seals: &revoked,
        },
    );
    report.document = Some(doc.display().to_string());
    Ok((report, Some(sig.seal().info().picture.clone())))
}

// ---------------------------------------------------------------------------------------------
// seal timestamp

/// A `.p7s` as read: its DER, and the PEM label when it came as PEM (written back the same way).
fn read_p7s(path: &Path) -> Result<(Vec<u8>, Option<String>, SignatureFile)> {
    let bytes = files::read_limited(path, OBJECT_LIMIT)
        .with_context(|| format!("reading signature `{}`", path.display()))?;
    let sig = parse_signature(&bytes)
        .with_context(|| format!("reading signature `{}`", path.display()))?;
    if bytes.first() == Some(&0x30) {
        return Ok((bytes, None, sig));
    }
    // `parse_signature` accepted it as PEM: take the same block.
    let text = String::from_utf8_lossy(&bytes);
    let block = pem::parse_many(text.as_bytes())
        .ok()
        .and_then(|blocks| {
            blocks
                .into_iter()
                .find(|b| matches!(b.tag(), "PKCS7" | "CMS" | "PKCS #7 SIGNED DATA"))
        })
        .ok_or_else(|| anyhow!("reading signature `{}`: no PEM block", path.display()))?;
    Ok((
        block.contents().to_vec(),
        Some(block.tag().to_string()),
        sig,
    ))
}

fn timestamp_cmd(args: TimestampArgs, ctx: &Context) -> Result<Outcome> {
    let TimestampArgs {
        sig,
        query_out,
        response,
        query,
        trust,
        untrusted,
        crl,
        force,
    } = args;
    let (der, pem_label, parsed) = read_p7s(&sig)?;
    let signature = parsed.signer().signature.clone();

    if let Some(out) = query_out {
        let mut nonce = [0u8; 8];
        ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut nonce)
            .map_err(|_| anyhow!("the system random generator failed"))?;
        let request = timestamp::time_stamp_request(&signature, &nonce);
        common::write_output(&out, &request, false, force)?;
        let imprint = hex::encode(timestamp::REQUEST_DIGEST.digest(&signature));
        if ctx.out.is_json() {
            ctx.out.json(&json!({
                "signature": sig.display().to_string(),
                "query": out.display().to_string(),
                "imprint_algorithm": timestamp::REQUEST_DIGEST,
                "imprint": imprint,
                "nonce": hex::encode(nonce),
            }))?;
        } else {
            ctx.out.data(&format!(
                "wrote the time-stamp request for `{}` to `{}` (sha256 imprint {imprint})\n",
                sig.display(),
                out.display()
            ))?;
            ctx.out.info(&format!(
                "send it to your TSA, e.g.: curl -sS -H 'Content-Type: application/timestamp-query' --data-binary @{} https://tsa.example/ -o RESP.tsr",
                out.display()
            ));
        }
        return Ok(Outcome::Success);
    }

    // clap's `step` group guarantees one of the two.
    let Some(response) = response else {
        bail!("give --query-out REQ.tsq or --response RESP.tsr");
    };
    if parsed.signer().has_time_stamp_token && !force {
        return Err(hinted(
            format!("`{}` already carries a time-stamp", sig.display()),
            "pass --force to replace it",
        ));
    }
    let resp_bytes = common::read_file(&response, "time-stamp response")?;
    let resp = timestamp::parse_response(&resp_bytes)
        .with_context(|| format!("reading time-stamp response `{}`", response.display()))?;
    if !resp.status.granted() {
        let mut why = format!("the TSA did not grant the time-stamp: {}", resp.status);
        if !resp.status_text.is_empty() {
            why.push_str(&format!(" ({})", resp.status_text.join("; ")));
        }
        if !resp.fail_info.is_empty() {
            why.push_str(&format!(" [{}]", resp.fail_info.join(", ")));
        }
        return refused(ctx, &why);
    }
    let Some(token) = resp.token else {
        return refused(
            ctx,
            "the response is granted but carries no time-stamp token",
        );
    };
    if let Some(q) = &query {
        let req = common::read_file(q, "time-stamp request")?;
        let asked = timestamp::request_nonce(&req)
            .with_context(|| format!("reading time-stamp request `{}`", q.display()))?;
        let got = timestamp::parse_token(&token)
            .ok()
            .and_then(|t| t.info.nonce);
        if asked != got {
            return refused(
                ctx,
                &format!(
                    "the token does not answer the request `{}`: its nonce differs",
                    q.display()
                ),
            );
        }
    }
    let checker = if trust.is_empty() {
        None
    } else {
        let mut anchors = Vec::new();
        for t in &trust {
            anchors.extend(common::read_certs(t)?);
        }
        let mut intermediates = Vec::new();
        for u in &untrusted {
            intermediates.extend(common::read_certs(u)?);
        }
        let crls = read_crls(&crl)?;
        Some(
            AtTimeChecker::new(&anchors, &intermediates, &crls)
                .context("setting up the trust anchors")?,
        )
    };
    let check = timestamp::verify_token(
        &token,
        &signature,
        &parsed.certificates,
        checker
            .as_ref()
            .map(|c| c as &dyn crate::seal::ChainChecker),
        ctx.now,
    );
    let (stamp, chain_checked) = match check {
        TokenCheck::Valid {
            stamp,
            revocation_unknown,
            chain_checked,
        } => {
            if let Some(why) = revocation_unknown {
                ctx.out
                    .warn(&format!("the TSA's revocation was not checked: {why}"));
            }
            (stamp, chain_checked)
        }
        TokenCheck::Untrusted { stamp, reason } => {
            return refused(
                ctx,
                &format!("the TSA `{}` is not trusted: {reason}", stamp.tsa),
            );
        }
        TokenCheck::Invalid(why) | TokenCheck::Unsupported(why) => return refused(ctx, &why),
    };
    let new_der = crate::seal::with_time_stamp_token(&der, &token, force)
        .with_context(|| format!("embedding the time-stamp into `{}`", sig.display()))?;
    let data = match &pem_label {
        None => new_der,
        Some(label) => pem::encode(&pem::Pem::new(label.clone(), new_der)).into_bytes(),
    };
    // Replacing the signature file is the point of the command: no --force needed for it.
    common::write_output(&sig, &data, false, true)?;
    if ctx.out.is_json() {
        ctx.out.json(&json!({
            "signature": sig.display().to_string(),
            "gen_time": format_time(stamp.gen_time),
            "tsa": stamp.tsa,
            "serial": stamp.serial,
            "policy": stamp.policy,
            "tsa_chain_checked": chain_checked,
        }))?;
    } else {
        ctx.out.data(&format!(
            "time-stamped `{}`: genTime {} by {} (serial {})\n",
            sig.display(),
            format_time(stamp.gen_time),
            stamp.tsa,
            stamp.serial
        ))?;
        if !chain_checked {
            ctx.out.info(
                "the TSA's certificate chain was not checked (no --trust); `seal verify` checks it",
            );
        }
    }
    Ok(Outcome::Success)
}

// ---------------------------------------------------------------------------------------------
// seal show

/// What a file turned out to be.
enum Shown {
    Seal(Box<Seal>),
    Signature(Box<SignatureFile>),
    Ses(Box<SesSignature>),
    StatusList(SealStatusList),
}

fn identify(path: &Path, bytes: &[u8]) -> Result<Shown> {
    let seal_err = match Seal::from_der(bytes) {
        Ok(s) => return Ok(Shown::Seal(Box::new(s))),
        Err(e) => e,
    };
    // A seal status list starts like an SES_Signature (SEQUENCE, SEQUENCE, INTEGER): its
    // parser's error counts only when nothing else reads the file.
    let ses_err = if looks_like_ses(bytes) {
        match SesSignature::from_der(bytes) {
            Ok(s) => return Ok(Shown::Ses(Box::new(s))),
            Err(e) => Some(e),
        }
    } else {
        None
    };
    let sig_err = match parse_signature(bytes) {
        Ok(s) => return Ok(Shown::Signature(Box::new(s))),
        Err(e) => e,
    };
    let list_err = match decode_status_list(bytes) {
        Ok(l) => return Ok(Shown::StatusList(l)),
        Err(e) => e,
    };
    if let Some(e) = ses_err {
        return Err(anyhow::Error::new(e))
            .with_context(|| format!("reading seal-signature `{}`", path.display()));
    }
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let why = match ext.as_str() {
        "esl" => format!("as a seal: {seal_err}"),
        "p7s" | "p7m" | "cms" | "pem" => format!("as a signature: {sig_err}"),
        _ if bytes.starts_with(b"-----BEGIN") && !bytes.starts_with(b"-----BEGIN GOVPKI") => {
            format!("as a signature: {sig_err}")
        }
        _ => format!(
            "as a seal: {seal_err}; as a signature: {sig_err}; as a seal status list: {list_err:#}"
        ),
    };
    bail!(
        "`{}` is not a seal, a sealed signature or a seal status list ({why})",
        path.display()
    )
}

fn show(args: ShowArgs, ctx: &Context) -> Result<Outcome> {
    let ShowArgs {
        target,
        image_out,
        force,
    } = args;
    if let Some(p) = &image_out {
        common::check_output_free(p, force)?;
    }
    let path = Path::new(&target);
    let open = open_home(ctx)?;
    let (shown, row) = if path.exists() {
        let bytes = files::read_limited(path, OBJECT_LIMIT)
            .with_context(|| format!("reading `{}`", path.display()))?;
        let shown = identify(path, &bytes)?;
        let row = match (&shown, &open) {
            (Shown::Seal(s), Some(o)) => o
                .store
                .seal(&s.info().es_id)?
                .filter(|r| r.record.der == s.to_der()),
            _ => None,
        };
        (shown, row)
    } else {
        let row = match &open {
            Some(o) => o.store.seal(&target)?,
            None => None,
        };
        let Some(row) = row else {
            return Err(hinted(
                format!("`{target}` is neither a file nor the esID of a seal this home's CA made"),
                "give a .esl, .p7s or seal status list file, or an esID from `govpki seal create`",
            ));
        };
        let seal = Seal::from_der(&row.record.der)
            .with_context(|| format!("reading seal `{target}` from the store"))?;
        (Shown::Seal(Box::new(seal)), Some(row))
    };
    let status = row.as_ref().map(|r| match r.revoked_at {
        Some(t) => format!(
            "revoked at {}{}",
            rfc3339(t),
            r.reason
                .as_ref()
                .map(|x| format!(" ({x})"))
                .unwrap_or_default()
        ),
        None => "recorded in this home, not revoked".to_string(),
    });
    let picture = match &shown {
        Shown::Seal(s) => Some(s.info().picture.clone()),
        Shown::Signature(sig) => sig.seal().map(|s| s.info().picture.clone()),
        Shown::Ses(sig) => Some(sig.seal().info().picture.clone()),
        Shown::StatusList(_) => None,
    };
    if let Some(out) = &image_out {
        let Some(p) = &picture else {
            bail!("`{target}` carries no seal, so it has no seal image to write");
        };
        common::write_output(out, &p.data, false, force)?;
        ctx.out.info(&format!(
            "wrote the seal image ({}, {}x{} mm) to `{}`",
            p.format,
            p.width_mm,
            p.height_mm,
            out.display()
        ));
    }
    let authority_check = |s: &Seal| match s.verify_authority_signature() {
        SignatureCheck::Valid => "verifies with the authority certificate in the seal".to_string(),
        SignatureCheck::Invalid(why) => format!("DOES NOT VERIFY: {why}"),
        SignatureCheck::Unsupported(why) => format!("not checked: {why}"),
    };
    // Whether the seal's maker may make seals at all (DESIGN.md §4): trusted when it is a seal
    // authority of this home's hierarchy now; otherwise judged by its own extensions (a person,
    // department or seal holder certificate is never one; trust is `seal verify`'s question).
    let maker_check = |s: &Seal| -> String {
        let cert = &s.info().authority_cert;
        if let Some(o) = &open
            && check_seal_authority(o, cert, ctx.now).is_ok()
        {
            return "a seal authority of this home's hierarchy".to_string();
        }
        match crate::seal::chain::seal_authority_kind(cert) {
            Ok(kind) => format!(
                "{kind}; whether it is a trusted seal authority is judged by `seal verify` (--trust, --seal-authority)"
            ),
            Err(why) => format!("NOT A SEAL AUTHORITY: {why}"),
        }
    };
    let signer_check = |s: &SesSignature| match s.verify_signer_signature() {
        SignatureCheck::Valid => {
            "verifies with the signer certificate in the signature".to_string()
        }
        SignatureCheck::Invalid(why) => format!("DOES NOT VERIFY: {why}"),
        SignatureCheck::Unsupported(why) => format!("not checked: {why}"),
    };
    if ctx.out.is_json() {
        let v = match &shown {
            Shown::Seal(s) => {
                let mut v = serde_json::to_value(s.summary())?;
                v["kind"] = json!("seal");
                v["authority_signature"] = json!(authority_check(s));
                v["maker"] = json!(maker_check(s));
                v["status"] = json!(status);
                v
            }
            Shown::Signature(sig) => {
                let mut v = serde_json::to_value(sig.summary())?;
                v["kind"] = json!("signature");
                v["carries_seal"] = json!(sig.seal().is_some());
                if let Some(seal) = sig.seal() {
                    v["maker"] = json!(maker_check(seal));
                }
                v
            }
            Shown::Ses(sig) => {
                let mut v = serde_json::to_value(sig.summary())?;
                v["kind"] = json!("ses-signature");
                v["signer_signature"] = json!(signer_check(sig));
                v["seal"]["authority_signature"] = json!(authority_check(sig.seal()));
                v["seal"]["maker"] = json!(maker_check(sig.seal()));
                v
            }
            Shown::StatusList(l) => {
                let mut v = serde_json::to_value(l.summary())?;
                v["kind"] = json!("seal-status-list");
                v
            }
        };
        ctx.out.json(&v)?;
    } else {
        let text = match &shown {
            Shown::Seal(s) => {
                let mut t = s.summary().to_string();
                t.push_str(&format!("signature:     {}\n", authority_check(s)));
                t.push_str(&format!("maker:         {}\n", maker_check(s)));
                if let Some(st) = &status {
                    t.push_str(&format!("status:        {st}\n"));
                }
                t
            }
            Shown::Signature(sig) => {
                let mut t = sig.summary().to_string();
                if let Some(seal) = sig.seal() {
                    t.push_str(&format!("seal maker:    {}\n", maker_check(seal)));
                }
                if sig.seal().is_none() {
                    t.push_str(
                        "note:          this signature carries no electronic seal (seal verify judges it invalid)\n",
                    );
                }
                t
            }
            Shown::Ses(sig) => {
                let mut t = sig.summary().to_string();
                t.push_str(&format!(
                    "signer sig:    {} (over TBS_Sign)\n",
                    signer_check(sig)
                ));
                t.push_str(&format!("seal sig:      {}\n", authority_check(sig.seal())));
                t.push_str(&format!("seal maker:    {}\n", maker_check(sig.seal())));
                t.push_str(
                    "note:          the document hash, chains and time are judged by `seal verify DOC --sig FILE`\n",
                );
                t
            }
            Shown::StatusList(l) => l.summary().to_string(),
        };
        ctx.out.data(&text)?;
    }
    Ok(Outcome::Success)
}

// ---------------------------------------------------------------------------------------------
// seal revoke, seal status-list

fn revoke(args: RevokeArgs, ctx: &Context) -> Result<Outcome> {
    let RevokeArgs { es_id, reason } = args;
    let reason = reason.trim().to_string();
    if reason.is_empty() || reason.chars().count() > 200 || reason.chars().any(char::is_control) {
        bail!("--reason must be 1 to 200 characters without control characters");
    }
    let mut open = OpenCa::open(&ctx.home)?;
    let row = open.store.seal(&es_id)?;
    let resource = format!(
        "dept/{}/seal/{}",
        govern::segment(row.as_ref().map(|r| r.record.department.as_str())),
        govern::segment(row.as_ref().map(|r| r.record.seal_type.as_str()))
    );
    let actor = govern::authorize(ctx, &mut open, &[govern::Ask::new("seal.revoke", resource)])?;
    open.store
        .revoke_seal(&es_id, &reason, &actor, ctx.now)
        .map_err(store_error)?;
    if ctx.out.is_json() {
        ctx.out.json(&json!({
            "es_id": es_id,
            "revoked_at": rfc3339(ctx.now),
            "reason": reason,
        }))?;
    } else {
        ctx.out.info(&format!("revoked seal `{es_id}` ({reason})"));
        ctx.out
            .info("publish the change with `govpki seal status-list`");
    }
    Ok(Outcome::Success)
}

fn status_list(args: StatusListArgs, ctx: &Context) -> Result<Outcome> {
    let StatusListArgs {
        out,
        next_update,
        der,
        passphrase_file,
    } = args;
    let period = when::parse_duration(&next_update).context("--next-update")?;
    let mut open = OpenCa::open(&ctx.home)?;
    let name = super::crl::ca_name(&open);
    let actor = govern::authorize(
        ctx,
        &mut open,
        &[govern::Ask::new("crl.publish", format!("ca/{name}"))],
    )?;
    let rows = open.store.revoked_seals()?;
    let key = open.unlock(
        &super::common::ca_passphrase(passphrase_file.as_deref()),
        &super::common::TERMINAL,
    )?;
    let signer = KeySigner::new(&key);
    let entries: Vec<StatusEntry> = rows
        .iter()
        .map(|r| StatusEntry {
            es_id: r.es_id.clone(),
            revoked_at: r.revoked_at,
            reason: r.reason.clone(),
        })
        .collect();
    let next = ctx.now + period;
    let list = status::create_status_list(&open.meta.cert_der, &signer, ctx.now, next, &entries)
        .context("making the seal status list")?;
    open.store.audit(vec![Event {
        time: rfc3339(ctx.now),
        actor,
        action: "seal.status-list".into(),
        object: format!(
            "{} revoked seals, next update {}",
            entries.len(),
            rfc3339(next)
        ),
        outcome: "ok".into(),
    }])?;
    let home_copy = ctx.home.join(STATUS_LIST_FILE);
    files::write_atomic(
        &home_copy,
        list.to_der(),
        files::Mode::Public,
        files::Overwrite::Replace,
    )
    .with_context(|| format!("writing `{}`", home_copy.display()))?;
    let body: Vec<u8> = if der {
        list.to_der().to_vec()
    } else {
        pem::encode(&pem::Pem::new(status::PEM_LABEL, list.to_der().to_vec())).into_bytes()
    };
    if let Some(o) = &out {
        files::write_atomic(o, &body, files::Mode::Public, files::Overwrite::Replace)
            .with_context(|| format!("writing `{}`", o.display()))?;
    }
    if ctx.out.is_json() {
        ctx.out.json(&json!({
            "revoked": entries.len(),
            "this_update": rfc3339(ctx.now),
            "next_update": rfc3339(next),
            "out": out.as_ref().map(|o| o.display().to_string()),
            "home_copy": home_copy.display().to_string(),
        }))?;
    } else {
        ctx.out.info(&format!(
            "published the seal status list with {} revoked seal(s), next update {}",
            entries.len(),
            rfc3339(next)
        ));
        if out.is_none() {
            if der {
                ctx.out.bytes(&body)?;
            } else {
                ctx.out.data(&String::from_utf8_lossy(&body))?;
            }
        }
    }
    Ok(Outcome::Success)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_paths() {
        assert_eq!(
            signature_path(Path::new("a/b.pdf"), None, "p7s").unwrap(),
            PathBuf::from("a/b.pdf.p7s")
        );
        assert_eq!(
            signature_path(Path::new("a/b.pdf"), Some(Path::new("out")), "p7s").unwrap(),
            PathBuf::from("out/b.pdf.p7s")
        );
        assert!(signature_path(Path::new("/"), None, "p7s").is_err());
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("42x42").unwrap(), (42, 42));
        assert_eq!(parse_size("40×30").unwrap(), (40, 30));
        assert!(parse_size("42").is_err());
        assert!(parse_size("ax4").is_err());
    }

    #[test]
    fn parallel_map_keeps_order() {
        let items: Vec<usize> = (0..1000).collect();
        let out = parallel_map(&items, 4, |i| i * 2);
        assert_eq!(out, items.iter().map(|i| i * 2).collect::<Vec<_>>());
        assert!(parallel_map(&Vec::<usize>::new(), 4, |i| *i).is_empty());
    }
}
