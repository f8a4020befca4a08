// certificates.cpp - PEM chains, chain and host-name checks, certificate public keys as CNG blobs.
#include "certificates.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <cstring>
#include <memory>

namespace opensslp::tlsdriver {
namespace {

struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
struct BioFree {
  void operator()(BIO* p) const { BIO_free(p); }
};
struct StoreFree {
  void operator()(X509_STORE* p) const { X509_STORE_free(p); }
};
struct StoreCtxFree {
  void operator()(X509_STORE_CTX* p) const { X509_STORE_CTX_free(p); }
};
struct StackFree {
  void operator()(STACK_OF(X509) * p) const { sk_X509_pop_free(p, X509_free); }
};
struct BnFree {
  void operator()(BIGNUM* p) const { BN_free(p); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;

// The driver leaves OpenSSL's per-thread error queue as it found it: a failed parse is reported
// through our own return values, not through the queue.
struct ErrorQueueCleaner {
  ~ErrorQueueCleaner() { ERR_clear_error(); }
};

X509Ptr ParseDer(const Bytes& der) {
  const unsigned char* p = der.data();
  X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (cert && p != der.data() + der.size()) cert.reset();  // trailing bytes
  return cert;
}

Bytes BnBytes(const BIGNUM* bn, int pad_to) {
  Bytes out(pad_to > 0 ? static_cast<std::size_t>(pad_to) : static_cast<std::size_t>(BN_num_bytes(bn)));
  if (pad_to > 0) {
    if (BN_bn2binpad(bn, out.data(), pad_to) < 0) return {};
  } else {
    BN_bn2bin(bn, out.data());
  }
  return out;
}

void PutLe32(Bytes& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

BnPtr GetBn(const EVP_PKEY* key, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &bn) != 1) return nullptr;
  return BnPtr(bn);
}

// BCRYPT_RSAPUBLIC_BLOB: BCRYPT_RSAKEY_BLOB{RSA1 magic, bits, cbPublicExp, cbModulus, 0, 0} || e || n.
bool DescribeRsa(const EVP_PKEY* key, CertKey* out) {
  BnPtr n = GetBn(key, OSSL_PKEY_PARAM_RSA_N);
  BnPtr e = GetBn(key, OSSL_PKEY_PARAM_RSA_E);
  if (!n || !e) return false;
  const Bytes n_bytes = BnBytes(n.get(), 0), e_bytes = BnBytes(e.get(), 0);
  out->kind = CertKind::kRsa;
  out->bits = static_cast<std::uint32_t>(BN_num_bits(n.get()));
  PutLe32(out->blob, BCRYPT_RSAPUBLIC_MAGIC);
  PutLe32(out->blob, out->bits);
  PutLe32(out->blob, static_cast<std::uint32_t>(e_bytes.size()));
  PutLe32(out->blob, static_cast<std::uint32_t>(n_bytes.size()));
  PutLe32(out->blob, 0);
  PutLe32(out->blob, 0);
  out->blob.insert(out->blob.end(), e_bytes.begin(), e_bytes.end());
  out->blob.insert(out->blob.end(), n_bytes.begin(), n_bytes.end());
  return true;
}

// BCRYPT_ECCPUBLIC_BLOB with the ECDSA magic of the curve: a signature-verification key.
bool DescribeEc(const EVP_PKEY* key, CertKey* out) {
  char group[64] = {};
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, nullptr) != 1) return false;
  struct Curve {
    const char* name;
    std::uint16_t iana;
    std::uint32_t bits, magic;
    int coord;
  };
  static constexpr Curve kCurves[] = {{"prime256v1", 23, 256, BCRYPT_ECDSA_PUBLIC_P256_MAGIC, 32},
                                      {"secp384r1", 24, 384, BCRYPT_ECDSA_PUBLIC_P384_MAGIC, 48},
                                      {"secp521r1", 25, 521, BCRYPT_ECDSA_PUBLIC_P521_MAGIC, 66}};
  const Curve* curve = nullptr;
  for (const Curve& c : kCurves) {
    if (std::strcmp(group, c.name) == 0) curve = &c;
  }
  if (curve == nullptr) return false;
  BnPtr x = GetBn(key, OSSL_PKEY_PARAM_EC_PUB_X);
  BnPtr y = GetBn(key, OSSL_PKEY_PARAM_EC_PUB_Y);
  if (!x || !y) return false;
  const Bytes xb = BnBytes(x.get(), curve->coord), yb = BnBytes(y.get(), curve->coord);
  if (xb.empty() || yb.empty()) return false;
  out->kind = CertKind::kEcdsa;
  out->group = curve->iana;
  out->bits = curve->bits;
  PutLe32(out->blob, curve->magic);
  PutLe32(out->blob, static_cast<std::uint32_t>(curve->coord));
  out->blob.insert(out->blob.end(), xb.begin(), xb.end());
  out->blob.insert(out->blob.end(), yb.begin(), yb.end());
  return true;
}

std::string SubjectLine(X509* cert) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  if (!bio) return {};
  X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return len > 0 ? std::string(data, static_cast<std::size_t>(len)) : std::string();
}

// RFC 5246 §7.2.2 alert for an X509_verify_cert error.
ChainCheck ChainFailure(int error) {
  ChainCheck check;
  check.reason = std::string("certificate verification failed: ") + X509_verify_cert_error_string(error);
  switch (error) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID: check.alert = AlertDescription::kCertificateExpired; break;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_CERT_UNTRUSTED: check.alert = AlertDescription::kUnknownCa; break;
    case X509_V_ERR_INVALID_PURPOSE: check.alert = AlertDescription::kUnsupportedCertificate; break;
    default: check.alert = AlertDescription::kBadCertificate;
  }
  return check;
}

}  // namespace

bool IsAddressLiteral(const std::string& host) {
  return !host.empty() &&
         (host.find(':') != std::string::npos || host.find_first_not_of("0123456789.") == std::string::npos);
}

std::vector<Bytes> LoadPemChain(const std::string& path, std::string* error) {
  ErrorQueueCleaner cleaner;
  std::vector<Bytes> chain;
  std::unique_ptr<BIO, BioFree> bio(BIO_new_file(path.c_str(), "r"));
  if (!bio) {
    *error = "cannot open " + path;
    return {};
  }
  while (X509* raw = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    X509Ptr cert(raw);
    const int len = i2d_X509(cert.get(), nullptr);
    if (len <= 0) break;
    Bytes der(static_cast<std::size_t>(len));
    unsigned char* p = der.data();
    i2d_X509(cert.get(), &p);
    chain.push_back(std::move(der));
  }
  if (chain.empty()) *error = "no certificate in " + path;
  return chain;
}

std::optional<CertKey> DescribeCertificateKey(const Bytes& der) {
  ErrorQueueCleaner cleaner;
  X509Ptr cert = ParseDer(der);
  if (!cert) return std::nullopt;
  const EVP_PKEY* key = X509_get0_pubkey(cert.get());
  if (key == nullptr) return std::nullopt;
  CertKey out;
  const int type = EVP_PKEY_get_base_id(key);
  const bool ok = (type == EVP_PKEY_RSA && DescribeRsa(key, &out)) || (type == EVP_PKEY_EC && DescribeEc(key, &out));
  if (!ok) return std::nullopt;
  const uint32_t usage = X509_get_key_usage(cert.get());
  out.has_key_usage = usage != UINT32_MAX;
  out.digital_signature = (usage & KU_DIGITAL_SIGNATURE) != 0;
  out.key_encipherment = (usage & KU_KEY_ENCIPHERMENT) != 0;
  out.subject = SubjectLine(cert.get());
  return out;
}

namespace {

// X509_verify_cert of `chain` (leaf first) against the CA file for `purpose`; the host check is
// the caller's.
ChainCheck VerifyChain(const std::vector<Bytes>& chain, const std::string& ca_file, int purpose, X509Ptr* leaf_out) {
  ChainCheck check;
  if (chain.empty()) {
    check.alert = AlertDescription::kHandshakeFailure;
    check.reason = "empty certificate chain";
    return check;
  }
  X509Ptr leaf = ParseDer(chain[0]);
  std::unique_ptr<STACK_OF(X509), StackFree> untrusted(sk_X509_new_null());
  std::unique_ptr<X509_STORE, StoreFree> store(X509_STORE_new());
  std::unique_ptr<X509_STORE_CTX, StoreCtxFree> ctx(X509_STORE_CTX_new());
  if (!leaf || !untrusted || !store || !ctx) {
    check.reason = "certificate is not a DER X.509 certificate";
    return check;
  }
  for (std::size_t i = 1; i < chain.size(); ++i) {
    X509Ptr cert = ParseDer(chain[i]);
    if (!cert || sk_X509_push(untrusted.get(), cert.get()) <= 0) {
      check.reason = "chain certificate is not a DER X.509 certificate";
      return check;
    }
    cert.release();  // owned by the stack now
  }
  if (X509_STORE_load_file(store.get(), ca_file.c_str()) != 1) {
    check.alert = AlertDescription::kInternalError;
    check.reason = "cannot load CA file " + ca_file;
    return check;
  }
  if (X509_STORE_CTX_init(ctx.get(), store.get(), leaf.get(), untrusted.get()) != 1 ||
      X509_STORE_CTX_set_purpose(ctx.get(), purpose) != 1) {
    check.alert = AlertDescription::kInternalError;
    check.reason = "X509_STORE_CTX setup failed";
    return check;
  }
  if (X509_verify_cert(ctx.get()) != 1) return ChainFailure(X509_STORE_CTX_get_error(ctx.get()));
  check.ok = true;
  *leaf_out = std::move(leaf);
  return check;
}

}  // namespace

ChainCheck VerifyServerChain(const std::vector<Bytes>& chain, const std::string& ca_file, const std::string& host) {
  ErrorQueueCleaner cleaner;
  if (host.empty()) {
    ChainCheck check;
    check.alert = AlertDescription::kInternalError;
    check.reason = "no host name to check the server certificate against";
    return check;
  }
  X509Ptr leaf;
  ChainCheck check = VerifyChain(chain, ca_file, X509_PURPOSE_SSL_SERVER, &leaf);
  if (!check.ok) return check;
  check.ok = false;
  // X509_check_ip_asc returns -2 for a malformed address: that fails too.
  const int match = IsAddressLiteral(host) ? X509_check_ip_asc(leaf.get(), host.c_str(), 0)
                                           : X509_check_host(leaf.get(), host.c_str(), host.size(), 0, nullptr);
  if (match != 1) {
    check.alert = AlertDescription::kBadCertificate;
    check.reason =
        "server certificate does not match " + std::string(IsAddressLiteral(host) ? "address " : "host name ") + host;
    return check;
  }
  check.ok = true;
  return check;
}

ChainCheck VerifyClientChain(const std::vector<Bytes>& chain, const std::string& ca_file) {
  ErrorQueueCleaner cleaner;
  X509Ptr leaf;
  return VerifyChain(chain, ca_file, X509_PURPOSE_SSL_CLIENT, &leaf);
}

}  // namespace opensslp::tlsdriver

#include <openssl/rand.h>

namespace opensslp::tlsdriver {

Bytes CsprngBytes(std::size_t n) {
  Bytes out(n);
  if (RAND_bytes(out.data(), static_cast<int>(n)) != 1) {
    ERR_clear_error();
    Abort(AlertDescription::kInternalError, "RAND_bytes failed");
  }
  return out;
}

}  // namespace opensslp::tlsdriver
