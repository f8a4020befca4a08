// soak.cpp - opensslp_soak: many threads driving mixed TLS work through the exported API for a
// fixed time while other threads free handles those threads are using; memory must stay flat and
// every handle must be gone at the end (docs/soak-and-wipe.md).
//
// Each worker loops over:
//   * TLS 1.2: two provider ephemeral keys (x25519 / P-256), each side's public key exported and
//     imported by the other, SslGenerateMasterKey in both roles, SslGenerateSessionKeys in both
//     roles, records both ways (AES-128-GCM, AES-128-CBC-SHA, ChaCha20-Poly1305), a handshake hash
//     and Finished from both masters (they must agree);
//   * TLS 1.3: the same key exchange, SslExtractEarlyKey / HandshakeKey / MasterKey on both sides,
//     SslExpandTrafficKeys, SslExpandWriteKey, records both ways with handshake and application
//     keys, SslExpandNextGenTrafficKey, Finished, SslExpandExporterMasterKey with
//     SslExportKeyingMaterial, SslExpandResumptionMasterKey, SslExpandPreSharedKey, a resumed early
//     secret and SslExpandBinderKey; both sides must agree on every MAC and every record;
//   * on a sample of iterations, the client side against an OpenSSL peer key, and every secret it
//     reaches checked against OpenSSL's TLS1-PRF / TLS13-KDF (tests/support/ossl_reference.h):
//     expected values never come from opensslp itself.
// On a quarter of the iterations the worker publishes every handle it makes in a shared pool, and
// racer threads free handles from that pool -- taking them out, or freeing them in place so that
// the owner's own free races a double free. Every call on a published handle must then succeed or
// return NTE_INVALID_HANDLE; any other status is a failure, and so is a wrong plaintext or MAC.
//
// Accounting: every handle an export hands out must be freed successfully exactly once (by its
// owner or by a racer), so successful frees == handles made at the end. Built against the static
// library (OPENSSLP_SOAK_LIVE_COUNT), the handle table's LiveCount() must also be back to its value
// before the first thread started.
//
// RSS (/proc/self/statm) is sampled after a warm-up and again just before the workers stop (the
// same steady state); growth beyond 10 % + 4 MiB of the start figure fails the run.
#include <openssl/evp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "opensslp/opensslp.h"
#include "sslprovider.h"
#include "support/bytes.h"
#include "support/ossl_reference.h"
#include "support/wide.h"

#if defined(OPENSSLP_SOAK_LIVE_COUNT)
#include "handles/handle_table.h"
#endif

#if defined(__linux__)
#include <unistd.h>
#endif
#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace {

using opensslp::test::AsBytes;
using opensslp::test::ByteVec;
using opensslp::test::ByteView;
using opensslp::test::Concat;
using opensslp::test::Hex;

// ---- run-wide state -------------------------------------------------------------------------------

std::atomic<std::uint64_t> g_calls{0};
std::atomic<std::uint64_t> g_handles_made{0};
std::atomic<std::uint64_t> g_handles_freed{0};  // successful SslFreeObject calls, owner or racer
std::atomic<std::uint64_t> g_racy_refusals{0};  // NTE_INVALID_HANDLE on a published handle
std::atomic<std::uint64_t> g_racer_frees{0};
std::atomic<std::uint64_t> g_checks{0};  // comparisons against OpenSSL or between the two sides
std::atomic<std::uint64_t> g_failures{0};
std::atomic<bool> g_stop{false};
std::mutex g_print_mutex;

void Failure(const std::string& what) {
  if (g_failures.fetch_add(1) < 20) {
    std::lock_guard<std::mutex> lock(g_print_mutex);
    std::fprintf(stderr, "soak: FAILURE: %s\n", what.c_str());
  }
}

std::string StatusText(SECURITY_STATUS status) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%08X", static_cast<unsigned>(status));
  return text;
}

// The pool of published handles racers free. A cell holds a handle value or 0; the owner takes
// its handle back with compare-exchange, so a cell a racer emptied and another owner refilled is
// never taken by the first owner (handle values are never reused: they carry a generation).
constexpr std::size_t kPoolCells = 256;
std::atomic<ULONG_PTR> g_pool[kPoolCells];

// Resident set size in KiB (0 where it cannot be read).
std::uint64_t RssKiB() {
#if defined(__linux__)
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  unsigned long long size = 0, resident = 0;
  const int n = std::fscanf(f, "%llu %llu", &size, &resident);
  std::fclose(f);
  if (n != 2) return 0;
  return resident * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE)) / 1024;
#else
  return 0;
#endif
}

// Bytes the C heap has handed out and not taken back (every arena), or 0 where unknown. Flat while
// RSS creeps means fragmentation, not a leak.
std::uint64_t HeapInUseKiB() {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
  const struct mallinfo2 info = mallinfo2();
  return (static_cast<std::uint64_t>(info.uordblks) + static_cast<std::uint64_t>(info.hblkhd)) / 1024;
#else
  return 0;
#endif
}

// ---- one iteration's handles ------------------------------------------------------------------------

// The handles of one iteration, freed in the destructor. In a racy iteration each handle is also
// published in the pool, and every call may meet NTE_INVALID_HANDLE.
class Session {
 public:
  Session(bool racy, std::mt19937& rng) : racy_(racy), rng_(rng) {}
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  ~Session() {
    for (const Owned& o : owned_) Release(o);
  }

  bool racy() const { return racy_; }

  // Counts a call; true on success. NTE_INVALID_HANDLE is accepted in a racy iteration (the
  // caller then abandons the iteration); anything else is a failure.
  bool Ok(SECURITY_STATUS status, const char* what) {
    g_calls.fetch_add(1, std::memory_order_relaxed);
    if (status == 0) return true;
    if (racy_ && status == NTE_INVALID_HANDLE) {
      g_racy_refusals.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    Failure(std::string(what) + " returned " + StatusText(status) + (racy_ ? " (racy iteration)" : ""));
    return false;
  }

  // Takes ownership of a handle an export just made.
  ULONG_PTR Keep(ULONG_PTR h) {
    if (h == 0) {
      Failure("an export succeeded with a zero handle");
      return h;
    }
    g_handles_made.fetch_add(1, std::memory_order_relaxed);
    Owned o{h, nullptr};
    if (racy_) {
      for (int attempt = 0; attempt < 8; ++attempt) {
        std::atomic<ULONG_PTR>& cell = g_pool[rng_() % kPoolCells];
        ULONG_PTR empty = 0;
        if (cell.compare_exchange_strong(empty, h)) {
          o.cell = &cell;
          break;
        }
      }
    }
    owned_.push_back(o);
    return h;
  }

  // A check between values: a failure names `what`.
  void Expect(bool condition, const std::string& what) {
    g_checks.fetch_add(1, std::memory_order_relaxed);
    if (!condition) Failure(what);
  }

 private:
  struct Owned {
    ULONG_PTR handle;
    std::atomic<ULONG_PTR>* cell;
  };

  void Release(const Owned& o) {
    if (o.cell != nullptr) {
      ULONG_PTR expected = o.handle;
      // A racer took it out of the pool and freed it (exactly once): nothing left to do.
      if (!o.cell->compare_exchange_strong(expected, 0)) return;
    }
    g_calls.fetch_add(1, std::memory_order_relaxed);
    const SECURITY_STATUS status = SslFreeObject(o.handle, 0);
    if (status == 0) {
      g_handles_freed.fetch_add(1, std::memory_order_relaxed);
    } else if (!(o.cell != nullptr && status == NTE_INVALID_HANDLE)) {
      // A published handle may have been freed in place by a racer; an unpublished one may not.
      Failure("SslFreeObject of an owned handle returned " + StatusText(status));
    }
  }

  bool racy_;
  std::mt19937& rng_;
  std::vector<Owned> owned_;
};

// ---- helpers on the exported API ----------------------------------------------------------------

struct Group {
  DWORD key_type;
  const char* openssl_name;  // for EVP_PKEY_Q_keygen / PublicKeyFromEncoded
};
constexpr Group kGroups[] = {{29 /* x25519 */, "X25519"}, {TLS_ECC_P256_CURVE_KEY_TYPE, "P-256"}};

struct Tls12Suite {
  DWORD id;
  const char* prf;  // OpenSSL digest name of the PRF
};
constexpr Tls12Suite kTls12Suites[] = {
    {0xC02F, "SHA256"},  // TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
    {0xC013, "SHA256"},  // TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA (TLS 1.2: the PRF is SHA-256)
    {0xCCA8, "SHA256"},  // TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
};

struct Tls13Suite {
  DWORD id;
  const char* digest;
  std::size_t hash_len;
  const char* cipher;
  std::size_t key_len;
};
constexpr Tls13Suite kTls13Suites[] = {{0x1301, "SHA256", 32, "AES-128-GCM", 16},
                                       {0x1302, "SHA384", 48, "AES-256-GCM", 32},
                                       {0x1303, "SHA256", 32, "ChaCha20-Poly1305", 32}};

const char16_t kSslEccBlob[] = u"SSLECCPUBLICBLOB";

// SSL_ECCKEY_BLOB{dwCurveType, cbKey} || key bytes, as SslImportKey takes a peer's key_share.
ByteVec SslEccBlob(DWORD curve, ByteView key) {
  ByteVec blob;
  for (std::uint32_t v : {static_cast<std::uint32_t>(curve), static_cast<std::uint32_t>(key.size())})
    for (int i = 0; i < 4; ++i) blob.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  blob.insert(blob.end(), key.begin(), key.end());
  return blob;
}

// The public key bytes (after the 8-byte header) of a provider key's SSLECCPUBLICBLOB.
bool ExportPublic(Session& s, NCRYPT_PROV_HANDLE prov, NCRYPT_KEY_HANDLE key, ByteVec* out) {
  DWORD len = 0;
  if (!s.Ok(SslExportKey(prov, key, W(kSslEccBlob), nullptr, 0, &len, 0), "SslExportKey (size)")) return false;
  ByteVec blob(len);
  if (!s.Ok(SslExportKey(prov, key, W(kSslEccBlob), blob.data(), len, &len, 0), "SslExportKey")) return false;
  if (len < 8) {
    Failure("SSLECCPUBLICBLOB shorter than its header");
    return false;
  }
  out->assign(blob.begin() + 8, blob.begin() + len);
  return true;
}

bool ImportPublic(Session& s, NCRYPT_PROV_HANDLE prov, DWORD curve, ByteView key, NCRYPT_KEY_HANDLE* out) {
  ByteVec blob = SslEccBlob(curve, key);
  if (!s.Ok(SslImportKey(prov, out, W(kSslEccBlob), blob.data(), static_cast<DWORD>(blob.size()), 0), "SslImportKey"))
    return false;
  s.Keep(*out);
  return true;
}

// An ephemeral key pair on each side and each side's import of the other's public key.
struct KeyExchange {
  NCRYPT_KEY_HANDLE client = 0, server = 0, client_public_at_server = 0, server_public_at_client = 0;
};
bool MakeKeyExchange(Session& s, NCRYPT_PROV_HANDLE prov, DWORD protocol, DWORD suite, const Group& g,
                     KeyExchange* kx) {
  for (NCRYPT_KEY_HANDLE* key : {&kx->client, &kx->server}) {
    if (!s.Ok(SslCreateEphemeralKey(prov, key, protocol, suite, g.key_type, 0, nullptr, 0, 0), "SslCreateEphemeralKey"))
      return false;
    s.Keep(*key);
  }
  ByteVec client_public, server_public;
  return ExportPublic(s, prov, kx->client, &client_public) && ExportPublic(s, prov, kx->server, &server_public) &&
         ImportPublic(s, prov, g.key_type, client_public, &kx->client_public_at_server) &&
         ImportPublic(s, prov, g.key_type, server_public, &kx->server_public_at_client);
}

// A handshake hash holding `messages`.
bool Transcript(Session& s, NCRYPT_PROV_HANDLE prov, DWORD protocol, DWORD suite, ByteView messages,
                NCRYPT_HASH_HANDLE* out) {
  if (!s.Ok(SslCreateHandshakeHash(prov, out, protocol, suite, 0), "SslCreateHandshakeHash")) return false;
  s.Keep(*out);
  return s.Ok(
      SslHashHandshake(prov, *out, const_cast<std::uint8_t*>(messages.data()), static_cast<DWORD>(messages.size()), 0),
      "SslHashHandshake");
}

ByteVec RandomBytes(std::mt19937& rng, std::size_t n) {
  ByteVec v(n);
  for (auto& b : v) b = static_cast<std::uint8_t>(rng());
  return v;
}

// One record from `writer` (sequence `seq`) opened by `reader`; the plaintext must come back (TLS
// 1.3: followed by its content type, RFC 8446 §5.2).
bool RecordRoundTrip(Session& s, NCRYPT_PROV_HANDLE prov, NCRYPT_KEY_HANDLE writer, NCRYPT_KEY_HANDLE reader,
                     std::uint64_t seq, std::size_t size, bool tls13, std::mt19937& rng, const char* what) {
  const ByteVec data = RandomBytes(rng, size);
  ByteVec record(size + 5 + 16 + 64 + 256);
  DWORD len = 0;
  if (!s.Ok(SslEncryptPacket(prov, writer, const_cast<std::uint8_t*>(data.data()), static_cast<DWORD>(size),
                             record.data(), static_cast<DWORD>(record.size()), &len, seq, CT_APPLICATIONDATA, 0),
            "SslEncryptPacket"))
    return false;
  record.resize(len);
  ByteVec plain(record.size());
  DWORD plain_len = 0;
  if (!s.Ok(SslDecryptPacket(prov, reader, record.data(), static_cast<DWORD>(record.size()), plain.data(),
                             static_cast<DWORD>(plain.size()), &plain_len, seq, 0),
            "SslDecryptPacket"))
    return false;
  plain.resize(plain_len);
  ByteVec expected = data;
  if (tls13) expected.push_back(CT_APPLICATIONDATA);
  s.Expect(plain == expected, std::string(what) + ": the record did not decrypt to its plaintext");
  return plain == expected;
}

ByteVec FinishedOf(Session& s, NCRYPT_PROV_HANDLE prov, NCRYPT_KEY_HANDLE key, NCRYPT_HASH_HANDLE hash, std::size_t n,
                   DWORD flag, bool* ok) {
  ByteVec out(n);
  *ok =
      s.Ok(SslComputeFinishedHash(prov, key, hash, out.data(), static_cast<DWORD>(n), flag), "SslComputeFinishedHash");
  return out;
}

// NCryptBufferDesc with the two randoms.
struct Randoms {
  ByteVec client, server;
  NCryptBuffer buffers[2];
  NCryptBufferDesc desc;
  explicit Randoms(std::mt19937& rng) : client(RandomBytes(rng, 32)), server(RandomBytes(rng, 32)) {
    buffers[0] = {32, NCRYPTBUFFER_SSL_CLIENT_RANDOM, client.data()};
    buffers[1] = {32, NCRYPTBUFFER_SSL_SERVER_RANDOM, server.data()};
    desc = {NCRYPTBUFFER_VERSION, 2, buffers};
  }
  NCryptBufferDesc* get() { return &desc; }
};

// ---- TLS 1.2 ----------------------------------------------------------------------------------------

void Tls12Iteration(NCRYPT_PROV_HANDLE prov, Session& s, std::mt19937& rng, const Tls12Suite& suite, const Group& g) {
  KeyExchange kx;
  if (!MakeKeyExchange(s, prov, TLS1_2_PROTOCOL_VERSION, suite.id, g, &kx)) return;
  Randoms randoms(rng);
  NCRYPT_KEY_HANDLE client_master = 0, server_master = 0;
  if (!s.Ok(SslGenerateMasterKey(prov, kx.client, kx.server_public_at_client, &client_master, TLS1_2_PROTOCOL_VERSION,
                                 suite.id, randoms.get(), nullptr, 0, nullptr, NCRYPT_SSL_CLIENT_FLAG),
            "SslGenerateMasterKey (client)"))
    return;
  s.Keep(client_master);
  if (!s.Ok(SslGenerateMasterKey(prov, kx.server, kx.client_public_at_server, &server_master, TLS1_2_PROTOCOL_VERSION,
                                 suite.id, randoms.get(), nullptr, 0, nullptr, NCRYPT_SSL_SERVER_FLAG),
            "SslGenerateMasterKey (server)"))
    return;
  s.Keep(server_master);
  NCRYPT_KEY_HANDLE c_read = 0, c_write = 0, s_read = 0, s_write = 0;
  if (!s.Ok(SslGenerateSessionKeys(prov, client_master, &c_read, &c_write, randoms.get(), 0),
            "SslGenerateSessionKeys (client)"))
    return;
  s.Keep(c_read);
  s.Keep(c_write);
  if (!s.Ok(SslGenerateSessionKeys(prov, server_master, &s_read, &s_write, randoms.get(), 0),
            "SslGenerateSessionKeys (server)"))
    return;
  s.Keep(s_read);
  s.Keep(s_write);
  for (std::uint64_t seq = 0; seq < 3; ++seq) {
    if (!RecordRoundTrip(s, prov, c_write, s_read, seq, rng() % 1500, false, rng, "TLS 1.2 client->server")) return;
    if (!RecordRoundTrip(s, prov, s_write, c_read, seq, rng() % 1500, false, rng, "TLS 1.2 server->client")) return;
  }
  const ByteVec messages = RandomBytes(rng, 64 + rng() % 400);
  NCRYPT_HASH_HANDLE hash = 0;
  if (!Transcript(s, prov, TLS1_2_PROTOCOL_VERSION, suite.id, messages, &hash)) return;
  bool ok_c = false, ok_s = false;
  const ByteVec fc = FinishedOf(s, prov, client_master, hash, 12, NCRYPT_SSL_CLIENT_FLAG, &ok_c);
  if (!ok_c) return;
  const ByteVec fs = FinishedOf(s, prov, server_master, hash, 12, NCRYPT_SSL_CLIENT_FLAG, &ok_s);
  if (!ok_s) return;
  s.Expect(fc == fs, "TLS 1.2: client and server Finished differ");
}

// The client against an OpenSSL peer: master secret, Finished and the client's records checked
// against OpenSSL's TLS1-PRF over the ECDH secret OpenSSL computes.
void Tls12Reference(NCRYPT_PROV_HANDLE prov, Session& s, std::mt19937& rng, const Tls12Suite& suite, const Group& g) {
  opensslp::test::PkeyPtr peer(EVP_PKEY_Q_keygen(nullptr, nullptr, g.openssl_name[0] == 'X' ? "X25519" : "EC",
                                                 g.openssl_name[0] == 'X' ? nullptr : g.openssl_name));
  if (!peer) {
    Failure("EVP_PKEY_Q_keygen");
    return;
  }
  NCRYPT_KEY_HANDLE mine = 0, peer_public = 0, master = 0;
  if (!s.Ok(SslCreateEphemeralKey(prov, &mine, TLS1_2_PROTOCOL_VERSION, suite.id, g.key_type, 0, nullptr, 0, 0),
            "SslCreateEphemeralKey"))
    return;
  s.Keep(mine);
  ByteVec my_public, peer_bytes(133);
  if (!ExportPublic(s, prov, mine, &my_public)) return;
  std::size_t peer_len = 0;
  if (EVP_PKEY_get_octet_string_param(peer.get(), "encoded-pub-key", peer_bytes.data(), peer_bytes.size(), &peer_len) !=
      1) {
    Failure("EVP_PKEY_get_octet_string_param");
    return;
  }
  peer_bytes.resize(peer_len);
  if (!ImportPublic(s, prov, g.key_type, peer_bytes, &peer_public)) return;
  Randoms randoms(rng);
  if (!s.Ok(SslGenerateMasterKey(prov, mine, peer_public, &master, TLS1_2_PROTOCOL_VERSION, suite.id, randoms.get(),
                                 nullptr, 0, nullptr, NCRYPT_SSL_CLIENT_FLAG),
            "SslGenerateMasterKey (reference)"))
    return;
  s.Keep(master);
  const ByteVec shared = opensslp::test::EcdhWithPublicPoint(peer.get(), g.openssl_name, my_public);
  const ByteVec ms = opensslp::test::Tls1MasterSecret(suite.prf, shared, randoms.client, randoms.server);
  const ByteVec messages = RandomBytes(rng, 100);
  NCRYPT_HASH_HANDLE hash = 0;
  if (!Transcript(s, prov, TLS1_2_PROTOCOL_VERSION, suite.id, messages, &hash)) return;
  bool ok = false;
  const ByteVec finished = FinishedOf(s, prov, master, hash, 12, NCRYPT_SSL_SERVER_FLAG, &ok);
  if (!ok) return;
  s.Expect(finished == opensslp::test::Tls1Prf(suite.prf, ms, "server finished",
                                               opensslp::test::Digest(suite.prf, messages), 12),
           "TLS 1.2 Finished differs from OpenSSL's TLS1-PRF");
}

// ---- TLS 1.3 ----------------------------------------------------------------------------------------

struct Tls13Side {
  NCRYPT_KEY_HANDLE early = 0, handshake = 0, master = 0;
};

bool Tls13Secrets(Session& s, NCRYPT_PROV_HANDLE prov, DWORD suite, NCRYPT_KEY_HANDLE mine, NCRYPT_KEY_HANDLE peer,
                  Tls13Side* side) {
  if (!s.Ok(SslExtractEarlyKey(prov, 0, &side->early, TLS1_3_PROTOCOL_VERSION, suite, nullptr, 0),
            "SslExtractEarlyKey"))
    return false;
  s.Keep(side->early);
  if (!s.Ok(SslExtractHandshakeKey(prov, mine, peer, side->early, &side->handshake, nullptr, 0),
            "SslExtractHandshakeKey"))
    return false;
  s.Keep(side->handshake);
  if (!s.Ok(SslExtractMasterKey(prov, side->handshake, &side->master, nullptr, 0), "SslExtractMasterKey")) return false;
  s.Keep(side->master);
  return true;
}

bool TrafficPair(Session& s, NCRYPT_PROV_HANDLE prov, NCRYPT_KEY_HANDLE base, NCRYPT_HASH_HANDLE hash,
                 NCRYPT_KEY_HANDLE* client, NCRYPT_KEY_HANDLE* server) {
  if (!s.Ok(SslExpandTrafficKeys(prov, base, hash, client, server, nullptr, 0), "SslExpandTrafficKeys")) return false;
  s.Keep(*client);
  s.Keep(*server);
  return true;
}

bool WriteKey(Session& s, NCRYPT_PROV_HANDLE prov, NCRYPT_KEY_HANDLE traffic, NCRYPT_KEY_HANDLE* key) {
  if (!s.Ok(SslExpandWriteKey(prov, traffic, key, nullptr, 0), "SslExpandWriteKey")) return false;
  s.Keep(*key);
  return true;
}

void Tls13Iteration(NCRYPT_PROV_HANDLE prov, Session& s, std::mt19937& rng, const Tls13Suite& suite, const Group& g) {
  KeyExchange kx;
  if (!MakeKeyExchange(s, prov, TLS1_3_PROTOCOL_VERSION, suite.id, g, &kx)) return;
  Tls13Side client, server;
  if (!Tls13Secrets(s, prov, suite.id, kx.client, kx.server_public_at_client, &client)) return;
  if (!Tls13Secrets(s, prov, suite.id, kx.server, kx.client_public_at_server, &server)) return;

  // Handshake traffic: the client's secret on both sides, a record each way.
  const ByteVec hellos = RandomBytes(rng, 80 + rng() % 200);
  NCRYPT_HASH_HANDLE hello_hash = 0;
  if (!Transcript(s, prov, TLS1_3_PROTOCOL_VERSION, suite.id, hellos, &hello_hash)) return;
  NCRYPT_KEY_HANDLE c_hs_at_c = 0, s_hs_at_c = 0, c_hs_at_s = 0, s_hs_at_s = 0;
  if (!TrafficPair(s, prov, client.handshake, hello_hash, &c_hs_at_c, &s_hs_at_c)) return;
  if (!TrafficPair(s, prov, server.handshake, hello_hash, &c_hs_at_s, &s_hs_at_s)) return;
  NCRYPT_KEY_HANDLE c_write = 0, s_read = 0, s_write = 0, c_read = 0;
  if (!WriteKey(s, prov, c_hs_at_c, &c_write) || !WriteKey(s, prov, c_hs_at_s, &s_read) ||
      !WriteKey(s, prov, s_hs_at_s, &s_write) || !WriteKey(s, prov, s_hs_at_c, &c_read))
    return;
  if (!RecordRoundTrip(s, prov, s_write, c_read, 0, rng() % 1200, true, rng, "TLS 1.3 server handshake")) return;
  if (!RecordRoundTrip(s, prov, c_write, s_read, 0, rng() % 300, true, rng, "TLS 1.3 client handshake")) return;

  // Finished over the server's flight, from both sides' copies of the handshake traffic secrets.
  const ByteVec flight = Concat({hellos, RandomBytes(rng, 200 + rng() % 600)});
  NCRYPT_HASH_HANDLE flight_hash = 0;
  if (!Transcript(s, prov, TLS1_3_PROTOCOL_VERSION, suite.id, flight, &flight_hash)) return;
  bool ok1 = false, ok2 = false;
  const ByteVec fin_c = FinishedOf(s, prov, s_hs_at_c, flight_hash, suite.hash_len, NCRYPT_SSL_SERVER_FLAG, &ok1);
  if (!ok1) return;
  const ByteVec fin_s = FinishedOf(s, prov, s_hs_at_s, flight_hash, suite.hash_len, NCRYPT_SSL_SERVER_FLAG, &ok2);
  if (!ok2) return;
  s.Expect(fin_c == fin_s, "TLS 1.3: server Finished differs between the sides");

  // Application traffic, records, KeyUpdate.
  NCRYPT_KEY_HANDLE c_ap_at_c = 0, s_ap_at_c = 0, c_ap_at_s = 0, s_ap_at_s = 0;
  if (!TrafficPair(s, prov, client.master, flight_hash, &c_ap_at_c, &s_ap_at_c)) return;
  if (!TrafficPair(s, prov, server.master, flight_hash, &c_ap_at_s, &s_ap_at_s)) return;
  NCRYPT_KEY_HANDLE ca_write = 0, ca_read = 0;
  if (!WriteKey(s, prov, c_ap_at_c, &ca_write) || !WriteKey(s, prov, c_ap_at_s, &ca_read)) return;
  for (std::uint64_t seq = 0; seq < 3; ++seq)
    if (!RecordRoundTrip(s, prov, ca_write, ca_read, seq, rng() % 2000, true, rng, "TLS 1.3 application")) return;
  NCRYPT_KEY_HANDLE next_at_c = 0, next_at_s = 0, next_write = 0, next_read = 0;
  if (!s.Ok(SslExpandNextGenTrafficKey(prov, c_ap_at_c, &next_at_c, nullptr, 0), "SslExpandNextGenTrafficKey")) return;
  s.Keep(next_at_c);
  if (!s.Ok(SslExpandNextGenTrafficKey(prov, c_ap_at_s, &next_at_s, nullptr, 0), "SslExpandNextGenTrafficKey")) return;
  s.Keep(next_at_s);
  if (!WriteKey(s, prov, next_at_c, &next_write) || !WriteKey(s, prov, next_at_s, &next_read)) return;
  if (!RecordRoundTrip(s, prov, next_write, next_read, 0, rng() % 500, true, rng, "TLS 1.3 after KeyUpdate")) return;

  // Exporter: both sides export the same keying material.
  NCRYPT_KEY_HANDLE exp_c = 0, exp_s = 0;
  if (!s.Ok(SslExpandExporterMasterKey(prov, client.master, flight_hash, &exp_c, nullptr, 0),
            "SslExpandExporterMasterKey"))
    return;
  s.Keep(exp_c);
  if (!s.Ok(SslExpandExporterMasterKey(prov, server.master, flight_hash, &exp_s, nullptr, 0),
            "SslExpandExporterMasterKey"))
    return;
  s.Keep(exp_s);
  char label[] = "EXPORTER-opensslp-soak";
  ByteVec ekm_c(32), ekm_s(32);
  if (!s.Ok(SslExportKeyingMaterial(prov, exp_c, label, nullptr, 0, nullptr, 0, ekm_c.data(), 32, 0),
            "SslExportKeyingMaterial"))
    return;
  if (!s.Ok(SslExportKeyingMaterial(prov, exp_s, label, nullptr, 0, nullptr, 0, ekm_s.data(), 32, 0),
            "SslExportKeyingMaterial"))
    return;
  s.Expect(ekm_c == ekm_s, "TLS 1.3: exporter output differs between the sides");

  // Resumption: res master, a PSK for a ticket nonce, the resumed early secret and its binder.
  NCRYPT_KEY_HANDLE res_c = 0, psk_c = 0, early2_c = 0, binder_c = 0;
  if (!s.Ok(SslExpandResumptionMasterKey(prov, client.master, flight_hash, &res_c, nullptr, 0),
            "SslExpandResumptionMasterKey"))
    return;
  s.Keep(res_c);
  std::uint8_t nonce[] = {0, static_cast<std::uint8_t>(rng())};
  if (!s.Ok(SslExpandPreSharedKey(prov, res_c, nonce, sizeof nonce, &psk_c, nullptr, 0), "SslExpandPreSharedKey"))
    return;
  s.Keep(psk_c);
  if (!s.Ok(SslExtractEarlyKey(prov, psk_c, &early2_c, TLS1_3_PROTOCOL_VERSION, suite.id, nullptr, 0),
            "SslExtractEarlyKey (PSK)"))
    return;
  s.Keep(early2_c);
  if (!s.Ok(SslExpandBinderKey(prov, early2_c, &binder_c, nullptr, NCRYPT_SSL_RESUMPTION_PSK_FLAG),
            "SslExpandBinderKey"))
    return;
  s.Keep(binder_c);
  bool ok3 = false;
  FinishedOf(s, prov, binder_c, hello_hash, suite.hash_len, NCRYPT_SSL_CLIENT_FLAG, &ok3);
}

// The client against an OpenSSL peer: handshake and application traffic secrets (through their
// Finished MACs) and an application record (opened by OpenSSL with the key and IV its TLS13-KDF
// derives) checked against tests/support/ossl_reference.h.
void Tls13Reference(NCRYPT_PROV_HANDLE prov, Session& s, std::mt19937& rng, const Tls13Suite& suite, const Group& g) {
  using namespace opensslp::test;
  PkeyPtr peer(EVP_PKEY_Q_keygen(nullptr, nullptr, g.openssl_name[0] == 'X' ? "X25519" : "EC",
                                 g.openssl_name[0] == 'X' ? nullptr : g.openssl_name));
  if (!peer) {
    Failure("EVP_PKEY_Q_keygen");
    return;
  }
  NCRYPT_KEY_HANDLE mine = 0, peer_public = 0;
  if (!s.Ok(SslCreateEphemeralKey(prov, &mine, TLS1_3_PROTOCOL_VERSION, suite.id, g.key_type, 0, nullptr, 0, 0),
            "SslCreateEphemeralKey"))
    return;
  s.Keep(mine);
  ByteVec my_public, peer_bytes(133);
  if (!ExportPublic(s, prov, mine, &my_public)) return;
  std::size_t peer_len = 0;
  if (EVP_PKEY_get_octet_string_param(peer.get(), "encoded-pub-key", peer_bytes.data(), peer_bytes.size(), &peer_len) !=
      1) {
    Failure("EVP_PKEY_get_octet_string_param");
    return;
  }
  peer_bytes.resize(peer_len);
  if (!ImportPublic(s, prov, g.key_type, peer_bytes, &peer_public)) return;
  Tls13Side side;
  if (!Tls13Secrets(s, prov, suite.id, mine, peer_public, &side)) return;

  const ByteVec shared = EcdhWithPublicPoint(peer.get(), g.openssl_name, my_public);
  const char* d = suite.digest;
  const ByteVec ref_handshake = Tls13Extract(d, Tls13Extract(d, {}, {}), shared);
  const ByteVec ref_master = Tls13Extract(d, ref_handshake, {});
  auto expected_finished = [&](ByteView secret, ByteView transcript) {
    return HkdfExtract(d, HkdfExpandLabel(d, secret, "finished", {}, suite.hash_len), Digest(d, transcript));
  };

  const ByteVec hellos = RandomBytes(rng, 120);
  const ByteVec flight = Concat({hellos, RandomBytes(rng, 300)});
  NCRYPT_HASH_HANDLE hello_hash = 0, flight_hash = 0;
  if (!Transcript(s, prov, TLS1_3_PROTOCOL_VERSION, suite.id, hellos, &hello_hash)) return;
  if (!Transcript(s, prov, TLS1_3_PROTOCOL_VERSION, suite.id, flight, &flight_hash)) return;
  NCRYPT_KEY_HANDLE c_hs = 0, s_hs = 0, c_ap = 0, s_ap = 0, write = 0;
  if (!TrafficPair(s, prov, side.handshake, hello_hash, &c_hs, &s_hs)) return;
  if (!TrafficPair(s, prov, side.master, flight_hash, &c_ap, &s_ap)) return;
  bool ok = false;
  const ByteVec fin = FinishedOf(s, prov, s_hs, flight_hash, suite.hash_len, NCRYPT_SSL_SERVER_FLAG, &ok);
  if (!ok) return;
  s.Expect(fin == expected_finished(DeriveSecret(d, ref_handshake, "s hs traffic", hellos), flight),
           "TLS 1.3 s hs traffic differs from OpenSSL's TLS13-KDF");
  const ByteVec ref_c_ap = DeriveSecret(d, ref_master, "c ap traffic", flight);
  const ByteVec fin_ap = FinishedOf(s, prov, c_ap, flight_hash, suite.hash_len, NCRYPT_SSL_CLIENT_FLAG, &ok);
  if (!ok) return;
  s.Expect(fin_ap == expected_finished(ref_c_ap, flight), "TLS 1.3 c ap traffic differs from OpenSSL's TLS13-KDF");

  // A record under the client's application key, opened by OpenSSL (RFC 8446 §5.2, §5.3).
  if (!WriteKey(s, prov, c_ap, &write)) return;
  const ByteVec data = RandomBytes(rng, rng() % 700);
  const std::uint64_t seq = rng() % 1000;
  ByteVec record(data.size() + 64);
  DWORD len = 0;
  if (!s.Ok(SslEncryptPacket(prov, write, const_cast<std::uint8_t*>(data.data()), static_cast<DWORD>(data.size()),
                             record.data(), static_cast<DWORD>(record.size()), &len, seq, CT_APPLICATIONDATA, 0),
            "SslEncryptPacket"))
    return;
  record.resize(len);
  ByteVec nonce = HkdfExpandLabel(d, ref_c_ap, "iv", {}, 12);
  for (int i = 0; i < 8; ++i) nonce[11 - i] ^= static_cast<std::uint8_t>(seq >> (8 * i));
  const ByteVec key = HkdfExpandLabel(d, ref_c_ap, "key", {}, suite.key_len);
  const auto opened = AeadOpen(suite.cipher, key, nonce, ByteView(record.data(), 5), ByteView(record).subspan(5));
  ByteVec inner = data;
  inner.push_back(CT_APPLICATIONDATA);
  s.Expect(opened.has_value() && *opened == inner, "TLS 1.3 record: OpenSSL could not open it with its TLS13-KDF keys");
}

// ---- threads ----------------------------------------------------------------------------------------

constexpr unsigned kReferenceEvery = 16;  // one iteration in 16 is checked against OpenSSL
constexpr unsigned kRacyEvery = 4;        // one in 4 publishes its handles to the racers

void Worker(unsigned index, std::atomic<std::uint64_t>* iterations) {
  std::mt19937 rng(0x50a4u + index * 7919u);
  NCRYPT_PROV_HANDLE prov = 0;
  g_calls.fetch_add(1);
  if (SslOpenProvider(&prov, OPENSSLP_PROVIDER_NAME, 0) != 0 || prov == 0) {
    Failure("SslOpenProvider");
    return;
  }
  g_handles_made.fetch_add(1);
  for (std::uint64_t i = 0; !g_stop.load(std::memory_order_relaxed); ++i) {
    const Group& g = kGroups[rng() % 2];
    const bool reference = i % kReferenceEvery == index % kReferenceEvery;
    {
      Session s(!reference && rng() % kRacyEvery == 0, rng);
      if (reference)
        Tls12Reference(prov, s, rng, kTls12Suites[rng() % 3], g);
      else
        Tls12Iteration(prov, s, rng, kTls12Suites[rng() % 3], g);
    }
    {
      Session s(!reference && rng() % kRacyEvery == 0, rng);
      if (reference)
        Tls13Reference(prov, s, rng, kTls13Suites[rng() % 3], g);
      else
        Tls13Iteration(prov, s, rng, kTls13Suites[rng() % 3], g);
    }
    iterations->fetch_add(1, std::memory_order_relaxed);
  }
  g_calls.fetch_add(1);
  if (SslFreeObject(prov, 0) == 0)
    g_handles_freed.fetch_add(1);
  else
    Failure("SslFreeObject of the worker's provider");
}

// Frees published handles: half taken out of the pool (the owner finds the cell changed), half
// freed in place (the owner's own free then races a double free and must see NTE_INVALID_HANDLE).
void Racer(unsigned index) {
  std::mt19937 rng(0xf4eeu + index);
  while (!g_stop.load(std::memory_order_relaxed)) {
    bool found = false;
    for (int probe = 0; probe < 64; ++probe) {
      std::atomic<ULONG_PTR>& cell = g_pool[rng() % kPoolCells];
      const bool take = rng() % 2 == 0;
      const ULONG_PTR h = take ? cell.exchange(0) : cell.load();
      if (h == 0) continue;
      found = true;
      g_calls.fetch_add(1, std::memory_order_relaxed);
      const SECURITY_STATUS status = SslFreeObject(h, 0);
      if (status == 0) {
        g_handles_freed.fetch_add(1, std::memory_order_relaxed);
        g_racer_frees.fetch_add(1, std::memory_order_relaxed);
      } else if (status != NTE_INVALID_HANDLE) {
        // Even a handle taken out of the pool may be dead already: another racer may have freed it
        // in place. The made == freed count at the end catches a handle freed twice successfully.
        Failure("racer: SslFreeObject returned " + StatusText(status));
      }
    }
    if (!found) std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
}

int Usage() {
  std::fprintf(stderr,
               "usage: opensslp_soak [--seconds N] [--threads N] [--racers N] [--warmup N] [--report N]\n"
               "                     [--rss-slack-kib N] [--no-rss-bound]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  unsigned seconds = 10, threads = 8, racers = 0, report = 60, warmup = 0, rss_slack_kib = 4096;
  bool rss_bound = true;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--no-rss-bound") {
      rss_bound = false;
      continue;
    }
    if (i + 1 >= argc) return Usage();
    const unsigned value = static_cast<unsigned>(std::strtoul(argv[++i], nullptr, 10));
    if (arg == "--seconds")
      seconds = value;
    else if (arg == "--threads")
      threads = value;
    else if (arg == "--racers")
      racers = value;
    else if (arg == "--report")
      report = value;
    else if (arg == "--warmup")
      warmup = value;
    else if (arg == "--rss-slack-kib")
      rss_slack_kib = value;
    else
      return Usage();
  }
  if (seconds < 2 || threads == 0) return Usage();
  if (racers == 0) racers = threads >= 4 ? threads / 4 : 1;
  // The warm-up: by default a tenth of the run, at least 1 s and at most 30 s. Allocator arenas,
  // OpenSSL's fetched algorithms and the handle table's slots reach their working size in it
  // (ThreadSanitizer's shadow memory takes longer: the tsan preset asks for more).
  if (warmup == 0) warmup = std::min(30u, std::max(1u, seconds / 10));
  if (warmup >= seconds) return Usage();

#if defined(OPENSSLP_SOAK_LIVE_COUNT)
  // A provider first, so the library's one-time state exists before the count is taken.
  {
    NCRYPT_PROV_HANDLE p = 0;
    if (SslOpenProvider(&p, OPENSSLP_PROVIDER_NAME, 0) != 0 || SslFreeObject(p, 0) != 0) Failure("warm provider");
  }
  const std::size_t live_before = opensslp::HandleTable::Global().LiveCount();
#endif
  for (auto& cell : g_pool) cell.store(0);

  std::printf("soak: %u worker threads, %u racer threads, %u s (warm-up %u s)\n", threads, racers, seconds, warmup);
  std::fflush(stdout);
  std::vector<std::atomic<std::uint64_t>> iterations(threads);
  std::vector<std::thread> pool;
  const auto start = std::chrono::steady_clock::now();
  for (unsigned t = 0; t < threads; ++t) pool.emplace_back(Worker, t, &iterations[t]);
  for (unsigned r = 0; r < racers; ++r) pool.emplace_back(Racer, r);

  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  std::this_thread::sleep_for(std::chrono::seconds(warmup));
  const std::uint64_t rss_start = RssKiB();
  const std::uint64_t heap_start = HeapInUseKiB();
  const std::uint64_t calls_start = g_calls.load();
  std::uint64_t rss_peak = rss_start;
  double next_report = warmup + report;
  while (elapsed() < seconds) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    const std::uint64_t rss = RssKiB();
    rss_peak = std::max(rss_peak, rss);
    if (report != 0 && elapsed() >= next_report) {
      std::printf("soak: %6.0f s  RSS %llu KiB  heap in use %llu KiB  %llu calls\n", elapsed(),
                  static_cast<unsigned long long>(rss), static_cast<unsigned long long>(HeapInUseKiB()),
                  static_cast<unsigned long long>(g_calls.load()));
      std::fflush(stdout);
      next_report += report;
    }
  }
  // The end figure in the same steady state as the start one: before the workers stop.
  const std::uint64_t rss_end = RssKiB();
  const std::uint64_t heap_end = HeapInUseKiB();
  g_stop.store(true);
  for (auto& t : pool) t.join();
  const double duration = elapsed();

  // Every published handle a racer did not take: free it (the pool is empty of live handles after
  // the owners' Session destructors, so this finds only cells emptied already; kept as a check).
  for (auto& cell : g_pool)
    if (cell.load() != 0) Failure("a pool cell still holds a handle after every owner finished");

  std::uint64_t total_iterations = 0;
  for (auto& it : iterations) total_iterations += it.load();
  const std::uint64_t made = g_handles_made.load(), freed = g_handles_freed.load();
  std::printf(
      "soak: %.1f s, %u threads (+%u racers): %llu iterations, %llu checks, %llu handles made, %llu freed "
      "(%llu by racers), %llu NTE_INVALID_HANDLE answers to racing frees\n",
      duration, threads, racers, static_cast<unsigned long long>(total_iterations),
      static_cast<unsigned long long>(g_checks.load()), static_cast<unsigned long long>(made),
      static_cast<unsigned long long>(freed), static_cast<unsigned long long>(g_racer_frees.load()),
      static_cast<unsigned long long>(g_racy_refusals.load()));
  std::printf("RSS start %llu KiB end %llu KiB (peak %llu KiB), %llu calls (%llu after warm-up)\n",
              static_cast<unsigned long long>(rss_start), static_cast<unsigned long long>(rss_end),
              static_cast<unsigned long long>(rss_peak), static_cast<unsigned long long>(g_calls.load()),
              static_cast<unsigned long long>(g_calls.load() - calls_start));

  std::printf("soak: heap in use (malloc) start %llu KiB end %llu KiB\n", static_cast<unsigned long long>(heap_start),
              static_cast<unsigned long long>(heap_end));
  if (made != freed) Failure("handles made " + std::to_string(made) + " != handles freed " + std::to_string(freed));
#if defined(OPENSSLP_SOAK_LIVE_COUNT)
  const std::size_t live_after = opensslp::HandleTable::Global().LiveCount();
  std::printf("soak: handle table live count %zu before, %zu after\n", live_before, live_after);
  if (live_after != live_before) Failure("the handle table's live count did not return to its start value");
#endif
  // The bound: 10 % of the start figure plus 4 MiB (glibc arenas of 8+ threads and fragmentation
  // move by a few MiB between samples; a leak of one object per iteration is far beyond it).
  // --rss-slack-kib replaces the 4 MiB (ThreadSanitizer's shadow memory keeps growing for a while).
  const std::uint64_t bound = rss_start + rss_start / 10 + rss_slack_kib;
  if (!rss_bound)
    std::printf("soak: RSS not judged (--no-rss-bound)\n");
  else if (rss_start != 0 && rss_end > bound)
    Failure("RSS grew from " + std::to_string(rss_start) + " to " + std::to_string(rss_end) + " KiB (bound " +
            std::to_string(bound) + " KiB)");
  if (total_iterations == 0) Failure("no iteration completed");
  if (g_checks.load() == 0) Failure("no check ran");
  const bool pass = g_failures.load() == 0;
  std::printf("soak: %s (%llu failures)\n", pass ? "PASS" : "FAIL", static_cast<unsigned long long>(g_failures.load()));
  return pass ? 0 : 1;
}
