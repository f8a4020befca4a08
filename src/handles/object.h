// object.h - the base of every object a handle can name.
//
// Each object kind the provider hands out is one ObjectKind. The handle table stores the kind with
// the object, and typed lookups (HandleTable::Lookup<T>) refuse every other kind, which is how an
// object's type survives the trip through the caller's untyped NCRYPT_*_HANDLE values.
#pragma once

#include <cstdint>
#include <string>

namespace opensslp {

enum class ObjectKind : std::uint8_t {
  kProvider = 1,
  kPrivateKey,     // a certificate's private key (SslOpenPrivateKey)
  kPublicKey,      // a peer's public key (SslImportKey)
  kEphemeralKey,   // an (EC)DHE key pair (SslCreateEphemeralKey)
  kPreMasterKey,   // an RSA pre-master secret (SslGeneratePreMasterKey)
  kMasterKey,      // a TLS <= 1.2 master secret
  kSessionKey,     // a record-protection key (read or write)
  kHandshakeHash,  // a running transcript hash
  // TLS 1.3 (RFC 8446 §7.1): one kind per key-schedule stage, so that a typed lookup is the stage
  // check -- a traffic secret handed where an early secret belongs is a wrong-kind handle
  // (NTE_INVALID_HANDLE), caught by the handle table before any derivation runs. A function that
  // takes one of several stages (SslExpandTrafficKeys: handshake or master secret) names them in
  // its object type's Accepts (handles/handle_table.h).
  kTls13EarlySecret,       // SslExtractEarlyKey
  kTls13HandshakeSecret,   // SslExtractHandshakeKey
  kTls13MasterSecret,      // SslExtractMasterKey
  kTls13TrafficSecret,     // SslExpandTrafficKeys, SslExpandNextGenTrafficKey
  kTls13ExporterSecret,    // SslExpandExporterMasterKey
  kTls13ResumptionSecret,  // SslExpandResumptionMasterKey
  kTls13BinderKey,         // SslExpandBinderKey
  kPreSharedKey,           // a TLS 1.3 PSK: SslExpandPreSharedKey, SslImportKey(TLS13PRESHAREDKEY)
  // A certificate whose private key opensslp cannot use: SslOpenPrivateKey succeeds with this kind
  // and every use of the handle fails with the status the open would have returned
  // (core/private_key.h DeferredPrivateKey; docs/windows.md#deferred-private-keys).
  kDeferredPrivateKey,
};

const char* ObjectKindName(ObjectKind kind) noexcept;

// Magic value that every live object carries; a debug aid that catches use of a destroyed or
// never-constructed object (SymCrypt's SYMCRYPT_CHECK_MAGIC idea).
inline constexpr std::uint32_t kObjectMagic = 0x4f53534cu;  // "OSSL"

class KeyObject;

class Object {
 public:
  explicit Object(ObjectKind kind) noexcept : kind_(kind) {}
  Object(const Object&) = delete;
  Object& operator=(const Object&) = delete;
  virtual ~Object() { magic_ = 0; }

  ObjectKind kind() const noexcept { return kind_; }
  bool alive() const noexcept { return magic_ == kObjectMagic; }

  // The object as a key, or nullptr: the only safe way from "some handle" to KeyObject (a kind tag
  // alone does not prove the class; only KeyObject overrides this).
  virtual const KeyObject* AsKey() const noexcept { return nullptr; }

 private:
  std::uint32_t magic_ = kObjectMagic;
  ObjectKind kind_;
};

// What SslGetKeyProperty reports for a key object.
struct KeyDescription {
  std::u16string algorithm;    // CNG algorithm name: "RSA", "ECDH", "ECDSA", "DH", "AES", ...
  std::uint32_t bits = 0;      // key length in bits (modulus, field or symmetric key length)
  std::uint32_t key_type = 0;  // SSL KEYTYPE: IANA NamedGroup for EC/X keys, 0 otherwise
};

// Every object a NCRYPT_KEY_HANDLE can name derives from KeyObject.
class KeyObject : public Object {
 public:
  using Object::Object;
  virtual KeyDescription Describe() const = 0;
  const KeyObject* AsKey() const noexcept final { return this; }
};

}  // namespace opensslp
