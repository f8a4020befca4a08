// cbc.cpp - TLS AES-CBC + HMAC (MAC-then-encrypt) with a constant-time open. See cbc.h.
//
// SHA1/SHA256/SHA512_Transform and the SHA*_CTX structs are deprecated in OpenSSL 3.0 but are the
// only allocation-free way to drive the compression function directly.
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include "ossl/cbc.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <climits>
#include <cstring>
#include <memory>
#include <utility>

#include "ossl/fetched_algorithm.h"
#include "ossl/library.h"
#include "ossl/ossl_ptr.h"
#include "util/constant_time.h"

namespace opensslp::ossl {
namespace {

// ---- constant-time helpers (all-ones / all-zero masks; the same idioms as OpenSSL's
// include/internal/constant_time.h and BoringSSL's crypto/internal.h).
inline std::size_t CtMsb(std::size_t a) { return 0 - (a >> (sizeof(a) * 8 - 1)); }
inline std::size_t CtLt(std::size_t a, std::size_t b) { return CtMsb(a ^ ((a ^ b) | ((a - b) ^ b))); }
inline std::size_t CtGe(std::size_t a, std::size_t b) { return ~CtLt(a, b); }
inline std::size_t CtIsZero(std::size_t a) { return CtMsb(~a & (a - 1)); }
inline std::size_t CtEq(std::size_t a, std::size_t b) { return CtIsZero(a ^ b); }
inline std::uint8_t Ct8(std::size_t mask) { return static_cast<std::uint8_t>(mask); }

// ---- hash traits over OpenSSL's low-level SHA API.
struct Sha1 {
  using Ctx = SHA_CTX;
  static constexpr std::size_t kBlock = 64, kLengthBytes = 8, kDigest = 20;
  static void Init(Ctx* c) { SHA1_Init(c); }
  static void Update(Ctx* c, const void* d, std::size_t n) { SHA1_Update(c, d, n); }
  static void Final(std::uint8_t* md, Ctx* c) { SHA1_Final(md, c); }
  static void Transform(Ctx* c, const std::uint8_t* block) { SHA1_Transform(c, block); }
  static void State(const Ctx* c, std::uint8_t* out) {  // the chaining value, big-endian
    StoreBe32(out, c->h0);
    StoreBe32(out + 4, c->h1);
    StoreBe32(out + 8, c->h2);
    StoreBe32(out + 12, c->h3);
    StoreBe32(out + 16, c->h4);
  }
};
struct Sha256 {
  using Ctx = SHA256_CTX;
  static constexpr std::size_t kBlock = 64, kLengthBytes = 8, kDigest = 32;
  static void Init(Ctx* c) { SHA256_Init(c); }
  static void Update(Ctx* c, const void* d, std::size_t n) { SHA256_Update(c, d, n); }
  static void Final(std::uint8_t* md, Ctx* c) { SHA256_Final(md, c); }
  static void Transform(Ctx* c, const std::uint8_t* block) { SHA256_Transform(c, block); }
  static void State(const Ctx* c, std::uint8_t* out) {
    for (int i = 0; i < 8; ++i) StoreBe32(out + 4 * i, c->h[i]);
  }
};
struct Sha384 {
  using Ctx = SHA512_CTX;
  static constexpr std::size_t kBlock = 128, kLengthBytes = 16, kDigest = 48;
  static void Init(Ctx* c) { SHA384_Init(c); }
  static void Update(Ctx* c, const void* d, std::size_t n) { SHA384_Update(c, d, n); }
  static void Final(std::uint8_t* md, Ctx* c) { SHA384_Final(md, c); }
  static void Transform(Ctx* c, const std::uint8_t* block) { SHA512_Transform(c, block); }
  static void State(const Ctx* c, std::uint8_t* out) {  // SHA-384 = the first 6 words
    for (int i = 0; i < 6; ++i) {
      const std::uint64_t w = c->h[i];
      StoreBe32(out + 8 * i, static_cast<std::uint32_t>(w >> 32));
      StoreBe32(out + 8 * i + 4, static_cast<std::uint32_t>(w));
    }
  }
};

inline constexpr std::size_t kMacHeaderLength = 13;  // seq ‖ type ‖ version ‖ length

// HMAC (RFC 2104) with the key absorbed once: `inner` has processed key ^ ipad, `outer` key ^ opad.
template <class H>
struct Hmac {
  typename H::Ctx inner, outer;

  void SetKey(Bytes key) {
    std::uint8_t pad[H::kBlock];
    std::memset(pad, 0, sizeof pad);
    std::memcpy(pad, key.data(), key.size());  // key.size() <= kDigest < kBlock (catalog)
    for (auto& b : pad) b ^= 0x36;
    H::Init(&inner);
    H::Update(&inner, pad, H::kBlock);
    for (auto& b : pad) b ^= 0x36 ^ 0x5c;
    H::Init(&outer);
    H::Update(&outer, pad, H::kBlock);
    OPENSSL_cleanse(pad, sizeof pad);
  }

  void Outer(const std::uint8_t* inner_digest, std::uint8_t* mac) const {
    typename H::Ctx o = outer;
    H::Update(&o, inner_digest, H::kDigest);
    H::Final(mac, &o);
    OPENSSL_cleanse(&o, sizeof o);
  }

  // Plain HMAC over header ‖ data (the data length is public when sealing).
  void Compute(const std::uint8_t* header, const std::uint8_t* data, std::size_t len, std::uint8_t* mac) const {
    typename H::Ctx c = inner;
    std::uint8_t d[H::kDigest];
    H::Update(&c, header, kMacHeaderLength);
    if (len != 0) H::Update(&c, data, len);
    H::Final(d, &c);
    Outer(d, mac);
    OPENSSL_cleanse(&c, sizeof c);
    OPENSSL_cleanse(d, sizeof d);
  }

  // ---- begin constant-time region.
  // HMAC over header ‖ data[0..data_len) where data_len is secret and at most max_data_len
  // (public). The inner hash runs the compression function over every block a message of
  // max_data_len bytes needs; each block is assembled with masks (message byte, the 0x80
  // terminator, zeros, the bit length) and the chaining value after the block that really ends
  // the message is kept by masking. Memory accesses and the number of compressions depend only on
  // max_data_len.
  void ComputeConstantTime(const std::uint8_t* header, const std::uint8_t* data, std::size_t data_len,
                           std::size_t max_data_len, std::uint8_t* mac) const {
    constexpr std::size_t B = H::kBlock, L = H::kLengthBytes;
    const std::size_t len = kMacHeaderLength + data_len;          // secret
    const std::size_t max_len = kMacHeaderLength + max_data_len;  // public
    // The block holding the 0x80 byte, and the block holding the length (the next one when the
    // length field does not fit after the 0x80 byte).
    const std::size_t index_a = len / B;
    const std::size_t index_b = index_a + (1 & ~CtLt((len % B) + 1 + L - 1, B));
    const std::size_t num_blocks = (max_len + 1 + L + B - 1) / B;
    // Bit length of the inner message, which includes the key ^ ipad block.
    const std::uint64_t bits = static_cast<std::uint64_t>(B + len) * 8;
    std::uint8_t length_field[L];
    std::memset(length_field, 0, L);
    for (std::size_t i = 0; i < 8; ++i) length_field[L - 1 - i] = static_cast<std::uint8_t>(bits >> (8 * i));

    typename H::Ctx c = inner;
    std::uint8_t block[B];
    std::uint8_t state[64];
    std::uint8_t result[64];
    std::memset(result, 0, sizeof result);
    // Blocks that lie wholly before the shortest message the record can hold (at most 256
    // padding bytes, RFC 5246 §6.2.3.2) are plain message bytes whatever the padding was: a public
    // fact, so they are hashed directly (libssl's "variance_blocks" optimisation).
    const std::size_t min_len = kMacHeaderLength + (max_data_len > 256 ? max_data_len - 256 : 0);
    const std::size_t fixed_blocks = min_len / B;
    for (std::size_t i = 0; i < fixed_blocks; ++i) {
      if (i == 0) {
        std::memcpy(block, header, kMacHeaderLength);
        std::memcpy(block + kMacHeaderLength, data, B - kMacHeaderLength);
        H::Transform(&c, block);
      } else {
        H::Transform(&c, data + i * B - kMacHeaderLength);
      }
    }
    for (std::size_t i = fixed_blocks; i < num_blocks; ++i) {
      const std::uint8_t is_block_b = Ct8(CtEq(i, index_b));
      for (std::size_t j = 0; j < B; ++j) {
        const std::size_t pos = i * B + j;  // public
        std::uint8_t b = 0;
        if (pos < kMacHeaderLength) {
          b = header[pos];
        } else if (pos < max_len) {
          b = data[pos - kMacHeaderLength];
        }
        const std::uint8_t past_end = Ct8(CtGe(pos, len));
        const std::uint8_t past_terminator = Ct8(CtGe(pos, len + 1));
        b = static_cast<std::uint8_t>((past_end & 0x80) | (~past_end & b));
        b = static_cast<std::uint8_t>(b & ~past_terminator);
        if (j >= B - L) b = static_cast<std::uint8_t>(b | (is_block_b & length_field[j - (B - L)]));
        block[j] = b;
      }
      H::Transform(&c, block);
      H::State(&c, state);
      for (std::size_t k = 0; k < H::kDigest; ++k) result[k] |= static_cast<std::uint8_t>(state[k] & is_block_b);
    }
    Outer(result, mac);
    OPENSSL_cleanse(&c, sizeof c);
    OPENSSL_cleanse(block, sizeof block);
    OPENSSL_cleanse(state, sizeof state);
    OPENSSL_cleanse(result, sizeof result);
  }
  // ---- end constant-time region
};

// Kept from the first successful fetch for the life of the process; a failed fetch is retried at
// the next use (fetched_algorithm.h).
constinit FetchedCipher g_aes128cbc("AES-128-CBC");
constinit FetchedCipher g_aes256cbc("AES-256-CBC");

}  // namespace

struct CbcHmacContext::Impl {
  EvpCipherCtxPtr evp;
  MacAlgorithm mac;
  Direction direction;
  Hmac<Sha1> sha1;
  Hmac<Sha256> sha256;
  Hmac<Sha384> sha384;

  ~Impl() {
    OPENSSL_cleanse(&sha1, sizeof sha1);
    OPENSSL_cleanse(&sha256, sizeof sha256);
    OPENSSL_cleanse(&sha384, sizeof sha384);
  }

  void Mac(const std::uint8_t* header, const std::uint8_t* data, std::size_t len, std::uint8_t* out) const {
    switch (mac) {
      case MacAlgorithm::kHmacSha1: sha1.Compute(header, data, len, out); break;
      case MacAlgorithm::kHmacSha256: sha256.Compute(header, data, len, out); break;
      default: sha384.Compute(header, data, len, out); break;
    }
  }
  void MacConstantTime(const std::uint8_t* header, const std::uint8_t* data, std::size_t len, std::size_t max_len,
                       std::uint8_t* out) const {
    switch (mac) {
      case MacAlgorithm::kHmacSha1: sha1.ComputeConstantTime(header, data, len, max_len, out); break;
      case MacAlgorithm::kHmacSha256: sha256.ComputeConstantTime(header, data, len, max_len, out); break;
      default: sha384.ComputeConstantTime(header, data, len, max_len, out); break;
    }
  }
  // CBC over whole blocks with a fresh IV; in == out allowed.
  bool Cipher(const std::uint8_t* iv, const std::uint8_t* in, std::size_t len, std::uint8_t* out) {
    int outl = 0;
    return len <= INT_MAX && EVP_CipherInit_ex2(evp.get(), nullptr, nullptr, iv, -1, nullptr) == 1 &&
           EVP_CipherUpdate(evp.get(), out, &outl, in, static_cast<int>(len)) == 1 &&
           static_cast<std::size_t>(outl) == len;
  }
};

Result<CbcHmacContext> CbcHmacContext::Create(BulkCipher cipher, MacAlgorithm mac, Bytes enc_key, Bytes mac_key,
                                              Direction direction) {
  if (ModeOf(cipher) != CipherMode::kCbc || mac == MacAlgorithm::kAead) return Error::kInvalidParameter;
  if (enc_key.size() != CipherKeyLength(cipher) || mac_key.size() != MacLength(mac)) return Error::kInvalidParameter;
  FetchedCipher* fetched = cipher == BulkCipher::kAes128Cbc   ? &g_aes128cbc
                           : cipher == BulkCipher::kAes256Cbc ? &g_aes256cbc
                                                              : nullptr;
  if (fetched == nullptr) return Error::kNotSupported;
  const EVP_CIPHER* algorithm = fetched->Get();
  // Memory ran out in the first fetch (kNoMemory; the next Create fetches again), or the library
  // has no such cipher (kNotSupported).
  if (algorithm == nullptr) return ConsumeErrorQueue(Error::kNotSupported);
  auto impl = std::make_unique<Impl>();
  impl->evp.reset(EVP_CIPHER_CTX_new());
  if (impl->evp == nullptr) return Error::kNoMemory;
  impl->mac = mac;
  impl->direction = direction;
  if (EVP_CipherInit_ex2(impl->evp.get(), algorithm, enc_key.data(), nullptr, direction == Direction::kSeal ? 1 : 0,
                         nullptr) != 1 ||
      EVP_CIPHER_CTX_set_padding(impl->evp.get(), 0) != 1) {
    return Error::kInternal;
  }
  switch (mac) {
    case MacAlgorithm::kHmacSha1: impl->sha1.SetKey(mac_key); break;
    case MacAlgorithm::kHmacSha256: impl->sha256.SetKey(mac_key); break;
    default: impl->sha384.SetKey(mac_key); break;
  }
  CbcHmacContext out;
  out.impl_ = impl.release();
  out.mac_len_ = MacLength(mac);
  return out;
}

CbcHmacContext::CbcHmacContext(CbcHmacContext&& other) noexcept : impl_(other.impl_), mac_len_(other.mac_len_) {
  other.impl_ = nullptr;
}

CbcHmacContext& CbcHmacContext::operator=(CbcHmacContext&& other) noexcept {
  if (this != &other) {
    delete impl_;
    impl_ = other.impl_;
    mac_len_ = other.mac_len_;
    other.impl_ = nullptr;
  }
  return *this;
}

CbcHmacContext::~CbcHmacContext() { delete impl_; }

Status CbcHmacContext::Seal(const std::uint8_t* mac_header, std::uint8_t* buf, std::size_t data_len,
                            const std::uint8_t* iv) noexcept {
  if (impl_ == nullptr) return Error::kInvalidHandle;
  if (impl_->direction != Direction::kSeal) return Error::kBadKeyState;
  impl_->Mac(mac_header, buf, data_len, buf + data_len);
  // RFC 5246 §6.2.3.2: every padding byte, and the padding_length byte, hold padding_length.
  const std::size_t total = PaddedLength(data_len);
  const std::size_t pad = total - data_len - mac_len_;  // 1..16 bytes including the length byte
  std::memset(buf + data_len + mac_len_, static_cast<int>(pad - 1), pad);
  if (!impl_->Cipher(iv, buf, total, buf)) {
    OPENSSL_cleanse(buf, total);
    return Error::kInternal;
  }
  return Status::Ok();
}

Result<std::size_t> CbcHmacContext::Open(const std::uint8_t* header11, Bytes ct, const std::uint8_t* iv,
                                         MutBytes scratch) noexcept {
  if (impl_ == nullptr) return Error::kInvalidHandle;
  if (impl_->direction != Direction::kOpen) return Error::kBadKeyState;
  const std::size_t n = ct.size();
  if (n % kCbcBlockLength != 0 || n < PaddedLength(0) || scratch.size() < n) return Error::kInvalidParameter;
  if (!impl_->Cipher(iv, ct.data(), n, scratch.data())) {
    OPENSSL_cleanse(scratch.data(), n);  // a partly decrypted, unauthenticated fragment
    return Error::kInternal;
  }
  const std::uint8_t* p = scratch.data();

  // ---- begin constant-time region: nothing below branches on or indexes by the padding, the
  // data length or the MAC.
  // 1. Padding (RFC 5246 §6.2.3.2): padding_length = the last byte; it and the padding_length
  //    bytes before it must all equal padding_length, and data ‖ MAC must still fit.
  const std::size_t pad = p[n - 1];
  std::size_t good = CtGe(n, pad + 1 + mac_len_);
  const std::size_t to_check = n < 256 ? n : 256;
  for (std::size_t i = 0; i < to_check; ++i) {
    // i <= pad: the byte belongs to the padding. (The barrier keeps the loop's addressing and exit
    // test free of `pad`: util/constant_time.h.)
    const std::size_t in_padding = CtGe(pad, CtValueBarrier(i));
    good &= ~(in_padding & (pad ^ p[n - 1 - i]));
  }
  good = CtEq(0xff, good & 0xff);
  // With bad padding strip nothing but the MAC, and carry on: the MAC check then fails too, in the
  // same time.
  const std::size_t data_len = n - mac_len_ - (good & (pad + 1));
  const std::size_t max_data_len = n - mac_len_;

  // 2. The received MAC sits at p[data_len..data_len+mac_len): copy it out with a scan of the last
  //    mac_len + 256 bytes and a masked rotation (libssl's ssl3_cbc_copy_mac).
  std::uint8_t rotated[48];
  std::uint8_t received[48];
  std::memset(rotated, 0, sizeof rotated);
  const std::size_t mac_start = data_len, mac_end = data_len + mac_len_;
  const std::size_t scan_start = n > mac_len_ + 256 ? n - (mac_len_ + 256) : 0;
  std::size_t in_mac = 0, rotate_offset = 0;
  for (std::size_t i = scan_start, j = 0; i < n; ++i) {
    const std::size_t at = CtValueBarrier(i);  // keeps the loop from being rewritten around mac_start
    const std::size_t started = CtEq(at, mac_start);
    const std::size_t before_end = CtLt(at, mac_end);
    in_mac |= started;
    in_mac &= before_end;
    rotate_offset |= j & started;
    rotated[j] |= static_cast<std::uint8_t>(p[i] & in_mac);
    ++j;
    j &= CtLt(j, mac_len_);
  }
  for (std::size_t i = 0; i < mac_len_; ++i) {
    std::size_t from = rotate_offset + CtValueBarrier(i);  // i public, rotate_offset secret
    from -= mac_len_ & CtGe(from, mac_len_);
    std::uint8_t v = 0;
    for (std::size_t k = 0; k < mac_len_; ++k) v |= static_cast<std::uint8_t>(rotated[k] & Ct8(CtEq(k, from)));
    received[i] = v;
  }

  // 3. The expected MAC over seq ‖ type ‖ version ‖ data_len ‖ data, in constant time.
  std::uint8_t header[kMacHeaderLength];
  std::memcpy(header, header11, 11);
  header[11] = static_cast<std::uint8_t>(data_len >> 8);
  header[12] = static_cast<std::uint8_t>(data_len);
  std::uint8_t expected[48];
  impl_->MacConstantTime(header, p, data_len, max_data_len, expected);

  // 4. One verdict.
  good &= CtIsZero(static_cast<std::size_t>(CRYPTO_memcmp(received, expected, mac_len_)));
  OPENSSL_cleanse(rotated, sizeof rotated);
  OPENSSL_cleanse(received, sizeof received);
  OPENSSL_cleanse(expected, sizeof expected);
  // ---- end constant-time region
  // The verdict is public (the record is accepted or refused), and so, once the record is
  // accepted, is its length (it is returned to the caller): the only two values revealed.
  CtDeclassify(&good, sizeof good);
  if (good == 0) {
    OPENSSL_cleanse(scratch.data(), n);
    return Error::kBadRecord;
  }
  std::size_t public_data_len = data_len;
  CtDeclassify(&public_data_len, sizeof public_data_len);
  return public_data_len;
}

}  // namespace opensslp::ossl
