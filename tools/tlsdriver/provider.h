// provider.h - the driver's only door to cryptography: opensslp's exported Ssl* functions,
// wrapped in move-only RAII handles (WIL's unique_any idea) and small helpers that turn a failed
// call into TlsAbort{internal_error, provider_status}.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sslprovider.h"
#include "wire.h"

namespace opensslp::tlsdriver {

// An NCRYPT key or hash handle from the provider, released with SslFreeObject.
class ProviderObject {
 public:
  ProviderObject() = default;
  explicit ProviderObject(NCRYPT_HANDLE h) : handle_(h) {}
  ~ProviderObject() { Reset(); }
  ProviderObject(ProviderObject&& other) noexcept : handle_(std::exchange(other.handle_, NCRYPT_HANDLE{})) {}
  ProviderObject& operator=(ProviderObject&& other) noexcept {
    if (this != &other) {
      Reset();
      handle_ = std::exchange(other.handle_, NCRYPT_HANDLE{});
    }
    return *this;
  }
  ProviderObject(const ProviderObject&) = delete;
  ProviderObject& operator=(const ProviderObject&) = delete;

  NCRYPT_HANDLE get() const { return handle_; }
  explicit operator bool() const { return handle_ != NCRYPT_HANDLE{}; }
  // For out-parameters: releases the current handle and returns the slot to write a new one.
  NCRYPT_HANDLE* Put() {
    Reset();
    return &handle_;
  }
  void Reset();
  // Gives up ownership (the caller frees the handle).
  NCRYPT_HANDLE Release() { return std::exchange(handle_, NCRYPT_HANDLE{}); }

 private:
  NCRYPT_HANDLE handle_{};
};

// Abort with internal_error unless `status` is 0 (RFC 5246 §7.2.2: "an internal error unrelated
// to the peer or the correctness of the protocol").
void CheckStatus(SECURITY_STATUS status, const char* call);

// Which key exchange / certificate a suite needs, from the provider's szExchange/szCertificate.
enum class Exchange { kRsa, kDhe, kEcdhe, kTls13KeyShare, kOther };
enum class CertKind { kRsa, kEcdsa, kNone };

// One suite as SslEnumCipherSuites reports it, merged over its protocol entries (TLS 1.3 suites:
// Exchange::kTls13KeyShare, CertKind::kNone, versions {0x0304}).
struct SuiteInfo {
  std::uint16_t id = 0;
  std::string name;
  Exchange exchange = Exchange::kOther;
  CertKind cert = CertKind::kNone;
  std::vector<std::uint16_t> versions;  // wire versions the provider lists for it

  bool ValidFor(std::uint16_t version) const;
};

// Bytes of a little-endian UTF-16 NUL-terminated CNG hash id followed by `digest`: the
// NCRYPT_SSL_SIGN_INCLUDE_HASHOID input format (docs/key-store.md §4).
Bytes HashIdPrefixed(const char* hash_id, ByteView digest);

class Provider {
 public:
  Provider() = default;
  ~Provider();
  Provider(const Provider&) = delete;
  Provider& operator=(const Provider&) = delete;

  // SslOpenProvider + the suite and curve lists; false with *error on failure.
  bool Open(std::string* error);
  NCRYPT_PROV_HANDLE get() const { return handle_; }

  const std::vector<SuiteInfo>& suites() const { return suites_; }
  const SuiteInfo* FindSuite(std::uint16_t id) const;
  const std::vector<std::uint16_t>& curves() const { return curves_; }

  // A digest of `data` computed by the provider's transcript objects, the only hash primitive the
  // API exposes: TLS 1.2 SslCreateClientAuthHash(hash_id) (SHA1/SHA256/SHA384/SHA512); TLS 1.0/1.1
  // SslCreateHandshakeHash + SslComputeClientAuthHash(key_alg): MD5||SHA-1 for "RSA", SHA-1 for
  // "ECDSA" (RFC 2246 §7.4.3, RFC 4492 §5.4). `suite` must be valid for `version`.
  // Our choice: Schannel hashes ServerKeyExchange with BCrypt, which this driver does not have;
  // SslHashHandshake hashes whatever bytes it is given, so a fresh transcript object fed only
  // `data` yields the plain digest, and no hash is computed outside the provider.
  Bytes Digest(std::uint16_t version, std::uint16_t suite, const char* hash_id, bool ecdsa, ByteView data) const;
  // A TLS 1.2 suite the provider does, for Digest of a plain SHA-2 hash where no TLS 1.2 suite is
  // negotiated (TLS 1.3 CertificateVerify content, RFC 8446 §4.4.3).
  std::uint16_t AnyTls12Suite() const;

  // SslSignHash / SslVerifySignature with the given flags (size query first).
  Bytes Sign(NCRYPT_KEY_HANDLE key, ByteView hash_value, DWORD flags) const;
  SECURITY_STATUS Verify(NCRYPT_KEY_HANDLE key, ByteView hash_value, ByteView signature, DWORD flags) const;

  // SslImportKey of a public-key blob (blob types are the CNG names).
  ProviderObject ImportKey(LPCWSTR blob_type, ByteView blob) const;
  // SslExportKey of a public key.
  Bytes ExportKey(NCRYPT_KEY_HANDLE key, LPCWSTR blob_type) const;

 private:
  NCRYPT_PROV_HANDLE handle_{};
  std::vector<SuiteInfo> suites_;
  std::vector<std::uint16_t> curves_;
};

// An NCryptBufferDesc of SSL parameters (randoms, highest version, session hash) with stable
// storage for the buffers it points to. Room for four buffers: a fifth Add aborts with
// internal_error (TlsAbort).
class SslParameterList {
 public:
  SslParameterList(ByteView client_random, ByteView server_random);
  SslParameterList(const SslParameterList&) = delete;  // buffers_ point into this object
  SslParameterList& operator=(const SslParameterList&) = delete;
  void AddHighestVersion(std::uint16_t version);
  // Adds the RFC 7627 session hash and removes both randoms (see provider.cpp).
  void AddSessionHash(ByteView hash);
  NCryptBufferDesc* get();

 private:
  void Add(ULONG type, const void* data, std::size_t size);
  Bytes client_random_, server_random_, session_hash_;
  DWORD highest_version_ = 0;
  NCryptBuffer buffers_[4] = {};
  ULONG count_ = 0;
  NCryptBufferDesc desc_ = {};
};

}  // namespace opensslp::tlsdriver
