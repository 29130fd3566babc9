# govpki's English messages (Project Fluent). Every message here has its twin, with the same
# variables, in ../zh-CN/govpki.ftl (src/i18n/mod.rs tests it). Leading spaces are kept with
# {" "}; the code pads labels to their column.

## Error framing

error-label = error
hint-label = hint
caused-by-label = caused by
join = {": "}

## Frequent errors (the causes and contexts of an error chain)

err-reading = reading { $what } `{ $path }`
err-not-found = No such file or directory (os error 2)
err-permission = Permission denied (os error 13)
err-not-regular = not a regular file ({ $kind })
err-kind-fifo = a FIFO
err-kind-socket = a socket
err-kind-char-device = a character device
err-kind-block-device = a block device
err-kind-directory = a directory
err-kind-other = not a file
err-too-large = file is over the limit of { $limit } bytes
err-wrong-passphrase = wrong passphrase, or the encrypted key is damaged
err-empty-input = empty input
err-malformed-pem = malformed PEM: { $detail }
err-no-pem-block = no `{ $label }` PEM block found
err-wrong-pem-block = expected a `{ $expected }` PEM block, found `{ $found }`
err-malformed-der = malformed DER: { $detail }
err-trailing = { $count } trailing bytes after the DER object
err-not-der = not DER: { $detail }
err-docs-unverified = { $failed } of { $total } { $what ->
    [certificates] certificates
   *[documents] documents
} could not be verified
err-one-sig = --sig names the signature of one document; give one DOC with it
err-one-image = --image-out writes the image of one document; give one DOC with it

## What is read (the `what` of err-reading)

what-certificate = certificate
what-certificates = certificates
what-crl = CRL
what-document = document
what-signature = signature
what-seal = seal
what-seal-status = seal status list
what-private-key = private key
what-passphrase-file = passphrase file
what-policy = policy
what-csr = CSR

## Verdicts

verdict-valid = VALID
verdict-invalid = INVALID
verdict-indeterminate = INDETERMINATE
verdict-error = ERROR
cert-valid = valid
cert-invalid = invalid
cert-indeterminate = indeterminate

## seal verify and cert verify: the one-line summary of the run, and the closing tally
## ($what: documents for seal verify, certificates for cert verify)

summary-one = { $verdict }: { $document }: { $reason }
summary-all-valid = { $verdict }: { $what ->
    [certificates] { $n ->
        [one] the certificate is valid
       *[other] all { $count } certificates are valid
    }
   *[documents] { $n ->
        [one] the document is valid
       *[other] all { $count } documents are valid
    }
}
summary-some-invalid = { $verdict }: { $bad } of { $count } { $what ->
    [certificates] certificates
   *[documents] documents
} are invalid
summary-some-indeterminate = { $verdict }: { $bad } of { $count } { $what ->
    [certificates] certificates
   *[documents] documents
} are indeterminate
summary-some-error = { $verdict }: { $bad } of { $count } { $what ->
    [certificates] certificates
   *[documents] documents
} could not be verified
tally = { $valid } valid, { $invalid } invalid, { $indeterminate } indeterminate
tally-errors = , { $errors } could not be verified

## seal verify: the report of one document (labels are padded to 15 columns)

sv-document = document:
sv-verdict = verdict:
sv-format = format:
sv-format-ses = SES_Signature (GB/T 38540)
sv-seal = seal:
sv-no-seal = no seal
sv-type = type:
sv-department = department:
sv-esid = esID:
sv-signer = signer:
sv-signer-serial = {" "}(serial { $serial })
sv-unknown = (unknown)
sv-authority = authority:
sv-signing-time = signing time:
sv-claimed-time = claimed time:
sv-checks = checks:
sv-all-passed = all checks passed
sv-all-passed-notes = all checks passed ({ $notes })
sv-note-unchecked = { $check }: revocation not checked
sv-note-sep = {"; "}
sv-reason-check = { $check }: { $detail }
sv-wrote-image = wrote the seal image ({ $format }) to `{ $path }`

## Where the judged time comes from

ts-claimed = claimed by signer
ts-given = given by verifier (--at)
ts-verification = verification time (no signing time in the signature)
ts-stamp = time-stamp by { $tsa }

## The status of a check (four columns)

st-pass = pass
st-fail = FAIL
st-indeterminate = ????
st-skip = skip

## The checks (English: their JSON ids)

check-seal_present = seal_present
check-document_hash = document_hash
check-signer_signature = signer_signature
check-signing_certificate = signing_certificate
check-signing_time = signing_time
check-signer_listed = signer_listed
check-signer_chain = signer_chain
check-seal_signature = seal_signature
check-seal_authority_chain = seal_authority_chain
check-seal_extensions = seal_extensions
check-seal_validity = seal_validity
check-seal_revocation = seal_revocation
check-time_stamp = time_stamp

## cert verify

cv-chain = chain:
cv-revocation = revocation:
cv-policies = policies:
cv-not-checked-no-crl = not checked (no CRL given)
cv-good-by = checked, not revoked (decided by { $by })
cv-good-crls = checked, not revoked ({ $crls })
cv-undecided-by = NOT DECIDED by the CRLs given nor by { $why }
cv-undecided = NOT DECIDED by the CRLs given
cv-not-checked = not checked
cv-anchor = trust anchor (not checked)
cv-revoked = certificate revoked at { $at } ({ $reason }){ $by }
cv-decided-by = , decided by { $source }

## Revocation reasons (RFC 5280 §5.3.1)

reason-unspecified = unspecified
reason-keyCompromise = keyCompromise
reason-cACompromise = cACompromise
reason-affiliationChanged = affiliationChanged
reason-superseded = superseded
reason-cessationOfOperation = cessationOfOperation
reason-certificateHold = certificateHold
reason-removeFromCRL = removeFromCRL
reason-privilegeWithdrawn = privilegeWithdrawn
reason-aACompromise = aACompromise

## Phrases the pure layers say in English, retold when printing (src/i18n/phrases.rs).
## The English of a `tx-*` message is its pattern: keep it word for word what the code says.
## Terms (`term-*`): whole words; labels (`lbl-*`): field labels before `:`.

## Terms: revocation reasons (RFC 5280), domains, levels, seal types, statuses
term-unspecified = unspecified
term-keyCompromise = keyCompromise
term-cACompromise = cACompromise
term-affiliationChanged = affiliationChanged
term-superseded = superseded
term-cessationOfOperation = cessationOfOperation
term-certificateHold = certificateHold
term-removeFromCRL = removeFromCRL
term-privilegeWithdrawn = privilegeWithdrawn
term-aACompromise = aACompromise
term-intranet = intranet
term-extranet = extranet
term-internet = internet
term-public = public
term-internal = internal
term-secret = secret
term-confidential = confidential
term-top-secret = top-secret
term-official = official
term-contract = contract
term-finance = finance
term-invoice = invoice
term-personal = personal
term-valid = valid
term-revoked = revoked
term-hold = hold
term-expired = expired
term-none = none
term-true = true
term-false = false
term-signer = signer
term-seal-authority = seal authority
term-allow = allow
term-deny = deny

## Labels of cert show, crl show, authz explain
lbl-subject = Subject
lbl-issuer = Issuer
lbl-serial = Serial
lbl-not-before = Not before
lbl-not-after = Not after
lbl-key = Key
lbl-signature = Signature
lbl-ca = CA
lbl-path-len = Path length
lbl-key-usage = Key usage
lbl-ext-key-usage = Ext key usage
lbl-sans = SANs
lbl-crl-urls = CRL URLs
lbl-ski = Subject key id
lbl-aki = Authority key id
lbl-sha256 = SHA-256
lbl-profile = Profile
lbl-status = Status
lbl-this-update = This update
lbl-next-update = Next update
lbl-crl-number = CRL number
lbl-entries = Entries
lbl-allow = allow
lbl-deny = deny
lbl-roles = roles
lbl-path = path
lbl-rule = rule
lbl-nearest-permissions = nearest permissions
lbl-failed = failed
lbl-not-provable = not provable
lbl-warning = warning

## cert show, cert list, crl show
tx-cert-count = { $count } certificate(s)
tx-cert-count-expiring = { $count } certificate(s) expiring
tx-crl-verified = verified with this home's CA
tx-crl-not-verified = DOES NOT VERIFY with this home's CA
tx-crl-not-checked-other = not checked (not issued by this home's CA)
tx-crl-valid-issuer = valid (issuer { $issuer })
tx-crl-invalid-issuer = signature invalid ({ $reason }; issuer { $issuer })
tx-crl-issuer-differs = not checked: the CRL's issuer { $crl } is not { $ca }
tx-expired-mark = { $time } (EXPIRED)
tx-revoked-publish = revoked { $serial } ({ $reason })
tx-publish-hint = publish the change with `govpki crl generate`

## seal verify: the checks' details
tx-seal-named = seal { $esid } ({ $name })
tx-no-seal = no seal: the signature carries no electronic seal
tx-no-signer-cert = no signer certificate
tx-signer-listed = the signer's certificate is a holder of the seal
tx-signer-not-listed = the signer's certificate { $cert } is not listed in seal { $seal }
tx-no-message-digest = no messageDigest signed attribute
tx-digest-unsupported = digest algorithm { $alg } is not supported
tx-hashed-with = the document was hashed with { $doc }, the signature uses { $alg }
tx-digest-matches = the document's { $alg } matches the signed digest
tx-digest-mismatch = document hash mismatch: the document's { $alg } differs from the signed digest (changed after signing)
tx-no-signed-attrs = signatures without signed attributes are not supported
tx-signer-cert-missing = the signer's certificate is not in the signature
tx-content-type = the contentType attribute is missing or differs from the content type
tx-signer-sig-ok = { $alg } signature by the signer's key verifies
tx-signer-sig-bad = the signer's signature is invalid: { $why }
tx-no-signing-cert = no signingCertificateV2 attribute (not a CAdES signature)
tx-hash-unsupported = hash algorithm { $alg } is not supported
tx-signing-cert-ok = signingCertificateV2 names the signer's certificate
tx-signing-cert-other = signingCertificateV2 names another certificate than the signer's
tx-claim-after-stamp = the claimed signing time { $claimed } is after the time-stamp's genTime { $gen } (by { $by }): the signer's claim is false
tx-time-stamped = { $time } (time-stamp by { $tsa }; claimed by signer: { $claimed })
tx-claim-after-verification = the claimed signing time { $claimed } is after the verification time { $now }
tx-claimed-stamp-proves-nothing = { $time } (claimed by signer; the time-stamp proves no time)
tx-claimed-not-stamped = { $time } (claimed by signer, not time-stamped)
tx-claimed-ses = { $time } (claimed by signer in timeInfo, not time-stamped)
tx-judged-given = judged at { $time } (given by verifier)
tx-no-signing-time = no signingTime attribute: judged at the verification time
tx-seal-stamp-unverified = the seal carries a time-stamp (SES_Seal), which govpki does not verify yet
tx-not-verified-yet = { $what }, which govpki does not verify yet
tx-no-time-stamp = no time-stamp
tx-stamp-untrusted = the time-stamp by { $tsa } proves no time: its TSA is not trusted at { $at }: { $reason }
tx-authority-sig-ok = { $alg } signature by the seal authority verifies
tx-authority-sig-bad = the seal authority's signature is invalid: { $why }
tx-no-unknown-critical = no unknown critical extension
tx-unknown-critical = the seal has unknown critical extensions: { $oids }
tx-seal-not-yet-valid = seal { $seal } was not yet valid at the signing time { $time } (valid { $window })
tx-seal-expired = seal { $seal } had expired at the signing time { $time } (valid { $window })
tx-seal-in-validity = the signing time is inside the seal's validity { $window }
tx-seal-not-revoked = the seal is not revoked
tx-seal-revoked-before = seal { $seal } was revoked at { $at }, before the signing time { $time }
tx-seal-revoked-reason-before = seal { $seal } was revoked at { $at } ({ $reason }), before the signing time { $time }
tx-seal-revoked-after = the seal was revoked at { $at }, after the signing time
tx-seal-status = seal status
tx-no-seal-status = no seal status list
tx-ses-hashed-with = the document was hashed with { $alg }, but an SES_Signature signs its SM3
tx-ses-digest-ok = the document's sm3 matches dataHash
tx-ses-digest-mismatch = document hash mismatch: the document's sm3 differs from dataHash { $hash } (changed after signing, or not the signed file { $file })
tx-ses-signer-sig-ok = { $alg } signature by the signer's key over TBS_Sign verifies
tx-chain-valid-not-revoked = { $who }: chain valid, not revoked
tx-chain-valid = { $who }: chain valid
tx-signer-why = signer: { $why }
tx-authority-why = seal authority: { $why }
tx-revocation-not-checked-why = revocation not checked: { $why }
tx-pass-revocation-not-checked = { $detail }; revocation not checked: { $why }
tx-revocation-not-checked-note = { $check }: revocation not checked

## The validator's reasons (seal chains, cert verify)
tx-cert-revoked = certificate { $cert } (serial { $serial }) was revoked at { $at } ({ $reason })
tx-cert-revoked-since = certificate { $cert } (serial { $serial }) was revoked at { $at } ({ $reason }), invalid since { $since }
tx-cert-revoked-before-signing = certificate { $cert } (serial { $serial }) was revoked at { $at } ({ $reason }), at or before the signing time { $time }
tx-cert-revoked-since-before-signing = certificate { $cert } (serial { $serial }) was revoked at { $at } ({ $reason }), invalid since { $since }, at or before the signing time { $time }
tx-cert-revoked-compromise = certificate { $cert } (serial { $serial }) was revoked at { $at } ({ $reason }): a compromised key voids what it signed, whatever time it claims; the signing time { $time } is not proven before { $before } by a trusted time-stamp
tx-cert-malformed = the certificate is malformed
tx-cert-malformed-why = the certificate is malformed: { $why }
tx-path-cert-malformed = a certificate of the path is malformed
tx-authority-cert-malformed = the seal authority certificate is malformed
tx-ku-malformed = malformed key usage: { $why }
tx-eku-malformed = malformed extended key usage: { $why }
tx-ca-cannot-hold = { $subject } is a CA certificate, which cannot hold a seal
tx-not-authority-ku = { $subject } is not a seal authority: a CA certificate whose key usage lacks keyCertSign is no CA of the hierarchy
tx-not-authority = { $subject } is not a seal authority: neither a CA certificate of the trusted hierarchy, nor a `seal-authority` certificate (extended key usage { $eku }), nor pinned with --seal-authority
tx-no-cert-sign = certificate { $subject } may not sign certificates: its key usage lacks keyCertSign
tx-not-yet-valid-checked = certificate { $subject } is not valid until { $from } (checked at { $at })
tx-expired-checked = certificate { $subject } expired at { $to } (checked at { $at })
tx-no-ku-fit = certificate { $subject } has no key usage fit for { $use }
tx-use-documents = signing documents (digitalSignature or nonRepudiation)
tx-use-seals = signing seals
tx-use-stamps = signing time-stamps
tx-no-eku-ts = certificate { $subject } has no extendedKeyUsage timeStamping
tx-not-tsa = certificate { $subject } is not a TSA certificate: RFC 3161 wants a critical extendedKeyUsage with timeStamping alone
tx-crl-too-old = the newest CRL for { $subject } was issued at { $at }, before the signing time { $time }, so it cannot show the certificate unrevoked then
tx-no-usable-crl = no usable CRL for { $subject }: the CRL from { $issuer } does not verify with its issuer's key
tx-no-crl-from = no CRL from { $issuer } for { $subject }
tx-pinned-no-path = { $subject } is pinned with --seal-authority and has no path to the trust anchors
tx-no-anchor = no trust anchor given
tx-anchor-unusable = trust anchor { $index } is unusable: { $reason }
tx-crl-malformed-index = CRL { $index } is malformed: { $reason }
tx-sig-not-verify = the signature does not verify
tx-sig-not-fit = the signature algorithm does not fit the key
tx-sig-unsupported = unsupported signature algorithm { $alg }
tx-explicit-policy = an explicit policy is required and no acceptable policy is valid for the path

## authz check / explain
tx-denied-by-rule = denied by rule { $rule }
tx-denied-by-rule-fail-closed = denied by rule { $rule } (applied because a condition could not be evaluated: { $first })
tx-allowed-by = allowed by permission { $perm } of role { $role } (binding { $binding })
tx-allowed-by-inherited = allowed by permission { $perm } of role { $role }, inherited by { $by } (binding { $binding })
tx-no-permission = no permission allows { $action } on { $resource }
tx-no-permission-no-binding = no permission allows { $action } on { $resource } (no binding matches the subject)
tx-no-permission-nearest = no permission allows { $action } on { $resource }; nearest: { $rule } failed { $why }
tx-sod = separation of duty { $rule }: the subject holds both { $a } and { $b }
tx-malformed-request = malformed request: { $why }
tx-roles-none = roles: none (no binding matches the subject)
tx-role-binding = { $role } (binding { $binding })
tx-role-binding-inherited = { $role } (binding { $binding }, inherited from { $via })
tx-step-binding = binding    { $rest }
tx-step-role = role       { $rest }
tx-step-inherits = inherits   { $rest }
tx-step-permission = permission { $rest }
tx-could-not-evaluate = could not evaluate { $what }
tx-cond-time = time in { $from }-{ $to } { $zone }
tx-cond-time-days = time in { $from }-{ $to } { $zone } on { $days }
tx-cond-domain = domain in [{ $list }]
tx-cond-level-between = level between { $a } and { $b }
tx-cond-level-at-least = level at least { $a }
tx-cond-level-at-most = level at most { $a }
tx-cond-clearance = clearance at least { $a }
tx-cond-subject = subject { $key } in [{ $list }]
tx-cond-context = context { $key } in [{ $list }]
tx-req-no = the request gives no { $what }
tx-req-invalid = the request's { $what } { $v } is not valid
tx-is-domain = the domain is `{ $d }`
tx-is-time = the local time is { $t }
tx-is-level = the level is `{ $l }`
tx-clearance-below = clearance `{ $c }` is below level `{ $l }`
tx-clearance-is = clearance is `{ $c }`
tx-subject-no = the subject has no { $key }
tx-subject-is = the subject's { $key } is { $v }
tx-context-is = the context's { $key } is { $v }
tx-in-context = { $key } in its context

## audit verify
tx-audit-intact = audit log intact: { $records } records, { $signed } signed by their operators, head { $head }
tx-store-matches = store matches the log: { $certs } certificates ({ $revoked } revoked or on hold), { $crls } CRLs, { $seals } seals
tx-decided-again = { $n } allowed acts decided again under their pinned policy; { $k } signed checkpoints verify
tx-extends-head = the log extends the head { $file }
tx-store-mismatch-at = store DOES NOT MATCH the audit log at record { $seq }: { $why }
tx-store-mismatch = store DOES NOT MATCH the audit log: { $why }
tx-audit-broken-at = audit log BROKEN at record { $seq }: { $why }
tx-audit-broken = audit log BROKEN: { $why }
tx-more-rows = ({ $n } more rows disagree; see --json)
tx-not-provable-more = not provable: { $n } more (see --json)

## Common errors and hints
tx-already-exists = { $path } already exists
tx-pass-force = pass --force to replace it
tx-already-holds-ca = { $path } already holds a CA
tx-neither-file-nor-serial = { $target } is neither a file nor a hex serial
tx-give-file-or-serial = give a certificate file, or a serial as `openssl x509 -serial` prints it
tx-no-cert-with-serial = no certificate with serial { $serial } was issued by this CA
tx-reading-the-cert = reading the certificate
tx-checking-crl = checking CRL { $path }
tx-expected-found = expected a { $expected }, found tag { $tag }
tx-unexpected-end = unexpected end of data
tx-invalid-base64 = invalid base64: { $why }
tx-no-ca-home = no CA home: neither --home, $GOVPKI_HOME nor $HOME is set
tx-pass-home = pass --home DIR

## clap's errors (the parser's own words)
tx-clap-error = error: { $what }
tx-clap-unrecognized-subcommand = unrecognized subcommand { $name }
tx-clap-unexpected-argument = unexpected argument { $arg } found
tx-clap-tip-value = tip: to pass { $arg } as a value, use { $use }
tx-clap-tip-similar-subcommand = tip: a similar subcommand exists: { $name }
tx-clap-tip-similar-argument = tip: a similar argument exists: { $name }
tx-clap-required = the following required arguments were not provided:
tx-clap-invalid-value = invalid value { $value } for { $arg }
tx-clap-possible-values = [possible values: { $raw-list }]
tx-clap-value-required = a value is required for { $arg } but none was supplied
tx-clap-cannot-be-used = the argument { $a } cannot be used with { $b }
tx-clap-usage = Usage: { $usage }
tx-clap-more-info = For more information, try { $flag }.
join-semi = {"; "}
term-weekdays = mon,tue,wed,thu,fri

## cert list --expiring: the columns

col-serial = SERIAL
col-subject = SUBJECT
col-profile = PROFILE
col-not-after = NOT AFTER
col-days-left = DAYS LEFT

## The path validator's reasons (pkix, ca::verify)
tx-revoked-at = revoked at { $at } ({ $reason })
tx-hold-at = hold at { $at } ({ $reason })
tx-chain-expired = { $subject } in the chain expired at { $at } (checked at { $checked })
tx-chain-not-yet-valid = { $subject } in the chain is not valid until { $at } (checked at { $checked })
tx-cert-revoked-at = certificate revoked at { $at } ({ $reason })
tx-cert-revoked-at-by = certificate revoked at { $at } ({ $reason }), decided by { $by }
tx-chain-cert-revoked = a certificate in the chain is revoked: { $subject } at { $at } ({ $reason })
tx-chain-cert-revoked-by = a certificate in the chain is revoked: { $subject } at { $at } ({ $reason }), decided by { $by }
tx-chain-sig = a signature in the chain does not verify: { $why }
tx-wrong-purpose = the certificate is not valid for the requested purpose (extended key usage)
tx-chain-too-long = the chain is too long
tx-not-decided-both = neither the given CRLs nor OCSP decide the revocation of { $list }
tx-not-decided = the given CRLs do not decide the revocation of { $list }
tx-undecided-subject = `{ $subject }` ({ $why })
tx-no-crl-covers = no CRL given covers it
tx-crl-stale = its CRL is past its nextUpdate
tx-crl-no-valid-signer = no CRL of its issuer has a signature by a valid key
tx-crl-reasons = the CRLs given do not cover every revocation reason
tx-crl-critical = its CRL has an unsupported critical extension
tx-no-path = no path to a trusted CA: the issuer of { $subject } is unknown or not trusted
tx-chain-longer = the chain is longer than { $max } certificates
tx-sig-of = the signature of { $subject } does not verify: { $why }
tx-subject-expired = { $subject } expired at { $at }
tx-subject-not-yet-valid = { $subject } is not valid until { $at }
tx-not-ca = { $subject } is not a CA certificate (basicConstraints cA is not TRUE)
tx-path-len = { $subject } exceeds a path length constraint
tx-no-keycertsign = { $subject } may not sign certificates: its keyUsage lacks keyCertSign
tx-unsupported-critical = { $subject } has an unsupported critical extension { $oid }
tx-name-constraint = { $subject } breaks a name constraint: { $why }
tx-cert-policies = certificate policies: { $why }
tx-subject-wrong-purpose = { $subject } is not valid for the requested purpose (extended key usage)
tx-negative-serial = { $subject } has a negative serial number (RFC 5280 §4.1.2.2)
tx-sig-alg-differs = { $subject } has different signature algorithms inside and outside its TBS
tx-subject-revoked = { $subject } is revoked
tx-not-der-cert = not a DER certificate: { $why }
tx-bad-time = bad time: { $why }
tx-ext-twice = extension { $oid } appears more than once
tx-ext-malformed = extension { $oid } is malformed: { $why }
tx-unsupported-key = unsupported or malformed public key: { $why }

## authz explain: more lines
tx-conflicting-roles = conflicting roles: { $list }
tx-role-binding-scope = { $role } (binding { $binding }, scope dept/{ $scope }/)
tx-role-binding-inherited-scope = { $role } (binding { $binding }, inherited from { $via }, scope dept/{ $scope }/)
tx-nearest-permission = { $perm } (role { $role }) [{ $at }]

## PEM and base64 (the pem and base64 crates' words)
tx-pem-invalid-data = invalid data: { $why }
tx-b64-symbol = Invalid symbol { $byte }, offset { $offset }.
tx-b64-length = Invalid input length: { $len }
tx-b64-last = Invalid last symbol { $sym } at offset { $offset }, decoded as { $bits }.
tx-b64-padding = Invalid padding
tx-pem-mismatch = mismatching BEGIN ({ $b }) and END ({ $e }) tags
tx-pem-framing = malformedframing
tx-pem-no-begin = missing BEGIN tag
tx-pem-no-end = missing END tag
tx-pem-no-data = missing data
tx-pem-header = invalid header: { $hdr }

## More common errors and hints
tx-holds-no-ca = { $home } holds no CA (run `govpki ca init` first, or pass --home)
tx-pass-force-short = pass --force
tx-unknown-profile = unknown profile { $name }
tx-unknown-profile-builtin = unknown profile { $name } (built-in: { $list }; a home profile is { $file })
tx-did-you-mean-profile = did you mean { $near }? (`govpki cert profiles` lists them)
tx-no-public-key = no public key to certify
tx-pass-csr-or-key-out = pass --csr F for a department's own key, or --key-out F to generate one
tx-no-trust-given = no --trust given, and { $home } holds no CA to trust by default
tx-pass-trust = pass --trust ROOT.pem (repeatable), or --home DIR
tx-policy-not-load = policy { $path } does not load ({ $n } error)
tx-policy-not-load-n = policy { $path } does not load ({ $n } errors)
tx-no-yaml = no .yaml or .yml files in policy directory { $dir }
tx-no-passphrase-source = no passphrase source for the { $what }, and no terminal to ask on
tx-what-ca-key = CA key
tx-key-not-of-cert = the key { $key } is not the key of certificate { $serial }
tx-not-issued-here = the certificate was not issued by this home's CA
tx-remove-from-crl = removeFromCRL is not a revocation reason
tx-release-hint = release a certificate on hold with `govpki cert release SERIAL`
tx-revoked-not-renewed = certificate { $cert } is revoked ({ $reason }); a revoked certificate is not renewed
tx-no-signature-for = no signature for { $doc }: neither { $a } nor { $b } exists
tx-give-seal-file = give a .esl, .p7s or seal status list file, or an esID from `govpki seal create`
tx-pass-home-or-as = pass --as OPERATOR_CERT --as-key OPERATOR_KEY
tx-governed-no-operator = this CA is governed by the policy { $policy }, and no operator was named
tx-reading-ca-cert = reading the CA certificate
tx-reading-passphrase = reading the passphrase
tx-unlocking-key = unlocking private key { $path }
tx-signing-head = signing the head with the CA key
tx-reading-stored-cert = reading the stored certificate
tx-denied-by-policy = denied by policy: { $action } on { $resource }: { $reason }
tx-no-domain-hint = no --domain was given (intranet, extranet or internet)
lbl-hint = hint

## More validator reasons, warnings, serials
tx-cert-not-yet-valid-at = certificate is not valid until { $at } (checked at { $checked })
tx-cert-expired-at = certificate expired at { $at } (checked at { $checked })
tx-not-hex-serial = { $x } is not a hex serial number
tx-warn-ca-unencrypted = the CA key is stored unencrypted (--no-passphrase)
tx-warn-key-unencrypted = the key is stored unencrypted (--no-passphrase)
tx-warn-generated-unencrypted = generated keys are stored unencrypted (--no-key-passphrase)
tx-warn-new-key-unencrypted = the new key is stored unencrypted (--no-key-passphrase)
tx-warn-p12-weak = the PKCS#12 passphrase is weak (--allow-weak-passphrase)
tx-warn-next-update-after-ca = nextUpdate is after the CA certificate expires
tx-warn-validity-cut = validity cut to the parent CA's end, { $end }
tx-warn-crl-expired = CRL #{ $n } expired at { $at }; run `govpki crl generate`
tx-warn-publish-failed = publishing the CRL failed: { $why }

## audit verify: why the log is broken
tx-audit-edited = its contents do not match its hash (the record was edited)
tx-audit-prev = its previous-hash does not match the record before it
tx-audit-gap = sequence gap: expected record { $expected }, found { $found }
tx-audit-ca-cert = the CA certificate in the store is not the one record 1 created
tx-audit-not-extend = the log does not extend the head { $head }: { $why }

## Input errors: times, names, SANs, keys, the store
tx-not-duration = { $v } is not a duration like 30d, 2y, 12h or 90m
tx-too-long-duration = { $v } is longer than { $max } years, the longest duration govpki takes
tx-not-rfc3339 = { $v } is not an RFC 3339 time like 2026-11-30T09:00:00+08:00
tx-not-before-before-ca = --not-before { $nb } is before the CA's own notBefore { $ca }
tx-not-after-not-after = --not-after { $na } is not after the notBefore { $nb }
tx-validity-past-calendar = a validity of { $v } is past the calendar
tx-dn-empty = empty distinguished name
tx-dn-form = { $v } is not of the form TYPE=value
tx-dn-unknown-attr = unknown attribute type { $v }
tx-dn-empty-value = empty value for { $v }
tx-dn-bad-escape = bad escape in { $v }
tx-dn-country = country { $v } is not a two-letter code
tx-dn-multi = multi-valued RDNs (`+`) are not supported
tx-dn-too-long = value of { $attr } is { $len } characters, over the limit of { $max }
tx-dn-control = value contains a control character
tx-san-form = { $v } is not of the form dns:NAME, email:ADDR, ip:ADDR or uri:URI
tx-san-dns = { $v } is not a valid DNS name
tx-san-email = { $v } is not a valid email address
tx-san-ip = { $v } is not an IP address
tx-san-uri = { $v } is not an ASCII URI
tx-already-revoked = certificate { $serial } is already revoked ({ $reason })
tx-not-on-hold = certificate { $serial } is not on hold
tx-store-damaged = the store's CA metadata is damaged: { $why }
tx-keygen-failed = key generation failed
tx-not-pkcs8 = not a PKCS#8 private key: { $why }
tx-unsupported-key-type = unsupported key type: { $why }
tx-encrypting-failed = encrypting the key failed: { $why }
tx-no-passphrase = no passphrase: { $why }
tx-passphrase-empty = the passphrase is empty
tx-signing-failed = signing failed
tx-not-hold-role = the subject does not hold role { $role }
tx-allows-only-on = allows { $action } only on { $resource }
join-list = {", "}
tx-cond-clearance-covers = clearance covers the resource level
tx-cond-any-level = any level

## Issuance, renewal, publication and their validity bounds
tx-issued-cert = issued { $profile } certificate { $serial } for `{ $subject }`, valid until { $until }
tx-issued-batch = issued { $n } certificates into `{ $dir }`
tx-renewed-cert = renewed certificate { $old } as { $serial } for `{ $subject }`, valid until { $until }
tx-renew-old-stays = { $old } stays valid until it expires (--revoke-old revokes it)
tx-renew-old-revoked = revoked { $old } (superseded); publish the change with `govpki crl generate`
tx-crl-published = published CRL #{ $n } with { $entries } entries, next update { $next }
tx-created-root-ca = created root CA `{ $subject }` in `{ $home }` (serial { $serial }, valid until { $until })
tx-created-sub-ca = created subordinate CA `{ $subject }` in `{ $home }` (serial { $serial }, valid until { $until })
tx-exported-p12 = wrote `{ $out }`: certificate { $serial } (`{ $subject }`) with its { $alg } key and { $n } chain certificate(s), friendlyName `{ $name }`
tx-past-issuer = the validity would end at `{ $end }`, after the CA's own notAfter `{ $ca }`
tx-past-issuer-hint = ask for --not-after `{ $ca }` or earlier (or a shorter --validity), or renew the CA first
tx-over-profile-max = a validity of { $days } days exceeds the maximum of profile `{ $profile }`, { $max } days
tx-over-profile-max-hint = pass --validity { $max }d or shorter (the profile's maximum)
tx-fitted-default = the profile's default validity would pass the CA's own notAfter: the certificate ends with the CA, at `{ $end }`; renew the CA to issue for longer
tx-fitted-default-parent = the default validity would pass the parent CA's own notAfter: this CA ends with it, at `{ $end }`; renew the parent CA to certify for longer
tx-fitted-batch = batch file { $file } row { $rows }: the profile's default validity would pass the CA's own notAfter: the certificates end with the CA, at `{ $end }`; renew the CA to issue for longer
tx-batch-row = batch file { $file } row { $row }: { $why }
tx-batch-row-at = batch file { $file } row { $row }
tx-not-builtin-over-ca = profile { $name } is not a built-in profile: over --ca a batch row takes built-in profiles only (the operator API refuses home profiles)
tx-home-profile-rows-locally = issue the rows of a home profile on the CA's own host, without --ca
tx-profile-needs-san = profile { $name } needs a { $kind }: SAN
tx-profile-disallows-san = profile { $name } does not allow SAN { $san }
tx-batch-row-ca-hint = give row { $row } a validity ending at or before `{ $ca }`, or renew the CA first
tx-batch-row-max-hint = give row { $row } a validity of { $max }d or shorter (the profile's maximum)
tx-seal-past-maker = --valid-until `{ $end }` is after the seal maker's own notAfter `{ $ca }`: a seal does not outlive the certificate that makes it
tx-seal-past-maker-hint = ask for --valid-until `{ $ca }` or earlier (or leave it out), or make the seal with a seal authority certificate valid for longer
tx-list-profiles-hint = list them with `govpki cert profiles`

## seal show: the labels and the values' sentences (src/seal/summary.rs, seal.rs, ses.rs,
## status.rs; src/ops/seal/show.rs, src/cli/seal/show.rs)
lbl-ss-signing-time = signing time
lbl-ss-algorithms = algorithms
lbl-ss-doc-digest = doc digest
lbl-ss-attributes = attributes
lbl-ss-certificate = certificate
lbl-ss-crls = crls
lbl-ss-time-stamp = time-stamp
lbl-ss-signers = signers
lbl-ss-seal = seal
lbl-ss-esid = esID
lbl-ss-type = type
lbl-ss-department = department
lbl-ss-valid = valid
lbl-ss-created = created
lbl-ss-holder = holder
lbl-ss-authority = authority
lbl-ss-algorithm = algorithm
lbl-ss-image = image
lbl-ss-format = format
lbl-ss-signature = signature
lbl-ss-maker = maker
lbl-ss-status = status
lbl-ss-seal-maker = seal maker
lbl-ss-signer-sig = signer sig
lbl-ss-seal-sig = seal sig
lbl-ss-note = note
lbl-ss-signed-file = signed file
lbl-ss-extension = extension
lbl-ss-this-update = this update
lbl-ss-next-update = next update
lbl-ss-revoked-seals = revoked seals
term-official-zh = official 公章
term-contract-zh = contract 合同专用章
term-finance-zh = finance 财务专用章
term-invoice-zh = invoice 发票专用章
term-personal-zh = personal 个人章
term-other-zh = other 其他印章
term-no-seal = no seal
term-none-paren = (none)
term-cert-not-in-signature = (certificate not in the signature)
term-unknown-tsa = an unknown TSA
term-seal-status-list = seal status list
term-home-seal-authority = a seal authority of this home's hierarchy
term-authority-kind-ca = a CA certificate
term-authority-kind-profile = a seal-authority certificate
term-recorded-not-revoked = recorded in this home, not revoked
term-verifies-authority-in-seal = verifies with the authority certificate in the seal
term-verifies-authority = verifies with the authority certificate
term-verifies-signer-in-signature = verifies with the signer certificate in the signature
term-no-seal-note = this signature carries no electronic seal (seal verify judges it invalid)
term-ses-note = the document hash, chains and time are judged by `seal verify DOC --sig FILE`
tx-ss-seal-type = { $type } (code { $code })
tx-ss-claimed-by-the-signer = { $time } (claimed by the signer)
tx-ss-claimed-by-signer = { $time } (claimed by signer)
tx-ss-only-first = { $n } (only the first is shown)
# Not `{ $format } { $width }x...`: a variable followed by a bare space is tried at every space
# of every line (the long-list test of phrases.rs times it).
tx-ss-image = { $size } mm ({ $bytes } bytes)
tx-ss-format = SESeal version { $version } by `{ $vendor }`
tx-ss-format-ts = SESeal version { $version } by `{ $vendor }`, with time-stamp
tx-ss-ses = SES_Signature version { $version } (GB/T 38540)
tx-ss-ses-ts = SES_Signature version { $version } (GB/T 38540), with time-stamp
tx-ss-serial = { $subject } (serial { $serial })
tx-ss-data-hash = { $hash } (dataHash)
tx-ss-property-info = { $file } (propertyInfo)
tx-ss-critical = { $oid } (critical)
tx-ss-over-tbs = { $result } (over TBS_Sign)
tx-ss-alg-verifies = { $alg } verifies with the authority certificate
tx-ss-does-not-verify = DOES NOT VERIFY: { $why }
tx-ss-not-checked = not checked: { $why }
tx-ss-maker-kind = { $kind }; whether it is a trusted seal authority is judged by `seal verify` (--trust, --seal-authority)
tx-ss-not-seal-authority = NOT A SEAL AUTHORITY: { $why }
tx-ss-revoked-at = revoked at { $at }
tx-ss-gen-time = genTime { $time } by { $tsa } (not verified: `seal verify` does)
tx-ss-unreadable = unreadable: { $why }
tx-ss-wrote-image = wrote the seal image ({ $format }, { $width }x{ $height } mm) to `{ $path }`

## The success lines of seal create, sign, revoke and status-list, csr create, ca policy, serve
## and demo
tx-made-seal = made { $type } seal `{ $name }` ({ $department }) esID { $esid }, valid { $from } .. { $until }, for { $n } holder(s), into `{ $out }`
tx-sealed = sealed `{ $document }` -> `{ $signature }`
tx-sealed-batch = sealed { $n } documents with seal `{ $esid }` ({ $name }) at { $time }
tx-revoked-seal = revoked seal `{ $esid }` ({ $reason })
tx-seal-publish-hint = publish the change with `govpki seal status-list`
tx-published-seal-status = published the seal status list with { $n } revoked seal(s), next update { $next }
tx-wrote-key = wrote key `{ $path }`
tx-ca-governed = this CA is now governed by the policy `{ $policy }`, pinned as version { $version }
tx-ca-not-governed = this CA is no longer governed by a policy
tx-listening-https = listening { $url } ({ $domain })
tx-listening-publication = listening { $url } (publication)
tx-ocsp-signed = signed OCSP answers for { $n } certificates, next update { $next }
tx-crl-publish-failed = publishing the CRL failed: { $why }
tx-ocsp-refresh-failed = refreshing the OCSP answers failed: { $why }
tx-demo-in = govpki demo in `{ $dir }`
tx-demo-kept = kept `{ $dir }`
tx-demo-complete = demo complete: every step behaved as expected

## cert profiles: the cells of its table
prof-built-in = built-in
prof-home-based = home, based on { $base }
prof-max-days = max { $days } days
term-unknown = unknown

## demo: its steps' titles (src/cli/demo.rs; each English text word for word the title)
tx-demo-step = == { $n }. { $title }
term-demo-1 = create the root CA (P-256, key encrypted with scrypt)
term-demo-2 = issue the 信息中心 department certificate with a generated key
term-demo-3 = a civil servant keeps their own key: create a CSR
term-demo-4 = issue the person certificate from the CSR
term-demo-5 = list what the CA issued
term-demo-6 = 张三's key was lost: revoke the certificate
term-demo-7 = publish the CRL
term-demo-8 = show the CRL
term-demo-9 = verify the department certificate against the CRL: valid (exit 0)
term-demo-10 = verify 张三's certificate against the CRL: revoked (exit 1)
term-demo-11 = issue a seal holder's certificate (profile seal, documentSigning) for 办公室
term-demo-12 = the seal authority makes 办公室's official seal (公章), drawn as the round red seal
term-demo-13 = 李四 seals a notice: notice.txt.p7s, a CMS signature carrying the seal
term-demo-14 = a reviewer verifies the sealed notice: valid (exit 0); the CRL predates the sealing, so it cannot settle revocation
term-demo-15 = show the sealed signature and the seal it carries
term-demo-16 = a copy with one byte changed, against the original's seal: invalid (exit 1)
term-demo-17 = issue the CA officer's own certificate (TITLE=安全管理员, 信息中心)
term-demo-18 = the policy allows the officer to issue 财政局's certificates from the intranet (exit 0)
term-demo-19 = the same request from the Internet: an explicit deny overrides the allow (exit 1)
term-demo-20 = put the CA under the policy's roles and bindings: its commands now need an operator
term-demo-21 = the officer issues a 财政局 certificate, proving presence with his key (it signs the act)
term-demo-22 = the same officer from the extranet: the policy denies it, and the denial is audited (exit 1)
term-demo-23 = verify the audit log: the hash chain and the officer's signature on what he did
term-demo-24 = national algorithms: create an SM2 root CA in a second home (SM2-with-SM3, GM/T 0009 user ID)
term-demo-25 = the SM2 CA issues the 信息中心 department certificate (SM2 key, encrypted PKCS#8)
term-demo-26 = verify the SM2 department certificate: valid (exit 0)
term-demo-27 = issue an SM2 seal holder's certificate for 办公室
term-demo-28 = the SM2 seal authority makes 办公室's seal: a GB/T 38540 v4 SESeal signed SM2
term-demo-29 = 赵六 seals the notice as a GB/T 38540 SES_Signature (SM3 of the notice, SM2 over TBS_Sign): notice-sm2.txt.ses
term-demo-30 = a reviewer verifies the SES seal-signature: valid (exit 0)
term-demo-31 = the copy with one byte changed, against the SES seal-signature: invalid (exit 1)
tx-demo-exit = (exit { $code })
tx-ocsp-not-on-path = OCSP: the certificate is not on the path validated
tx-ocsp-issuer-not-given = OCSP: its issuer is not among the certificates given
