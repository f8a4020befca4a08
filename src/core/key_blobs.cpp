#include "core/key_blobs.h"

#include <array>
#include <utility>

#include "base/groups.h"
#include "core/key_exchange.h"
#include "ossl/key_agreement.h"

namespace opensslp {
namespace {

using ByteVector = std::vector<std::uint8_t>;

void AppendLe32(ByteVector& out, std::uint32_t v) {
  std::uint8_t le[4];
  StoreLe32(le, v);
  out.insert(out.end(), le, le + 4);
}

void Append(ByteVector& out, Bytes bytes) { out.insert(out.end(), bytes.begin(), bytes.end()); }

struct NamedType {
  std::u16string_view name;
  KeyBlobType type;
};
// bcrypt.h / ncrypt.h names.
constexpr std::array<NamedType, 11> kBlobNames = {{
    {u"ECCPUBLICBLOB", KeyBlobType::kEccPublic},
    {u"SSLECCPUBLICBLOB", KeyBlobType::kSslEccPublic},
    {u"DHPUBLICBLOB", KeyBlobType::kDhPublic},
    {u"RSAPUBLICBLOB", KeyBlobType::kRsaPublic},
    {u"ECCPRIVATEBLOB", KeyBlobType::kEccPrivate},
    {u"DHPRIVATEBLOB", KeyBlobType::kDhPrivate},
    {u"RSAPRIVATEBLOB", KeyBlobType::kRsaPrivate},
    {u"RSAFULLPRIVATEBLOB", KeyBlobType::kRsaFullPrivate},
    {u"CAPIPUBLICBLOB", KeyBlobType::kLegacyRsaPublic},
    {u"OpaqueKeyBlob", KeyBlobType::kOpaque},
    {u"TLS13PRESHAREDKEY", KeyBlobType::kTls13PreSharedKey},
}};

const GroupInfo* NistGroupByCoordinateBytes(std::uint32_t cb) {
  for (const GroupInfo& g : kGroups)
    if (g.family == GroupFamily::kNistCurve && g.coordinate_bytes == cb) return &g;
  return nullptr;
}

// The curve and the algorithm ("ECDH"/"ECDSA") a BCRYPT_ECCKEY_BLOB magic names.
struct EccMagic {
  std::uint32_t magic;
  std::uint16_t iana_id;  // 0: generic, cbKey decides
  bool ecdsa;
};
constexpr std::array<EccMagic, 8> kEccMagics = {{
    {kEcdhP256Magic, 23, false},
    {kEcdhP384Magic, 24, false},
    {kEcdhP521Magic, 25, false},
    {kEcdhGenericMagic, 0, false},
    {kEcdsaP256Magic, 23, true},
    {kEcdsaP384Magic, 24, true},
    {kEcdsaP521Magic, 25, true},
    {kEcdsaGenericMagic, 0, true},
}};

std::shared_ptr<PublicKey> MakePublic(ossl::PKey pkey, KeyDescription description) {
  return std::make_shared<PublicKey>(std::move(pkey), std::move(description));
}

Result<std::shared_ptr<PublicKey>> ImportEccPublic(Bytes blob) {
  ENSURE(blob.size() >= 8, Error::kBadData);
  const std::uint32_t magic = LoadLe32(blob.data());
  const std::uint32_t cb_key = LoadLe32(blob.data() + 4);
  const EccMagic* m = nullptr;
  for (const EccMagic& candidate : kEccMagics)
    if (candidate.magic == magic) m = &candidate;
  ENSURE(m != nullptr, Error::kBadData);
  const GroupInfo* group = m->iana_id != 0 ? FindGroup(m->iana_id) : NistGroupByCoordinateBytes(cb_key);
  ENSURE(group != nullptr && group->coordinate_bytes == cb_key, Error::kBadData);
  ENSURE(blob.size() == 8 + 2 * std::size_t{cb_key}, Error::kBadData);
  ByteVector point;
  point.reserve(1 + 2 * cb_key);
  point.push_back(0x04);
  Append(point, blob.subspan(8));
  ASSIGN_OR_RETURN(ossl::PKey pkey, ossl::EcPublicKeyFromPoint(*group, point));
  KeyDescription description = DescribeGroupKey(*group);
  if (m->ecdsa) description.algorithm = u"ECDSA";
  return MakePublic(std::move(pkey), std::move(description));
}

Result<std::shared_ptr<PublicKey>> ImportSslEccPublic(Bytes blob) {
  ENSURE(blob.size() >= 8, Error::kBadData);
  const std::uint32_t curve = LoadLe32(blob.data());
  const std::uint32_t cb_key = LoadLe32(blob.data() + 4);
  const GroupInfo* group = FindGroup(curve);
  ENSURE(group != nullptr && IsEcGroup(*group), Error::kBadData);
  ENSURE(cb_key == group->public_key_bytes && blob.size() == 8 + std::size_t{cb_key}, Error::kBadData);
  const Bytes key = blob.subspan(8);
  Result<ossl::PKey> pkey = group->family == GroupFamily::kNistCurve ? ossl::EcPublicKeyFromPoint(*group, key)
                                                                     : ossl::XPublicKeyFromBytes(*group, key);
  if (!pkey.ok()) return pkey.error();
  return MakePublic(std::move(pkey).value(), DescribeGroupKey(*group));
}

Result<std::shared_ptr<PublicKey>> ImportDhPublic(Bytes blob) {
  ENSURE(blob.size() >= 8, Error::kBadData);
  ENSURE(LoadLe32(blob.data()) == kDhPublicMagic, Error::kBadData);
  const std::uint64_t cb_key = LoadLe32(blob.data() + 4);
  ENSURE(cb_key >= 256 && cb_key <= 1024, Error::kBadData);  // 2048..8192-bit p
  ENSURE(blob.size() == 8 + 3 * cb_key, Error::kBadData);
  const Bytes p = blob.subspan(8, cb_key);
  const Bytes g = blob.subspan(8 + cb_key, cb_key);
  const Bytes y = blob.subspan(8 + 2 * cb_key, cb_key);
  ENSURE(p[0] != 0, Error::kBadData);  // cbKey is the length of p
  TRY(ossl::CheckDhDomain(p, g));
  ASSIGN_OR_RETURN(ossl::PKey pkey, ossl::DhPublicKeyFromValues(p, g, y));
  return MakePublic(std::move(pkey), KeyDescription{u"DH", ossl::BigEndianBits(p), 0});
}

Result<std::shared_ptr<PublicKey>> ImportRsaPublic(Bytes blob) {
  constexpr std::size_t kHeader = 24;
  ENSURE(blob.size() >= kHeader, Error::kBadData);
  const std::uint32_t magic = LoadLe32(blob.data());
  const std::uint32_t bit_length = LoadLe32(blob.data() + 4);
  const std::uint64_t cb_exp = LoadLe32(blob.data() + 8);
  const std::uint64_t cb_mod = LoadLe32(blob.data() + 12);
  ENSURE(magic == kRsaPublicMagic, Error::kBadData);
  ENSURE(LoadLe32(blob.data() + 16) == 0 && LoadLe32(blob.data() + 20) == 0, Error::kBadData);  // no primes
  // e: 1..8 bytes (OpenSSL refuses e > 2^64 for moduli over 3072 bits anyway; 65537 is 3 bytes).
  ENSURE(cb_exp >= 1 && cb_exp <= 8, Error::kBadData);
  ENSURE(cb_mod >= 128 && cb_mod <= 2048, Error::kBadData);
  ENSURE(blob.size() == kHeader + cb_exp + cb_mod, Error::kBadData);
  const Bytes exponent = blob.subspan(kHeader, cb_exp);
  const Bytes modulus = blob.subspan(kHeader + cb_exp, cb_mod);
  // Minimal encodings, so that BitLength, cbModulus and the number agree.
  ENSURE(exponent[0] != 0 && modulus[0] != 0, Error::kBadData);
  const std::uint32_t bits = ossl::BigEndianBits(modulus);
  ENSURE(bits == bit_length && bits >= 1024 && bits <= 16384, Error::kBadData);
  // An even modulus is not a product of two odd primes; e must be odd (coprime to the even
  // lambda(n)) and e = 1 is no encryption at all.
  ENSURE((modulus.back() & 1) == 1, Error::kBadData);
  ENSURE((exponent.back() & 1) == 1 && (cb_exp > 1 || exponent[0] >= 3), Error::kBadData);
  ASSIGN_OR_RETURN(ossl::PKey pkey, ossl::RsaPublicKeyFromValues(modulus, exponent));
  return MakePublic(std::move(pkey), KeyDescription{u"RSA", bits, 0});
}

Result<ByteVector> ExportEcc(const AsymmetricKey& key, const KeyDescription& d, KeyBlobType type) {
  const GroupInfo* group = EcGroupOf(d);
  ENSURE(group != nullptr, Error::kInvalidParameter);
  ByteVector out;
  if (type == KeyBlobType::kSslEccPublic) {
    ByteVector raw;
    if (group->family == GroupFamily::kNistCurve) {
      ASSIGN_OR_RETURN(raw, ossl::EcPublicPoint(key.pkey(), *group));
    } else {
      ASSIGN_OR_RETURN(raw, ossl::XPublicBytes(key.pkey(), *group));
    }
    AppendLe32(out, group->iana_id);
    AppendLe32(out, static_cast<std::uint32_t>(raw.size()));
    Append(out, raw);
    return out;
  }
  // BCRYPT_ECCPUBLIC_BLOB: X || Y, NIST curves only.
  ENSURE(group->family == GroupFamily::kNistCurve, Error::kInvalidParameter);
  ASSIGN_OR_RETURN(ByteVector point, ossl::EcPublicPoint(key.pkey(), *group));
  const bool ecdsa = d.algorithm == u"ECDSA";
  std::uint32_t magic = 0;
  for (const EccMagic& m : kEccMagics)
    if (m.iana_id == group->iana_id && m.ecdsa == ecdsa) magic = m.magic;
  AppendLe32(out, magic);
  AppendLe32(out, group->coordinate_bytes);
  Append(out, Bytes(point).subspan(1));
  return out;
}

}  // namespace

Result<KeyBlobType> ParseKeyBlobType(std::u16string_view name) {
  for (const NamedType& n : kBlobNames)
    if (n.name == name) return n.type;
  return Error::kInvalidParameter;
}

bool IsPublicKeyBlobType(KeyBlobType type) noexcept {
  return type == KeyBlobType::kEccPublic || type == KeyBlobType::kSslEccPublic || type == KeyBlobType::kDhPublic ||
         type == KeyBlobType::kRsaPublic;
}

Result<std::shared_ptr<PublicKey>> ImportPublicKeyBlob(KeyBlobType type, Bytes blob) {
  ENSURE(IsPublicKeyBlobType(type), Error::kNotSupported);
  ENSURE(blob.size() <= kMaxPublicKeyBlobSize, Error::kBadData);
  switch (type) {
    case KeyBlobType::kEccPublic: return ImportEccPublic(blob);
    case KeyBlobType::kSslEccPublic: return ImportSslEccPublic(blob);
    case KeyBlobType::kDhPublic: return ImportDhPublic(blob);
    case KeyBlobType::kRsaPublic: return ImportRsaPublic(blob);
    default: return Error::kNotSupported;
  }
}

Result<ByteVector> ExportPublicKeyBlob(const AsymmetricKey& key, KeyBlobType type) {
  ENSURE(IsPublicKeyBlobType(type), Error::kNotSupported);
  const KeyDescription d = key.Describe();
  switch (type) {
    case KeyBlobType::kEccPublic:
    case KeyBlobType::kSslEccPublic: return ExportEcc(key, d, type);
    case KeyBlobType::kDhPublic: {
      ENSURE(d.algorithm == u"DH", Error::kInvalidParameter);
      ASSIGN_OR_RETURN(ossl::DhPublicParts parts, ossl::DhPublicValues(key.pkey()));
      ByteVector out;
      AppendLe32(out, kDhPublicMagic);
      AppendLe32(out, static_cast<std::uint32_t>(parts.p.size()));
      Append(out, parts.p);
      Append(out, parts.g);
      Append(out, parts.y);
      return out;
    }
    case KeyBlobType::kRsaPublic: {
      ENSURE(d.algorithm == u"RSA", Error::kInvalidParameter);
      ASSIGN_OR_RETURN(ossl::RsaPublicParts parts, ossl::RsaPublicValues(key.pkey()));
      ByteVector out;
      AppendLe32(out, kRsaPublicMagic);
      AppendLe32(out, parts.bits);
      AppendLe32(out, static_cast<std::uint32_t>(parts.exponent.size()));
      AppendLe32(out, static_cast<std::uint32_t>(parts.modulus.size()));
      AppendLe32(out, 0);
      AppendLe32(out, 0);
      Append(out, parts.exponent);
      Append(out, parts.modulus);
      return out;
    }
    default: return Error::kNotSupported;
  }
}

}  // namespace opensslp
