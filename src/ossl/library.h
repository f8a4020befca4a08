// library.h - opensslp's view of the OpenSSL library itself: error-queue hygiene, randomness and
// version information. Nothing here exposes an OpenSSL type.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "util/status.h"

namespace opensslp::ossl {

// Empties this thread's OpenSSL error queue. The ABI boundary calls it on every return, so no
// error ever leaks into the next caller's ERR_get_error() (house style rule 3).
void ClearErrorQueue() noexcept;

// True if this thread's OpenSSL error queue holds no error (tests use it).
bool ErrorQueueEmpty() noexcept;

// Fills `out` from OpenSSL's CSPRNG (RAND_bytes); fails only if the DRBG cannot be seeded.
Status RandomBytes(std::span<std::uint8_t> out) noexcept;

// "OpenSSL 3.0.x ..." of the libcrypto actually in use.
std::string VersionText();

}  // namespace opensslp::ossl
