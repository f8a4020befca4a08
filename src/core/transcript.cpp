#include "core/transcript.h"

#include <cstring>
#include <utility>

#include "util/ascii.h"

namespace opensslp {
namespace {

bool IsMd5Sha1Version(ProtocolVersion v) noexcept {
  return v == ProtocolVersion::kTls10 || v == ProtocolVersion::kTls11;
}

// The running hashes of an algorithm: MD5 then SHA-1 for kMd5Sha1 (the digest order of RFC 2246
// §7.4.9: MD5(handshake_messages) + SHA(handshake_messages)), else one.
Result<std::vector<ossl::RunningHash>> NewParts(HashAlg alg) {
  std::vector<ossl::RunningHash> parts;
  auto add = [&parts](HashAlg h) -> Status {
    ASSIGN_OR_RETURN(ossl::RunningHash hash, ossl::RunningHash::Create(h));
    parts.push_back(std::move(hash));
    return Status::Ok();
  };
  if (alg == HashAlg::kMd5Sha1) {
    TRY(add(HashAlg::kMd5));
    TRY(add(HashAlg::kSha1));
  } else {
    TRY(add(alg));
  }
  return parts;
}

}  // namespace

HandshakeHash::HandshakeHash(Token, TranscriptPurpose purpose, ProtocolVersion version, const CipherSuite& suite,
                             HashAlg alg, std::vector<ossl::RunningHash> parts)
    : Object(kKind), purpose_(purpose), version_(version), suite_(&suite), alg_(alg), parts_(std::move(parts)) {}

Result<std::shared_ptr<HandshakeHash>> HandshakeHash::CreateHandshake(std::uint32_t wire_protocol,
                                                                      std::uint32_t cipher_suite) {
  ASSIGN_OR_RETURN(const CipherSuite* suite, LookupCipherSuite(wire_protocol, cipher_suite));
  ASSIGN_OR_RETURN(const ProtocolVersion version, ParseProtocolVersion(wire_protocol));
  const HashAlg alg = PrfHashFor(*suite, version);
  ASSIGN_OR_RETURN(std::vector<ossl::RunningHash> parts, NewParts(alg));
  return std::make_shared<HandshakeHash>(Token{}, TranscriptPurpose::kHandshake, version, *suite, alg,
                                         std::move(parts));
}

Result<std::shared_ptr<HandshakeHash>> HandshakeHash::CreateClientAuth(std::uint32_t wire_protocol,
                                                                       std::uint32_t cipher_suite,
                                                                       std::u16string_view hash_id) {
  ASSIGN_OR_RETURN(const CipherSuite* suite, LookupCipherSuite(wire_protocol, cipher_suite));
  ASSIGN_OR_RETURN(const ProtocolVersion version, ParseProtocolVersion(wire_protocol));
  ENSURE(version == ProtocolVersion::kTls12, Error::kNotSupported);
  ENSURE(!hash_id.empty(), Error::kInvalidParameter);
  const std::optional<HashAlg> hash = HashFromCngName(hash_id);
  ENSURE(hash.has_value(), Error::kNotSupported);
  const HashAlg alg = *hash;
  // MD5 is never a TLS 1.2 signature hash (RFC 9155 §2); MD5-SHA1 has no CNG id.
  ENSURE(alg == HashAlg::kSha1 || alg == HashAlg::kSha256 || alg == HashAlg::kSha384 || alg == HashAlg::kSha512,
         Error::kNotSupported);
  ASSIGN_OR_RETURN(std::vector<ossl::RunningHash> parts, NewParts(alg));
  return std::make_shared<HandshakeHash>(Token{}, TranscriptPurpose::kClientAuth, version, *suite, alg,
                                         std::move(parts));
}

Status HandshakeHash::Update(Bytes data) {
  if (data.empty()) return Status::Ok();
  std::lock_guard<std::mutex> lock(mutex_);
  // A failure part-way (only possible if OpenSSL itself fails) would leave the MD5 and SHA-1
  // halves out of step; the error is reported and the transcript is useless either way.
  for (ossl::RunningHash& part : parts_) TRY(part.Update(data));
  client_random_.Feed(data);
  return Status::Ok();
}

std::optional<ClientRandom> HandshakeHash::FirstClientRandom() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return client_random_.random();
}

Result<TranscriptDigest> HandshakeHash::DigestLocked(bool sha1_only) const {
  TranscriptDigest out;
  if (sha1_only) {
    // Only reached for kMd5Sha1, whose parts are {MD5, SHA-1}.
    if (parts_.size() != 2) return Error::kInternal;
    out.alg = HashAlg::kSha1;
    out.size = parts_[1].size();
    TRY(parts_[1].Snapshot(MutBytes(out.bytes).first(out.size)));
    return out;
  }
  out.alg = alg_;
  for (const ossl::RunningHash& part : parts_) {
    if (out.size + part.size() > out.bytes.size()) return Error::kInternal;
    TRY(part.Snapshot(MutBytes(out.bytes).subspan(out.size, part.size())));
    out.size += part.size();
  }
  if (out.size != HashLength(alg_)) return Error::kInternal;
  return out;
}

Result<TranscriptDigest> HandshakeHash::CurrentDigest() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return DigestLocked(false);
}

Result<TranscriptDigest> HandshakeHash::SessionHash(std::uint32_t wire_protocol) const {
  ENSURE(purpose_ == TranscriptPurpose::kHandshake, Error::kInvalidHandle);
  ASSIGN_OR_RETURN(const ProtocolVersion requested, ParseProtocolVersion(wire_protocol));
  // The transcript families: {TLS 1.0, 1.1} (MD5 || SHA-1), TLS 1.2 and TLS 1.3 (the suite's hash).
  auto family = [](ProtocolVersion v) { return IsMd5Sha1Version(v) ? 0 : v == ProtocolVersion::kTls12 ? 1 : 2; };
  ENSURE(family(requested) == family(version_), Error::kInvalidParameter);
  return CurrentDigest();
}

Result<TranscriptDigest> HandshakeHash::ClientAuthDigest(std::optional<std::u16string_view> signature_algorithm) const {
  if (version_ == ProtocolVersion::kTls13) return Error::kNotSupported;
  if (version_ == ProtocolVersion::kTls12) return CurrentDigest();
  // TLS 1.0 / 1.1 (only handshake hashes exist for them).
  ENSURE(signature_algorithm.has_value() && !signature_algorithm->empty(), Error::kInvalidParameter);
  const std::u16string_view name = *signature_algorithm;
  bool sha1_only;
  if (EqualsIgnoringAsciiCase(name, "RSA")) {
    sha1_only = false;
  } else if (EqualsIgnoringAsciiCase(name, "DSA") || EqualsIgnoringAsciiCase(name, "ECDSA") ||
             EqualsIgnoringAsciiCase(name, "ECDSA_P256") || EqualsIgnoringAsciiCase(name, "ECDSA_P384") ||
             EqualsIgnoringAsciiCase(name, "ECDSA_P521")) {
    // The curve-specific names are CNG's legacy ECDSA algorithm ids (bcrypt.h
    // BCRYPT_ECDSA_P*_ALGORITHM); accepting them is an inference about what Schannel may pass.
    sha1_only = true;
  } else {
    return Error::kNotSupported;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  return DigestLocked(sha1_only);
}

Result<std::shared_ptr<HandshakeHash>> HandshakeHash::Duplicate() const {
  std::vector<ossl::RunningHash> parts;
  ClientRandomScanner scanner;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    parts.reserve(parts_.size());
    for (const ossl::RunningHash& part : parts_) {
      ASSIGN_OR_RETURN(ossl::RunningHash copy, part.Copy());
      parts.push_back(std::move(copy));
    }
    scanner = client_random_;
  }
  auto copy = std::make_shared<HandshakeHash>(Token{}, purpose_, version_, *suite_, alg_, std::move(parts));
  copy->client_random_ = scanner;  // not yet shared: no lock needed
  return copy;
}

}  // namespace opensslp
