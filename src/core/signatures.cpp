#include "core/signatures.h"

#include <string>

#include "core/cipher_suites.h"
#include "core/keys.h"

namespace opensslp {
namespace {

// The longest CNG hash id accepted in a prefix, in UTF-16 code units (without the terminator).
constexpr std::size_t kMaxHashIdChars = 32;

// Splits "<UTF-16 hash id>\0<digest>". The id is read as little-endian code units, which is how
// WCHARs lie in memory on every Windows target (x86, x64, ARM64); the input may be unaligned.
Result<SignatureInput> SplitHashIdPrefix(Bytes hash_value) {
  std::u16string name;
  std::size_t i = 0;
  for (;;) {
    if (i + 2 > hash_value.size()) return Error::kInvalidParameter;  // unterminated
    const char16_t c = static_cast<char16_t>(hash_value[i] | (hash_value[i + 1] << 8));
    i += 2;
    if (c == 0) break;
    if (name.size() == kMaxHashIdChars) return Error::kInvalidParameter;
    name.push_back(c);
  }
  if (name.empty()) return Error::kInvalidParameter;
  const std::optional<HashAlg> hash = HashFromCngName(name);
  if (!hash) return Error::kNotSupported;
  // RFC 9155 (updating RFC 5246) says MD5 and SHA-1 "MUST NOT be used for digital signatures"
  // in TLS 1.2. MD5 is refused outright, for SslSignHash and SslVerifySignature alike
  // (docs/key-store.md §4): MD5 collisions are practical (RFC 6151 §2). SHA-1 is deliberately kept:
  // deployed TLS 1.2 peers still negotiate rsa_pkcs1_sha1, and the negotiation is Schannel's
  // decision, not the provider's. (The flag-0 MD5||SHA-1 input of TLS 1.0/1.1 is not an MD5
  // DigestInfo signature and is unaffected.)
  if (*hash == HashAlg::kMd5) return Error::kNotSupported;
  SignatureInput out;
  out.spec.hash = *hash;
  out.digest = hash_value.subspan(i);
  if (out.digest.size() != HashLength(*hash)) return Error::kInvalidParameter;
  return out;
}

std::optional<HashAlg> PssHashFromLength(std::size_t len) {
  switch (len) {
    case 32: return HashAlg::kSha256;
    case 48: return HashAlg::kSha384;
    case 64: return HashAlg::kSha512;
    default: return std::nullopt;
  }
}

}  // namespace

Result<SignatureInput> ParseSignatureInput(const ossl::KeyInfo& info, Bytes hash_value, std::uint32_t flags) {
  if ((flags & ~(kSignIncludeHashOid | kSignUsePssPadding)) != 0) return Error::kBadFlags;
  if ((flags & kSignIncludeHashOid) != 0 && (flags & kSignUsePssPadding) != 0) return Error::kBadFlags;
  if (hash_value.empty() || hash_value.size() > kMaxHashValueSize) return Error::kInvalidParameter;

  if (info.family == ossl::KeyFamily::kEc) {
    // docs/reference/functions.md#sign-flags: the hash-id flag is never set for ECDSA; PSS is RSA-only.
    if (flags != 0) return Error::kBadFlags;
    if (hash_value.size() > 64) return Error::kInvalidParameter;
    SignatureInput out;
    out.spec.padding = ossl::SigPadding::kEcdsa;
    out.digest = hash_value;
    return out;
  }

  if (flags == 0) {
    // RFC 8017 §9.2 step 3: the encoded message needs at least 11 bytes of padding.
    if (hash_value.size() + 11 > info.signature_size) return Error::kInvalidParameter;
    SignatureInput out;
    out.spec.padding = ossl::SigPadding::kPkcs1NoDigestInfo;
    out.digest = hash_value;
    return out;
  }

  if (flags == kSignIncludeHashOid) {
    ASSIGN_OR_RETURN(SignatureInput out, SplitHashIdPrefix(hash_value));
    out.spec.padding = ossl::SigPadding::kPkcs1;
    return out;
  }

  // PSS: a bare digest (inferred hash) or a prefixed one (see the header: an inference).
  SignatureInput out;
  if (std::optional<HashAlg> hash = PssHashFromLength(hash_value.size())) {
    out.spec.hash = *hash;
    out.digest = hash_value;
  } else {
    ASSIGN_OR_RETURN(out, SplitHashIdPrefix(hash_value));
    if (!PssHashFromLength(out.digest.size())) return Error::kNotSupported;  // MD5 / SHA-1
  }
  out.spec.padding = ossl::SigPadding::kPss;
  // RFC 8017 §9.1.1 step 3: emLen >= hLen + sLen + 2, emLen = ceil((modBits - 1) / 8).
  const std::size_t em_len = (info.bits - 1 + 7) / 8;
  if (em_len < 2 * out.digest.size() + 2) return Error::kNotSupported;
  return out;
}

Result<std::vector<std::uint8_t>> SignHash(const PrivateKey& key, const SignatureInput& input) {
  ASSIGN_OR_RETURN(std::vector<std::uint8_t> signature, key.backend().Sign(key.info(), input.spec, input.digest));
  if (signature.size() != key.info().signature_size) return Error::kInternal;
  return signature;
}

Status VerifySignature(const ossl::PKey& public_key, Bytes hash_value, Bytes signature, std::uint32_t flags) {
  // A caller's cbSignature is not trusted: nothing longer than any key's signature is looked at
  // (ossl::VerifyDigest then requires the exact length of this key's signatures).
  if (signature.size() > kMaxSignatureSize) return Error::kBadSignature;
  ASSIGN_OR_RETURN(ossl::KeyInfo info, ossl::InspectKey(public_key));
  ASSIGN_OR_RETURN(SignatureInput input, ParseSignatureInput(info, hash_value, flags));
  return ossl::VerifyDigest(public_key, info, input.spec, input.digest, signature);
}

Status VerifySignatureWithKeyObject(const Object& key, Bytes hash_value, Bytes signature, std::uint32_t flags) {
  if (key.kind() == ObjectKind::kPublicKey) {
    return VerifySignature(static_cast<const PublicKey&>(key).pkey(), hash_value, signature, flags);
  }
  if (key.kind() == ObjectKind::kPrivateKey) {
    return VerifySignature(static_cast<const PrivateKey&>(key).public_key(), hash_value, signature, flags);
  }
  return Error::kInvalidHandle;
}

}  // namespace opensslp
