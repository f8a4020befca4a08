// hkdf.cpp - see hkdf.h.
#include "ossl/hkdf.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <cstring>

#include "ossl/hmac.h"

namespace opensslp::ossl {

Status HkdfExtract(HashAlg hash, Bytes salt, Bytes ikm, MutBytes prk) {
  ENSURE(prk.size() == HashLength(hash), Error::kInvalidParameter);
  Status status = [&]() -> Status {
    ASSIGN_OR_RETURN(HmacKey mac, HmacKey::Create(hash, salt));
    TRY(mac.Update(ikm));
    return mac.Final(prk);
  }();
  if (!status.ok()) OPENSSL_cleanse(prk.data(), prk.size());
  return status;
}

Status HkdfExpand(HashAlg hash, Bytes prk, std::initializer_list<Bytes> info, MutBytes out) {
  const std::size_t n = HashLength(hash);
  ENSURE(n != 0 && !out.empty() && out.size() <= 255 * n, Error::kInvalidParameter);
  ENSURE(prk.size() >= n, Error::kInvalidParameter);
  std::uint8_t t_buf[kMaxHashLength];
  const MutBytes t(t_buf, n);
  Status status = [&]() -> Status {
    ASSIGN_OR_RETURN(HmacKey mac, HmacKey::Create(hash, prk));
    // T(0) = empty; T(i) = HMAC(PRK, T(i-1) ‖ info ‖ i); OKM = T(1) ‖ T(2) ‖ ... truncated to L.
    std::size_t done = 0;
    for (std::uint8_t i = 1; done < out.size(); ++i) {
      if (i > 1) {
        TRY(mac.Restart());
        TRY(mac.Update(t));
      }
      for (Bytes part : info) TRY(mac.Update(part));
      TRY(mac.Update(Bytes(&i, 1)));
      TRY(mac.Final(t));
      const std::size_t take = std::min(n, out.size() - done);
      std::memcpy(out.data() + done, t.data(), take);
      done += take;
    }
    return Status::Ok();
  }();
  OPENSSL_cleanse(t_buf, sizeof t_buf);
  if (!status.ok()) OPENSSL_cleanse(out.data(), out.size());
  return status;
}

}  // namespace opensslp::ossl
