// test_pki.cpp - see test_pki.h.
#include "test_pki.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <mutex>
#include <system_error>
#include <vector>

#include "tlswire/openssl_errors.h"

namespace opensslp::libssl_peer {
namespace {

using tlswire::DrainErrors;

namespace fs = std::filesystem;

struct KeyCache {
  std::mutex mu;
  EVP_PKEY* ca_rsa = nullptr;       // trusted CA
  EVP_PKEY* leaf_rsa = nullptr;     // RSA leaves (rsa, expired, unknown-ca)
  EVP_PKEY* leaf_ec = nullptr;      // ECDSA leaf
  EVP_PKEY* rogue_ca_ec = nullptr;  // the CA that is not trusted
};

// Keys live for the whole process (generated once, see test_pki.h).
KeyCache& Keys() {
  static KeyCache* cache = new KeyCache();
  return *cache;
}

std::string HexLower(const unsigned char* p, std::size_t n) {
  static const char* kDigits = "0123456789abcdef";
  std::string s;
  for (std::size_t i = 0; i < n; ++i) {
    s += kDigits[p[i] >> 4];
    s += kDigits[p[i] & 15];
  }
  return s;
}

struct X509Deleter {
  void operator()(X509* x) const { X509_free(x); }
};
using X509Ptr = std::unique_ptr<X509, X509Deleter>;

bool AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_nconf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) return false;
  const bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

// What a certificate is for.
enum class Usage { kCa, kServer, kClient };

// A certificate for `key` named `cn`, signed by issuer_key (issuer == nullptr: self-signed).
// kServer: EKU serverAuth + clientAuth and SAN dNSName dns_name; kClient: EKU clientAuth, no SAN.
X509Ptr MakeCert(const std::string& cn, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key, Usage usage,
                 const std::string& dns_name, long not_before_days, long not_after_days, bool rsa_key) {
  X509Ptr cert(X509_new());
  if (!cert) return nullptr;
  X509* x = cert.get();
  std::uint64_t serial = 0;
  if (RAND_bytes(reinterpret_cast<unsigned char*>(&serial), sizeof(serial)) != 1) return nullptr;
  serial &= 0x7fffffffffffffffULL;
  if (X509_set_version(x, 2) != 1 || ASN1_INTEGER_set_uint64(X509_get_serialNumber(x), serial | 1) != 1) return nullptr;
  if (X509_gmtime_adj(X509_getm_notBefore(x), not_before_days * 86400L) == nullptr ||
      X509_gmtime_adj(X509_getm_notAfter(x), not_after_days * 86400L) == nullptr) {
    return nullptr;
  }
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("opensslp test"), -1, -1,
                             0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  if (X509_set_issuer_name(x, issuer != nullptr ? X509_get_subject_name(issuer) : name) != 1) return nullptr;
  if (X509_set_pubkey(x, key) != 1) return nullptr;
  X509* issuer_cert = issuer != nullptr ? issuer : x;
  bool ok = AddExtension(x, issuer_cert, NID_subject_key_identifier, "hash") &&
            AddExtension(x, issuer_cert, NID_authority_key_identifier, "keyid:always");
  if (usage == Usage::kCa) {
    ok = ok && AddExtension(x, issuer_cert, NID_basic_constraints, "critical,CA:TRUE") &&
         AddExtension(x, issuer_cert, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else if (usage == Usage::kServer) {
    ok = ok && AddExtension(x, issuer_cert, NID_basic_constraints, "critical,CA:FALSE") &&
         AddExtension(x, issuer_cert, NID_key_usage,
                      rsa_key ? "critical,digitalSignature,keyEncipherment" : "critical,digitalSignature") &&
         AddExtension(x, issuer_cert, NID_ext_key_usage, "serverAuth,clientAuth") &&
         AddExtension(x, issuer_cert, NID_subject_alt_name, ("DNS:" + dns_name).c_str());
  } else {
    ok = ok && AddExtension(x, issuer_cert, NID_basic_constraints, "critical,CA:FALSE") &&
         AddExtension(x, issuer_cert, NID_key_usage, "critical,digitalSignature") &&
         AddExtension(x, issuer_cert, NID_ext_key_usage, "clientAuth");
  }
  if (!ok) return nullptr;
  if (X509_sign(x, issuer_key, EVP_sha256()) <= 0) return nullptr;
  return cert;
}

bool WritePem(const std::string& path, const std::vector<X509*>& certs, EVP_PKEY* key) {
  BIO* bio = BIO_new_file(path.c_str(), "w");
  if (bio == nullptr) return false;
  bool ok = true;
  for (X509* c : certs) ok = ok && PEM_write_bio_X509(bio, c) == 1;
  if (key != nullptr) ok = ok && PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
  ok = BIO_free(bio) == 1 && ok;
  return ok;
}

std::string Thumbprint(X509* cert) {
  unsigned char* der = nullptr;
  const int len = i2d_X509(cert, &der);
  if (len <= 0) return "";
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  const bool ok = EVP_Digest(der, static_cast<std::size_t>(len), md, &md_len, EVP_sha1(), nullptr) == 1;
  OPENSSL_free(der);
  return ok ? HexLower(md, md_len) : "";
}

std::string SubjectText(X509* cert) {
  BIO* mem = BIO_new(BIO_s_mem());
  if (mem == nullptr) return "";
  X509_NAME_print_ex(mem, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  const long n = BIO_get_mem_data(mem, &data);
  std::string s = n > 0 ? std::string(data, static_cast<std::size_t>(n)) : "";
  BIO_free(mem);
  return s;
}

}  // namespace

struct TestPki::Builder {
  TestPki& pki;
  std::string error;

  bool Leaf(PkiLeaf& out, const std::string& name, X509* cert, X509* issuer, EVP_PKEY* key) {
    const fs::path dir(pki.directory_);
    out.cert_file = (dir / (name + "-cert.pem")).string();
    out.chain_file = (dir / (name + "-chain.pem")).string();
    out.key_file = (dir / (name + "-key.pem")).string();
    out.thumbprint = Thumbprint(cert);
    out.subject = SubjectText(cert);
    const std::string store_file = (fs::path(pki.key_store_dir_) / (out.thumbprint + ".pem")).string();
    if (out.thumbprint.empty() || !WritePem(out.cert_file, {cert}, nullptr) ||
        !WritePem(out.chain_file, {cert, issuer}, nullptr) || !WritePem(out.key_file, {}, key) ||
        !WritePem(store_file, {}, key)) {
      error = "cannot write the files of leaf " + name;
      return false;
    }
    return true;
  }
};

std::unique_ptr<TestPki> TestPki::Create(const Options& options, std::string* error) {
  auto fail = [&](const std::string& why) -> std::unique_ptr<TestPki> {
    const std::string queued = DrainErrors();
    if (error != nullptr) *error = queued.empty() ? why : why + ": " + queued;
    return nullptr;
  };

  KeyCache& keys = Keys();
  {
    std::lock_guard<std::mutex> lock(keys.mu);
    if (keys.ca_rsa == nullptr) keys.ca_rsa = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048));
    if (keys.leaf_rsa == nullptr) keys.leaf_rsa = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048));
    if (keys.leaf_ec == nullptr) keys.leaf_ec = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    if (keys.rogue_ca_ec == nullptr) keys.rogue_ca_ec = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    if (keys.ca_rsa == nullptr || keys.leaf_rsa == nullptr || keys.leaf_ec == nullptr || keys.rogue_ca_ec == nullptr) {
      return fail("key generation failed");
    }
  }

  std::unique_ptr<TestPki> pki(new TestPki());
  // A fresh directory: random name, created exclusively (create_directory fails if it exists).
  std::error_code ec;
  const fs::path base = fs::temp_directory_path(ec);
  if (ec) return fail("no temporary directory: " + ec.message());
  fs::path dir;
  for (int attempt = 0; attempt < 16 && dir.empty(); ++attempt) {
    unsigned char rnd[8];
    if (RAND_bytes(rnd, sizeof(rnd)) != 1) return fail("RAND_bytes failed");
    fs::path candidate = base / ("opensslp-pki-" + HexLower(rnd, sizeof(rnd)));
    if (fs::create_directory(candidate, ec) && !ec) dir = candidate;
  }
  if (dir.empty()) return fail("cannot create a temporary directory under " + base.string());
  pki->directory_ = dir.string();
  pki->key_store_dir_ = (dir / "keystore").string();
  if (!fs::create_directory(dir / "keystore", ec) || ec) return fail("cannot create " + pki->key_store_dir_);
  pki->ca_file_ = (dir / "ca.pem").string();

  const std::string& host = options.host_name;
  X509Ptr ca = MakeCert("opensslp test CA", keys.ca_rsa, nullptr, keys.ca_rsa, Usage::kCa, "", -1, 3650, true);
  X509Ptr rsa = MakeCert(host, keys.leaf_rsa, ca.get(), keys.ca_rsa, Usage::kServer, host, -1, 30, true);
  X509Ptr ecdsa = MakeCert(host, keys.leaf_ec, ca.get(), keys.ca_rsa, Usage::kServer, host, -1, 30, false);
  // Client leaves: the server leaves' keys again (a second RSA key would double the start-up
  // cost); they differ by subject, usage and thumbprint, which is what the tests look at.
  X509Ptr client_rsa =
      MakeCert("opensslp test client rsa", keys.leaf_rsa, ca.get(), keys.ca_rsa, Usage::kClient, "", -1, 30, true);
  X509Ptr client_ecdsa =
      MakeCert("opensslp test client ecdsa", keys.leaf_ec, ca.get(), keys.ca_rsa, Usage::kClient, "", -1, 30, false);
  if (!ca || !rsa || !ecdsa || !client_rsa || !client_ecdsa) return fail("certificate generation failed");
  if (!WritePem(pki->ca_file_, {ca.get()}, nullptr)) return fail("cannot write " + pki->ca_file_);

  Builder b{*pki, ""};
  if (!b.Leaf(pki->rsa_, "rsa", rsa.get(), ca.get(), keys.leaf_rsa) ||
      !b.Leaf(pki->ecdsa_, "ecdsa", ecdsa.get(), ca.get(), keys.leaf_ec) ||
      !b.Leaf(pki->client_rsa_, "client-rsa", client_rsa.get(), ca.get(), keys.leaf_rsa) ||
      !b.Leaf(pki->client_ecdsa_, "client-ecdsa", client_ecdsa.get(), ca.get(), keys.leaf_ec)) {
    return fail(b.error);
  }
  if (options.negative_leaves) {
    X509Ptr expired = MakeCert(host, keys.leaf_rsa, ca.get(), keys.ca_rsa, Usage::kServer, host, -30, -1, true);
    X509Ptr rogue_ca =
        MakeCert("opensslp untrusted CA", keys.rogue_ca_ec, nullptr, keys.rogue_ca_ec, Usage::kCa, "", -1, 3650, false);
    if (!expired || !rogue_ca) return fail("certificate generation failed");
    X509Ptr unknown =
        MakeCert(host, keys.leaf_rsa, rogue_ca.get(), keys.rogue_ca_ec, Usage::kServer, host, -1, 30, true);
    if (!unknown) return fail("certificate generation failed");
    if (!b.Leaf(pki->expired_, "expired", expired.get(), ca.get(), keys.leaf_rsa) ||
        !b.Leaf(pki->unknown_ca_, "unknown-ca", unknown.get(), rogue_ca.get(), keys.leaf_rsa)) {
      return fail(b.error);
    }
  }
  DrainErrors();
  return pki;
}

TestPki::~TestPki() {
  if (!directory_.empty()) {
    std::error_code ec;
    fs::remove_all(directory_, ec);  // best effort; nothing to report from a destructor
  }
}

}  // namespace opensslp::libssl_peer
