// master_key.h - the TLS 1.0-1.2 master secret (SslGenerateMasterKey / SslImportMasterKey) and
// the RSA pre-master secret of the split client flow (SslGeneratePreMasterKey).
//
// docs/reference/caller-semantics.md#master-key-contents: the master-key object records protocol,
// cipher suite, role and PRF hash next to the 48-byte secret, because SslGenerateSessionKeys,
// SslComputeFinishedHash and the exporters take no role or protocol argument of their own.
#pragma once

#include <cstdint>
#include <utility>

#include "core/cipher_suites.h"
#include "handles/object.h"
#include "util/bytes.h"
#include "util/secret.h"

namespace opensslp {

inline constexpr std::size_t kMasterSecretLength = 48;  // RFC 5246 §8.1
inline constexpr std::size_t kPremasterLength = 48;     // RSA pre-master secret, RFC 5246 §7.4.7.1
inline constexpr std::size_t kTlsRandomLength = 32;     // ClientHello/ServerHello.random

// Which end of the connection a master key belongs to (NCRYPT_SSL_CLIENT_FLAG /
// NCRYPT_SSL_SERVER_FLAG of the call that made it).
enum class TlsRole : std::uint8_t { kClient, kServer };

class MasterKey final : public KeyObject {
 public:
  static constexpr ObjectKind kKind = ObjectKind::kMasterKey;

  MasterKey(TlsRole role, ProtocolVersion version, const CipherSuite& suite, bool extended,
            SecretArray<kMasterSecretLength> secret)
      : KeyObject(kKind),
        role_(role),
        version_(version),
        suite_(&suite),
        prf_(PrfHashFor(suite, version)),
        extended_(extended),
        secret_(std::move(secret)) {}

  TlsRole role() const noexcept { return role_; }
  ProtocolVersion version() const noexcept { return version_; }
  const CipherSuite& suite() const noexcept { return *suite_; }
  HashAlg prf_hash() const noexcept { return prf_; }
  // True if derived with RFC 7627's "extended master secret" label.
  bool extended() const noexcept { return extended_; }
  Bytes secret() const noexcept { return secret_.span(); }

  // SslGetKeyProperty: there is no CNG algorithm name for a TLS master secret; opensslp reports
  // "TLS12_MASTER" (documented name, covering TLS 1.0-1.2), 384 bits (48 bytes), key type 0.
  KeyDescription Describe() const override { return {u"TLS12_MASTER", 384, 0}; }

 private:
  TlsRole role_;
  ProtocolVersion version_;
  const CipherSuite* suite_;
  HashAlg prf_;
  bool extended_;
  SecretArray<kMasterSecretLength> secret_;
};

// The RSA pre-master secret made by SslGeneratePreMasterKey, waiting for SslGenerateMasterKey
// (which receives it as hPrivateKey: an inference, docs/reference/functions.md#master-keys).
class PreMasterKey final : public KeyObject {
 public:
  static constexpr ObjectKind kKind = ObjectKind::kPreMasterKey;

  PreMasterKey(ProtocolVersion version, const CipherSuite& suite, SecretArray<kPremasterLength> secret)
      : KeyObject(kKind), version_(version), suite_(&suite), secret_(std::move(secret)) {}

  ProtocolVersion version() const noexcept { return version_; }
  const CipherSuite& suite() const noexcept { return *suite_; }
  Bytes secret() const noexcept { return secret_.span(); }

  // "TLS12_PREMASTER" (documented name), 384 bits, key type 0.
  KeyDescription Describe() const override { return {u"TLS12_PREMASTER", 384, 0}; }

 private:
  ProtocolVersion version_;
  const CipherSuite* suite_;
  SecretArray<kPremasterLength> secret_;
};

}  // namespace opensslp
