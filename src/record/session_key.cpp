// session_key.cpp - the record key object: the checks every protection shares, the lock, the
// sequence-number floor and the aliasing rules of SslEncryptPacket / SslDecryptPacket; the record
// protection itself is in tls12_aead.cpp / tls12_cbc.cpp.
#include "record/session_key.h"

#include <cstring>
#include <utility>

#include "record/session_key_blob.h"
#include "record/tls13_key_blob.h"

namespace opensslp {

KeyDescription SessionKey::Describe() const {
  return KeyDescription{std::u16string(CngCipherName(suite_->cipher)), static_cast<std::uint32_t>(suite_->key_len) * 8u,
                        0};
}

Result<std::size_t> SessionKey::Seal(std::uint64_t seq, std::uint8_t type, const std::uint8_t* in, std::size_t in_len,
                                     std::uint8_t* out, std::size_t out_len) noexcept {
  if (!CanSeal(direction_)) return Error::kBadKeyState;
  if (!ValidContentType(type) || seq == kLastSequenceNumber) return Error::kInvalidParameter;
  // TLS 1.3 never protects a ChangeCipherSpec (RFC 8446 §5: it is sent in the clear, if at all).
  if (version_ == ProtocolVersion::kTls13 && type == kContentChangeCipherSpec) return Error::kInvalidParameter;
  if (in_len > kMaxPlaintextLength || (in == nullptr && in_len != 0) || out == nullptr) {
    return Error::kInvalidParameter;
  }
  const std::size_t total = SealedLength(in_len);
  if (out_len < total) return Error::kBufferTooSmall;

  std::uint8_t* const fragment = out + kRecordHeaderLength;
  std::uint8_t* const body = fragment + protection_->explicit_length();
  const bool in_place = in == body;
  const bool shifted = !in_place && in == fragment;
  if (!in_place && !shifted && RangesOverlap(in, in_len, out, total)) return Error::kBuffersOverlap;

  std::lock_guard<std::mutex> lock(mu_);
  // Checked before anything is touched (the in-place move below changes the caller's buffer).
  if (seq < next_write_seq_) return Error::kInvalidParameter;
  // The sample's layout: move the plaintext up past the explicit nonce, then encrypt in place.
  if (shifted && in_len != 0) std::memmove(body, in, in_len);
  TRY(protection_->Seal(seq, type, (shifted || in_place) ? body : in, in_len, out, total));
  next_write_seq_ = seq + 1;  // seq < 2^64-1 was checked above
  return total;
}

Result<std::size_t> SessionKey::OpenedLength(Bytes record) const noexcept {
  // TLS 1.3 records carry legacy_record_version 0x0303 (RFC 8446 §5.1).
  const ProtocolVersion record_version = version_ == ProtocolVersion::kTls13 ? ProtocolVersion::kTls12 : version_;
  ASSIGN_OR_RETURN(const std::size_t fragment_len, ReadTlsHeader(record, record_version));
  return protection_->OpenedLength(fragment_len);
}

Result<std::size_t> SessionKey::Open(std::uint64_t seq, const std::uint8_t* in, std::size_t in_len, std::uint8_t* out,
                                     std::size_t out_len) noexcept {
  if (!CanOpen(direction_)) return Error::kBadKeyState;
  if (seq == kLastSequenceNumber) return Error::kInvalidParameter;
  if (in == nullptr) return Error::kInvalidParameter;
  ASSIGN_OR_RETURN(std::size_t plaintext_len, OpenedLength(Bytes(in, in_len)));
  if (out == nullptr && plaintext_len != 0) return Error::kInvalidParameter;
  if (out_len < plaintext_len) return Error::kBufferTooSmall;

  const std::uint8_t* const fragment = in + kRecordHeaderLength;
  const std::uint8_t* const body = fragment + protection_->explicit_length();
  const bool in_place = out == body;
  const bool shifted = !in_place && out == fragment;
  if (!in_place && !shifted && RangesOverlap(in, in_len, out, plaintext_len)) return Error::kBuffersOverlap;

  // The lock covers the cipher context, the scratch buffer and TLS 1.0's chained IV.
  std::lock_guard<std::mutex> lock(mu_);
  return protection_->Open(seq, in, in_len, plaintext_len, out, out_len, scratch_.span());
}

// A TLS 1.3 record key: the suite's key length and a 12-byte IV (RFC 8446 §7.3), no MAC key,
// usable in both directions.
Result<std::shared_ptr<SessionKey>> CreateTls13RecordKey(SessionKeyMaterial material) {
  const CipherSuite* suite = material.suite;
  if (suite == nullptr || !IsTls13Suite(*suite) || material.version != ProtocolVersion::kTls13 ||
      material.direction != RecordDirection::kBoth) {
    return Error::kInvalidParameter;
  }
  if (material.enc_key.size() != suite->key_len || !material.mac_key.empty() ||
      material.iv.size() != suite->fixed_iv_len) {
    return Error::kInvalidParameter;
  }
  std::shared_ptr<SessionKey> key(new SessionKey());
  key->suite_ = suite;
  key->version_ = material.version;
  key->direction_ = material.direction;
  key->tls13_stage_ = material.stage;
  ASSIGN_OR_RETURN(key->protection_, NewTls13AeadProtection(*suite, material));
  key->scratch_ = SecretBytes(key->protection_->scratch_length());
  key->enc_key_ = std::move(material.enc_key);
  key->iv_ = std::move(material.iv);
  return key;
}

Result<std::shared_ptr<SessionKey>> CreateSessionKey(SessionKeyMaterial material) {
  if (material.version == ProtocolVersion::kTls13) return CreateTls13RecordKey(std::move(material));
  const CipherSuite* suite = material.suite;
  if (suite == nullptr || IsTls13Suite(*suite) || material.version == ProtocolVersion::kTls13 ||
      !SupportsVersion(*suite, material.version)) {
    return Error::kInvalidParameter;
  }
  if (material.enc_key.size() != suite->key_len || material.mac_key.size() != suite->mac_key_len ||
      material.iv.size() != KeyBlockIvLength(*suite, material.version)) {
    return Error::kInvalidParameter;
  }
  std::shared_ptr<SessionKey> key(new SessionKey());
  key->suite_ = suite;
  key->version_ = material.version;
  key->direction_ = material.direction;
  if (material.direction == RecordDirection::kBoth) return Error::kInvalidParameter;  // TLS 1.3 only
  if (IsAead(*suite)) {
    ASSIGN_OR_RETURN(key->protection_, NewTls12AeadProtection(*suite, material.version, material));
  } else {
    ASSIGN_OR_RETURN(key->protection_, NewTls12CbcProtection(*suite, material.version, material));
  }
  if (material.direction == RecordDirection::kRead) key->scratch_ = SecretBytes(key->protection_->scratch_length());
  key->mac_key_ = std::move(material.mac_key);
  key->enc_key_ = std::move(material.enc_key);
  key->iv_ = std::move(material.iv);
  return key;
}

bool SessionKey::OpaqueBlobExportable() const noexcept {
  return version_ != ProtocolVersion::kTls13 || IsExportableTls13Stage(tls13_stage_);
}

std::size_t SessionKey::OpaqueBlobLength() const noexcept {
  return version_ == ProtocolVersion::kTls13 ? Tls13RecordKeyBlobLength(*suite_)
                                             : SessionKeyBlobLength(*suite_, version_);
}

Status SessionKey::ExportOpaqueBlob(MutBytes out) noexcept {
  if (!OpaqueBlobExportable()) return Error::kNotSupported;  // a 0-RTT key: record/tls13_key_blob.h
  std::lock_guard<std::mutex> lock(mu_);  // a consistent snapshot of next_write_seq_ / the chained IV
  if (version_ == ProtocolVersion::kTls13) {
    // One key for both directions: the floor is the sealing history (record/tls13_key_blob.h).
    Tls13KeyBlobView view;
    view.kind = Tls13KeyBlobKind::kRecordKey;
    view.stage = tls13_stage_;
    view.suite = suite_;
    view.next_write_seq = next_write_seq_;
    view.key = enc_key_.span();
    view.iv = iv_.span();
    return EncodeTls13KeyBlob(view, out);
  }
  SessionKeyBlobView view;
  view.suite = suite_;
  view.version = version_;
  view.direction = direction_;
  view.next_write_seq = direction_ == RecordDirection::kWrite ? next_write_seq_ : 0;
  view.mac_key = mac_key_.span();
  view.enc_key = enc_key_.span();
  view.iv = iv_.span();
  view.chain_iv = protection_->chained_state();
  if (view.chain_iv.size() != ChainIvLength(*suite_, version_)) return Error::kInternal;
  return EncodeSessionKeyBlob(view, out);
}

Result<std::shared_ptr<SessionKey>> ImportSessionKeyBlob(Bytes blob) {
  ASSIGN_OR_RETURN(SessionKeyBlobView view, DecodeSessionKeyBlob(blob));
  SessionKeyMaterial material;
  material.suite = view.suite;
  material.version = view.version;
  material.direction = view.direction;
  material.mac_key = SecretBytes(view.mac_key);
  material.enc_key = SecretBytes(view.enc_key);
  material.iv = SecretBytes(view.iv);
  ASSIGN_OR_RETURN(std::shared_ptr<SessionKey> key, CreateSessionKey(std::move(material)));
  // The key is not published yet: no other thread can see it, no lock needed.
  key->next_write_seq_ = view.next_write_seq;
  if (!view.chain_iv.empty()) key->protection_->RestoreChainedState(view.chain_iv);
  return key;
}

Result<std::shared_ptr<SessionKey>> ImportTls13RecordKey(const Tls13KeyBlobView& view) {
  if (view.kind != Tls13KeyBlobKind::kRecordKey) return Error::kInternal;
  SessionKeyMaterial material;
  material.suite = view.suite;
  material.version = ProtocolVersion::kTls13;
  material.direction = RecordDirection::kBoth;
  material.stage = view.stage;
  material.enc_key = SecretBytes(view.key);
  material.iv = SecretBytes(view.iv);
  ASSIGN_OR_RETURN(std::shared_ptr<SessionKey> key, CreateTls13RecordKey(std::move(material)));
  // Not published yet: no other thread can see it, no lock needed.
  key->next_write_seq_ = view.next_write_seq;
  return key;
}

}  // namespace opensslp
