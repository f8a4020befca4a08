// keys.h - asymmetric key objects backed by an OpenSSL EVP_PKEY: a peer's public key
// (SslImportKey) and an ephemeral (EC)DH key pair (SslCreateEphemeralKey).
//
// A certificate's private key (SslOpenPrivateKey) is a different object kind (see
// core/private_key.h) because it may live outside OpenSSL, in a Windows key storage provider.
#pragma once

#include <atomic>
#include <cstdint>
#include <utility>

#include "handles/object.h"
#include "ossl/pkey.h"

namespace opensslp {

class AsymmetricKey : public KeyObject {
 public:
  AsymmetricKey(ObjectKind kind, ossl::PKey pkey, KeyDescription description)
      : KeyObject(kind), pkey_(std::move(pkey)), description_(std::move(description)) {}

  const ossl::PKey& pkey() const noexcept { return pkey_; }
  KeyDescription Describe() const override { return description_; }

 private:
  ossl::PKey pkey_;
  KeyDescription description_;
};

// A peer's public key: RSA (key transport, signature verification), EC / X25519 / X448 or DH
// (key agreement), imported from a BCRYPT_* / SSL_ECCPUBLIC_BLOB.
class PublicKey final : public AsymmetricKey {
 public:
  static constexpr ObjectKind kKind = ObjectKind::kPublicKey;
  PublicKey(ossl::PKey pkey, KeyDescription description)
      : AsymmetricKey(kKind, std::move(pkey), std::move(description)) {}
};

// Our own ephemeral key pair for ECDHE / DHE. `protocol` and `cipher_suite` are the values the
// caller created it for.
//
// A DH key derives at most one TLS pre-master secret (core/key_exchange.h EphemeralKeyUse, the
// Raccoon countermeasure); the flag below records that use. It is the key's only mutable state.
class EphemeralKey final : public AsymmetricKey {
 public:
  static constexpr ObjectKind kKind = ObjectKind::kEphemeralKey;
  EphemeralKey(ossl::PKey pkey, KeyDescription description, std::uint32_t protocol, std::uint32_t cipher_suite)
      : AsymmetricKey(kKind, std::move(pkey), std::move(description)),
        protocol_(protocol),
        cipher_suite_(cipher_suite) {}
  std::uint32_t protocol() const noexcept { return protocol_; }
  std::uint32_t cipher_suite() const noexcept { return cipher_suite_; }

  // Atomically marks the key as used for a pre-master secret; false if it already was (or a
  // concurrent call holds the claim). Only EphemeralKeyUse calls these.
  bool TryClaimPremasterUse() const noexcept { return !premaster_used_.exchange(true, std::memory_order_acq_rel); }
  void ReleasePremasterUse() const noexcept { premaster_used_.store(false, std::memory_order_release); }
  bool premaster_used() const noexcept { return premaster_used_.load(std::memory_order_acquire); }

 private:
  std::uint32_t protocol_;
  std::uint32_t cipher_suite_;
  mutable std::atomic<bool> premaster_used_{false};
};

}  // namespace opensslp
