// client13.cpp - the client half of the TLS 1.3 handshake (RFC 8446 §2 message flow): a
// ClientHello that also offers TLS 1.0-1.2 when configured, HelloRetryRequest, PSK binders and
// 0-RTT, the server's encrypted flight, our certificate and Finished, and session tickets.
#include <algorithm>
#include <iterator>

#include "connection_impl.h"

namespace opensslp::tlsdriver {
namespace {

bool Contains(const std::vector<std::uint16_t>& list, std::uint16_t value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

void PutExtension(Writer& w, std::uint16_t type, ByteView body) {
  w.U16(type);
  w.Vec16(body);
}

// RFC 8446 §4.1.3: ServerHello.random of a HelloRetryRequest, SHA-256("HelloRetryRequest").
constexpr std::uint8_t kHelloRetryRequestRandom[32] = {0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C,
                                                       0x02, 0x1E, 0x65, 0xB8, 0x91, 0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB,
                                                       0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C};

// RFC 8446 §4.6.1: servers MUST NOT use a lifetime above 7 days.
constexpr std::uint32_t kMaxTicketLifetime = 604800;

}  // namespace

bool IsHelloRetryRequestRandom(ByteView random) {
  return random.size() == 32 && std::equal(random.begin(), random.end(), std::begin(kHelloRetryRequestRandom));
}

ByteView HelloRetryRequestRandom() { return ByteView(kHelloRetryRequestRandom, 32); }

// ---- ClientHello (RFC 8446 §4.1.2) -------------------------------------------------------------

void ConnectionImpl::ClientSendHello13(bool retry) {
  if (!retry) {
    // TLS 1.3 suites first: a TLS 1.3 server picks among them, a TLS 1.2 server ignores them.
    std::stable_partition(offered_suites_.begin(), offered_suites_.end(), [&](std::uint16_t id) {
      return provider_.FindSuite(id)->exchange == Exchange::kTls13KeyShare;
    });
    for (std::uint16_t id : offered_suites_) {
      if (provider_.FindSuite(id)->exchange == Exchange::kTls13KeyShare) offered_suites13_.push_back(id);
    }
    if (offered_groups_.empty()) Abort(AlertDescription::kInternalError, "no group to offer a TLS 1.3 key share on");
    key_share_group_ = offered_groups_.front();
    // The PSK we offer: an external one, else a ticket that has not expired and whose suite's hash
    // one of our suites has (RFC 8446 §4.2.11).
    if (config_.external_psk) {
      k13_.psk = ImportExternalPsk(*config_.external_psk);
      k13_.psk_handle = k13_.psk.get();
      k13_.psk_suite = config_.external_psk->cipher_suite;
      k13_.psk_external = true;
      offered_psk_ = Contains(offered_suites13_, k13_.psk_suite);
    } else if (config_.resume && config_.resume->psk != 0 &&
               // RFC 8446 §4.6.1: resume only with the server name the ticket was issued for.
               config_.resume->server_name == config_.server_name &&
               std::chrono::steady_clock::now() - config_.resume->received <
                   std::chrono::seconds(config_.resume->lifetime_seconds) &&
               Contains(offered_suites13_, config_.resume->cipher_suite)) {
      k13_.psk_handle = static_cast<NCRYPT_KEY_HANDLE>(config_.resume->psk);
      k13_.psk_suite = config_.resume->cipher_suite;
      offered_psk_ = true;
    }
    if (offered_psk_) {
      const std::uint32_t max_early =
          k13_.psk_external ? config_.external_psk->max_early_data : config_.resume->max_early_data;
      offered_early_data_ = !config_.early_data.empty() && config_.early_data.size() <= max_early;
    }
  } else {
    offered_early_data_ = false;  // §4.1.2: never in the second ClientHello
  }
  ephemeral_key_ = CreateKeyShare(key_share_group_, &server_public_);  // server_public_: our share, for now
  const Bytes our_share = std::exchange(server_public_, {});
  if (offered_psk_) DeriveEarlySecret(k13_.psk_handle, k13_.psk_suite);

  Writer ext;
  if (sent_server_name_) {
    Writer name;
    name.U8(0);
    name.Vec16(ByteView(reinterpret_cast<const std::uint8_t*>(config_.server_name.data()), config_.server_name.size()));
    Writer list;
    list.Vec16(name.bytes());
    PutExtension(ext, kExtServerName, list.bytes());
  }
  {
    Writer groups, list;
    for (std::uint16_t g : offered_groups_) groups.U16(g);
    list.Vec16(groups.bytes());
    PutExtension(ext, kExtSupportedGroups, list.bytes());
  }
  if (sent_ec_extensions_) {
    const std::uint8_t uncompressed[] = {1, 0};  // RFC 8422 §5.1.2
    PutExtension(ext, kExtEcPointFormats, uncompressed);
  }
  {
    Writer schemes, list;
    for (std::uint16_t s : OfferedSignatureSchemes()) schemes.U16(s);
    list.Vec16(schemes.bytes());
    PutExtension(ext, kExtSignatureAlgorithms, list.bytes());
  }
  if (config_.min_version <= kTls12) {
    // For a TLS 1.2 server.
    if (offered_ems_) PutExtension(ext, kExtExtendedMasterSecret, {});
    const std::uint8_t empty_renegotiated_connection = 0;
    PutExtension(ext, kExtRenegotiationInfo, ByteView(&empty_renegotiated_connection, 1));
  }
  {
    Writer versions, list;
    for (std::uint16_t v = config_.max_version; v >= config_.min_version; --v) versions.U16(v);
    list.Vec8(versions.bytes());
    PutExtension(ext, kExtSupportedVersions, list.bytes());
  }
  {
    Writer entry, list;
    entry.U16(key_share_group_);
    entry.Vec16(our_share);
    list.Vec16(entry.bytes());
    PutExtension(ext, kExtKeyShare, list.bytes());
  }
  if (!cookie_.empty()) {
    Writer c;
    c.Vec16(cookie_);
    PutExtension(ext, kExtCookie, c.bytes());
  }
  {
    const std::uint8_t modes[] = {1, 1};  // psk_dhe_ke only (§4.2.9): every handshake has fresh (EC)DHE
    PutExtension(ext, kExtPskKeyExchangeModes, modes);
  }
  if (offered_early_data_) PutExtension(ext, kExtEarlyData, {});
  const std::size_t binder_length = Tls13HashLength(k13_.psk_suite);
  if (offered_psk_) {
    // §4.2.11: last. One identity; the binder is filled in below over the truncated message.
    Writer identity, identities, binders, body;
    const Bytes& id = k13_.psk_external ? config_.external_psk->identity : config_.resume->identity;
    identity.Vec16(id);
    std::uint32_t obfuscated_age = 0;
    if (!k13_.psk_external) {
      const auto age = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                             config_.resume->received);
      obfuscated_age = static_cast<std::uint32_t>(age.count()) + config_.resume->age_add;  // mod 2^32
    }
    identity.U32(obfuscated_age);
    identities.Vec16(identity.bytes());
    Writer binder;
    binder.Vec8(Bytes(binder_length, 0));
    binders.Vec16(binder.bytes());
    body.Put(identities.bytes());
    body.Put(binders.bytes());
    PutExtension(ext, kExtPreSharedKey, body.bytes());
  }

  Writer w;
  w.U16(kTls12);  // legacy_version (§4.1.2)
  w.Put(info_.client_random);
  w.Vec8(legacy_session_id_);
  Writer suites;
  for (std::uint16_t id : offered_suites_) suites.U16(id);
  w.Vec16(suites.bytes());
  const std::uint8_t null_compression = 0;
  w.Vec8(ByteView(&null_compression, 1));
  w.Vec16(ext.bytes());
  Bytes body = w.Take();
  if (offered_psk_) {
    // §4.2.11.2: the binder covers the message (header included) up to the binders list.
    Bytes message = {kClientHello, static_cast<std::uint8_t>(body.size() >> 16),
                     static_cast<std::uint8_t>(body.size() >> 8), static_cast<std::uint8_t>(body.size())};
    message.insert(message.end(), body.begin(), body.end());
    const std::size_t binders_size = 2 + 1 + binder_length;
    const Bytes binder = ComputeBinder(retry ? transcript_.get() : NCRYPT_HASH_HANDLE{},
                                       ByteView(message).first(message.size() - binders_size));
    std::copy(binder.begin(), binder.end(), body.end() - static_cast<std::ptrdiff_t>(binder_length));
    if (corrupt_binder_) body.back() ^= 0x01;  // test hook: the server must answer decrypt_error
  }
  SendHandshake(kClientHello, body);
  if (!retry) client_hello1_ = handshake_out_;  // the whole message, for a HelloRetryRequest
  FlushHandshake();
  records_.SetVersionBeforeNegotiation(kTls12);
  if (offered_early_data_) ClientSendEarlyData();
  expect_ = Expect::kServerHello;
}

// RFC 8446 §4.2.10: early data under client_early_traffic_secret, right after the ClientHello.
void ConnectionImpl::ClientSendEarlyData() {
  ProviderObject hash = NewTranscript13(k13_.psk_suite);
  CheckStatus(SslHashHandshake(provider_.get(), hash.get(), client_hello1_.data(),
                               static_cast<DWORD>(client_hello1_.size()), 0),
              "SslHashHandshake");
  CheckStatus(SslExpandTrafficKeys(provider_.get(), k13_.early_secret.get(), hash.get(),
                                   k13_.client_early_traffic.Put(), nullptr, nullptr, 0),
              "SslExpandTrafficKeys(early)");
  CheckStatus(SslExpandExporterMasterKey(provider_.get(), k13_.early_secret.get(), hash.get(),
                                         k13_.early_exporter.Put(), nullptr, 0),
              "SslExpandExporterMasterKey(early)");
  records_.SetTls13();
  records_.ActivateWriteKey(RecordKey(k13_.client_early_traffic.get()));
  records_.Write(kApplicationData, config_.early_data, config_.max_fragment_length, out_);
  info_.early_data_bytes = config_.early_data.size();
}

// ---- ServerHello / HelloRetryRequest (RFC 8446 §4.1.3, §4.1.4) --------------------------------

void ConnectionImpl::ClientOnServerHello13(ByteView body, bool hello_retry) {
  Reader r(body, "ServerHello");
  if (r.U16() != kTls12) Abort(AlertDescription::kIllegalParameter, "TLS 1.3 ServerHello legacy_version not 0x0303");
  const ByteView random = r.Take(kRandomLength);
  const ByteView session_id = r.Vec8();
  const std::uint16_t suite_id = r.U16();
  const std::uint8_t compression = r.U8();
  Reader extensions(r.Vec16(), "ServerHello extensions");
  r.ExpectEnd();
  if (!std::equal(session_id.begin(), session_id.end(), legacy_session_id_.begin(), legacy_session_id_.end())) {
    Abort(AlertDescription::kIllegalParameter, "legacy_session_id_echo differs from ours");
  }
  const SuiteInfo* suite = provider_.FindSuite(suite_id);
  if (!Contains(offered_suites13_, suite_id) || suite == nullptr) {
    Abort(AlertDescription::kIllegalParameter, "server chose a TLS 1.3 suite we did not offer");
  }
  if (compression != 0) Abort(AlertDescription::kIllegalParameter, "server chose compression");
  if (suite_ != nullptr && suite_ != suite) {
    Abort(AlertDescription::kIllegalParameter, "ServerHello suite differs from the HelloRetryRequest's");
  }

  std::vector<std::uint16_t> seen;
  std::uint16_t selected_version = 0, share_group = 0;
  bool has_key_share = false, has_psk = false;
  ByteView share, cookie;
  while (!extensions.empty()) {
    const std::uint16_t type = extensions.U16();
    Reader e(extensions.Vec16(), "ServerHello extension");
    if (Contains(seen, type)) Abort(AlertDescription::kDecodeError, "duplicate ServerHello extension");
    seen.push_back(type);
    switch (type) {
      case kExtSupportedVersions: selected_version = e.U16(); break;
      case kExtKeyShare:
        has_key_share = true;
        share_group = e.U16();
        if (!hello_retry) share = e.Vec16(1);
        break;
      case kExtPreSharedKey:
        if (hello_retry || !offered_psk_) Abort(AlertDescription::kUnsupportedExtension, "unsolicited pre_shared_key");
        if (e.U16() != 0) Abort(AlertDescription::kIllegalParameter, "selected_identity out of range");
        has_psk = true;
        break;
      case kExtCookie:
        if (!hello_retry) Abort(AlertDescription::kUnsupportedExtension, "cookie in a ServerHello");
        cookie = e.Vec16(1);
        break;
      default:
        Abort(AlertDescription::kUnsupportedExtension, "unsolicited ServerHello extension " + std::to_string(type));
    }
    e.ExpectEnd();
  }
  if (selected_version != kTls13) Abort(AlertDescription::kIllegalParameter, "supported_versions is not TLS 1.3");
  if (version_ == 0) SetNegotiated(kTls13, *suite);

  if (hello_retry) {
    // §4.1.4: only one; it must change something; the group must be one we offered and not the
    // one we already sent a share for.
    if (info_.hello_retry_request) Abort(AlertDescription::kUnexpectedMessage, "second HelloRetryRequest");
    if (!has_key_share && cookie.empty()) {
      Abort(AlertDescription::kIllegalParameter, "HelloRetryRequest that would not change the ClientHello");
    }
    if (has_key_share && (!Contains(offered_groups_, share_group) || share_group == key_share_group_)) {
      Abort(AlertDescription::kIllegalParameter, "HelloRetryRequest for a group we cannot or did already offer");
    }
    info_.hello_retry_request = true;
    if (has_key_share) key_share_group_ = share_group;
    cookie_.assign(cookie.begin(), cookie.end());
    ReplaceTranscriptWithMessageHash(client_hello1_);
    AddToTranscript(current_message_);
    if (offered_early_data_) info_.early_data = EarlyData::kRejected;
    // A PSK whose hash is not the suite's cannot be offered again (§4.1.4).
    if (offered_psk_ && Tls13HashLength(k13_.psk_suite) != Tls13HashLength(suite_id)) offered_psk_ = false;
    ClientSendHello13(true);
    return;
  }

  if (!has_key_share || share_group != key_share_group_) {
    Abort(AlertDescription::kIllegalParameter, "ServerHello key_share not on the group we offered");
  }
  info_.server_random.assign(random.begin(), random.end());
  info_.group = share_group;
  info_.group_name = GroupName(share_group);
  if (has_psk) {
    if (Tls13HashLength(k13_.psk_suite) != HashLength13()) {
      Abort(AlertDescription::kIllegalParameter, "server accepted the PSK with a suite of another hash");
    }
    info_.psk = k13_.psk_external ? PskMode::kExternal : PskMode::kResumption;
    // The suite may differ from the PSK's (same hash): the early secret is remade for it.
    if (k13_.psk_suite != suite_id) DeriveEarlySecret(k13_.psk_handle, suite_id);
  } else {
    DeriveEarlySecret(0, suite_id);
  }
  if (offered_early_data_ && !has_psk) info_.early_data = EarlyData::kRejected;

  if (!transcript_) {
    // ClientHello and ServerHello waited for the suite's hash (after a HelloRetryRequest the
    // transcript exists already and has both).
    transcript_ = NewTranscript13(suite_id);
    const Bytes pending = std::exchange(transcript_pending_, {});
    AddToTranscript(pending);
  }
  peer_key_ = ImportKeyShare(share_group, share, ephemeral_key_.get());
  DeriveHandshakeSecrets(ephemeral_key_.get(), peer_key_.get());
  ephemeral_key_.Reset();  // forward secrecy: the shared secret is in the handshake secret now
  peer_key_.Reset();
  records_.ActivateReadKey(RecordKey(k13_.server_handshake_traffic.get()));
  k13_.pending_write_key = RecordKey(k13_.client_handshake_traffic.get());
  if (!offered_early_data_) records_.ActivateWriteKey(std::move(k13_.pending_write_key));
  expect_ = Expect::kEncryptedExtensions;
}

// ---- the server's encrypted flight (RFC 8446 §4.3, §4.4) -----------------------------------------

void ConnectionImpl::ClientOnEncryptedExtensions(ByteView body) {
  Reader r(body, "EncryptedExtensions");
  Reader extensions(r.Vec16(), "EncryptedExtensions extensions");
  r.ExpectEnd();
  std::vector<std::uint16_t> seen;
  bool early_data = false;
  while (!extensions.empty()) {
    const std::uint16_t type = extensions.U16();
    Reader e(extensions.Vec16(), "EncryptedExtensions extension");
    if (Contains(seen, type)) Abort(AlertDescription::kDecodeError, "duplicate EncryptedExtensions extension");
    seen.push_back(type);
    switch (type) {
      case kExtServerName:
        if (!sent_server_name_) Abort(AlertDescription::kUnsupportedExtension, "unsolicited server_name");
        break;
      case kExtSupportedGroups:  // §4.2.7: the server's preferences, for next time; ignored
        e.Vec16(2);
        break;
      case kExtEarlyData:
        if (!offered_early_data_ || info_.psk == PskMode::kNone) {
          Abort(AlertDescription::kUnsupportedExtension, "unsolicited early_data");
        }
        early_data = true;
        break;
      case kExtSupportedVersions:
      case kExtKeyShare:
      case kExtPreSharedKey:
      case kExtCookie: Abort(AlertDescription::kIllegalParameter, "ServerHello-only extension in EncryptedExtensions");
      default:
        Abort(AlertDescription::kUnsupportedExtension,
              "unsolicited EncryptedExtensions extension " + std::to_string(type));
    }
    e.ExpectEnd();
  }
  if (offered_early_data_ && info_.early_data == EarlyData::kNotOffered) {
    info_.early_data = early_data ? EarlyData::kAccepted : EarlyData::kRejected;
  }
  early_data_accepted_ = early_data;
  expect_ = info_.psk != PskMode::kNone ? Expect::kFinished : Expect::kCertificateRequestOrCertificate;
}

void ConnectionImpl::ClientOnCertificateRequest13(ByteView body) {
  Reader r(body, "CertificateRequest");
  const ByteView context = r.Vec8();
  Reader extensions(r.Vec16(2), "CertificateRequest extensions");
  r.ExpectEnd();
  bool has_schemes = false;
  while (!extensions.empty()) {
    const std::uint16_t type = extensions.U16();
    Reader e(extensions.Vec16(), "CertificateRequest extension");
    if (type == kExtSignatureAlgorithms) {
      Reader list(e.Vec16(2), "signature_algorithms");
      e.ExpectEnd();
      peer_signature_schemes_.clear();
      while (!list.empty()) peer_signature_schemes_.push_back(list.U16());
      has_schemes = true;
    }
    // certificate_authorities, oid_filters, signature_algorithms_cert: not used to choose
    // (we have one certificate).
  }
  // §4.3.2: signature_algorithms MUST be present.
  if (!has_schemes) Abort(AlertDescription::kMissingExtension, "CertificateRequest without signature_algorithms");
  certificate_request_context_.assign(context.begin(), context.end());
  client_cert_requested_ = true;
  expect_ = Expect::kCertificate;
}

void ConnectionImpl::ClientOnCertificate13(ByteView body) {
  const std::vector<Bytes> chain = ReadCertificate13(body, {});
  if (chain.empty()) Abort(AlertDescription::kDecodeError, "server sent no certificate");  // §4.4.2.4
  peer_cert_ = DescribeCertificateKey(chain[0]);
  if (!peer_cert_) Abort(AlertDescription::kUnsupportedCertificate, "server key is not RSA or EC P-256/384/521");
  info_.peer_subject = peer_cert_->subject;
  if (peer_cert_->has_key_usage && !peer_cert_->digital_signature) {
    Abort(AlertDescription::kUnsupportedCertificate, "server certificate keyUsage does not allow signing");
  }
  if (config_.verify_peer) {
    const ChainCheck check = VerifyServerChain(chain, config_.ca_file, config_.server_name);
    if (!check.ok) Abort(check.alert, check.reason);
    info_.peer_verified = true;
  }
  peer_cert_key_ = provider_.ImportKey(
      peer_cert_->kind == CertKind::kRsa ? BCRYPT_RSAPUBLIC_BLOB : BCRYPT_ECCPUBLIC_BLOB, peer_cert_->blob);
  expect_ = Expect::kServerCertificateVerify;
}

void ConnectionImpl::ClientOnServerFinished13(ByteView body) {
  CheckPeerFinished13(body, k13_.server_handshake_traffic.get(), NCRYPT_SSL_SERVER_FLAG);
  AddToTranscript(current_message_);
  DeriveApplicationSecrets();
  records_.ActivateReadKey(RecordKey(k13_.server_traffic.get()));
  if (offered_early_data_) {
    // §4.5: EndOfEarlyData under the early key when the server accepted 0-RTT, then the
    // handshake key for the rest of our flight.
    if (early_data_accepted_) {
      SendHandshake(kEndOfEarlyData, {});
      FlushHandshake();
    }
    records_.ActivateWriteKey(std::move(k13_.pending_write_key));
  }
  if (client_cert_requested_) {
    const bool have = own_cert() != nullptr &&
                      ChooseSignatureScheme13(own_cert()->kind, own_cert()->group, peer_signature_schemes_) != nullptr;
    SendCertificate13(certificate_request_context_, !have);
    if (have) {
      SendCertificateVerify13(false);
      info_.client_certificate = true;
    }
  }
  const Bytes verify = Finished13(k13_.client_handshake_traffic.get(), NCRYPT_SSL_CLIENT_FLAG);
  info_.client_finished = verify;
  SendHandshake(kFinished, verify);
  FlushHandshake();
  CheckStatus(SslExpandResumptionMasterKey(provider_.get(), k13_.master_secret.get(), transcript_.get(),
                                           k13_.resumption.Put(), nullptr, 0),
              "SslExpandResumptionMasterKey");
  records_.ActivateWriteKey(RecordKey(k13_.client_traffic.get()));
  MarkConnected();
}

// ---- NewSessionTicket (RFC 8446 §4.6.1) ------------------------------------------------------------

void ConnectionImpl::ClientOnNewSessionTicket(ByteView body) {
  Reader r(body, "NewSessionTicket");
  const std::uint32_t lifetime = r.U32();
  const std::uint32_t age_add = r.U32();
  const ByteView nonce = r.Vec8();
  const ByteView identity = r.Vec16(1);
  Reader extensions(r.Vec16(), "NewSessionTicket extensions");
  r.ExpectEnd();
  std::uint32_t max_early_data = 0;
  while (!extensions.empty()) {
    const std::uint16_t type = extensions.U16();
    Reader e(extensions.Vec16(), "NewSessionTicket extension");
    if (type == kExtEarlyData) {
      max_early_data = e.U32();
      e.ExpectEnd();
    }
  }
  if (lifetime > kMaxTicketLifetime) Abort(AlertDescription::kIllegalParameter, "ticket lifetime over 7 days");
  ++info_.tickets_received;
  if (lifetime == 0) return;  // "discard the ticket immediately"
  auto ticket = std::make_shared<Ticket>();
  ProviderObject psk;
  CheckStatus(SslExpandPreSharedKey(provider_.get(), k13_.resumption.get(), const_cast<PBYTE>(nonce.data()),
                                    static_cast<DWORD>(nonce.size()), psk.Put(), nullptr, 0),
              "SslExpandPreSharedKey");
  ticket->psk = static_cast<std::uintptr_t>(psk.Release());
  ticket->cipher_suite = suite_->id;
  ticket->identity.assign(identity.begin(), identity.end());
  ticket->age_add = age_add;
  ticket->lifetime_seconds = lifetime;
  ticket->max_early_data = max_early_data;
  ticket->received = std::chrono::steady_clock::now();
  ticket->server_name = config_.server_name;
  ticket_ = std::move(ticket);
}

}  // namespace opensslp::tlsdriver
