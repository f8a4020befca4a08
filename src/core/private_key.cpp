#include "core/private_key.h"

#include "core/key_store.h"
#include "ossl/key_files.h"
#include "ossl/rsa_transport.h"

namespace opensslp {

Result<std::vector<std::uint8_t>> OsslPrivateKeyBackend::Sign(const ossl::KeyInfo& info, ossl::SignatureSpec spec,
                                                              Bytes digest) const {
  return ossl::SignDigest(key_, info, spec, digest);
}

Result<SecretArray<48>> OsslPrivateKeyBackend::DecryptPkcs1(Bytes ciphertext, std::uint16_t client_version) const {
  return ossl::RsaDecryptTlsPremaster(key_, ciphertext, client_version);
}

KeyDescription PrivateKey::Describe() const {
  KeyDescription d;
  d.algorithm = info_.family == ossl::KeyFamily::kRsa ? u"RSA" : u"ECDSA";
  d.bits = info_.bits;
  d.key_type = info_.group;
  return d;
}

Result<std::shared_ptr<PrivateKey>> DeferredPrivateKey::Resolve() const {
  if (resolved_.load(std::memory_order_acquire)) return reopened_;
  std::lock_guard<std::mutex> lock(mutex_);
  if (resolved_.load(std::memory_order_relaxed)) return reopened_;
  const auto now = std::chrono::steady_clock::now();
  if (last_attempt_ && now - *last_attempt_ < kRetryInterval) {
    if (last_origin_.file != nullptr) {
      detail::RecordErrorOrigin(last_origin_.file, last_origin_.line, last_origin_.condition, true);
    }
    return last_error_;
  }
  // A std::bad_alloc propagates: the boundary's NTE_NO_MEMORY, and the next use tries again at once
  // (last_attempt_ brakes only the failures this object has seen).
  Result<std::shared_ptr<PrivateKey>> key = [&]() -> Result<std::shared_ptr<PrivateKey>> {
    ASSIGN_OR_RETURN(CertificateKey certificate, ParseCertificateKey(certificate_der_));
    return OpenPrivateKeyFromStore(std::move(certificate));
  }();
  if (!key.ok()) {
    last_attempt_ = now;
    last_error_ = key.error();
    last_origin_ = LastErrorOrigin();
    return key.error();
  }
  reopened_ = std::move(key).value();
  resolved_.store(true, std::memory_order_release);
  return reopened_;
}

Result<CertificateKey> ParseCertificateKey(Bytes certificate_der) {
  ASSIGN_OR_RETURN(ossl::ParsedCertificate cert, ossl::ParseCertificateDer(certificate_der));
  ASSIGN_OR_RETURN(ossl::KeyInfo info, ossl::InspectKey(cert.public_key));
  CertificateKey out;
  out.public_key = std::move(cert.public_key);
  out.info = info;
  out.thumbprint = std::move(cert.thumbprint);
  return out;
}

Result<std::shared_ptr<PrivateKey>> OpenPrivateKeyFromStore(CertificateKey certificate) {
  ASSIGN_OR_RETURN(ossl::PKey key, KeyStore::FromEnvironment().FindPrivateKey(certificate.thumbprint));
  // The key must be the certificate's: a store entry under the wrong thumbprint would otherwise
  // produce signatures no peer accepts (or, worse, sign with an unrelated identity).
  if (!ossl::HasPrivateKey(key) || !ossl::SamePublicKey(key, certificate.public_key)) return Error::kBadKey;
  // And its private half must be the one of that public key (found by fuzz/fuzz_key_store.cpp: a
  // key file with an altered EC scalar and the original public point passed the check above).
  if (!ossl::KeyPairConsistent(key)) return Error::kBadKey;
  return std::make_shared<PrivateKey>(std::move(certificate.public_key), certificate.info,
                                      std::make_unique<OsslPrivateKeyBackend>(std::move(key)));
}

}  // namespace opensslp
