// server13.cpp - the server half of the TLS 1.3 handshake (RFC 8446 §2 message flow): suite,
// group and PSK selection, HelloRetryRequest, 0-RTT acceptance, our flight, the client's
// certificate and Finished, and session tickets.
#include <algorithm>
#include <iterator>

#include "connection_impl.h"
#include "tlswire/constant_time.h"

namespace opensslp::tlsdriver {

bool IsHelloRetryRequestRandom(ByteView random);
ByteView HelloRetryRequestRandom();

namespace {

bool Contains(const std::vector<std::uint16_t>& list, std::uint16_t value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

void PutExtension(Writer& w, std::uint16_t type, ByteView body) {
  w.U16(type);
  w.Vec16(body);
}

// Our tickets: 2 hours (RFC 8446 §4.6.1 allows up to 7 days).
constexpr std::uint32_t kTicketLifetime = 7200;
// RFC 8446 §8.3: how far the client's view of a ticket's age may be from ours for 0-RTT.
constexpr std::int64_t kTicketAgeWindowMs = 10000;

}  // namespace

// How much rejected 0-RTT data we skip (RFC 8446 §4.2.10: "up to the configured
// max_early_data_size"): our limit, the offered ticket's or PSK's, and never less than one full
// record - a client may hold a ticket from before a configuration change, and libssl skips 2^14
// bytes whatever its limit, so doing less would fail handshakes libssl completes.
std::size_t ConnectionImpl::RejectedEarlyDataBudget(std::size_t psk_limit) const {
  std::size_t budget = std::max<std::size_t>(psk_limit, config_.max_early_data);
  if (config_.external_psk) budget = std::max<std::size_t>(budget, config_.external_psk->max_early_data);
  return std::max<std::size_t>(budget, kMaxPlaintext);
}

// ---- ClientHello (RFC 8446 §4.1.2) -------------------------------------------------------------

void ConnectionImpl::ServerOnClientHello13(ByteView body, const std::vector<std::uint16_t>& suites,
                                           ByteView session_id) {
  legacy_session_id_.assign(session_id.begin(), session_id.end());
  // Server preference, except that the suite of an offered PSK we know comes first: a PSK works
  // only with its own hash, and 0-RTT only with its own suite (RFC 8446 §4.2.10, §4.2.11).
  std::vector<std::uint16_t> preference = ConfiguredSuites();
  const std::uint16_t psk_suite = OfferedPskSuite(body);
  if (psk_suite != 0 && Contains(preference, psk_suite)) {
    preference.erase(std::find(preference.begin(), preference.end(), psk_suite));
    preference.insert(preference.begin(), psk_suite);
  }
  const SuiteInfo* suite = nullptr;
  for (std::uint16_t id : preference) {
    const SuiteInfo* s = provider_.FindSuite(id);
    if (s->exchange == Exchange::kTls13KeyShare && Contains(suites, id)) {
      suite = s;
      break;
    }
  }
  if (info_.hello_retry_request) {
    // §4.1.4: the second ClientHello must still offer the suite the HelloRetryRequest named.
    if (!Contains(suites, suite_->id)) Abort(AlertDescription::kIllegalParameter, "second ClientHello drops our suite");
    suite = suite_;
  }
  if (suite == nullptr) Abort(AlertDescription::kHandshakeFailure, "no TLS 1.3 cipher suite in common");
  // §9.2: (EC)DHE needs both (we do no psk_ke).
  if (!client_groups_) Abort(AlertDescription::kMissingExtension, "TLS 1.3 ClientHello without supported_groups");
  if (!client_sent_key_share_) Abort(AlertDescription::kMissingExtension, "TLS 1.3 ClientHello without key_share");

  // The group: our first preference the client sent a share for; otherwise our first preference it
  // supports, by HelloRetryRequest.
  const std::vector<std::uint16_t> groups = ConfiguredTls13Groups();
  std::uint16_t group = 0;
  ByteView share;
  for (std::uint16_t g : groups) {
    auto it = std::find_if(client_key_shares_.begin(), client_key_shares_.end(),
                           [&](const auto& entry) { return entry.first == g; });
    if (it != client_key_shares_.end() && Contains(*client_groups_, g)) {
      group = g;
      share = it->second;
      break;
    }
  }
  if (group == 0) {
    if (info_.hello_retry_request) {
      Abort(AlertDescription::kIllegalParameter, "second ClientHello without a share for the requested group");
    }
    for (std::uint16_t g : groups) {
      if (Contains(*client_groups_, g)) {
        if (version_ == 0) SetNegotiated(kTls13, *suite);
        return ServerSendHelloRetryRequest(g);
      }
    }
    Abort(AlertDescription::kHandshakeFailure, "no TLS 1.3 group in common");
  }
  if (info_.hello_retry_request && group != key_share_group_) {
    Abort(AlertDescription::kIllegalParameter, "second ClientHello share is not for the requested group");
  }
  if (version_ == 0) SetNegotiated(kTls13, *suite);
  key_share_group_ = group;
  server_public_.assign(share.begin(), share.end());  // the client's share
  info_.group = group;
  info_.group_name = GroupName(group);

  if (!ServerAcceptPsk(body)) {
    // Certificate authentication: the client must be able to verify our key in TLS 1.3.
    if (!client_signature_schemes_) {
      Abort(AlertDescription::kMissingExtension, "TLS 1.3 ClientHello without signature_algorithms");
    }
    peer_signature_schemes_ = *client_signature_schemes_;
    if (ChooseSignatureScheme13(own_cert()->kind, own_cert()->group, peer_signature_schemes_) == nullptr) {
      Abort(AlertDescription::kHandshakeFailure, "the client accepts no TLS 1.3 signature scheme for our key");
    }
    DeriveEarlySecret(0, suite->id);
    if (client_offered_early_data_) {
      info_.early_data = EarlyData::kRejected;
      records_.SkipUndecryptableRecords(RejectedEarlyDataBudget(0));
    }
  }
  if (!transcript_) transcript_ = NewTranscript13(suite->id);
  AddToTranscript(current_message_);
  if (early_data_accepted_) {
    CheckStatus(SslExpandTrafficKeys(provider_.get(), k13_.early_secret.get(), transcript_.get(),
                                     k13_.client_early_traffic.Put(), nullptr, nullptr, 0),
                "SslExpandTrafficKeys(early)");
    CheckStatus(SslExpandExporterMasterKey(provider_.get(), k13_.early_secret.get(), transcript_.get(),
                                           k13_.early_exporter.Put(), nullptr, 0),
                "SslExpandExporterMasterKey(early)");
  }
  ServerSendFlight13();
}

// The suite of the first offered PSK identity we know (an external PSK's configured suite, or a
// ticket's), without using a ticket up; 0 if none. Malformed lists are left to ServerAcceptPsk.
std::uint16_t ConnectionImpl::OfferedPskSuite(ByteView body) {
  if (pre_shared_key_offset_ == 0) return 0;
  Reader ext(body.subspan(pre_shared_key_offset_), "pre_shared_key");
  Reader identities(ext.Vec16(7), "PSK identities");
  while (!identities.empty()) {
    const ByteView identity = identities.Vec16(1);
    identities.U32();
    if (config_.external_psk && std::equal(identity.begin(), identity.end(), config_.external_psk->identity.begin(),
                                           config_.external_psk->identity.end())) {
      return config_.external_psk->cipher_suite;
    }
    if (config_.ticket_store) {
      const std::uint16_t suite = config_.ticket_store->SuiteOf(identity);
      if (suite != 0) return suite;
    }
  }
  return 0;
}

// RFC 8446 §4.2.11: the first identity we know (an external PSK by name, or a ticket of ours whose
// suite has the negotiated hash), checked by its binder. A ticket is used up by being offered.
bool ConnectionImpl::ServerAcceptPsk(ByteView body) {
  if (pre_shared_key_offset_ == 0) return false;
  if (!pre_shared_key_last_) Abort(AlertDescription::kIllegalParameter, "pre_shared_key is not the last extension");
  // §4.2.9: without psk_key_exchange_modes the PSK may not be used; we only do psk_dhe_ke (1).
  if (!client_psk_modes_) Abort(AlertDescription::kMissingExtension, "pre_shared_key without psk_key_exchange_modes");
  if (std::find(client_psk_modes_->begin(), client_psk_modes_->end(), 1) == client_psk_modes_->end()) return false;

  Reader ext(body.subspan(pre_shared_key_offset_), "pre_shared_key");
  Reader identities(ext.Vec16(7), "PSK identities");
  const std::size_t binders_size = ext.remaining();
  Reader binders(ext.Vec16(33), "PSK binders");
  ext.ExpectEnd();
  std::vector<std::pair<ByteView, std::uint32_t>> offered;
  while (!identities.empty()) {
    const ByteView identity = identities.Vec16(1);
    offered.emplace_back(identity, identities.U32());
  }
  std::vector<ByteView> binder_values;
  while (!binders.empty()) binder_values.push_back(binders.Vec8(32));
  if (offered.size() != binder_values.size()) {
    Abort(AlertDescription::kIllegalParameter, "PSK identities and binders differ in number");
  }

  std::size_t index = offered.size();
  std::unique_ptr<TicketStore::Entry> ticket;
  for (std::size_t i = 0; i < offered.size() && index == offered.size(); ++i) {
    const ByteView identity = offered[i].first;
    if (config_.external_psk && Tls13HashLength(config_.external_psk->cipher_suite) == HashLength13() &&
        std::equal(identity.begin(), identity.end(), config_.external_psk->identity.begin(),
                   config_.external_psk->identity.end())) {
      k13_.psk = ImportExternalPsk(*config_.external_psk);
      k13_.psk_external = true;
      index = i;
    } else if (config_.ticket_store) {
      std::unique_ptr<TicketStore::Entry> entry = config_.ticket_store->Take(identity);
      if (entry && Tls13HashLength(entry->cipher_suite) == HashLength13()) {
        ticket = std::move(entry);
        k13_.psk = std::move(ticket->psk);
        index = i;
      }
    }
  }
  if (index == offered.size()) return false;
  k13_.psk_handle = k13_.psk.get();
  k13_.psk_suite = suite_->id;
  DeriveEarlySecret(k13_.psk_handle, suite_->id);
  const Bytes binder = ComputeBinder(info_.hello_retry_request ? transcript_.get() : NCRYPT_HASH_HANDLE{},
                                     current_message_.first(current_message_.size() - binders_size));
  if (!tlswire::ConstantTimeEqual(binder, binder_values[index])) {
    Abort(AlertDescription::kDecryptError, "PSK binder does not verify");
  }
  selected_identity_ = static_cast<std::uint16_t>(index);
  info_.psk = k13_.psk_external ? PskMode::kExternal : PskMode::kResumption;

  // 0-RTT (§4.2.10): only under the first identity, never after HRR, the ticket's own suite, a
  // plausible ticket age (§8.3); the ticket was single-use, so a replay finds nothing.
  if (client_offered_early_data_) {
    std::uint32_t limit = 0;
    bool ok = index == 0 && !info_.hello_retry_request;
    if (k13_.psk_external) {
      limit = config_.external_psk->max_early_data;
      ok = ok && config_.external_psk->cipher_suite == suite_->id;
    } else {
      limit = ticket->max_early_data;
      const auto server_age =
          std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - ticket->issued)
              .count();
      const std::uint32_t client_age = offered[index].second - ticket->age_add;  // mod 2^32
      ok = ok && ticket->cipher_suite == suite_->id &&
           std::llabs(static_cast<std::int64_t>(client_age) - server_age) <= kTicketAgeWindowMs;
    }
    if (ok && limit > 0) {
      early_data_accepted_ = true;
      early_data_limit_ = limit;
      info_.early_data = EarlyData::kAccepted;
    } else {
      info_.early_data = EarlyData::kRejected;
      records_.SkipUndecryptableRecords(RejectedEarlyDataBudget(limit));
    }
  }
  return true;
}

void ConnectionImpl::ServerSendHelloRetryRequest(std::uint16_t group) {
  // §4.4.1: the transcript restarts as message_hash(ClientHello1), then the HelloRetryRequest.
  ReplaceTranscriptWithMessageHash(current_message_);
  Writer ext;
  {
    Writer v;
    v.U16(kTls13);
    PutExtension(ext, kExtSupportedVersions, v.bytes());
    Writer k;
    k.U16(group);
    PutExtension(ext, kExtKeyShare, k.bytes());
  }
  Writer hello;
  hello.U16(kTls12);
  hello.Put(HelloRetryRequestRandom());
  hello.Vec8(legacy_session_id_);
  hello.U16(suite_->id);
  hello.U8(0);
  hello.Vec16(ext.bytes());
  SendHandshake(kServerHello, hello.bytes());
  FlushHandshake();
  info_.hello_retry_request = true;
  key_share_group_ = group;
  if (client_offered_early_data_) {
    info_.early_data = EarlyData::kRejected;
    // §4.2.10: early data after a HelloRetryRequest is skipped (records of type application_data).
    records_.SkipUndecryptableRecords(RejectedEarlyDataBudget(0));
  }
  expect_ = Expect::kClientHello;
}

// ---- our flight: ServerHello .. Finished (RFC 8446 §4.1.3, §4.3, §4.4) ------------------------------

void ConnectionImpl::ServerSendFlight13() {
  info_.server_random = CsprngBytes(kRandomLength);
  Bytes share;
  ephemeral_key_ = CreateKeyShare(key_share_group_, &share);
  peer_key_ = ImportKeyShare(key_share_group_, server_public_, ephemeral_key_.get());

  Writer ext;
  {
    Writer v;
    v.U16(kTls13);
    PutExtension(ext, kExtSupportedVersions, v.bytes());
    Writer k;
    k.U16(key_share_group_);
    k.Vec16(share);
    PutExtension(ext, kExtKeyShare, k.bytes());
    if (info_.psk != PskMode::kNone) {
      Writer p;
      p.U16(selected_identity_);
      PutExtension(ext, kExtPreSharedKey, p.bytes());
    }
  }
  Writer hello;
  hello.U16(kTls12);
  hello.Put(info_.server_random);
  hello.Vec8(legacy_session_id_);
  hello.U16(suite_->id);
  hello.U8(0);
  hello.Vec16(ext.bytes());
  SendHandshake(kServerHello, hello.bytes());
  FlushHandshake();

  DeriveHandshakeSecrets(ephemeral_key_.get(), peer_key_.get());
  ephemeral_key_.Reset();
  peer_key_.Reset();
  records_.ActivateWriteKey(RecordKey(k13_.server_handshake_traffic.get()));

  Writer ee;
  if (early_data_accepted_) PutExtension(ee, kExtEarlyData, {});
  Writer encrypted_extensions;
  encrypted_extensions.Vec16(ee.bytes());
  SendHandshake(kEncryptedExtensions, encrypted_extensions.bytes());
  if (info_.psk == PskMode::kNone) {
    // §4.3.2: never with PSK authentication.
    if (config_.client_auth != ClientAuth::kNone) {
      Writer schemes, list, req_ext, request;
      for (std::uint16_t s : OfferedSignatureSchemes()) schemes.U16(s);
      list.Vec16(schemes.bytes());
      PutExtension(req_ext, kExtSignatureAlgorithms, list.bytes());
      request.Vec8({});  // certificate_request_context: empty in the main handshake
      request.Vec16(req_ext.bytes());
      SendHandshake(kCertificateRequest, request.bytes());
      client_cert_requested_ = true;
    }
    SendCertificate13({}, false);
    SendCertificateVerify13(true);
  }
  info_.server_finished = Finished13(k13_.server_handshake_traffic.get(), NCRYPT_SSL_SERVER_FLAG);
  SendHandshake(kFinished, info_.server_finished);
  FlushHandshake();

  DeriveApplicationSecrets();
  records_.ActivateWriteKey(RecordKey(k13_.server_traffic.get()));
  if (early_data_accepted_) {
    records_.ActivateReadKey(RecordKey(k13_.client_early_traffic.get()));
    expect_ = Expect::kEndOfEarlyData;
  } else {
    records_.ActivateReadKey(RecordKey(k13_.client_handshake_traffic.get()));
    expect_ = client_cert_requested_ ? Expect::kClientCertificate : Expect::kFinished;
  }
}

// ---- the client's second flight (RFC 8446 §4.5, §4.4) ----------------------------------------------

void ConnectionImpl::ServerOnEndOfEarlyData(ByteView body) {
  if (!body.empty()) Abort(AlertDescription::kDecodeError, "EndOfEarlyData with a body");
  records_.ActivateReadKey(RecordKey(k13_.client_handshake_traffic.get()));
  expect_ = client_cert_requested_ ? Expect::kClientCertificate : Expect::kFinished;
}

void ConnectionImpl::ServerOnClientCertificate13(ByteView body) {
  const std::vector<Bytes> chain = ReadCertificate13(body, certificate_request_context_);
  if (chain.empty()) {
    // §4.4.2.4: a server that requires one aborts with certificate_required.
    if (config_.client_auth == ClientAuth::kRequire) {
      Abort(AlertDescription::kCertificateRequired, "the client sent no certificate");
    }
    expect_ = Expect::kFinished;
    return;
  }
  AcceptClientChain(chain);
  expect_ = Expect::kClientCertificateVerify;
}

void ConnectionImpl::ServerOnClientFinished13(ByteView body) {
  CheckPeerFinished13(body, k13_.client_handshake_traffic.get(), NCRYPT_SSL_CLIENT_FLAG);
  AddToTranscript(current_message_);
  CheckStatus(SslExpandResumptionMasterKey(provider_.get(), k13_.master_secret.get(), transcript_.get(),
                                           k13_.resumption.Put(), nullptr, 0),
              "SslExpandResumptionMasterKey");
  records_.ActivateReadKey(RecordKey(k13_.client_traffic.get()));
  MarkConnected();
  ServerSendTickets();
}

// RFC 8446 §4.6.1: PSK = HKDF-Expand-Label(resumption_master_secret, "resumption", nonce, n), kept
// in our store under a random identity. Post-handshake messages are not in the transcript.
void ConnectionImpl::ServerSendTickets() {
  if (!config_.ticket_store || !client_psk_modes_) return;  // §4.6.1 / §4.2.9
  for (int i = 0; i < config_.tickets_to_issue; ++i) {
    Bytes nonce(8);
    const std::uint64_t n = k13_.ticket_nonce++;
    for (int b = 0; b < 8; ++b) nonce[static_cast<std::size_t>(b)] = static_cast<std::uint8_t>(n >> (56 - 8 * b));
    auto entry = std::make_unique<TicketStore::Entry>();
    CheckStatus(SslExpandPreSharedKey(provider_.get(), k13_.resumption.get(), nonce.data(),
                                      static_cast<DWORD>(nonce.size()), entry->psk.Put(), nullptr, 0),
                "SslExpandPreSharedKey");
    const Bytes age_add = CsprngBytes(4);
    entry->cipher_suite = suite_->id;
    entry->age_add = (std::uint32_t{age_add[0]} << 24) | (std::uint32_t{age_add[1]} << 16) |
                     (std::uint32_t{age_add[2]} << 8) | age_add[3];
    entry->max_early_data = config_.max_early_data;
    entry->issued = std::chrono::steady_clock::now();
    entry->lifetime_seconds = kTicketLifetime;
    const std::uint32_t entry_age_add = entry->age_add;
    const Bytes identity = config_.ticket_store->Add(std::move(entry));
    Writer body, ext;
    if (config_.max_early_data > 0) {
      Writer e;
      e.U32(config_.max_early_data);
      PutExtension(ext, kExtEarlyData, e.bytes());
    }
    body.U32(kTicketLifetime);
    body.U32(entry_age_add);
    body.Vec8(nonce);
    body.Vec16(identity);
    body.Vec16(ext.bytes());
    Writer message;
    message.U8(kNewSessionTicket);
    message.Vec24(body.bytes());
    records_.Write(kHandshake, message.bytes(), config_.max_fragment_length, out_);
    ++info_.tickets_issued;
  }
}

}  // namespace opensslp::tlsdriver
