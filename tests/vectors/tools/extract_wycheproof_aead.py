#!/usr/bin/env python3
"""Extracts the Wycheproof AEAD vectors the record layer tests into strict text files.

Usage: extract_wycheproof_aead.py WYCHEPROOF_DIR OUT_DIR

WYCHEPROOF_DIR holds Project Wycheproof's testvectors/*.json (here taken from Debian's
android-platform-external-boringssl source package, src/third_party/wycheproof_testvectors/;
Apache-2.0). Kept, unchanged: every test of the groups with a 96-bit IV and a 128-bit tag whose
key size is one a TLS suite uses (AES-128 / AES-256 GCM, ChaCha20-Poly1305 with its 256-bit key).
Other IV sizes cannot occur in TLS 1.2 (RFC 5288 §3, RFC 7905 §2) and AES-192 is in no suite.

Output format (read with tests/support/vector_file.h by tests/unit/record_wycheproof_test.cpp):
  [keySize = <bits>]
  tcId / result / flags / comment / key / iv / aad / msg / ct / tag   (hex may be empty)
"""
import json
import os
import sys

FILES = [
    ("aes_gcm_test.json", "aes_gcm.txt", (128, 256)),
    ("chacha20_poly1305_test.json", "chacha20_poly1305.txt", (256,)),
]


def clean(text):
    return " ".join(str(text).split())


def convert(src_dir, name, out_dir, out_name, key_sizes):
    with open(os.path.join(src_dir, name), encoding="utf-8") as f:
        data = json.load(f)
    body = []
    count = 0
    for group in data["testGroups"]:
        if group["ivSize"] != 96 or group["tagSize"] != 128 or group["keySize"] not in key_sizes:
            continue
        body.append("")
        body.append("[keySize = %d]" % group["keySize"])
        body.append("")
        for t in group["tests"]:
            count += 1
            body.append("tcId = %d" % t["tcId"])
            body.append("result = %s" % t["result"])
            body.append("flags = %s" % ",".join(t["flags"]))
            body.append("comment = %s" % clean(t["comment"]))
            for k in ("key", "iv", "aad", "msg", "ct", "tag"):
                body.append("%s = %s" % (k, t[k]))
            body.append("")
    lines = [
        "# source: Project Wycheproof testvectors/%s (generatorVersion %s), via Debian's "
        "android-platform-external-boringssl source package" % (name, data.get("generatorVersion", "?")),
        "# license: Apache-2.0 (Project Wycheproof)",
        "# generator: tests/vectors/tools/extract_wycheproof_aead.py",
        "# algorithm: %s; %d tests (96-bit IV, 128-bit tag, key sizes %s)"
        % (data["algorithm"], count, "/".join(str(k) for k in key_sizes)),
    ] + body
    with open(os.path.join(out_dir, out_name), "w", encoding="utf-8") as f:
        f.write("\n".join(lines).rstrip("\n") + "\n")


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    for name, out_name, sizes in FILES:
        convert(sys.argv[1], name, sys.argv[2], out_name, sizes)


if __name__ == "__main__":
    main()
