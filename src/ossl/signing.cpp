#include "ossl/signing.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>

#include <cstring>
#include <memory>
#include <string>

#include "base/groups.h"
#include "ossl/library.h"
#include "ossl/ossl_ptr.h"
#include "util/ascii.h"

namespace opensslp::ossl {
namespace {

// RSA moduli outside this range are refused. The lower bound is the one the rest of opensslp
// uses (RSA public-key import in core/key_blobs.cpp, the catalog's minimum key exchange length):
// 512-bit moduli are factored in hours (and 768 bits publicly since 2009), and a certificate key
// below 1024 bits is refused by every current TLS stack. The upper bound is OpenSSL's
// OPENSSL_RSA_MAX_MODULUS_BITS.
constexpr std::uint32_t kMinRsaBits = 1024;
constexpr std::uint32_t kMaxRsaBits = 16384;

const EVP_MD* DigestOf(HashAlg hash) noexcept {
  switch (hash) {
    case HashAlg::kMd5: return EVP_md5();
    case HashAlg::kSha1: return EVP_sha1();
    case HashAlg::kSha256: return EVP_sha256();
    case HashAlg::kSha384: return EVP_sha384();
    case HashAlg::kSha512: return EVP_sha512();
    case HashAlg::kMd5Sha1: return nullptr;  // signed raw (kPkcs1NoDigestInfo), never as a DigestInfo
  }
  return nullptr;
}

// The NIST curve of base/groups.h that an OpenSSL EC group name denotes. OpenSSL reports the
// NIST curves by their X9.62/SEC 2 short names ("prime256v1", "secp384r1", "secp521r1") while the
// table holds the NIST names ("P-256", ...), so both sides are mapped to curve NIDs: OBJ_txt2nid
// understands short and long names and dotted OIDs, EC_curve_nist2nid the "P-256" forms.
int CurveNid(const char* name) noexcept {
  const int nid = OBJ_txt2nid(name);
  return nid != NID_undef ? nid : EC_curve_nist2nid(name);
}

const GroupInfo* NistGroupForCurve(const std::string& ossl_group_name) {
  const int nid = CurveNid(ossl_group_name.c_str());
  if (nid == NID_undef) return nullptr;
  for (const GroupInfo& g : kGroups) {
    if (g.family != GroupFamily::kNistCurve) continue;
    if (OBJ_txt2nid(std::string(g.oid).c_str()) == nid) return &g;
  }
  return nullptr;
}

// Sets padding, digest and (PSS) MGF1/salt on a sign or verify context.
Status ConfigureRsa(EVP_PKEY_CTX* ctx, SignatureSpec spec) {
  // RFC 9155 §5: MD5 signatures MUST NOT be used in TLS 1.2. core/signatures.cpp refuses MD5
  // hash ids already; this is the last line of defence for any other caller.
  if (spec.padding != SigPadding::kPkcs1NoDigestInfo && spec.hash == HashAlg::kMd5) return Error::kNotSupported;
  switch (spec.padding) {
    case SigPadding::kPkcs1NoDigestInfo:
      // No signature digest: OpenSSL's RSA signature then pads the input as it is (RFC 8017
      // §9.2 step 3 onwards, without the DigestInfo), which is what TLS 1.0/1.1 sign.
      if (EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) != 1) return Error::kInternal;
      return Status::Ok();
    case SigPadding::kPkcs1:
      if (EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) != 1) return Error::kInternal;
      if (EVP_PKEY_CTX_set_signature_md(ctx, DigestOf(spec.hash)) != 1) return Error::kInternal;
      return Status::Ok();
    case SigPadding::kPss:
      // RFC 8446 §4.2.3: MGF1 with the signature's hash, salt length = digest length.
      if (EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) != 1) return Error::kInternal;
      if (EVP_PKEY_CTX_set_signature_md(ctx, DigestOf(spec.hash)) != 1) return Error::kInternal;
      if (EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, DigestOf(spec.hash)) != 1) return Error::kInternal;
      if (EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, RSA_PSS_SALTLEN_DIGEST) != 1) return Error::kInternal;
      return Status::Ok();
    case SigPadding::kEcdsa: break;
  }
  return Error::kInvalidParameter;
}

bool PaddingFitsKey(SigPadding padding, KeyFamily family) noexcept {
  return (padding == SigPadding::kEcdsa) == (family == KeyFamily::kEc);
}

}  // namespace

Result<KeyInfo> InspectKey(const PKey& key) {
  if (!key) return Error::kInvalidParameter;
  EVP_PKEY* pkey = key.get();
  KeyInfo info;
  const int bits = EVP_PKEY_get_bits(pkey);
  if (bits <= 0) return Error::kBadKey;
  // Base ids, not EVP_PKEY_is_a, which allocates in OpenSSL 3.0 (rsa_transport.cpp IsRsaKey).
  if (EVP_PKEY_get_base_id(pkey) == EVP_PKEY_RSA) {
    // RSA-PSS-restricted keys (id-RSASSA-PSS SubjectPublicKeyInfo) are EVP_PKEY_RSA_PSS and
    // are not "RSA": TLS servers with such certificates are out of scope.
    info.family = KeyFamily::kRsa;
    info.bits = static_cast<std::uint32_t>(bits);
    if (info.bits < kMinRsaBits || info.bits > kMaxRsaBits) return Error::kNotSupported;
    info.signature_size = (info.bits + 7) / 8;
    return info;
  }
  if (EVP_PKEY_get_base_id(pkey) == EVP_PKEY_EC) {
    char group[64] = {};
    std::size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), &len) != 1) {
      // Explicit curve parameters (not a named group) have no group name but do have an
      // encoding, "explicit". When the encoding cannot be read either, reading the key's
      // parameters failed as a whole: in OpenSSL 3.0 (ec_get_params) only because a BN_CTX could
      // not be allocated, without an error raised (found by tests/alloc/, docs/robustness.md).
      char encoding[32] = {};
      std::size_t encoding_len = 0;
      if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_EC_ENCODING, encoding, sizeof(encoding),
                                         &encoding_len) != 1) {
        return ConsumeErrorQueue(Error::kNoMemory);
      }
      return Error::kNotSupported;
    }
    const GroupInfo* curve = NistGroupForCurve(std::string(group, len));
    if (curve == nullptr) return Error::kNotSupported;  // e.g. brainpool, secp256k1
    info.family = KeyFamily::kEc;
    info.group = curve->iana_id;
    info.bits = curve->field_bits;
    info.signature_size = 2 * std::size_t{curve->coordinate_bytes};
    return info;
  }
  return Error::kNotSupported;
}

bool HasPrivateKey(const PKey& key) {
  if (!key) return false;
  BIGNUM* raw = nullptr;
  const char* name = EVP_PKEY_get_base_id(key.get()) == EVP_PKEY_RSA ? OSSL_PKEY_PARAM_RSA_D : OSSL_PKEY_PARAM_PRIV_KEY;
  if (EVP_PKEY_get_bn_param(key.get(), name, &raw) != 1) return false;
  BnPtr owned(raw);
  return !BN_is_zero(owned.get());
}

bool SamePublicKey(const PKey& a, const PKey& b) {
  if (!a || !b) return false;
  return EVP_PKEY_eq(a.get(), b.get()) == 1;
}

namespace {

// An RSA key's own parameter, or null when the key does not carry it (or allocation failed).
BnPtr RsaParam(const EVP_PKEY* key, const char* name) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1) return nullptr;
  return BnPtr(raw);
}

// The relations between an RSA key's numbers (RFC 8017 §3.2) that OpenSSL's own keypair check
// (rsa_validate_keypair_multiprime, behind EVP_PKEY_pairwise_check) tests, less its Miller-Rabin
// tests of p and q: those took 41 ms for a 2048-bit key, against 2.4 ms for this check and 0.4 ms
// for a signature (docs/key-store.md), paid at every key load (SslOpenPrivateKey, and a deferred
// key's reopen). Primality is not what the check is for: a key file whose private half is damaged
// or not the public half's. Stricter than OpenSSL in three ways: d < n and e < n, the CRT values
// must be present (every RSAPrivateKey has them; an allocation failure reading one must not skip
// its check), and qInv must be the reduced inverse (0 < qInv < p), which OpenSSL's CRT code
// assumes. The last step, (2^e)^d = 2 (mod n), checks the private exponent against the public key
// directly: with n the certificate's genuine two-prime modulus, n = pq with p, q > 1 fixes p and q
// and the relations already prove d, but a certificate's modulus is not checked for having exactly
// two prime factors. The arithmetic on d is variable-time BIGNUM code (as OpenSSL's check is)
// except that exponentiation, which is constant-time; it runs once per key load, never per record.
// Two-prime keys only: a multi-prime key (RFC 8017 §3.2, u > 2) goes to OpenSSL's full check.
bool RsaKeyPairConsistent(const EVP_PKEY* key) {
  const BnPtr n = RsaParam(key, OSSL_PKEY_PARAM_RSA_N);
  const BnPtr e = RsaParam(key, OSSL_PKEY_PARAM_RSA_E);
  const BnPtr d = RsaParam(key, OSSL_PKEY_PARAM_RSA_D);
  const BnCtxPtr ctx(BN_CTX_secure_new());
  if (!n || !e || !d || !ctx) return false;
  // 1 < e < n, e odd; 0 < d < n.
  if (BN_cmp(e.get(), BN_value_one()) <= 0 || BN_cmp(e.get(), n.get()) >= 0 || !BN_is_odd(e.get())) return false;
  if (BN_is_zero(d.get()) || BN_is_negative(d.get()) || BN_cmp(d.get(), n.get()) >= 0) return false;
  BN_set_flags(d.get(), BN_FLG_CONSTTIME);

  // The factors: every RSAPrivateKey (RFC 8017 Appendix A.1.2) has them, and OpenSSL's check
  // refuses a key without them (RSA_R_VALUE_MISSING), as this one does.
  const BnPtr p = RsaParam(key, OSSL_PKEY_PARAM_RSA_FACTOR1);
  const BnPtr q = RsaParam(key, OSSL_PKEY_PARAM_RSA_FACTOR2);
  if (!p || !q) return false;
  BN_set_flags(p.get(), BN_FLG_CONSTTIME);
  BN_set_flags(q.get(), BN_FLG_CONSTTIME);
  BnPtr work(BN_new()), p1(BN_new()), q1(BN_new()), gcd(BN_new()), lambda(BN_new());
  if (!work || !p1 || !q1 || !gcd || !lambda) return false;
  // n = p q, with p, q > 1.
  if (BN_cmp(p.get(), BN_value_one()) <= 0 || BN_cmp(q.get(), BN_value_one()) <= 0) return false;
  if (BN_mul(work.get(), p.get(), q.get(), ctx.get()) != 1 || BN_cmp(work.get(), n.get()) != 0) return false;
  // d e = 1 (mod lcm(p - 1, q - 1)).
  if (BN_sub(p1.get(), p.get(), BN_value_one()) != 1 || BN_sub(q1.get(), q.get(), BN_value_one()) != 1 ||
      BN_gcd(gcd.get(), p1.get(), q1.get(), ctx.get()) != 1 || BN_mul(work.get(), p1.get(), q1.get(), ctx.get()) != 1 ||
      BN_div(lambda.get(), nullptr, work.get(), gcd.get(), ctx.get()) != 1 ||
      BN_mod_mul(work.get(), d.get(), e.get(), lambda.get(), ctx.get()) != 1 || !BN_is_one(work.get())) {
    return false;
  }
  // The CRT values: dP = d mod (p - 1), dQ = d mod (q - 1), qInv q = 1 (mod p) with 0 < qInv < p.
  const BnPtr dp = RsaParam(key, OSSL_PKEY_PARAM_RSA_EXPONENT1);
  const BnPtr dq = RsaParam(key, OSSL_PKEY_PARAM_RSA_EXPONENT2);
  const BnPtr qinv = RsaParam(key, OSSL_PKEY_PARAM_RSA_COEFFICIENT1);
  if (!dp || !dq || !qinv) return false;
  if (BN_nnmod(work.get(), d.get(), p1.get(), ctx.get()) != 1 || BN_cmp(work.get(), dp.get()) != 0) return false;
  if (BN_nnmod(work.get(), d.get(), q1.get(), ctx.get()) != 1 || BN_cmp(work.get(), dq.get()) != 0) return false;
  if (BN_is_zero(qinv.get()) || BN_is_negative(qinv.get()) || BN_cmp(qinv.get(), p.get()) >= 0 ||
      BN_mod_mul(work.get(), qinv.get(), q.get(), p.get(), ctx.get()) != 1 || !BN_is_one(work.get())) {
    return false;
  }
  // (2^e)^d = 2 (mod n): the private exponent undoes the public one.
  BnPtr two(BN_new()), c(BN_new()), m(BN_new());
  if (!two || !c || !m || BN_set_word(two.get(), 2) != 1) return false;
  if (BN_mod_exp(c.get(), two.get(), e.get(), n.get(), ctx.get()) != 1) return false;
  if (BN_mod_exp_mont_consttime(m.get(), c.get(), d.get(), n.get(), ctx.get(), nullptr) != 1) return false;
  return BN_cmp(m.get(), two.get()) == 0;
}

// A third factor (absent from a two-prime key, whose failed lookup must leave no error behind:
// the boundary reads the queue for allocation failures, core/library.h).
bool IsMultiPrimeRsa(const EVP_PKEY* key) {
  BIGNUM* raw = nullptr;
  ERR_set_mark();
  const bool found = EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_FACTOR3, &raw) == 1;
  ERR_pop_to_mark();
  BN_clear_free(raw);
  return found;
}

}  // namespace

bool KeyPairConsistent(const PKey& key) {
  if (!key) return false;
  bool consistent = false;
  if (EVP_PKEY_get_base_id(key.get()) == EVP_PKEY_RSA && !IsMultiPrimeRsa(key.get())) {
    consistent = RsaKeyPairConsistent(key.get());
  } else {
    EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
    consistent = ctx && EVP_PKEY_pairwise_check(ctx.get()) == 1;
  }
  if (!consistent) ClearErrorQueue();  // the check's reason is not the caller's business
  return consistent;
}

Result<std::vector<std::uint8_t>> SignDigest(const PKey& key, const KeyInfo& info, SignatureSpec spec, Bytes digest) {
  if (!key || digest.empty() || !PaddingFitsKey(spec.padding, info.family)) return Error::kInvalidParameter;
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (!ctx) return Error::kNoMemory;
  if (EVP_PKEY_sign_init(ctx.get()) != 1) return Error::kBadKey;
  if (info.family == KeyFamily::kRsa) TRY(ConfigureRsa(ctx.get(), spec));

  std::size_t len = 0;
  if (EVP_PKEY_sign(ctx.get(), nullptr, &len, digest.data(), digest.size()) != 1 || len == 0) {
    return Error::kInternal;
  }
  std::vector<std::uint8_t> raw(len);
  if (EVP_PKEY_sign(ctx.get(), raw.data(), &len, digest.data(), digest.size()) != 1) return Error::kInternal;
  raw.resize(len);

  if (info.family == KeyFamily::kRsa) {
    if (raw.size() != info.signature_size) return Error::kInternal;
    return raw;
  }

  // ECDSA: OpenSSL produces DER (RFC 3279 Ecdsa-Sig-Value); convert to raw r||s of fixed width.
  const unsigned char* p = raw.data();
  EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(raw.size())));
  if (!sig) return Error::kInternal;
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  const std::size_t half = info.signature_size / 2;
  std::vector<std::uint8_t> out(info.signature_size);
  if (BN_bn2binpad(r, out.data(), static_cast<int>(half)) != static_cast<int>(half) ||
      BN_bn2binpad(s, out.data() + half, static_cast<int>(half)) != static_cast<int>(half)) {
    return Error::kInternal;
  }
  return out;
}

Status VerifyDigest(const PKey& key, const KeyInfo& info, SignatureSpec spec, Bytes digest, Bytes signature) {
  if (!key || digest.empty() || !PaddingFitsKey(spec.padding, info.family)) return Error::kInvalidParameter;
  // Length first: a signature of the wrong size is simply a bad signature (Wycheproof tests
  // signatures with leading zeros added or removed, which must not verify).
  if (signature.size() != info.signature_size) return Error::kBadSignature;

  std::vector<std::uint8_t> der;
  Bytes to_verify = signature;
  if (info.family == KeyFamily::kEc) {
    const std::size_t half = info.signature_size / 2;
    BnPtr r(BN_bin2bn(signature.data(), static_cast<int>(half), nullptr));
    BnPtr s(BN_bin2bn(signature.data() + half, static_cast<int>(half), nullptr));
    if (!r || !s) return Error::kNoMemory;
    EcdsaSigPtr sig(ECDSA_SIG_new());
    if (!sig) return Error::kNoMemory;
    if (ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) return Error::kInternal;
    (void)r.release();
    (void)s.release();
    unsigned char* out = nullptr;
    const int der_len = i2d_ECDSA_SIG(sig.get(), &out);
    if (der_len <= 0) return Error::kInternal;
    OsslBytesPtr owned(out);
    der.assign(out, out + der_len);
    to_verify = der;
  }

  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (!ctx) return Error::kNoMemory;
  if (EVP_PKEY_verify_init(ctx.get()) != 1) return Error::kBadKey;
  if (info.family == KeyFamily::kRsa) TRY(ConfigureRsa(ctx.get(), spec));
  // 1 = valid; 0 = invalid; < 0 = malformed (e.g. a signature value >= n, r or s out of range).
  // Every outcome but 1 means the signature does not verify.
  if (EVP_PKEY_verify(ctx.get(), to_verify.data(), to_verify.size(), digest.data(), digest.size()) != 1) {
    return Error::kBadSignature;
  }
  return Status::Ok();
}

}  // namespace opensslp::ossl
