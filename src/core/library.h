// library.h - what the ABI boundary needs of the cryptographic library, without naming it:
// initialisation before the first call, error-queue hygiene after every call, and the version
// text SslGetProviderProperty reports. src/abi/ calls these; only src/ossl/ talks to OpenSSL
// (docs/architecture.md, enforced by tests/layering/check_includes.cmake).
#pragma once

#include <string>

#include "util/status.h"

namespace opensslp {

// Initialises the library for opensslp, once per process, without reading any configuration file
// (ossl/library.h InitializeOnce explains why). Idempotent and thread-safe.
void InitializeCryptoLibrary() noexcept;

// Empties this thread's library error queue if it holds anything, so no error of ours leaks into
// the next caller's view (docs/style.md#rule-3).
void ClearCryptoLibraryErrors() noexcept;

// For a call that failed with `error`: empties the library's error queue and returns kNoMemory if
// the library recorded an allocation failure during the call, else `error` (ossl/library.h
// ConsumeErrorQueue; docs/robustness.md).
Error ResolveCryptoLibraryFailure(Error error) noexcept;

// "OpenSSL 3.0.x ..." of the libcrypto actually in use.
std::string CryptoLibraryVersionText();

}  // namespace opensslp
