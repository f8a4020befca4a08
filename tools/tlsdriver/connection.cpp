// connection.cpp - the role-independent half of a connection: the record loop, alerts,
// ChangeCipherSpec, handshake reassembly, the transcript hash, key derivation, Finished, and the
// public Connection API.
#include <algorithm>
#include <cstdio>
#include <exception>

#include "connection_impl.h"
#include "tlswire/constant_time.h"

namespace opensslp::tlsdriver {
namespace {

constexpr std::uint8_t kAlertWarning = 1;
constexpr std::uint8_t kAlertFatal = 2;

// A peer that sends nothing but empty application-data records or warning alerts makes us spend
// a record decryption each without any progress (a cheap CPU DoS). The limits are OpenSSL's
// (ssl/record: MAX_EMPTY_RECORDS 32 consecutive empty records, MAX_WARN_ALERT_COUNT 5 consecutive
// warning alerts); past them the connection ends with unexpected_message.
constexpr int kMaxConsecutiveEmptyRecords = 32;
constexpr int kMaxConsecutiveWarningAlerts = 5;

}  // namespace

std::unique_ptr<Connection> Connection::Create(const Config& config, std::string* error) {
  auto connection = std::make_unique<ConnectionImpl>(config);
  std::string ignored;
  if (!connection->Init(error != nullptr ? error : &ignored)) return nullptr;
  return connection;
}

ConnectionImpl::ConnectionImpl(const Config& config) : config_(config) {}

bool ConnectionImpl::Init(std::string* error) {
  if (config_.min_version < kTls10 || config_.max_version > kTls13 || config_.min_version > config_.max_version) {
    *error = "versions must satisfy TLS 1.0 <= min_version <= max_version <= TLS 1.3";
    return false;
  }
  if (config_.external_psk &&
      (config_.external_psk->identity.empty() || config_.external_psk->key.empty() ||
       (config_.external_psk->cipher_suite < 0x1301 || config_.external_psk->cipher_suite > 0x1303))) {
    *error = "external_psk needs an identity, a key and a TLS 1.3 cipher suite";
    return false;
  }
  if (config_.role == Role::kServer && config_.client_auth != ClientAuth::kNone && config_.client_ca_file.empty()) {
    *error = "client_auth needs client_ca_file";
    return false;
  }
  if (config_.max_fragment_length == 0 || config_.max_fragment_length > kMaxPlaintext) {
    *error = "max_fragment_length must be 1..16384";
    return false;
  }
  if (!provider_.Open(error)) return false;
  // Only the versions for which the provider enumerates a suite can be negotiated: an
  // administrator's MaximumVersion TLS1.2 (docs/operations.md) leaves no TLS 1.3 suite, and
  // offering TLS 1.3 without one would fail the handshake instead of settling on TLS 1.2. (Schannel
  // is expected to do the same with the suites it enumerates from its providers: an inference, it
  // is not documented.)
  std::uint16_t lowest = 0xFFFF, highest = 0;
  for (const SuiteInfo& suite : provider_.suites()) {
    for (std::uint16_t v : suite.versions) {
      lowest = std::min(lowest, v);
      highest = std::max(highest, v);
    }
  }
  config_.min_version = std::max(config_.min_version, lowest);
  config_.max_version = std::min(config_.max_version, highest);
  if (config_.min_version > config_.max_version) {
    *error = "the provider offers no cipher suite for these versions";
    return false;
  }
  if (ConfiguredSuites().empty()) {
    *error = "no configured cipher suite is offered by the provider for these versions";
    return false;
  }
  // Each role has its own credential field; one set for the other role would be ignored silently.
  if (config_.role == Role::kClient && config_.credential) {
    *error = "credential is a server's; a client's certificate is client_credential";
    return false;
  }
  if (config_.role == Role::kServer && config_.client_credential) {
    *error = "client_credential is a client's; a server's certificate is credential";
    return false;
  }
  if (config_.role == Role::kClient) {
    if (config_.verify_peer && config_.ca_file.empty()) {
      *error = "verify_peer needs ca_file";
      return false;
    }
    // A chain that verifies proves nothing about *which* server answered unless it is checked
    // against the name we meant to reach (RFC 6125 §6): no silent skip.
    if (config_.verify_peer && config_.server_name.empty()) {
      *error = "verify_peer needs server_name: the name (or IP address) to check the certificate against";
      return false;
    }
    if (config_.server_name.find('\0') != std::string::npos) {
      *error = "server_name contains a NUL character";
      return false;
    }
    if ((config_.client_credential || !config_.client_certificate_chain_file.empty()) &&
        !TakeOwnCredential(config_.client_credential, config_.client_certificate_chain_file, error)) {
      return false;
    }
    expect_ = Expect::kServerHello;
    return true;
  }
  if (!config_.credential && config_.certificate_chain_file.empty()) {
    *error = "a server needs certificate_chain_file or credential";
    return false;
  }
  if (!TakeOwnCredential(config_.credential, config_.certificate_chain_file, error)) return false;
  expect_ = Expect::kClientHello;
  return true;
}

Credential::Credential(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Credential::~Credential() = default;

std::shared_ptr<const Credential> Credential::Open(const std::string& chain_file, std::string* error) {
  return OpenOn(0, chain_file, error);
}

std::shared_ptr<const Credential> Credential::OpenOn(std::uintptr_t borrowed_provider, const std::string& chain_file,
                                                     std::string* error) {
  std::string ignored;
  if (error == nullptr) error = &ignored;
  auto impl = std::make_unique<Impl>();
  impl->chain = LoadPemChain(chain_file, error);
  if (impl->chain.empty()) return nullptr;
  std::optional<CertKey> leaf = DescribeCertificateKey(impl->chain[0]);
  if (!leaf) {
    *error = "certificate key is not RSA or EC P-256/P-384/P-521";
    return nullptr;
  }
  impl->leaf = std::move(*leaf);
  if (borrowed_provider == 0 && !impl->provider.Open(error)) return nullptr;
  const auto provider =
      borrowed_provider != 0 ? static_cast<NCRYPT_PROV_HANDLE>(borrowed_provider) : impl->provider.get();
  // SslOpenPrivateKey takes a CERT_CONTEXT. Off Windows a plain struct is what it reads; on
  // Windows crypt32 must make the context (docs/key-store.md §5).
#ifdef _WIN32
  PCCERT_CONTEXT context = CertCreateCertificateContext(X509_ASN_ENCODING, impl->chain[0].data(),
                                                        static_cast<DWORD>(impl->chain[0].size()));
  if (context == nullptr) {
    *error = "CertCreateCertificateContext failed";
    return nullptr;
  }
  const SECURITY_STATUS rc = SslOpenPrivateKey(provider, impl->private_key.Put(), context, 0);
  CertFreeCertificateContext(context);
#else
  CERT_CONTEXT context = {};
  context.dwCertEncodingType = X509_ASN_ENCODING;
  context.pbCertEncoded = impl->chain[0].data();
  context.cbCertEncoded = static_cast<DWORD>(impl->chain[0].size());
  const SECURITY_STATUS rc = SslOpenPrivateKey(provider, impl->private_key.Put(), &context, 0);
#endif
  if (rc != 0) {
    char text[96];
    std::snprintf(text, sizeof text, "SslOpenPrivateKey failed: 0x%08X", static_cast<unsigned>(rc));
    *error = text;
    return nullptr;
  }
  // SslOpenPrivateKey succeeds for keys it cannot use and reports why at the first use (so that a
  // registered provider never fails Schannel's credentials, docs/windows.md). A signature-size
  // query is that first use: a key that cannot be found or loaded is reported here, at start, not
  // at the first handshake (it makes no private-key operation).
  const std::uint8_t digest[32] = {};
  DWORD signature_length = 0;
  const SECURITY_STATUS usable = SslSignHash(provider, impl->private_key.get(), const_cast<PBYTE>(digest), sizeof digest,
                                             nullptr, 0, &signature_length, 0);
  if (usable != 0) {
    char text[128];
    std::snprintf(text, sizeof text, "the certificate's private key cannot be used: 0x%08X",
                  static_cast<unsigned>(usable));
    *error = text;
    return nullptr;
  }
  return std::shared_ptr<const Credential>(new Credential(std::move(impl)));
}

bool ConnectionImpl::TakeOwnCredential(const std::shared_ptr<const Credential>& shared, const std::string& chain_file,
                                       std::string* error) {
  if (shared && !chain_file.empty()) {
    *error = "set a certificate chain file or a credential, not both";
    return false;
  }
  // The connection's provider_ outlives own_ (declared before it), so the key may live on it.
  own_ = shared ? shared : Credential::OpenOn(static_cast<std::uintptr_t>(provider_.get()), chain_file, error);
  return own_ != nullptr;
}

std::vector<std::uint16_t> ConnectionImpl::ConfiguredSuites() const {
  std::vector<std::uint16_t> candidates = config_.cipher_suites;
  if (candidates.empty()) {
    for (const SuiteInfo& s : provider_.suites()) candidates.push_back(s.id);
  }
  std::vector<std::uint16_t> usable;
  for (std::uint16_t id : candidates) {
    const SuiteInfo* s = provider_.FindSuite(id);
    if (s == nullptr) continue;
    for (std::uint16_t v = config_.min_version; v <= config_.max_version; ++v) {
      if (s->ValidFor(v)) {
        usable.push_back(id);
        break;
      }
    }
  }
  return usable;
}

// TLS 1.3 key-share groups: the configured list (or the provider's curves) restricted to what the
// provider does - its curves and the RFC 7919 groups 256..260, which SslEnumEccCurves does not list.
std::vector<std::uint16_t> ConnectionImpl::ConfiguredTls13Groups() const {
  std::vector<std::uint16_t> groups;
  for (std::uint16_t g : config_.groups.empty() ? provider_.curves() : config_.groups) {
    const bool curve = std::find(provider_.curves().begin(), provider_.curves().end(), g) != provider_.curves().end();
    if (curve || (g >= 256 && g <= 260)) groups.push_back(g);
  }
  return groups;
}

std::vector<std::uint16_t> ConnectionImpl::ConfiguredGroups() const {
  std::vector<std::uint16_t> groups;
  for (std::uint16_t g : config_.groups.empty() ? provider_.curves() : config_.groups) {
    if (std::find(provider_.curves().begin(), provider_.curves().end(), g) != provider_.curves().end()) {
      groups.push_back(g);
    }
  }
  return groups;
}

// ---- the public API ------------------------------------------------------------------------

State ConnectionImpl::Process() {
  if (state_ == State::kFailed) return state_;
  try {
    if (!started_) {
      started_ = true;
      start_time_ = std::chrono::steady_clock::now();
      if (config_.role == Role::kClient) ClientStart();
    }
    ProcessRecords();
    FlushHandshake();
  } catch (const TlsAbort& abort) {
    Fail(abort);
  } catch (const std::exception& e) {
    // Allocation failures and the like: nothing escapes the public API.
    Fail(TlsAbort{AlertDescription::kInternalError, std::string("internal error: ") + e.what()});
  }
  return state_;
}

bool ConnectionImpl::Write(std::span<const std::uint8_t> data) {
  if (state_ != State::kConnected) return false;
  try {
    if (!tls13()) {
      records_.Write(kApplicationData, data, config_.max_fragment_length, out_);
    } else {
      // RFC 8446 §5.5: a new key before the AEAD limit of the current one.
      const std::size_t chunk = std::clamp<std::size_t>(config_.max_fragment_length, 1, kMaxPlaintext);
      std::size_t pos = 0;
      do {
        if (records_.write_sequence() >= KeyUpdateLimit()) SendKeyUpdate(false);
        const std::size_t n = std::min(chunk, data.size() - pos);
        records_.Write(kApplicationData, data.subspan(pos, n), chunk, out_);
        pos += n;
      } while (pos < data.size());
    }
  } catch (const TlsAbort& abort) {
    Fail(abort);
    return false;
  } catch (const std::exception& e) {
    Fail(TlsAbort{AlertDescription::kInternalError, std::string("internal error: ") + e.what()});
    return false;
  }
  return true;
}

void ConnectionImpl::Close() {
  if (state_ == State::kFailed || close_sent_) return;
  try {
    SendAlert(kAlertWarning, static_cast<std::uint8_t>(AlertDescription::kCloseNotify));
  } catch (const TlsAbort& abort) {
    Fail(abort);
    return;
  }
  close_sent_ = true;
  state_ = State::kClosed;
}

std::optional<std::vector<std::uint8_t>> ConnectionImpl::ExportKeyingMaterial(const std::string& label,
                                                                              const std::vector<std::uint8_t>* context,
                                                                              std::size_t length) {
  if (tls13()) {
    // RFC 8446 §7.5 through the exporter master secret; the randoms are not used (NULL).
    if (!k13_.exporter || state_ == State::kHandshaking || length == 0 || length > 0xFFFFFFFFu) return std::nullopt;
    if (context != nullptr && context->size() > 0xFFFF) return std::nullopt;
    Bytes out(length);
    const SECURITY_STATUS rc = SslExportKeyingMaterial(
        provider_.get(), k13_.exporter.get(), const_cast<PCHAR>(label.c_str()), nullptr, 0,
        context == nullptr ? nullptr : const_cast<PBYTE>(context->data()),
        context == nullptr ? 0 : static_cast<WORD>(context->size()), out.data(), static_cast<DWORD>(out.size()), 0);
    if (rc != 0) return std::nullopt;
    return out;
  }
  if (!master_key_ || info_.server_finished.empty() || length == 0 || length > 0xFFFFFFFFu) return std::nullopt;
  if (context != nullptr && context->size() > 0xFFFF) return std::nullopt;  // cbContextValue is a WORD
  Bytes randoms = Randoms();
  Bytes out(length);
  static std::uint8_t empty_context = 0;  // a non-NULL pointer for an empty (not absent) context
  PBYTE context_ptr =
      context == nullptr ? nullptr : (context->empty() ? &empty_context : const_cast<PBYTE>(context->data()));
  const WORD context_len = context == nullptr ? 0 : static_cast<WORD>(context->size());
  const SECURITY_STATUS rc = SslExportKeyingMaterial(
      provider_.get(), master_key_.get(), const_cast<PCHAR>(label.c_str()), randoms.data(),
      static_cast<DWORD>(randoms.size()), context_ptr, context_len, out.data(), static_cast<DWORD>(out.size()), 0);
  if (rc != 0) return std::nullopt;
  return out;
}

std::optional<std::vector<std::uint8_t>> ConnectionImpl::EapKeyBlock(std::uint32_t eap_method) {
  if (tls13() || !master_key_ || info_.server_finished.empty()) return std::nullopt;
  Bytes randoms = Randoms();
  DWORD len = 0;
  if (SslComputeEapKeyBlock(provider_.get(), master_key_.get(), randoms.data(), static_cast<DWORD>(randoms.size()),
                            nullptr, 0, &len, eap_method) != 0) {
    return std::nullopt;
  }
  Bytes out(len);
  if (SslComputeEapKeyBlock(provider_.get(), master_key_.get(), randoms.data(), static_cast<DWORD>(randoms.size()),
                            out.data(), len, &len, eap_method) != 0) {
    return std::nullopt;
  }
  out.resize(len);
  return out;
}

// ---- failure ----------------------------------------------------------------------------------

void ConnectionImpl::Fail(const TlsAbort& abort) {
  failure_.reason = abort.reason;
  failure_.provider_status = abort.provider_status;
  failure_.alert = static_cast<std::uint8_t>(abort.alert);
  state_ = State::kFailed;
  handshake_out_.clear();  // a half-built flight is never sent
  try {
    SendAlert(kAlertFatal, failure_.alert);
    failure_.alert_sent = true;
  } catch (const TlsAbort&) {
    // Even the alert could not be protected; the failure above stands.
  }
}

// ---- records --------------------------------------------------------------------------------

void ConnectionImpl::ProcessRecords() {
  while (state_ == State::kHandshaking || state_ == State::kConnected || (state_ == State::kClosed && !peer_closed_)) {
    std::optional<Record> record = records_.Next();
    if (!record) return;
    OnRecord(*record);
  }
}

void ConnectionImpl::OnRecord(const Record& record) {
  // RFC 5246 §6.2.1: no empty fragments of handshake, alert or ChangeCipherSpec records.
  if (record.fragment.empty() && record.type != kApplicationData) {
    Abort(AlertDescription::kUnexpectedMessage, "empty non-application-data record");
  }
  // A handshake message may not be interleaved with other content (RFC 5246 §6.2.1 allows
  // fragmentation, but a record of another type inside a message is a protocol error).
  if (record.type != kHandshake && !handshake_in_.empty()) {
    Abort(AlertDescription::kUnexpectedMessage, "record interleaved with a fragmented handshake message");
  }
  // Consecutive empty records (OpenSSL resets on any non-empty record) and consecutive warning
  // alerts (reset on any non-empty record that is not an alert).
  if (record.fragment.empty()) {
    if (++empty_records_in_a_row_ > kMaxConsecutiveEmptyRecords) {
      Abort(AlertDescription::kUnexpectedMessage, "too many consecutive empty records");
    }
  } else {
    empty_records_in_a_row_ = 0;
    if (record.type != kAlert) warning_alerts_in_a_row_ = 0;
  }
  switch (record.type) {
    case kChangeCipherSpec: return OnChangeCipherSpec(record.fragment);
    case kAlert: return OnAlert(record.fragment);
    case kHandshake: return OnHandshakeFragment(record.fragment);
    default:
      // 0-RTT data the server accepted (RFC 8446 §4.2.10), up to the ticket's limit.
      if (state_ == State::kHandshaking && expect_ == Expect::kEndOfEarlyData) {
        if (early_received_.size() + record.fragment.size() > early_data_limit_) {
          Abort(AlertDescription::kUnexpectedMessage, "more early data than max_early_data_size");
        }
        early_received_.insert(early_received_.end(), record.fragment.begin(), record.fragment.end());
        info_.early_data_bytes += record.fragment.size();
        return;
      }
      // Application data only under the negotiated keys, after the handshake (RFC 5246 §7.4).
      if (state_ == State::kHandshaking || !records_.read_protected()) {
        Abort(AlertDescription::kUnexpectedMessage, "application data before the handshake completed");
      }
      received_.insert(received_.end(), record.fragment.begin(), record.fragment.end());
  }
}

// RFC 5246 §7.2: alert records carry (level, description) pairs.
void ConnectionImpl::OnAlert(ByteView fragment) {
  if (fragment.size() % 2 != 0) Abort(AlertDescription::kDecodeError, "malformed alert record");
  for (std::size_t i = 0; i < fragment.size(); i += 2) {
    const std::uint8_t level = fragment[i], description = fragment[i + 1];
    if (level == kAlertFatal) {
      failure_.alert_received = true;
      failure_.alert = description;
      failure_.reason = std::string("peer sent fatal alert ") + AlertName(description);
      state_ = State::kFailed;
      return;
    }
    if (level != kAlertWarning) Abort(AlertDescription::kIllegalParameter, "alert with unknown level");
    if (description == static_cast<std::uint8_t>(AlertDescription::kCloseNotify)) {
      peer_closed_ = true;
      if (state_ == State::kHandshaking) {
        failure_.alert_received = true;
        failure_.alert = description;
        failure_.reason = "peer closed the connection during the handshake";
        state_ = State::kFailed;
        return;
      }
      // RFC 5246 §7.2.1: answer with our own close_notify and discard anything after it.
      if (!close_sent_) {
        SendAlert(kAlertWarning, description);
        close_sent_ = true;
      }
      state_ = State::kClosed;
      return;
    }
    // RFC 8446 §6: in TLS 1.3 only close_notify and user_canceled may be warnings.
    if (tls13() && description != static_cast<std::uint8_t>(AlertDescription::kUserCanceled)) {
      failure_.alert_received = true;
      failure_.alert = description;
      failure_.reason = std::string("peer sent alert ") + AlertName(description);
      state_ = State::kFailed;
      return;
    }
    // Other warnings (no_renegotiation, user_canceled, ...) leave the connection as it is, up
    // to a limit.
    if (++warning_alerts_in_a_row_ >= kMaxConsecutiveWarningAlerts) {
      Abort(AlertDescription::kUnexpectedMessage, "too many consecutive warning alerts");
    }
  }
}

// RFC 5246 §7.1: a single byte of value 1, only where the handshake expects it.
void ConnectionImpl::OnChangeCipherSpec(ByteView fragment) {
  if (fragment.size() != 1 || fragment[0] != 1) Abort(AlertDescription::kDecodeError, "malformed ChangeCipherSpec");
  // RFC 8446 §5: a TLS 1.3 peer in middlebox-compatibility mode sends one during the handshake;
  // it is dropped. Anywhere else it is unexpected_message.
  if (tls13()) {
    if (state_ != State::kHandshaking)
      Abort(AlertDescription::kUnexpectedMessage, "ChangeCipherSpec after the handshake");
    return;
  }
  if (expect_ != Expect::kChangeCipherSpec || !pending_read_key_) {
    Abort(AlertDescription::kUnexpectedMessage, "unexpected ChangeCipherSpec");
  }
  records_.ActivateReadKey(std::move(pending_read_key_));
  expect_ = Expect::kFinished;
}

// Reassembles handshake messages (RFC 5246 §6.2.1: they may span records and share them).
void ConnectionImpl::OnHandshakeFragment(ByteView fragment) {
  handshake_in_.insert(handshake_in_.end(), fragment.begin(), fragment.end());
  std::size_t pos = 0;
  while (handshake_in_.size() - pos >= 4 && state_ != State::kFailed) {
    const std::uint8_t* h = handshake_in_.data() + pos;
    const std::size_t length = (std::size_t{h[1]} << 16) | (std::size_t{h[2]} << 8) | h[3];
    if (length > kMaxHandshakeMessage) Abort(AlertDescription::kIllegalParameter, "handshake message too long");
    if (handshake_in_.size() - pos < 4 + length) break;
    // Copy: the handler may append to handshake_in_'s neighbours (never to it), but keep it simple.
    const Bytes whole(handshake_in_.begin() + static_cast<std::ptrdiff_t>(pos),
                      handshake_in_.begin() + static_cast<std::ptrdiff_t>(pos + 4 + length));
    pos += 4 + length;
    OnHandshakeMessage(whole[0], ByteView(whole).subspan(4), whole);
    // RFC 8446 §5.1: a message that precedes a key change must end its record.
    const bool key_change = whole[0] == kServerHello || whole[0] == kFinished || whole[0] == kEndOfEarlyData ||
                            whole[0] == kKeyUpdate || whole[0] == kClientHello;
    if (tls13() && key_change && pos != handshake_in_.size() && state_ != State::kFailed) {
      Abort(AlertDescription::kUnexpectedMessage, "handshake data after a key change in the same record");
    }
  }
  handshake_in_.erase(handshake_in_.begin(), handshake_in_.begin() + static_cast<std::ptrdiff_t>(pos));
}

void ConnectionImpl::OnHandshakeMessage(std::uint8_t type, ByteView body, ByteView whole) {
  current_message_ = whole;
  if (state_ != State::kHandshaking) {
    if (tls13()) return OnPostHandshakeMessage13(type, body);
    return OnPostHandshakeMessage(type);
  }
  // RFC 5246 §7.4.1.1: a HelloRequest during a handshake is ignored, and never hashed.
  if (type == kHelloRequest && config_.role == Role::kClient) {
    if (!body.empty()) Abort(AlertDescription::kDecodeError, "HelloRequest with a body");
    return;
  }
  // The peer's Finished and CertificateVerify are checked against the transcript *before* they are
  // added (RFC 5246 §7.4.8, §7.4.9; RFC 8446 §4.4.3, §4.4.4), and a server adds a ClientHello itself
  // (a TLS 1.3 PSK binder covers the transcript before it); their handlers add them.
  const bool deferred =
      type == kFinished || type == kCertificateVerify || (type == kClientHello && config_.role == Role::kServer);
  if (!deferred) AddToTranscript(whole);
  if (tls13() && expect_ != Expect::kServerHello && expect_ != Expect::kClientHello) return OnMessage13(type, body);
  if (config_.role == Role::kClient) {
    ClientOnMessage(type, body);
  } else {
    ServerOnMessage(type, body);
  }
}

// After the handshake: renegotiation is refused (RFC 5746 §4.2 / §4.4 allow declining with a
// no_renegotiation warning, RFC 5246 §7.2.2); anything else is unexpected.
void ConnectionImpl::OnPostHandshakeMessage(std::uint8_t type) {
  const bool renegotiation_request = (config_.role == Role::kClient && type == kHelloRequest) ||
                                     (config_.role == Role::kServer && type == kClientHello);
  if (!renegotiation_request) Abort(AlertDescription::kUnexpectedMessage, "handshake message after the handshake");
  SendAlert(kAlertWarning, static_cast<std::uint8_t>(AlertDescription::kNoRenegotiation));
}

void ConnectionImpl::SendHandshake(std::uint8_t type, ByteView body) {
  Writer w;
  w.U8(type);
  w.Vec24(body);
  Bytes message = w.Take();
  AddToTranscript(message);
  if (corrupt_handshake_type_ == type && message.size() > 4) {
    message[4] ^= 0x01;  // test hook: after our transcript saw the real message
    corrupt_handshake_type_ = -1;
  }
  handshake_out_.insert(handshake_out_.end(), message.begin(), message.end());
}

void ConnectionImpl::FlushHandshake() {
  if (handshake_out_.empty()) return;
  records_.Write(kHandshake, handshake_out_, config_.max_fragment_length, out_);
  handshake_out_.clear();
}

void ConnectionImpl::SendChangeCipherSpec() {
  FlushHandshake();
  const std::uint8_t ccs = 1;
  records_.Write(kChangeCipherSpec, ByteView(&ccs, 1), config_.max_fragment_length, out_);
  records_.ActivateWriteKey(std::move(pending_write_key_));
}

void ConnectionImpl::SendAlert(std::uint8_t level, std::uint8_t description) {
  const std::uint8_t alert[2] = {level, description};
  records_.Write(kAlert, alert, config_.max_fragment_length, out_);
}

// ---- transcript and keys -----------------------------------------------------------------------

void ConnectionImpl::AddToTranscript(ByteView message) {
  if (!tls13()) handshake_log_.insert(handshake_log_.end(), message.begin(), message.end());
  if (!transcript_) {
    transcript_pending_.insert(transcript_pending_.end(), message.begin(), message.end());
    return;
  }
  CheckStatus(SslHashHandshake(provider_.get(), transcript_.get(), const_cast<PBYTE>(message.data()),
                               static_cast<DWORD>(message.size()), 0),
              "SslHashHandshake");
}

// The transcript hash depends on the version and the suite's PRF (RFC 5246 §7.4.9), so it can only
// be created after ServerHello chose them; the hellos seen before are fed in now
// (docs/reference/caller-semantics.md#handshake-hashes, as Schannel does).
void ConnectionImpl::StartTranscript() {
  CheckStatus(SslCreateHandshakeHash(provider_.get(), transcript_.Put(), version_, suite_->id, 0),
              "SslCreateHandshakeHash");
  const Bytes pending = std::exchange(transcript_pending_, {});
  CheckStatus(SslHashHandshake(provider_.get(), transcript_.get(), const_cast<PBYTE>(pending.data()),
                               static_cast<DWORD>(pending.size()), 0),
              "SslHashHandshake");
}

void ConnectionImpl::SetNegotiated(std::uint16_t version, const SuiteInfo& suite) {
  version_ = version;
  suite_ = &suite;
  if (version == kTls13) {
    records_.SetTls13();
    handshake_log_.clear();  // TLS 1.3 CertificateVerify signs the transcript hash instead
  } else {
    records_.SetVersion(version);
  }
  info_.version = version;
  info_.cipher_suite = suite.id;
  info_.cipher_suite_name = suite.name;
}

Bytes ConnectionImpl::Randoms() const {
  Bytes randoms = info_.client_random;
  randoms.insert(randoms.end(), info_.server_random.begin(), info_.server_random.end());
  return randoms;
}

Bytes ConnectionImpl::TranscriptHash() { return HashOf(transcript_.get()); }

// RFC 7627 §3: session_hash = Hash(handshake messages up to and including ClientKeyExchange).
Bytes ConnectionImpl::SessionHash() {
  Bytes hash(64);
  DWORD len = 0;
  CheckStatus(SslComputeSessionHash(provider_.get(), transcript_.get(), version_, hash.data(),
                                    static_cast<DWORD>(hash.size()), &len, 0),
              "SslComputeSessionHash");
  hash.resize(len);
  return hash;
}

// (EC)DHE, both roles: our ephemeral key and the peer's public key (RFC 5246 §8.1.2, RFC 8422 §5.10).
void ConnectionImpl::FinishMasterKey(SslParameterList& params) {
  const DWORD role = config_.role == Role::kClient ? NCRYPT_SSL_CLIENT_FLAG : NCRYPT_SSL_SERVER_FLAG;
  DWORD result = 0;
  CheckStatus(SslGenerateMasterKey(provider_.get(), ephemeral_key_.get(), peer_key_.get(), master_key_.Put(), version_,
                                   suite_->id, params.get(), nullptr, 0, &result, role),
              "SslGenerateMasterKey");
}

void ConnectionImpl::DeriveSessionKeys() {
  SslParameterList params(info_.client_random, info_.server_random);
  CheckStatus(SslGenerateSessionKeys(provider_.get(), master_key_.get(), pending_read_key_.Put(),
                                     pending_write_key_.Put(), params.get(), 0),
              "SslGenerateSessionKeys");
}

Bytes ConnectionImpl::ComputeFinished(DWORD sender) {
  Bytes verify(kVerifyDataLength);
  CheckStatus(SslComputeFinishedHash(provider_.get(), master_key_.get(), transcript_.get(), verify.data(),
                                     static_cast<DWORD>(verify.size()), sender),
              "SslComputeFinishedHash");
  return verify;
}

void ConnectionImpl::CheckPeerFinished(ByteView body, DWORD sender) {
  if (body.size() != kVerifyDataLength) Abort(AlertDescription::kDecodeError, "Finished of the wrong length");
  const Bytes expected = ComputeFinished(sender);
  if (!tlswire::ConstantTimeEqual(expected, body)) {
    Abort(AlertDescription::kDecryptError,
          sender == NCRYPT_SSL_CLIENT_FLAG ? "client Finished does not verify" : "server Finished does not verify");
  }
  (sender == NCRYPT_SSL_CLIENT_FLAG ? info_.client_finished : info_.server_finished) = expected;
}

void ConnectionImpl::SendFinished(DWORD sender) {
  SendChangeCipherSpec();
  const Bytes verify = ComputeFinished(sender);
  (sender == NCRYPT_SSL_CLIENT_FLAG ? info_.client_finished : info_.server_finished) = verify;
  SendHandshake(kFinished, verify);
  FlushHandshake();
}

void ConnectionImpl::MarkConnected() {
  records_.EndPlaintextAlerts();
  expect_ = Expect::kDone;
  state_ = State::kConnected;
  info_.handshake_time =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start_time_);
  // The ephemeral keys have done their job (forward secrecy: drop them now).
  ephemeral_key_.Reset();
  peer_key_.Reset();
}

}  // namespace opensslp::tlsdriver
