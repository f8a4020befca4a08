// session_key_blob.cpp - BCRYPT_OPAQUE_KEY_BLOB codec for session keys (see session_key_blob.h).
#include "record/session_key_blob.h"

#include <cstring>

namespace opensslp {
namespace {

std::uint64_t LoadBe64(const std::uint8_t* p) noexcept {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}

// The catalog's lengths for one (suite, version, direction); the view must match them exactly.
bool MatchesCatalog(const SessionKeyBlobView& v) noexcept {
  if (v.suite == nullptr || IsTls13Suite(*v.suite) || v.version == ProtocolVersion::kTls13 ||
      !SupportsVersion(*v.suite, v.version)) {
    return false;
  }
  if (v.direction != RecordDirection::kRead && v.direction != RecordDirection::kWrite) return false;
  if (v.direction == RecordDirection::kRead && v.next_write_seq != 0) return false;
  return v.mac_key.size() == v.suite->mac_key_len && v.enc_key.size() == v.suite->key_len &&
         v.iv.size() == KeyBlockIvLength(*v.suite, v.version) &&
         v.chain_iv.size() == ChainIvLength(*v.suite, v.version);
}

}  // namespace

std::size_t ChainIvLength(const CipherSuite& suite, ProtocolVersion version) noexcept {
  return ModeOf(suite.cipher) == CipherMode::kCbc && version == ProtocolVersion::kTls10 ? 16 : 0;
}

std::size_t SessionKeyBlobLength(const CipherSuite& suite, ProtocolVersion version) noexcept {
  return kSessionKeyBlobHeaderLength + suite.mac_key_len + suite.key_len + KeyBlockIvLength(suite, version) +
         ChainIvLength(suite, version);
}

Status EncodeSessionKeyBlob(const SessionKeyBlobView& view, MutBytes out) noexcept {
  if (!MatchesCatalog(view)) return Error::kInternal;
  if (out.size() != SessionKeyBlobLength(*view.suite, view.version)) return Error::kInternal;
  std::uint8_t* p = out.data();
  std::memcpy(p, kSessionKeyBlobMagic, 4);
  StoreBe16(p + 4, kSessionKeyBlobVersion);
  StoreBe16(p + 6, static_cast<std::uint16_t>(view.version));
  StoreBe16(p + 8, view.suite->id);
  p[10] = view.direction == RecordDirection::kWrite ? 1 : 0;
  p[11] = 0;
  StoreBe64(p + 12, view.next_write_seq);
  p[20] = static_cast<std::uint8_t>(view.mac_key.size());
  p[21] = static_cast<std::uint8_t>(view.enc_key.size());
  p[22] = static_cast<std::uint8_t>(view.iv.size());
  p[23] = static_cast<std::uint8_t>(view.chain_iv.size());
  std::size_t at = kSessionKeyBlobHeaderLength;
  for (Bytes field : {view.mac_key, view.enc_key, view.iv, view.chain_iv}) {
    if (!field.empty()) std::memcpy(p + at, field.data(), field.size());
    at += field.size();
  }
  return Status::Ok();
}

Result<SessionKeyBlobView> DecodeSessionKeyBlob(Bytes blob) noexcept {
  if (blob.size() < kSessionKeyBlobHeaderLength || blob.size() > kMaxSessionKeyBlobLength) return Error::kBadData;
  const std::uint8_t* p = blob.data();
  if (std::memcmp(p, kSessionKeyBlobMagic, 4) != 0 || LoadBe16(p + 4) != kSessionKeyBlobVersion || p[11] != 0 ||
      p[10] > 1) {
    return Error::kBadData;
  }
  SessionKeyBlobView view;
  const std::uint16_t wire = LoadBe16(p + 6);
  // TLS 1.3 record keys are not SslGenerateSessionKeys keys: they have their own format
  // (record/tls13_key_blob.h).
  if (wire == static_cast<std::uint16_t>(ProtocolVersion::kTls13)) return Error::kBadData;
  Result<const CipherSuite*> suite = LookupCipherSuite(wire, LoadBe16(p + 8));
  if (!suite.ok()) return Error::kBadData;  // unknown protocol, unknown suite, suite not for it
  Result<ProtocolVersion> version = ParseProtocolVersion(wire);
  if (!version.ok()) return Error::kBadData;
  view.suite = suite.value();
  view.version = version.value();
  view.direction = p[10] == 1 ? RecordDirection::kWrite : RecordDirection::kRead;
  view.next_write_seq = LoadBe64(p + 12);
  const std::size_t lengths[4] = {p[20], p[21], p[22], p[23]};
  if (blob.size() != kSessionKeyBlobHeaderLength + lengths[0] + lengths[1] + lengths[2] + lengths[3]) {
    return Error::kBadData;  // truncated or trailing bytes
  }
  std::size_t at = kSessionKeyBlobHeaderLength;
  Bytes* fields[4] = {&view.mac_key, &view.enc_key, &view.iv, &view.chain_iv};
  for (int i = 0; i < 4; ++i) {
    *fields[i] = blob.subspan(at, lengths[i]);
    at += lengths[i];
  }
  if (!MatchesCatalog(view)) return Error::kBadData;
  return view;
}

}  // namespace opensslp
