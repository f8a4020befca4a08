// tls13_key_schedule.h - the TLS 1.3 key schedule (RFC 8446 §7.1) on typed stage objects: what the
// TLS 1.3 Extract/Expand exports compute (docs/reference/functions.md#tls13-key-schedule).
//
//              0
//              |
//    PSK ->  HKDF-Extract = Early Secret ----> binder key ("ext binder" | "res binder")
//              |                        +----> client_early_traffic_secret ("c e traffic")
//              |                        +----> early_exporter_master_secret ("e exp master")
//        Derive-Secret(., "derived", "")
//              |
//  (EC)DHE -> HKDF-Extract = Handshake Secret --> {client,server}_handshake_traffic_secret
//              |                                  ("c hs traffic", "s hs traffic")
//        Derive-Secret(., "derived", "")
//              |
//     0 -> HKDF-Extract = Master Secret --> {client,server}_application_traffic_secret_0
//                                      +--> exporter_master_secret ("exp master")
//                                      +--> resumption_master_secret ("res master")
//
// Each stage is its own handle kind (handles/object.h), so a secret of one stage handed where
// another belongs is a wrong-kind handle. The hash of every secret is its suite's (RFC 8446 §B.4);
// a transcript hash given to a stage must be of that hash (kInvalidParameter otherwise).
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string_view>

#include "core/cipher_suites.h"
#include "core/master_key.h"
#include "core/session_key_material.h"
#include "core/transcript.h"
#include "handles/object.h"
#include "util/bytes.h"
#include "util/secret.h"
#include "util/status.h"

namespace opensslp {

// A secret of one TLS 1.3 key-schedule stage: its kind, the suite (and so the hash) it belongs to,
// and Hash.length secret bytes. Traffic secrets also know whose traffic they protect and which
// (0-RTT, handshake or application: the opaque key blob exports only the last two).
class Tls13Secret final : public KeyObject {
 public:
  // Accepts every TLS 1.3 stage kind (not the PSK): exports that take one stage check which.
  static bool Accepts(ObjectKind kind) noexcept;

  Tls13Secret(ObjectKind kind, const CipherSuite& suite, SecretBytes secret, TlsRole role = TlsRole::kClient,
              Tls13TrafficStage stage = Tls13TrafficStage::kNone);

  const CipherSuite& suite() const noexcept { return *suite_; }
  HashAlg hash() const noexcept { return suite_->prf; }
  Bytes secret() const noexcept { return secret_.span(); }
  // For traffic secrets: the side whose records it protects ("c ... traffic" = kClient).
  TlsRole role() const noexcept { return role_; }
  // For traffic secrets: the traffic they protect (kNone for every other stage).
  Tls13TrafficStage traffic_stage() const noexcept { return stage_; }

  // SslGetKeyProperty: "TLS13_SECRET" (our name; CNG has none), the secret's bits, key type 0.
  KeyDescription Describe() const override;

 private:
  const CipherSuite* suite_;
  SecretBytes secret_;
  TlsRole role_;
  Tls13TrafficStage stage_;
};

// A TLS 1.3 pre-shared key: an external PSK (SslImportKey TLS13PRESHAREDKEY) or a resumption PSK
// (SslExpandPreSharedKey). A resumption PSK remembers its suite's hash; an external one has none
// and takes the hash of the suite SslExtractEarlyKey names.
class PreSharedKey final : public KeyObject {
 public:
  static constexpr ObjectKind kKind = ObjectKind::kPreSharedKey;
  explicit PreSharedKey(SecretBytes key, const CipherSuite* suite = nullptr)
      : KeyObject(kKind), key_(std::move(key)), suite_(suite) {}
  Bytes key() const noexcept { return key_.span(); }
  const CipherSuite* suite() const noexcept { return suite_; }
  KeyDescription Describe() const override;

 private:
  SecretBytes key_;
  const CipherSuite* suite_;
};

// ---- The primitives (RFC 8446 §7.1) -----------------------------------------------------------

// HKDF-Expand-Label(Secret, Label, Context, Length): HKDF-Expand with info = HkdfLabel {length,
// "tls13 " + label, context}. Label at most 249 bytes and context at most 255 (the struct's
// limits), length 1..255*Hash.length; kInvalidParameter otherwise.
Status HkdfExpandLabel(HashAlg hash, Bytes secret, std::string_view label, Bytes context, MutBytes out);

// Derive-Secret(Secret, Label, Messages) with Transcript-Hash(Messages) given as its value:
// HKDF-Expand-Label(Secret, Label, transcript_hash, Hash.length).
Status DeriveSecret(HashAlg hash, Bytes secret, std::string_view label, Bytes transcript_hash, MutBytes out);

// kInvalidParameter unless `transcript` is a TLS 1.3 transcript of `secret`'s hash (the transcript a
// stage of that secret's suite is derived over).
Status CheckTls13Transcript(const HandshakeHash& transcript, const Tls13Secret& secret);

// ---- The stages --------------------------------------------------------------------------------

// Early Secret = HKDF-Extract(0, PSK), with a PSK of Hash.length zeros when there is none.
// kNotSupported for a suite that is not a TLS 1.3 suite; kInvalidParameter for a resumption PSK
// made for another hash, or an empty PSK.
Result<std::shared_ptr<Tls13Secret>> ExtractEarlySecret(const CipherSuite& suite, const PreSharedKey* psk);

// Handshake Secret = HKDF-Extract(Derive-Secret(early, "derived", ""), (EC)DHE shared secret).
Result<std::shared_ptr<Tls13Secret>> ExtractHandshakeSecret(const Tls13Secret& early, Bytes shared_secret);

// Master Secret = HKDF-Extract(Derive-Secret(handshake, "derived", ""), 0).
Result<std::shared_ptr<Tls13Secret>> ExtractMasterSecret(const Tls13Secret& handshake);

// The traffic secrets of a base: early -> client "c e traffic" only (0-RTT; asking for a server
// secret is kInvalidParameter); handshake -> "c hs traffic" / "s hs traffic"; master -> "c ap
// traffic" / "s ap traffic". `want_client` / `want_server` select which are made (at least one).
struct TrafficSecrets {
  std::shared_ptr<Tls13Secret> client;
  std::shared_ptr<Tls13Secret> server;
};
Result<TrafficSecrets> ExpandTrafficSecrets(const Tls13Secret& base, Bytes transcript_hash, bool want_client,
                                            bool want_server);

// application_traffic_secret_N+1 = HKDF-Expand-Label(secret_N, "traffic upd", "", Hash.length)
// (RFC 8446 §7.2, KeyUpdate); same side as secret_N.
Result<std::shared_ptr<Tls13Secret>> ExpandNextTrafficSecret(const Tls13Secret& traffic);

// early -> "e exp master", master -> "exp master".
Result<std::shared_ptr<Tls13Secret>> ExpandExporterSecret(const Tls13Secret& base, Bytes transcript_hash);

// master -> "res master" (transcript through the client's Finished).
Result<std::shared_ptr<Tls13Secret>> ExpandResumptionSecret(const Tls13Secret& master, Bytes transcript_hash);

// PSK = HKDF-Expand-Label(resumption_master_secret, "resumption", ticket_nonce, Hash.length)
// (RFC 8446 §4.6.1). The nonce is at most kMaxTicketNonceLength bytes.
inline constexpr std::size_t kMaxTicketNonceLength = 255;  // RFC 8446 §4.6.1: opaque ticket_nonce<0..255>
Result<std::shared_ptr<PreSharedKey>> ExpandResumptionPsk(const Tls13Secret& resumption, Bytes ticket_nonce);

// binder_key = Derive-Secret(early, "ext binder" | "res binder", "") (RFC 8446 §7.1).
enum class BinderKind : std::uint8_t { kExternal, kResumption };
Result<std::shared_ptr<Tls13Secret>> ExpandBinderKey(const Tls13Secret& early, BinderKind kind);

// The record key material of a traffic secret (RFC 8446 §7.3): key = HKDF-Expand-Label(secret,
// "key", "", key_length), iv = HKDF-Expand-Label(secret, "iv", "", 12); direction kBoth, the
// traffic secret's stage.
Result<SessionKeyMaterial> ExpandTls13RecordKeyMaterial(const Tls13Secret& traffic);

// An external PSK from SslImportKey(TLS13PRESHAREDKEY). The blob layout is not documented; we take
// it to be BCRYPT_KEY_DATA_BLOB_HEADER {dwMagic = BCRYPT_KEY_DATA_BLOB_MAGIC 0x4d42444b, dwVersion =
// 1, cbKeyData} (little-endian ULONGs) followed by exactly cbKeyData key bytes (an INFERENCE:
// docs/tls13.md). 1 to kMaxExternalPskLength key bytes. Anything else is kBadData.
inline constexpr std::size_t kMaxExternalPskLength = 1024;
Result<std::shared_ptr<PreSharedKey>> ImportExternalPsk(Bytes blob);

// TLS-Exporter(label, context, length) = HKDF-Expand-Label(Derive-Secret(exporter_secret, label, ""),
// "exporter", Hash(context), length) (RFC 8446 §7.5), with an exporter or early exporter secret. A
// missing context is the empty one (RFC 8446 §7.5 makes no distinction). Label at most 249 bytes,
// length 1..255*Hash.length: kInvalidParameter otherwise.
Status ExportTls13KeyingMaterial(const Tls13Secret& exporter, std::string_view label, Bytes context, MutBytes out);

// verify_data = HMAC(finished_key, transcript_hash), finished_key = HKDF-Expand-Label(base,
// "finished", "", Hash.length) (RFC 8446 §4.4.4): Finished with a traffic secret, a PSK binder
// with a binder key (§4.2.11.2). `out` must be Hash.length bytes.
Status ComputeTls13Finished(const Tls13Secret& base, Bytes transcript_hash, MutBytes out);

// The NSS key-log labels (core/key_log.h, docs/key-log.md). Of a traffic secret made by
// SslExpandTrafficKeys: CLIENT_EARLY_TRAFFIC_SECRET, CLIENT_/SERVER_HANDSHAKE_TRAFFIC_SECRET,
// CLIENT_/SERVER_TRAFFIC_SECRET_0; empty for anything else. (The secrets after a KeyUpdate get no
// line: Wireshark derives them itself from *_TRAFFIC_SECRET_0, RFC 8446 §7.2.) Of the exporter
// secret made from `base`: EARLY_EXPORTER_SECRET from the early secret, EXPORTER_SECRET from the
// master secret.
std::string_view KeyLogTrafficLabel(const Tls13Secret& traffic) noexcept;
std::string_view KeyLogExporterLabel(const Tls13Secret& base) noexcept;

}  // namespace opensslp
