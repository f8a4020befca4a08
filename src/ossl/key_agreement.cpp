#include "ossl/key_agreement.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/dh.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>

#include <cstring>
#include <memory>
#include <string>

#include "ossl/library.h"
#include "ossl/ossl_ptr.h"

namespace opensslp::ossl {
namespace {

// Every failure path empties the error queue (see the header); an allocation failure OpenSSL
// recorded on the way wins over the error the failing step stands for (library.h).
Error Fail(Error error) noexcept { return ConsumeErrorQueue(error); }

BnPtr BnFromBytes(Bytes bytes) {
  return BnPtr(BN_bin2bn(bytes.empty() ? nullptr : bytes.data(), static_cast<int>(bytes.size()), nullptr));
}

std::vector<std::uint8_t> BnToPadded(const BIGNUM* bn, std::size_t len) {
  std::vector<std::uint8_t> out(len);
  if (BN_bn2binpad(bn, out.data(), static_cast<int>(len)) != static_cast<int>(len)) out.clear();
  return out;
}

std::vector<std::uint8_t> BnToMinimal(const BIGNUM* bn) {
  std::vector<std::uint8_t> out(static_cast<std::size_t>(BN_num_bytes(bn)));
  if (!out.empty()) BN_bn2bin(bn, out.data());
  return out;
}

// The group's OpenSSL name (base/groups.h), NUL-terminated for the C API. For X25519/X448 it is
// also the EVP_PKEY key type name.
std::string OsslName(const GroupInfo& group) { return std::string(group.ossl_name); }

// EVP_PKEY_fromdata over a parameter list built by `fill`.
template <class Fill>
Result<PKey> FromData(const char* type, int selection, Fill&& fill) {
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld) return Fail(Error::kNoMemory);
  if (!fill(bld.get())) return Fail(Error::kInternal);
  ParamsPtr params(OSSL_PARAM_BLD_to_param(bld.get()));  // values wiped when freed
  if (!params) return Fail(Error::kNoMemory);
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0) return Fail(Error::kInternal);
  EVP_PKEY* pkey = nullptr;
  // A value the key manager refuses (e.g. a point that is not on the curve) fails here.
  if (EVP_PKEY_fromdata(ctx.get(), &pkey, selection, params.get()) <= 0) return Fail(Error::kBadData);
  return PKey(pkey);
}

// DH: EVP_PKEY_public_check, the full check (1 < y < p-1 and, when q is known, y^q = 1: the
// small-subgroup test). EC: EVP_PKEY_public_check_quick (on the curve, not the point at
// infinity). The full EC check adds n*Q = O, which is implied for P-256/384/521: their group
// order is prime and the cofactor is 1 (SEC 2 §2.4), so every on-curve point other than O has
// order n. The scalar multiplication it saves is ~50 µs per import (bench/README.md).
Status PublicCheck(const PKey& key) {
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (!ctx) return Fail(Error::kNoMemory);
  const bool ec = EVP_PKEY_get_base_id(key.get()) == EVP_PKEY_EC;  // no allocation (rsa_transport.cpp IsRsaKey)
  const int ok = ec ? EVP_PKEY_public_check_quick(ctx.get()) : EVP_PKEY_public_check(ctx.get());
  if (ok != 1) return Fail(Error::kBadData);
  return Status::Ok();
}

}  // namespace

Result<PKey> GenerateGroupKey(const GroupInfo& group) {
  EvpPkeyCtxPtr ctx;
  switch (group.family) {
    case GroupFamily::kNistCurve: ctx.reset(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr)); break;
    case GroupFamily::kMontgomery:
      ctx.reset(EVP_PKEY_CTX_new_from_name(nullptr, OsslName(group).c_str(), nullptr));
      break;
    case GroupFamily::kFfdhe: ctx.reset(EVP_PKEY_CTX_new_from_name(nullptr, "DH", nullptr)); break;
  }
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) <= 0) return Fail(Error::kInternal);
  if (group.family != GroupFamily::kMontgomery) {
    std::string name = OsslName(group);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, name.data(), 0),
        OSSL_PARAM_construct_end(),
    };
    if (EVP_PKEY_CTX_set_params(ctx.get(), params) <= 0) return Fail(Error::kInternal);
  }
  EVP_PKEY* pkey = nullptr;
  if (EVP_PKEY_generate(ctx.get(), &pkey) <= 0) return Fail(Error::kInternal);
  return PKey(pkey);
}

std::uint32_t BigEndianBits(Bytes value) noexcept {
  std::size_t i = 0;
  while (i < value.size() && value[i] == 0) ++i;
  if (i == value.size()) return 0;
  std::uint32_t bits = static_cast<std::uint32_t>((value.size() - i) * 8);
  for (std::uint8_t top = value[i]; (top & 0x80) == 0; top = static_cast<std::uint8_t>(top << 1)) --bits;
  return bits;
}

Status CheckDhDomain(Bytes p, Bytes g) {
  const std::uint32_t bits = BigEndianBits(p);
  // RFC 7919 §1 / Logjam (weakdh.org): groups under 2048 bits are refused.
  ENSURE(bits >= 2048 && bits <= 8192, Error::kBadData);
  ENSURE((p.back() & 1) == 1, Error::kBadData);
  BnPtr bp = BnFromBytes(p), bg = BnFromBytes(g), p_minus_1(BN_new());
  if (!bp || !bg || !p_minus_1 || !BN_sub(p_minus_1.get(), bp.get(), BN_value_one())) return Fail(Error::kNoMemory);
  // 1 < g < p-1: g = 0, 1 or p-1 generate subgroups of order <= 2 (and g >= p is no residue).
  if (BN_cmp(bg.get(), BN_value_one()) <= 0 || BN_cmp(bg.get(), p_minus_1.get()) >= 0) return Fail(Error::kBadData);
  return Status::Ok();
}

Result<PKey> GenerateDhKey(Bytes p, Bytes g) {
  TRY(CheckDhDomain(p, g));
  BnPtr bp = BnFromBytes(p), bg = BnFromBytes(g);
  if (!bp || !bg) return Fail(Error::kNoMemory);
  ASSIGN_OR_RETURN(PKey domain, FromData("DH", EVP_PKEY_KEY_PARAMETERS, [&](OSSL_PARAM_BLD* bld) {
                     return OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_P, bp.get()) == 1 &&
                            OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_G, bg.get()) == 1;
                   }));
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, domain.get(), nullptr));
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) <= 0) return Fail(Error::kInternal);
  EVP_PKEY* pkey = nullptr;
  if (EVP_PKEY_generate(ctx.get(), &pkey) <= 0) return Fail(Error::kInternal);
  return PKey(pkey);
}

Result<PKey> EcPublicKeyFromPoint(const GroupInfo& group, Bytes point) {
  ENSURE(group.family == GroupFamily::kNistCurve, Error::kInternal);
  // Only the uncompressed form: it is what TLS sends (RFC 8422 §5.4.1, RFC 8446 §4.2.8.2) and
  // the only one the blob formats carry.
  if (point.size() != 1 + 2 * std::size_t{group.coordinate_bytes} || point[0] != 0x04) return Error::kBadData;
  std::string name = OsslName(group);
  ASSIGN_OR_RETURN(PKey key, FromData("EC", EVP_PKEY_PUBLIC_KEY, [&](OSSL_PARAM_BLD* bld) {
                     return OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, name.c_str(), 0) == 1 &&
                            OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                                             point.size()) == 1;
                   }));
  TRY(PublicCheck(key));
  return key;
}

Result<PKey> XPublicKeyFromBytes(const GroupInfo& group, Bytes u) {
  ENSURE(group.family == GroupFamily::kMontgomery, Error::kInternal);
  if (u.size() != group.coordinate_bytes) return Error::kBadData;
  std::uint8_t buf[56];
  std::memcpy(buf, u.data(), u.size());
  // RFC 7748 §5: "When receiving such an array, implementations of X25519 (but not X448) MUST
  // mask the most significant bit in the final byte." In general: the bits of the little-endian
  // u-coordinate above the field size (X25519: 32 * 8 - 255 = 1 bit; X448: none) are cleared.
  const unsigned unused_bits = 8u * group.coordinate_bytes - group.field_bits;
  ENSURE(unused_bits < 8, Error::kInternal);
  buf[u.size() - 1] &= static_cast<std::uint8_t>(0xffu >> unused_bits);
  const std::string type = OsslName(group);
  EVP_PKEY* pkey = EVP_PKEY_new_raw_public_key_ex(nullptr, type.c_str(), nullptr, buf, u.size());
  if (pkey == nullptr) return Fail(Error::kBadData);
  return PKey(pkey);
}

Result<PKey> DhPublicKeyFromValues(Bytes p, Bytes g, Bytes y) {
  TRY(CheckDhDomain(p, g));
  BnPtr bp = BnFromBytes(p), bg = BnFromBytes(g), by = BnFromBytes(y), p_minus_1(BN_new());
  if (!bp || !bg || !by || !p_minus_1 || !BN_sub(p_minus_1.get(), bp.get(), BN_value_one()))
    return Fail(Error::kNoMemory);
  // NIST SP 800-56A r3 §5.6.2.3.1 partial validation: 1 < y < p-1 (y = 0, 1, p-1 and y >= p
  // force the shared secret into {0, 1, p-1}).
  if (BN_cmp(by.get(), BN_value_one()) <= 0 || BN_cmp(by.get(), p_minus_1.get()) >= 0) return Fail(Error::kBadData);
  ASSIGN_OR_RETURN(PKey key, FromData("DH", EVP_PKEY_PUBLIC_KEY | EVP_PKEY_KEY_PARAMETERS, [&](OSSL_PARAM_BLD* bld) {
                     return OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_P, bp.get()) == 1 &&
                            OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_G, bg.get()) == 1 &&
                            OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, by.get()) == 1;
                   }));
  // OpenSSL recognises the RFC 7919 (and RFC 3526) groups from (p, g) on import and then knows
  // q; its full public check adds y^q = 1 mod p (full validation, SP 800-56A §5.6.2.3.1 step 3).
  TRY(PublicCheck(key));
  return key;
}

Result<PKey> RsaPublicKeyFromValues(Bytes modulus, Bytes exponent) {
  BnPtr n = BnFromBytes(modulus), e = BnFromBytes(exponent);
  if (!n || !e) return Fail(Error::kNoMemory);
  return FromData("RSA", EVP_PKEY_PUBLIC_KEY, [&](OSSL_PARAM_BLD* bld) {
    return OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n.get()) == 1 &&
           OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e.get()) == 1;
  });
}

Result<std::vector<std::uint8_t>> EcPublicPoint(const PKey& key, const GroupInfo& group) {
  const std::size_t want = 1 + 2 * std::size_t{group.coordinate_bytes};
  std::vector<std::uint8_t> out(want);
  std::size_t len = 0;
  // Our keys keep OpenSSL's default point conversion form, uncompressed; checked below anyway.
  if (EVP_PKEY_get_octet_string_param(key.get(), OSSL_PKEY_PARAM_PUB_KEY, out.data(), out.size(), &len) != 1)
    return Fail(Error::kInternal);
  if (len != want || out[0] != 0x04) return Fail(Error::kInternal);
  return out;
}

Result<std::vector<std::uint8_t>> XPublicBytes(const PKey& key, const GroupInfo& group) {
  std::vector<std::uint8_t> out(group.coordinate_bytes);
  std::size_t len = out.size();
  if (EVP_PKEY_get_raw_public_key(key.get(), out.data(), &len) != 1 || len != out.size()) return Fail(Error::kInternal);
  return out;
}

Result<DhPublicParts> DhPublicValues(const PKey& key) {
  BIGNUM *p = nullptr, *g = nullptr, *y = nullptr;
  const bool ok = EVP_PKEY_get_bn_param(key.get(), OSSL_PKEY_PARAM_FFC_P, &p) == 1 &&
                  EVP_PKEY_get_bn_param(key.get(), OSSL_PKEY_PARAM_FFC_G, &g) == 1 &&
                  EVP_PKEY_get_bn_param(key.get(), OSSL_PKEY_PARAM_PUB_KEY, &y) == 1;
  BnPtr bp(p), bg(g), by(y);
  if (!ok) return Fail(Error::kInternal);
  const std::size_t len = static_cast<std::size_t>(BN_num_bytes(bp.get()));
  DhPublicParts parts;
  parts.p = BnToPadded(bp.get(), len);
  parts.g = BnToPadded(bg.get(), len);
  parts.y = BnToPadded(by.get(), len);
  parts.p_bits = static_cast<std::uint32_t>(BN_num_bits(bp.get()));
  if (parts.p.empty() || parts.g.empty() || parts.y.empty()) return Fail(Error::kInternal);
  return parts;
}

Result<RsaPublicParts> RsaPublicValues(const PKey& key) {
  BIGNUM *n = nullptr, *e = nullptr;
  const bool ok = EVP_PKEY_get_bn_param(key.get(), OSSL_PKEY_PARAM_RSA_N, &n) == 1 &&
                  EVP_PKEY_get_bn_param(key.get(), OSSL_PKEY_PARAM_RSA_E, &e) == 1;
  BnPtr bn(n), be(e);
  if (!ok) return Fail(Error::kInternal);
  RsaPublicParts parts;
  parts.modulus = BnToMinimal(bn.get());
  parts.exponent = BnToMinimal(be.get());
  parts.bits = static_cast<std::uint32_t>(BN_num_bits(bn.get()));
  return parts;
}

bool SameDomain(const PKey& a, const PKey& b) {
  if (!a || !b) return false;
  // Different key types give -1 or -2; equal types compare the curve, or p and g.
  const bool same =
      EVP_PKEY_get_base_id(a.get()) == EVP_PKEY_get_base_id(b.get()) && EVP_PKEY_parameters_eq(a.get(), b.get()) == 1;
  ERR_clear_error();
  return same;
}

Result<SecretBytes> DeriveSharedSecret(const PKey& mine, const PKey& peer) {
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, mine.get(), nullptr));
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) <= 0) return Fail(Error::kInternal);
  if (EVP_PKEY_get_base_id(mine.get()) == EVP_PKEY_DH) {
    // Keep the length of p (leading zeros retained); the TLS 1.2 stripping is the caller's.
    if (EVP_PKEY_CTX_set_dh_pad(ctx.get(), 1) <= 0) return Fail(Error::kInternal);
  }
  if (EVP_PKEY_derive_set_peer(ctx.get(), peer.get()) <= 0) return Fail(Error::kBadKey);
  std::size_t len = 0;
  if (EVP_PKEY_derive(ctx.get(), nullptr, &len) <= 0 || len == 0) return Fail(Error::kInternal);
  SecretBytes secret(len);
  // X25519/X448 fail here for an all-zero result (low-order peer point, RFC 7748 §6.1).
  if (EVP_PKEY_derive(ctx.get(), secret.data(), &len) <= 0) return Fail(Error::kBadKey);
  if (len != secret.size()) secret.Resize(len);
  return secret;
}

Result<PKey> KeyFromPrivateForTesting(const GroupInfo& group, Bytes private_key) {
  if (group.family == GroupFamily::kMontgomery) {
    const std::string type = OsslName(group);
    EVP_PKEY* pkey =
        EVP_PKEY_new_raw_private_key_ex(nullptr, type.c_str(), nullptr, private_key.data(), private_key.size());
    if (pkey == nullptr) return Fail(Error::kBadData);
    return PKey(pkey);
  }
  ENSURE(group.family == GroupFamily::kNistCurve, Error::kNotSupported);
  const std::string oid(group.oid);
  EcGroupPtr ec(EC_GROUP_new_by_curve_name(OBJ_txt2nid(oid.c_str())));
  // The scalar lives in secure BIGNUMs (BN_FLG_SECURE; wiped by BN_clear_free), and the BN_CTX
  // temporaries of the point multiplication in secure memory too. OSSL_PARAM_BLD_push_BN puts a
  // BN_FLG_SECURE value in the parameter array's secure block, which ClearFreeParams (ossl_ptr.h)
  // wipes: no unwiped copy of the private key is left on the heap.
  BnPtr priv(BN_secure_new());
  BnCtxPtr bn_ctx(BN_CTX_secure_new());
  if (!ec || !priv || !bn_ctx) return Fail(Error::kInternal);
  BN_set_flags(priv.get(), BN_FLG_CONSTTIME);
  if (BN_bin2bn(private_key.data(), static_cast<int>(private_key.size()), priv.get()) == nullptr)
    return Fail(Error::kInternal);
  if (BN_is_zero(priv.get()) || BN_cmp(priv.get(), EC_GROUP_get0_order(ec.get())) >= 0) return Fail(Error::kBadData);
  EcPointPtr pub(EC_POINT_new(ec.get()));
  if (!pub || EC_POINT_mul(ec.get(), pub.get(), priv.get(), nullptr, nullptr, bn_ctx.get()) != 1)
    return Fail(Error::kInternal);
  std::vector<std::uint8_t> point(1 + 2 * std::size_t{group.coordinate_bytes});
  if (EC_POINT_point2oct(ec.get(), pub.get(), POINT_CONVERSION_UNCOMPRESSED, point.data(), point.size(),
                         bn_ctx.get()) != point.size())
    return Fail(Error::kInternal);
  std::string name = OsslName(group);
  return FromData("EC", EVP_PKEY_KEYPAIR, [&](OSSL_PARAM_BLD* bld) {
    return OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, name.c_str(), 0) == 1 &&
           OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, priv.get()) == 1 &&
           OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) == 1;
  });
}

}  // namespace opensslp::ossl
