// test_pki.h - a throw-away PKI generated at run time with OpenSSL, for the interop tests and
// `opensslp demo`: a CA, server leaves with RSA-2048 and ECDSA P-256 keys (CN and SAN DNS name
// "localhost" by default), client leaves with the same two key types (CN "opensslp test client rsa" /
// "... ecdsa", extended key usage clientAuth only, no SAN), and for negative tests an expired leaf and a leaf
// issued by a CA that is not in the CA file.
//
// Everything is written to a fresh directory under std::filesystem::temp_directory_path()
// (Linux and Windows/mingw alike) that the destructor removes:
//   ca.pem                      the trusted CA certificate (the CA file for clients)
//   <leaf>-cert.pem             the leaf alone
//   <leaf>-chain.pem            leaf then its issuer (what a server sends)
//   <leaf>-key.pem              the leaf's key, PKCS#8 PEM (for libssl servers)
//   keystore/<sha1>.pem         the same keys named by the leaf's lower-case SHA-1 thumbprint, the
//                               directory form of opensslp's key store (docs/key-store.md §3.1):
//                               OPENSSLP_KEY_STORE=<keystore> lets SslOpenPrivateKey find them.
// <leaf> is rsa, ecdsa, client-rsa, client-ecdsa, expired (RSA key) and unknown-ca (RSA key,
// issued by an untrusted CA). The client leaves reuse the server leaves' keys (see below).
//
// The keys (two RSA-2048 and two P-256) are generated once per process and reused by every
// TestPki, because RSA key generation dominates the cost; certificates are new each time.
// No GoogleTest dependency.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

namespace opensslp::libssl_peer {

struct PkiLeaf {
  std::string cert_file;   // leaf only, PEM
  std::string chain_file;  // leaf + issuer, PEM
  std::string key_file;    // PKCS#8 PEM
  std::string thumbprint;  // lower-case SHA-1 of the DER certificate
  std::string subject;     // RFC 2253
};

class TestPki {
 public:
  struct Options {
    std::string host_name = "localhost";  // CN and SAN dNSName of the leaves
    bool negative_leaves = true;          // also the expired and unknown-CA leaves
  };

  // Null with *error set when generation or writing fails.
  static std::unique_ptr<TestPki> Create(const Options& options, std::string* error);
  static std::unique_ptr<TestPki> Create(std::string* error) { return Create(Options(), error); }
  ~TestPki();
  TestPki(const TestPki&) = delete;
  TestPki& operator=(const TestPki&) = delete;

  const std::string& directory() const { return directory_; }
  const std::string& ca_file() const { return ca_file_; }
  const std::string& key_store_dir() const { return key_store_dir_; }
  const PkiLeaf& rsa() const { return rsa_; }
  const PkiLeaf& ecdsa() const { return ecdsa_; }
  const PkiLeaf& client_rsa() const { return client_rsa_; }      // clientAuth, RSA key
  const PkiLeaf& client_ecdsa() const { return client_ecdsa_; }  // clientAuth, P-256 key
  const PkiLeaf& expired() const { return expired_; }            // RSA key, notAfter in the past
  const PkiLeaf& unknown_ca() const { return unknown_ca_; }      // RSA key, issuer not in ca_file()

 private:
  TestPki() = default;
  struct Builder;

  std::string directory_;
  std::string ca_file_;
  std::string key_store_dir_;
  PkiLeaf rsa_, ecdsa_, client_rsa_, client_ecdsa_, expired_, unknown_ca_;
};

}  // namespace opensslp::libssl_peer
