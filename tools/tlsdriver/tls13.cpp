// tls13.cpp - what both TLS 1.3 roles share (RFC 8446): the key-schedule steps as Ssl* calls,
// key shares, the transcript's HelloRetryRequest rewrite, Certificate / CertificateVerify /
// Finished, KeyUpdate, post-handshake messages and the server's ticket store. The calls and their
// inferred contract are docs/tls13.md's.
#include <algorithm>
#include <map>
#include <mutex>
#include <string>

#include "connection_impl.h"
#include "tlswire/constant_time.h"

namespace opensslp::tlsdriver {
namespace {

void PutLe32(Bytes& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

std::uint32_t GetLe32(ByteView b, std::size_t at) {
  return static_cast<std::uint32_t>(b[at]) | (static_cast<std::uint32_t>(b[at + 1]) << 8) |
         (static_cast<std::uint32_t>(b[at + 2]) << 16) | (static_cast<std::uint32_t>(b[at + 3]) << 24);
}

bool IsFfdhe(std::uint16_t group) { return group >= 256 && group <= 260; }

// RFC 8446 §5.5: AES-GCM keys may protect at most 2^24.5 full-size records; we update at 2^24.
constexpr std::uint64_t kAesGcmRecordLimit = std::uint64_t{1} << 24;

}  // namespace

std::size_t Tls13HashLength(std::uint16_t suite) { return suite == 0x1302 ? 48 : 32; }

std::size_t ConnectionImpl::HashLength13() const { return Tls13HashLength(suite_->id); }

std::uint64_t ConnectionImpl::KeyUpdateLimit() const {
  if (config_.key_update_after_records != 0) return config_.key_update_after_records;
  return suite_->id == 0x1303 ? UINT64_MAX - 1 : kAesGcmRecordLimit;
}

// ---- dispatch (RFC 8446 §2, Figure 1) --------------------------------------------------------------

void ConnectionImpl::OnMessage13(std::uint8_t type, ByteView body) {
  const bool client = config_.role == Role::kClient;
  switch (expect_) {
    case Expect::kEncryptedExtensions:
      if (client && type == kEncryptedExtensions) return ClientOnEncryptedExtensions(body);
      break;
    case Expect::kCertificateRequestOrCertificate:
      if (client && type == kCertificateRequest) return ClientOnCertificateRequest13(body);
      if (client && type == kCertificate) return ClientOnCertificate13(body);
      break;
    case Expect::kCertificate:
      if (client && type == kCertificate) return ClientOnCertificate13(body);
      break;
    case Expect::kServerCertificateVerify:
      if (client && type == kCertificateVerify) {
        VerifyCertificateVerify13(body, true);
        expect_ = Expect::kFinished;
        return;
      }
      break;
    case Expect::kEndOfEarlyData:
      if (!client && type == kEndOfEarlyData) return ServerOnEndOfEarlyData(body);
      break;
    case Expect::kClientCertificate:
      if (!client && type == kCertificate) return ServerOnClientCertificate13(body);
      break;
    case Expect::kClientCertificateVerify:
      if (!client && type == kCertificateVerify) {
        VerifyCertificateVerify13(body, false);
        info_.client_certificate = true;
        expect_ = Expect::kFinished;
        return;
      }
      break;
    case Expect::kFinished:
      if (type == kFinished) return client ? ClientOnServerFinished13(body) : ServerOnClientFinished13(body);
      break;
    default: break;
  }
  Abort(AlertDescription::kUnexpectedMessage, "unexpected TLS 1.3 handshake message " + std::to_string(type));
}

// ---- key shares (RFC 8446 §4.2.8) ----------------------------------------------------------------

// Our ephemeral key on `group` and its KeyShareEntry.key_exchange: the uncompressed point or
// X25519/X448 bytes from SSL_ECCPUBLIC_BLOB (§4.2.8.2), or the DH public value left-padded to the
// size of p from BCRYPT_DH_PUBLIC_BLOB (§4.2.8.1).
ProviderObject ConnectionImpl::CreateKeyShare(std::uint16_t group, Bytes* share) {
  const std::uint16_t suite = suite_ != nullptr ? suite_->id : offered_suites13_.front();
  ProviderObject key;
  CheckStatus(SslCreateEphemeralKey(provider_.get(), key.Put(), kTls13, suite, group, 0, nullptr, 0, 0),
              "SslCreateEphemeralKey");
  if (IsFfdhe(group)) {
    const Bytes blob = provider_.ExportKey(key.get(), BCRYPT_DH_PUBLIC_BLOB);  // {magic, cbKey} p g Y
    if (blob.size() < 8 || blob.size() != 8 + 3 * std::size_t{GetLe32(blob, 4)}) {
      Abort(AlertDescription::kInternalError, "unexpected DH public blob");
    }
    share->assign(blob.end() - GetLe32(blob, 4), blob.end());
  } else {
    const Bytes blob = provider_.ExportKey(key.get(), SSL_ECCPUBLIC_BLOB);  // {group, cbKey} || wire bytes
    if (blob.size() <= 8) Abort(AlertDescription::kInternalError, "short SSL_ECCPUBLIC_BLOB");
    share->assign(blob.begin() + 8, blob.end());
  }
  return key;
}

ProviderObject ConnectionImpl::ImportKeyShare(std::uint16_t group, ByteView share, NCRYPT_KEY_HANDLE own_key) {
  Bytes blob;
  if (IsFfdhe(group)) {
    // p and g are the group's: read back from our own key of the same group.
    const Bytes ours = provider_.ExportKey(own_key, BCRYPT_DH_PUBLIC_BLOB);
    const std::size_t size = GetLe32(ours, 4);
    if (share.size() != size) Abort(AlertDescription::kIllegalParameter, "DH key share not the size of p");
    PutLe32(blob, BCRYPT_DH_PUBLIC_MAGIC);
    PutLe32(blob, static_cast<std::uint32_t>(size));
    blob.insert(blob.end(), ours.begin() + 8, ours.begin() + 8 + 2 * static_cast<std::ptrdiff_t>(size));
    blob.insert(blob.end(), share.begin(), share.end());
    return provider_.ImportKey(BCRYPT_DH_PUBLIC_BLOB, blob);
  }
  PutLe32(blob, group);
  PutLe32(blob, static_cast<std::uint32_t>(share.size()));
  blob.insert(blob.end(), share.begin(), share.end());
  return provider_.ImportKey(SSL_ECCPUBLIC_BLOB, blob);
}

// ---- PSKs and the key schedule ---------------------------------------------------------------------

// BCRYPT_KEY_DATA_BLOB_HEADER {magic, version 1, cbKeyData} || key (docs/tls13.md, an inference).
ProviderObject ConnectionImpl::ImportExternalPsk(const ExternalPsk& psk) {
  Bytes blob;
  PutLe32(blob, 0x4d42444b);  // BCRYPT_KEY_DATA_BLOB_MAGIC "KDBM"
  PutLe32(blob, 1);           // BCRYPT_KEY_DATA_BLOB_VERSION1
  PutLe32(blob, static_cast<std::uint32_t>(psk.key.size()));
  blob.insert(blob.end(), psk.key.begin(), psk.key.end());
  ProviderObject key;
  const SECURITY_STATUS rc =
      SslImportKey(provider_.get(), key.Put(), TLS_13_PRE_SHARED_KEY, blob.data(), static_cast<DWORD>(blob.size()), 0);
  std::fill(blob.begin(), blob.end(), 0);
  CheckStatus(rc, "SslImportKey(TLS13PRESHAREDKEY)");
  return key;
}

ProviderObject ConnectionImpl::NewTranscript13(std::uint16_t suite) {
  ProviderObject hash;
  CheckStatus(SslCreateHandshakeHash(provider_.get(), hash.Put(), kTls13, suite, 0), "SslCreateHandshakeHash");
  return hash;
}

ProviderObject ConnectionImpl::DuplicateTranscript(NCRYPT_HASH_HANDLE transcript) {
  ProviderObject copy;
  CheckStatus(SslDuplicateTranscriptHash(provider_.get(), transcript, copy.Put(), 0), "SslDuplicateTranscriptHash");
  return copy;
}

Bytes ConnectionImpl::HashOf(NCRYPT_HASH_HANDLE transcript) {
  Bytes hash(64);
  DWORD len = 0;
  CheckStatus(
      SslComputeSessionHash(provider_.get(), transcript, kTls13, hash.data(), static_cast<DWORD>(hash.size()), &len, 0),
      "SslComputeSessionHash");
  hash.resize(len);
  return hash;
}

// RFC 8446 §4.4.1: after a HelloRetryRequest the transcript starts with
// message_hash(254) || 00 00 Hash.length || Hash(ClientHello1).
void ConnectionImpl::ReplaceTranscriptWithMessageHash(ByteView client_hello1) {
  ProviderObject first = NewTranscript13(suite_->id);
  CheckStatus(SslHashHandshake(provider_.get(), first.get(), const_cast<PBYTE>(client_hello1.data()),
                               static_cast<DWORD>(client_hello1.size()), 0),
              "SslHashHandshake");
  const Bytes hash = HashOf(first.get());
  Bytes message = {kMessageHash, 0, 0, static_cast<std::uint8_t>(hash.size())};
  message.insert(message.end(), hash.begin(), hash.end());
  transcript_ = NewTranscript13(suite_->id);
  transcript_pending_.clear();
  AddToTranscript(message);
}

void ConnectionImpl::DeriveEarlySecret(NCRYPT_KEY_HANDLE psk, std::uint16_t suite) {
  CheckStatus(SslExtractEarlyKey(provider_.get(), psk, k13_.early_secret.Put(), kTls13, suite, nullptr, 0),
              "SslExtractEarlyKey");
}

// RFC 8446 §4.2.11.2: binder = HMAC(finished_key(binder_key), Transcript-Hash(Truncate(ClientHello)))
// where the transcript so far is empty or, after HRR, message_hash || HelloRetryRequest.
Bytes ConnectionImpl::ComputeBinder(NCRYPT_HASH_HANDLE transcript_so_far, ByteView truncated_client_hello) {
  ProviderObject hash = transcript_so_far != NCRYPT_HASH_HANDLE{} ? DuplicateTranscript(transcript_so_far)
                                                                  : NewTranscript13(k13_.psk_suite);
  CheckStatus(SslHashHandshake(provider_.get(), hash.get(), const_cast<PBYTE>(truncated_client_hello.data()),
                               static_cast<DWORD>(truncated_client_hello.size()), 0),
              "SslHashHandshake");
  ProviderObject binder_key;
  CheckStatus(SslExpandBinderKey(provider_.get(), k13_.early_secret.get(), binder_key.Put(), nullptr,
                                 k13_.psk_external ? NCRYPT_SSL_EXTERNAL_PSK_FLAG : NCRYPT_SSL_RESUMPTION_PSK_FLAG),
              "SslExpandBinderKey");
  Bytes binder(Tls13HashLength(k13_.psk_suite));
  CheckStatus(SslComputeFinishedHash(provider_.get(), binder_key.get(), hash.get(), binder.data(),
                                     static_cast<DWORD>(binder.size()), NCRYPT_SSL_CLIENT_FLAG),
              "SslComputeFinishedHash(binder)");
  return binder;
}

void ConnectionImpl::DeriveHandshakeSecrets(NCRYPT_KEY_HANDLE own_key, NCRYPT_KEY_HANDLE peer_key) {
  CheckStatus(SslExtractHandshakeKey(provider_.get(), own_key, peer_key, k13_.early_secret.get(),
                                     k13_.handshake_secret.Put(), nullptr, 0),
              "SslExtractHandshakeKey");
  CheckStatus(
      SslExpandTrafficKeys(provider_.get(), k13_.handshake_secret.get(), transcript_.get(),
                           k13_.client_handshake_traffic.Put(), k13_.server_handshake_traffic.Put(), nullptr, 0),
      "SslExpandTrafficKeys(handshake)");
}

void ConnectionImpl::DeriveApplicationSecrets() {
  CheckStatus(SslExtractMasterKey(provider_.get(), k13_.handshake_secret.get(), k13_.master_secret.Put(), nullptr, 0),
              "SslExtractMasterKey");
  CheckStatus(SslExpandTrafficKeys(provider_.get(), k13_.master_secret.get(), transcript_.get(),
                                   k13_.client_traffic.Put(), k13_.server_traffic.Put(), nullptr, 0),
              "SslExpandTrafficKeys(application)");
  CheckStatus(SslExpandExporterMasterKey(provider_.get(), k13_.master_secret.get(), transcript_.get(),
                                         k13_.exporter.Put(), nullptr, 0),
              "SslExpandExporterMasterKey");
}

ProviderObject ConnectionImpl::RecordKey(NCRYPT_KEY_HANDLE traffic_secret) {
  ProviderObject key;
  CheckStatus(SslExpandWriteKey(provider_.get(), traffic_secret, key.Put(), nullptr, 0), "SslExpandWriteKey");
  return key;
}

Bytes ConnectionImpl::Finished13(NCRYPT_KEY_HANDLE traffic_secret, DWORD sender) {
  Bytes verify(HashLength13());
  CheckStatus(SslComputeFinishedHash(provider_.get(), traffic_secret, transcript_.get(), verify.data(),
                                     static_cast<DWORD>(verify.size()), sender),
              "SslComputeFinishedHash");
  return verify;
}

void ConnectionImpl::CheckPeerFinished13(ByteView body, NCRYPT_KEY_HANDLE traffic_secret, DWORD sender) {
  if (body.size() != HashLength13()) Abort(AlertDescription::kDecodeError, "Finished of the wrong length");
  const Bytes expected = Finished13(traffic_secret, sender);
  if (!tlswire::ConstantTimeEqual(expected, body)) {
    Abort(AlertDescription::kDecryptError,
          sender == NCRYPT_SSL_CLIENT_FLAG ? "client Finished does not verify" : "server Finished does not verify");
  }
  (sender == NCRYPT_SSL_CLIENT_FLAG ? info_.client_finished : info_.server_finished) = expected;
}

// ---- Certificate and CertificateVerify (RFC 8446 §4.4.2, §4.4.3) ------------------------------------

void ConnectionImpl::SendCertificate13(ByteView request_context, bool empty) {
  Writer list;
  if (!empty) {
    for (const Bytes& cert : own_chain()) {
      list.Vec24(cert);
      list.Vec16({});  // no per-certificate extensions (no OCSP, no SCT)
    }
  }
  Writer w;
  w.Vec8(request_context);
  w.Vec24(list.bytes());
  SendHandshake(kCertificate, w.bytes());
}

std::vector<Bytes> ConnectionImpl::ReadCertificate13(ByteView body, ByteView expected_context) {
  Reader r(body, "Certificate");
  const ByteView context = r.Vec8();
  Reader list(r.Vec24(), "certificate_list");
  r.ExpectEnd();
  if (!std::equal(context.begin(), context.end(), expected_context.begin(), expected_context.end())) {
    Abort(AlertDescription::kIllegalParameter, "Certificate with the wrong request context");
  }
  std::vector<Bytes> chain;
  while (!list.empty()) {
    const ByteView cert = list.Vec24(1);
    list.Vec16();  // extensions: status_request / SCT answers we did not ask for are ignored
    chain.emplace_back(cert.begin(), cert.end());
  }
  return chain;
}

void ConnectionImpl::SendCertificateVerify13(bool server) {
  const SignatureScheme* scheme = ChooseSignatureScheme13(own_cert()->kind, own_cert()->group, peer_signature_schemes_);
  if (scheme == nullptr) Abort(AlertDescription::kHandshakeFailure, "no signature scheme in common for our key");
  const Bytes content = CertificateVerifyContent(server, TranscriptHash());
  // The provider's SHA-2 digest runs on a TLS 1.2 client-auth hash object: the only hash the API
  // exposes (Provider::Digest).
  const Bytes signature =
      SignForTls(provider_, own_private_key(), own_cert()->kind, kTls12, provider_.AnyTls12Suite(), scheme, content);
  Writer w;
  w.U16(scheme->code);
  w.Vec16(signature);
  SendHandshake(kCertificateVerify, w.bytes());
}

void ConnectionImpl::VerifyCertificateVerify13(ByteView body, bool from_server) {
  Reader r(body, "CertificateVerify");
  const std::uint16_t code = r.U16();
  const ByteView signature = r.Vec16(1);
  r.ExpectEnd();
  // RFC 8446 §4.4.3: one of the schemes we offered, valid in TLS 1.3 for the certificate's key.
  const SignatureScheme* scheme = FindSignatureScheme13(code, peer_cert_->kind, peer_cert_->group);
  const std::vector<std::uint16_t>& offered = OfferedSignatureSchemes();
  if (scheme == nullptr || std::find(offered.begin(), offered.end(), code) == offered.end()) {
    Abort(AlertDescription::kIllegalParameter, "CertificateVerify with a scheme not offered or not for this key");
  }
  const Bytes content = CertificateVerifyContent(from_server, TranscriptHash());
  const SECURITY_STATUS rc = VerifyFromTls(provider_, peer_cert_key_.get(), peer_cert_->kind, peer_cert_->bits, kTls12,
                                           provider_.AnyTls12Suite(), scheme, content, signature);
  if (rc != 0) {
    Abort(AlertDescription::kDecryptError,
          from_server ? "server CertificateVerify does not verify" : "client CertificateVerify does not verify",
          static_cast<std::uint32_t>(rc));
  }
  AddToTranscript(current_message_);
}

// ---- after the handshake: KeyUpdate, tickets (RFC 8446 §4.6) ----------------------------------------

// Post-handshake messages are not part of the transcript.
void ConnectionImpl::SendKeyUpdate(bool request_peer_update) {
  const std::uint8_t message[5] = {kKeyUpdate, 0, 0, 1, static_cast<std::uint8_t>(request_peer_update ? 1 : 0)};
  records_.Write(kHandshake, message, config_.max_fragment_length, out_);
  // RFC 8446 §7.2: application_traffic_secret_N+1 = HKDF-Expand-Label(N, "traffic upd", "", Hash.length).
  ProviderObject& own = config_.role == Role::kClient ? k13_.client_traffic : k13_.server_traffic;
  ProviderObject next;
  CheckStatus(SslExpandNextGenTrafficKey(provider_.get(), own.get(), next.Put(), nullptr, 0),
              "SslExpandNextGenTrafficKey");
  own = std::move(next);
  records_.ActivateWriteKey(RecordKey(own.get()));
  ++info_.key_updates_sent;
}

void ConnectionImpl::OnKeyUpdate(ByteView body) {
  Reader r(body, "KeyUpdate");
  const std::uint8_t request = r.U8();
  r.ExpectEnd();
  if (request > 1) Abort(AlertDescription::kIllegalParameter, "KeyUpdate request_update out of range");
  ProviderObject& peer = config_.role == Role::kClient ? k13_.server_traffic : k13_.client_traffic;
  ProviderObject next;
  CheckStatus(SslExpandNextGenTrafficKey(provider_.get(), peer.get(), next.Put(), nullptr, 0),
              "SslExpandNextGenTrafficKey");
  peer = std::move(next);
  records_.ActivateReadKey(RecordKey(peer.get()));
  ++info_.key_updates_received;
  // §4.6.3: answer update_requested before our next application data. After close_notify we send
  // nothing more.
  if (request == 1 && !close_sent_) SendKeyUpdate(false);
}

void ConnectionImpl::OnPostHandshakeMessage13(std::uint8_t type, ByteView body) {
  if (type == kKeyUpdate) return OnKeyUpdate(body);
  if (type == kNewSessionTicket && config_.role == Role::kClient) return ClientOnNewSessionTicket(body);
  // A post-handshake CertificateRequest needs post_handshake_auth, which we never offer.
  Abort(AlertDescription::kUnexpectedMessage, "unexpected post-handshake message " + std::to_string(type));
}

bool ConnectionImpl::UpdateKeys(bool request_peer_update) {
  if (state_ != State::kConnected || !tls13()) return false;
  try {
    SendKeyUpdate(request_peer_update);
  } catch (const TlsAbort& abort) {
    Fail(abort);
    return false;
  }
  return true;
}

std::optional<std::vector<std::uint8_t>> ConnectionImpl::ExportEarlyKeyingMaterial(
    const std::string& label, const std::vector<std::uint8_t>* context, std::size_t length) {
  if (!k13_.early_exporter || length == 0 || length > 0xFFFFFFFFu) return std::nullopt;
  if (context != nullptr && context->size() > 0xFFFF) return std::nullopt;
  Bytes out(length);
  const SECURITY_STATUS rc = SslExportKeyingMaterial(
      provider_.get(), k13_.early_exporter.get(), const_cast<PCHAR>(label.c_str()), nullptr, 0,
      context == nullptr ? nullptr : const_cast<PBYTE>(context->data()),
      context == nullptr ? 0 : static_cast<WORD>(context->size()), out.data(), static_cast<DWORD>(out.size()), 0);
  if (rc != 0) return std::nullopt;
  return out;
}

// ---- tickets ---------------------------------------------------------------------------------------

Ticket::~Ticket() {
  if (psk != 0) (void)SslFreeObject(static_cast<NCRYPT_HANDLE>(psk), 0);
}

struct TicketStore::Impl {
  mutable std::mutex mutex;
  std::map<std::string, std::unique_ptr<Entry>> entries;  // by identity bytes
};

// Bounded: a server that issues tickets nobody redeems keeps at most this many.
constexpr std::size_t kMaxStoredTickets = 4096;

TicketStore::TicketStore() : impl_(std::make_unique<Impl>()) {}
TicketStore::~TicketStore() = default;

std::vector<std::uint8_t> TicketStore::Add(std::unique_ptr<Entry> entry) {
  Bytes identity = CsprngBytes(32);
  std::lock_guard<std::mutex> lock(impl_->mutex);
  if (impl_->entries.size() >= kMaxStoredTickets) {
    // Evict the oldest.
    auto oldest = std::min_element(impl_->entries.begin(), impl_->entries.end(),
                                   [](const auto& a, const auto& b) { return a.second->issued < b.second->issued; });
    impl_->entries.erase(oldest);
  }
  impl_->entries[std::string(identity.begin(), identity.end())] = std::move(entry);
  return identity;
}

std::unique_ptr<TicketStore::Entry> TicketStore::Take(std::span<const std::uint8_t> identity) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  auto it = impl_->entries.find(std::string(identity.begin(), identity.end()));
  if (it == impl_->entries.end()) return nullptr;
  std::unique_ptr<Entry> entry = std::move(it->second);
  impl_->entries.erase(it);
  if (std::chrono::steady_clock::now() - entry->issued > std::chrono::seconds(entry->lifetime_seconds)) return nullptr;
  return entry;
}

std::uint16_t TicketStore::SuiteOf(std::span<const std::uint8_t> identity) const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  auto it = impl_->entries.find(std::string(identity.begin(), identity.end()));
  return it == impl_->entries.end() ? 0 : it->second->cipher_suite;
}

std::size_t TicketStore::size() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->entries.size();
}

}  // namespace opensslp::tlsdriver
