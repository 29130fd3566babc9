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
err-docs-unverified = { $failed } of { $total } documents could not be verified
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

## seal verify: the one-line summary of the run, and the closing tally

summary-one = { $verdict }: { $document }: { $reason }
summary-all-valid = { $verdict }: { $n ->
    [one] the document is valid
   *[other] all { $count } documents are valid
}
summary-some-invalid = { $verdict }: { $bad } of { $count } documents are invalid
summary-some-indeterminate = { $verdict }: { $bad } of { $count } documents are indeterminate
summary-some-error = { $verdict }: { $bad } of { $count } documents could not be verified
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
