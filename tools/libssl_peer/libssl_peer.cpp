// libssl_peer.cpp - see libssl_peer.h.
#include "libssl_peer.h"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <mutex>

#include "tlswire/openssl_errors.h"

namespace opensslp::libssl_peer {
namespace {

using tlswire::DrainErrors;

// libssl initialised without reading openssl.cnf (libssl_peer.h explains why).
void InitLibssl() {
  static std::once_flag once;
  std::call_once(once,
                 [] { (void)OPENSSL_init_ssl(OPENSSL_INIT_NO_LOAD_CONFIG | OPENSSL_INIT_LOAD_SSL_STRINGS, nullptr); });
}

// IANA TLS Supported Groups registry <-> OpenSSL NIDs.
struct GroupMap {
  std::uint16_t iana;
  int nid;
};
constexpr GroupMap kGroups[] = {
    {23, NID_X9_62_prime256v1}, {24, NID_secp384r1},  {25, NID_secp521r1},  {29, NID_X25519},     {30, NID_X448},
    {256, NID_ffdhe2048},       {257, NID_ffdhe3072}, {258, NID_ffdhe4096}, {259, NID_ffdhe6144}, {260, NID_ffdhe8192},
};

int GroupNid(std::uint16_t iana) {
  for (const GroupMap& g : kGroups) {
    if (g.iana == iana) return g.nid;
  }
  return NID_undef;
}

std::uint16_t GroupIana(int nid) {
  for (const GroupMap& g : kGroups) {
    if (g.nid == nid) return g.iana;
  }
  return 0;
}

int OsslVersion(std::uint16_t wire) {
  switch (wire) {
    case kTls10: return TLS1_VERSION;
    case kTls11: return TLS1_1_VERSION;
    case kTls12: return TLS1_2_VERSION;
    case kTls13: return TLS1_3_VERSION;
    default: return -1;
  }
}

std::vector<std::uint16_t> ParseHelloExtensions(const std::uint8_t* msg, std::size_t len) {
  // ClientHello / ServerHello (RFC 5246 §7.4.1.2/3): header(4) version(2) random(32)
  // session_id<0..32> then (ClientHello) cipher_suites<2..> compression<1..> or (ServerHello)
  // cipher_suite(2) compression(1); then extensions<0..2^16-1>.
  std::vector<std::uint16_t> types;
  if (len < 4) return types;
  const bool client = msg[0] == 1;
  std::size_t p = 4 + 2 + 32;
  auto need = [&](std::size_t n) { return p + n <= len; };
  if (!need(1)) return types;
  p += 1 + msg[p];
  if (client) {
    if (!need(2)) return types;
    p += 2 + ((msg[p] << 8) | msg[p + 1]);
    if (!need(1)) return types;
    p += 1 + msg[p];
  } else {
    p += 3;
  }
  if (!need(2)) return types;
  std::size_t end = p + 2 + ((msg[p] << 8) | msg[p + 1]);
  p += 2;
  if (end > len) return types;
  while (p + 4 <= end) {
    types.push_back(static_cast<std::uint16_t>((msg[p] << 8) | msg[p + 1]));
    p += 4 + ((msg[p + 2] << 8) | msg[p + 3]);
  }
  return types;
}

// RFC 8446 §4.1.3: the random of a HelloRetryRequest (SHA-256 of "HelloRetryRequest").
constexpr std::uint8_t kHelloRetryRequestRandom[32] = {0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C,
                                                       0x02, 0x1E, 0x65, 0xB8, 0x91, 0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB,
                                                       0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C};

// RFC 8446 §4: handshake types that occur after the TLS 1.3 handshake (not in its transcript).
constexpr std::uint8_t kNewSessionTicket = 4;
constexpr std::uint8_t kKeyUpdate = 24;
// RFC 8446 §4.2: key_share.
constexpr std::uint16_t kExtKeyShare = 51;

// Every server context names its sessions with this (libssl refuses to resume a session whose
// context differs, and refuses any resumption on a verifying server without one).
constexpr unsigned char kSessionIdContext[] = "opensslp libssl_peer";

// What a rejecting server (max_early_data 0) still skips of early data: libssl's default
// recv_max_early_data (SSL3_RT_MAX_PLAIN_LENGTH); with 0 it would abort on any early data.
constexpr std::uint32_t kRejectedEarlyDataSkipLimit = 16384;

// libssl's default TLS 1.3 suites, in its order (used when cipher_suites names none).
constexpr const char* kDefaultTls13Suites =
    "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256";

bool IsTls13Cipher(const SSL_CIPHER* c) { return std::strcmp(SSL_CIPHER_get_version(c), "TLSv1.3") == 0; }

const SSL_CIPHER* FindCipher(SSL* ssl, std::uint16_t id) {
  const unsigned char bytes[2] = {static_cast<unsigned char>(id >> 8), static_cast<unsigned char>(id)};
  return SSL_CIPHER_find(ssl, bytes);
}

int FromHexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string ToHex(const std::vector<std::uint8_t>& bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string s;
  for (std::uint8_t b : bytes) {
    s += kDigits[b >> 4];
    s += kDigits[b & 15];
  }
  return s;
}

// An SSL_SESSION for a TLS 1.3 external PSK (the caller owns the reference); null on failure.
SSL_SESSION* NewPskSession(SSL* ssl, const ExternalPsk& psk) {
  const SSL_CIPHER* cipher = FindCipher(ssl, psk.cipher_suite);
  if (cipher == nullptr || !IsTls13Cipher(cipher)) return nullptr;
  SSL_SESSION* session = SSL_SESSION_new();
  if (session == nullptr) return nullptr;
  if (SSL_SESSION_set1_master_key(session, psk.key.data(), psk.key.size()) != 1 ||
      SSL_SESSION_set_cipher(session, cipher) != 1 || SSL_SESSION_set_protocol_version(session, TLS1_3_VERSION) != 1 ||
      SSL_SESSION_set_max_early_data(session, psk.max_early_data) != 1) {
    SSL_SESSION_free(session);
    return nullptr;
  }
  return session;
}

}  // namespace

struct Peer::Impl {
  SSL_CTX* ctx = nullptr;
  SSL* ssl = nullptr;
  BIO* rbio = nullptr;  // owned by ssl
  BIO* wbio = nullptr;  // owned by ssl
  Peer* owner = nullptr;
  PeerConfig config;
  bool write_early_data = false;    // client: SSL_write_early_data before the handshake
  bool read_early_data = false;     // server: SSL_read_early_data before the handshake
  bool key_update_pending = false;  // RequestKeyUpdate called, not yet driven
  bool key_update_reply = false;    // a KeyUpdate with update_requested was read
  // Server: the find callback matched our external-PSK identity.
  bool psk_identity_matched = false;

  ~Impl() {
    SSL_free(ssl);
    SSL_CTX_free(ctx);
  }

  // SSL_psk_use_session_cb_func. Called once per ClientHello; md is null the first time and the
  // HelloRetryRequest's suite hash the second (a PSK with another hash is then not offered).
  static int PskUseSession(SSL* ssl, const EVP_MD* md, const unsigned char** id, std::size_t* id_len,
                           SSL_SESSION** sess) {
    *sess = nullptr;
    *id = nullptr;
    *id_len = 0;
    Peer* peer = From(ssl);
    if (peer == nullptr || !peer->impl_->config.external_psk) return 1;
    const ExternalPsk& psk = *peer->impl_->config.external_psk;
    SSL_SESSION* session = NewPskSession(ssl, psk);
    if (session == nullptr) return 0;
    const EVP_MD* psk_md = SSL_CIPHER_get_handshake_digest(SSL_SESSION_get0_cipher(session));
    if (md != nullptr && (psk_md == nullptr || !EVP_MD_is_a(md, EVP_MD_get0_name(psk_md)))) {
      SSL_SESSION_free(session);
      return 1;
    }
    *sess = session;  // libssl takes this reference
    *id = reinterpret_cast<const unsigned char*>(psk.identity.data());
    *id_len = psk.identity.size();
    return 1;
  }

  // SSL_psk_find_session_cb_func: a session for our identity, none (success) for any other.
  static int PskFindSession(SSL* ssl, const unsigned char* identity, std::size_t identity_len, SSL_SESSION** sess) {
    *sess = nullptr;
    Peer* peer = From(ssl);
    if (peer == nullptr || !peer->impl_->config.external_psk) return 1;
    const ExternalPsk& psk = *peer->impl_->config.external_psk;
    if (identity_len != psk.identity.size() ||
        (identity_len != 0 && std::memcmp(identity, psk.identity.data(), identity_len) != 0)) {
      return 1;
    }
    SSL_SESSION* session = NewPskSession(ssl, psk);
    if (session == nullptr) return 0;
    peer->impl_->psk_identity_matched = true;
    *sess = session;  // libssl takes this reference
    return 1;
  }

  static Peer* From(const SSL* ssl) { return static_cast<Peer*>(SSL_get_app_data(ssl)); }

  static void InfoCallback(const SSL* ssl, int where, int ret) {
    if ((where & SSL_CB_ALERT) == 0) return;
    Peer* peer = From(ssl);
    if (peer == nullptr) return;
    const int level = (ret >> 8) & 0xff;
    const auto description = static_cast<std::uint8_t>(ret & 0xff);
    if (level != 2) return;  // warnings (close_notify, no_renegotiation) are not failures
    Failure& f = peer->failure_;
    if (where & SSL_CB_WRITE) {
      if (!f.alert_sent && !f.alert_received) f.alert = description;
      f.alert_sent = true;
    } else {
      if (!f.alert_sent && !f.alert_received) f.alert = description;
      f.alert_received = true;
    }
  }

  static void MessageCallback(int write_p, int version, int content_type, const void* buf, size_t len, SSL* ssl,
                              void* /*arg*/) {
    if (content_type != SSL3_RT_HANDSHAKE || len < 4) return;
    Peer* peer = From(ssl);
    if (peer == nullptr) return;
    PeerSessionInfo& in = peer->info_;
    const auto* msg = static_cast<const std::uint8_t*>(buf);
    if (msg[0] == 0) return;  // HelloRequest is not part of the transcript (RFC 5246 §7.4.1.1)
    if (version == TLS1_3_VERSION && (msg[0] == kNewSessionTicket || msg[0] == kKeyUpdate)) {
      // Post-handshake messages (RFC 8446 §4.6): counted, not part of the transcript.
      if (msg[0] == kNewSessionTicket && write_p == 0) ++in.tickets_received;
      if (msg[0] == kKeyUpdate) ++(write_p != 0 ? in.key_updates_sent : in.key_updates_received);
      // KeyUpdate.request_update (RFC 8446 §4.6.3): 1 = update_requested, answered by Process.
      if (msg[0] == kKeyUpdate && write_p == 0 && len >= 5 && msg[4] == 1) peer->impl_->key_update_reply = true;
      return;
    }
    in.handshake_messages.emplace_back(msg, msg + len);
    if (msg[0] == 1) in.client_hello_extensions = ParseHelloExtensions(msg, len);
    if (msg[0] == 2) {
      in.server_hello_extensions = ParseHelloExtensions(msg, len);
      if (len >= 4 + 2 + 32 && std::memcmp(msg + 6, kHelloRetryRequestRandom, 32) == 0) in.hello_retry_request = true;
    }
  }

  static void KeylogCallback(const SSL* ssl, const char* line) {
    Peer* peer = From(ssl);
    if (peer == nullptr) return;
    if (!peer->info_.keylog.empty()) peer->info_.keylog += "\n";
    peer->info_.keylog += line;
    peer->info_.keylog_lines.emplace_back(line);
  }

  // An SSL_CTX without settings of its own (every setting goes on the SSL): the key-log callback,
  // and for a server its session cache and session-id context. Null on failure.
  static SSL_CTX* NewContext(bool server) {
    SSL_CTX* ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
    if (ctx == nullptr) return nullptr;
    SSL_CTX_set_keylog_callback(ctx, &KeylogCallback);
    // A server keeps a cache so that its ServerHello carries a session id, as a real server's
    // does (and so that a shared ServerContext resumes); a client never caches.
    SSL_CTX_set_session_cache_mode(ctx, server ? SSL_SESS_CACHE_SERVER : SSL_SESS_CACHE_OFF);
    if (server && SSL_CTX_set_session_id_context(ctx, kSessionIdContext, sizeof(kSessionIdContext) - 1) != 1) {
      SSL_CTX_free(ctx);
      return nullptr;
    }
    return ctx;
  }
};

std::string OpensslCipherName(std::uint16_t iana_id) {
  InitLibssl();
  SSL_CTX* ctx = SSL_CTX_new(TLS_method());
  if (ctx == nullptr) {
    DrainErrors();
    return "";
  }
  SSL* ssl = SSL_new(ctx);
  std::string name;
  if (ssl != nullptr) {
    const unsigned char id[2] = {static_cast<unsigned char>(iana_id >> 8), static_cast<unsigned char>(iana_id)};
    const SSL_CIPHER* c = SSL_CIPHER_find(ssl, id);
    if (c != nullptr && std::strcmp(SSL_CIPHER_get_version(c), "TLSv1.3") != 0) name = SSL_CIPHER_get_name(c);
  }
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  DrainErrors();
  return name;
}

Session::~Session() { SSL_SESSION_free(native_); }

std::shared_ptr<Session> Session::Adopt(ssl_session_st* native) {
  if (native == nullptr) return nullptr;
  return std::shared_ptr<Session>(new Session(native));
}

std::uint16_t Session::version() const { return static_cast<std::uint16_t>(SSL_SESSION_get_protocol_version(native_)); }

std::uint16_t Session::cipher_suite() const {
  const SSL_CIPHER* c = SSL_SESSION_get0_cipher(native_);
  return c != nullptr ? SSL_CIPHER_get_protocol_id(c) : 0;
}

std::uint32_t Session::max_early_data() const { return SSL_SESSION_get_max_early_data(native_); }

bool Session::resumable() const { return SSL_SESSION_is_resumable(native_) == 1; }

std::shared_ptr<ServerContext> ServerContext::Create(std::string* error) {
  InitLibssl();
  std::shared_ptr<ServerContext> context(new ServerContext());
  context->ctx_ = Peer::Impl::NewContext(true);
  if (context->ctx_ == nullptr) {
    const std::string queued = DrainErrors();
    if (error != nullptr) *error = "SSL_CTX_new failed" + (queued.empty() ? "" : ": " + queued);
    return nullptr;
  }
  return context;
}

ServerContext::~ServerContext() { SSL_CTX_free(ctx_); }

std::vector<std::uint8_t> PeerSessionInfo::KeylogSecret(std::string_view label) const {
  // NSS key log format: "<label> <client random, hex> <secret, hex>".
  const std::string random_hex = ToHex(client_random);
  for (const std::string& line : keylog_lines) {
    if (line.size() <= label.size() + 1 || line.compare(0, label.size(), label) != 0 || line[label.size()] != ' ') {
      continue;
    }
    const std::size_t second = line.find(' ', label.size() + 1);
    if (second == std::string::npos) continue;
    if (!random_hex.empty() && line.compare(label.size() + 1, second - label.size() - 1, random_hex) != 0) continue;
    const std::string hex = line.substr(second + 1);
    std::vector<std::uint8_t> secret;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
      const int hi = FromHexDigit(hex[i]), lo = FromHexDigit(hex[i + 1]);
      if (hi < 0 || lo < 0) return {};
      secret.push_back(static_cast<std::uint8_t>(hi << 4 | lo));
    }
    return secret;
  }
  return {};
}

Peer::Peer() : impl_(std::make_unique<Impl>()) { impl_->owner = this; }

Peer::~Peer() {
  // libssl treats the session of a connection freed without close_notify as bad and invalidates
  // it (ssl_clear_bad_session: removed from the server's cache, marked not resumable). A Peer is
  // often dropped without Close once a test has what it needs, so a connection that did not fail
  // counts as shut down and its session stays resumable.
  if (impl_->ssl != nullptr && (state_ == State::kConnected || state_ == State::kClosed)) {
    SSL_set_shutdown(impl_->ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
  }
}

std::unique_ptr<Peer> Peer::Create(const PeerConfig& config, std::string* error) {
  InitLibssl();
  auto fail = [&](const std::string& why) -> std::unique_ptr<Peer> {
    std::string queued = DrainErrors();
    if (error != nullptr) *error = queued.empty() ? why : why + ": " + queued;
    return nullptr;
  };
  const int min_v = OsslVersion(config.min_version);
  const int max_v = OsslVersion(config.max_version);
  if (min_v < 0 || max_v < 0 || min_v > max_v) return fail("unsupported protocol version range");
  const bool server = config.role == Role::kServer;
  const bool tls13 = max_v == TLS1_3_VERSION;
  if (config.server_context && !server) return fail("server_context is for servers");
  if (config.external_psk && !tls13) return fail("external_psk needs TLS 1.3");

  std::unique_ptr<Peer> peer(new Peer());
  Impl& im = *peer->impl_;
  im.config = config;
  if (config.server_context) {
    im.ctx = config.server_context->native();
    SSL_CTX_up_ref(im.ctx);
  } else {
    im.ctx = Impl::NewContext(server);
    if (im.ctx == nullptr) return fail("SSL_CTX_new failed");
  }
  im.ssl = SSL_new(im.ctx);
  if (im.ssl == nullptr) return fail("SSL_new failed");
  SSL* ssl = im.ssl;
  SSL_set_app_data(ssl, peer.get());
  SSL_set_info_callback(ssl, &Impl::InfoCallback);
  SSL_set_msg_callback(ssl, &Impl::MessageCallback);

  // Every setting explicit and per connection (see the header: no openssl.cnf influence, and a
  // shared ServerContext carries no settings). The security level first: libssl checks
  // certificates and DH parameters against it when they are loaded.
  if (SSL_set_min_proto_version(ssl, min_v) != 1 || SSL_set_max_proto_version(ssl, max_v) != 1) {
    return fail("cannot set the protocol range");
  }
  const int level = config.security_level >= 0 ? config.security_level : (min_v < TLS1_2_VERSION ? 0 : 1);
  SSL_set_security_level(ssl, level);
  SSL_clear_options(ssl, ~static_cast<std::uint64_t>(0));
  std::uint64_t options = SSL_OP_NO_COMPRESSION;
  if (!tls13) options |= SSL_OP_NO_TLSv1_3;
  if (tls13 && config.middlebox_compat) options |= SSL_OP_ENABLE_MIDDLEBOX_COMPAT;
  if (config.allow_psk_without_dhe) options |= SSL_OP_ALLOW_NO_DHE_KEX;
  if (!config.session_tickets) options |= SSL_OP_NO_TICKET;
  if (!config.extended_master_secret) options |= SSL_OP_NO_EXTENDED_MASTER_SECRET;
  if (!config.encrypt_then_mac) options |= SSL_OP_NO_ENCRYPT_THEN_MAC;
  if (server) options |= SSL_OP_CIPHER_SERVER_PREFERENCE;
  SSL_set_options(ssl, options);

  // Verification: a client verifies the server against ca_file, a server verifies a client
  // certificate against client_ca_file (each through a store of this connection's own).
  const std::string& verify_file = server ? config.client_ca_file : config.ca_file;
  const bool request_cert = config.request_client_certificate || config.require_client_certificate;
  int verify_mode = SSL_VERIFY_NONE;
  if (server && request_cert) {
    if (config.client_ca_file.empty()) return fail("requesting a client certificate needs client_ca_file");
    verify_mode = SSL_VERIFY_PEER | (config.require_client_certificate ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0);
  } else if (!server && config.verify_peer) {
    if (config.ca_file.empty()) return fail("verify_peer needs ca_file");
    verify_mode = SSL_VERIFY_PEER;
  }
  if (verify_mode != SSL_VERIFY_NONE) {
    X509_STORE* store = X509_STORE_new();
    if (store == nullptr || X509_STORE_load_file(store, verify_file.c_str()) != 1 ||
        SSL_set1_verify_cert_store(ssl, store) != 1) {
      X509_STORE_free(store);
      return fail("cannot load CA file " + verify_file);
    }
    X509_STORE_free(store);  // the SSL holds its own reference
  }
  SSL_set_verify(ssl, verify_mode, nullptr);
  if (server && request_cert) {
    // The CertificateRequest's CA names (TLS 1.3: certificate_authorities).
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(config.client_ca_file.c_str());
    if (names == nullptr) return fail("cannot read CA names from " + config.client_ca_file);
    SSL_set_client_CA_list(ssl, names);
  }

  // Certificates: a server's credentials, a client's client_credential.
  std::vector<Credential> own_credentials = config.credentials;
  // (A client ignores `credentials`, as it always has.)
  if (server && config.client_credential) return fail("client_credential is for clients");
  if (!server) own_credentials.clear();
  if (!server && config.client_credential) own_credentials.push_back(*config.client_credential);
  for (const Credential& c : own_credentials) {
    if (SSL_use_certificate_chain_file(ssl, c.certificate_chain_file.c_str()) != 1) {
      return fail("cannot load certificate chain " + c.certificate_chain_file);
    }
    if (SSL_use_PrivateKey_file(ssl, c.private_key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
      return fail("cannot load private key " + c.private_key_file);
    }
    if (SSL_check_private_key(ssl) != 1) return fail("private key does not match " + c.certificate_chain_file);
  }
  if (server && !config.dhe_group.empty()) {
    EVP_PKEY_CTX* pctx = EVP_PKEY_CTX_new_from_name(nullptr, "DH", nullptr);
    EVP_PKEY* params = nullptr;
    OSSL_PARAM p[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char*>(config.dhe_group.c_str()), 0),
        OSSL_PARAM_construct_end()};
    const bool ok = pctx != nullptr && EVP_PKEY_paramgen_init(pctx) == 1 && EVP_PKEY_CTX_set_params(pctx, p) == 1 &&
                    EVP_PKEY_paramgen(pctx, &params) == 1;
    EVP_PKEY_CTX_free(pctx);
    if (!ok || SSL_set0_tmp_dh_pkey(ssl, params) != 1) {
      EVP_PKEY_free(params);
      return fail("cannot set DHE group " + config.dhe_group);
    }
  }

  // Cipher suites: exact IANA ids, mapped through libssl's own table; TLS 1.3 ids to the TLS 1.3
  // ciphersuites, the others to the cipher list (see PeerConfig::cipher_suites for the defaults).
  std::string list, tls13_list;
  for (std::uint16_t id : config.cipher_suites) {
    const SSL_CIPHER* c = FindCipher(ssl, id);
    if (c == nullptr) {
      char buf[64];
      std::snprintf(buf, sizeof(buf), "libssl does not know cipher suite 0x%04X", id);
      return fail(buf);
    }
    std::string& target = IsTls13Cipher(c) ? tls13_list : list;
    if (!target.empty()) target += ":";
    target += SSL_CIPHER_get_name(c);
  }
  if (!tls13_list.empty() && !tls13) return fail("TLS 1.3 suites need max_version TLS 1.3");
  if (list.empty()) list = "DEFAULT";
  if (tls13_list.empty()) tls13_list = kDefaultTls13Suites;
  if (SSL_set_cipher_list(ssl, list.c_str()) != 1) return fail("SSL_set_cipher_list(" + list + ") failed");
  if (SSL_set_ciphersuites(ssl, tls13_list.c_str()) != 1)
    return fail("SSL_set_ciphersuites(" + tls13_list + ") failed");
  // The security level may have pruned suites; check that each requested suite survived.
  if (!config.cipher_suites.empty()) {
    STACK_OF(SSL_CIPHER)* active = SSL_get1_supported_ciphers(ssl);
    std::size_t found = 0;
    for (int i = 0; active != nullptr && i < sk_SSL_CIPHER_num(active); ++i) {
      const std::uint16_t id = SSL_CIPHER_get_protocol_id(sk_SSL_CIPHER_value(active, i));
      if (std::find(config.cipher_suites.begin(), config.cipher_suites.end(), id) != config.cipher_suites.end()) {
        ++found;
      }
    }
    sk_SSL_CIPHER_free(active);
    // (A server's "supported" list depends on its certificates, so only clients check strictly.)
    if (!server && found != config.cipher_suites.size()) {
      return fail("libssl disabled some requested suites (" + list + ") at this version range/security level");
    }
  }

  if (!config.groups.empty()) {
    std::vector<int> nids;
    for (std::uint16_t g : config.groups) {
      const int nid = GroupNid(g);
      if (nid == NID_undef) return fail("unknown group " + std::to_string(g));
      nids.push_back(nid);
    }
    if (SSL_set1_groups(ssl, nids.data(), static_cast<int>(nids.size())) != 1) return fail("SSL_set1_groups failed");
  }

  if (!server) {
    if (!config.server_name.empty() && SSL_set_tlsext_host_name(ssl, config.server_name.c_str()) != 1) {
      return fail("SSL_set_tlsext_host_name failed");
    }
    if (config.verify_peer && !config.verify_hostname.empty() &&
        SSL_set1_host(ssl, config.verify_hostname.c_str()) != 1) {
      return fail("SSL_set1_host failed");
    }
  }

  // TLS 1.3: tickets, resumption, external PSK, 0-RTT.
  if (server) {
    if (SSL_set_num_tickets(ssl, config.num_tickets) != 1 || SSL_set_max_early_data(ssl, config.max_early_data) != 1 ||
        SSL_set_recv_max_early_data(
            ssl, config.max_early_data > 0 ? config.max_early_data : kRejectedEarlyDataSkipLimit) != 1) {
      return fail("cannot set the ticket count or early data limits");
    }
    im.read_early_data = tls13 && config.max_early_data > 0;
  } else {
    if (config.resume_session && SSL_set_session(ssl, config.resume_session->native()) != 1) {
      return fail("SSL_set_session failed");
    }
    if (!config.early_data.empty() && tls13) {
      const bool ticket_allows = config.resume_session && config.resume_session->version() == kTls13 &&
                                 config.resume_session->max_early_data() > 0;
      const bool psk_allows = config.external_psk && config.external_psk->max_early_data > 0;
      im.write_early_data = ticket_allows || psk_allows;
    }
  }
  if (config.external_psk) {
    if (config.external_psk->key.empty()) return fail("external_psk has no key");
    const SSL_CIPHER* c = FindCipher(ssl, config.external_psk->cipher_suite);
    if (c == nullptr || !IsTls13Cipher(c)) return fail("external_psk.cipher_suite is not a TLS 1.3 suite");
    if (server) {
      SSL_set_psk_find_session_callback(ssl, &Impl::PskFindSession);
    } else {
      SSL_set_psk_use_session_callback(ssl, &Impl::PskUseSession);
    }
  }
  peer->early_done_ = !im.write_early_data && !im.read_early_data;

  im.rbio = BIO_new(BIO_s_mem());
  im.wbio = BIO_new(BIO_s_mem());
  if (im.rbio == nullptr || im.wbio == nullptr) {
    BIO_free(im.rbio);
    BIO_free(im.wbio);
    return fail("BIO_new failed");
  }
  // An empty read BIO means "no data yet" (retry), not end of file.
  BIO_set_mem_eof_return(im.rbio, -1);
  SSL_set_bio(ssl, im.rbio, im.wbio);
  if (server) {
    SSL_set_accept_state(ssl);
  } else {
    SSL_set_connect_state(ssl);
  }
  DrainErrors();
  return peer;
}

void Peer::ReceiveBytes(std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) return;
  (void)BIO_write(impl_->rbio, bytes.data(), static_cast<int>(bytes.size()));
}

std::vector<std::uint8_t> Peer::TakeBytesToSend() {
  std::vector<std::uint8_t> out;
  const std::size_t pending = BIO_ctrl_pending(impl_->wbio);
  if (pending == 0) return out;
  out.resize(pending);
  const int n = BIO_read(impl_->wbio, out.data(), static_cast<int>(pending));
  out.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  return out;
}

bool Peer::Write(std::span<const std::uint8_t> data) {
  if (state_ == State::kFailed || close_requested_) return false;
  pending_write_.insert(pending_write_.end(), data.begin(), data.end());
  if (state_ == State::kConnected) FlushWrites();
  return state_ != State::kFailed;
}

std::vector<std::uint8_t> Peer::TakeReceivedData() {
  std::vector<std::uint8_t> out;
  out.swap(received_);
  return out;
}

std::vector<std::uint8_t> Peer::TakeEarlyData() {
  std::vector<std::uint8_t> out;
  out.swap(early_received_);
  return out;
}

std::shared_ptr<Session> Peer::TakeSession() {
  SSL_SESSION* session = SSL_get1_session(impl_->ssl);
  if (session == nullptr) return nullptr;
  if (SSL_SESSION_is_resumable(session) != 1) {
    SSL_SESSION_free(session);
    return nullptr;
  }
  return Session::Adopt(session);
}

bool Peer::RequestKeyUpdate(bool update_requested) {
  if (state_ != State::kConnected || SSL_version(impl_->ssl) != TLS1_3_VERSION) return false;
  if (SSL_key_update(impl_->ssl, update_requested ? SSL_KEY_UPDATE_REQUESTED : SSL_KEY_UPDATE_NOT_REQUESTED) != 1) {
    DrainErrors();
    return false;
  }
  impl_->key_update_pending = true;
  return true;
}

void Peer::Close() {
  close_requested_ = true;
  if (state_ == State::kConnected || state_ == State::kClosed) (void)Process();
}

void Peer::Fail(const std::string& reason) {
  state_ = State::kFailed;
  std::string queued = DrainErrors();
  failure_.reason = queued.empty() ? reason : reason + ": " + queued;
  if (failure_.alert_sent || failure_.alert_received) {
    failure_.reason +=
        std::string(" [alert ") + (failure_.alert_sent ? "sent" : "received") + ": " + AlertName(failure_.alert) + "]";
  }
}

void Peer::FlushWrites() {
  SSL* ssl = impl_->ssl;
  std::size_t offset = 0;
  while (offset < pending_write_.size()) {
    std::size_t written = 0;
    const int r = SSL_write_ex(ssl, pending_write_.data() + offset, pending_write_.size() - offset, &written);
    if (r != 1) {
      const int err = SSL_get_error(ssl, r);
      if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) break;
      Fail("SSL_write failed (SSL_get_error " + std::to_string(err) + ")");
      return;
    }
    offset += written;
  }
  pending_write_.erase(pending_write_.begin(), pending_write_.begin() + static_cast<std::ptrdiff_t>(offset));
}

// 0-RTT before the handshake proper (RFC 8446 §4.2.10). Both calls run the handshake as far as
// they can and report WANT_READ like SSL_do_handshake does when the memory BIO is empty.
bool Peer::DriveEarlyData() {
  SSL* ssl = impl_->ssl;
  if (impl_->write_early_data) {
    // Sends the ClientHello and then the early data (all of it: memory BIOs never block).
    const std::vector<std::uint8_t>& data = impl_->config.early_data;
    std::size_t written = 0;
    const int r = SSL_write_early_data(ssl, data.data(), data.size(), &written);
    if (r == 1) {
      early_done_ = true;
      return true;
    }
    const int err = SSL_get_error(ssl, r);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return false;
    Fail("SSL_write_early_data failed (SSL_get_error " + std::to_string(err) + ")");
    return false;
  }
  // Server: reads the ClientHello, answers up to its Finished, then returns the early data until
  // EndOfEarlyData (or at once when the early data was rejected or not sent).
  for (;;) {
    std::uint8_t buf[16384];
    std::size_t got = 0;
    const int r = SSL_read_early_data(ssl, buf, sizeof(buf), &got);
    if (r == SSL_READ_EARLY_DATA_SUCCESS) {
      early_received_.insert(early_received_.end(), buf, buf + got);
      continue;
    }
    if (r == SSL_READ_EARLY_DATA_FINISH) {
      if (got > 0) early_received_.insert(early_received_.end(), buf, buf + got);
      early_done_ = true;
      return true;
    }
    const int err = SSL_get_error(ssl, 0);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return false;
    Fail("SSL_read_early_data failed (SSL_get_error " + std::to_string(err) + ")");
    return false;
  }
}

// Sends a KeyUpdate that RequestKeyUpdate scheduled, or the answer to a peer's update_requested
// (RFC 8446 §4.6.3), at once: libssl itself would answer only with the next application data it
// writes. False when that failed.
bool Peer::DriveKeyUpdate() {
  if (state_ != State::kConnected || (!impl_->key_update_pending && !impl_->key_update_reply)) return true;
  SSL* ssl = impl_->ssl;
  if (!impl_->key_update_pending && SSL_key_update(ssl, SSL_KEY_UPDATE_NOT_REQUESTED) != 1) {
    DrainErrors();  // e.g. a KeyUpdate already on its way; libssl sends the answer with it
    impl_->key_update_reply = false;
    return true;
  }
  impl_->key_update_pending = impl_->key_update_reply = false;
  const int r = SSL_do_handshake(ssl);
  if (r != 1) {
    const int err = SSL_get_error(ssl, r);
    if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
      Fail("KeyUpdate failed (SSL_get_error " + std::to_string(err) + ")");
      return false;
    }
  }
  return true;
}

State Peer::Process() {
  SSL* ssl = impl_->ssl;
  if (state_ == State::kFailed) return state_;
  if (state_ == State::kHandshaking && !early_done_ && !DriveEarlyData()) return state_;
  if (!DriveKeyUpdate()) return state_;
  if (state_ == State::kHandshaking) {
    const int r = SSL_do_handshake(ssl);
    if (r == 1) {
      state_ = State::kConnected;
      CaptureSessionInfo();
    } else {
      const int err = SSL_get_error(ssl, r);
      if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return state_;
      Fail("handshake failed (SSL_get_error " + std::to_string(err) + ")");
      return state_;
    }
  }
  if (state_ == State::kConnected && !pending_write_.empty()) FlushWrites();
  if (state_ == State::kFailed) return state_;
  // Read everything available (also after our close_notify, until the peer's arrives).
  while (!peer_closed_) {
    std::uint8_t buf[16384];
    std::size_t got = 0;
    const int r = SSL_read_ex(ssl, buf, sizeof(buf), &got);
    if (r == 1) {
      received_.insert(received_.end(), buf, buf + got);
      continue;
    }
    const int err = SSL_get_error(ssl, r);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) break;
    if (err == SSL_ERROR_ZERO_RETURN) {
      peer_closed_ = true;
      state_ = State::kClosed;
      break;
    }
    Fail("SSL_read failed (SSL_get_error " + std::to_string(err) + ")");
    return state_;
  }
  if (!DriveKeyUpdate()) return state_;
  if (close_requested_ && !close_sent_ && pending_write_.empty()) {
    (void)SSL_shutdown(ssl);  // queues close_notify; 0 = the peer's has not arrived yet
    DrainErrors();
    close_sent_ = true;
    state_ = State::kClosed;
  }
  return state_;
}

void Peer::CaptureSessionInfo() {
  SSL* ssl = impl_->ssl;
  PeerSessionInfo& in = info_;
  in.version = static_cast<std::uint16_t>(SSL_version(ssl));
  if (const SSL_CIPHER* c = SSL_get_current_cipher(ssl)) {
    in.cipher_suite = SSL_CIPHER_get_protocol_id(c);
    in.cipher_name = SSL_CIPHER_get_name(c);
  }
  const int nid = SSL_get_negotiated_group(ssl);
  if (nid != NID_undef && nid > 0) {
    in.group = GroupIana(nid);
    if (in.group == 0 && (nid & TLSEXT_nid_unknown) != 0) in.group = static_cast<std::uint16_t>(nid & 0xffff);
    const char* sn = OBJ_nid2sn(nid);
    in.group_name = sn != nullptr ? sn : "";
  }
  EVP_PKEY* tmp = nullptr;
  if (SSL_get_peer_tmp_key(ssl, &tmp) == 1 && tmp != nullptr) {
    if (EVP_PKEY_is_a(tmp, "DH")) {
      in.dhe_bits = EVP_PKEY_get_bits(tmp);
      char name[64] = {};
      std::size_t name_len = 0;
      if (EVP_PKEY_get_group_name(tmp, name, sizeof(name), &name_len) == 1 && in.group_name.empty()) {
        in.group_name = name;
        const int dh_nid = OBJ_sn2nid(name);
        if (dh_nid != NID_undef) in.group = GroupIana(dh_nid);
      }
    }
    EVP_PKEY_free(tmp);
  } else if (impl_->config.role == Role::kServer && in.group == 0 &&
             SSL_CIPHER_get_kx_nid(SSL_get_current_cipher(ssl)) == NID_kx_dhe) {
    in.group_name = impl_->config.dhe_group;
    const int dh_nid = OBJ_sn2nid(impl_->config.dhe_group.c_str());
    if (dh_nid != NID_undef) in.group = GroupIana(dh_nid);
  }
  in.extended_master_secret = SSL_get_extms_support(ssl) == 1;
  const bool tls13 = SSL_version(ssl) == TLS1_3_VERSION;
  SSL_SESSION* session = SSL_get_session(ssl);
  if (session != nullptr && !tls13) {
    // (Under TLS 1.3 libssl keeps a resumption PSK here, not a master secret.)
    in.master_secret.resize(SSL_SESSION_get_master_key(session, nullptr, 0));
    SSL_SESSION_get_master_key(session, in.master_secret.data(), in.master_secret.size());
  }
  in.session_resumed = SSL_session_reused(ssl) == 1;
  if (tls13) {
    const bool client_side = impl_->config.role == Role::kClient;
    // A client recognises the PSK it configured in the session it ended up with (libssl makes the
    // chosen PSK's session the connection's session; a ticket's PSK is a derived secret, RFC 8446
    // §4.6.1). A server knows whether its find callback matched, which ends libssl's search.
    bool client_psk = false;
    if (client_side && session != nullptr && impl_->config.external_psk) {
      const std::vector<std::uint8_t>& key = impl_->config.external_psk->key;
      std::vector<std::uint8_t> in_session(SSL_SESSION_get_master_key(session, nullptr, 0));
      SSL_SESSION_get_master_key(session, in_session.data(), in_session.size());
      client_psk = in_session == key;
      OPENSSL_cleanse(in_session.data(), in_session.size());
    }
    in.external_psk_used = in.session_resumed && (client_side ? client_psk : impl_->psk_identity_matched);
    in.psk_dhe_ke = in.session_resumed &&
                    std::find(in.server_hello_extensions.begin(), in.server_hello_extensions.end(), kExtKeyShare) !=
                        in.server_hello_extensions.end();
  }
  switch (SSL_get_early_data_status(ssl)) {
    case SSL_EARLY_DATA_ACCEPTED: in.early_data_status = EarlyDataStatus::kAccepted; break;
    case SSL_EARLY_DATA_REJECTED: in.early_data_status = EarlyDataStatus::kRejected; break;
    default: in.early_data_status = EarlyDataStatus::kNotSent; break;
  }
  in.client_random.resize(SSL_get_client_random(ssl, nullptr, 0));
  SSL_get_client_random(ssl, in.client_random.data(), in.client_random.size());
  in.server_random.resize(SSL_get_server_random(ssl, nullptr, 0));
  SSL_get_server_random(ssl, in.server_random.data(), in.server_random.size());
  std::uint8_t own[64], peer[64];
  const std::size_t own_len = std::min(SSL_get_finished(ssl, own, sizeof(own)), sizeof(own));
  const std::size_t peer_len = std::min(SSL_get_peer_finished(ssl, peer, sizeof(peer)), sizeof(peer));
  const bool client = impl_->config.role == Role::kClient;
  (client ? in.client_finished : in.server_finished).assign(own, own + own_len);
  (client ? in.server_finished : in.client_finished).assign(peer, peer + peer_len);
  if (X509* cert = SSL_get0_peer_certificate(ssl)) {
    BIO* mem = BIO_new(BIO_s_mem());
    if (mem != nullptr) {
      X509_NAME_print_ex(mem, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
      char* data = nullptr;
      const long n = BIO_get_mem_data(mem, &data);
      if (n > 0) in.peer_subject.assign(data, static_cast<std::size_t>(n));
      BIO_free(mem);
    }
  }
  DrainErrors();
}

std::optional<std::vector<std::uint8_t>> Peer::ExportKeyingMaterial(const std::string& label,
                                                                    const std::vector<std::uint8_t>* context,
                                                                    std::size_t length) {
  if (state_ != State::kConnected && state_ != State::kClosed) return std::nullopt;
  std::vector<std::uint8_t> out(length);
  static const unsigned char kEmpty[1] = {0};
  const unsigned char* ctx_ptr = context == nullptr ? nullptr : (context->empty() ? kEmpty : context->data());
  const int r = SSL_export_keying_material(impl_->ssl, out.data(), out.size(), label.data(), label.size(), ctx_ptr,
                                           context == nullptr ? 0 : context->size(), context == nullptr ? 0 : 1);
  if (r != 1) {
    DrainErrors();
    return std::nullopt;
  }
  return out;
}

std::optional<std::vector<std::uint8_t>> Peer::ExportKeyingMaterialEarly(const std::string& label,
                                                                         const std::vector<std::uint8_t>& context,
                                                                         std::size_t length) {
  if (state_ == State::kFailed) return std::nullopt;
  std::vector<std::uint8_t> out(length);
  static const unsigned char kEmpty[1] = {0};
  const int r = SSL_export_keying_material_early(impl_->ssl, out.data(), out.size(), label.data(), label.size(),
                                                 context.empty() ? kEmpty : context.data(), context.size());
  if (r != 1) {
    DrainErrors();
    return std::nullopt;
  }
  return out;
}

}  // namespace opensslp::libssl_peer
