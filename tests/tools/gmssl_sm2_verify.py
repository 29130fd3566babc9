#!/usr/bin/env python3
"""Verify one SM2-with-SM3 signature with gmssl (PyPI `gmssl`, pure Python), an SM2
implementation independent of govpki's Rust `sm2` crate and of OpenSSL. The one gmssl judge of
the test suite: every test calls it through tests/tools/gmssl.rs.

usage: gmssl_sm2_verify.py PUBLIC_KEY_HEX SIGNATURE_FILE MESSAGE_FILE

PUBLIC_KEY_HEX is the uncompressed point `04 || x || y` (130 hex digits), SIGNATURE_FILE the
DER `SEQUENCE { r INTEGER, s INTEGER }`, MESSAGE_FILE the signed octets (e.g. DER(TBS_Sign), a
certificate's TBSCertificate, a govpki operator statement). The digest is SM3(Z_A || message)
with Z_A computed over the user ID `1234567812345678` (GM/T 0009): gmssl 3.2.2's
`CryptSM2.verify_with_sm3` builds Z_A with exactly that ID (`_sm3_z`, "0080" +
hex("1234567812345678")), which this script checks before trusting it.

The signature is read here, strictly (DER, minimal lengths, positive minimal INTEGERs, nothing
after the SEQUENCE, 1 <= r, s < n), and only r and s are handed to gmssl: gmssl's own ASN.1
mode is lenient, and its verify does not check the range of r and s.

Prints `OK` and exits 0 when the signature verifies; prints `FAIL: ...` and exits 1 when it
does not (including a signature that is not DER, e.g. raw r||s); exits 2 on a usage error.
"""

import inspect
import sys

from gmssl import sm2

DEFAULT_ID_HEX = "31323334353637383132333435363738"  # "1234567812345678"


class NotDer(Exception):
    pass


def der_length(data, i):
    """The length at data[i:], minimal DER form only; returns (length, next index)."""
    if i >= len(data):
        raise NotDer("truncated length")
    first = data[i]
    if first < 0x80:
        return first, i + 1
    n = first & 0x7F
    if n == 0 or n > 2 or i + 1 + n > len(data):
        raise NotDer("bad long-form length")
    length = int.from_bytes(data[i + 1 : i + 1 + n], "big")
    if length < 0x80 or (n == 2 and length < 0x100):
        raise NotDer("non-minimal length")
    return length, i + 1 + n


def der_integer(data, i):
    """A positive, minimally encoded INTEGER at data[i:]; returns (value, next index)."""
    if i >= len(data) or data[i] != 0x02:
        raise NotDer("expected an INTEGER")
    length, i = der_length(data, i + 1)
    body = data[i : i + length]
    if length == 0 or len(body) != length:
        raise NotDer("truncated INTEGER")
    if body[0] & 0x80:
        raise NotDer("negative INTEGER")
    if length > 1 and body[0] == 0 and not body[1] & 0x80:
        raise NotDer("non-minimal INTEGER")
    return int.from_bytes(body, "big"), i + length


def der_r_s(signature):
    """(r, s) of a DER SEQUENCE { r INTEGER, s INTEGER } with nothing after it."""
    if not signature or signature[0] != 0x30:
        raise NotDer("not a DER SEQUENCE")
    length, i = der_length(signature, 1)
    if i + length != len(signature):
        raise NotDer("the SEQUENCE length does not match the signature")
    r, i = der_integer(signature, i)
    s, i = der_integer(signature, i)
    if i != len(signature):
        raise NotDer("bytes after s")
    return r, s


def main(argv):
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    pub_hex = argv[1].strip().lower()
    if len(pub_hex) != 130 or not pub_hex.startswith("04"):
        print("public key must be 04 || x || y in hex", file=sys.stderr)
        return 2
    try:
        bytes.fromhex(pub_hex)
    except ValueError:
        print("public key is not hex", file=sys.stderr)
        return 2
    # The user ID is fixed inside gmssl; refuse to run if that ever changes.
    if DEFAULT_ID_HEX not in inspect.getsource(sm2.CryptSM2._sm3_z):
        print("gmssl no longer hashes Z_A with the ID 1234567812345678", file=sys.stderr)
        return 2
    with open(argv[2], "rb") as f:
        signature = f.read()
    with open(argv[3], "rb") as f:
        message = f.read()

    try:
        r, s = der_r_s(signature)
    except NotDer as e:
        print(f"FAIL: the signature is not DER SEQUENCE {{ r, s }}: {e}")
        return 1
    crypt = sm2.CryptSM2(private_key="00", public_key="00")
    n = int(crypt.ecc_table["n"], 16)
    if not (1 <= r < n and 1 <= s < n):
        print("FAIL: r or s is out of range")
        return 1
    # gmssl's constructor drops a leading "04" with str.lstrip("04"), which also eats leading
    # '0' and '4' digits of x; set x || y directly.
    crypt.public_key = pub_hex[2:]
    if crypt.verify_with_sm3("%064x%064x" % (r, s), message):
        print("OK")
        return 0
    print("FAIL: the signature does not verify")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
