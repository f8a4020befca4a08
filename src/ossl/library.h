// library.h - opensslp's view of the OpenSSL library itself: error-queue hygiene, randomness and
// version information. Nothing here exposes an OpenSSL type.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "util/status.h"

namespace opensslp::ossl {

// Initialises OpenSSL for opensslp, once per process, before any other libcrypto call of ours:
// OPENSSL_init_crypto with OPENSSL_INIT_NO_LOAD_CONFIG, so libcrypto never reads openssl.cnf (or
// the file OPENSSL_CONF names) on our behalf. A provider DLL runs inside lsass and every TLS
// process; letting a configuration file pick providers or engines would let whoever can write
// that file load code into them (the class of CVE-2019-1552). Idempotent and thread-safe.
// (When libcrypto is shared with a host that already initialised it with a configuration —
// possible for the Linux .so, never for the DLL, which links its own static copy — the host's
// choice stands.)
void InitializeOnce() noexcept;

// Empties this thread's OpenSSL error queue. The ABI boundary calls it on every return, so no
// error ever leaks into the next caller's ERR_get_error() (docs/style.md#rule-3).
void ClearErrorQueue() noexcept;

// True if this thread's OpenSSL error queue holds no error (tests use it).
bool ErrorQueueEmpty() noexcept;

// ConsumeErrorQueue - the one place an OpenSSL failure is told apart from an allocation failure.
// Empties this thread's OpenSSL error queue and returns Error::kNoMemory if it recorded an
// allocation failure (reason ERR_R_MALLOC_FAILURE, raised by any library: OpenSSL 3.0 raises it
// where a caller of OPENSSL_malloc sees NULL, 3.2 and later inside CRYPTO_malloc itself; and the
// three errors OpenSSL 3.0 raises in its place, listed in library.cpp), else `otherwise`.
// OpenSSL 3.0 loses some allocation failures altogether (a NULL from a provider's context
// allocation reported as "unknown group", or nothing at all): those keep `otherwise`
// (docs/robustness.md). OpenSSL reports an allocation failure deep inside an operation as the operation's
// own failure (EVP_PKEY_fromdata "fails", a verify "does not verify"), so without this a malloc
// failure would reach the caller as NTE_BAD_DATA, NTE_BAD_SIGNATURE or NTE_INTERNAL_ERROR instead
// of NTE_NO_MEMORY (docs/errors.md, docs/robustness.md). Code of src/ossl/ that empties the queue on
// a failure path calls this instead of ClearErrorQueue; the ABI boundary calls it (through
// core/library.h) on every failed call.
Error ConsumeErrorQueue(Error otherwise) noexcept;

// Fills `out` from OpenSSL's CSPRNG (RAND_bytes); fails only if the DRBG cannot be seeded.
Status RandomBytes(std::span<std::uint8_t> out) noexcept;

// "OpenSSL 3.0.x ..." of the libcrypto actually in use.
std::string VersionText();

}  // namespace opensslp::ossl
