// fuzz_param_list.cpp - NCryptBufferDesc parameter lists as callers pass them (abi/ncrypt_params.*,
// docs/reference/caller-semantics.md#parameter-lists) to every export that takes one.
//
// Input: byte 0 picks the export; byte 1 ulVersion (0 unless its top bit is set, then the byte
// itself); byte 2 cBuffers (byte % 9; 0xF0 and above: 60..75 empty buffers, around the 64-buffer
// limit); a 0xEE byte 2 passes a NULL list instead. Then per buffer: a type byte (below 0xC0: one
// of the NCRYPTBUFFER_* types by index; otherwise the next 4 bytes are a raw BufferType), a length
// byte (0xFF: cbBuffer > 0 with a NULL pvBuffer, which the reader must refuse without reading) and
// that many data bytes (fewer if the input ends: cbBuffer never exceeds what this file owns). Each
// buffer lives in its own allocation of exactly cbBuffer bytes, so an over-read is an ASan report.
//
// Oracles: documented statuses only; no handle left behind (every handle a successful call made
// is freed); a failed call leaves its output handle(s) untouched (pre-filled with a sentinel), a
// successful one writes a live handle; TLS 1.3 lists are checked for form only, so a traffic
// secret or binder key derived with any accepted list MACs like the one derived with a NULL list.
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "fuzz_support.h"
#include "opensslp/opensslp.h"
#include "opensslp/win_types.h"

using namespace opensslp::fuzz;

namespace {

constexpr NCRYPT_KEY_HANDLE kSentinel = 0x5A5A5A5A;
constexpr DWORD kTls12 = TLS1_2_PROTOCOL_VERSION;
constexpr DWORD kTls13 = TLS1_3_PROTOCOL_VERSION;
constexpr DWORD kEcdheGcm = TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256;
constexpr DWORD kRsaGcm = TLS_RSA_WITH_AES_128_GCM_SHA256;
constexpr DWORD kAes128Sha256 = 0x1301;

const ULONG kTypes[] = {
    NCRYPTBUFFER_SSL_CLIENT_RANDOM,
    NCRYPTBUFFER_SSL_SERVER_RANDOM,
    NCRYPTBUFFER_SSL_HIGHEST_VERSION,
    NCRYPTBUFFER_SSL_SESSION_HASH,
    NCRYPTBUFFER_SSL_CLEAR_KEY,
    NCRYPTBUFFER_SSL_KEY_ARG_DATA,
    NCRYPTBUFFER_EMPTY,
    NCRYPTBUFFER_DATA,
};

void Check(SECURITY_STATUS rc, const char* what) { Require(CheckStatus(rc, what) == 0, what); }

// An RSA private key handle (SslOpenPrivateKey over a key store in a temp dir) and its public half
// as a BCRYPT_RSAPUBLIC_BLOB handle, both for the RSA key-transport exports.
struct RsaKeys {
  NCRYPT_KEY_HANDLE priv = 0;
  NCRYPT_KEY_HANDLE pub = 0;
};

std::vector<std::uint8_t> BigEndian(const EVP_PKEY* pkey, const char* name) {
  BIGNUM* bn = nullptr;
  Require(EVP_PKEY_get_bn_param(pkey, name, &bn) == 1, "RSA parameter");
  std::vector<std::uint8_t> out(BN_num_bytes(bn));
  BN_bn2bin(bn, out.data());
  BN_free(bn);
  return out;
}

void PutLe32(std::vector<std::uint8_t>& v, std::uint32_t x) {
  for (int i = 0; i < 4; ++i) v.push_back(static_cast<std::uint8_t>(x >> (8 * i)));
}

RsaKeys MakeRsaKeys() {
  RsaKeys keys;
  EVP_PKEY* pkey = EVP_RSA_gen(2048);
  Require(pkey != nullptr, "EVP_RSA_gen");
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600L * 24 * 365);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("fuzz"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509_set_pubkey(cert, pkey);
  Require(X509_sign(cert, pkey, EVP_sha256()) > 0, "X509_sign");
  unsigned char* der = nullptr;
  const int der_len = i2d_X509(cert, &der);
  Require(der_len > 0, "i2d_X509");
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(der, static_cast<std::size_t>(der_len), digest);
  std::string thumb;
  for (unsigned char b : digest) {
    char hex[3];
    std::snprintf(hex, sizeof hex, "%02x", b);
    thumb += hex;
  }
  char dir_template[] = "/tmp/opensslp-fuzz-param-XXXXXX";
  Require(mkdtemp(dir_template) != nullptr, "mkdtemp");
  const std::string dir = dir_template;
  const std::string key_path = dir + "/" + thumb + ".pem";
  FILE* f = std::fopen(key_path.c_str(), "wb");
  Require(f != nullptr && PEM_write_PrivateKey(f, pkey, nullptr, nullptr, 0, nullptr, nullptr) == 1, "write key");
  std::fclose(f);
  setenv(OPENSSLP_KEY_STORE_ENV, dir.c_str(), 1);
  CERT_CONTEXT ctx{};
  ctx.dwCertEncodingType = X509_ASN_ENCODING;
  ctx.pbCertEncoded = der;
  ctx.cbCertEncoded = static_cast<DWORD>(der_len);
  Check(SslOpenPrivateKey(Provider(), &keys.priv, &ctx, 0), "SslOpenPrivateKey (setup)");
  // The key is loaded at the open; the store is not needed any more.
  unlink(key_path.c_str());
  rmdir(dir.c_str());

  const std::vector<std::uint8_t> e = BigEndian(pkey, OSSL_PKEY_PARAM_RSA_E);
  const std::vector<std::uint8_t> n = BigEndian(pkey, OSSL_PKEY_PARAM_RSA_N);
  std::vector<std::uint8_t> blob;
  PutLe32(blob, BCRYPT_RSAPUBLIC_MAGIC);
  PutLe32(blob, 2048);
  PutLe32(blob, static_cast<std::uint32_t>(e.size()));
  PutLe32(blob, static_cast<std::uint32_t>(n.size()));
  PutLe32(blob, 0);
  PutLe32(blob, 0);
  blob.insert(blob.end(), e.begin(), e.end());
  blob.insert(blob.end(), n.begin(), n.end());
  Check(SslImportKey(Provider(), &keys.pub, BCRYPT_RSAPUBLIC_BLOB, blob.data(), static_cast<DWORD>(blob.size()), 0),
        "SslImportKey RSA (setup)");
  OPENSSL_free(der);
  X509_free(cert);
  EVP_PKEY_free(pkey);
  return keys;
}

// A public-key handle holding an ephemeral key's public half.
NCRYPT_KEY_HANDLE PublicOf(NCRYPT_KEY_HANDLE eph) {
  DWORD len = 0;
  Check(SslExportKey(Provider(), eph, BCRYPT_ECCPUBLIC_BLOB, nullptr, 0, &len, 0), "SslExportKey size (setup)");
  std::vector<std::uint8_t> blob(len);
  Check(SslExportKey(Provider(), eph, BCRYPT_ECCPUBLIC_BLOB, blob.data(), len, &len, 0), "SslExportKey (setup)");
  NCRYPT_KEY_HANDLE pub = 0;
  Check(SslImportKey(Provider(), &pub, BCRYPT_ECCPUBLIC_BLOB, blob.data(), len, 0), "SslImportKey (setup)");
  return pub;
}

// Every handle the exports take, made once per process (the HandleScope of each input opens
// after these exist).
struct Fixture {
  NCRYPT_KEY_HANDLE eph12 = 0, peer12 = 0, master12 = 0;
  RsaKeys rsa;
  NCRYPT_KEY_HANDLE eph13 = 0, peer13 = 0, early = 0, handshake = 0, master13 = 0, traffic = 0, resumption = 0;
  NCRYPT_HASH_HANDLE transcript = 0;
};

const Fixture& Fix() {
  static const Fixture fixture = [] {
    Fixture f;
    const NCRYPT_PROV_HANDLE prov = Provider();
    NCRYPT_KEY_HANDLE other = 0;
    Check(SslCreateEphemeralKey(prov, &f.eph12, kTls12, kEcdheGcm, TLS_ECC_P256_CURVE_KEY_TYPE, 0, nullptr, 0, 0),
          "SslCreateEphemeralKey (setup)");
    Check(SslCreateEphemeralKey(prov, &other, kTls12, kEcdheGcm, TLS_ECC_P256_CURVE_KEY_TYPE, 0, nullptr, 0, 0),
          "SslCreateEphemeralKey (setup)");
    f.peer12 = PublicOf(other);
    Free(other);
    std::uint8_t cr[32], sr[32];
    for (int i = 0; i < 32; ++i) cr[i] = static_cast<std::uint8_t>(i), sr[i] = static_cast<std::uint8_t>(0x80 + i);
    NCryptBuffer bufs[2] = {{32, NCRYPTBUFFER_SSL_CLIENT_RANDOM, cr}, {32, NCRYPTBUFFER_SSL_SERVER_RANDOM, sr}};
    NCryptBufferDesc desc{NCRYPTBUFFER_VERSION, 2, bufs};
    Check(SslGenerateMasterKey(prov, f.eph12, f.peer12, &f.master12, kTls12, kEcdheGcm, &desc, nullptr, 0, nullptr,
                               NCRYPT_SSL_CLIENT_FLAG),
          "SslGenerateMasterKey (setup)");
    f.rsa = MakeRsaKeys();

    Check(SslCreateEphemeralKey(prov, &f.eph13, kTls13, kAes128Sha256, TLS_ECC_P256_CURVE_KEY_TYPE, 0, nullptr, 0, 0),
          "SslCreateEphemeralKey 1.3 (setup)");
    Check(SslCreateEphemeralKey(prov, &other, kTls13, kAes128Sha256, TLS_ECC_P256_CURVE_KEY_TYPE, 0, nullptr, 0, 0),
          "SslCreateEphemeralKey 1.3 (setup)");
    f.peer13 = PublicOf(other);
    Free(other);
    Check(SslExtractEarlyKey(prov, 0, &f.early, kTls13, kAes128Sha256, nullptr, 0), "SslExtractEarlyKey (setup)");
    Check(SslExtractHandshakeKey(prov, f.eph13, f.peer13, f.early, &f.handshake, nullptr, 0),
          "SslExtractHandshakeKey (setup)");
    Check(SslExtractMasterKey(prov, f.handshake, &f.master13, nullptr, 0), "SslExtractMasterKey (setup)");
    Check(SslCreateHandshakeHash(prov, &f.transcript, kTls13, kAes128Sha256, 0), "SslCreateHandshakeHash (setup)");
    std::uint8_t msg[4] = {1, 0, 0, 0};
    Check(SslHashHandshake(prov, f.transcript, msg, sizeof msg, 0), "SslHashHandshake (setup)");
    Check(SslExpandTrafficKeys(prov, f.master13, f.transcript, &f.traffic, nullptr, nullptr, 0),
          "SslExpandTrafficKeys (setup)");
    Check(SslExpandResumptionMasterKey(prov, f.master13, f.transcript, &f.resumption, nullptr, 0),
          "SslExpandResumptionMasterKey (setup)");
    return f;
  }();
  return fixture;
}

// The Finished MAC a traffic secret or binder key makes over the fixture's transcript.
std::vector<std::uint8_t> Mac(NCRYPT_KEY_HANDLE key) {
  std::vector<std::uint8_t> out(32);
  Check(SslComputeFinishedHash(Provider(), key, Fix().transcript, out.data(), 32, NCRYPT_SSL_CLIENT_FLAG),
        "SslComputeFinishedHash of a derived secret");
  return out;
}

// The parameter list an input describes; owns every byte it points to.
class ParamList {
 public:
  ParamList(const std::uint8_t* data, std::size_t size) : p_(data), end_(data + size) {
    const std::uint8_t version = Byte();
    desc_.ulVersion = (version & 0x80) ? version : NCRYPTBUFFER_VERSION;
    const std::uint8_t count = Byte();
    null_list_ = count == 0xEE;
    std::size_t n = count >= 0xF0 ? 60 + (count - 0xF0) : count % 9;
    if (count >= 0xF0) {
      // Many empty buffers: the 64-buffer limit (kMaxParameterBuffers) is refused before reading.
      buffers_.assign(n, NCryptBuffer{0, NCRYPTBUFFER_EMPTY, nullptr});
    } else {
      for (std::size_t i = 0; i < n; ++i) {
        NCryptBuffer b{};
        const std::uint8_t t = Byte();
        if (t < 0xC0) {
          b.BufferType = kTypes[t % (sizeof kTypes / sizeof kTypes[0])];
        } else {
          ULONG raw = 0;
          for (int k = 0; k < 4; ++k) raw |= static_cast<ULONG>(Byte()) << (8 * k);
          b.BufferType = raw;
        }
        const std::uint8_t len = Byte();
        if (len == 0xFF) {
          b.cbBuffer = 32;  // a length with no memory: the reader refuses it without reading
          b.pvBuffer = nullptr;
        } else {
          const std::size_t have = std::min<std::size_t>(len, static_cast<std::size_t>(end_ - p_));
          auto owned = std::make_unique<std::uint8_t[]>(have == 0 ? 1 : have);
          std::copy(p_, p_ + have, owned.get());
          p_ += have;
          b.cbBuffer = static_cast<ULONG>(have);
          b.pvBuffer = have == 0 && (t & 1) ? nullptr : owned.get();
          storage_.push_back(std::move(owned));
        }
        buffers_.push_back(b);
      }
    }
    desc_.cBuffers = static_cast<ULONG>(buffers_.size());
    // cBuffers > 0 with a NULL pBuffers is refused; an empty list may have either.
    desc_.pBuffers = buffers_.empty() && (count & 1) ? nullptr : buffers_.data();
    if (!buffers_.empty() && version == 0x7F) desc_.pBuffers = nullptr;
  }

  PNCryptBufferDesc get() { return null_list_ ? nullptr : &desc_; }

  // A model of the documented rules (abi/ncrypt_params.h): would the reader accept this list?
  bool WellFormed() const {
    if (null_list_) return true;
    if (desc_.ulVersion != NCRYPTBUFFER_VERSION || desc_.cBuffers > 64) return false;
    if (desc_.cBuffers == 0) return true;
    if (desc_.pBuffers == nullptr) return false;
    int seen[4] = {0, 0, 0, 0};
    for (const NCryptBuffer& b : buffers_) {
      if (b.cbBuffer > 0 && b.pvBuffer == nullptr) return false;
      switch (b.BufferType) {
        case NCRYPTBUFFER_SSL_CLIENT_RANDOM:
        case NCRYPTBUFFER_SSL_SERVER_RANDOM:
          if (seen[b.BufferType - NCRYPTBUFFER_SSL_CLIENT_RANDOM]++ || b.cbBuffer != 32) return false;
          break;
        case NCRYPTBUFFER_SSL_HIGHEST_VERSION:
          if (seen[2]++ || b.cbBuffer != 4) return false;
          break;
        case NCRYPTBUFFER_SSL_SESSION_HASH:
          if (seen[3]++ || b.cbBuffer < 1 || b.cbBuffer > 64) return false;
          break;
        default: break;
      }
    }
    return true;
  }

 private:
  std::uint8_t Byte() { return p_ < end_ ? *p_++ : 0; }

  const std::uint8_t* p_;
  const std::uint8_t* end_;
  bool null_list_ = false;
  NCryptBufferDesc desc_{};
  std::vector<NCryptBuffer> buffers_;
  std::vector<std::unique_ptr<std::uint8_t[]>> storage_;
};

// A one-output call: the sentinel stays on failure, a live handle appears on success (then freed).
SECURITY_STATUS g_last = 0;

void OneOutput(SECURITY_STATUS rc, NCRYPT_KEY_HANDLE out, const char* what) {
  g_last = rc;
  if (CheckStatus(rc, what) != 0) {
    Require(out == kSentinel, "a failed call leaves its output handle untouched");
    return;
  }
  Require(out != kSentinel && out != 0, "a successful call writes a handle");
  Free(out);
}

// Like OneOutput, for a TLS 1.3 secret: it must MAC like the same derivation with a NULL list.
void SameAsNullList(SECURITY_STATUS rc, NCRYPT_KEY_HANDLE out, SECURITY_STATUS rc_null, NCRYPT_KEY_HANDLE out_null,
                    const char* what) {
  g_last = rc;
  CheckStatus(rc, what);
  if (rc == 0) {
    Require(out != kSentinel && out != 0, "a successful call writes a handle");
    Require(rc_null == 0, "a TLS 1.3 derivation that succeeds with a list succeeds without one");
    ExpectEqual(Mac(out), Mac(out_null), "a TLS 1.3 secret does not depend on the parameter list");
    Free(out);
  } else {
    Require(out == kSentinel, "a failed call leaves its output handle untouched");
  }
  if (rc_null == 0) Free(out_null);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const Fixture& f = Fix();
  HandleScope scope;
  const NCRYPT_PROV_HANDLE prov = Provider();
  ParamList list(data + 1, size - 1);
  PNCryptBufferDesc params = list.get();
  NCRYPT_KEY_HANDLE out = kSentinel, out2 = kSentinel, ref = 0;
  const bool well_formed = list.WellFormed();
  switch (data[0] % 16) {
    case 0:
    case 1: {
      const DWORD role = data[0] & 0x10 ? NCRYPT_SSL_SERVER_FLAG : NCRYPT_SSL_CLIENT_FLAG;
      DWORD result = 77;
      const SECURITY_STATUS rc =
          SslGenerateMasterKey(prov, f.eph12, f.peer12, &out, kTls12, kEcdheGcm, params, nullptr, 0, &result, role);
      if (rc == 0) Require(result == 0, "ECDHE master key: *pcbResult = 0");
      OneOutput(rc, out, "SslGenerateMasterKey (ECDHE)");
      break;
    }
    case 2: {
      // RSA key transport, client side: the ciphertext goes to pbOutput.
      std::vector<std::uint8_t> ct(256, 0xA5);
      DWORD result = 0;
      const SECURITY_STATUS rc = SslGenerateMasterKey(prov, 0, f.rsa.pub, &out, kTls12, kRsaGcm, params, ct.data(),
                                                      static_cast<DWORD>(ct.size()), &result, NCRYPT_SSL_CLIENT_FLAG);
      if (rc == 0) Require(result == 256, "RSA master key: *pcbResult = the modulus length");
      OneOutput(rc, out, "SslGenerateMasterKey (RSA)");
      break;
    }
    case 3: {
      std::vector<std::uint8_t> ct(256, 0xA5);
      DWORD result = 0;
      const SECURITY_STATUS rc =
          SslGeneratePreMasterKey(prov, f.rsa.pub, &out, kTls12, kRsaGcm, params, ct.data(),
                                  static_cast<DWORD>(ct.size()), &result, NCRYPT_SSL_CLIENT_FLAG);
      OneOutput(rc, out, "SslGeneratePreMasterKey");
      break;
    }
    case 4: {
      // Any 256-byte value below the modulus: implicit rejection makes a master key of it.
      std::vector<std::uint8_t> ct(256, 0x42);
      OneOutput(SslImportMasterKey(prov, f.rsa.priv, &out, kTls12, kRsaGcm, params, ct.data(),
                                   static_cast<DWORD>(ct.size()), NCRYPT_SSL_SERVER_FLAG),
                out, "SslImportMasterKey");
      break;
    }
    case 5: {
      const SECURITY_STATUS rc =
          CheckStatus(SslGenerateSessionKeys(prov, f.master12, &out, &out2, params, 0), "SslGenerateSessionKeys");
      g_last = rc;
      if (rc != 0) {
        Require(out == kSentinel && out2 == kSentinel, "a failed SslGenerateSessionKeys writes no handle");
      } else {
        Require(out != kSentinel && out2 != kSentinel && out != out2, "two session keys");
        Free(out);
        Free(out2);
      }
      break;
    }
    case 6: {
      const SECURITY_STATUS rc = SslExtractEarlyKey(prov, 0, &out, kTls13, kAes128Sha256, params, 0);
      OneOutput(rc, out, "SslExtractEarlyKey");
      break;
    }
    case 7:
      OneOutput(SslExtractHandshakeKey(prov, f.eph13, f.peer13, f.early, &out, params, 0), out,
                "SslExtractHandshakeKey");
      break;
    case 8: OneOutput(SslExtractMasterKey(prov, f.handshake, &out, params, 0), out, "SslExtractMasterKey"); break;
    case 9: {
      const SECURITY_STATUS rc_null = SslExpandTrafficKeys(prov, f.master13, f.transcript, &ref, nullptr, nullptr, 0);
      const SECURITY_STATUS rc = SslExpandTrafficKeys(prov, f.master13, f.transcript, &out, nullptr, params, 0);
      SameAsNullList(rc, out, rc_null, ref, "SslExpandTrafficKeys");
      break;
    }
    case 10: OneOutput(SslExpandWriteKey(prov, f.traffic, &out, params, 0), out, "SslExpandWriteKey"); break;
    case 11:
      OneOutput(SslExpandExporterMasterKey(prov, f.master13, f.transcript, &out, params, 0), out,
                "SslExpandExporterMasterKey");
      break;
    case 12:
      OneOutput(SslExpandResumptionMasterKey(prov, f.master13, f.transcript, &out, params, 0), out,
                "SslExpandResumptionMasterKey");
      break;
    case 13: {
      const DWORD flag = data[0] & 0x10 ? NCRYPT_SSL_RESUMPTION_PSK_FLAG : NCRYPT_SSL_EXTERNAL_PSK_FLAG;
      const SECURITY_STATUS rc_null = SslExpandBinderKey(prov, f.early, &ref, nullptr, flag);
      const SECURITY_STATUS rc = SslExpandBinderKey(prov, f.early, &out, params, flag);
      SameAsNullList(rc, out, rc_null, ref, "SslExpandBinderKey");
      break;
    }
    case 14: {
      std::uint8_t nonce[8] = {0, 1, 2, 3, 4, 5, 6, 7};
      OneOutput(SslExpandPreSharedKey(prov, f.resumption, nonce, sizeof nonce, &out, params, 0), out,
                "SslExpandPreSharedKey");
      break;
    }
    case 15: {
      const SECURITY_STATUS rc_null = SslExpandNextGenTrafficKey(prov, f.traffic, &ref, nullptr, 0);
      const SECURITY_STATUS rc = SslExpandNextGenTrafficKey(prov, f.traffic, &out, params, 0);
      SameAsNullList(rc, out, rc_null, ref, "SslExpandNextGenTrafficKey");
      break;
    }
  }
  // Every argument but the list is valid: a malformed list is NTE_INVALID_PARAMETER, and a TLS 1.3
  // export (which checks the list for form only) succeeds with any well-formed one.
  if (!well_formed) Require(g_last == NTE_INVALID_PARAMETER, "a malformed list is NTE_INVALID_PARAMETER");
  if (well_formed && data[0] % 16 >= 6) Require(g_last == 0, "a TLS 1.3 export accepts any well-formed list");
  return 0;
}
