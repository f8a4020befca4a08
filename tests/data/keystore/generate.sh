#!/bin/sh
# generate.sh - regenerates the key-store test fixtures with the OpenSSL 3 command line.
# Run from anywhere: sh tests/data/keystore/generate.sh   (the files are committed; re-running
# makes new keys, so every thumbprint changes - the tests compute thumbprints, nothing hard-codes
# them.) These keys are TEST FIXTURES ONLY: they are public, never use them for anything else.
#
# Layout:
#   certs/<name>.der        self-signed certificate (DER), CN "opensslp test <name>"
#   keys/<name>.key         its private key, PKCS#8 PEM (openssl genpkey's default)
#   keys/...                the same keys in other encodings, for the index form
#   dir/<thumbprint>.<ext>  the directory form of the store (see docs/key-store.md)
#   index.txt               the index form, relative paths into keys/
set -eu
cd "$(dirname "$0")"
rm -rf certs keys dir index.txt
mkdir certs keys dir
PASSWORD='correct horse battery staple'

mk() {  # mk NAME genpkey-args...
  name=$1; shift
  openssl genpkey "$@" -out "keys/$name.key" 2>/dev/null
  openssl req -new -x509 -key "keys/$name.key" -subj "/CN=opensslp test $name" -days 36500 \
    -outform DER -out "certs/$name.der"
}
thumb() {  # SHA-1 of the certificate's DER, 40 lowercase hex digits
  openssl x509 -inform DER -in "certs/$1.der" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f'
}
cert_pem() { openssl x509 -inform DER -in "certs/$1.der" -out "keys/$1.crt.pem"; }

mk rsa2048 -algorithm RSA -pkeyopt rsa_keygen_bits:2048
mk rsa3072 -algorithm RSA -pkeyopt rsa_keygen_bits:3072
mk p256 -algorithm EC -pkeyopt ec_paramgen_curve:P-256
mk p384 -algorithm EC -pkeyopt ec_paramgen_curve:P-384
mk p521 -algorithm EC -pkeyopt ec_paramgen_curve:P-521
mk mismatch -algorithm RSA -pkeyopt rsa_keygen_bits:2048
mk ed25519 -algorithm ED25519
mk orphan -algorithm EC -pkeyopt ec_paramgen_curve:P-256
mk corrupt -algorithm EC -pkeyopt ec_paramgen_curve:P-256
mk pubonly -algorithm EC -pkeyopt ec_paramgen_curve:P-256
mk nopass -algorithm EC -pkeyopt ec_paramgen_curve:P-256
mk brainpool -algorithm EC -pkeyopt ec_paramgen_curve:brainpoolP256r1
mk rsa512 -algorithm RSA -pkeyopt rsa_keygen_bits:512

# Other encodings of the same keys.
openssl ec -in keys/p256.key -out keys/p256.sec1.pem 2>/dev/null                       # SEC1 "EC PRIVATE KEY"
openssl rsa -in keys/rsa2048.key -traditional -out keys/rsa2048.pkcs1.pem 2>/dev/null  # "RSA PRIVATE KEY"
openssl pkcs8 -topk8 -nocrypt -in keys/p384.key -outform DER -out keys/p384.p8.der        # PKCS#8 DER
openssl pkcs8 -topk8 -v2 aes-256-cbc -passout "pass:$PASSWORD" -in keys/rsa3072.key -out keys/rsa3072.enc.pem
printf '%s\n' "$PASSWORD" > keys/rsa3072.enc.pem.pass
cert_pem p521
openssl pkcs12 -export -inkey keys/p521.key -in keys/p521.crt.pem -passout "pass:$PASSWORD" -out keys/p521.p12
printf '%s\r\n' "$PASSWORD" > keys/p521.p12.pass                                         # CRLF is stripped too
cert_pem rsa3072
openssl pkcs12 -export -inkey keys/rsa3072.key -in keys/rsa3072.crt.pem -passout pass: -out keys/rsa3072.nopass.p12
openssl pkey -in keys/pubonly.key -pubout -out keys/pubonly.pub.pem
openssl pkcs8 -topk8 -v2 aes-256-cbc -passout "pass:$PASSWORD" -in keys/nopass.key -out keys/nopass.enc.pem
rm -f keys/*.crt.pem

# Directory form: one file per certificate, named by thumbprint.
cp keys/rsa2048.key         "dir/$(thumb rsa2048).pem"      # PKCS#8 PEM
cp keys/p256.sec1.pem       "dir/$(thumb p256).key"         # SEC1 PEM
cp keys/p384.p8.der         "dir/$(thumb p384).p8"          # PKCS#8 DER
cp keys/p521.p12            "dir/$(thumb p521).p12"         # PKCS#12 with a password ...
cp keys/p521.p12.pass       "dir/$(thumb p521).pass"        # ... in <thumbprint>.pass
cp keys/rsa3072.nopass.p12  "dir/$(thumb rsa3072).p12"      # PKCS#12 without a password
cp keys/rsa2048.key         "dir/$(thumb mismatch).pem"     # the WRONG key: must be refused
cp keys/ed25519.key         "dir/$(thumb ed25519).pem"      # unsupported key type
cp keys/brainpool.key       "dir/$(thumb brainpool).pem"    # unsupported curve
cp keys/rsa512.key          "dir/$(thumb rsa512).pem"       # RSA below 1024 bits: refused
printf 'not a key\n'      > "dir/$(thumb corrupt).pem"      # unreadable key file
cp keys/pubonly.pub.pem     "dir/$(thumb pubonly).pem"      # public key only
cp keys/nopass.enc.pem      "dir/$(thumb nopass).pem"       # encrypted, no .pass: must fail, never prompt
# (orphan has no entry at all)

# Index form: the same certificates, relative paths, comments, one upper-case thumbprint.
{
  echo "# opensslp key-store index (test fixture): <sha1-thumbprint> <path or OSSL_STORE URI>"
  echo "# Relative paths are relative to this file's directory."
  echo
  echo "$(thumb rsa2048) keys/rsa2048.pkcs1.pem"
  echo "   $(thumb p256 | tr 'a-f' 'A-F')	keys/p256.key   "
  echo "$(thumb p384) keys/p384.p8.der"
  echo "$(thumb p521) keys/p521.p12"
  echo "$(thumb rsa3072) keys/rsa3072.enc.pem"
  echo "$(thumb mismatch) keys/p256.key"
  echo "$(thumb orphan) keys/does-not-exist.pem"
  echo "$(thumb corrupt)"
  echo "not-a-thumbprint keys/p256.key"
} > index.txt
