#include "win/ksp_private_key.h"

#include <cstring>
#include <vector>

namespace opensslp::win {
namespace {

LPCWSTR CngHashId(ossl::HashAlg hash) {
  switch (hash) {
    case ossl::HashAlg::kMd5: return BCRYPT_MD5_ALGORITHM;
    case ossl::HashAlg::kSha1: return BCRYPT_SHA1_ALGORITHM;
    case ossl::HashAlg::kSha256: return BCRYPT_SHA256_ALGORITHM;
    case ossl::HashAlg::kSha384: return BCRYPT_SHA384_ALGORITHM;
    case ossl::HashAlg::kSha512: return BCRYPT_SHA512_ALGORITHM;
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

class KspPrivateKeyBackend final : public PrivateKeyBackend {
 public:
  // `owns_key`: CryptAcquireCertificatePrivateKey said the caller frees the handle. Otherwise
  // the handle is cached on the certificate context, and `cert_ref` (a duplicate of the
  // context) keeps it alive for as long as this key object lives.
  KspPrivateKeyBackend(NCRYPT_KEY_HANDLE key, bool owns_key, PCCERT_CONTEXT cert_ref)
      : key_(key), owns_key_(owns_key), cert_ref_(cert_ref) {}
  ~KspPrivateKeyBackend() override {
    if (owns_key_) NCryptFreeObject(key_);
    if (cert_ref_ != nullptr) CertFreeCertificateContext(cert_ref_);
  }
  KspPrivateKeyBackend(const KspPrivateKeyBackend&) = delete;
  KspPrivateKeyBackend& operator=(const KspPrivateKeyBackend&) = delete;

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
        pss.cbSalt = static_cast<ULONG>(ossl::HashLength(spec.hash));  // RFC 8446 §4.2.3
        padding = &pss;
        flags |= BCRYPT_PAD_PSS;
        break;
      case ossl::SigPadding::kEcdsa:
        break;  // NCryptSignHash's ECDSA output is raw r||s: our format
    }
    // NCryptSignHash takes a non-const input pointer but does not write to it.
    auto* input = const_cast<PBYTE>(digest.data());
    DWORD needed = 0;
    SECURITY_STATUS status =
        NCryptSignHash(key_, padding, input, static_cast<DWORD>(digest.size()), nullptr, 0, &needed, flags);
    if (status != ERROR_SUCCESS) return FromNcryptStatus(status);
    if (needed < info.signature_size) return Error::kInternal;
    std::vector<std::uint8_t> out(needed);
    status = NCryptSignHash(key_, padding, input, static_cast<DWORD>(digest.size()), out.data(), needed, &needed,
                            flags);
    if (status != ERROR_SUCCESS) return FromNcryptStatus(status);
    out.resize(needed);
    if (out.size() != info.signature_size) return Error::kInternal;
    return out;
  }

 private:
  NCRYPT_KEY_HANDLE key_;
  bool owns_key_;
  PCCERT_CONTEXT cert_ref_;
};

// True if the KSP key's algorithm group ("RSA" / "ECDSA") is the certificate's.
bool AlgorithmGroupMatches(NCRYPT_KEY_HANDLE key, const ossl::KeyInfo& info) {
  wchar_t group[32] = {};
  DWORD len = 0;
  if (NCryptGetProperty(key, NCRYPT_ALGORITHM_GROUP_PROPERTY, reinterpret_cast<PBYTE>(group), sizeof(group) - 2,
                        &len, 0) != ERROR_SUCCESS) {
    return false;
  }
  const wchar_t* want = info.family == ossl::KeyFamily::kRsa ? NCRYPT_RSA_ALGORITHM_GROUP : NCRYPT_ECDSA_ALGORITHM_GROUP;
  return std::wcscmp(group, want) == 0;
}

}  // namespace

Result<std::unique_ptr<PrivateKeyBackend>> OpenKspPrivateKey(PCCERT_CONTEXT cert, const ossl::KeyInfo& info) {
  HCRYPTPROV_OR_NCRYPT_KEY_HANDLE handle = 0;
  DWORD key_spec = 0;
  BOOL caller_free = FALSE;
  if (!CryptAcquireCertificatePrivateKey(cert, CRYPT_ACQUIRE_ONLY_NCRYPT_KEY_FLAG | CRYPT_ACQUIRE_SILENT_FLAG,
                                         nullptr, &handle, &key_spec, &caller_free)) {
    return Error::kNotFound;
  }
  if (key_spec != CERT_NCRYPT_KEY_SPEC) {
    // Cannot happen with CRYPT_ACQUIRE_ONLY_NCRYPT_KEY_FLAG; a CAPI handle is released, not used.
    if (caller_free) CryptReleaseContext(static_cast<HCRYPTPROV>(handle), 0);
    return Error::kNotFound;
  }
  const auto key = static_cast<NCRYPT_KEY_HANDLE>(handle);
  PCCERT_CONTEXT cert_ref = caller_free ? nullptr : CertDuplicateCertificateContext(cert);
  auto backend = std::make_unique<KspPrivateKeyBackend>(key, caller_free != FALSE, cert_ref);
  if (!AlgorithmGroupMatches(key, info)) return Error::kNotFound;  // backend frees what it owns
  return std::unique_ptr<PrivateKeyBackend>(std::move(backend));
}

}  // namespace opensslp::win
