// tls13_aead.cpp - TLS 1.3 record protection (RFC 8446 §5.2-§5.4):
//   TLSCiphertext = opaque_type 23 ‖ legacy_record_version 0x0303 ‖ length ‖ encrypted_record;
//   encrypted_record = AEAD(key, nonce, additional_data = the 5-byte header,
//                           TLSInnerPlaintext = content ‖ ContentType ‖ zeros);
//   nonce = write_iv XOR (0^4 ‖ 64-bit sequence number) (§5.3).
// opensslp sends no padding. Opening returns the inner plaintext with its zero padding removed --
// the content followed by the real content type, so the caller learns the type from the last byte
// (the contract of SslDecryptPacket for TLS 1.3: docs/tls13.md). Limits (§5.2): a fragment over
// 2^14 + 256 bytes, an outer type other than 23, an inner plaintext of only zeros or with more than
// 2^14 bytes of content are malformed (kBadData); a bad tag is kBadRecord. A key is used by the
// sender to encrypt and by the receiver to decrypt, so it keeps a context for each direction.
#include <bit>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>

#include "ossl/aead.h"
#include "record/framing.h"
#include "record/protection.h"
#include "util/secret.h"

namespace opensslp {
namespace {

constexpr std::size_t kMaxTls13FragmentLength = kMaxPlaintextLength + 256;  // RFC 8446 §5.2
constexpr std::size_t kMaxInnerContentLength = kMaxPlaintextLength + 1;     // content + type byte

// All ones if x != 0, else 0; no branch.
inline std::uint64_t NonZeroMask(std::uint64_t x) noexcept { return 0 - ((x | (0 - x)) >> 63); }

// The 8 bytes at p as a little-endian number: byte k of memory is bits 8k..8k+7 on any host (one
// load on little-endian ones).
inline std::uint64_t LoadLe64(const std::uint8_t* p) noexcept {
  std::uint64_t x;
  std::memcpy(&x, p, sizeof x);
  if constexpr (std::endian::native == std::endian::big) {
    x = ((x & 0x00000000FFFFFFFFull) << 32) | (x >> 32);
    x = ((x & 0x0000FFFF0000FFFFull) << 16) | ((x >> 16) & 0x0000FFFF0000FFFFull);
    x = ((x & 0x00FF00FF00FF00FFull) << 8) | ((x >> 8) & 0x00FF00FF00FF00FFull);
  }
  return x;
}

// 1 + the index of the last non-zero byte of p[0, n), or 0 if all are zero, in time that depends on
// n only (RFC 8446 §5.4 padding: how much of the record was padding must not show). 32 bytes a step:
// the last block with a non-zero byte is kept (its four words and its end) with masks; then the
// last non-zero word of that block, then the last non-zero byte of that word, the same way. (A
// byte-at-a-time loop cost about 1 ns a byte, as much as the AES-GCM decryption of the record.)
constexpr std::size_t kScanWords = 4;
constexpr std::size_t kScanBlock = 8 * kScanWords;

struct LastBlock {
  std::uint64_t words[kScanWords] = {};
  std::uint64_t end = 0;  // offset just past the block, 0 while none was non-zero
  void Take(const std::uint8_t* block, std::uint64_t block_end) noexcept {
    std::uint64_t w[kScanWords], any = 0;
    for (std::size_t j = 0; j < kScanWords; ++j) {
      w[j] = LoadLe64(block + 8 * j);
      any |= w[j];
    }
    const std::uint64_t mask = NonZeroMask(any);
    for (std::size_t j = 0; j < kScanWords; ++j) words[j] ^= (words[j] ^ w[j]) & mask;
    end ^= (end ^ block_end) & mask;
  }
};

std::size_t LastNonZeroPlusOne(const std::uint8_t* p, std::size_t n) noexcept {
  LastBlock last;
  std::size_t i = 0;
  for (; i + kScanBlock <= n; i += kScanBlock) last.Take(p + i, i + kScanBlock);
  if (i < n) {  // the last n % 32 bytes, zero-extended (n is public)
    std::uint8_t tail[kScanBlock] = {};
    std::memcpy(tail, p + i, n - i);
    last.Take(tail, i + kScanBlock);
    SecureWipe(tail, sizeof tail);  // plaintext
  }
  std::uint64_t word = 0, word_end = 0;  // the block's last non-zero word, the offset past it
  for (std::size_t j = 0; j < kScanWords; ++j) {
    const std::uint64_t mask = NonZeroMask(last.words[j]);
    word ^= (word ^ last.words[j]) & mask;
    word_end ^= (word_end ^ (last.end - 8 * (kScanWords - 1 - j))) & mask;
  }
  std::uint64_t in_word = 0;  // 1 + the index of the word's last non-zero byte (little-endian order)
  for (std::uint64_t k = 0; k < 8; ++k) {
    const std::uint64_t mask = NonZeroMask((word >> (8 * k)) & 0xFF);
    in_word ^= (in_word ^ (k + 1)) & mask;
  }
  // All zero: word_end == 0 and the mask gives 0; otherwise the word's start + in_word.
  return static_cast<std::size_t>(NonZeroMask(word_end) & (word_end - 8 + in_word));
}

class Tls13AeadProtection final : public RecordProtection {
 public:
  Tls13AeadProtection(ossl::AeadContext seal, ossl::AeadContext open, Bytes iv) noexcept
      : seal_(std::move(seal)), open_(std::move(open)) {
    std::memcpy(iv_, iv.data(), sizeof iv_);
  }
  ~Tls13AeadProtection() override { SecureWipe(iv_, sizeof iv_); }

  std::size_t explicit_length() const noexcept override { return 0; }

  std::size_t SealedLength(std::size_t plaintext_len) const noexcept override {
    return kRecordHeaderLength + plaintext_len + 1 + ossl::kAeadTagLength;
  }

  // An upper bound: the inner plaintext with its padding; the padding is removed after decryption.
  Result<std::size_t> OpenedLength(std::size_t fragment_len) const noexcept override {
    if (fragment_len < 1 + ossl::kAeadTagLength || fragment_len > kMaxTls13FragmentLength) return Error::kBadData;
    return fragment_len - ossl::kAeadTagLength;
  }

  Status Seal(std::uint64_t seq, std::uint8_t type, const std::uint8_t* src, std::size_t in_len, std::uint8_t* out,
              std::size_t total) noexcept override {
    std::uint8_t* const body = out + kRecordHeaderLength;
    const std::size_t inner_len = in_len + 1;
    std::uint8_t header[kRecordHeaderLength];
    WriteTlsHeader(header, kContentApplicationData, ProtocolVersion::kTls12, inner_len + ossl::kAeadTagLength);
    std::uint8_t nonce[ossl::kAeadNonceLength];
    MakeNonce(seq, nonce);
    // The content is encrypted from where it is (in place, or from the caller's input, which the
    // key checked does not overlap the output) and the type byte after it: no copy of the content.
    Status sealed = seal_.SealWithTrailer(nonce, header, Bytes(src, in_len), type, MutBytes(body, inner_len),
                                          MutBytes(body + inner_len, ossl::kAeadTagLength));
    if (!sealed.ok()) {
      SecureWipe(out, total);
      return sealed.error();
    }
    std::memcpy(out, header, sizeof header);
    return Status::Ok();
  }

  Result<std::size_t> Open(std::uint64_t seq, const std::uint8_t* in, std::size_t in_len, std::size_t inner_bound,
                           std::uint8_t* out, std::size_t out_len, MutBytes scratch) noexcept override {
    (void)in_len;
    if (in[0] != kContentApplicationData) return Error::kBadData;  // RFC 8446 §5.2: opaque_type 23
    const std::uint8_t* const body = in + kRecordHeaderLength;
    std::uint8_t header[kRecordHeaderLength];
    std::memcpy(header, in, sizeof header);
    std::uint8_t tag[ossl::kAeadTagLength];
    std::memcpy(tag, body + inner_bound, sizeof tag);
    std::uint8_t nonce[ossl::kAeadNonceLength];
    MakeNonce(seq, nonce);
    // Decrypted into the key's scratch buffer and copied out only after the tag verified (as for
    // TLS 1.2): no unauthenticated plaintext reaches the caller's memory. Open wipes on failure.
    Status opened = open_.Open(nonce, header, Bytes(body, inner_bound), tag, scratch.first(inner_bound));
    if (!opened.ok()) return opened.error();
    // The last non-zero byte is the content type (§5.4). Scanned without branching on the data, so
    // the time does not tell how much padding there was.
    const std::size_t last_nonzero_plus_one = LastNonZeroPlusOne(scratch.data(), inner_bound);
    // Authenticated from here on: branching on the length is safe.
    if (last_nonzero_plus_one == 0 || last_nonzero_plus_one > kMaxInnerContentLength ||
        last_nonzero_plus_one > out_len) {
      SecureWipe(scratch.data(), inner_bound);
      return Error::kBadData;  // all padding (unexpected_message) or record_overflow
    }
    std::memcpy(out, scratch.data(), last_nonzero_plus_one);
    return last_nonzero_plus_one;
  }

  std::size_t scratch_length() const noexcept override { return kMaxTls13FragmentLength; }

 private:
  void MakeNonce(std::uint64_t seq, std::uint8_t* nonce) const noexcept {
    std::uint8_t padded[ossl::kAeadNonceLength] = {};
    StoreBe64(padded + 4, seq);
    for (std::size_t i = 0; i < ossl::kAeadNonceLength; ++i) nonce[i] = iv_[i] ^ padded[i];
  }

  ossl::AeadContext seal_;
  ossl::AeadContext open_;
  std::uint8_t iv_[ossl::kAeadNonceLength] = {};
};

}  // namespace

Result<std::unique_ptr<RecordProtection>> NewTls13AeadProtection(const CipherSuite& suite,
                                                                 const SessionKeyMaterial& material) {
  if (suite.tag_len != ossl::kAeadTagLength || material.iv.size() != ossl::kAeadNonceLength) return Error::kInternal;
  ASSIGN_OR_RETURN(ossl::AeadContext seal, ossl::AeadContext::Create(suite.cipher, material.enc_key.span(),
                                                                     ossl::AeadContext::Direction::kSeal));
  ASSIGN_OR_RETURN(ossl::AeadContext open, ossl::AeadContext::Create(suite.cipher, material.enc_key.span(),
                                                                     ossl::AeadContext::Direction::kOpen));
  auto* protection = new (std::nothrow) Tls13AeadProtection(std::move(seal), std::move(open), material.iv.span());
  if (protection == nullptr) return Error::kNoMemory;
  return std::unique_ptr<RecordProtection>(protection);
}

}  // namespace opensslp
