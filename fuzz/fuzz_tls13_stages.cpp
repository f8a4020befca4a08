// fuzz_tls13_stages.cpp - a stage machine over the TLS 1.3 key schedule (RFC 8446 §7.1,
// docs/tls13.md): the input is a program of up to 64 operations (FuzzedDataProvider) that make
// ephemeral keys, transcripts and every stage's secret, derive, MAC, seal and open records, export
// and import opaque blobs and free handles, in any order, with handles picked from a pool of every
// handle made so far (live or freed) plus 0, the provider and a token-shaped value never issued.
//
// Oracles, beyond "documented statuses only" and "no handle left behind" (HandleScope; everything
// still held is freed at the end):
//   * a model of every handle (kind, hash length, group, liveness): an argument that is not a live
//     handle of a kind the function takes is NTE_INVALID_HANDLE, and a call whose arguments are
//     all right (model) succeeds; SslFreeObject succeeds exactly for live handles;
//   * a failed call leaves its output handle untouched; a successful one returns a new handle;
//   * a record sealed by a key opens again with the same key and sequence number to the same
//     content and type; the sealing floor (a sequence number not above the last sealed one is
//     refused) holds, also across an opaque-blob export/import;
//   * an opaque blob export -> import -> export is exact; Finished MACs are deterministic.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <vector>

#include "fuzz_support.h"
#include "opensslp/win_types.h"

using namespace opensslp::fuzz;

namespace {

constexpr ULONG_PTR kSentinel = 0x5A5A5A5A;
constexpr DWORD kTls13 = TLS1_3_PROTOCOL_VERSION;
constexpr DWORD kSuites[] = {0x1301, 0x1302, 0x1303};
constexpr DWORD kGroups[] = {TLS_ECC_P256_CURVE_KEY_TYPE, TLS_ECC_P384_CURVE_KEY_TYPE, 29 /* x25519 */};

enum class Kind {
  kEphemeral,
  kPublic,
  kTranscript,    // a TLS 1.3 handshake hash
  kTranscript12,  // a TLS 1.2 handshake hash (refused by TLS 1.3 stages)
  kEarly,
  kHandshake,
  kMaster,
  kTraffic,
  kExporter,
  kResumption,
  kBinder,
  kPsk,
  kRecordKey,
};

struct Info {
  Kind kind;
  std::size_t hash = 0;  // the suite's hash length; 0: none (external PSK, keys)
  int group = 0;         // ephemeral / public keys
  bool early_traffic = false;
  bool live = true;
  std::optional<std::uint64_t> last_sealed;  // record keys
  std::vector<std::uint8_t> last_record;     // record keys: the last record sealed, and its seq
  std::uint64_t last_record_seq = 0;
};

std::size_t HashOf(DWORD suite) { return suite == 0x1302 ? 48 : 32; }

void Fresh(SECURITY_STATUS rc, ULONG_PTR out, const char* what) {
  if (CheckStatus(rc, what) != 0) {
    Require(out == kSentinel, "a failed call leaves its output handle untouched");
  } else {
    Require(out != kSentinel && out != 0, "a successful call writes a handle");
  }
}

class Machine {
 public:
  explicit Machine(FuzzedDataProvider& in) : in_(in) {}

  ~Machine() {
    for (auto& [h, info] : handles_) {
      if (info.live) Free(h);
    }
  }

  void Step() {
    const int op = in_.ConsumeIntegralInRange<int>(0, 21);
    if (trace_) std::fprintf(stderr, "op %d\n", op);
    switch (op) {
      case 0: CreateEphemeral(); break;
      case 1: ExtractEarly(); break;
      case 2: ExtractHandshake(); break;
      case 3: OneStage(Kind::kHandshake, Kind::kMaster, "SslExtractMasterKey"); break;
      case 4: ExpandTraffic(); break;
      case 5: OneStage(Kind::kTraffic, Kind::kRecordKey, "SslExpandWriteKey"); break;
      case 6: FromTranscript(Kind::kExporter); break;
      case 7: FromTranscript(Kind::kResumption); break;
      case 8: Binder(); break;
      case 9: ExpandPsk(); break;
      case 10: Finished(); break;
      case 11: OneStage(Kind::kTraffic, Kind::kTraffic, "SslExpandNextGenTrafficKey"); break;
      case 12: CreateTranscript(); break;
      case 13: HashHandshake(); break;
      case 14: Duplicate(); break;
      case 15: Encrypt(); break;
      case 16: Decrypt(); break;
      case 17: FreeOne(); break;
      case 18: ImportPsk(); break;
      case 19: SessionHash(); break;
      case 20: Exporter(); break;
      case 21: OpaqueRoundTrip(); break;
    }
  }

 private:
  // A handle argument: usually the newest (or an older) handle of the wanted kind, otherwise
  // anything in the pool, 0, the provider or a token-shaped value never issued.
  ULONG_PTR Pick(Kind wanted) {
    const int how = in_.ConsumeIntegralInRange<int>(0, 7);
    if (how <= 4) {
      std::vector<ULONG_PTR> of_kind;
      for (ULONG_PTR h : order_) {
        if (handles_[h].kind == wanted) of_kind.push_back(h);
      }
      if (!of_kind.empty()) {
        const std::size_t back = how == 0 ? in_.ConsumeIntegralInRange<std::size_t>(0, of_kind.size() - 1) : 0;
        return of_kind[of_kind.size() - 1 - back];
      }
    }
    if (how == 5 && !order_.empty()) return order_[in_.ConsumeIntegralInRange<std::size_t>(0, order_.size() - 1)];
    switch (in_.ConsumeIntegralInRange<int>(0, 2)) {
      case 0: return 0;
      case 1: return Provider();
      default: return (ULONG_PTR{1} << 62) | 0x12345;  // a token no table ever issued
    }
  }

  // The model's view of a handle: live and of one of `kinds`.
  const Info* Live(ULONG_PTR h, std::initializer_list<Kind> kinds) {
    auto it = handles_.find(h);
    if (it == handles_.end() || !it->second.live) return nullptr;
    for (Kind k : kinds) {
      if (it->second.kind == k) return &it->second;
    }
    return nullptr;
  }

  void Add(ULONG_PTR h, Info info) {
    Require(handles_.find(h) == handles_.end(), "a new handle is never a handle issued before");
    handles_[h] = std::move(info);
    order_.push_back(h);
  }

  // Checks a call's status against the model: `valid_handles` false = NTE_INVALID_HANDLE;
  // otherwise `expected` (0 = success) unless the model does not know (nullopt).
  void Expect(SECURITY_STATUS rc, bool valid_handles, std::optional<SECURITY_STATUS> expected, const char* what) {
    if (trace_) std::fprintf(stderr, "  %s: 0x%08X\n", what, static_cast<unsigned>(rc));
    CheckStatus(rc, what);
    if (!valid_handles) {
      Require(rc == NTE_INVALID_HANDLE, what);
    } else if (expected) {
      if (rc != *expected) {
        std::fprintf(stderr, "%s: 0x%08X, model expects 0x%08X\n", what, static_cast<unsigned>(rc),
                     static_cast<unsigned>(*expected));
        Require(false, "the status the model expects");
      }
    }
  }

  void CreateEphemeral() {
    const DWORD suite = in_.PickValueInArray(kSuites);
    const int g = in_.ConsumeIntegralInRange<int>(0, 2);
    // Key generation dominates the cost of a program: a few key pairs are enough for any order.
    if (++ephemerals_ > 4) return;
    ULONG_PTR key = kSentinel;
    const SECURITY_STATUS rc = SslCreateEphemeralKey(Provider(), &key, kTls13, suite, kGroups[g], 0, nullptr, 0, 0);
    Fresh(rc, key, "SslCreateEphemeralKey");
    if (rc != 0) return;
    Add(key, Info{Kind::kEphemeral, 0, g});
    // The public half, as a peer's key would arrive.
    const LPCWSTR type = g == 2 ? SSL_ECCPUBLIC_BLOB : BCRYPT_ECCPUBLIC_BLOB;
    DWORD len = 0;
    if (CheckStatus(SslExportKey(Provider(), key, type, nullptr, 0, &len, 0), "SslExportKey (size)") != 0) return;
    std::vector<std::uint8_t> blob(len);
    Require(SslExportKey(Provider(), key, type, blob.data(), len, &len, 0) == 0, "SslExportKey of an ephemeral key");
    ULONG_PTR pub = kSentinel;
    const SECURITY_STATUS irc = SslImportKey(Provider(), &pub, type, blob.data(), len, 0);
    Fresh(irc, pub, "SslImportKey of an exported public key");
    Require(irc == 0, "an exported public key imports");
    Add(pub, Info{Kind::kPublic, 0, g});
  }

  void ExtractEarly() {
    const DWORD suite = in_.PickValueInArray(kSuites);
    const bool with_psk = in_.ConsumeBool();
    const ULONG_PTR psk = with_psk ? Pick(Kind::kPsk) : 0;
    ULONG_PTR out = kSentinel;
    const SECURITY_STATUS rc = SslExtractEarlyKey(Provider(), psk, &out, kTls13, suite, nullptr, 0);
    Fresh(rc, out, "SslExtractEarlyKey");
    const Info* p = psk == 0 ? nullptr : Live(psk, {Kind::kPsk});
    const bool valid = psk == 0 || p != nullptr;
    std::optional<SECURITY_STATUS> expected = 0;
    if (p != nullptr && p->hash != 0 && p->hash != HashOf(suite)) expected = NTE_INVALID_PARAMETER;
    Expect(rc, valid, expected, "SslExtractEarlyKey");
    if (rc == 0) Add(out, Info{Kind::kEarly, HashOf(suite)});
  }

  void ExtractHandshake() {
    const ULONG_PTR mine = Pick(Kind::kEphemeral), peer = Pick(Kind::kPublic), early = Pick(Kind::kEarly);
    ULONG_PTR out = kSentinel;
    const SECURITY_STATUS rc = SslExtractHandshakeKey(Provider(), mine, peer, early, &out, nullptr, 0);
    Fresh(rc, out, "SslExtractHandshakeKey");
    const Info* m = Live(mine, {Kind::kEphemeral});
    const Info* p = Live(peer, {Kind::kPublic});
    const Info* e = Live(early, {Kind::kEarly});
    const bool valid = m && p && e;
    std::optional<SECURITY_STATUS> expected = 0;
    if (valid && m->group != p->group) expected = NTE_BAD_KEY;
    Expect(rc, valid, expected, "SslExtractHandshakeKey");
    if (rc == 0) Add(out, Info{Kind::kHandshake, e->hash});
  }

  // A derivation of one stage from one other, with no transcript.
  void OneStage(Kind from, Kind to, const char* what) {
    const ULONG_PTR base = Pick(from);
    ULONG_PTR out = kSentinel;
    SECURITY_STATUS rc;
    if (to == Kind::kMaster) {
      rc = SslExtractMasterKey(Provider(), base, &out, nullptr, 0);
    } else if (to == Kind::kRecordKey) {
      rc = SslExpandWriteKey(Provider(), base, &out, nullptr, 0);
    } else {
      rc = SslExpandNextGenTrafficKey(Provider(), base, &out, nullptr, 0);
    }
    Fresh(rc, out, what);
    const Info* b = Live(base, {from});
    Expect(rc, b != nullptr, 0, what);
    if (rc == 0) Add(out, Info{to, b->hash, 0, b->early_traffic});
  }

  // The transcript argument of a TLS 1.3 derivation from `base`: expected status for the pair.
  std::optional<SECURITY_STATUS> TranscriptFits(const Info* base, const Info* transcript) {
    if (transcript->kind == Kind::kTranscript12 || transcript->hash != base->hash) return NTE_INVALID_PARAMETER;
    return 0;
  }

  void ExpandTraffic() {
    const Kind from = in_.PickValueInArray({Kind::kEarly, Kind::kHandshake, Kind::kMaster});
    const ULONG_PTR base = Pick(from), hash = Pick(Kind::kTranscript);
    const int which = in_.ConsumeIntegralInRange<int>(1, 3);  // 1 client, 2 server, 3 both
    ULONG_PTR client = kSentinel, server = kSentinel;
    const SECURITY_STATUS rc = SslExpandTrafficKeys(Provider(), base, hash, (which & 1) ? &client : nullptr,
                                                    (which & 2) ? &server : nullptr, nullptr, 0);
    CheckStatus(rc, "SslExpandTrafficKeys");
    if (rc != 0) Require(client == kSentinel && server == kSentinel, "a failed call leaves its outputs untouched");
    const Info* b = Live(base, {Kind::kEarly, Kind::kHandshake, Kind::kMaster});
    const Info* t = Live(hash, {Kind::kTranscript, Kind::kTranscript12});
    std::optional<SECURITY_STATUS> expected;
    if (b && t) {
      expected = TranscriptFits(b, t);
      if (b->kind == Kind::kEarly && (which & 2)) expected = NTE_INVALID_PARAMETER;
    }
    Expect(rc, b && t, expected, "SslExpandTrafficKeys");
    if (rc != 0) return;
    if (which & 1) Add(client, Info{Kind::kTraffic, b->hash, 0, b->kind == Kind::kEarly});
    if (which & 2) Add(server, Info{Kind::kTraffic, b->hash});
  }

  void FromTranscript(Kind to) {
    const bool exporter = to == Kind::kExporter;
    const ULONG_PTR base = Pick(exporter && in_.ConsumeBool() ? Kind::kEarly : Kind::kMaster);
    const ULONG_PTR hash = Pick(Kind::kTranscript);
    ULONG_PTR out = kSentinel;
    const SECURITY_STATUS rc = exporter ? SslExpandExporterMasterKey(Provider(), base, hash, &out, nullptr, 0)
                                        : SslExpandResumptionMasterKey(Provider(), base, hash, &out, nullptr, 0);
    const char* what = exporter ? "SslExpandExporterMasterKey" : "SslExpandResumptionMasterKey";
    Fresh(rc, out, what);
    const Info* b = exporter ? Live(base, {Kind::kEarly, Kind::kMaster}) : Live(base, {Kind::kMaster});
    const Info* t = Live(hash, {Kind::kTranscript, Kind::kTranscript12});
    Expect(rc, b && t, b && t ? TranscriptFits(b, t) : std::nullopt, what);
    if (rc == 0) Add(out, Info{to, b->hash});
  }

  void Binder() {
    const ULONG_PTR early = Pick(Kind::kEarly);
    const DWORD flags = in_.PickValueInArray<DWORD>(
        {NCRYPT_SSL_EXTERNAL_PSK_FLAG, NCRYPT_SSL_RESUMPTION_PSK_FLAG, 0, 3, NCRYPT_SSL_CLIENT_FLAG});
    ULONG_PTR out = kSentinel;
    const SECURITY_STATUS rc = SslExpandBinderKey(Provider(), early, &out, nullptr, flags);
    Fresh(rc, out, "SslExpandBinderKey");
    if (flags != NCRYPT_SSL_EXTERNAL_PSK_FLAG && flags != NCRYPT_SSL_RESUMPTION_PSK_FLAG) {
      Require(rc == NTE_BAD_FLAGS, "SslExpandBinderKey: a flag other than the two PSK flags is NTE_BAD_FLAGS");
      return;
    }
    const Info* e = Live(early, {Kind::kEarly});
    Expect(rc, e != nullptr, 0, "SslExpandBinderKey");
    if (rc == 0) Add(out, Info{Kind::kBinder, e->hash});
  }

  void ExpandPsk() {
    const ULONG_PTR res = Pick(Kind::kResumption);
    std::vector<std::uint8_t> nonce = in_.ConsumeBytes<std::uint8_t>(in_.ConsumeIntegralInRange<std::size_t>(0, 260));
    ULONG_PTR out = kSentinel;
    const SECURITY_STATUS rc = SslExpandPreSharedKey(Provider(), res, nonce.empty() ? nullptr : nonce.data(),
                                                     static_cast<DWORD>(nonce.size()), &out, nullptr, 0);
    Fresh(rc, out, "SslExpandPreSharedKey");
    const Info* r = Live(res, {Kind::kResumption});
    Expect(rc, r != nullptr || nonce.size() > 255, nonce.size() > 255 ? NTE_INVALID_PARAMETER : 0,
           "SslExpandPreSharedKey");
    if (rc == 0) Add(out, Info{Kind::kPsk, r->hash});
  }

  void ImportPsk() {
    std::vector<std::uint8_t> blob = {0x4B, 0x44, 0x42, 0x4D, 1, 0, 0, 0};  // BCRYPT_KEY_DATA_BLOB_MAGIC, v1
    const std::size_t n = in_.ConsumeIntegralInRange<std::size_t>(0, 40);
    for (int i = 0; i < 4; ++i) blob.push_back(static_cast<std::uint8_t>(n >> (8 * i)));
    const std::vector<std::uint8_t> key = in_.ConsumeBytes<std::uint8_t>(n);
    blob.insert(blob.end(), key.begin(), key.end());
    ULONG_PTR out = kSentinel;
    const SECURITY_STATUS rc =
        SslImportKey(Provider(), &out, u"TLS13PRESHAREDKEY", blob.data(), static_cast<DWORD>(blob.size()), 0);
    Fresh(rc, out, "SslImportKey TLS13PRESHAREDKEY");
    const bool good = n >= 1 && key.size() == n;
    Require(rc == (good ? 0 : NTE_BAD_DATA), "an external PSK blob imports exactly when well-formed");
    if (rc == 0) Add(out, Info{Kind::kPsk, 0});
  }

  void Finished() {
    const ULONG_PTR key = Pick(in_.ConsumeBool() ? Kind::kTraffic : Kind::kBinder);
    const ULONG_PTR hash = Pick(Kind::kTranscript);
    const DWORD flag = in_.ConsumeBool() ? NCRYPT_SSL_CLIENT_FLAG : NCRYPT_SSL_SERVER_FLAG;
    const Info* k = Live(key, {Kind::kTraffic, Kind::kBinder});
    const Info* t = Live(hash, {Kind::kTranscript, Kind::kTranscript12});
    const std::size_t want = k ? k->hash : 32;
    const std::size_t cb = in_.ConsumeBool() ? want : in_.ConsumeIntegralInRange<std::size_t>(0, 64);
    std::vector<std::uint8_t> out(cb + 1, 0xA5), again(cb + 1, 0xA5);
    const SECURITY_STATUS rc = SslComputeFinishedHash(Provider(), key, hash, out.data(), static_cast<DWORD>(cb), flag);
    std::optional<SECURITY_STATUS> expected;
    if (k && t) expected = cb != want ? NTE_INVALID_PARAMETER : TranscriptFits(k, t);
    Expect(rc, k && t, expected, "SslComputeFinishedHash");
    if (rc != 0) {
      for (std::uint8_t b : out) Require(b == 0xA5, "a failed SslComputeFinishedHash writes nothing");
      return;
    }
    Require(out[cb] == 0xA5, "SslComputeFinishedHash writes cbOutput bytes only");
    // The other flag gives the same MAC: the secret decides (docs/tls13.md).
    const DWORD other = flag == NCRYPT_SSL_CLIENT_FLAG ? NCRYPT_SSL_SERVER_FLAG : NCRYPT_SSL_CLIENT_FLAG;
    Require(SslComputeFinishedHash(Provider(), key, hash, again.data(), static_cast<DWORD>(cb), other) == 0,
            "SslComputeFinishedHash again");
    ExpectEqual(out, again, "a Finished MAC is deterministic and does not depend on the flag");
  }

  void CreateTranscript() {
    const bool tls12 = in_.ConsumeIntegralInRange<int>(0, 7) == 0;
    const DWORD suite = tls12 ? TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 : in_.PickValueInArray(kSuites);
    ULONG_PTR out = kSentinel;
    const SECURITY_STATUS rc =
        SslCreateHandshakeHash(Provider(), &out, tls12 ? TLS1_2_PROTOCOL_VERSION : kTls13, suite, 0);
    Fresh(rc, out, "SslCreateHandshakeHash");
    Require(rc == 0, "SslCreateHandshakeHash of a valid protocol and suite");
    Add(out, Info{tls12 ? Kind::kTranscript12 : Kind::kTranscript, tls12 ? 32 : HashOf(suite)});
  }

  void HashHandshake() {
    const ULONG_PTR hash = Pick(Kind::kTranscript);
    std::vector<std::uint8_t> msg = in_.ConsumeBytes<std::uint8_t>(in_.ConsumeIntegralInRange<std::size_t>(0, 300));
    const SECURITY_STATUS rc =
        SslHashHandshake(Provider(), hash, msg.empty() ? nullptr : msg.data(), static_cast<DWORD>(msg.size()), 0);
    Expect(rc, Live(hash, {Kind::kTranscript, Kind::kTranscript12}) != nullptr, 0, "SslHashHandshake");
  }

  void Duplicate() {
    const ULONG_PTR hash = Pick(Kind::kTranscript);
    ULONG_PTR out = kSentinel;
    const SECURITY_STATUS rc = SslDuplicateTranscriptHash(Provider(), hash, &out, 0);
    Fresh(rc, out, "SslDuplicateTranscriptHash");
    const Info* t = Live(hash, {Kind::kTranscript, Kind::kTranscript12});
    Expect(rc, t != nullptr, 0, "SslDuplicateTranscriptHash");
    if (rc == 0) Add(out, Info{t->kind, t->hash});
  }

  void SessionHash() {
    const ULONG_PTR hash = Pick(Kind::kTranscript);
    std::vector<std::uint8_t> out(64, 0xA5);
    DWORD result = 0;
    const SECURITY_STATUS rc = SslComputeSessionHash(Provider(), hash, kTls13, out.data(), 64, &result, 0);
    CheckStatus(rc, "SslComputeSessionHash");
    const Info* t = Live(hash, {Kind::kTranscript});
    if (t != nullptr) {
      Require(rc == 0 && result == t->hash, "SslComputeSessionHash of a TLS 1.3 transcript gives Hash.length bytes");
    } else if (Live(hash, {Kind::kTranscript12}) == nullptr) {
      Require(rc == NTE_INVALID_HANDLE, "SslComputeSessionHash of a non-transcript");
    }
  }

  void Exporter() {
    const ULONG_PTR key = Pick(Kind::kExporter);
    std::string label = in_.ConsumeRandomLengthString(260);
    label.erase(std::find(label.begin(), label.end(), '\0'), label.end());
    std::vector<std::uint8_t> ctx = in_.ConsumeBytes<std::uint8_t>(in_.ConsumeIntegralInRange<std::size_t>(0, 64));
    const std::size_t cb = in_.ConsumeIntegralInRange<std::size_t>(0, 300);
    std::vector<std::uint8_t> out(cb + 1, 0xA5);
    const SECURITY_STATUS rc =
        SslExportKeyingMaterial(Provider(), key, label.data(), nullptr, 0, ctx.empty() ? nullptr : ctx.data(),
                                static_cast<WORD>(ctx.size()), out.data(), static_cast<DWORD>(cb), 0);
    const Info* k = Live(key, {Kind::kExporter});
    std::optional<SECURITY_STATUS> expected;
    if (k) expected = (label.size() > 249 || cb == 0 || cb > 255 * k->hash) ? NTE_INVALID_PARAMETER : 0;
    Expect(rc, k != nullptr, expected, "SslExportKeyingMaterial");
    Require(out[cb] == 0xA5, "SslExportKeyingMaterial writes cbOutput bytes at most");
  }

  void Encrypt() {
    const ULONG_PTR key = Pick(Kind::kRecordKey);
    Info* k = const_cast<Info*>(Live(key, {Kind::kRecordKey}));
    std::vector<std::uint8_t> data =
        in_.ConsumeBytes<std::uint8_t>(in_.ConsumeIntegralInRange<std::size_t>(0, in_.ConsumeBool() ? 17000 : 100));
    std::uint64_t seq;
    switch (in_.ConsumeIntegralInRange<int>(0, 3)) {
      case 0: seq = k && k->last_sealed ? *k->last_sealed : 0; break;  // a repeat (or 0)
      case 1: seq = ~std::uint64_t{0}; break;
      case 2: seq = in_.ConsumeIntegral<std::uint64_t>(); break;
      default: seq = k && k->last_sealed ? *k->last_sealed + 1 : 0; break;
    }
    const DWORD type = in_.ConsumeIntegralInRange<DWORD>(19, 24);
    const std::size_t need = data.size() + 5 + 1 + 16;
    const std::size_t cb = in_.ConsumeIntegralInRange<int>(0, 7) == 0 ? need - 1 : need;
    std::vector<std::uint8_t> out(cb, 0xA5);
    DWORD result = 0;
    const SECURITY_STATUS rc =
        SslEncryptPacket(Provider(), key, data.empty() ? nullptr : data.data(), static_cast<DWORD>(data.size()),
                         out.data(), static_cast<DWORD>(cb), &result, seq, type, 0);
    std::optional<SECURITY_STATUS> expected;
    if (k && cb == need) {
      const bool ok = data.size() <= 16384 && type >= 21 && type <= 23 && seq != ~std::uint64_t{0} &&
                      (!k->last_sealed || seq > *k->last_sealed);
      expected = ok ? 0 : NTE_INVALID_PARAMETER;
    }
    Expect(rc, k != nullptr, expected, "SslEncryptPacket");
    if (rc != 0) return;
    Require(result == need, "SslEncryptPacket writes the whole record");
    k->last_sealed = seq;
    // The same key opens what it sealed (one key object for both directions).
    std::vector<std::uint8_t> plain(need, 0);
    DWORD got = 0;
    Require(SslDecryptPacket(Provider(), key, out.data(), static_cast<DWORD>(need), plain.data(),
                             static_cast<DWORD>(plain.size()), &got, seq, 0) == 0,
            "a sealed record opens with the same key and sequence number");
    Require(got == data.size() + 1 && plain[data.size()] == type, "the opened record ends with its content type");
    ExpectEqual(std::span(plain).first(data.size()), data, "seal -> open");
    k->last_record = out;
    k->last_record_seq = seq;
  }

  void Decrypt() {
    const ULONG_PTR key = Pick(Kind::kRecordKey);
    const Info* k = Live(key, {Kind::kRecordKey});
    std::vector<std::uint8_t> record;
    std::uint64_t seq = 0;
    if (k && !k->last_record.empty() && in_.ConsumeBool()) {
      record = k->last_record;  // tampered by the program, or not
      seq = k->last_record_seq;
      if (in_.ConsumeBool())
        record[in_.ConsumeIntegralInRange<std::size_t>(0, record.size() - 1)] ^=
            in_.ConsumeIntegralInRange<std::uint8_t>(1, 255);
      if (in_.ConsumeBool()) seq = in_.ConsumeIntegral<std::uint64_t>();
    } else {
      record = in_.ConsumeBytes<std::uint8_t>(in_.ConsumeIntegralInRange<std::size_t>(0, 400));
      seq = in_.ConsumeIntegral<std::uint64_t>();
    }
    const std::size_t cb = in_.ConsumeBool() ? record.size() : in_.ConsumeIntegralInRange<std::size_t>(0, 64);
    std::vector<std::uint8_t> out(cb + 1, 0xA5);
    DWORD got = 0;
    const SECURITY_STATUS rc =
        SslDecryptPacket(Provider(), key, record.empty() ? nullptr : record.data(), static_cast<DWORD>(record.size()),
                         out.data(), static_cast<DWORD>(cb), &got, seq, 0);
    Expect(rc, k != nullptr, std::nullopt, "SslDecryptPacket");
    if (rc == 0) {
      Require(got >= 1 && got <= cb, "SslDecryptPacket returns the content and its type");
    } else {
      for (std::uint8_t b : out) Require(b == 0xA5, "a failed SslDecryptPacket leaves nothing in the output");
    }
    Require(out[cb] == 0xA5, "SslDecryptPacket writes cbOutput bytes at most");
  }

  void OpaqueRoundTrip() {
    const ULONG_PTR key = Pick(in_.ConsumeBool() ? Kind::kRecordKey : Kind::kTraffic);
    DWORD len = 0;
    const SECURITY_STATUS rc = SslExportKey(Provider(), key, BCRYPT_OPAQUE_KEY_BLOB, nullptr, 0, &len, 0);
    const Info* k = Live(key, {Kind::kRecordKey, Kind::kTraffic});
    Expect(rc, handles_.count(key) ? handles_[key].live : false, std::nullopt, "SslExportKey opaque (size)");
    if (k && !k->early_traffic) Require(rc == 0, "a TLS 1.3 record key or traffic secret exports");
    if (rc != 0) return;
    std::vector<std::uint8_t> blob(len);
    Require(SslExportKey(Provider(), key, BCRYPT_OPAQUE_KEY_BLOB, blob.data(), len, &len, 0) == 0, "SslExportKey");
    if (in_.ConsumeBool() && !blob.empty()) {
      // A damaged blob: refused, or (a byte the format does not check) imported.
      blob[in_.ConsumeIntegralInRange<std::size_t>(0, blob.size() - 1)] ^=
          in_.ConsumeIntegralInRange<std::uint8_t>(1, 255);
      ULONG_PTR out = kSentinel;
      const SECURITY_STATUS irc =
          SslImportKey(Provider(), &out, BCRYPT_OPAQUE_KEY_BLOB, blob.data(), static_cast<DWORD>(blob.size()), 0);
      Fresh(irc, out, "SslImportKey opaque (damaged)");
      if (irc == 0) Free(out);
      return;
    }
    ULONG_PTR out = kSentinel;
    const SECURITY_STATUS irc =
        SslImportKey(Provider(), &out, BCRYPT_OPAQUE_KEY_BLOB, blob.data(), static_cast<DWORD>(blob.size()), 0);
    Fresh(irc, out, "SslImportKey opaque");
    Require(irc == 0, "an exported opaque blob imports");
    Info copy = *k;
    copy.live = true;
    Add(out, copy);
    DWORD len2 = 0;
    std::vector<std::uint8_t> again(len);
    Require(SslExportKey(Provider(), out, BCRYPT_OPAQUE_KEY_BLOB, again.data(), len, &len2, 0) == 0,
            "an imported opaque blob exports");
    again.resize(len2);
    ExpectEqual(blob, again, "opaque blob export -> import -> export");
  }

  void FreeOne() {
    if (order_.empty()) return;
    const ULONG_PTR h = order_[in_.ConsumeIntegralInRange<std::size_t>(0, order_.size() - 1)];
    const SECURITY_STATUS rc = CheckStatus(SslFreeObject(h, 0), "SslFreeObject");
    Info& info = handles_[h];
    Require(rc == (info.live ? 0 : NTE_INVALID_HANDLE), "SslFreeObject succeeds exactly for live handles");
    info.live = false;
  }

  FuzzedDataProvider& in_;
  const bool trace_ = std::getenv("OPENSSLP_FUZZ_TRACE") != nullptr;  // prints the program as it runs
  int ephemerals_ = 0;
  std::map<ULONG_PTR, Info> handles_;
  std::vector<ULONG_PTR> order_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  HandleScope scope;
  FuzzedDataProvider in(data, size);
  {
    Machine machine(in);
    for (int step = 0; step < 64 && in.remaining_bytes() > 0; ++step) machine.Step();
  }
  return 0;
}
