// interop_support.cpp - see interop_support.h.
#include "interop_support.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <sstream>

#include "opensslp/opensslp.h"
#include "sslprovider.h"
#include "support/env_support.h"
#include "support/ossl_reference.h"
#include "tls_driver.h"

namespace opensslp::interop {

const libssl_peer::TestPki& Pki() {
  static std::unique_ptr<libssl_peer::TestPki> pki = [] {
    std::string error;
    auto p = libssl_peer::TestPki::Create(&error);
    if (!p) {
      std::fprintf(stderr, "interop: cannot create the test PKI: %s\n", error.c_str());
      std::abort();
    }
    // The driver's server opens its key with SslOpenPrivateKey, which reads the key store named
    // by this variable at every call (docs/key-store.md §3).
    opensslp::test::SetEnv(OPENSSLP_KEY_STORE_ENV, p->key_store_dir().c_str());
    return p;
  }();
  return *pki;
}

std::string SuiteHex(std::uint16_t id) {
  char buf[8];
  std::snprintf(buf, sizeof(buf), "0x%04X", id);
  return buf;
}

std::vector<std::uint8_t> Pattern(std::size_t size, std::uint8_t seed) {
  std::vector<std::uint8_t> v(size);
  std::uint32_t x = 0x9E3779B9u * (seed + 1u);
  for (std::size_t i = 0; i < size; ++i) {
    x = x * 1664525u + 1013904223u;
    v[i] = static_cast<std::uint8_t>(x >> 24);
  }
  return v;
}

namespace {

// RFC 5288 / RFC 5289 / RFC 5487: the suites whose TLS 1.2 PRF and transcript hash is SHA-384.
bool UsesSha384(std::uint16_t suite) {
  switch (suite) {
    case 0x009D:
    case 0x009F:
    case 0x00A9:
    case 0x00AF:
    case 0xC024:
    case 0xC028:
    case 0xC02C:
    case 0xC030: return true;
    default: return false;
  }
}

// The digest of the first `count` handshake messages.
std::vector<std::uint8_t> TranscriptDigest(const char* name, const std::vector<std::vector<std::uint8_t>>& messages,
                                           std::size_t count) {
  std::vector<std::uint8_t> transcript;
  for (std::size_t i = 0; i < count; ++i) transcript.insert(transcript.end(), messages[i].begin(), messages[i].end());
  return test::Digest(name, transcript);
}

}  // namespace

std::string CheckLibsslFinishedFromKeylog(const libssl_peer::PeerSessionInfo& info, std::uint16_t cipher_suite) {
  // "CLIENT_RANDOM <32-byte client random> <48-byte master secret>" (NSS key log format).
  // (An RSA-key-transport client also logs an "RSA <ciphertext prefix> <pre-master>" line.)
  std::string line;
  std::size_t pos = 0;
  while (pos <= info.keylog.size()) {
    std::size_t end = info.keylog.find('\n', pos);
    if (end == std::string::npos) end = info.keylog.size();
    if (info.keylog.compare(pos, 14, "CLIENT_RANDOM ") == 0) line = info.keylog.substr(pos, end - pos);
    pos = end + 1;
  }
  if (line.rfind("CLIENT_RANDOM ", 0) != 0 || line.size() < 14 + 64 + 1 + 96)
    return "no CLIENT_RANDOM key-log line: '" + info.keylog + "'";
  const std::vector<std::uint8_t> client_random = test::FromHex(line.substr(14, 64));
  const std::vector<std::uint8_t> master = test::FromHex(line.substr(14 + 64 + 1, 96));
  if (client_random != info.client_random) return "key-log client random differs from SSL_get_client_random";
  if (master != info.master_secret) return "key-log master secret differs from SSL_SESSION_get_master_key";
  const bool tls12 = info.version >= 0x0303;
  const char* digest = tls12 ? (UsesSha384(cipher_suite) ? "SHA384" : "SHA256") : "MD5-SHA1";
  std::size_t first_finished = info.handshake_messages.size();
  for (std::size_t i = 0; i < info.handshake_messages.size(); ++i) {
    if (info.handshake_messages[i][0] == 20) {
      first_finished = i;
      break;
    }
  }
  if (first_finished + 1 >= info.handshake_messages.size()) return "libssl's transcript has no two Finished messages";
  const std::vector<std::uint8_t> client = test::Tls1Prf(
      digest, master, "client finished", TranscriptDigest(digest, info.handshake_messages, first_finished), 12);
  const std::vector<std::uint8_t> server = test::Tls1Prf(
      digest, master, "server finished", TranscriptDigest(digest, info.handshake_messages, first_finished + 1), 12);
  if (client != info.client_finished)
    return "client Finished from key log " + Hex(client) + " != libssl's " + Hex(info.client_finished);
  if (server != info.server_finished)
    return "server Finished from key log " + Hex(server) + " != libssl's " + Hex(info.server_finished);
  return "";
}

}  // namespace opensslp::interop

// ---- TLS 1.3 helpers -------------------------------------------------------------------------------

namespace opensslp::interop {

std::string DescribeDriver(const tlsdriver::Connection& driver) {
  const tlsdriver::Failure& f = driver.failure();
  std::ostringstream s;
  s << "driver state " << static_cast<int>(driver.state()) << ": '" << f.reason << "'";
  if (f.alert_sent) s << " [alert sent: " << tlswire::AlertName(f.alert) << "]";
  if (f.alert_received) s << " [alert received: " << tlswire::AlertName(f.alert) << "]";
  if (f.provider_status != 0) {
    char buf[16];
    std::snprintf(buf, sizeof(buf), "0x%08X", f.provider_status);
    s << " [provider status " << buf << "]";
  }
  return s.str();
}

std::string DescribePeer(const libssl_peer::Peer& peer) {
  std::ostringstream s;
  s << "libssl state " << static_cast<int>(peer.state()) << ": '" << peer.failure().reason << "'";
  if (peer.failure().alert_sent) s << " [alert sent: " << tlswire::AlertName(peer.failure().alert) << "]";
  if (peer.failure().alert_received) s << " [alert received: " << tlswire::AlertName(peer.failure().alert) << "]";
  return s.str();
}

std::vector<ProviderSuite> EnumerateProviderSuites() {
  std::vector<ProviderSuite> out;
  NCRYPT_PROV_HANDLE prov = 0;
  if (SslOpenProvider(&prov, OPENSSLP_PROVIDER_NAME, 0) != 0) return out;
  void* state = nullptr;
  for (;;) {
    NCRYPT_SSL_CIPHER_SUITE* entry = nullptr;
    if (SslEnumCipherSuites(prov, 0, &entry, &state, 0) != 0) break;
    ProviderSuite suite;
    suite.id = static_cast<std::uint16_t>(entry->dwCipherSuite);
    suite.version = static_cast<std::uint16_t>(entry->dwProtocol);
    for (std::size_t i = 0; i < NCRYPT_SSL_MAX_NAME_SIZE && entry->szCipherSuite[i] != 0; ++i) {
      suite.name += static_cast<char>(entry->szCipherSuite[i]);
    }
    out.push_back(std::move(suite));
    (void)SslFreeBuffer(entry);
  }
  if (state != nullptr) (void)SslFreeBuffer(state);
  (void)SslFreeObject(prov, 0);
  return out;
}

void RecordLog::Feed(const std::vector<std::uint8_t>& chunk) {
  pending_.insert(pending_.end(), chunk.begin(), chunk.end());
  std::size_t p = 0;
  while (pending_.size() - p >= 5) {
    const std::size_t len = (static_cast<std::size_t>(pending_[p + 3]) << 8) | pending_[p + 4];
    if (pending_.size() - p < 5 + len) break;
    records_.emplace_back(pending_.begin() + static_cast<std::ptrdiff_t>(p),
                          pending_.begin() + static_cast<std::ptrdiff_t>(p + 5 + len));
    p += 5 + len;
  }
  pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(p));
}

Tls13SuiteFacts Tls13Suite(std::uint16_t suite) {
  switch (suite) {
    case 0x1301: return {"SHA256", "AES-128-GCM", 16, 32};
    case 0x1302: return {"SHA384", "AES-256-GCM", 32, 48};
    case 0x1303: return {"SHA256", "ChaCha20-Poly1305", 32, 32};
    default: ADD_FAILURE() << "not a TLS 1.3 suite: " << SuiteHex(suite); return {"SHA256", "AES-128-GCM", 16, 32};
  }
}

std::vector<OpenedRecord> OpenTls13Records(std::uint16_t suite, const std::vector<std::uint8_t>& secret,
                                           const std::vector<std::vector<std::uint8_t>>& records,
                                           std::size_t first_index) {
  std::vector<OpenedRecord> opened;
  if (secret.empty()) return opened;
  const Tls13SuiteFacts facts = Tls13Suite(suite);
  const test::ByteVec key = test::HkdfExpandLabel(facts.digest, secret, "key", {}, facts.key_length);
  const test::ByteVec iv = test::HkdfExpandLabel(facts.digest, secret, "iv", {}, 12);
  if (key.size() != facts.key_length || iv.size() != 12) return opened;
  std::uint64_t seq = 0;
  for (std::size_t i = first_index; i < records.size(); ++i) {
    const std::vector<std::uint8_t>& r = records[i];
    if (r.size() < 5 + 16 + 1 || r[0] != 23) continue;  // plaintext records (ChangeCipherSpec, hellos)
    test::ByteVec nonce = iv;
    for (int b = 0; b < 8; ++b) nonce[11 - b] ^= static_cast<std::uint8_t>(seq >> (8 * b));
    std::optional<test::ByteVec> plain =
        test::AeadOpen(facts.aead, key, nonce, test::ByteView(r).first(5), test::ByteView(r).subspan(5));
    if (!plain) {
      if (!opened.empty()) break;  // the run under this key is over
      continue;
    }
    while (!plain->empty() && plain->back() == 0) plain->pop_back();  // padding (§5.4)
    if (plain->empty()) break;                                        // no content type: malformed
    OpenedRecord o;
    o.index = i;
    o.sequence = seq++;
    o.inner_type = plain->back();
    plain->pop_back();
    o.content = std::move(*plain);
    opened.push_back(std::move(o));
  }
  return opened;
}

std::vector<std::uint8_t> NextTrafficSecret(std::uint16_t suite, const std::vector<std::uint8_t>& secret) {
  const Tls13SuiteFacts facts = Tls13Suite(suite);
  return test::HkdfExpandLabel(facts.digest, secret, "traffic upd", {}, facts.hash_length);
}

std::vector<std::uint8_t> Tls13ExporterReference(std::uint16_t suite, const std::vector<std::uint8_t>& exporter_secret,
                                                 const std::string& label, const std::vector<std::uint8_t>* context,
                                                 std::size_t length) {
  const Tls13SuiteFacts facts = Tls13Suite(suite);
  const test::ByteVec derived = test::DeriveSecret(facts.digest, exporter_secret, label, {});
  const std::vector<std::uint8_t> empty;
  const test::ByteVec context_hash = test::Digest(facts.digest, context != nullptr ? *context : empty);
  return test::HkdfExpandLabel(facts.digest, derived, "exporter", context_hash, length);
}

std::vector<std::vector<std::uint8_t>> HandshakeMessages(const std::vector<OpenedRecord>& opened) {
  std::vector<std::uint8_t> stream;
  for (const OpenedRecord& o : opened) {
    if (o.inner_type == 22) stream.insert(stream.end(), o.content.begin(), o.content.end());
  }
  std::vector<std::vector<std::uint8_t>> messages;
  std::size_t p = 0;
  while (stream.size() - p >= 4) {
    const std::size_t len = (static_cast<std::size_t>(stream[p + 1]) << 16) |
                            (static_cast<std::size_t>(stream[p + 2]) << 8) | stream[p + 3];
    if (stream.size() - p < 4 + len) break;
    messages.emplace_back(stream.begin() + static_cast<std::ptrdiff_t>(p),
                          stream.begin() + static_cast<std::ptrdiff_t>(p + 4 + len));
    p += 4 + len;
  }
  return messages;
}

std::vector<std::uint8_t> ApplicationData(const std::vector<OpenedRecord>& opened) {
  std::vector<std::uint8_t> data;
  for (const OpenedRecord& o : opened) {
    if (o.inner_type == 23) data.insert(data.end(), o.content.begin(), o.content.end());
  }
  return data;
}

}  // namespace opensslp::interop
