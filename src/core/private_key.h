// private_key.h - a certificate's private key (SslOpenPrivateKey), with pluggable backends.
//
// The PrivateKey object always knows the certificate's public key (parsed from the certificate
// by OpenSSL), so verification, SslGetKeyProperty and signature sizes never depend on where the
// private half lives. The private operations go to a backend:
//   - OsslPrivateKeyBackend: an OpenSSL EVP_PKEY loaded from the key store (core/key_store.h);
//   - the Windows key-storage-provider backend (src/win/ksp_private_key.h), which keeps HSM, TPM
//     and smart-card keys inside their KSP and signs with NCryptSignHash.
// Both return signatures in the same format (ossl/signing.h: raw r||s for ECDSA).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "handles/object.h"
#include "ossl/key_files.h"
#include "ossl/pkey.h"
#include "ossl/signing.h"
#include "util/bytes.h"
#include "util/secret.h"
#include "util/status.h"

namespace opensslp {

class PrivateKeyBackend {
 public:
  virtual ~PrivateKeyBackend() = default;

  // "openssl" or "ksp": which backend holds the key (diagnostics and tests).
  virtual const char* Name() const noexcept = 0;

  // Signs a digest that the caller has already validated for `spec` (length, key family).
  // Returns exactly info.signature_size bytes in the ossl/signing.h format.
  virtual Result<std::vector<std::uint8_t>> Sign(const ossl::KeyInfo& info, ossl::SignatureSpec spec,
                                                 Bytes digest) const = 0;

  // RSA PKCS#1 v1.5 decryption of a TLS EncryptedPreMasterSecret with implicit rejection
  // (RFC 5246 §7.4.7.1): the result is always 48 bytes, the decrypted pre-master secret when the
  // padding, length and version (= client_version, the ClientHello's) are right, a random one
  // otherwise, chosen in constant time and never signalled. Errors only for causes that do not
  // depend on the ciphertext's content (not an RSA key, RNG failure). Both backends override it
  // (OpenSSL: its constant-time TLS padding mode; Windows KSP: NCryptDecrypt plus
  // core/implicit_rejection); the default, for a backend that cannot decrypt, is kNotSupported.
  virtual Result<SecretArray<48>> DecryptPkcs1(Bytes /*ciphertext*/, std::uint16_t /*client_version*/) const {
    return Error::kNotSupported;
  }
};

// The key-store backend: an OpenSSL key that holds private material.
class OsslPrivateKeyBackend final : public PrivateKeyBackend {
 public:
  explicit OsslPrivateKeyBackend(ossl::PKey key) : key_(std::move(key)) {}
  const char* Name() const noexcept override { return "openssl"; }
  Result<std::vector<std::uint8_t>> Sign(const ossl::KeyInfo& info, ossl::SignatureSpec spec,
                                         Bytes digest) const override;
  // OpenSSL 3's RSA_PKCS1_WITH_TLS_PADDING (ossl/rsa_transport.h).
  Result<SecretArray<48>> DecryptPkcs1(Bytes ciphertext, std::uint16_t client_version) const override;

 private:
  ossl::PKey key_;
};

class PrivateKey final : public KeyObject {
 public:
  static constexpr ObjectKind kKind = ObjectKind::kPrivateKey;

  // `public_key` is the certificate's key and `info` its description (ossl::InspectKey).
  PrivateKey(ossl::PKey public_key, ossl::KeyInfo info, std::unique_ptr<PrivateKeyBackend> backend)
      : KeyObject(kKind), public_key_(std::move(public_key)), info_(info), backend_(std::move(backend)) {}

  const ossl::PKey& public_key() const noexcept { return public_key_; }
  const ossl::KeyInfo& info() const noexcept { return info_; }
  const PrivateKeyBackend& backend() const noexcept { return *backend_; }

  // Algorithm "RSA" or "ECDSA"; bits; key_type = IANA group 23/24/25 for ECDSA, 0 for RSA.
  KeyDescription Describe() const override;

 private:
  ossl::PKey public_key_;
  ossl::KeyInfo info_;
  std::unique_ptr<PrivateKeyBackend> backend_;
};

// A certificate whose private key opensslp cannot use, opened anyway (docs/windows.md#deferred-
// private-keys). Schannel opens every server certificate's key on every registered SSL provider
// and fails the credential if any one provider fails (docs/reference/windows-loader.md#silent-flag),
// so an SslOpenPrivateKey that refused a key opensslp cannot use -- an algorithm it does not
// support, a key in no place it looks, a KSP that refuses -- would take down the machine's other
// TLS as soon as opensslp is registered. Instead the open succeeds with this object, and every
// later use of the handle (SslSignHash, SslVerifySignature, SslImportMasterKey, SslGetKeyProperty,
// SslExportKey, SslEnumCipherSuites(Ex)) resolves it through Resolve().
//
// Resolve() opens the key again from the certificate it keeps: parse, then the key store. An open
// can fail for a reason that passes -- memory ran out inside OpenSSL's decoders, which try one
// format after another and drop each failure, so a shortage reads as "no key here"
// (docs/robustness.md#found-and-fixed) -- or the key store can gain the key after the open. The
// first successful reopen is kept and serves every later use without a lock. Until then the first
// use tries again, and later uses at most once a second (kRetryInterval): an attempt costs a
// certificate parse and a key-store lookup, and Schannel may hold many keys opensslp cannot use;
// a use in between returns the last attempt's error. The certificate's KSP (Windows) is asked at
// the open only: a retry looks in the key store (a hand-made CERT_CONTEXT cannot be kept past the
// call).
//
// It is not a KeyObject: functions that resolve a private key do so through abi::RequirePrivateKey
// / abi::RequireAnyKey, which call Resolve().
class DeferredPrivateKey final : public Object {
 public:
  static constexpr ObjectKind kKind = ObjectKind::kDeferredPrivateKey;

  // `certificate_der`: the certificate the open was given (public data, up to
  // kMaxCertificateLength).
  explicit DeferredPrivateKey(std::vector<std::uint8_t> certificate_der) noexcept
      : Object(kKind), certificate_der_(std::move(certificate_der)) {}

  static constexpr std::chrono::milliseconds kRetryInterval{1000};

  // The key, opened again if no earlier reopen succeeded (see above); or the error of this attempt
  // (or, within kRetryInterval of the last one, of that one). Thread-safe: attempts are
  // serialised, and every caller after a success gets the same key. A failure records the
  // error origin of the attempt that failed (the per-call trace shows it, docs/diagnostics.md).
  Result<std::shared_ptr<PrivateKey>> Resolve() const;

 private:
  std::vector<std::uint8_t> certificate_der_;
  mutable std::atomic<bool> resolved_{false};     // set once reopened_ is, never cleared
  mutable std::shared_ptr<PrivateKey> reopened_;  // written once, under mutex_, before resolved_
  mutable std::mutex mutex_;                      // guards the attempts and what follows
  mutable std::optional<std::chrono::steady_clock::time_point> last_attempt_;
  mutable Error last_error_ = Error::kNotFound;
  mutable ErrorOrigin last_origin_{};
};

// The result of parsing the certificate SslOpenPrivateKey was given.
struct CertificateKey {
  ossl::PKey public_key;
  ossl::KeyInfo info;
  std::string thumbprint;  // SHA-1 of the DER, 40 lowercase hex digits
};

// The longest certificate SslOpenPrivateKey accepts (1 MiB; real ones are a few KiB).
inline constexpr std::size_t kMaxCertificateLength = ossl::kMaxCertificateSize;

// Parses a DER certificate: kInvalidParameter if it is not one, kNotSupported if its key is not
// RSA of 1024..16384 bits or EC on P-256/384/521 (ossl::InspectKey). Both backends rely on this
// check: the KSP backend only uses a key equal to the certificate's.
Result<CertificateKey> ParseCertificateKey(Bytes certificate_der);

// Finds the certificate's private key in the key store (core/key_store.h), checks it matches
// and wraps it. Errors as KeyStore::FindPrivateKey.
Result<std::shared_ptr<PrivateKey>> OpenPrivateKeyFromStore(CertificateKey certificate);

}  // namespace opensslp
