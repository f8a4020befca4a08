#!/usr/bin/env python3
"""Extracts the Wycheproof signature-verification vectors opensslp tests into strict text files.

Usage: extract_wycheproof_signatures.py WYCHEPROOF_DIR OUT_DIR

WYCHEPROOF_DIR holds Project Wycheproof's testvectors/*.json (here taken from Debian's
android-platform-external-boringssl source package, src/third_party/wycheproof_testvectors/;
Apache-2.0). Only the groups opensslp's SslVerifySignature conventions cover are kept:
  - RSASSA-PKCS1-v1_5 (verified through NCRYPT_SSL_SIGN_INCLUDE_HASHOID),
  - RSASSA-PSS with MGF1 using the signature hash and salt length = hash length,
  - ECDSA on P-256/384/521 with IEEE P1363 (raw r||s) signatures.

Output format (read by tests/unit/wycheproof_signatures_test.cpp; every line is one of these):
  # comment
  scheme = pkcs1 | pss | ecdsa        (once, before the first key)
  hash = SHA256 | SHA384 | SHA512     (once; the CNG hash id; the test hashes msg with it)
  [key = <hex SubjectPublicKeyInfo DER>]
  tcId = <n>                          (starts a test; then msg, sig, result, flags, blank line)
  msg = <hex>
  sig = <hex>
  result = valid | invalid | acceptable
  flags = <comma-separated Wycheproof flags, may be empty>
"""
import json
import os
import sys

HASHES = {"SHA-256": "SHA256", "SHA-384": "SHA384", "SHA-512": "SHA512"}

# (input json, output txt, scheme)
FILES = [
    ("rsa_signature_2048_sha256_test.json", "rsa_pkcs1_2048_sha256.txt", "pkcs1"),
    ("rsa_signature_3072_sha384_test.json", "rsa_pkcs1_3072_sha384.txt", "pkcs1"),
    ("rsa_signature_2048_sha512_test.json", "rsa_pkcs1_2048_sha512.txt", "pkcs1"),
    ("rsa_pss_2048_sha256_mgf1_32_test.json", "rsa_pss_2048_sha256_mgf1_32.txt", "pss"),
    ("rsa_pss_3072_sha256_mgf1_32_test.json", "rsa_pss_3072_sha256_mgf1_32.txt", "pss"),
    ("ecdsa_secp256r1_sha256_p1363_test.json", "ecdsa_p256_sha256_p1363.txt", "ecdsa"),
    ("ecdsa_secp384r1_sha384_p1363_test.json", "ecdsa_p384_sha384_p1363.txt", "ecdsa"),
    ("ecdsa_secp521r1_sha512_p1363_test.json", "ecdsa_p521_sha512_p1363.txt", "ecdsa"),
]


def group_ok(group, scheme):
    if group["sha"] not in HASHES:
        return False
    if scheme == "pss":
        return group.get("mgf") == "MGF1" and group.get("mgfSha") == group["sha"] and \
            group.get("sLen") == {"SHA-256": 32, "SHA-384": 48, "SHA-512": 64}[group["sha"]]
    return True


def convert(src, dst, scheme):
    with open(src) as f:
        data = json.load(f)
    hashes = {g["sha"] for g in data["testGroups"] if group_ok(g, scheme)}
    assert len(hashes) == 1, hashes
    out = [
        "# source: Project Wycheproof testvectors/%s (generatorVersion %s), via Debian's "
        "android-platform-external-boringssl source package" % (os.path.basename(src), data.get("generatorVersion")),
        "# license: Apache-2.0 (Project Wycheproof)",
        "# generator: tests/vectors/tools/extract_wycheproof_signatures.py",
        "scheme = %s" % scheme,
        "hash = %s" % HASHES[hashes.pop()],
        "",
    ]
    count = 0
    for group in data["testGroups"]:
        if not group_ok(group, scheme):
            continue
        out.append("[key = %s]" % group["keyDer"])
        out.append("")
        for t in group["tests"]:
            out += ["tcId = %d" % t["tcId"], "msg = %s" % t["msg"], "sig = %s" % t["sig"],
                    "result = %s" % t["result"], "flags = %s" % ",".join(t["flags"]), ""]
            count += 1
    with open(dst, "w") as f:
        f.write("\n".join(out))
    print("%s: %d tests" % (dst, count))


def main():
    src_dir, out_dir = sys.argv[1], sys.argv[2]
    for src, dst, scheme in FILES:
        convert(os.path.join(src_dir, src), os.path.join(out_dir, dst), scheme)


if __name__ == "__main__":
    main()
