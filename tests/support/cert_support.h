// cert_support.h - certificate fixtures for the SslOpenPrivateKey tests (unit and ABI): reading
// the key-store fixtures of tests/data/keystore and wrapping a DER certificate in the
// CERT_CONTEXT that SslOpenPrivateKey takes. Uses only the public headers (sslprovider.h), so the
// ABI test binary, which links the shared library alone, can use it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sslprovider.h"

namespace opensslp::test {

// The whole contents of a file; a failed EXPECT (and an empty result) if it cannot be read.
std::vector<std::uint8_t> ReadAll(const std::string& path);

// tests/data/keystore (generate.sh there describes the layout).
std::string KeyStoreDir();

// certs/<name>.der of the key-store fixtures.
std::vector<std::uint8_t> FixtureCertDer(const std::string& name);

// A certificate context for SslOpenPrivateKey. On Windows it must be a real crypt32 context:
// CryptAcquireCertificatePrivateKey reads crypt32's hidden per-context data (a stack-made
// CERT_CONTEXT crashes inside crypt32), so it comes from CertCreateCertificateContext. Elsewhere
// a plain struct is all there is. Invalid-certificate cases use plain structs on every platform:
// SslOpenPrivateKey defers them (docs/windows.md#deferred-private-keys) before any crypt32 call.
class CertContext {
 public:
  explicit CertContext(const std::vector<std::uint8_t>& der);
  ~CertContext();
  CertContext(const CertContext&) = delete;
  CertContext& operator=(const CertContext&) = delete;
  PCCERT_CONTEXT get() const { return ctx_; }

 private:
  std::vector<std::uint8_t> der_;
  CERT_CONTEXT plain_ = {};
  PCCERT_CONTEXT ctx_ = nullptr;
};

}  // namespace opensslp::test
