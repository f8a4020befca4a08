// signatures.cpp - signature schemes and the TLS <-> SslSignHash format glue.
#include "signatures.h"

#include <algorithm>

namespace opensslp::tlsdriver {
namespace {

// RFC 5246 §7.4.1.4.1 (hash, signature) pairs and RFC 8446 §4.2.3 rsa_pss_rsae_*: what a TLS 1.2
// client offers and a TLS 1.2 server may select. MD5 and SHA-1 are never offered, selected or
// accepted from an offer (RFC 9155 §2, §4).
constexpr SignatureScheme kSchemes[] = {
    {0x0804, CertKind::kRsa, "SHA256", true},     // rsa_pss_rsae_sha256
    {0x0805, CertKind::kRsa, "SHA384", true},     // rsa_pss_rsae_sha384
    {0x0403, CertKind::kEcdsa, "SHA256", false},  // ecdsa_secp256r1_sha256
    {0x0503, CertKind::kEcdsa, "SHA384", false},  // ecdsa_secp384r1_sha384
    {0x0603, CertKind::kEcdsa, "SHA512", false},  // ecdsa_secp521r1_sha512
    {0x0401, CertKind::kRsa, "SHA256", false},    // rsa_pkcs1_sha256
    {0x0501, CertKind::kRsa, "SHA384", false},    // rsa_pkcs1_sha384
    {0x0601, CertKind::kRsa, "SHA512", false},    // rsa_pkcs1_sha512
};

// RFC 5246 §7.4.1.4.1: a TLS 1.2 client that sends no signature_algorithms is assumed to support
// {sha1, <key algorithm>}; that default is the only place a TLS 1.2 server here still signs with
// SHA-1. (RFC 9155 §2 makes the extension mandatory for clients, so this serves only clients
// that predate it; a client of ours never accepts these in a ServerKeyExchange, RFC 9155 §4.)
constexpr SignatureScheme kDefaultRsaSha1 = {0x0201, CertKind::kRsa, "SHA1", false};      // rsa_pkcs1_sha1
constexpr SignatureScheme kDefaultEcdsaSha1 = {0x0203, CertKind::kEcdsa, "SHA1", false};  // ecdsa_sha1

// The ECDSA scheme whose hash matches the curve (RFC 8446 §4.2.3 pairs them; TLS 1.2 does not
// require it, so it is only the server's first preference).
std::uint16_t MatchingEcdsaScheme(std::uint16_t group) {
  switch (group) {
    case 24: return 0x0503;
    case 25: return 0x0603;
    default: return 0x0403;
  }
}

// The hash value and flags SslSignHash / SslVerifySignature take (docs/key-store.md §4).
struct ProviderSignInput {
  Bytes value;
  DWORD flags = 0;
};

ProviderSignInput MakeInput(const Provider& provider, CertKind kind, std::uint16_t version, std::uint16_t suite,
                            const SignatureScheme* scheme, ByteView signed_data) {
  const bool ecdsa = kind == CertKind::kEcdsa;
  ProviderSignInput in;
  if (scheme == nullptr) {
    // TLS 1.0/1.1 (RFC 2246 §7.4.3, RFC 4492 §5.4): RSA signs MD5||SHA-1 without DigestInfo
    // (flags 0), ECDSA signs SHA-1.
    in.value = provider.Digest(version, suite, nullptr, ecdsa, signed_data);
    return in;
  }
  const Bytes digest = provider.Digest(version, suite, scheme->hash, ecdsa, signed_data);
  if (ecdsa) {
    in.value = digest;
  } else if (scheme->pss) {
    in.value = HashIdPrefixed(scheme->hash, digest);
    in.flags = NCRYPT_SSL_SIGN_USE_PSS_PADDING;
  } else {
    in.value = HashIdPrefixed(scheme->hash, digest);
    in.flags = NCRYPT_SSL_SIGN_INCLUDE_HASHOID;
  }
  return in;
}

void PutDerInteger(Bytes& out, ByteView magnitude) {
  std::size_t start = 0;
  while (start + 1 < magnitude.size() && magnitude[start] == 0) ++start;
  Bytes value(magnitude.begin() + static_cast<std::ptrdiff_t>(start), magnitude.end());
  if (value.empty() || (value[0] & 0x80) != 0) value.insert(value.begin(), 0);  // positive
  out.push_back(0x02);
  if (value.size() >= 0x80) {
    out.push_back(0x81);
  }
  out.push_back(static_cast<std::uint8_t>(value.size()));
  out.insert(out.end(), value.begin(), value.end());
}

// A DER length (short form or 0x81 nn, enough for P-521 signatures); nullopt if malformed or not
// minimal (DER, X.690 §10.1).
std::optional<std::size_t> ReadDerLength(ByteView der, std::size_t* pos) {
  if (*pos >= der.size()) return std::nullopt;
  const std::uint8_t first = der[(*pos)++];
  if (first < 0x80) return first;
  if (first != 0x81 || *pos >= der.size()) return std::nullopt;
  const std::uint8_t len = der[(*pos)++];
  if (len < 0x80) return std::nullopt;
  return len;
}

// A positive, minimally encoded INTEGER of at most `size` magnitude bytes, left-padded to `size`.
bool ReadDerInteger(ByteView der, std::size_t* pos, std::size_t size, Bytes* out) {
  if (*pos >= der.size() || der[(*pos)++] != 0x02) return false;
  const auto len = ReadDerLength(der, pos);
  if (!len || *len == 0 || *len > der.size() - *pos) return false;
  ByteView value = der.subspan(*pos, *len);
  *pos += *len;
  if ((value[0] & 0x80) != 0) return false;                                       // negative
  if (value.size() > 1 && value[0] == 0 && (value[1] & 0x80) == 0) return false;  // not minimal
  if (value[0] == 0) value = value.subspan(1);
  if (value.size() > size) return false;
  out->insert(out->end(), size - value.size(), 0);
  out->insert(out->end(), value.begin(), value.end());
  return true;
}

std::size_t CoordinateSize(std::uint32_t bits) { return (bits + 7) / 8; }

}  // namespace

const SignatureScheme* FindSignatureScheme(std::uint16_t code) {
  for (const SignatureScheme& s : kSchemes) {
    if (s.code == code) return &s;
  }
  return nullptr;
}

const std::vector<std::uint16_t>& OfferedSignatureSchemes() {
  static const std::vector<std::uint16_t> offered = [] {
    std::vector<std::uint16_t> codes;
    for (const SignatureScheme& s : kSchemes) codes.push_back(s.code);
    return codes;
  }();
  return offered;
}

const SignatureScheme* ChooseSignatureScheme(CertKind key, std::uint16_t key_group,
                                             const std::optional<std::vector<std::uint16_t>>& offered) {
  if (!offered) return key == CertKind::kEcdsa ? &kDefaultEcdsaSha1 : &kDefaultRsaSha1;
  std::vector<std::uint16_t> preference;
  if (key == CertKind::kEcdsa) preference.push_back(MatchingEcdsaScheme(key_group));
  for (const SignatureScheme& s : kSchemes) {
    if (s.key == key) preference.push_back(s.code);
  }
  for (std::uint16_t code : preference) {
    if (std::find(offered->begin(), offered->end(), code) != offered->end()) return FindSignatureScheme(code);
  }
  return nullptr;
}

const SignatureScheme* FindSignatureScheme13(std::uint16_t code, CertKind key, std::uint16_t key_group) {
  const SignatureScheme* s = FindSignatureScheme(code);
  if (s == nullptr || s->key != key) return nullptr;
  if (key == CertKind::kRsa) return s->pss ? s : nullptr;
  return code == MatchingEcdsaScheme(key_group) ? s : nullptr;
}

const SignatureScheme* ChooseSignatureScheme13(CertKind key, std::uint16_t key_group,
                                               const std::vector<std::uint16_t>& offered) {
  for (const SignatureScheme& s : kSchemes) {
    if (FindSignatureScheme13(s.code, key, key_group) == nullptr) continue;
    if (std::find(offered.begin(), offered.end(), s.code) != offered.end()) return &s;
  }
  return nullptr;
}

Bytes CertificateVerifyContent(bool server, ByteView transcript_hash) {
  static constexpr char kServer[] = "TLS 1.3, server CertificateVerify";
  static constexpr char kClient[] = "TLS 1.3, client CertificateVerify";
  const char* context = server ? kServer : kClient;
  Bytes out(64 + sizeof kServer + transcript_hash.size(), 0x20);   // spaces, context, 0, hash
  std::copy(context, context + sizeof kServer, out.begin() + 64);  // with its terminating 0
  std::copy(transcript_hash.begin(), transcript_hash.end(), out.begin() + 64 + sizeof kServer);
  return out;
}

Bytes SignForTls(const Provider& provider, NCRYPT_KEY_HANDLE key, CertKind kind, std::uint16_t version,
                 std::uint16_t suite, const SignatureScheme* scheme, ByteView signed_data) {
  const ProviderSignInput in = MakeInput(provider, kind, version, suite, scheme, signed_data);
  Bytes signature = provider.Sign(key, in.value, in.flags);
  return kind == CertKind::kEcdsa ? EcdsaRawToDer(signature) : signature;
}

SECURITY_STATUS VerifyFromTls(const Provider& provider, NCRYPT_KEY_HANDLE key, CertKind kind, std::uint32_t key_bits,
                              std::uint16_t version, std::uint16_t suite, const SignatureScheme* scheme,
                              ByteView signed_data, ByteView signature) {
  const ProviderSignInput in = MakeInput(provider, kind, version, suite, scheme, signed_data);
  if (kind != CertKind::kEcdsa) return provider.Verify(key, in.value, signature, in.flags);
  const std::optional<Bytes> raw = EcdsaDerToRaw(signature, CoordinateSize(key_bits));
  if (!raw) return NTE_BAD_SIGNATURE;
  return provider.Verify(key, in.value, *raw, in.flags);
}

Bytes EcdsaRawToDer(ByteView raw) {
  const std::size_t half = raw.size() / 2;
  Bytes body;
  PutDerInteger(body, raw.first(half));
  PutDerInteger(body, raw.subspan(half));
  Bytes out{0x30};
  if (body.size() >= 0x80) out.push_back(0x81);
  out.push_back(static_cast<std::uint8_t>(body.size()));
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

std::optional<Bytes> EcdsaDerToRaw(ByteView der, std::size_t coordinate_size) {
  std::size_t pos = 0;
  if (der.empty() || der[pos++] != 0x30) return std::nullopt;
  const auto len = ReadDerLength(der, &pos);
  if (!len || *len != der.size() - pos) return std::nullopt;
  Bytes raw;
  if (!ReadDerInteger(der, &pos, coordinate_size, &raw) || !ReadDerInteger(der, &pos, coordinate_size, &raw)) {
    return std::nullopt;
  }
  if (pos != der.size()) return std::nullopt;
  return raw;
}

}  // namespace opensslp::tlsdriver
