// library.cpp - see library.h.
#include "core/library.h"

#include "ossl/library.h"

namespace opensslp {

void InitializeCryptoLibrary() noexcept { ossl::InitializeOnce(); }

void ClearCryptoLibraryErrors() noexcept {
  // Looking first is cheaper than clearing an empty queue on every return.
  if (!ossl::ErrorQueueEmpty()) ossl::ClearErrorQueue();
}

Error ResolveCryptoLibraryFailure(Error error) noexcept { return ossl::ConsumeErrorQueue(error); }

std::string CryptoLibraryVersionText() { return ossl::VersionText(); }

}  // namespace opensslp
