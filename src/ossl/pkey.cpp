#include "ossl/pkey.h"

#include <openssl/evp.h>

namespace opensslp::ossl {

void PKey::Reset() noexcept {
  // EVP_PKEY_free cleanses private key material held by the default provider's key objects.
  EVP_PKEY_free(pkey_);
  pkey_ = nullptr;
}

}  // namespace opensslp::ossl
