#!/usr/bin/env python3
"""Extracts the first key group of Wycheproof's rsa_pkcs1_2048_test.json (RSAES-PKCS1-v1_5
decryption) into the strict key = value format of tests/support/vector_file.h.

Usage: extract_wycheproof_rsa_decrypt.py rsa_pkcs1_2048_test.json OUT.txt
"""
import json
import sys


def main():
    src, out = sys.argv[1], sys.argv[2]
    d = json.load(open(src))
    g = d["testGroups"][0]
    lines = [
        "# source: Project Wycheproof testvectors/rsa_pkcs1_2048_test.json (generatorVersion %s), first key group, "
        "via Debian's android-platform-external-boringssl source package" % d.get("generatorVersion", "?"),
        "# license: Apache-2.0 (Project Wycheproof)",
        "# generator: tests/vectors/tools/extract_wycheproof_rsa_decrypt.py",
        "# algorithm: %s; %d tests" % (d["algorithm"], len(g["tests"])),
        "",
        "[private_key_pkcs8 = %s]" % g["privateKeyPkcs8"],
        "",
    ]
    for t in g["tests"]:
        lines += ["tc_id = %d" % t["tcId"], "ct = " + t["ct"], "msg = " + t["msg"], "result = " + t["result"], ""]
    open(out, "w").write("\n".join(lines))


if __name__ == "__main__":
    main()
