// session_key.cpp - TLS 1.2 AEAD record protection (RFC 5246 §6.2.3.3, RFC 5288, RFC 7905).
#include "record/session_key.h"

#include <cstring>
#include <utility>

#include "ossl/library.h"
#include "record/session_key_blob.h"

namespace opensslp {
namespace {

bool ValidContentType(std::uint8_t type) noexcept {
  return type >= kContentChangeCipherSpec && type <= kContentApplicationData;
}

// additional_data = seq_num ‖ TLSCompressed.type ‖ TLSCompressed.version ‖ TLSCompressed.length
// (RFC 5246 §6.2.3.3); the length is that of the plaintext.
inline constexpr std::size_t kAadLength = 13;
void MakeAad(std::uint64_t seq, std::uint8_t type, ProtocolVersion version, std::size_t plaintext_len,
             std::uint8_t* aad) noexcept {
  StoreBe64(aad, seq);
  aad[8] = type;
  StoreBe16(aad + 9, static_cast<std::uint16_t>(version));
  StoreBe16(aad + 11, static_cast<std::uint16_t>(plaintext_len));
}

}  // namespace

KeyDescription SessionKey::Describe() const {
  return KeyDescription{std::u16string(CngCipherName(suite_->cipher)), static_cast<std::uint32_t>(suite_->key_len) * 8u,
                        0};
}

std::size_t SessionKey::SealedLength(std::size_t plaintext_len) const noexcept {
  if (!IsAead(*suite_)) return kRecordHeaderLength + explicit_len_ + cbc_.PaddedLength(plaintext_len);
  return kRecordHeaderLength + explicit_len_ + plaintext_len + tag_len_;
}

// AES-GCM: salt ‖ explicit nonce (RFC 5288 §3). ChaCha20-Poly1305: the 64-bit sequence number,
// big-endian and left-padded to 12 bytes, XORed with the fixed IV (RFC 7905 §2).
void SessionKey::MakeNonce(std::uint64_t seq, const std::uint8_t* explicit_nonce, std::uint8_t* nonce) const noexcept {
  if (explicit_len_ != 0) {
    std::memcpy(nonce, iv_.data(), 4);
    std::memcpy(nonce + 4, explicit_nonce, 8);
  } else {
    std::uint8_t padded[ossl::kAeadNonceLength] = {};
    StoreBe64(padded + 4, seq);
    for (std::size_t i = 0; i < ossl::kAeadNonceLength; ++i) nonce[i] = iv_.data()[i] ^ padded[i];
  }
}

Result<std::size_t> SessionKey::Seal(std::uint64_t seq, std::uint8_t type, const std::uint8_t* in, std::size_t in_len,
                                     std::uint8_t* out, std::size_t out_len) noexcept {
  if (direction_ != RecordDirection::kWrite) return Error::kBadKeyState;
  if (!ValidContentType(type) || seq == kLastSequenceNumber) return Error::kInvalidParameter;
  if (in_len > kMaxPlaintextLength || (in == nullptr && in_len != 0) || out == nullptr) {
    return Error::kInvalidParameter;
  }
  const std::size_t total = SealedLength(in_len);
  if (out_len < total) return Error::kBufferTooSmall;

  std::uint8_t* const fragment = out + kRecordHeaderLength;
  std::uint8_t* const body = fragment + explicit_len_;
  const bool in_place = in == body;
  const bool shifted = !in_place && in == fragment;
  if (!in_place && !shifted && RangesOverlap(in, in_len, out, total)) return Error::kBuffersOverlap;

  std::lock_guard<std::mutex> lock(mu_);
  // Checked before anything is touched (the in-place move below changes the caller's buffer).
  if (seq < next_write_seq_) return Error::kInvalidParameter;
  // The sample's layout: move the plaintext up past the explicit nonce, then encrypt in place.
  if (shifted && in_len != 0) std::memmove(body, in, in_len);
  if (!IsAead(*suite_)) {
    Result<std::size_t> sealed_cbc = SealCbc(seq, type, (shifted || in_place) ? body : in, in_len, out, total);
    if (sealed_cbc.ok()) next_write_seq_ = seq + 1;
    return sealed_cbc;
  }
  const std::uint8_t* src = (shifted || in_place) ? body : in;

  std::uint8_t explicit_nonce[8];
  StoreBe64(explicit_nonce, seq);
  std::uint8_t nonce[ossl::kAeadNonceLength];
  MakeNonce(seq, explicit_nonce, nonce);
  std::uint8_t aad[kAadLength];
  MakeAad(seq, type, version_, in_len, aad);

  // (The nonce is public -- sent in the record, or IV XOR seq with a public seq -- so it is not
  // wiped: the per-record path does no work that protects nothing.)
  Status sealed = aead_.Seal(nonce, aad, Bytes(src, in_len), MutBytes(body, in_len), MutBytes(body + in_len, tag_len_));
  if (!sealed.ok()) {
    SecureWipe(out, total);
    return sealed.error();
  }
  out[0] = type;
  StoreBe16(out + 1, static_cast<std::uint16_t>(version_));
  StoreBe16(out + 3, static_cast<std::uint16_t>(total - kRecordHeaderLength));
  if (explicit_len_ != 0) std::memcpy(fragment, explicit_nonce, explicit_len_);
  next_write_seq_ = seq + 1;  // seq < 2^64-1 was checked above
  return total;
}

Result<std::size_t> SessionKey::OpenedLength(Bytes record) const noexcept {
  if (record.size() < kRecordHeaderLength) return Error::kBadData;
  const std::size_t length = LoadBe16(record.data() + 3);
  if (!ValidContentType(record[0]) || LoadBe16(record.data() + 1) != static_cast<std::uint16_t>(version_) ||
      length != record.size() - kRecordHeaderLength || length > kMaxCiphertextLength ||
      length < explicit_len_ + tag_len_) {
    return Error::kBadData;
  }
  if (!IsAead(*suite_)) {
    // RFC 5246 §6.2.3.2: whole cipher blocks, at least one block's worth of MAC + padding byte.
    // Public facts, so these are malformed records, not authentication failures.
    const std::size_t ct_len = length - explicit_len_;
    if (ct_len % ossl::kCbcBlockLength != 0 || ct_len < cbc_.PaddedLength(0)) return Error::kBadData;
    return ct_len - cbc_.mac_length() - 1;
  }
  const std::size_t plaintext_len = length - explicit_len_ - tag_len_;
  // RFC 5246 §6.2.3: a fragment that decrypts to more than 2^14 bytes is a record_overflow. For an
  // AEAD the plaintext length follows from the public record length, so this check leaks nothing.
  if (plaintext_len > kMaxPlaintextLength) return Error::kBadData;
  return plaintext_len;
}

Result<std::size_t> SessionKey::Open(std::uint64_t seq, const std::uint8_t* in, std::size_t in_len, std::uint8_t* out,
                                     std::size_t out_len) noexcept {
  if (direction_ != RecordDirection::kRead) return Error::kBadKeyState;
  if (seq == kLastSequenceNumber) return Error::kInvalidParameter;
  if (in == nullptr) return Error::kInvalidParameter;
  ASSIGN_OR_RETURN(std::size_t plaintext_len, OpenedLength(Bytes(in, in_len)));
  if (out == nullptr && plaintext_len != 0) return Error::kInvalidParameter;
  if (out_len < plaintext_len) return Error::kBufferTooSmall;

  const std::uint8_t* const fragment = in + kRecordHeaderLength;
  const std::uint8_t* const body = fragment + explicit_len_;
  const bool in_place = out == body;
  const bool shifted = !in_place && out == fragment;
  if (!in_place && !shifted && RangesOverlap(in, in_len, out, plaintext_len)) return Error::kBuffersOverlap;

  if (!IsAead(*suite_)) return OpenCbc(seq, in, in_len, out, out_len);

  // Everything the output may overwrite is read first: header fields, explicit nonce, tag.
  const std::uint8_t type = in[0];
  std::uint8_t nonce[ossl::kAeadNonceLength];
  MakeNonce(seq, fragment, nonce);
  std::uint8_t aad[kAadLength];
  MakeAad(seq, type, version_, plaintext_len, aad);
  std::uint8_t tag[ossl::kAeadTagLength];
  std::memcpy(tag, body + plaintext_len, tag_len_);

  std::lock_guard<std::mutex> lock(mu_);
  // EVP's AEAD decryption releases plaintext before it checks the tag (only Final verifies), so
  // the plaintext is produced in the key's own scratch buffer and copied to `out` only after the
  // tag has verified: unauthenticated plaintext never reaches caller memory, in place or not,
  // and a failed call leaves the caller's input untouched. (Costs one copy of the fragment;
  // bench/README.md has the figures.) aead_.Open wipes the scratch on failure.
  Status opened = aead_.Open(nonce, aad, Bytes(body, plaintext_len), tag, scratch_.span().first(plaintext_len));
  if (!opened.ok()) return opened.error();
  // `out` may overlap the input (in place); the ciphertext has been consumed. The scratch is not
  // wiped after success: it holds only what the caller has just received, is overwritten by the
  // next record and wiped when the key is freed.
  if (plaintext_len != 0) std::memcpy(out, scratch_.data(), plaintext_len);
  return plaintext_len;
}

// CBC seal; `src` (in_len bytes) is the plaintext, already at the record body when in place.
Result<std::size_t> SessionKey::SealCbc(std::uint64_t seq, std::uint8_t type, const std::uint8_t* src,
                                        std::size_t in_len, std::uint8_t* out, std::size_t total) noexcept {
  std::uint8_t* const fragment = out + kRecordHeaderLength;
  std::uint8_t* const body = fragment + explicit_len_;
  if (src != body && in_len != 0) std::memcpy(body, src, in_len);  // no overlap (checked by Seal)
  std::uint8_t mac_header[13];
  MakeAad(seq, type, version_, in_len, mac_header);
  std::uint8_t iv[ossl::kCbcBlockLength];
  if (explicit_len_ != 0) {
    // TLS 1.1+: a fresh unpredictable IV per record, sent in the clear (RFC 4346 §6.2.3.2).
    Status rnd = ossl::RandomBytes(std::span<std::uint8_t>(iv, sizeof iv));
    if (!rnd.ok()) {
      SecureWipe(out, total);
      return rnd.error();
    }
  } else {
    std::memcpy(iv, chain_iv_.data(), sizeof iv);
  }
  Status sealed = cbc_.Seal(mac_header, body, in_len, iv);
  if (!sealed.ok()) {
    SecureWipe(out, total);
    return sealed.error();
  }
  out[0] = type;
  StoreBe16(out + 1, static_cast<std::uint16_t>(version_));
  StoreBe16(out + 3, static_cast<std::uint16_t>(total - kRecordHeaderLength));
  if (explicit_len_ != 0) {
    std::memcpy(fragment, iv, sizeof iv);
  } else {
    // TLS 1.0: the next record's IV is this record's last ciphertext block (RFC 2246 §6.2.3.2).
    std::memcpy(chain_iv_.data(), out + total - ossl::kCbcBlockLength, ossl::kCbcBlockLength);
  }
  return total;
}

// CBC open: decrypt into the key's scratch buffer, verify in constant time, then copy out.
Result<std::size_t> SessionKey::OpenCbc(std::uint64_t seq, const std::uint8_t* in, std::size_t in_len,
                                        std::uint8_t* out, std::size_t out_len) noexcept {
  // The lock covers the chained IV (TLS 1.0), the scratch buffer and the cipher context.
  std::lock_guard<std::mutex> lock(mu_);
  const std::uint8_t* const fragment = in + kRecordHeaderLength;
  const std::uint8_t* const ct = fragment + explicit_len_;
  const std::size_t ct_len = in_len - kRecordHeaderLength - explicit_len_;
  std::uint8_t header11[11];
  StoreBe64(header11, seq);
  header11[8] = in[0];
  StoreBe16(header11 + 9, static_cast<std::uint16_t>(version_));
  std::uint8_t iv[ossl::kCbcBlockLength];
  std::memcpy(iv, explicit_len_ != 0 ? fragment : chain_iv_.data(), sizeof iv);
  std::uint8_t next_iv[ossl::kCbcBlockLength];
  std::memcpy(next_iv, ct + ct_len - ossl::kCbcBlockLength, sizeof next_iv);

  auto opened = cbc_.Open(header11, Bytes(ct, ct_len), iv, scratch_.span());
  if (!opened.ok()) return opened.error();
  const std::size_t data_len = opened.value();
  // Authenticated from here on: branching on the length is safe.
  if (data_len > kMaxPlaintextLength || data_len > out_len) {  // RFC 5246 §6.2.1 record_overflow
    SecureWipe(scratch_.data(), ct_len);
    return Error::kBadData;
  }
  if (data_len != 0) std::memmove(out, scratch_.data(), data_len);
  SecureWipe(scratch_.data(), ct_len);
  if (explicit_len_ == 0) std::memcpy(chain_iv_.data(), next_iv, sizeof next_iv);
  return data_len;
}

Result<std::shared_ptr<SessionKey>> CreateSessionKey(SessionKeyMaterial material) {
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
  key->explicit_len_ = RecordIvLength(*suite, material.version);
  key->tag_len_ = suite->tag_len;
  if (!IsAead(*suite)) {
    ASSIGN_OR_RETURN(key->cbc_, ossl::CbcHmacContext::Create(suite->cipher, suite->mac, material.enc_key.span(),
                                                             material.mac_key.span(),
                                                             material.direction == RecordDirection::kWrite
                                                                 ? ossl::CbcHmacContext::Direction::kSeal
                                                                 : ossl::CbcHmacContext::Direction::kOpen));
    if (material.version == ProtocolVersion::kTls10) {
      std::memcpy(key->chain_iv_.data(), material.iv.data(), ossl::kCbcBlockLength);
    }
    if (material.direction == RecordDirection::kRead) key->scratch_ = SecretBytes(kMaxCiphertextLength);
    key->mac_key_ = std::move(material.mac_key);
    key->enc_key_ = std::move(material.enc_key);
    key->iv_ = std::move(material.iv);
    return key;
  }
  if (key->tag_len_ != ossl::kAeadTagLength) return Error::kInternal;
  ASSIGN_OR_RETURN(key->aead_,
                   ossl::AeadContext::Create(suite->cipher, material.enc_key.span(),
                                             material.direction == RecordDirection::kWrite
                                                 ? ossl::AeadContext::Direction::kSeal
                                                 : ossl::AeadContext::Direction::kOpen));
  if (material.direction == RecordDirection::kRead) key->scratch_ = SecretBytes(kMaxPlaintextLength);
  key->mac_key_ = std::move(material.mac_key);
  key->enc_key_ = std::move(material.enc_key);
  key->iv_ = std::move(material.iv);
  return key;
}

std::size_t SessionKey::OpaqueBlobLength() const noexcept { return SessionKeyBlobLength(*suite_, version_); }

Status SessionKey::ExportOpaqueBlob(MutBytes out) noexcept {
  std::lock_guard<std::mutex> lock(mu_);  // a consistent snapshot of next_write_seq_ / chain_iv_
  SessionKeyBlobView view;
  view.suite = suite_;
  view.version = version_;
  view.direction = direction_;
  view.next_write_seq = direction_ == RecordDirection::kWrite ? next_write_seq_ : 0;
  view.mac_key = mac_key_.span();
  view.enc_key = enc_key_.span();
  view.iv = iv_.span();
  view.chain_iv = Bytes(chain_iv_.data(), ChainIvLength(*suite_, version_));
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
  if (!view.chain_iv.empty()) std::memcpy(key->chain_iv_.data(), view.chain_iv.data(), view.chain_iv.size());
  return key;
}

}  // namespace opensslp
