// wycheproof_signatures_test.cpp - Project Wycheproof signature vectors through SslVerifySignature.
//
// The vectors (tests/vectors/rsa_*.txt, ecdsa_*.txt, extracted by
// tests/vectors/tools/extract_wycheproof_signatures.py) are verified through the exported
// SslVerifySignature of the static library, with PublicKey objects made here from each group's
// SubjectPublicKeyInfo and inserted into the global handle table. The message is hashed here with
// OpenSSL; the hash value passed follows our conventions (core/signatures.h):
//   pkcs1  NCRYPT_SSL_SIGN_INCLUDE_HASHOID, "<UTF-16 hash id>\0" || digest
//   pss    NCRYPT_SSL_SIGN_USE_PSS_PADDING, the bare digest AND the prefixed form (both checked)
//   ecdsa  no flags, the digest; signatures are raw r||s (P1363), which is our encoding.
// Expectations: valid -> 0; invalid -> NTE_BAD_SIGNATURE (NTE_INVALID_PARAMETER for an empty
// signature); acceptable -> either, and the outcome is counted (docs/key-store.md says which).
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/keys.h"
#include "handles/handle_table.h"
#include "sslprovider.h"
#include "support/wide.h"

namespace opensslp {
namespace {

std::vector<std::uint8_t> FromHex(const std::string& hex) {
  std::vector<std::uint8_t> out;
  if (hex.size() % 2 != 0) throw std::runtime_error("odd hex length");
  for (std::size_t i = 0; i < hex.size(); i += 2)
    out.push_back(static_cast<std::uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

struct Vector {
  int tc_id = 0;
  std::size_t key_index = 0;
  std::vector<std::uint8_t> msg, sig;
  std::string result, flags;
};

struct VectorFile {
  std::string scheme, hash;
  std::vector<std::vector<std::uint8_t>> keys;
  std::vector<Vector> tests;
};

// A strict reader: every line must be one the generator writes, or the test fails.
VectorFile ReadVectors(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  VectorFile file;
  std::string line;
  Vector current;
  bool in_test = false;
  int line_no = 0;
  auto finish = [&] {
    if (in_test) {
      if (current.result.empty()) throw std::runtime_error("test without result at line " + std::to_string(line_no));
      file.tests.push_back(current);
    }
    in_test = false;
    current = Vector();
  };
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line[0] == '#') continue;
    if (line.empty()) {
      finish();
      continue;
    }
    if (line.rfind("[key = ", 0) == 0 && line.back() == ']') {
      finish();
      file.keys.push_back(FromHex(line.substr(7, line.size() - 8)));
      continue;
    }
    const std::size_t eq = line.find(" = ");
    const std::string name = eq == std::string::npos ? line.substr(0, line.find(" =")) : line.substr(0, eq);
    const std::string value = eq == std::string::npos ? std::string() : line.substr(eq + 3);
    if (name == "scheme") {
      file.scheme = value;
    } else if (name == "hash") {
      file.hash = value;
    } else if (name == "tcId") {
      finish();
      if (file.keys.empty()) throw std::runtime_error("test before key");
      in_test = true;
      current.tc_id = std::stoi(value);
      current.key_index = file.keys.size() - 1;
    } else if (in_test && name == "msg") {
      current.msg = FromHex(value);
    } else if (in_test && name == "sig") {
      current.sig = FromHex(value);
    } else if (in_test && name == "result") {
      if (value != "valid" && value != "invalid" && value != "acceptable") throw std::runtime_error("bad result");
      current.result = value;
    } else if (in_test && name == "flags") {
      current.flags = value;
    } else {
      throw std::runtime_error("unexpected line " + std::to_string(line_no) + ": " + line);
    }
  }
  finish();
  return file;
}

std::vector<std::uint8_t> HashIdPrefix(const std::string& name) {
  std::vector<std::uint8_t> out;
  for (char c : name) {
    out.push_back(static_cast<std::uint8_t>(c));
    out.push_back(0);
  }
  out.push_back(0);
  out.push_back(0);
  return out;
}

class WycheproofSignatures : public testing::TestWithParam<const char*> {
 protected:
  void SetUp() override { ASSERT_EQ(SslOpenProvider(&provider_, W(u"OpenSSLP Protocol Provider"), 0), 0); }
  void TearDown() override {
    for (Handle h : handles_) (void)HandleTable::Global().Erase(h);
    SslFreeObject(provider_, 0);
  }

  NCRYPT_KEY_HANDLE InsertPublicKey(const std::vector<std::uint8_t>& spki) {
    const unsigned char* p = spki.data();
    EVP_PKEY* pkey = d2i_PUBKEY(nullptr, &p, static_cast<long>(spki.size()));
    EXPECT_NE(pkey, nullptr);
    if (pkey == nullptr) return 0;
    const bool rsa = EVP_PKEY_is_a(pkey, "RSA");
    const auto bits = static_cast<std::uint32_t>(EVP_PKEY_get_bits(pkey));
    auto key = std::make_shared<PublicKey>(ossl::PKey(pkey), KeyDescription{rsa ? u"RSA" : u"ECDSA", bits, 0});
    auto h = HandleTable::Global().Insert(key);
    EXPECT_TRUE(h.ok());
    handles_.push_back(h.value());
    return static_cast<NCRYPT_KEY_HANDLE>(h.value());
  }

  NCRYPT_PROV_HANDLE provider_ = 0;
  std::vector<Handle> handles_;
};

TEST_P(WycheproofSignatures, VerifyThroughSslVerifySignature) {
  const std::string path = std::string(OPENSSLP_TEST_VECTORS_DIR) + "/" + GetParam();
  VectorFile file = ReadVectors(path);
  ASSERT_FALSE(file.tests.empty());
  const EVP_MD* md = EVP_get_digestbyname(file.hash == "SHA256"   ? "SHA256"
                                          : file.hash == "SHA384" ? "SHA384"
                                                                  : "SHA512");
  ASSERT_NE(md, nullptr);
  DWORD flags = 0;
  if (file.scheme == "pkcs1")
    flags = NCRYPT_SSL_SIGN_INCLUDE_HASHOID;
  else if (file.scheme == "pss")
    flags = NCRYPT_SSL_SIGN_USE_PSS_PADDING;
  else
    ASSERT_EQ(file.scheme, "ecdsa");

  std::vector<NCRYPT_KEY_HANDLE> keys;
  for (const auto& spki : file.keys) keys.push_back(InsertPublicKey(spki));

  std::map<std::string, int> counts;  // "valid:ok", "invalid:rejected", "acceptable:accepted", ...
  for (const Vector& t : file.tests) {
    SCOPED_TRACE("tcId " + std::to_string(t.tc_id) + " (" + t.flags + ")");
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_len = 0;
    ASSERT_EQ(EVP_Digest(t.msg.data(), t.msg.size(), digest, &digest_len, md, nullptr), 1);
    std::vector<std::vector<std::uint8_t>> inputs;
    std::vector<std::uint8_t> prefixed = HashIdPrefix(file.hash);
    prefixed.insert(prefixed.end(), digest, digest + digest_len);
    if (file.scheme == "pkcs1") {
      inputs.push_back(prefixed);
    } else {
      inputs.emplace_back(digest, digest + digest_len);
      if (file.scheme == "pss") inputs.push_back(prefixed);
    }
    for (auto& input : inputs) {
      std::vector<std::uint8_t> sig = t.sig;
      const SECURITY_STATUS rc =
          SslVerifySignature(provider_, keys[t.key_index], input.data(), static_cast<DWORD>(input.size()),
                             sig.empty() ? nullptr : sig.data(), static_cast<DWORD>(sig.size()), flags);
      if (t.result == "valid") {
        EXPECT_EQ(rc, 0);
        counts[rc == 0 ? "valid:verified" : "valid:FAILED"]++;
      } else if (t.result == "invalid") {
        if (sig.empty()) {
          EXPECT_EQ(rc, NTE_INVALID_PARAMETER);
        } else {
          EXPECT_EQ(rc, NTE_BAD_SIGNATURE);
        }
        counts[rc == NTE_BAD_SIGNATURE || (sig.empty() && rc == NTE_INVALID_PARAMETER) ? "invalid:rejected"
                                                                                       : "invalid:WRONG"]++;
      } else {
        EXPECT_TRUE(rc == 0 || rc == NTE_BAD_SIGNATURE) << std::hex << rc;
        counts[std::string("acceptable:") + (rc == 0 ? "accepted" : "rejected") + "[" + t.flags + "]"]++;
      }
    }
  }
  std::cout << "[ vectors  ] " << GetParam() << ": " << file.tests.size() << " tests";
  for (const auto& [k, v] : counts) std::cout << ", " << k << "=" << v;
  std::cout << std::endl;
}

INSTANTIATE_TEST_SUITE_P(Files, WycheproofSignatures,
                         testing::Values("rsa_pkcs1_2048_sha256.txt", "rsa_pkcs1_3072_sha384.txt",
                                         "rsa_pkcs1_2048_sha512.txt", "rsa_pss_2048_sha256_mgf1_32.txt",
                                         "rsa_pss_3072_sha256_mgf1_32.txt", "ecdsa_p256_sha256_p1363.txt",
                                         "ecdsa_p384_sha384_p1363.txt", "ecdsa_p521_sha512_p1363.txt"));

}  // namespace
}  // namespace opensslp
