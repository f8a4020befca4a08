// tls12_cbc.cpp - TLS 1.0-1.2 AES-CBC + HMAC record protection, MAC-then-encrypt (RFC 5246
// §6.2.3.2; RFC 2246 / RFC 4346 §6.2.3.2):
//   fragment = [explicit IV(16), TLS 1.1+] ‖ E(data ‖ MAC ‖ padding);
//   MAC = HMAC(mac_key, seq ‖ type ‖ version ‖ length ‖ data); minimal padding.
// TLS 1.0 has no explicit IV: the first record uses the key-block IV and each later one the last
// ciphertext block of the previous record (RFC 2246 §6.2.3.2) -- the one piece of state a key
// carries from record to record (hence hKey is _Inout_). TLS 1.1+ sends a fresh random IV per
// record (RFC 4346 §6.2.3.2 option 2a). Decryption checks padding and MAC in constant time: that
// code is ossl/cbc.h's, and nothing here branches on a secret before authentication.
#include <cstring>
#include <memory>
#include <new>
#include <span>

#include "ossl/cbc.h"
#include "ossl/library.h"
#include "record/framing.h"
#include "record/protection.h"
#include "util/secret.h"

namespace opensslp {
namespace {

class Tls12CbcProtection final : public RecordProtection {
 public:
  Tls12CbcProtection(ProtocolVersion version, std::size_t explicit_len, ossl::CbcHmacContext context,
                     Bytes initial_iv) noexcept
      : version_(version), explicit_len_(explicit_len), cbc_(std::move(context)) {
    if (explicit_len_ == 0 && initial_iv.size() == ossl::kCbcBlockLength) {
      std::memcpy(chain_iv_.data(), initial_iv.data(), ossl::kCbcBlockLength);
    }
  }

  std::size_t explicit_length() const noexcept override { return explicit_len_; }

  std::size_t SealedLength(std::size_t plaintext_len) const noexcept override {
    return kRecordHeaderLength + explicit_len_ + cbc_.PaddedLength(plaintext_len);
  }

  Result<std::size_t> OpenedLength(std::size_t fragment_len) const noexcept override {
    // RFC 5246 §6.2.3.2: whole cipher blocks, at least one block's worth of MAC + padding byte.
    // Public facts, so these are malformed records, not authentication failures.
    if (fragment_len < explicit_len_) return Error::kBadData;
    const std::size_t ct_len = fragment_len - explicit_len_;
    if (ct_len % ossl::kCbcBlockLength != 0 || ct_len < cbc_.PaddedLength(0)) return Error::kBadData;
    return ct_len - cbc_.mac_length() - 1;
  }

  Status Seal(std::uint64_t seq, std::uint8_t type, const std::uint8_t* src, std::size_t in_len, std::uint8_t* out,
              std::size_t total) noexcept override {
    std::uint8_t* const fragment = out + kRecordHeaderLength;
    std::uint8_t* const body = fragment + explicit_len_;
    if (src != body && in_len != 0) std::memcpy(body, src, in_len);  // no overlap (checked by the key)
    std::uint8_t mac_header[kTls12PseudoHeaderLength];
    WriteTls12PseudoHeader(mac_header, seq, type, version_, in_len);
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
    WriteTlsHeader(out, type, version_, total - kRecordHeaderLength);
    if (explicit_len_ != 0) {
      std::memcpy(fragment, iv, sizeof iv);
    } else {
      // TLS 1.0: the next record's IV is this record's last ciphertext block (RFC 2246 §6.2.3.2).
      std::memcpy(chain_iv_.data(), out + total - ossl::kCbcBlockLength, ossl::kCbcBlockLength);
    }
    return Status::Ok();
  }

  // Decrypts into the key's scratch buffer, verifies in constant time, then copies out.
  Result<std::size_t> Open(std::uint64_t seq, const std::uint8_t* in, std::size_t in_len, std::size_t plaintext_bound,
                           std::uint8_t* out, std::size_t out_len, MutBytes scratch) noexcept override {
    (void)plaintext_bound;
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

    auto opened = cbc_.Open(header11, Bytes(ct, ct_len), iv, scratch);
    if (!opened.ok()) return opened.error();
    const std::size_t data_len = opened.value();
    // Authenticated from here on: branching on the length is safe.
    if (data_len > kMaxPlaintextLength || data_len > out_len) {  // RFC 5246 §6.2.1 record_overflow
      SecureWipe(scratch.data(), ct_len);
      return Error::kBadData;
    }
    if (data_len != 0) std::memmove(out, scratch.data(), data_len);
    SecureWipe(scratch.data(), ct_len);
    if (explicit_len_ == 0) std::memcpy(chain_iv_.data(), next_iv, sizeof next_iv);
    return data_len;
  }

  Bytes chained_state() const noexcept override {
    return explicit_len_ == 0 ? Bytes(chain_iv_.data(), ossl::kCbcBlockLength) : Bytes();
  }
  void RestoreChainedState(Bytes state) noexcept override {
    if (explicit_len_ == 0 && state.size() == ossl::kCbcBlockLength) {
      std::memcpy(chain_iv_.data(), state.data(), ossl::kCbcBlockLength);
    }
  }

  std::size_t scratch_length() const noexcept override { return kMaxCiphertextLength; }

 private:
  const ProtocolVersion version_;
  const std::size_t explicit_len_;  // RecordIvLength: TLS 1.0 0, TLS 1.1+ 16
  ossl::CbcHmacContext cbc_;
  SecretArray<ossl::kCbcBlockLength> chain_iv_;  // TLS 1.0: the IV of the next record
};

}  // namespace

Result<std::unique_ptr<RecordProtection>> NewTls12CbcProtection(const CipherSuite& suite, ProtocolVersion version,
                                                                const SessionKeyMaterial& material) {
  ASSIGN_OR_RETURN(ossl::CbcHmacContext context,
                   ossl::CbcHmacContext::Create(
                       suite.cipher, suite.mac, material.enc_key.span(), material.mac_key.span(),
                       material.direction == RecordDirection::kWrite ? ossl::CbcHmacContext::Direction::kSeal
                                                                     : ossl::CbcHmacContext::Direction::kOpen));
  auto* protection = new (std::nothrow)
      Tls12CbcProtection(version, RecordIvLength(suite, version), std::move(context), material.iv.span());
  if (protection == nullptr) return Error::kNoMemory;
  return std::unique_ptr<RecordProtection>(protection);
}

}  // namespace opensslp
