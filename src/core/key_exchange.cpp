#include "core/key_exchange.h"

#include <cstring>

#include "core/cipher_suites.h"
#include "ossl/key_agreement.h"

namespace opensslp {
namespace {

// bcrypt.h values; the Windows structures themselves are the ABI layer's, the layout is restated
// here as byte offsets (all ULONGs little-endian, as on every Windows target).
constexpr std::uint32_t kDhParametersMagic = 0x4d504844;  // BCRYPT_DH_PARAMETERS_MAGIC "DHPM"
constexpr std::size_t kDhParameterHeaderSize = 12;        // {cbLength, dwMagic, cbKeyLength}

bool IsSupportedProtocol(std::uint32_t protocol) { return protocol >= 0x0301 && protocol <= 0x0304; }

std::shared_ptr<EphemeralKey> Wrap(ossl::PKey pkey, KeyDescription description, const EphemeralKeyRequest& r) {
  return std::make_shared<EphemeralKey>(std::move(pkey), std::move(description), r.protocol, r.cipher_suite);
}

Result<std::shared_ptr<EphemeralKey>> CreateOnGroup(const GroupInfo& group, const EphemeralKeyRequest& r) {
  ENSURE(r.params.empty(), Error::kInvalidParameter);
  const bool bits_ok = r.key_bits == 0 || r.key_bits == group.field_bits ||
                       (group.family == GroupFamily::kMontgomery && r.key_bits == 8u * group.coordinate_bytes);
  ENSURE(bits_ok, Error::kInvalidParameter);
  ASSIGN_OR_RETURN(ossl::PKey pkey, ossl::GenerateGroupKey(group));
  return Wrap(std::move(pkey), DescribeGroupKey(group), r);
}

Result<std::shared_ptr<EphemeralKey>> CreateWithDhParameters(const EphemeralKeyRequest& r) {
  const Bytes params = r.params;
  ENSURE(params.size() >= kDhParameterHeaderSize, Error::kInvalidParameter);
  const std::uint32_t cb_length = LoadLe32(params.data());
  const std::uint32_t magic = LoadLe32(params.data() + 4);
  const std::uint64_t cb_key = LoadLe32(params.data() + 8);
  ENSURE(cb_length == params.size(), Error::kInvalidParameter);
  ENSURE(magic == kDhParametersMagic, Error::kInvalidParameter);
  ENSURE(cb_key != 0 && kDhParameterHeaderSize + 2 * cb_key == params.size(), Error::kInvalidParameter);
  // 2048..8192-bit p is 256..1024 bytes; refused before any of p is read.
  ENSURE(cb_key >= 256 && cb_key <= 1024, Error::kNotSupported);
  const Bytes p = params.subspan(kDhParameterHeaderSize, cb_key);
  const Bytes g = params.subspan(kDhParameterHeaderSize + cb_key, cb_key);
  // cbKeyLength is the length of p: p has no leading zero byte.
  ENSURE(p[0] != 0, Error::kInvalidParameter);
  const std::uint32_t bits = ossl::BigEndianBits(p);
  ENSURE(bits >= 2048 && bits <= 8192, Error::kNotSupported);
  ENSURE(r.key_bits == 0 || r.key_bits == bits, Error::kInvalidParameter);
  if (!ossl::CheckDhDomain(p, g).ok()) return Error::kInvalidParameter;
  ASSIGN_OR_RETURN(ossl::PKey pkey, ossl::GenerateDhKey(p, g));
  return Wrap(std::move(pkey), KeyDescription{u"DH", bits, 0}, r);
}

// RFC 7919 group for a requested DH size when no parameters are given.
Result<const GroupInfo*> FfdheForBits(std::uint32_t bits) {
  if (bits == 0) bits = 2048;
  for (const GroupInfo& g : kGroups)
    if (g.family == GroupFamily::kFfdhe && g.field_bits == bits) return &g;
  if (bits < 2048) return Error::kNotSupported;
  return Error::kInvalidParameter;
}

}  // namespace

KeyDescription DescribeGroupKey(const GroupInfo& group) {
  if (group.family == GroupFamily::kFfdhe) return KeyDescription{u"DH", group.field_bits, 0};
  return KeyDescription{u"ECDH", group.field_bits, group.iana_id};
}

const GroupInfo* EcGroupOf(const KeyDescription& description) {
  if (description.algorithm != u"ECDH" && description.algorithm != u"ECDSA") return nullptr;
  const GroupInfo* group = FindGroup(description.key_type);
  return group != nullptr && IsEcGroup(*group) ? group : nullptr;
}

Result<std::shared_ptr<EphemeralKey>> CreateEphemeralKey(const EphemeralKeyRequest& request) {
  ENSURE(IsSupportedProtocol(request.protocol), Error::kNotSupported);
  if (request.key_type != 0) {
    const GroupInfo* group = FindGroup(request.key_type);
    ENSURE(group != nullptr, Error::kNotSupported);
    return CreateOnGroup(*group, request);
  }
  if (!request.params.empty()) return CreateWithDhParameters(request);
  ASSIGN_OR_RETURN(const GroupInfo* group, FfdheForBits(request.key_bits));
  EphemeralKeyRequest named = request;
  named.key_bits = 0;
  return CreateOnGroup(*group, named);
}

Status CheckSuiteFitsRequest(const EphemeralKeyRequest& request) {
  ASSIGN_OR_RETURN(const CipherSuite* suite, LookupCipherSuite(request.protocol, request.cipher_suite));
  const GroupInfo* group = request.key_type != 0 ? FindGroup(request.key_type) : nullptr;
  if (request.key_type != 0 && group == nullptr) return Status::Ok();  // CreateEphemeralKey: kNotSupported
  const bool wants_ec = group != nullptr && IsEcGroup(*group);
  switch (suite->kx) {
    case KeyExchange::kEcdhe: ENSURE(wants_ec, Error::kInvalidParameter); break;
    case KeyExchange::kDhe: ENSURE(!wants_ec, Error::kInvalidParameter); break;
    // TLS 1.3 always names the group (key_share, RFC 8446 §4.2.8): KEYTYPE 0 is a caller error.
    case KeyExchange::kTls13: ENSURE(request.key_type != 0, Error::kInvalidParameter); break;
    case KeyExchange::kRsa:
    case KeyExchange::kPsk: return Error::kInvalidParameter;
  }
  return Status::Ok();
}

Result<SecretBytes> ComputeSharedSecret(const EphemeralKey& mine, const PublicKey& peer) {
  const KeyDescription m = mine.Describe();
  const KeyDescription p = peer.Describe();
  // Our ephemeral keys are "ECDH" or "DH"; the peer must be the same algorithm (an ECDSA-tagged
  // point is a signature key, an RSA key no agreement key at all) on the same group.
  ENSURE(m.algorithm == p.algorithm && (m.algorithm == u"ECDH" || m.algorithm == u"DH"), Error::kBadKey);
  ENSURE(m.key_type == p.key_type, Error::kBadKey);
  ENSURE(ossl::SameDomain(mine.pkey(), peer.pkey()), Error::kBadKey);
  return ossl::DeriveSharedSecret(mine.pkey(), peer.pkey());
}

SecretBytes StripLeadingZeros(SecretBytes secret) {
  std::size_t zeros = 0;
  while (zeros < secret.size() && secret.data()[zeros] == 0) ++zeros;
  if (zeros == 0) return secret;
  SecretBytes out(secret.span().subspan(zeros));
  return out;
}

Result<SecretBytes> ComputeTlsPremasterSecret(const EphemeralKey& mine, const PublicKey& peer, std::uint32_t protocol) {
  ASSIGN_OR_RETURN(SecretBytes secret, ComputeSharedSecret(mine, peer));
  if (mine.Describe().algorithm == u"DH" && protocol < 0x0304) return StripLeadingZeros(std::move(secret));
  return secret;
}

bool EphemeralKeyUse::IsSingleUse(const EphemeralKey& key) { return key.Describe().algorithm == u"DH"; }

Result<EphemeralKeyUse> EphemeralKeyUse::Claim(const EphemeralKey& key) {
  if (!IsSingleUse(key)) return EphemeralKeyUse(nullptr);
  ENSURE(key.TryClaimPremasterUse(), Error::kBadKeyState);
  return EphemeralKeyUse(&key);
}

Result<std::shared_ptr<EphemeralKey>> EphemeralKeyFromPrivateForTesting(const GroupInfo& group, Bytes private_key) {
  ENSURE(IsEcGroup(group), Error::kNotSupported);
  ASSIGN_OR_RETURN(ossl::PKey pkey, ossl::KeyFromPrivateForTesting(group, private_key));
  EphemeralKeyRequest r;
  r.protocol = 0x0303;
  return Wrap(std::move(pkey), DescribeGroupKey(group), r);
}

}  // namespace opensslp
