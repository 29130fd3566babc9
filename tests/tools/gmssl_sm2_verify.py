#!/usr/bin/env python3
"""Verify one SM2-with-SM3 signature with gmssl (PyPI `gmssl`, pure Python), an SM2
implementation independent of govpki's Rust `sm2` crate and of OpenSSL.

usage: gmssl_sm2_verify.py PUBLIC_KEY_HEX SIGNATURE_FILE MESSAGE_FILE

PUBLIC_KEY_HEX is the uncompressed point `04 || x || y` (130 hex digits), SIGNATURE_FILE the
DER `SEQUENCE { r INTEGER, s INTEGER }`, MESSAGE_FILE the signed octets (e.g. DER(TBS_Sign)).
The digest is SM3(Z_A || message) with Z_A computed over the user ID `1234567812345678`
(GM/T 0009): gmssl 3.2.2's `CryptSM2.verify_with_sm3` builds Z_A with exactly that ID
(`_sm3_z`, "0080" + hex("1234567812345678")), which this script checks before trusting it.

Prints `OK` and exits 0 when the signature verifies; prints `FAIL: ...` and exits 1 when it
does not (including a signature that is not DER, e.g. raw r||s); exits 2 on a usage error.
"""

import inspect
import sys

from gmssl import sm2

DEFAULT_ID_HEX = "31323334353637383132333435363738"  # "1234567812345678"


def main(argv):
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    pub_hex = argv[1].strip().lower()
    if len(pub_hex) != 130 or not pub_hex.startswith("04"):
        print("public key must be 04 || x || y in hex", file=sys.stderr)
        return 2
    # The user ID is fixed inside gmssl; refuse to run if that ever changes.
    if DEFAULT_ID_HEX not in inspect.getsource(sm2.CryptSM2._sm3_z):
        print("gmssl no longer hashes Z_A with the ID 1234567812345678", file=sys.stderr)
        return 2
    with open(argv[2], "rb") as f:
        signature = f.read()
    with open(argv[3], "rb") as f:
        message = f.read()

    crypt = sm2.CryptSM2(private_key="00", public_key=pub_hex[2:], asn1=True)
    # gmssl's constructor drops a leading "04" with str.lstrip("04"), which also eats leading
    # '0' and '4' digits of x; set x || y directly.
    crypt.public_key = pub_hex[2:]
    try:
        ok = crypt.verify_with_sm3(signature.hex(), message)
    except Exception as e:  # not a DER SEQUENCE { r, s }, or out of range
        print(f"FAIL: {type(e).__name__}: {e}")
        return 1
    if ok:
        print("OK")
        return 0
    print("FAIL: the signature does not verify")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
