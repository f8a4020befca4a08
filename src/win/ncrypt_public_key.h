// ncrypt_public_key.h - (Windows only) a peer's RSA public key that arrives as a raw NCrypt key
// handle instead of one of our handles.
//
// docs/reference/functions.md#foreign-public-key: the "Protocol Provider Plugin" sample [S]
// special-cases a raw NCrypt key as SslGenerateMasterKey's hPublicKey when hPrivateKey is NULL;
// third-party decompilations of ncrypt.dll [R] show its router unwrapping only SSL-provider handles
// and passing anything else through unchanged; and VxKex's KxSchanl [K], a third-party Schannel
// re-implementation driving the Microsoft provider, passes an NCRYPT_KEY_HANDLE made from the
// server certificate. So a value that is not one of our handles may be such a KSP key. That
// Microsoft's own Schannel does this is an INFERENCE from those sources (no Microsoft documentation
// says so).
#pragma once

#include <memory>

#include "core/keys.h"
#include "sslprovider.h"
#include "util/status.h"

namespace opensslp::win {

// Treats `handle` as an NCRYPT_KEY_HANDLE of an RSA key: exports its BCRYPT_RSAPUBLIC_BLOB
// (NCryptExportKey, NCRYPT_SILENT_FLAG) and imports that blob exactly as SslImportKey would
// (core/key_blobs.h: 1024..16384 bits, n and e checked), so the result is the same PublicKey object
// SslImportKey makes. The NCrypt handle stays the caller's: it is only read during this call.
//
//   kInvalidHandle     0; a value that cannot be an NCrypt object (misaligned, or not readable
//                      memory -- checked with VirtualQuery before ncrypt dereferences it, so a
//                      stale handle of ours never crashes inside ncrypt); an object that is not
//                      an NCrypt key (NCryptGetProperty(NCRYPT_ALGORITHM_GROUP_PROPERTY) fails)
//   kInvalidParameter  an NCrypt key whose algorithm group is not "RSA" (as for a non-RSA key
//                      of ours)
//   kBadKey            an RSA NCrypt key whose public half cannot be exported, or that the
//                      SslImportKey policy refuses (e.g. under 1024 bits)
//
// The caller checks first that `handle` is not a live handle of ours.
Result<std::shared_ptr<PublicKey>> RsaPublicKeyFromNcryptHandle(NCRYPT_KEY_HANDLE handle);

}  // namespace opensslp::win
