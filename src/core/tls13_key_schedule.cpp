// tls13_key_schedule.cpp - see tls13_key_schedule.h.
#include "core/tls13_key_schedule.h"

#include <array>
#include <cstring>
#include <utility>

#include "ossl/digest.h"
#include "ossl/hkdf.h"
#include "ossl/hmac.h"

namespace opensslp {
namespace {

// RFC 8446 §7.1: struct { uint16 length; opaque label<7..255> = "tls13 " + Label; opaque
// context<0..255>; } HkdfLabel.
constexpr std::string_view kLabelPrefix = "tls13 ";
constexpr std::size_t kMaxLabelLength = 255 - kLabelPrefix.size();
constexpr std::size_t kMaxContextLength = 255;

Bytes Text(std::string_view s) { return Bytes(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()); }

bool IsTls13Stage(ObjectKind kind) noexcept {
  switch (kind) {
    case ObjectKind::kTls13EarlySecret:
    case ObjectKind::kTls13HandshakeSecret:
    case ObjectKind::kTls13MasterSecret:
    case ObjectKind::kTls13TrafficSecret:
    case ObjectKind::kTls13ExporterSecret:
    case ObjectKind::kTls13ResumptionSecret:
    case ObjectKind::kTls13BinderKey: return true;
    default: return false;
  }
}

// A new secret of `kind`: Derive-Secret(base, label, transcript_hash).
Result<std::shared_ptr<Tls13Secret>> Derive(const Tls13Secret& base, ObjectKind kind, std::string_view label,
                                            Bytes transcript_hash, TlsRole role = TlsRole::kClient,
                                            Tls13TrafficStage stage = Tls13TrafficStage::kNone) {
  SecretBytes out(HashLength(base.hash()));
  TRY(DeriveSecret(base.hash(), base.secret(), label, transcript_hash, out.span()));
  return std::make_shared<Tls13Secret>(kind, base.suite(), std::move(out), role, stage);
}

// Transcript-Hash of no messages: Hash("") (Derive-Secret(., "derived", "") and the binder keys).
Status EmptyTranscriptHash(HashAlg hash, MutBytes out) {
  ASSIGN_OR_RETURN(ossl::RunningHash running, ossl::RunningHash::Create(hash));
  return running.Final(out);
}

// HKDF-Extract(Derive-Secret(previous, "derived", ""), ikm): the step between two stages.
Result<SecretBytes> ExtractAfter(const Tls13Secret& previous, Bytes ikm) {
  const HashAlg hash = previous.hash();
  const std::size_t n = HashLength(hash);
  std::array<std::uint8_t, kMaxHashLength> empty_hash{};
  TRY(EmptyTranscriptHash(hash, MutBytes(empty_hash).first(n)));
  SecretBytes salt(n);
  TRY(DeriveSecret(hash, previous.secret(), "derived", Bytes(empty_hash).first(n), salt.span()));
  SecretBytes out(n);
  TRY(ossl::HkdfExtract(hash, salt.span(), ikm, out.span()));
  return out;
}

Status CheckTranscriptHash(const Tls13Secret& base, Bytes transcript_hash) {
  ENSURE(transcript_hash.size() == HashLength(base.hash()), Error::kInvalidParameter);
  return Status::Ok();
}

}  // namespace

bool Tls13Secret::Accepts(ObjectKind kind) noexcept { return IsTls13Stage(kind); }

Tls13Secret::Tls13Secret(ObjectKind kind, const CipherSuite& suite, SecretBytes secret, TlsRole role,
                         Tls13TrafficStage stage)
    : KeyObject(kind),
      suite_(&suite),
      secret_(std::move(secret)),
      role_(role),
      stage_(kind == ObjectKind::kTls13TrafficSecret ? stage : Tls13TrafficStage::kNone) {}

KeyDescription Tls13Secret::Describe() const {
  return {u"TLS13_SECRET", static_cast<std::uint32_t>(secret_.size() * 8), 0};
}

KeyDescription PreSharedKey::Describe() const { return {u"TLS13_PSK", static_cast<std::uint32_t>(key_.size() * 8), 0}; }

Status HkdfExpandLabel(HashAlg hash, Bytes secret, std::string_view label, Bytes context, MutBytes out) {
  ENSURE(label.size() <= kMaxLabelLength && context.size() <= kMaxContextLength, Error::kInvalidParameter);
  ENSURE(!out.empty() && out.size() <= 0xFFFF, Error::kInvalidParameter);
  const std::uint8_t length[2] = {static_cast<std::uint8_t>(out.size() >> 8), static_cast<std::uint8_t>(out.size())};
  const std::uint8_t label_length = static_cast<std::uint8_t>(kLabelPrefix.size() + label.size());
  const std::uint8_t context_length = static_cast<std::uint8_t>(context.size());
  return ossl::HkdfExpand(
      hash, secret,
      {Bytes(length, 2), Bytes(&label_length, 1), Text(kLabelPrefix), Text(label), Bytes(&context_length, 1), context},
      out);
}

Status CheckTls13Transcript(const HandshakeHash& transcript, const Tls13Secret& secret) {
  ENSURE(transcript.version() == ProtocolVersion::kTls13 && transcript.alg() == secret.hash(),
         Error::kInvalidParameter);
  return Status::Ok();
}

Status DeriveSecret(HashAlg hash, Bytes secret, std::string_view label, Bytes transcript_hash, MutBytes out) {
  ENSURE(out.size() == HashLength(hash) && transcript_hash.size() == HashLength(hash), Error::kInvalidParameter);
  return HkdfExpandLabel(hash, secret, label, transcript_hash, out);
}

Result<std::shared_ptr<Tls13Secret>> ExtractEarlySecret(const CipherSuite& suite, const PreSharedKey* psk) {
  ENSURE(IsTls13Suite(suite), Error::kNotSupported);
  const HashAlg hash = suite.prf;
  const std::size_t n = HashLength(hash);
  std::array<std::uint8_t, kMaxHashLength> zeros{};
  Bytes ikm = Bytes(zeros).first(n);
  if (psk != nullptr) {
    ENSURE(!psk->key().empty(), Error::kInvalidParameter);
    // A resumption PSK is tied to its hash (RFC 8446 §4.2.11: the PSK's hash must be the suite's).
    ENSURE(psk->suite() == nullptr || psk->suite()->prf == hash, Error::kInvalidParameter);
    ikm = psk->key();
  }
  SecretBytes early(n);
  TRY(ossl::HkdfExtract(hash, {}, ikm, early.span()));
  return std::make_shared<Tls13Secret>(ObjectKind::kTls13EarlySecret, suite, std::move(early));
}

Result<std::shared_ptr<Tls13Secret>> ExtractHandshakeSecret(const Tls13Secret& early, Bytes shared_secret) {
  ENSURE(early.kind() == ObjectKind::kTls13EarlySecret, Error::kInvalidHandle);
  ENSURE(!shared_secret.empty(), Error::kInvalidParameter);
  ASSIGN_OR_RETURN(SecretBytes secret, ExtractAfter(early, shared_secret));
  return std::make_shared<Tls13Secret>(ObjectKind::kTls13HandshakeSecret, early.suite(), std::move(secret));
}

Result<std::shared_ptr<Tls13Secret>> ExtractMasterSecret(const Tls13Secret& handshake) {
  ENSURE(handshake.kind() == ObjectKind::kTls13HandshakeSecret, Error::kInvalidHandle);
  std::array<std::uint8_t, kMaxHashLength> zeros{};
  ASSIGN_OR_RETURN(SecretBytes secret, ExtractAfter(handshake, Bytes(zeros).first(HashLength(handshake.hash()))));
  return std::make_shared<Tls13Secret>(ObjectKind::kTls13MasterSecret, handshake.suite(), std::move(secret));
}

Result<TrafficSecrets> ExpandTrafficSecrets(const Tls13Secret& base, Bytes transcript_hash, bool want_client,
                                            bool want_server) {
  ENSURE(want_client || want_server, Error::kInvalidParameter);
  std::string_view client_label;
  std::string_view server_label;
  Tls13TrafficStage stage = Tls13TrafficStage::kNone;
  switch (base.kind()) {
    case ObjectKind::kTls13EarlySecret:  // 0-RTT: client only
      client_label = "c e traffic";
      stage = Tls13TrafficStage::kEarly;
      break;
    case ObjectKind::kTls13HandshakeSecret:
      client_label = "c hs traffic";
      server_label = "s hs traffic";
      stage = Tls13TrafficStage::kHandshake;
      break;
    case ObjectKind::kTls13MasterSecret:
      client_label = "c ap traffic";
      server_label = "s ap traffic";
      stage = Tls13TrafficStage::kApplication;
      break;
    default: return Error::kInvalidHandle;
  }
  ENSURE(!want_server || !server_label.empty(), Error::kInvalidParameter);
  TRY(CheckTranscriptHash(base, transcript_hash));
  TrafficSecrets out;
  if (want_client) {
    ASSIGN_OR_RETURN(out.client, Derive(base, ObjectKind::kTls13TrafficSecret, client_label, transcript_hash,
                                        TlsRole::kClient, stage));
  }
  if (want_server) {
    ASSIGN_OR_RETURN(out.server, Derive(base, ObjectKind::kTls13TrafficSecret, server_label, transcript_hash,
                                        TlsRole::kServer, stage));
  }
  return out;
}

Result<std::shared_ptr<Tls13Secret>> ExpandNextTrafficSecret(const Tls13Secret& traffic) {
  ENSURE(traffic.kind() == ObjectKind::kTls13TrafficSecret, Error::kInvalidHandle);
  SecretBytes next(HashLength(traffic.hash()));
  TRY(HkdfExpandLabel(traffic.hash(), traffic.secret(), "traffic upd", {}, next.span()));
  return std::make_shared<Tls13Secret>(ObjectKind::kTls13TrafficSecret, traffic.suite(), std::move(next),
                                       traffic.role(), traffic.traffic_stage());
}

Result<std::shared_ptr<Tls13Secret>> ExpandExporterSecret(const Tls13Secret& base, Bytes transcript_hash) {
  std::string_view label;
  if (base.kind() == ObjectKind::kTls13EarlySecret) {
    label = "e exp master";
  } else if (base.kind() == ObjectKind::kTls13MasterSecret) {
    label = "exp master";
  } else {
    return Error::kInvalidHandle;
  }
  TRY(CheckTranscriptHash(base, transcript_hash));
  return Derive(base, ObjectKind::kTls13ExporterSecret, label, transcript_hash);
}

Result<std::shared_ptr<Tls13Secret>> ExpandResumptionSecret(const Tls13Secret& master, Bytes transcript_hash) {
  ENSURE(master.kind() == ObjectKind::kTls13MasterSecret, Error::kInvalidHandle);
  TRY(CheckTranscriptHash(master, transcript_hash));
  return Derive(master, ObjectKind::kTls13ResumptionSecret, "res master", transcript_hash);
}

Result<std::shared_ptr<PreSharedKey>> ExpandResumptionPsk(const Tls13Secret& resumption, Bytes ticket_nonce) {
  ENSURE(resumption.kind() == ObjectKind::kTls13ResumptionSecret, Error::kInvalidHandle);
  ENSURE(ticket_nonce.size() <= kMaxTicketNonceLength, Error::kInvalidParameter);
  SecretBytes psk(HashLength(resumption.hash()));
  TRY(HkdfExpandLabel(resumption.hash(), resumption.secret(), "resumption", ticket_nonce, psk.span()));
  return std::make_shared<PreSharedKey>(std::move(psk), &resumption.suite());
}

Result<std::shared_ptr<Tls13Secret>> ExpandBinderKey(const Tls13Secret& early, BinderKind kind) {
  ENSURE(early.kind() == ObjectKind::kTls13EarlySecret, Error::kInvalidHandle);
  const std::size_t n = HashLength(early.hash());
  std::array<std::uint8_t, kMaxHashLength> empty_hash{};
  TRY(EmptyTranscriptHash(early.hash(), MutBytes(empty_hash).first(n)));
  return Derive(early, ObjectKind::kTls13BinderKey, kind == BinderKind::kExternal ? "ext binder" : "res binder",
                Bytes(empty_hash).first(n));
}

Status ComputeTls13Finished(const Tls13Secret& base, Bytes transcript_hash, MutBytes out) {
  ENSURE(base.kind() == ObjectKind::kTls13TrafficSecret || base.kind() == ObjectKind::kTls13BinderKey,
         Error::kInvalidHandle);
  TRY(CheckTranscriptHash(base, transcript_hash));
  const std::size_t n = HashLength(base.hash());
  ENSURE(out.size() == n, Error::kInvalidParameter);
  SecretBytes finished_key(n);
  TRY(HkdfExpandLabel(base.hash(), base.secret(), "finished", {}, finished_key.span()));
  ASSIGN_OR_RETURN(ossl::HmacKey mac, ossl::HmacKey::Create(base.hash(), finished_key.span()));
  TRY(mac.Update(transcript_hash));
  return mac.Final(out);
}

Result<std::shared_ptr<PreSharedKey>> ImportExternalPsk(Bytes blob) {
  constexpr std::size_t kHeaderLength = 12;
  constexpr std::uint32_t kKeyDataBlobMagic = 0x4d42444b;  // BCRYPT_KEY_DATA_BLOB_MAGIC ("KDBM")
  constexpr std::uint32_t kKeyDataBlobVersion1 = 1;
  ENSURE(blob.size() > kHeaderLength, Error::kBadData);
  const std::uint32_t magic = LoadLe32(blob.data());
  const std::uint32_t version = LoadLe32(blob.data() + 4);
  const std::uint32_t key_length = LoadLe32(blob.data() + 8);
  ENSURE(magic == kKeyDataBlobMagic && version == kKeyDataBlobVersion1, Error::kBadData);
  ENSURE(key_length != 0 && key_length <= kMaxExternalPskLength && blob.size() - kHeaderLength == key_length,
         Error::kBadData);
  return std::make_shared<PreSharedKey>(SecretBytes(blob.subspan(kHeaderLength)));
}

Status ExportTls13KeyingMaterial(const Tls13Secret& exporter, std::string_view label, Bytes context, MutBytes out) {
  ENSURE(exporter.kind() == ObjectKind::kTls13ExporterSecret, Error::kInvalidHandle);
  const HashAlg hash = exporter.hash();
  const std::size_t n = HashLength(hash);
  ENSURE(label.size() <= kMaxLabelLength, Error::kInvalidParameter);
  ENSURE(!out.empty() && out.size() <= 255 * n, Error::kInvalidParameter);
  std::array<std::uint8_t, kMaxHashLength> empty_hash{};
  TRY(EmptyTranscriptHash(hash, MutBytes(empty_hash).first(n)));
  SecretBytes derived(n);
  TRY(DeriveSecret(hash, exporter.secret(), label, Bytes(empty_hash).first(n), derived.span()));
  std::array<std::uint8_t, kMaxHashLength> context_hash{};
  ASSIGN_OR_RETURN(ossl::RunningHash running, ossl::RunningHash::Create(hash));
  TRY(running.Update(context));
  TRY(running.Final(MutBytes(context_hash).first(n)));
  return HkdfExpandLabel(hash, derived.span(), "exporter", Bytes(context_hash).first(n), out);
}

Result<SessionKeyMaterial> ExpandTls13RecordKeyMaterial(const Tls13Secret& traffic) {
  ENSURE(traffic.kind() == ObjectKind::kTls13TrafficSecret, Error::kInvalidHandle);
  const CipherSuite& suite = traffic.suite();
  SessionKeyMaterial material;
  material.suite = &suite;
  material.version = ProtocolVersion::kTls13;
  material.direction = RecordDirection::kBoth;
  material.stage = traffic.traffic_stage();
  material.enc_key = SecretBytes(suite.key_len);
  material.iv = SecretBytes(suite.fixed_iv_len);
  TRY(HkdfExpandLabel(traffic.hash(), traffic.secret(), "key", {}, material.enc_key.span()));
  TRY(HkdfExpandLabel(traffic.hash(), traffic.secret(), "iv", {}, material.iv.span()));
  return material;
}

std::string_view KeyLogTrafficLabel(const Tls13Secret& traffic) noexcept {
  if (traffic.kind() != ObjectKind::kTls13TrafficSecret) return {};
  const bool client = traffic.role() == TlsRole::kClient;
  switch (traffic.traffic_stage()) {
    case Tls13TrafficStage::kEarly: return client ? "CLIENT_EARLY_TRAFFIC_SECRET" : std::string_view();
    case Tls13TrafficStage::kHandshake:
      return client ? "CLIENT_HANDSHAKE_TRAFFIC_SECRET" : "SERVER_HANDSHAKE_TRAFFIC_SECRET";
    case Tls13TrafficStage::kApplication: return client ? "CLIENT_TRAFFIC_SECRET_0" : "SERVER_TRAFFIC_SECRET_0";
    case Tls13TrafficStage::kNone: return {};
  }
  return {};
}

std::string_view KeyLogExporterLabel(const Tls13Secret& base) noexcept {
  switch (base.kind()) {
    case ObjectKind::kTls13EarlySecret: return "EARLY_EXPORTER_SECRET";
    case ObjectKind::kTls13MasterSecret: return "EXPORTER_SECRET";
    default: return {};
  }
}

}  // namespace opensslp
