// hkdf.h - HKDF (RFC 5869) on the fetched-once HMAC of ossl/hmac.h: the extract and expand steps
// TLS 1.3's key schedule is built from (RFC 8446 §7.1). No TLS labels here: core/tls13_key_schedule
// builds HkdfLabel and calls HkdfExpand with it in parts, so no concatenated copy of a secret or
// label is made.
#pragma once

#include <initializer_list>

#include "base/algorithms.h"
#include "util/bytes.h"
#include "util/status.h"

namespace opensslp::ossl {

// PRK = HKDF-Extract(salt, IKM) = HMAC-Hash(salt, IKM) (RFC 5869 §2.2). `prk` must be exactly
// HashLength(hash) bytes. An empty salt is HashLength zeros, as RFC 5869 says (HMAC pads an empty
// key with zeros, so the two are the same key). kInvalidParameter for a hash without HMAC here or a
// wrong output size; kInternal / kNoMemory if OpenSSL fails (the output is wiped then).
Status HkdfExtract(HashAlg hash, Bytes salt, Bytes ikm, MutBytes prk);

// OKM = HKDF-Expand(PRK, info, L) (RFC 5869 §2.3) with info = the concatenation of `info`'s parts
// and L = out.size(), 1..255 * HashLength(hash). kInvalidParameter otherwise (and for a PRK shorter
// than the hash length, RFC 5869 §2.3); on any failure the output is wiped.
Status HkdfExpand(HashAlg hash, Bytes prk, std::initializer_list<Bytes> info, MutBytes out);

}  // namespace opensslp::ossl
