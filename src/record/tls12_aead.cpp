// tls12_aead.cpp - TLS 1.2 AEAD record protection (RFC 5246 §6.2.3.3):
//   AES-GCM (RFC 5288 §3):  fragment = explicit_nonce(8) ‖ ciphertext ‖ tag(16);
//                           nonce = salt(4, key-block IV) ‖ explicit_nonce; opensslp sends
//                           explicit_nonce = the 64-bit sequence number (RFC 5288 §3 allows it,
//                           and it is what OpenSSL, BoringSSL and Schannel send).
//   ChaCha20-Poly1305 (RFC 7905 §2): fragment = ciphertext ‖ tag(16);
//                           nonce = fixed IV(12) XOR (0(4) ‖ seq(8)).
//   Both: additional_data = seq(8) ‖ type ‖ version ‖ plaintext length(2).
#include <cstring>
#include <memory>
#include <new>

#include "ossl/aead.h"
#include "record/framing.h"
#include "record/protection.h"
#include "util/secret.h"

namespace opensslp {
namespace {

class Tls12AeadProtection final : public RecordProtection {
 public:
  Tls12AeadProtection(ProtocolVersion version, std::size_t explicit_len, std::size_t tag_len, ossl::AeadContext context,
                      Bytes iv) noexcept
      : version_(version), explicit_len_(explicit_len), tag_len_(tag_len), aead_(std::move(context)) {
    std::memcpy(iv_, iv.data(), iv.size() < sizeof iv_ ? iv.size() : sizeof iv_);
  }
  ~Tls12AeadProtection() override { SecureWipe(iv_, sizeof iv_); }

  std::size_t explicit_length() const noexcept override { return explicit_len_; }

  std::size_t SealedLength(std::size_t plaintext_len) const noexcept override {
    return kRecordHeaderLength + explicit_len_ + plaintext_len + tag_len_;
  }

  Result<std::size_t> OpenedLength(std::size_t fragment_len) const noexcept override {
    if (fragment_len < explicit_len_ + tag_len_) return Error::kBadData;
    const std::size_t plaintext_len = fragment_len - explicit_len_ - tag_len_;
    // RFC 5246 §6.2.3: a fragment that decrypts to more than 2^14 bytes is a record_overflow. For an
    // AEAD the plaintext length follows from the public record length, so this check leaks nothing.
    if (plaintext_len > kMaxPlaintextLength) return Error::kBadData;
    return plaintext_len;
  }

  Status Seal(std::uint64_t seq, std::uint8_t type, const std::uint8_t* src, std::size_t in_len, std::uint8_t* out,
              std::size_t total) noexcept override {
    std::uint8_t* const fragment = out + kRecordHeaderLength;
    std::uint8_t* const body = fragment + explicit_len_;
    std::uint8_t explicit_nonce[8];
    StoreBe64(explicit_nonce, seq);
    std::uint8_t nonce[ossl::kAeadNonceLength];
    MakeNonce(seq, explicit_nonce, nonce);
    std::uint8_t aad[kTls12PseudoHeaderLength];
    WriteTls12PseudoHeader(aad, seq, type, version_, in_len);
    // (The nonce is public -- sent in the record, or IV XOR seq with a public seq -- so it is not
    // wiped: the per-record path does no work that protects nothing.)
    Status sealed =
        aead_.Seal(nonce, aad, Bytes(src, in_len), MutBytes(body, in_len), MutBytes(body + in_len, tag_len_));
    if (!sealed.ok()) {
      SecureWipe(out, total);
      return sealed.error();
    }
    WriteTlsHeader(out, type, version_, total - kRecordHeaderLength);
    if (explicit_len_ != 0) std::memcpy(fragment, explicit_nonce, explicit_len_);
    return Status::Ok();
  }

  Result<std::size_t> Open(std::uint64_t seq, const std::uint8_t* in, std::size_t in_len, std::size_t plaintext_len,
                           std::uint8_t* out, std::size_t out_len, MutBytes scratch) noexcept override {
    (void)in_len;
    (void)out_len;  // plaintext_len <= out_len was checked by the key
    const std::uint8_t* const fragment = in + kRecordHeaderLength;
    const std::uint8_t* const body = fragment + explicit_len_;
    // Everything the output may overwrite is read first: header fields, explicit nonce, tag.
    const std::uint8_t type = in[0];
    std::uint8_t nonce[ossl::kAeadNonceLength];
    MakeNonce(seq, fragment, nonce);
    std::uint8_t aad[kTls12PseudoHeaderLength];
    WriteTls12PseudoHeader(aad, seq, type, version_, plaintext_len);
    std::uint8_t tag[ossl::kAeadTagLength];
    std::memcpy(tag, body + plaintext_len, tag_len_);
    // EVP's AEAD decryption releases plaintext before it checks the tag (only Final verifies), so
    // the plaintext is produced in the key's scratch buffer and copied to `out` only after the tag
    // has verified: unauthenticated plaintext never reaches caller memory, in place or not, and a
    // failed call leaves the caller's input untouched. (Costs one copy of the fragment;
    // bench/README.md has the figures.) aead_.Open wipes the scratch on failure.
    Status opened = aead_.Open(nonce, aad, Bytes(body, plaintext_len), tag, scratch.first(plaintext_len));
    if (!opened.ok()) return opened.error();
    // `out` may overlap the input (in place); the ciphertext has been consumed. The scratch is not
    // wiped after success: it holds only what the caller has just received, is overwritten by the
    // next record and wiped when the key is freed.
    if (plaintext_len != 0) std::memcpy(out, scratch.data(), plaintext_len);
    return plaintext_len;
  }

  std::size_t scratch_length() const noexcept override { return kMaxPlaintextLength; }

 private:
  // AES-GCM: salt ‖ explicit nonce (RFC 5288 §3). ChaCha20-Poly1305: the 64-bit sequence number,
  // big-endian and left-padded to 12 bytes, XORed with the fixed IV (RFC 7905 §2).
  void MakeNonce(std::uint64_t seq, const std::uint8_t* explicit_nonce, std::uint8_t* nonce) const noexcept {
    if (explicit_len_ != 0) {
      std::memcpy(nonce, iv_, 4);
      std::memcpy(nonce + 4, explicit_nonce, 8);
    } else {
      std::uint8_t padded[ossl::kAeadNonceLength] = {};
      StoreBe64(padded + 4, seq);
      for (std::size_t i = 0; i < ossl::kAeadNonceLength; ++i) nonce[i] = iv_[i] ^ padded[i];
    }
  }

  const ProtocolVersion version_;
  const std::size_t explicit_len_;  // RecordIvLength: GCM 8, ChaCha20-Poly1305 0
  const std::size_t tag_len_;
  ossl::AeadContext aead_;
  std::uint8_t iv_[ossl::kAeadNonceLength] = {};  // GCM: the 4-byte salt; ChaCha20: the 12-byte IV
};

}  // namespace

Result<std::unique_ptr<RecordProtection>> NewTls12AeadProtection(const CipherSuite& suite, ProtocolVersion version,
                                                                 const SessionKeyMaterial& material) {
  if (suite.tag_len != ossl::kAeadTagLength || material.iv.size() > ossl::kAeadNonceLength) return Error::kInternal;
  ASSIGN_OR_RETURN(ossl::AeadContext context, ossl::AeadContext::Create(suite.cipher, material.enc_key.span(),
                                                                        material.direction == RecordDirection::kWrite
                                                                            ? ossl::AeadContext::Direction::kSeal
                                                                            : ossl::AeadContext::Direction::kOpen));
  auto* protection = new (std::nothrow) Tls12AeadProtection(version, RecordIvLength(suite, version), suite.tag_len,
                                                            std::move(context), material.iv.span());
  if (protection == nullptr) return Error::kNoMemory;
  return std::unique_ptr<RecordProtection>(protection);
}

}  // namespace opensslp
