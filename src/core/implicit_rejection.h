// implicit_rejection.h - the constant-time choice at the end of an RSA key-transport decryption
// (RFC 5246 §7.4.7.1): the decrypted pre-master secret if the decryption succeeded, produced
// exactly 48 bytes and starts with ClientHello.client_version, otherwise a random one generated
// beforehand -- decided with masks, never with a branch, and never reported.
//
// Used by backends that decrypt with an opaque PKCS#1 v1.5 operation (the Windows KSP backend,
// src/win/ksp_private_key.cpp). The OpenSSL backend decrypts without padding and checks the
// padding, length and version and selects with masks of its own (ossl/rsa_transport.h).
#pragma once

#include <cstddef>
#include <cstdint>

#include "util/bytes.h"
#include "util/secret.h"
#include "util/status.h"

namespace opensslp {

inline constexpr std::size_t kTlsPremasterLength = 48;  // RFC 5246 §7.4.7.1

// Returns, in constant time with respect to every secret input,
//   decrypted[0..48)  if decrypt_status == 0 && decrypted_len == 48 &&
//                        decrypted[0..2) == client_version (big-endian),
//   random            otherwise.
// `decrypt_status` is the decryption's status (0 = success; any other value = failure, e.g. a
// SECURITY_STATUS), `decrypted` the whole output buffer (at least 48 bytes: its size is public,
// its content and `decrypted_len` are not -- whatever the failure, the first 48 bytes are read).
// kInternal only if `decrypted` is shorter than 48 bytes (a caller bug).
Result<SecretArray<kTlsPremasterLength>> SelectTlsPremaster(std::uint32_t decrypt_status, Bytes decrypted,
                                                            std::size_t decrypted_len, std::uint16_t client_version,
                                                            const SecretArray<kTlsPremasterLength>& random);

}  // namespace opensslp
