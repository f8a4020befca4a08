// key_store.h - where certificates' private keys live when no Windows key storage provider holds
// them (always the case off Windows). See docs/key-store.md for the formats.
//
// The environment variable OPENSSLP_KEY_STORE (OPENSSLP_KEY_STORE_ENV) names either
//   - a directory holding `<thumbprint>.pem`, `.key`, `.p8` or `.p12` (tried in that order), with
//     an optional `<thumbprint>.pass` holding the password of an encrypted key or PKCS#12 file; or
//   - an index file of lines `<thumbprint> <path-or-OSSL_STORE-URI>` ('#' starts a comment line;
//     relative paths are relative to the index file's directory; a local key file's password, if
//     any, is read from `<path>.pass`).
// <thumbprint> is the SHA-1 of the certificate's DER encoding in hex (40 digits; lowercase in file
// names, any case in the index). The store is read on every lookup (no cache), so changes take
// effect at the next SslOpenPrivateKey.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include "ossl/pkey.h"
#include "util/status.h"

namespace opensslp {

// Longest key, password or index file the store reads (1 MiB).
inline constexpr std::size_t kMaxKeyStoreFileSize = std::size_t{1} << 20;

class KeyStore {
 public:
  // The store named by the OPENSSLP_KEY_STORE environment variable.
  static KeyStore FromEnvironment();
  // A store at an explicit location (directory or index file); empty = not configured.
  explicit KeyStore(std::string location) : location_(std::move(location)) {}

  const std::string& location() const noexcept { return location_; }

  // Loads the private key for the certificate with this thumbprint (40 lowercase hex digits).
  //   kNotFound  the store is not configured or does not exist, has no entry for the thumbprint,
  //              or the entry's file / URI does not exist;
  //   kBadKey    the entry exists but holds no loadable private key (corrupt file, wrong or
  //              missing password, public key only);
  //   kBadData   the index file is larger than kMaxKeyStoreFileSize.
  // The caller checks that the key matches the certificate.
  Result<ossl::PKey> FindPrivateKey(std::string_view thumbprint) const;

 private:
  std::string location_;
};

}  // namespace opensslp
