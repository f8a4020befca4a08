// interop_support.cpp - see interop_support.h.
#include "interop_support.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

#include "opensslp/opensslp.h"
#include "support/env_support.h"
#include "support/ossl_reference.h"

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
