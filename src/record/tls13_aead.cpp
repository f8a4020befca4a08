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
#include "util/constant_time.h"
#include "util/secret.h"

namespace opensslp {
namespace {

constexpr std::size_t kMaxTls13FragmentLength = kMaxPlaintextLength + 256;  // RFC 8446 §5.2
constexpr std::size_t kMaxInnerContentLength = kMaxPlaintextLength + 1;     // content + type byte

// Finding the content type (RFC 8446 §5.4: the last non-zero byte of the inner plaintext) must
// not show how much of the record was padding, so the scan below has no branch and no memory
// access that depends on the data: its time depends on the length only. It is fused with the copy
// to the caller (one pass over the plaintext instead of a scan and then a memcpy), and it runs on
// 16-byte vectors of the GCC/Clang vector extensions (SSE2 on x86-64, NEON on AArch64; no
// intrinsics, no CPU dispatch). (The first version went a byte at a time, about 1 ns a byte; the
// second eight bytes at a time, keeping the last non-zero 32-byte block with masks, ~1.2 µs for
// 16 KiB plus the copy; bench/README.md has the figures.)
//
// The plaintext is cut into 240-byte blocks (15 vectors): in a block, each byte lane keeps the
// largest "1 + offset in the block" at which it saw a non-zero byte (one compare, one and-not, one
// unsigned byte max per vector; 240 still fits a byte). At the end of a block the lanes are
// folded to 16-bit lanes, offset by the block's start where non-zero, and kept with a 16-bit max.
// The result is the largest over all lanes: 1 + the index of the last non-zero byte, 0 if none.
typedef std::uint8_t U8x16 __attribute__((vector_size(16)));
typedef std::uint16_t U16x8 __attribute__((vector_size(16)));
typedef std::int16_t I16x8 __attribute__((vector_size(16)));

constexpr std::size_t kVector = 16;
constexpr std::size_t kBlockVectors = 15;
constexpr std::size_t kBlock = kVector * kBlockVectors;  // 240: 1 + an offset in a block fits a byte
// Block starts + 240 must fit the signed 16-bit lanes.
static_assert(kMaxTls13FragmentLength + kBlock <= 0x7FFF);

// Copies `count` vectors (count <= kBlockVectors) from src to dst (src == dst allowed: each vector
// is loaded before it is stored) and folds 1 + the offset of their last non-zero byte, counted
// from `start`, into `best`.
inline void CopyAndScanBlock(const std::uint8_t* src, std::uint8_t* dst, std::size_t count, std::size_t start,
                             I16x8& best) noexcept {
  U8x16 pos = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};  // 1 + the offset in the block
  U8x16 last = {};
  for (std::size_t k = 0; k < count; ++k) {
    U8x16 v;
    std::memcpy(&v, src + kVector * k, kVector);
    std::memcpy(dst + kVector * k, &v, kVector);
    const U8x16 here = pos & ~std::bit_cast<U8x16>(v == 0);  // a compare gives all-ones lanes
    last = last > here ? last : here;                        // lane-wise max (pmaxub), no branch
    pos += static_cast<std::uint8_t>(kVector);
  }
  // Pairs of byte lanes as 16-bit lanes: the larger half of each (byte order does not matter).
  const U16x8 pairs = std::bit_cast<U16x8>(last);
  const I16x8 lo = std::bit_cast<I16x8>(pairs & 0xFF), hi = std::bit_cast<I16x8>(pairs >> 8);
  const I16x8 in_block = lo > hi ? lo : hi;
  const I16x8 at = (in_block + static_cast<std::int16_t>(start)) & ~std::bit_cast<I16x8>(in_block == 0);
  best = best > at ? best : at;
}

// Copies src[0, n) to dst and returns 1 + the index of the last non-zero byte of src[0, n), or 0 if
// all are zero, in time that depends on n only. n <= kMaxTls13FragmentLength; src and dst do not
// overlap.
std::size_t CopyAndFindLastNonZero(const std::uint8_t* src, std::uint8_t* dst, std::size_t n) noexcept {
  I16x8 best = {};
  std::size_t i = 0;
  for (; i + kBlock <= n; i += kBlock) CopyAndScanBlock(src + i, dst + i, kBlockVectors, i, best);
  const std::size_t whole = (n - i) / kVector;  // n is public: these branches are on the length
  if (whole != 0) CopyAndScanBlock(src + i, dst + i, whole, i, best);
  i += whole * kVector;
  if (i < n) {  // the last n % 16 bytes, zero-extended
    std::uint8_t tail[kVector] = {};
    std::memcpy(tail, src + i, n - i);
    CopyAndScanBlock(tail, tail, 1, i, best);
    std::memcpy(dst + i, tail, n - i);
    SecureWipe(tail, sizeof tail);  // plaintext
  }
  // The largest lane, with arithmetic masks (r, x < 2^15: r - x wraps to a set top bit iff r < x).
  std::uint64_t r = 0;
  for (std::size_t j = 0; j < 8; ++j) {
    const std::uint64_t x = static_cast<std::uint16_t>(best[j]);
    r ^= (r ^ x) & (0 - ((r - x) >> 63));
  }
  return static_cast<std::size_t>(r);
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
    // The whole inner plaintext, padding included, is written to `out` (the key checked this too).
    if (out_len < inner_bound) return Error::kBufferTooSmall;
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
    // Authenticated from here on. The last non-zero byte is the content type (§5.4): found while the
    // whole inner plaintext is copied out, without branching on the data, so the time does not tell
    // how much padding there was. (`out` may alias the input's body: the ciphertext is consumed.)
    std::size_t last_nonzero_plus_one = CopyAndFindLastNonZero(scratch.data(), out, inner_bound);
    // The content length is returned to the caller: public from here on (the padding bytes are not
    // the caller's, but their number is the record length minus what the caller is told).
    CtDeclassify(&last_nonzero_plus_one, sizeof last_nonzero_plus_one);
    // Branching on the length is safe now; the padding (zeros) after it is not counted.
    if (last_nonzero_plus_one == 0 || last_nonzero_plus_one > kMaxInnerContentLength) {
      // All padding (unexpected_message) or record_overflow: authentic, but rejected, so no
      // plaintext is left with the caller either.
      SecureWipe(out, inner_bound);
      SecureWipe(scratch.data(), inner_bound);
      return Error::kBadData;
    }
    // The scratch is not wiped after success (as for TLS 1.2): it holds only what the caller has
    // just received, is overwritten by the next record and wiped when the key is freed.
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
