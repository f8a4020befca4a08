#include "win/ksp_private_key.h"

#include <cstring>
#include <utility>
#include <vector>

#include "base/groups.h"
#include "core/implicit_rejection.h"
#include "ossl/key_agreement.h"
#include "ossl/library.h"
#include "util/bytes.h"

namespace opensslp::win {
namespace {

// The largest public-key blob accepted from a KSP: a 16384-bit RSA key with an 8-byte exponent
// is 24 + 8 + 2048 bytes.
constexpr DWORD kMaxPublicBlobSize = 64 * 1024;

// The decryption output buffer: the modulus length of the largest RSA key opensslp accepts
// (16384 bits). Its size is public; the message is at most k - 11 bytes.
constexpr std::size_t kMaxRsaMessageBuffer = 16384 / 8;

LPCWSTR CngHashId(HashAlg hash) {
  switch (hash) {
    case HashAlg::kMd5: return BCRYPT_MD5_ALGORITHM;
    case HashAlg::kSha1: return BCRYPT_SHA1_ALGORITHM;
    case HashAlg::kSha256: return BCRYPT_SHA256_ALGORITHM;
    case HashAlg::kSha384: return BCRYPT_SHA384_ALGORITHM;
    case HashAlg::kSha512: return BCRYPT_SHA512_ALGORITHM;
    case HashAlg::kMd5Sha1: break;  // signed raw (no DigestInfo), never named
  }
  return nullptr;
}

Error FromNcryptStatus(SECURITY_STATUS status) {
  switch (status) {
    case NTE_NO_MEMORY: return Error::kNoMemory;
    case NTE_BAD_KEY: return Error::kBadKey;
    case NTE_NOT_SUPPORTED: return Error::kNotSupported;
    case NTE_INVALID_PARAMETER: return Error::kInvalidParameter;
    case NTE_BAD_KEY_STATE: return Error::kBadKeyState;
    default: return Error::kInternal;  // includes smart-card removal and UI-required failures
  }
}

// An NCrypt key handle from CryptAcquireCertificatePrivateKey, owned (freed with
// NCryptFreeObject) when the caller must free it, merely borrowed when it is cached on the
// certificate context (WIL's unique_ncrypt_key idea). Move-only.
class NcryptKey {
 public:
  NcryptKey(NCRYPT_KEY_HANDLE handle, bool owned) noexcept : handle_(handle), owned_(owned) {}
  NcryptKey(NcryptKey&& other) noexcept
      : handle_(std::exchange(other.handle_, 0)), owned_(std::exchange(other.owned_, false)) {}
  NcryptKey& operator=(NcryptKey&&) = delete;
  NcryptKey(const NcryptKey&) = delete;
  NcryptKey& operator=(const NcryptKey&) = delete;
  ~NcryptKey() {
    if (owned_ && handle_ != 0) NCryptFreeObject(handle_);
  }
  NCRYPT_KEY_HANDLE get() const noexcept { return handle_; }

 private:
  NCRYPT_KEY_HANDLE handle_;
  bool owned_;
};

struct CertContextFree {
  void operator()(PCCERT_CONTEXT context) const noexcept { CertFreeCertificateContext(context); }
};
using CertContextRef = std::unique_ptr<const CERT_CONTEXT, CertContextFree>;

class KspPrivateKeyBackend final : public PrivateKeyBackend {
 public:
  // `cert_ref` (a duplicate of the certificate context) is set when the key handle is cached on
  // the context rather than owned: it keeps the handle alive for as long as this object lives.
  KspPrivateKeyBackend(NcryptKey key, CertContextRef cert_ref) noexcept
      : cert_ref_(std::move(cert_ref)), key_(std::move(key)) {}

  const char* Name() const noexcept override { return "ksp"; }

  Result<std::vector<std::uint8_t>> Sign(const ossl::KeyInfo& info, ossl::SignatureSpec spec,
                                         Bytes digest) const override {
    BCRYPT_PKCS1_PADDING_INFO pkcs1 = {};
    BCRYPT_PSS_PADDING_INFO pss = {};
    void* padding = nullptr;
    DWORD flags = NCRYPT_SILENT_FLAG;  // lsass must never show UI
    switch (spec.padding) {
      case ossl::SigPadding::kPkcs1NoDigestInfo:
        pkcs1.pszAlgId = nullptr;  // CNG: no DigestInfo, pad the raw input
        padding = &pkcs1;
        flags |= BCRYPT_PAD_PKCS1;
        break;
      case ossl::SigPadding::kPkcs1:
        pkcs1.pszAlgId = CngHashId(spec.hash);
        padding = &pkcs1;
        flags |= BCRYPT_PAD_PKCS1;
        break;
      case ossl::SigPadding::kPss:
        pss.pszAlgId = CngHashId(spec.hash);
        pss.cbSalt = static_cast<ULONG>(HashLength(spec.hash));  // RFC 8446 §4.2.3
        padding = &pss;
        flags |= BCRYPT_PAD_PSS;
        break;
      case ossl::SigPadding::kEcdsa: break;  // NCryptSignHash's ECDSA output is raw r||s: our format
    }
    // NCryptSignHash takes a non-const input pointer but does not write to it.
    auto* input = const_cast<PBYTE>(digest.data());
    DWORD needed = 0;
    SECURITY_STATUS status =
        NCryptSignHash(key_.get(), padding, input, static_cast<DWORD>(digest.size()), nullptr, 0, &needed, flags);
    if (status != ERROR_SUCCESS) return FromNcryptStatus(status);
    if (needed < info.signature_size) return Error::kInternal;
    std::vector<std::uint8_t> out(needed);
    status = NCryptSignHash(key_.get(), padding, input, static_cast<DWORD>(digest.size()), out.data(), needed, &needed,
                            flags);
    if (status != ERROR_SUCCESS) return FromNcryptStatus(status);
    out.resize(needed);
    if (out.size() != info.signature_size) return Error::kInternal;
    return out;
  }

  // RSA key transport with implicit rejection (RFC 5246 §7.4.7.1) around NCryptDecrypt with
  // PKCS#1 v1.5 padding. NCRYPT_SILENT_FLAG: lsass must never show UI; a key that would need UI
  // (or a removed smart card) fails the decryption like a bad padding does, and the handshake
  // then fails at Finished -- distinguishing the two would need a branch on the status.
  Result<SecretArray<48>> DecryptPkcs1(Bytes ciphertext, std::uint16_t client_version) const override {
    const NCRYPT_KEY_HANDLE key = key_.get();
    return DecryptTlsPremasterWith(
        [key](Bytes in, MutBytes out, DWORD* out_len) -> SECURITY_STATUS {
          // NCryptDecrypt takes a non-const input pointer but does not write to it.
          return NCryptDecrypt(key, const_cast<PBYTE>(in.data()), static_cast<DWORD>(in.size()), nullptr, out.data(),
                               static_cast<DWORD>(out.size()), out_len, NCRYPT_PAD_PKCS1_FLAG | NCRYPT_SILENT_FLAG);
        },
        ciphertext, client_version);
  }

 private:
  // Declared first, destroyed last: a borrowed key handle lives on the context.
  CertContextRef cert_ref_;
  NcryptKey key_;
};

// True if the KSP key's algorithm group ("RSA" / "ECDSA") is the certificate's. An "ECDH" KSP
// key cannot sign, so it is not the certificate's signing key even on the right curve.
bool AlgorithmGroupMatches(NCRYPT_KEY_HANDLE key, const ossl::KeyInfo& info) {
  wchar_t group[32] = {};
  DWORD len = 0;
  if (NCryptGetProperty(key, NCRYPT_ALGORITHM_GROUP_PROPERTY, reinterpret_cast<PBYTE>(group), sizeof(group) - 2, &len,
                        NCRYPT_SILENT_FLAG) != ERROR_SUCCESS) {
    return false;
  }
  const wchar_t* want =
      info.family == ossl::KeyFamily::kRsa ? NCRYPT_RSA_ALGORITHM_GROUP : NCRYPT_ECDSA_ALGORITHM_GROUP;
  return std::wcscmp(group, want) == 0;
}

// BCRYPT_RSAKEY_BLOB{BCRYPT_RSAPUBLIC_MAGIC, BitLength, cbPublicExp, cbModulus, ...} || e || n.
Result<ossl::PKey> RsaFromPublicBlob(Bytes blob) {
  BCRYPT_RSAKEY_BLOB header;
  if (blob.size() < sizeof(header)) return Error::kBadKey;
  std::memcpy(&header, blob.data(), sizeof(header));
  if (header.Magic != BCRYPT_RSAPUBLIC_MAGIC || header.cbPublicExp == 0 || header.cbModulus == 0) return Error::kBadKey;
  const std::size_t exponent_at = sizeof(header);
  const std::size_t modulus_at = exponent_at + header.cbPublicExp;
  if (blob.size() < modulus_at + header.cbModulus) return Error::kBadKey;
  auto key = ossl::RsaPublicKeyFromValues(blob.subspan(modulus_at, header.cbModulus),
                                          blob.subspan(exponent_at, header.cbPublicExp));
  if (!key.ok()) return Error::kBadKey;
  return std::move(key).value();
}

// BCRYPT_ECCKEY_BLOB{dwMagic, cbKey} || X || Y. The curve is the certificate's; the magic is not
// relied on (KSPs report P-256/384/521 ECDSA keys with the curve-specific magics, but the point
// check and the comparison with the certificate's key decide anyway).
Result<ossl::PKey> EcFromPublicBlob(Bytes blob, const ossl::KeyInfo& info) {
  const GroupInfo* group = FindGroup(info.group);
  if (group == nullptr || group->family != GroupFamily::kNistCurve) return Error::kBadKey;
  BCRYPT_ECCKEY_BLOB header;
  if (blob.size() < sizeof(header)) return Error::kBadKey;
  std::memcpy(&header, blob.data(), sizeof(header));
  const std::size_t coordinate = group->coordinate_bytes;
  if (header.cbKey != coordinate || blob.size() < sizeof(header) + 2 * coordinate) return Error::kBadKey;
  std::vector<std::uint8_t> point(1 + 2 * coordinate);
  point[0] = 0x04;  // SEC 1 §2.3.3 uncompressed
  std::memcpy(point.data() + 1, blob.data() + sizeof(header), 2 * coordinate);
  auto key = ossl::EcPublicKeyFromPoint(*group, point);
  if (!key.ok()) return Error::kBadKey;
  return std::move(key).value();
}

}  // namespace

Result<SecretArray<48>> DecryptTlsPremasterWith(const Pkcs1DecryptFunction& decrypt, Bytes ciphertext,
                                                std::uint16_t client_version) {
  // Step 1 of RFC 5246 §7.4.7.1: the random fallback exists before anything is decrypted.
  SecretArray<kTlsPremasterLength> random_pms;
  TRY(ossl::RandomBytes(random_pms.span()));
  SecretBytes message(kMaxRsaMessageBuffer);  // zero-filled: a failed call leaves zeros, not old data
  DWORD message_len = 0;
  const SECURITY_STATUS status = decrypt(ciphertext, message.span(), &message_len);
  // No branch on `status` or `message_len` from here on: both go into the masks.
  return SelectTlsPremaster(static_cast<std::uint32_t>(status), message.span(), message_len, client_version,
                            random_pms);
}

std::unique_ptr<PrivateKeyBackend> KspBackendForOwnedKey(NCRYPT_KEY_HANDLE key) {
  return std::make_unique<KspPrivateKeyBackend>(NcryptKey(key, true), CertContextRef(nullptr));
}

Result<ossl::PKey> KspPublicKey(NCRYPT_KEY_HANDLE key, const ossl::KeyInfo& info) {
  const bool rsa = info.family == ossl::KeyFamily::kRsa;
  LPCWSTR type = rsa ? BCRYPT_RSAPUBLIC_BLOB : BCRYPT_ECCPUBLIC_BLOB;
  DWORD size = 0;
  if (NCryptExportKey(key, 0, type, nullptr, nullptr, 0, &size, NCRYPT_SILENT_FLAG) != ERROR_SUCCESS) {
    return Error::kBadKey;
  }
  if (size == 0 || size > kMaxPublicBlobSize) return Error::kBadKey;
  std::vector<std::uint8_t> blob(size);
  if (NCryptExportKey(key, 0, type, nullptr, blob.data(), size, &size, NCRYPT_SILENT_FLAG) != ERROR_SUCCESS ||
      size > blob.size()) {
    return Error::kBadKey;
  }
  blob.resize(size);
  return rsa ? RsaFromPublicBlob(blob) : EcFromPublicBlob(blob, info);
}

bool KspKeyMatchesCertificate(NCRYPT_KEY_HANDLE key, const ossl::PKey& certificate_public_key,
                              const ossl::KeyInfo& info) {
  if (!AlgorithmGroupMatches(key, info)) return false;
  auto public_key = KspPublicKey(key, info);
  return public_key.ok() && ossl::SamePublicKey(public_key.value(), certificate_public_key);
}

Result<std::unique_ptr<PrivateKeyBackend>> OpenKspPrivateKey(PCCERT_CONTEXT cert, const CertificateKey& certificate) {
  HCRYPTPROV_OR_NCRYPT_KEY_HANDLE handle = 0;
  DWORD key_spec = 0;
  BOOL caller_free = FALSE;
  if (!CryptAcquireCertificatePrivateKey(cert, CRYPT_ACQUIRE_ONLY_NCRYPT_KEY_FLAG | CRYPT_ACQUIRE_SILENT_FLAG, nullptr,
                                         &handle, &key_spec, &caller_free)) {
    return Error::kNotFound;
  }
  if (key_spec != CERT_NCRYPT_KEY_SPEC) {
    // Cannot happen with CRYPT_ACQUIRE_ONLY_NCRYPT_KEY_FLAG (Wine ignores the flag); a CAPI
    // handle is released, not used.
    if (caller_free) CryptReleaseContext(static_cast<HCRYPTPROV>(handle), 0);
    return Error::kNotFound;
  }
  // From here on the handle is owned by `key`: every return and any exception (an allocation
  // below) releases it.
  NcryptKey key(static_cast<NCRYPT_KEY_HANDLE>(handle), caller_free != FALSE);
  // A KSP key that is not the certificate's (a re-keyed certificate, a wrong association) is not
  // used: the caller falls back to the key store, as when there is no key at all.
  if (!KspKeyMatchesCertificate(key.get(), certificate.public_key, certificate.info)) return Error::kNotFound;
  CertContextRef cert_ref(caller_free ? nullptr : CertDuplicateCertificateContext(cert));
  auto backend = std::make_unique<KspPrivateKeyBackend>(std::move(key), std::move(cert_ref));
  return std::unique_ptr<PrivateKeyBackend>(std::move(backend));
}

}  // namespace opensslp::win
