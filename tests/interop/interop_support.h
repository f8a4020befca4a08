// interop_support.h - shared pieces of the interop tests: the process-wide test PKI (generated
// once; OPENSSLP_KEY_STORE points at its key store so the provider's SslOpenPrivateKey finds the
// server keys), hex formatting, and the libssl-side checks that need OpenSSL itself.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "libssl_peer.h"
#include "support/bytes.h"
#include "test_pki.h"

namespace opensslp::interop {

// The PKI shared by every test of the process (created on first use; aborts the test on failure).
const libssl_peer::TestPki& Pki();

using test::Hex;                         // support/bytes.h
std::string SuiteHex(std::uint16_t id);  // "0xC02F"
std::vector<std::uint8_t> Pattern(std::size_t size, std::uint8_t seed);

// Recomputes libssl's own client and server Finished from the master secret in its key-log line
// and the handshake messages its message callback saw, with OpenSSL's TLS1-PRF and digests
// (RFC 5246 §7.4.9; RFC 2246 §7.4.9 for MD5-SHA1). Empty string = both match; otherwise why not.
// An independent check that the key-log master secret is the one libssl used.
std::string CheckLibsslFinishedFromKeylog(const libssl_peer::PeerSessionInfo& info, std::uint16_t cipher_suite);

}  // namespace opensslp::interop
