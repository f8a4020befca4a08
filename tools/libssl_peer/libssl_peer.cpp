// libssl_peer.cpp - see libssl_peer.h.
#include "libssl_peer.h"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

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

}  // namespace

struct Peer::Impl {
  SSL_CTX* ctx = nullptr;
  SSL* ssl = nullptr;
  BIO* rbio = nullptr;  // owned by ssl
  BIO* wbio = nullptr;  // owned by ssl
  Peer* owner = nullptr;
  PeerConfig config;

  ~Impl() {
    SSL_free(ssl);
    SSL_CTX_free(ctx);
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

  static void MessageCallback(int /*write_p*/, int /*version*/, int content_type, const void* buf, size_t len, SSL* ssl,
                              void* /*arg*/) {
    if (content_type != SSL3_RT_HANDSHAKE || len < 4) return;
    Peer* peer = From(ssl);
    if (peer == nullptr) return;
    const auto* msg = static_cast<const std::uint8_t*>(buf);
    if (msg[0] == 0) return;  // HelloRequest is not part of the transcript (RFC 5246 §7.4.1.1)
    peer->info_.handshake_messages.emplace_back(msg, msg + len);
    if (msg[0] == 1) peer->info_.client_hello_extensions = ParseHelloExtensions(msg, len);
    if (msg[0] == 2) peer->info_.server_hello_extensions = ParseHelloExtensions(msg, len);
  }

  static void KeylogCallback(const SSL* ssl, const char* line) {
    Peer* peer = From(ssl);
    if (peer == nullptr) return;
    if (!peer->info_.keylog.empty()) peer->info_.keylog += "\n";
    peer->info_.keylog += line;
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

Peer::Peer() : impl_(std::make_unique<Impl>()) { impl_->owner = this; }

Peer::~Peer() = default;

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

  std::unique_ptr<Peer> peer(new Peer());
  Impl& im = *peer->impl_;
  im.config = config;
  const bool server = config.role == Role::kServer;
  im.ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
  if (im.ctx == nullptr) return fail("SSL_CTX_new failed");
  SSL_CTX* ctx = im.ctx;

  // Every setting explicit (see the header: no openssl.cnf influence).
  if (SSL_CTX_set_min_proto_version(ctx, min_v) != 1 || SSL_CTX_set_max_proto_version(ctx, max_v) != 1) {
    return fail("cannot set the protocol range");
  }
  const int level = config.security_level >= 0 ? config.security_level : (min_v < TLS1_2_VERSION ? 0 : 1);
  SSL_CTX_set_security_level(ctx, level);
  SSL_CTX_clear_options(ctx, ~static_cast<std::uint64_t>(0));
  std::uint64_t options = SSL_OP_NO_COMPRESSION | SSL_OP_NO_TLSv1_3;
  if (!config.session_tickets) options |= SSL_OP_NO_TICKET;
  if (!config.extended_master_secret) options |= SSL_OP_NO_EXTENDED_MASTER_SECRET;
  if (!config.encrypt_then_mac) options |= SSL_OP_NO_ENCRYPT_THEN_MAC;
  if (server) options |= SSL_OP_CIPHER_SERVER_PREFERENCE;
  SSL_CTX_set_options(ctx, options);
  SSL_CTX_set_keylog_callback(ctx, &Impl::KeylogCallback);
  // Each Peer has its own SSL_CTX, so every connection is a full handshake. A server keeps its
  // (private) cache so that its ServerHello carries a session id, as a real server's does; a
  // client never offers one.
  SSL_CTX_set_session_cache_mode(ctx, server ? SSL_SESS_CACHE_SERVER : SSL_SESS_CACHE_OFF);

  if (server) {
    for (const Credential& c : config.credentials) {
      if (SSL_CTX_use_certificate_chain_file(ctx, c.certificate_chain_file.c_str()) != 1) {
        return fail("cannot load certificate chain " + c.certificate_chain_file);
      }
      if (SSL_CTX_use_PrivateKey_file(ctx, c.private_key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
        return fail("cannot load private key " + c.private_key_file);
      }
      if (SSL_CTX_check_private_key(ctx) != 1) return fail("private key does not match " + c.certificate_chain_file);
    }
    if (!config.dhe_group.empty()) {
      EVP_PKEY_CTX* pctx = EVP_PKEY_CTX_new_from_name(nullptr, "DH", nullptr);
      EVP_PKEY* params = nullptr;
      OSSL_PARAM p[] = {
          OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char*>(config.dhe_group.c_str()), 0),
          OSSL_PARAM_construct_end()};
      const bool ok = pctx != nullptr && EVP_PKEY_paramgen_init(pctx) == 1 && EVP_PKEY_CTX_set_params(pctx, p) == 1 &&
                      EVP_PKEY_paramgen(pctx, &params) == 1;
      EVP_PKEY_CTX_free(pctx);
      if (!ok || SSL_CTX_set0_tmp_dh_pkey(ctx, params) != 1) {
        EVP_PKEY_free(params);
        return fail("cannot set DHE group " + config.dhe_group);
      }
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  } else {
    if (config.verify_peer) {
      if (config.ca_file.empty()) return fail("verify_peer needs ca_file");
      if (SSL_CTX_load_verify_locations(ctx, config.ca_file.c_str(), nullptr) != 1) {
        return fail("cannot load CA file " + config.ca_file);
      }
      SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    } else {
      SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
    }
  }

  im.ssl = SSL_new(ctx);
  if (im.ssl == nullptr) return fail("SSL_new failed");
  SSL* ssl = im.ssl;
  SSL_set_app_data(ssl, peer.get());
  SSL_set_info_callback(ssl, &Impl::InfoCallback);
  SSL_set_msg_callback(ssl, &Impl::MessageCallback);

  // Cipher list: exact IANA ids, mapped through libssl's own table.
  std::string list;
  if (config.cipher_suites.empty()) {
    list = "DEFAULT";
  } else {
    for (std::uint16_t id : config.cipher_suites) {
      const unsigned char bytes[2] = {static_cast<unsigned char>(id >> 8), static_cast<unsigned char>(id)};
      const SSL_CIPHER* c = SSL_CIPHER_find(ssl, bytes);
      if (c == nullptr) {
        char buf[64];
        std::snprintf(buf, sizeof(buf), "libssl does not know cipher suite 0x%04X", id);
        return fail(buf);
      }
      if (!list.empty()) list += ":";
      list += SSL_CIPHER_get_name(c);
    }
  }
  if (SSL_set_cipher_list(ssl, list.c_str()) != 1) return fail("SSL_set_cipher_list(" + list + ") failed");
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

State Peer::Process() {
  SSL* ssl = impl_->ssl;
  if (state_ == State::kFailed) return state_;
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
  SSL_SESSION* session = SSL_get_session(ssl);
  if (session != nullptr) {
    in.master_secret.resize(SSL_SESSION_get_master_key(session, nullptr, 0));
    SSL_SESSION_get_master_key(session, in.master_secret.data(), in.master_secret.size());
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

}  // namespace opensslp::libssl_peer
