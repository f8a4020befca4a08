// tls_prf.cpp - the TLS 1.0-1.2 PRF on OpenSSL's HMAC (see tls_prf.h).
#include "ossl/tls_prf.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <cstring>

#include "ossl/hmac.h"
#include "ossl/library.h"

namespace opensslp::ossl {
namespace {

// out (XOR)= P_hash(secret, label || seeds), RFC 5246 §5:
//   A(0) = seed, A(i) = HMAC(secret, A(i-1)),
//   P_hash = HMAC(secret, A(1) || seed) || HMAC(secret, A(2) || seed) || ...
// The label and seed parts are fed to HMAC one after the other: no concatenated copy is made.
// One keyed context per call; EVP_MAC_init with a NULL key restarts it with the same key (the
// HMAC provider copies its prepared inner state), so the loop allocates nothing.
Status PHash(HashAlg hash, Bytes secret, std::string_view label, std::initializer_list<Bytes> seeds, MutBytes out,
             bool xor_into) noexcept {
  ASSIGN_OR_RETURN(HmacKey mac, HmacKey::Create(hash, secret));
  const std::size_t md_len = mac.size();
  auto absorb_seed = [&]() -> Status {
    TRY(mac.Update(Bytes(reinterpret_cast<const std::uint8_t*>(label.data()), label.size())));
    for (Bytes s : seeds) TRY(mac.Update(s));
    return Status::Ok();
  };
  std::uint8_t a_buf[kMaxHashLength];
  std::uint8_t chunk_buf[kMaxHashLength];
  const MutBytes a(a_buf, md_len);
  const MutBytes chunk(chunk_buf, md_len);
  // A(1) = HMAC(secret, seed).
  Status status = absorb_seed();
  if (status.ok()) status = mac.Final(a);
  for (std::size_t done = 0; status.ok() && done < out.size();) {
    status = mac.Restart();
    if (status.ok()) status = mac.Update(a);
    if (status.ok()) status = absorb_seed();
    if (status.ok()) status = mac.Final(chunk);
    if (!status.ok()) break;
    const std::size_t n = std::min(md_len, out.size() - done);
    if (xor_into) {
      for (std::size_t i = 0; i < n; ++i) out[done + i] ^= chunk[i];
    } else {
      std::memcpy(out.data() + done, chunk.data(), n);
    }
    done += n;
    if (done < out.size()) {  // A(i+1) = HMAC(secret, A(i))
      status = mac.Restart();
      if (status.ok()) status = mac.Update(a);
      if (status.ok()) status = mac.Final(a);
    }
  }
  OPENSSL_cleanse(a_buf, sizeof a_buf);
  OPENSSL_cleanse(chunk_buf, sizeof chunk_buf);
  return status;
}

}  // namespace

Status TlsPrf(HashAlg digest, Bytes secret, std::string_view label, std::initializer_list<Bytes> seeds, MutBytes out) {
  ENSURE(!out.empty() && IsPrfHash(digest), Error::kInvalidParameter);
  // Kept from the EVP_KDF implementation (OpenSSL's TLS1_PRF_MAXBUF), so the documented limit of
  // SslExportKeyingMaterial & co. does not depend on how the PRF is computed.
  std::size_t seed_len = label.size();
  for (Bytes s : seeds) seed_len += s.size();
  ENSURE(seed_len <= kMaxPrfSeedLength, Error::kInvalidParameter);

  Status status = Status::Ok();
  switch (digest) {
    case HashAlg::kMd5Sha1: {
      // RFC 2246 §5: S1 and S2 are the two halves of the secret, each ceil(len/2) bytes (they share
      // the middle byte when the length is odd); PRF = P_MD5(S1, seed) XOR P_SHA-1(S2, seed).
      const std::size_t half = (secret.size() + 1) / 2;
      status = PHash(HashAlg::kMd5, secret.first(half), label, seeds, out, false);
      if (status.ok()) status = PHash(HashAlg::kSha1, secret.last(half), label, seeds, out, true);
      break;
    }
    case HashAlg::kSha256: status = PHash(HashAlg::kSha256, secret, label, seeds, out, false); break;
    case HashAlg::kSha384: status = PHash(HashAlg::kSha384, secret, label, seeds, out, false); break;
    default: status = Error::kInvalidParameter; break;  // not a PRF hash (checked above)
  }
  if (!status.ok()) {
    OPENSSL_cleanse(out.data(), out.size());
    status = ConsumeErrorQueue(status.error());  // an allocation failure stays one (library.h)
  }
  return status;
}

}  // namespace opensslp::ossl
