// tls13_key_blob.cpp - BCRYPT_OPAQUE_KEY_BLOB codec for TLS 1.3 record keys and traffic secrets,
// and the opaque-blob import dispatch (see tls13_key_blob.h).
#include "record/tls13_key_blob.h"

#include <cstring>
#include <utility>

#include "record/session_key.h"
#include "record/session_key_blob.h"

namespace opensslp {
namespace {

constexpr std::uint16_t kTls13Wire = static_cast<std::uint16_t>(ProtocolVersion::kTls13);
static_assert(kMaxTls13KeyBlobLength <= kMaxSessionKeyBlobLength,
              "SslImportKey refuses opaque blobs over kMaxSessionKeyBlobLength before dispatching");

std::uint64_t LoadBe64(const std::uint8_t* p) noexcept {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}

std::uint8_t StageByte(Tls13TrafficStage stage) noexcept { return stage == Tls13TrafficStage::kHandshake ? 1 : 2; }

// The catalog's lengths for the view's kind; the view must match them exactly.
bool MatchesCatalog(const Tls13KeyBlobView& v) noexcept {
  if (v.suite == nullptr || !IsTls13Suite(*v.suite) || !IsExportableTls13Stage(v.stage)) return false;
  switch (v.kind) {
    case Tls13KeyBlobKind::kRecordKey:
      return v.key.size() == v.suite->key_len && v.iv.size() == v.suite->fixed_iv_len && v.secret.empty();
    case Tls13KeyBlobKind::kTrafficSecret:
      return (v.role == TlsRole::kClient || v.role == TlsRole::kServer) &&
             v.secret.size() == HashLength(v.suite->prf) && v.key.empty() && v.iv.empty() && v.next_write_seq == 0;
  }
  return false;
}

std::size_t LengthOf(const Tls13KeyBlobView& v) noexcept {
  return v.kind == Tls13KeyBlobKind::kRecordKey ? Tls13RecordKeyBlobLength(*v.suite)
                                                : Tls13TrafficSecretBlobLength(*v.suite);
}

}  // namespace

bool HasTls13KeyBlobMagic(Bytes blob) noexcept {
  return blob.size() >= sizeof kTls13KeyBlobMagic && std::memcmp(blob.data(), kTls13KeyBlobMagic, 4) == 0;
}

bool IsExportableTls13Stage(Tls13TrafficStage stage) noexcept {
  return stage == Tls13TrafficStage::kHandshake || stage == Tls13TrafficStage::kApplication;
}

std::size_t Tls13RecordKeyBlobLength(const CipherSuite& suite) noexcept {
  return kTls13RecordKeyBlobHeaderLength + suite.key_len + suite.fixed_iv_len;
}

std::size_t Tls13TrafficSecretBlobLength(const CipherSuite& suite) noexcept {
  return kTls13TrafficSecretBlobHeaderLength + HashLength(suite.prf);
}

Status EncodeTls13KeyBlob(const Tls13KeyBlobView& view, MutBytes out) noexcept {
  if (!MatchesCatalog(view)) return Error::kInternal;
  if (out.size() != LengthOf(view)) return Error::kInternal;
  std::uint8_t* p = out.data();
  std::memcpy(p, kTls13KeyBlobMagic, 4);
  StoreBe16(p + 4, kTls13KeyBlobVersion);
  p[6] = static_cast<std::uint8_t>(view.kind);
  p[7] = StageByte(view.stage);
  StoreBe16(p + 8, kTls13Wire);
  StoreBe16(p + 10, view.suite->id);
  if (view.kind == Tls13KeyBlobKind::kRecordKey) {
    StoreBe64(p + 12, view.next_write_seq);
    p[20] = static_cast<std::uint8_t>(view.key.size());
    p[21] = static_cast<std::uint8_t>(view.iv.size());
    std::memcpy(p + kTls13RecordKeyBlobHeaderLength, view.key.data(), view.key.size());
    std::memcpy(p + kTls13RecordKeyBlobHeaderLength + view.key.size(), view.iv.data(), view.iv.size());
  } else {
    p[12] = view.role == TlsRole::kServer ? 1 : 0;
    p[13] = static_cast<std::uint8_t>(view.secret.size());
    std::memcpy(p + kTls13TrafficSecretBlobHeaderLength, view.secret.data(), view.secret.size());
  }
  return Status::Ok();
}

Result<Tls13KeyBlobView> DecodeTls13KeyBlob(Bytes blob) noexcept {
  if (blob.size() < kTls13KeyBlobCommonHeaderLength || blob.size() > kMaxTls13KeyBlobLength) return Error::kBadData;
  const std::uint8_t* p = blob.data();
  if (!HasTls13KeyBlobMagic(blob) || LoadBe16(p + 4) != kTls13KeyBlobVersion) return Error::kBadData;
  Tls13KeyBlobView view;
  switch (p[6]) {
    case 1: view.kind = Tls13KeyBlobKind::kRecordKey; break;
    case 2: view.kind = Tls13KeyBlobKind::kTrafficSecret; break;
    default: return Error::kBadData;
  }
  switch (p[7]) {
    case 1: view.stage = Tls13TrafficStage::kHandshake; break;
    case 2: view.stage = Tls13TrafficStage::kApplication; break;
    default: return Error::kBadData;  // 0-RTT and every other stage do not export
  }
  if (LoadBe16(p + 8) != kTls13Wire) return Error::kBadData;
  Result<const CipherSuite*> suite = LookupCipherSuite(kTls13Wire, LoadBe16(p + 10));
  if (!suite.ok()) return Error::kBadData;  // unknown, or not a TLS 1.3 suite
  view.suite = suite.value();
  if (view.kind == Tls13KeyBlobKind::kRecordKey) {
    if (blob.size() < kTls13RecordKeyBlobHeaderLength) return Error::kBadData;
    const std::size_t key_len = p[20], iv_len = p[21];
    if (blob.size() != kTls13RecordKeyBlobHeaderLength + key_len + iv_len) return Error::kBadData;
    view.next_write_seq = LoadBe64(p + 12);
    view.key = blob.subspan(kTls13RecordKeyBlobHeaderLength, key_len);
    view.iv = blob.subspan(kTls13RecordKeyBlobHeaderLength + key_len, iv_len);
  } else {
    if (blob.size() < kTls13TrafficSecretBlobHeaderLength) return Error::kBadData;
    if (p[12] > 1) return Error::kBadData;
    view.role = p[12] == 1 ? TlsRole::kServer : TlsRole::kClient;
    const std::size_t secret_len = p[13];
    if (blob.size() != kTls13TrafficSecretBlobHeaderLength + secret_len) return Error::kBadData;
    view.secret = blob.subspan(kTls13TrafficSecretBlobHeaderLength, secret_len);
  }
  if (!MatchesCatalog(view)) return Error::kBadData;
  return view;
}

Result<std::size_t> TrafficSecretBlobLength(const Tls13Secret& secret) noexcept {
  ENSURE(secret.kind() == ObjectKind::kTls13TrafficSecret && IsExportableTls13Stage(secret.traffic_stage()),
         Error::kNotSupported);
  return Tls13TrafficSecretBlobLength(secret.suite());
}

Status ExportTrafficSecretBlob(const Tls13Secret& secret, MutBytes out) noexcept {
  ASSIGN_OR_RETURN(const std::size_t length, TrafficSecretBlobLength(secret));
  if (out.size() != length) return Error::kInternal;
  Tls13KeyBlobView view;
  view.kind = Tls13KeyBlobKind::kTrafficSecret;
  view.stage = secret.traffic_stage();
  view.suite = &secret.suite();
  view.role = secret.role();
  view.secret = secret.secret();  // immutable after creation: no lock needed
  return EncodeTls13KeyBlob(view, out);
}

Result<std::shared_ptr<KeyObject>> ImportOpaqueKeyBlob(Bytes blob) {
  if (!HasTls13KeyBlobMagic(blob)) {
    ASSIGN_OR_RETURN(std::shared_ptr<SessionKey> session, ImportSessionKeyBlob(blob));
    return std::shared_ptr<KeyObject>(std::move(session));
  }
  ASSIGN_OR_RETURN(Tls13KeyBlobView view, DecodeTls13KeyBlob(blob));
  if (view.kind == Tls13KeyBlobKind::kRecordKey) {
    ASSIGN_OR_RETURN(std::shared_ptr<SessionKey> key, ImportTls13RecordKey(view));
    return std::shared_ptr<KeyObject>(std::move(key));
  }
  return std::shared_ptr<KeyObject>(std::make_shared<Tls13Secret>(ObjectKind::kTls13TrafficSecret, *view.suite,
                                                                  SecretBytes(view.secret), view.role, view.stage));
}

}  // namespace opensslp
