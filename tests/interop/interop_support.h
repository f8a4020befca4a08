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

// ---- TLS 1.3 helpers (tls13_interop_test.cpp, tls12_client_auth_interop_test.cpp) ---------------
// Everything below computes with OpenSSL (tests/support/ossl_reference.h), never with opensslp.

namespace opensslp::tlsdriver {
class Connection;
}

namespace opensslp::interop {

// One line describing a driver connection's state and failure (alert sent / received, reason,
// provider status), and the same for a libssl peer.
std::string DescribeDriver(const tlsdriver::Connection& driver);
std::string DescribePeer(const libssl_peer::Peer& peer);

// A cipher suite as the provider enumerates it (SslEnumCipherSuites).
struct ProviderSuite {
  std::uint16_t id = 0;
  std::uint16_t version = 0;  // dwProtocol: the lowest version the suite is for
  std::string name;
};
std::vector<ProviderSuite> EnumerateProviderSuites();

// Splits a byte stream seen in one direction into whole records (RFC 8446 §5.1: 5-byte header,
// then the fragment), across chunk boundaries. Each record keeps its header.
class RecordLog {
 public:
  void Feed(const std::vector<std::uint8_t>& chunk);
  const std::vector<std::vector<std::uint8_t>>& records() const { return records_; }

 private:
  std::vector<std::uint8_t> pending_;
  std::vector<std::vector<std::uint8_t>> records_;
};

// TLS 1.3 suite facts (RFC 8446 Appendix B.4): OpenSSL's digest and AEAD names, key length.
struct Tls13SuiteFacts {
  const char* digest;  // "SHA256" / "SHA384"
  const char* aead;    // "AES-128-GCM" / "AES-256-GCM" / "ChaCha20-Poly1305"
  std::size_t key_length;
  std::size_t hash_length;
};
Tls13SuiteFacts Tls13Suite(std::uint16_t suite);

// A record opened under a traffic secret: which record of the log it was, its sequence number
// under that key, and TLSInnerPlaintext split into content and type (RFC 8446 §5.2, §5.4).
struct OpenedRecord {
  std::size_t index = 0;
  std::uint64_t sequence = 0;
  std::uint8_t inner_type = 0;
  std::vector<std::uint8_t> content;
};

// Derives key = HKDF-Expand-Label(secret, "key", "", key_length) and iv = HKDF-Expand-Label(secret,
// "iv", "", 12) (RFC 8446 §7.3) and opens the application_data records of `records` from
// `first_index` on with the raw EVP AEAD: nonce = iv XOR seq (§5.3), AAD = the record header
// (§5.2). Records under one key are contiguous in one direction, so the run of records that open
// with consecutive sequence numbers 0, 1, ... is returned (empty if none opens).
std::vector<OpenedRecord> OpenTls13Records(std::uint16_t suite, const std::vector<std::uint8_t>& secret,
                                           const std::vector<std::vector<std::uint8_t>>& records,
                                           std::size_t first_index = 0);

// application_traffic_secret_N+1 = HKDF-Expand-Label(secret_N, "traffic upd", "", Hash.length)
// (RFC 8446 §7.2).
std::vector<std::uint8_t> NextTrafficSecret(std::uint16_t suite, const std::vector<std::uint8_t>& secret);

// RFC 8446 §7.5: HKDF-Expand-Label(Derive-Secret(secret, label, ""), "exporter", Hash(context), length);
// a null context is an empty one.
std::vector<std::uint8_t> Tls13ExporterReference(std::uint16_t suite, const std::vector<std::uint8_t>& exporter_secret,
                                                 const std::string& label, const std::vector<std::uint8_t>* context,
                                                 std::size_t length);

// The handshake messages (header included) in the concatenated contents of `opened` records of
// inner type handshake (22).
std::vector<std::vector<std::uint8_t>> HandshakeMessages(const std::vector<OpenedRecord>& opened);
// The concatenated contents of the records of inner type application_data (23).
std::vector<std::uint8_t> ApplicationData(const std::vector<OpenedRecord>& opened);

}  // namespace opensslp::interop
