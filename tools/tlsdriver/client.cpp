// client.cpp - the client half of the TLS 1.0-1.2 handshake (RFC 5246 §7.3 message flow).
#include <algorithm>
#include <iterator>

#include "connection_impl.h"

namespace opensslp::tlsdriver {

bool IsHelloRetryRequestRandom(ByteView random);

namespace {

bool Contains(const std::vector<std::uint16_t>& list, std::uint16_t value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

void PutExtension(Writer& w, std::uint16_t type, ByteView body) {
  w.U16(type);
  w.Vec16(body);
}

ByteView StripLeadingZeros(ByteView v) {
  while (v.size() > 1 && v[0] == 0) v = v.subspan(1);
  return v;
}

void PutLe32(Bytes& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

// Left-pads `v` to `size` bytes; false if it does not fit.
bool PadTo(ByteView v, std::size_t size, Bytes& out) {
  v = StripLeadingZeros(v);
  if (v.size() > size) return false;
  out.insert(out.end(), size - v.size(), 0);
  out.insert(out.end(), v.begin(), v.end());
  return true;
}

std::size_t BitLength(ByteView v) {
  v = StripLeadingZeros(v);
  if (v.empty() || v[0] == 0) return 0;
  std::size_t bits = 8 * (v.size() - 1);
  for (std::uint8_t top = v[0]; top != 0; top >>= 1) ++bits;
  return bits;
}

}  // namespace

// ---- ClientHello (RFC 5246 §7.4.1.2) ---------------------------------------------------------

void ConnectionImpl::ClientStart() {
  offered_suites_ = ConfiguredSuites();
  offered_groups_ = config_.max_version >= kTls13 ? ConfiguredTls13Groups() : ConfiguredGroups();
  offered_ems_ = config_.extended_master_secret;
  // What the ClientHello will carry, so that ServerHello can only answer those (RFC 5246
  // §7.4.1.4). RFC 6066 §3: literal addresses are not sent as HostName.
  sent_server_name_ = !config_.server_name.empty() && !IsAddressLiteral(config_.server_name);
  sent_ec_extensions_ =
      !offered_groups_.empty() && std::any_of(offered_suites_.begin(), offered_suites_.end(), [&](std::uint16_t id) {
        return provider_.FindSuite(id)->exchange == Exchange::kEcdhe;
      });
  info_.client_random = CsprngBytes(kRandomLength);
  if (config_.max_version >= kTls13) return ClientSendHello13(false);
  SendHandshake(kClientHello, ClientHelloBody());
  FlushHandshake();
  records_.SetVersionBeforeNegotiation(config_.max_version);
  expect_ = Expect::kServerHello;
}

Bytes ConnectionImpl::ClientHelloBody() const {
  Writer w;
  w.U16(config_.max_version);
  w.Put(info_.client_random);
  w.Vec8({});  // no session id: the driver does not resume
  Writer suites;
  for (std::uint16_t id : offered_suites_) suites.U16(id);
  w.Vec16(suites.bytes());
  const std::uint8_t null_compression = 0;
  w.Vec8(ByteView(&null_compression, 1));
  w.Vec16(ClientHelloExtensions());
  return w.Take();
}

Bytes ConnectionImpl::ClientHelloExtensions() const {
  Writer ext;
  if (sent_server_name_) {
    // RFC 6066 §3: ServerNameList of one host_name.
    Writer name;
    name.U8(0);
    name.Vec16(ByteView(reinterpret_cast<const std::uint8_t*>(config_.server_name.data()), config_.server_name.size()));
    Writer list;
    list.Vec16(name.bytes());
    PutExtension(ext, kExtServerName, list.bytes());
  }
  if (sent_ec_extensions_) {
    Writer groups, list;
    for (std::uint16_t g : offered_groups_) groups.U16(g);
    list.Vec16(groups.bytes());
    PutExtension(ext, kExtSupportedGroups, list.bytes());
    const std::uint8_t uncompressed[] = {1, 0};  // RFC 8422 §5.1.2
    PutExtension(ext, kExtEcPointFormats, uncompressed);
  }
  if (config_.max_version >= kTls12) {
    Writer schemes, list;
    for (std::uint16_t s : OfferedSignatureSchemes()) schemes.U16(s);
    list.Vec16(schemes.bytes());
    PutExtension(ext, kExtSignatureAlgorithms, list.bytes());
  }
  if (offered_ems_) PutExtension(ext, kExtExtendedMasterSecret, {});
  const std::uint8_t empty_renegotiated_connection = 0;  // RFC 5746 §3.4: initial handshake
  PutExtension(ext, kExtRenegotiationInfo, ByteView(&empty_renegotiated_connection, 1));
  return ext.Take();
}

// ---- dispatch --------------------------------------------------------------------------------

void ConnectionImpl::ClientOnMessage(std::uint8_t type, ByteView body) {
  switch (expect_) {
    case Expect::kServerHello:
      if (type == kServerHello) return ClientOnServerHello(body);
      break;
    case Expect::kCertificate:
      if (type == kCertificate) return ClientOnCertificate(body);
      break;
    case Expect::kServerKeyExchange:
      if (type == kServerKeyExchange) return ClientOnServerKeyExchange(body);
      break;
    case Expect::kServerHelloDone:
      if (type == kCertificateRequest && !client_cert_requested_) return ClientOnCertificateRequest(body);
      if (type == kServerHelloDone) return ClientOnServerHelloDone(body);
      break;
    case Expect::kFinished:
      if (type == kFinished) {
        CheckPeerFinished(body, NCRYPT_SSL_SERVER_FLAG);
        return MarkConnected();
      }
      break;
    default: break;
  }
  Abort(AlertDescription::kUnexpectedMessage, "unexpected handshake message " + std::to_string(type));
}

// ---- ServerHello (RFC 5246 §7.4.1.3) -----------------------------------------------------------

// A ServerHello that carries supported_versions (RFC 8446 §4.2.1) is a TLS 1.3 one (or a
// HelloRetryRequest); only a look at the extension block can tell.
static bool CarriesSupportedVersions(ByteView body) {
  Reader r(body, "ServerHello");
  r.Take(2 + kRandomLength);
  r.Vec8();
  r.Take(3);
  if (r.empty()) return false;
  Reader extensions(r.Vec16(), "ServerHello extensions");
  while (!extensions.empty()) {
    if (extensions.U16() == kExtSupportedVersions) return true;
    extensions.Vec16();
  }
  return false;
}

void ConnectionImpl::ClientOnServerHello(ByteView body) {
  if (config_.max_version >= kTls13 && CarriesSupportedVersions(body)) {
    return ClientOnServerHello13(body, IsHelloRetryRequestRandom(body.subspan(2, kRandomLength)));
  }
  // A TLS 1.2 answer to a ClientHello that offered TLS 1.3: 0-RTT data already sent cannot be
  // taken back, and nothing agreed after a HelloRetryRequest allows it.
  if (offered_early_data_ || info_.hello_retry_request) {
    Abort(AlertDescription::kProtocolVersion, "server answered our TLS 1.3 ClientHello with TLS 1.2");
  }
  Reader r(body, "ServerHello");
  const std::uint16_t version = r.U16();
  const ByteView random = r.Take(kRandomLength);
  const ByteView session_id = r.Vec8();
  const std::uint16_t suite_id = r.U16();
  const std::uint8_t compression = r.U8();
  if (session_id.size() > 32) Abort(AlertDescription::kDecodeError, "ServerHello session_id too long");
  if (version < config_.min_version || version > config_.max_version) {
    Abort(AlertDescription::kProtocolVersion, "server chose a version outside our range");
  }
  const SuiteInfo* suite = provider_.FindSuite(suite_id);
  if (!Contains(offered_suites_, suite_id) || suite == nullptr || !suite->ValidFor(version)) {
    Abort(AlertDescription::kIllegalParameter, "server chose a suite we did not offer for this version");
  }
  if (compression != 0) Abort(AlertDescription::kIllegalParameter, "server chose compression");
  info_.server_random.assign(random.begin(), random.end());
  // RFC 8446 §4.1.3: we offered more than the server chose, and the server says it supports more
  // (last byte 0x00: TLS 1.2, 0x01: TLS 1.3) - someone lowered our offer. A TLS 1.3 client checks
  // both values for TLS 1.2 and below; a TLS 1.2 client both for TLS 1.1 and below.
  const bool sentinel =
      std::equal(std::begin(kDowngradeSentinel), std::end(kDowngradeSentinel) - 1, random.end() - 8) &&
      random.back() <= 0x01;
  if (sentinel &&
      ((config_.max_version >= kTls13 && version <= kTls12) || (config_.max_version >= kTls12 && version <= kTls11))) {
    Abort(AlertDescription::kIllegalParameter, "downgrade sentinel in ServerHello.random");
  }
  SetNegotiated(version, *suite);
  if (!r.empty()) {
    Reader extensions(r.Vec16(), "ServerHello extensions");
    r.ExpectEnd();
    ClientOnServerHelloExtensions(extensions);
  }
  if (config_.require_extended_master_secret && !info_.extended_master_secret) {
    Abort(AlertDescription::kHandshakeFailure, "server does not do extended master secret");
  }
  StartTranscript();
  expect_ = Expect::kCertificate;
}

void ConnectionImpl::ClientOnServerHelloExtensions(Reader& extensions) {
  std::vector<std::uint16_t> seen;
  while (!extensions.empty()) {
    const std::uint16_t type = extensions.U16();
    Reader body(extensions.Vec16(), "ServerHello extension");
    if (Contains(seen, type)) Abort(AlertDescription::kDecodeError, "duplicate ServerHello extension");
    seen.push_back(type);
    // RFC 5246 §7.4.1.4: a server may only answer extensions the client sent.
    switch (type) {
      case kExtServerName:  // RFC 6066 §3: an empty acknowledgement
        body.ExpectEnd();
        if (!sent_server_name_) Abort(AlertDescription::kUnsupportedExtension, "unsolicited server_name");
        break;
      case kExtEcPointFormats: {
        // RFC 8422 §5.2: only in answer to ours, which goes with an ECC suite offer.
        if (!sent_ec_extensions_) Abort(AlertDescription::kUnsupportedExtension, "unsolicited ec_point_formats");
        const ByteView formats = body.Vec8(1);
        body.ExpectEnd();
        if (std::find(formats.begin(), formats.end(), 0) == formats.end()) {
          Abort(AlertDescription::kIllegalParameter, "server does not accept uncompressed points");
        }
        break;
      }
      case kExtExtendedMasterSecret:
        body.ExpectEnd();
        if (!offered_ems_) Abort(AlertDescription::kUnsupportedExtension, "unsolicited extended_master_secret");
        info_.extended_master_secret = true;
        break;
      case kExtRenegotiationInfo: {
        // RFC 5746 §3.4: on the initial handshake renegotiated_connection must be empty.
        const ByteView renegotiated = body.Vec8();
        body.ExpectEnd();
        if (!renegotiated.empty()) Abort(AlertDescription::kHandshakeFailure, "non-empty renegotiation_info");
        info_.secure_renegotiation = true;
        break;
      }
      default:
        Abort(AlertDescription::kUnsupportedExtension, "unsolicited ServerHello extension " + std::to_string(type));
    }
  }
}

// ---- Certificate (RFC 5246 §7.4.2) -------------------------------------------------------------

void ConnectionImpl::ClientOnCertificate(ByteView body) {
  Reader r(body, "Certificate");
  Reader list(r.Vec24(), "certificate_list");
  r.ExpectEnd();
  std::vector<Bytes> chain;
  while (!list.empty()) {
    const ByteView cert = list.Vec24(1);
    chain.emplace_back(cert.begin(), cert.end());
  }
  if (chain.empty()) Abort(AlertDescription::kBadCertificate, "server sent no certificate");
  peer_cert_ = DescribeCertificateKey(chain[0]);
  if (!peer_cert_) Abort(AlertDescription::kUnsupportedCertificate, "server key is not RSA or EC P-256/384/521");
  info_.peer_subject = peer_cert_->subject;
  // The suite fixes the key type (RFC 5246 §7.4.2, RFC 8422 §5.3), and keyUsage, when present,
  // must allow what the key is used for (RFC 5280 §4.2.1.3).
  if (peer_cert_->kind != suite_->cert) {
    Abort(AlertDescription::kUnsupportedCertificate, "server certificate key does not fit the suite");
  }
  const bool transport = suite_->exchange == Exchange::kRsa;
  if (peer_cert_->has_key_usage && !(transport ? peer_cert_->key_encipherment : peer_cert_->digital_signature)) {
    Abort(AlertDescription::kUnsupportedCertificate, "server certificate keyUsage does not allow this suite");
  }
  if (config_.verify_peer) {
    const ChainCheck check = VerifyServerChain(chain, config_.ca_file, config_.server_name);
    if (!check.ok) Abort(check.alert, check.reason);
    info_.peer_verified = true;
  }
  peer_cert_key_ = provider_.ImportKey(
      peer_cert_->kind == CertKind::kRsa ? BCRYPT_RSAPUBLIC_BLOB : BCRYPT_ECCPUBLIC_BLOB, peer_cert_->blob);
  expect_ = transport ? Expect::kServerHelloDone : Expect::kServerKeyExchange;
}

// ---- ServerKeyExchange (RFC 5246 §7.4.3, RFC 8422 §5.4) --------------------------------------

void ConnectionImpl::ClientOnServerKeyExchange(ByteView body) {
  Reader r(body, "ServerKeyExchange");
  if (suite_->exchange == Exchange::kEcdhe) {
    ClientReadEcdheParams(r);
  } else {
    ClientReadDheParams(r);
  }
  const ByteView params = body.first(body.size() - r.remaining());
  const SignatureScheme* scheme = nullptr;
  if (version_ >= kTls12) {
    // RFC 5246 §7.4.3: one of the schemes we offered, for the certificate's key. We never offer
    // MD5 or SHA-1, and RFC 9155 §4 requires illegal_parameter for them.
    const std::uint16_t code = r.U16();
    scheme = FindSignatureScheme(code);
    if (scheme == nullptr || !Contains(OfferedSignatureSchemes(), code) || scheme->key != peer_cert_->kind) {
      Abort(AlertDescription::kIllegalParameter, "ServerKeyExchange signed with a scheme we did not offer");
    }
  }
  const ByteView signature = r.Vec16();
  r.ExpectEnd();
  Bytes signed_data = Randoms();
  signed_data.insert(signed_data.end(), params.begin(), params.end());
  const SECURITY_STATUS rc = VerifyFromTls(provider_, peer_cert_key_.get(), peer_cert_->kind, peer_cert_->bits,
                                           version_, suite_->id, scheme, signed_data, signature);
  if (rc != 0) {
    Abort(AlertDescription::kDecryptError, "ServerKeyExchange signature does not verify",
          static_cast<std::uint32_t>(rc));
  }
  ClientPrepareKeyAgreement();
  expect_ = Expect::kServerHelloDone;
}

// ServerECDHParams: curve_type named_curve(3), NamedCurve, ECPoint public<1..2^8-1>.
void ConnectionImpl::ClientReadEcdheParams(Reader& r) {
  if (r.U8() != 3) Abort(AlertDescription::kIllegalParameter, "ECDHE parameters are not a named curve");
  const std::uint16_t group = r.U16();
  const ByteView point = r.Vec8(1);
  if (!Contains(offered_groups_, group))
    Abort(AlertDescription::kIllegalParameter, "server chose a group we did not offer");
  server_public_.assign(point.begin(), point.end());
  info_.group = group;
  info_.group_name = GroupName(group);
}

// ServerDHParams: dh_p, dh_g, dh_Ys, each <1..2^16-1>. Primes under 2048 bits are refused
// (Logjam; RFC 7919 §1), as are primes over the provider's 8192-bit limit.
void ConnectionImpl::ClientReadDheParams(Reader& r) {
  const ByteView p = StripLeadingZeros(r.Vec16(1));
  const ByteView g = r.Vec16(1);
  const ByteView ys = r.Vec16(1);
  const std::size_t bits = BitLength(p);
  if (bits < 2048 || bits > 8192) Abort(AlertDescription::kInsufficientSecurity, "DHE prime outside 2048..8192 bits");
  const std::size_t size = p.size();
  Bytes padded_g;
  if (!PadTo(g, size, padded_g)) Abort(AlertDescription::kIllegalParameter, "DHE generator larger than p");
  dh_prime_.assign(p.begin(), p.end());
  dh_generator_ = padded_g;
  if (StripLeadingZeros(ys).size() > size) Abort(AlertDescription::kIllegalParameter, "DHE public value larger than p");
  server_public_.assign(ys.begin(), ys.end());
  info_.dhe_bits = static_cast<std::uint16_t>(bits);
}

// Our ephemeral key and the server's public value as provider keys, once the server's
// signature over them has verified.
void ConnectionImpl::ClientPrepareKeyAgreement() {
  Bytes blob;
  if (suite_->exchange == Exchange::kEcdhe) {
    CheckStatus(SslCreateEphemeralKey(provider_.get(), ephemeral_key_.Put(), version_, suite_->id, info_.group, 0,
                                      nullptr, 0, 0),
                "SslCreateEphemeralKey");
    // SSL_ECCKEY_BLOB{IANA group, cbKey} || the wire public key (docs/keys.md)
    PutLe32(blob, info_.group);
    PutLe32(blob, static_cast<std::uint32_t>(server_public_.size()));
    blob.insert(blob.end(), server_public_.begin(), server_public_.end());
    peer_key_ = provider_.ImportKey(SSL_ECCPUBLIC_BLOB, blob);
    return;
  }
  const std::size_t size = dh_prime_.size();
  if (!ClientCreateNamedDheKey(info_.dhe_bits)) {
    Bytes params;  // BCRYPT_DH_PARAMETER_HEADER{cbLength, magic, cbKeyLength} || p || g
    PutLe32(params, static_cast<std::uint32_t>(12 + 2 * size));
    PutLe32(params, BCRYPT_DH_PARAMETERS_MAGIC);
    PutLe32(params, static_cast<std::uint32_t>(size));
    params.insert(params.end(), dh_prime_.begin(), dh_prime_.end());
    params.insert(params.end(), dh_generator_.begin(), dh_generator_.end());
    const SECURITY_STATUS rc = SslCreateEphemeralKey(provider_.get(), ephemeral_key_.Put(), version_, suite_->id, 0, 0,
                                                     params.data(), static_cast<DWORD>(params.size()), 0);
    if (rc == NTE_INVALID_PARAMETER || rc == NTE_NOT_SUPPORTED) {
      Abort(AlertDescription::kIllegalParameter, "DHE parameters refused by the provider",
            static_cast<std::uint32_t>(rc));
    }
    CheckStatus(rc, "SslCreateEphemeralKey");
  }
  // BCRYPT_DH_PUBLIC_BLOB{magic, cbKey} || p || g || Y, each cbKey bytes
  PutLe32(blob, BCRYPT_DH_PUBLIC_MAGIC);
  PutLe32(blob, static_cast<std::uint32_t>(size));
  blob.insert(blob.end(), dh_prime_.begin(), dh_prime_.end());
  blob.insert(blob.end(), dh_generator_.begin(), dh_generator_.end());
  PadTo(server_public_, size, blob);  // fits: checked when parsed
  peer_key_ = provider_.ImportKey(BCRYPT_DH_PUBLIC_BLOB, blob);
}

// When the server's (p, g) is the RFC 7919 group of that size, our key is made on the provider's
// named group (which also checks the server's value against the prime-order subgroup, RFC 7919
// §5.1). The group's p and g are read back from the key's export and compared with the server's.
bool ConnectionImpl::ClientCreateNamedDheKey(std::size_t bits) {
  std::uint16_t named = 0;
  switch (bits) {
    case 2048: named = 256; break;
    case 3072: named = 257; break;
    case 4096: named = 258; break;
    case 6144: named = 259; break;
    case 8192: named = 260; break;
    default: return false;
  }
  CheckStatus(
      SslCreateEphemeralKey(provider_.get(), ephemeral_key_.Put(), version_, suite_->id, named, 0, nullptr, 0, 0),
      "SslCreateEphemeralKey");
  const Bytes ours = provider_.ExportKey(ephemeral_key_.get(), BCRYPT_DH_PUBLIC_BLOB);  // {magic, cbKey} p g Y
  const std::size_t size = dh_prime_.size();
  const bool same =
      ours.size() == 8 + 3 * size && std::equal(dh_prime_.begin(), dh_prime_.end(), ours.begin() + 8) &&
      std::equal(dh_generator_.begin(), dh_generator_.end(), ours.begin() + 8 + static_cast<std::ptrdiff_t>(size));
  if (!same) {
    ephemeral_key_.Reset();
    return false;
  }
  info_.group = named;
  info_.group_name = GroupName(named);
  return true;
}

// ---- CertificateRequest (RFC 5246 §7.4.4) ------------------------------------------------------

void ConnectionImpl::ClientOnCertificateRequest(ByteView body) {
  Reader r(body, "CertificateRequest");
  const ByteView types = r.Vec8(1);  // certificate_types
  peer_signature_schemes_.clear();
  if (version_ >= kTls12) {
    Reader list(r.Vec16(2), "supported_signature_algorithms");
    while (!list.empty()) peer_signature_schemes_.push_back(list.U16());
  }
  r.Vec16();  // certificate_authorities: we have one certificate to offer
  r.ExpectEnd();
  client_cert_requested_ = true;
  // RFC 5246 §7.4.6: a certificate of a requested type, signed with a scheme the server accepts;
  // otherwise an empty list.
  if (own_cert() != nullptr) {
    const std::uint8_t wanted = own_cert()->kind == CertKind::kRsa ? 1 : 64;  // rsa_sign / ecdsa_sign
    const bool type_ok = std::find(types.begin(), types.end(), wanted) != types.end();
    const bool scheme_ok = version_ < kTls12 ||
                           ChooseSignatureScheme(own_cert()->kind, own_cert()->group, peer_signature_schemes_) != nullptr;
    send_empty_certificate_ = !(type_ok && scheme_ok);
  } else {
    send_empty_certificate_ = true;
  }
}

// RFC 5246 §7.4.8: the signature over every handshake message so far (through
// ClientKeyExchange), hashed by the provider's client-auth hash (VerifyFromTls/SignForTls).
void ConnectionImpl::ClientSendCertificateVerify12() {
  const SignatureScheme* scheme = nullptr;
  if (version_ >= kTls12) {
    scheme = ChooseSignatureScheme(own_cert()->kind, own_cert()->group, peer_signature_schemes_);
  }
  const Bytes signature =
      SignForTls(provider_, own_private_key(), own_cert()->kind, version_, suite_->id, scheme, handshake_log_);
  Writer w;
  if (scheme != nullptr) w.U16(scheme->code);
  w.Vec16(signature);
  SendHandshake(kCertificateVerify, w.bytes());
  info_.client_certificate = true;
}

// ---- ServerHelloDone, then our flight (RFC 5246 §7.4.5-§7.4.9) ------------------------------

void ConnectionImpl::ClientOnServerHelloDone(ByteView body) {
  if (!body.empty()) Abort(AlertDescription::kDecodeError, "ServerHelloDone with a body");
  if (client_cert_requested_) {
    Writer list;
    if (!send_empty_certificate_) {
      for (const Bytes& cert : own_chain()) list.Vec24(cert);
    }
    Writer certificate;
    certificate.Vec24(list.bytes());
    SendHandshake(kCertificate, certificate.bytes());
  }
  ClientSendKeyExchange();
  if (client_cert_requested_ && !send_empty_certificate_) ClientSendCertificateVerify12();
  DeriveSessionKeys();
  SendFinished(NCRYPT_SSL_CLIENT_FLAG);
  expect_ = Expect::kChangeCipherSpec;
}

void ConnectionImpl::ClientSendKeyExchange() {
  if (suite_->exchange == Exchange::kRsa) return ClientSendRsaKeyExchange();
  Writer w;
  if (suite_->exchange == Exchange::kEcdhe) {
    // ClientECDiffieHellmanPublic: ECPoint<1..2^8-1> (RFC 8422 §5.7); the export is
    // SSL_ECCKEY_BLOB{group, cbKey} || wire bytes.
    const Bytes blob = provider_.ExportKey(ephemeral_key_.get(), SSL_ECCPUBLIC_BLOB);
    if (blob.size() <= 8) Abort(AlertDescription::kInternalError, "short SSL_ECCPUBLIC_BLOB");
    w.Vec8(ByteView(blob).subspan(8));
  } else {
    // ClientDiffieHellmanPublic: dh_Yc<1..2^16-1> (RFC 5246 §7.4.7.2); the export is
    // BCRYPT_DH_KEY_BLOB{magic, cbKey} || p || g || Y.
    const Bytes blob = provider_.ExportKey(ephemeral_key_.get(), BCRYPT_DH_PUBLIC_BLOB);
    const std::size_t size = dh_prime_.size();
    if (blob.size() != 8 + 3 * size) Abort(AlertDescription::kInternalError, "unexpected DH public blob");
    w.Vec16(StripLeadingZeros(ByteView(blob).subspan(8 + 2 * size)));
  }
  SendHandshake(kClientKeyExchange, w.bytes());
  SslParameterList params(info_.client_random, info_.server_random);
  if (info_.extended_master_secret) params.AddSessionHash(SessionHash());
  FinishMasterKey(params);
}

// RSA key transport (RFC 5246 §7.4.7.1): the provider makes the pre-master secret, whose first
// two bytes are the version we offered (client_version), and encrypts it to the server's key;
// EncryptedPreMasterSecret carries a 2-byte length in TLS 1.0-1.2.
void ConnectionImpl::ClientSendRsaKeyExchange() {
  SslParameterList params(info_.client_random, info_.server_random);
  params.AddHighestVersion(config_.max_version);
  const DWORD role = NCRYPT_SSL_CLIENT_FLAG;
  DWORD len = 0;
  Bytes encrypted;
  ProviderObject premaster;
  if (info_.extended_master_secret) {
    // EMS needs ClientKeyExchange in the session hash before the master secret exists, hence
    // the split flow: SslGeneratePreMasterKey, send and hash, then SslGenerateMasterKey with the
    // pre-master handle (docs/tls12.md).
    CheckStatus(SslGeneratePreMasterKey(provider_.get(), peer_cert_key_.get(), premaster.Put(), version_, suite_->id,
                                        params.get(), nullptr, 0, &len, role),
                "SslGeneratePreMasterKey");
    encrypted.resize(len);
    CheckStatus(SslGeneratePreMasterKey(provider_.get(), peer_cert_key_.get(), premaster.Put(), version_, suite_->id,
                                        params.get(), encrypted.data(), len, &len, role),
                "SslGeneratePreMasterKey");
  } else {
    CheckStatus(SslGenerateMasterKey(provider_.get(), 0, peer_cert_key_.get(), master_key_.Put(), version_, suite_->id,
                                     params.get(), nullptr, 0, &len, role),
                "SslGenerateMasterKey");
    encrypted.resize(len);
    CheckStatus(SslGenerateMasterKey(provider_.get(), 0, peer_cert_key_.get(), master_key_.Put(), version_, suite_->id,
                                     params.get(), encrypted.data(), len, &len, role),
                "SslGenerateMasterKey");
  }
  encrypted.resize(len);
  Writer w;
  w.Vec16(encrypted);
  SendHandshake(kClientKeyExchange, w.bytes());
  if (!premaster) return;
  params.AddSessionHash(SessionHash());
  DWORD no_output = 0;
  CheckStatus(SslGenerateMasterKey(provider_.get(), premaster.get(), peer_cert_key_.get(), master_key_.Put(), version_,
                                   suite_->id, params.get(), nullptr, 0, &no_output, role),
              "SslGenerateMasterKey");
}

}  // namespace opensslp::tlsdriver
