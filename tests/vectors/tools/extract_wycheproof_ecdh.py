#!/usr/bin/env python3
"""Extracts the Wycheproof key-agreement vectors opensslp tests into strict text files.

Usage: extract_wycheproof_ecdh.py WYCHEPROOF_DIR OUT_DIR

WYCHEPROOF_DIR holds Project Wycheproof's testvectors/*.json (here taken from Debian's
android-platform-external-boringssl source package, src/third_party/wycheproof_testvectors/;
Apache-2.0). Every test of the five files below is kept, unchanged:
  - ecdh_secp256r1/384r1/521r1_ecpoint_test.json: ECDH where "public" is a raw X9.62/SEC 1 point
    (the TLS ECPoint form: mostly uncompressed, some compressed or malformed), "private" a
    big-endian scalar, "shared" the x-coordinate;
  - x25519_test.json, x448_test.json: RFC 7748 functions with raw public/private strings.

Output format (read with tests/support/vector_file.h by tests/unit/wycheproof_ecdh_test.cpp):
  # source: / # license: / # ... header comments
  [group = <IANA NamedGroup id>]
  tcId = <n>
  result = valid | acceptable | invalid
  flags = <comma-separated Wycheproof flags, may be empty>
  comment = <Wycheproof comment>
  public = <hex>
  private = <hex>
  shared = <hex, may be empty>
  (blank line)
"""
import json
import os
import sys

# (input json, output txt, IANA group id)
FILES = [
    ("ecdh_secp256r1_ecpoint_test.json", "ecdh_secp256r1_ecpoint.txt", 23),
    ("ecdh_secp384r1_ecpoint_test.json", "ecdh_secp384r1_ecpoint.txt", 24),
    ("ecdh_secp521r1_ecpoint_test.json", "ecdh_secp521r1_ecpoint.txt", 25),
    ("x25519_test.json", "x25519.txt", 29),
    ("x448_test.json", "x448.txt", 30),
]


def clean(text):
    # One line, no characters the vector-file syntax gives meaning to at line start.
    return " ".join(str(text).split())


def convert(src_dir, name, out_dir, out_name, group):
    with open(os.path.join(src_dir, name), encoding="utf-8") as f:
        data = json.load(f)
    lines = [
        "# source: Project Wycheproof testvectors/%s (generatorVersion %s), via Debian's "
        "android-platform-external-boringssl source package" % (name, data.get("generatorVersion", "?")),
        "# license: Apache-2.0 (Project Wycheproof)",
        "# generator: tests/vectors/tools/extract_wycheproof_ecdh.py",
        "# algorithm: %s; %d tests" % (clean(data.get("algorithm", "")), data.get("numberOfTests", 0)),
        "",
        "[group = %d]" % group,
        "",
    ]
    count = 0
    for tg in data["testGroups"]:
        for t in tg["tests"]:
            lines += [
                "tcId = %d" % t["tcId"],
                "result = %s" % t["result"],
                "flags = %s" % ",".join(t["flags"]),
                "comment = %s" % clean(t["comment"]),
                "public = %s" % t["public"],
                "private = %s" % t["private"],
                "shared = %s" % t["shared"],
                "",
            ]
            count += 1
    with open(os.path.join(out_dir, out_name), "w", encoding="utf-8") as f:
        f.write("\n".join(lines).rstrip("\n") + "\n")
    print("%s: %d tests" % (out_name, count))


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    for name, out_name, group in FILES:
        convert(sys.argv[1], name, sys.argv[2], out_name, group)


if __name__ == "__main__":
    main()
