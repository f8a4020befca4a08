// server.cpp - the server half of the TLS 1.0-1.2 handshake (RFC 5246 §7.3 message flow).
#include <algorithm>
#include <iterator>

#include "connection_impl.h"

namespace opensslp::tlsdriver {
namespace {

bool Contains(const std::vector<std::uint16_t>& list, std::uint16_t value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

// A list of 16-bit values in a vector<2..2^16-2> (cipher suites, groups, signature schemes).
std::vector<std::uint16_t> ReadU16List(ByteView bytes) {
  if (bytes.size() % 2 != 0) Abort(AlertDescription::kDecodeError, "odd-length list of 16-bit values");
  Reader r(bytes, "list");
  std::vector<std::uint16_t> values;
  while (!r.empty()) values.push_back(r.U16());
  return values;
}

ByteView StripLeadingZeros(ByteView v) {
  while (v.size() > 1 && v[0] == 0) v = v.subspan(1);
  return v;
}

void PutLe32(Bytes& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

// RFC 7919 §2: the FFDHE range of NamedGroup is 256..511; 256..260 are the groups it defines.
bool InFfdheRange(std::uint16_t group) { return group >= 256 && group <= 511; }
bool IsKnownFfdhe(std::uint16_t group) { return group >= 256 && group <= 260; }

}  // namespace

void ConnectionImpl::ServerOnMessage(std::uint8_t type, ByteView body) {
  switch (expect_) {
    case Expect::kClientHello:
      if (type == kClientHello) return ServerOnClientHello(body);
      break;
    case Expect::kClientCertificate:
      if (type == kCertificate) return ServerOnClientCertificate(body);
      break;
    case Expect::kClientKeyExchange:
      if (type == kClientKeyExchange) return ServerOnClientKeyExchange(body);
      break;
    case Expect::kCertificateVerify:
      if (type == kCertificateVerify) return ServerOnCertificateVerify12(body);
      break;
    case Expect::kFinished:
      if (type == kFinished) {
        CheckPeerFinished(body, NCRYPT_SSL_CLIENT_FLAG);
        // Our Finished covers the client's (RFC 5246 §7.4.9), so it enters the transcript now.
        AddToTranscript(current_message_);
        SendFinished(NCRYPT_SSL_SERVER_FLAG);
        MarkConnected();
        return;
      }
      break;
    default: break;
  }
  Abort(AlertDescription::kUnexpectedMessage, "unexpected handshake message " + std::to_string(type));
}

// ---- ClientHello (RFC 5246 §7.4.1.2) ---------------------------------------------------------

void ConnectionImpl::ServerOnClientHello(ByteView body) {
  // What a first ClientHello said is forgotten for the second (after HelloRetryRequest).
  client_groups_.reset();
  client_signature_schemes_.reset();
  client_psk_modes_.reset();
  client_key_shares_.clear();
  client_versions_.clear();
  client_sent_supported_versions_ = client_sent_key_share_ = client_offered_early_data_ = false;
  pre_shared_key_offset_ = 0;
  pre_shared_key_last_ = true;

  Reader r(body, "ClientHello");
  client_version_ = r.U16();
  const ByteView random = r.Take(kRandomLength);
  const ByteView session_id = r.Vec8();
  const std::vector<std::uint16_t> suites = ReadU16List(r.Vec16(2));
  const ByteView compression = r.Vec8(1);
  if (session_id.size() > 32) Abort(AlertDescription::kDecodeError, "ClientHello session_id too long");
  if (!r.empty()) {
    const ByteView block = r.Vec16();
    const std::size_t offset = r.position() - block.size();
    Reader extensions(block, "ClientHello extensions");
    r.ExpectEnd();
    ServerReadClientExtensions(extensions, offset);
  }
  // RFC 5246 §7.4.1.2: null compression must be offered.
  if (std::find(compression.begin(), compression.end(), 0) == compression.end()) {
    Abort(AlertDescription::kIllegalParameter, "ClientHello without null compression");
  }
  info_.client_random.assign(random.begin(), random.end());
  if (Contains(suites, kEmptyRenegotiationInfoScsv)) client_secure_renegotiation_ = true;

  // Version negotiation. RFC 8446 §4.2.1: supported_versions, when present, is all that counts;
  // otherwise RFC 5246 Appendix E.1: the highest both support, at most TLS 1.2.
  if ((client_version_ >> 8) != 3 || client_version_ < kTls10) {
    Abort(AlertDescription::kProtocolVersion, "client offers only SSL");
  }
  std::uint16_t version = 0;
  if (client_sent_supported_versions_ && config_.max_version >= kTls13) {
    for (std::uint16_t v : client_versions_) {
      if (v >= config_.min_version && v <= config_.max_version && v > version) version = v;
    }
    if (version == 0) Abort(AlertDescription::kProtocolVersion, "no version in common");
  } else {
    version = std::min<std::uint16_t>(std::min(client_version_, kTls12), config_.max_version);
    if (version < config_.min_version) Abort(AlertDescription::kProtocolVersion, "client version below our minimum");
  }
  if (info_.hello_retry_request && version != kTls13) {
    Abort(AlertDescription::kIllegalParameter, "second ClientHello does not offer TLS 1.3");
  }
  if (version == kTls13) {
    // RFC 8446 §4.1.2: exactly one compression method, null.
    if (compression.size() != 1) Abort(AlertDescription::kIllegalParameter, "TLS 1.3 ClientHello with compression");
    return ServerOnClientHello13(body, suites, session_id);
  }
  AddToTranscript(current_message_);
  // RFC 7507 §3: a fallback retry while we support a higher version is an attack.
  if (Contains(suites, kFallbackScsv) && client_version_ < config_.max_version) {
    Abort(static_cast<AlertDescription>(kAlertInappropriateFallback), "TLS_FALLBACK_SCSV with a lower version");
  }
  version_ = version;  // ServerChooseSuite needs it
  const SuiteInfo* suite = ServerChooseSuite(suites);
  if (suite == nullptr) Abort(AlertDescription::kHandshakeFailure, "no cipher suite in common");
  SetNegotiated(version, *suite);
  info_.extended_master_secret = client_offered_ems_ && config_.extended_master_secret;
  if (config_.require_extended_master_secret && !info_.extended_master_secret) {
    Abort(AlertDescription::kHandshakeFailure, "client does not do extended master secret");
  }
  info_.secure_renegotiation = client_secure_renegotiation_;
  info_.server_random = CsprngBytes(kRandomLength);
  if (config_.max_version >= kTls12 && version_ <= kTls11) {
    // RFC 8446 §4.1.3: tell a TLS 1.2 client that we could have done better, so that an
    // attacker who lowered client_version is caught before Finished.
    std::copy(std::begin(kDowngradeSentinel), std::end(kDowngradeSentinel), info_.server_random.end() - 8);
  } else if (config_.max_version >= kTls13 && version_ == kTls12) {
    // ... and a TLS 1.3 server negotiating TLS 1.2 ends with 0x01.
    std::copy(std::begin(kDowngradeSentinel), std::end(kDowngradeSentinel), info_.server_random.end() - 8);
    info_.server_random.back() = 0x01;
  }
  StartTranscript();  // the ClientHello was kept aside until now
  ServerSendHello();
}

void ConnectionImpl::ServerReadClientExtensions(Reader& extensions, std::size_t offset_in_body) {
  std::vector<std::uint16_t> seen;
  while (!extensions.empty()) {
    const std::uint16_t type = extensions.U16();
    const ByteView data = extensions.Vec16();
    Reader body(data, "ClientHello extension");
    if (Contains(seen, type)) Abort(AlertDescription::kDecodeError, "duplicate ClientHello extension");
    seen.push_back(type);
    switch (type) {
      case kExtSupportedVersions: {
        client_versions_ = ReadU16List(body.Vec8(2));
        body.ExpectEnd();
        client_sent_supported_versions_ = true;
        break;
      }
      case kExtKeyShare: {
        // RFC 8446 §4.2.8: KeyShareEntry client_shares<0..2^16-1>, at most one per group.
        Reader list(body.Vec16(), "client_shares");
        body.ExpectEnd();
        while (!list.empty()) {
          const std::uint16_t group = list.U16();
          const ByteView share = list.Vec16(1);
          for (const auto& entry : client_key_shares_) {
            if (entry.first == group) Abort(AlertDescription::kIllegalParameter, "two key shares for one group");
          }
          client_key_shares_.emplace_back(group, Bytes(share.begin(), share.end()));
        }
        client_sent_key_share_ = true;
        break;
      }
      case kExtPskKeyExchangeModes: {
        const ByteView modes = body.Vec8(1);
        body.ExpectEnd();
        client_psk_modes_.emplace(modes.begin(), modes.end());
        break;
      }
      case kExtEarlyData:
        body.ExpectEnd();
        client_offered_early_data_ = true;
        break;
      case kExtPreSharedKey:
        // Parsed once the suite is known (ServerAcceptPsk); §4.2.11: it must be the last.
        pre_shared_key_offset_ = offset_in_body + extensions.position() - data.size();
        pre_shared_key_last_ = extensions.empty();
        break;
      case kExtSupportedGroups:
        client_groups_ = ReadU16List(body.Vec16(2));
        body.ExpectEnd();
        break;
      case kExtEcPointFormats: {
        const ByteView formats = body.Vec8(1);
        body.ExpectEnd();
        client_sent_point_formats_ = true;
        client_point_formats_ok_ = std::find(formats.begin(), formats.end(), 0) != formats.end();
        break;
      }
      case kExtSignatureAlgorithms:
        client_signature_schemes_ = ReadU16List(body.Vec16(2));
        body.ExpectEnd();
        break;
      case kExtExtendedMasterSecret:
        body.ExpectEnd();
        client_offered_ems_ = true;
        break;
      case kExtRenegotiationInfo: {
        const ByteView renegotiated = body.Vec8();
        body.ExpectEnd();
        // RFC 5746 §3.6: on the initial handshake it must be empty.
        if (!renegotiated.empty()) Abort(AlertDescription::kHandshakeFailure, "non-empty renegotiation_info");
        client_secure_renegotiation_ = true;
        break;
      }
      case kExtServerName: {
        // RFC 6066 §3: we serve one certificate whatever the name, so only the syntax is checked.
        Reader list(body.Vec16(1), "server_name list");
        body.ExpectEnd();
        while (!list.empty()) {
          list.U8();
          list.Vec16(1);
        }
        break;
      }
      default:
        // Everything else, encrypt_then_mac (RFC 7366) included, is ignored: not answering an
        // extension declines it (RFC 5246 §7.4.1.4).
        break;
    }
  }
}

// Server preference (as Schannel): the first of our suites the client offered that is valid for
// the version, fits our certificate's key, and for which the other parameters can be agreed.
const SuiteInfo* ConnectionImpl::ServerChooseSuite(const std::vector<std::uint16_t>& offered) {
  const std::vector<std::uint16_t> our_groups = ConfiguredGroups();
  for (std::uint16_t id : ConfiguredSuites()) {
    const SuiteInfo* s = provider_.FindSuite(id);
    if (!Contains(offered, id) || !s->ValidFor(version_) || s->cert != own_cert()->kind) continue;
    const bool transport = s->exchange == Exchange::kRsa;
    if (own_cert()->has_key_usage && !(transport ? own_cert()->key_encipherment : own_cert()->digital_signature)) continue;
    // RFC 8422 §5.1.1 / §5.3: supported_groups also names the curves the client can verify
    // ECDSA signatures on, so our certificate's curve must be among them.
    if (s->cert == CertKind::kEcdsa && client_groups_ && !Contains(*client_groups_, own_cert()->group)) continue;
    if (s->exchange == Exchange::kEcdhe) {
      if (!client_point_formats_ok_) continue;
      // RFC 8422 §4: without supported_groups the client supports any curve; we pick our first.
      std::uint16_t group = 0;
      for (std::uint16_t g : our_groups) {
        if (!client_groups_ || Contains(*client_groups_, g)) {
          group = g;
          break;
        }
      }
      if (group == 0) continue;
      info_.group = group;
    }
    signature_scheme_ = nullptr;
    if (!transport && version_ >= kTls12) {
      signature_scheme_ = ChooseSignatureScheme(own_cert()->kind, own_cert()->group, client_signature_schemes_);
      if (signature_scheme_ == nullptr) continue;
    }
    if (s->exchange == Exchange::kDhe) {
      const std::uint16_t group = ServerCreateDheKey(s->id);
      if (group == 0) continue;  // RFC 7919 §4: no FFDHE suite without a usable FFDHE group
      info_.group = group;
    }
    if (transport) info_.group = 0;
    info_.group_name = GroupName(info_.group);
    return s;
  }
  return nullptr;
}

// RFC 7919 §4: when the client's supported_groups names any FFDHE codepoint (256..511, known or
// not), the group is the first of those that we know and the provider can make a key on; if
// there is none, no FFDHE suite may be chosen. Otherwise (no supported_groups, or no FFDHE group
// in it) the server picks: ffdhe2048. The provider has no list of its FFDHE groups, so asking it
// is creating the key - which the ServerKeyExchange needs anyway. Returns 0 when nothing fits.
std::uint16_t ConnectionImpl::ServerCreateDheKey(std::uint16_t suite) {
  std::vector<std::uint16_t> candidates;
  const bool client_named_ffdhe =
      client_groups_ && std::any_of(client_groups_->begin(), client_groups_->end(), InFfdheRange);
  if (client_named_ffdhe) {
    for (std::uint16_t g : *client_groups_) {
      if (IsKnownFfdhe(g)) candidates.push_back(g);
    }
  } else {
    candidates.push_back(256);
  }
  for (std::uint16_t g : candidates) {
    const SECURITY_STATUS rc =
        SslCreateEphemeralKey(provider_.get(), ephemeral_key_.Put(), version_, suite, g, 0, nullptr, 0, 0);
    if (rc == 0) return g;
    // A group the provider does not do is not a failure: try the client's next one.
    if (rc != NTE_NOT_SUPPORTED && rc != NTE_INVALID_PARAMETER && rc != NTE_BAD_DATA) {
      CheckStatus(rc, "SslCreateEphemeralKey");
    }
  }
  ephemeral_key_.Reset();
  return 0;
}

// ---- ServerHello .. ServerHelloDone (RFC 5246 §7.4.1.3-§7.4.5) -------------------------------

void ConnectionImpl::ServerSendHello() {
  Writer ext;
  if (client_secure_renegotiation_) {
    ext.U16(kExtRenegotiationInfo);
    const std::uint8_t empty_renegotiated_connection[] = {0};
    ext.Vec16(empty_renegotiated_connection);
  }
  if (info_.extended_master_secret) {
    ext.U16(kExtExtendedMasterSecret);
    ext.Vec16({});
  }
  if (suite_->exchange == Exchange::kEcdhe && client_sent_point_formats_) {
    ext.U16(kExtEcPointFormats);
    const std::uint8_t uncompressed[] = {1, 0};
    ext.Vec16(uncompressed);
  }
  Writer hello;
  hello.U16(version_);
  hello.Put(info_.server_random);
  hello.Vec8({});  // no session id: no resumption
  hello.U16(suite_->id);
  hello.U8(0);
  if (!ext.bytes().empty()) hello.Vec16(ext.bytes());
  SendHandshake(kServerHello, hello.bytes());

  Writer list;
  for (const Bytes& cert : own_chain()) list.Vec24(cert);
  Writer certificate;
  certificate.Vec24(list.bytes());
  SendHandshake(kCertificate, certificate.bytes());

  if (suite_->exchange != Exchange::kRsa) ServerSendKeyExchange();
  if (config_.client_auth != ClientAuth::kNone) ServerSendCertificateRequest12();
  SendHandshake(kServerHelloDone, {});
  FlushHandshake();
  expect_ = client_cert_requested_ ? Expect::kClientCertificate : Expect::kClientKeyExchange;
}

// ---- client authentication, TLS 1.0-1.2 (RFC 5246 §7.4.4, §7.4.6, §7.4.8) --------------------

void ConnectionImpl::ServerSendCertificateRequest12() {
  Writer w;
  const std::uint8_t types[] = {1, 64};  // rsa_sign, ecdsa_sign (RFC 8422 §5.5)
  w.Vec8(types);
  if (version_ >= kTls12) {
    Writer schemes;
    for (std::uint16_t s : OfferedSignatureSchemes()) schemes.U16(s);
    w.Vec16(schemes.bytes());
  }
  w.Vec16({});  // certificate_authorities: any CA of client_ca_file
  SendHandshake(kCertificateRequest, w.bytes());
  client_cert_requested_ = true;
}

void ConnectionImpl::ServerOnClientCertificate(ByteView body) {
  Reader r(body, "Certificate");
  Reader list(r.Vec24(), "certificate_list");
  r.ExpectEnd();
  std::vector<Bytes> chain;
  while (!list.empty()) {
    const ByteView cert = list.Vec24(1);
    chain.emplace_back(cert.begin(), cert.end());
  }
  if (chain.empty()) {
    // RFC 5246 §7.4.6: a server that requires one answers an empty list with handshake_failure.
    if (config_.client_auth == ClientAuth::kRequire) {
      Abort(AlertDescription::kHandshakeFailure, "the client sent no certificate");
    }
  } else {
    AcceptClientChain(chain);
  }
  expect_ = Expect::kClientKeyExchange;
}

void ConnectionImpl::AcceptClientChain(const std::vector<Bytes>& chain) {
  peer_cert_ = DescribeCertificateKey(chain[0]);
  if (!peer_cert_) Abort(AlertDescription::kUnsupportedCertificate, "client key is not RSA or EC P-256/384/521");
  if (peer_cert_->has_key_usage && !peer_cert_->digital_signature) {
    Abort(AlertDescription::kUnsupportedCertificate, "client certificate keyUsage does not allow signing");
  }
  const ChainCheck check = VerifyClientChain(chain, config_.client_ca_file);
  if (!check.ok) Abort(check.alert, "client certificate: " + check.reason);
  peer_cert_key_ = provider_.ImportKey(
      peer_cert_->kind == CertKind::kRsa ? BCRYPT_RSAPUBLIC_BLOB : BCRYPT_ECCPUBLIC_BLOB, peer_cert_->blob);
  info_.peer_subject = info_.client_subject = peer_cert_->subject;
  info_.peer_verified = true;
}

// CertificateVerify signs every handshake message before it (RFC 5246 §7.4.8): the provider
// hashes them with a client-auth hash (TLS 1.2: SslCreateClientAuthHash of the scheme's hash;
// TLS 1.0/1.1: MD5||SHA-1 or SHA-1 from SslComputeClientAuthHash) inside VerifyFromTls.
void ConnectionImpl::ServerOnCertificateVerify12(ByteView body) {
  Reader r(body, "CertificateVerify");
  const SignatureScheme* scheme = nullptr;
  if (version_ >= kTls12) {
    const std::uint16_t code = r.U16();
    scheme = FindSignatureScheme(code);
    const std::vector<std::uint16_t>& offered = OfferedSignatureSchemes();
    if (scheme == nullptr || scheme->key != peer_cert_->kind ||
        std::find(offered.begin(), offered.end(), code) == offered.end()) {
      Abort(AlertDescription::kIllegalParameter, "CertificateVerify with a scheme we did not offer");
    }
  }
  const ByteView signature = r.Vec16(1);
  r.ExpectEnd();
  const SECURITY_STATUS rc = VerifyFromTls(provider_, peer_cert_key_.get(), peer_cert_->kind, peer_cert_->bits,
                                           version_, suite_->id, scheme, handshake_log_, signature);
  if (rc != 0) {
    Abort(AlertDescription::kDecryptError, "client CertificateVerify does not verify", static_cast<std::uint32_t>(rc));
  }
  AddToTranscript(current_message_);
  info_.client_certificate = true;
  expect_ = Expect::kChangeCipherSpec;
}

void ConnectionImpl::ServerSendKeyExchange() {
  const Bytes params = suite_->exchange == Exchange::kEcdhe ? ServerEcdheParams() : ServerDheParams();
  Bytes signed_data = Randoms();
  signed_data.insert(signed_data.end(), params.begin(), params.end());
  const Bytes signature =
      SignForTls(provider_, own_private_key(), own_cert()->kind, version_, suite_->id, signature_scheme_, signed_data);
  Writer w;
  w.Put(params);
  if (signature_scheme_ != nullptr) w.U16(signature_scheme_->code);
  w.Vec16(signature);
  SendHandshake(kServerKeyExchange, w.bytes());
}

// ServerECDHParams (RFC 8422 §5.4): named_curve(3), the group, our public point.
Bytes ConnectionImpl::ServerEcdheParams() {
  CheckStatus(
      SslCreateEphemeralKey(provider_.get(), ephemeral_key_.Put(), version_, suite_->id, info_.group, 0, nullptr, 0, 0),
      "SslCreateEphemeralKey");
  const Bytes blob = provider_.ExportKey(ephemeral_key_.get(), SSL_ECCPUBLIC_BLOB);
  if (blob.size() <= 8) Abort(AlertDescription::kInternalError, "short SSL_ECCPUBLIC_BLOB");
  Writer w;
  w.U8(3);
  w.U16(info_.group);
  w.Vec8(ByteView(blob).subspan(8));
  return w.Take();
}

// ServerDHParams (RFC 5246 §7.4.3) of the RFC 7919 group whose key ServerCreateDheKey made, from
// the provider's export BCRYPT_DH_KEY_BLOB{magic, cbKey} || p || g || Y.
Bytes ConnectionImpl::ServerDheParams() {
  if (!ephemeral_key_) Abort(AlertDescription::kInternalError, "no DHE key for the chosen suite");
  const Bytes blob = provider_.ExportKey(ephemeral_key_.get(), BCRYPT_DH_PUBLIC_BLOB);
  if (blob.size() < 8) Abort(AlertDescription::kInternalError, "short DH public blob");
  const std::size_t size =
      (std::size_t{blob[7]} << 24) | (std::size_t{blob[6]} << 16) | (std::size_t{blob[5]} << 8) | blob[4];
  if (blob.size() != 8 + 3 * size) Abort(AlertDescription::kInternalError, "unexpected DH public blob");
  const ByteView b(blob);
  dh_prime_.assign(b.begin() + 8, b.begin() + 8 + static_cast<std::ptrdiff_t>(size));
  dh_generator_.assign(b.begin() + 8 + static_cast<std::ptrdiff_t>(size),
                       b.begin() + 8 + 2 * static_cast<std::ptrdiff_t>(size));
  info_.dhe_bits = static_cast<std::uint16_t>(8 * StripLeadingZeros(dh_prime_).size());
  Writer w;
  w.Vec16(StripLeadingZeros(dh_prime_));
  w.Vec16(StripLeadingZeros(dh_generator_));
  w.Vec16(StripLeadingZeros(b.subspan(8 + 2 * size)));
  return w.Take();
}

// ---- ClientKeyExchange (RFC 5246 §7.4.7) -----------------------------------------------------

void ConnectionImpl::ServerOnClientKeyExchange(ByteView body) {
  Reader r(body, "ClientKeyExchange");
  SslParameterList params(info_.client_random, info_.server_random);
  // The message is already in the transcript (OnHandshakeMessage), as RFC 7627 §3 needs.
  if (info_.extended_master_secret) params.AddSessionHash(SessionHash());
  if (suite_->exchange == Exchange::kRsa) {
    const ByteView encrypted = r.Vec16(1);
    r.ExpectEnd();
    // RFC 5246 §7.4.7.1: the version check and every decryption failure are handled inside
    // SslImportMasterKey without a signal (implicit rejection, docs/tls12.md).
    params.AddHighestVersion(client_version_);
    CheckStatus(SslImportMasterKey(provider_.get(), own_private_key(), master_key_.Put(), version_, suite_->id,
                                   params.get(), const_cast<PBYTE>(encrypted.data()),
                                   static_cast<DWORD>(encrypted.size()), NCRYPT_SSL_SERVER_FLAG),
                "SslImportMasterKey");
  } else if (suite_->exchange == Exchange::kEcdhe) {
    const ByteView point = r.Vec8(1);
    r.ExpectEnd();
    Bytes blob;
    PutLe32(blob, info_.group);
    PutLe32(blob, static_cast<std::uint32_t>(point.size()));
    blob.insert(blob.end(), point.begin(), point.end());
    peer_key_ = provider_.ImportKey(SSL_ECCPUBLIC_BLOB, blob);
    FinishMasterKey(params);
  } else {
    const ByteView yc = StripLeadingZeros(r.Vec16(1));
    r.ExpectEnd();
    const std::size_t size = dh_prime_.size();
    if (yc.size() > size) Abort(AlertDescription::kIllegalParameter, "DHE public value larger than p");
    Bytes blob;
    PutLe32(blob, BCRYPT_DH_PUBLIC_MAGIC);
    PutLe32(blob, static_cast<std::uint32_t>(size));
    blob.insert(blob.end(), dh_prime_.begin(), dh_prime_.end());
    blob.insert(blob.end(), dh_generator_.begin(), dh_generator_.end());
    blob.insert(blob.end(), size - yc.size(), 0);
    blob.insert(blob.end(), yc.begin(), yc.end());
    peer_key_ = provider_.ImportKey(BCRYPT_DH_PUBLIC_BLOB, blob);
    FinishMasterKey(params);
  }
  DeriveSessionKeys();
  expect_ = peer_cert_ ? Expect::kCertificateVerify : Expect::kChangeCipherSpec;
}

}  // namespace opensslp::tlsdriver
