// tls_cli.cpp - options, socket plumbing and messages shared by connect, serve and demo.
#include "tls_cli.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "opensslp/opensslp.h"
#include "tlswire/tlswire.h"

namespace opensslp::cli {
namespace {

std::vector<std::string> SplitCommas(const std::string& text) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    std::size_t comma = text.find(',', start);
    std::string part = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!part.empty()) parts.push_back(part);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return parts;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

bool ParseVersion(const std::string& text, std::uint16_t* version) {
  if (text == "1.0" || text == "TLS1.0" || text == "tls1")
    *version = tlswire::kTls10;
  else if (text == "1.1" || text == "TLS1.1" || text == "tls1_1")
    *version = tlswire::kTls11;
  else if (text == "1.2" || text == "TLS1.2" || text == "tls1_2")
    *version = tlswire::kTls12;
  else if (text == "1.3" || text == "TLS1.3" || text == "tls1_3")
    *version = tlswire::kTls13;
  else
    return false;
  return true;
}

// Suite name -> IANA id from the provider's own catalog, so the tool knows no suite facts itself.
bool LookupSuite(NCRYPT_PROV_HANDLE provider, const std::string& name, std::uint16_t* id) {
  if (name.size() > 2 && (name[0] == '0') && (name[1] == 'x' || name[1] == 'X')) {
    char* end = nullptr;
    unsigned long value = std::strtoul(name.c_str() + 2, &end, 16);
    if (*end != 0 || value == 0 || value > 0xFFFF) return false;
    *id = static_cast<std::uint16_t>(value);
    return true;
  }
  void* state = nullptr;
  bool found = false;
  for (;;) {
    NCRYPT_SSL_CIPHER_SUITE* entry = nullptr;
    if (SslEnumCipherSuites(provider, 0, &entry, &state, 0) != 0) break;
    if (!found && EqualsIgnoreCase(ToUtf8(entry->szCipherSuite, NCRYPT_SSL_MAX_NAME_SIZE), name)) {
      *id = static_cast<std::uint16_t>(entry->dwCipherSuite);
      found = true;
    }
    (void)SslFreeBuffer(entry);
  }
  if (state != nullptr) (void)SslFreeBuffer(state);
  return found;
}

// Group name -> IANA id: the provider's curve names (SslEnumEccCurves) plus the usual aliases.
bool LookupGroup(NCRYPT_PROV_HANDLE provider, const std::string& name, std::uint16_t* id) {
  static constexpr struct {
    const char* alias;
    std::uint16_t id;
  } kAliases[] = {{"x25519", 29}, {"x448", 30},      {"P-256", 23}, {"secp256r1", 23}, {"prime256v1", 23},
                  {"P-384", 24},  {"secp384r1", 24}, {"P-521", 25}, {"secp521r1", 25}};
  for (const auto& a : kAliases) {
    if (EqualsIgnoreCase(a.alias, name)) {
      *id = a.id;
      return true;
    }
  }
  DWORD count = 0;
  NCRYPT_SSL_ECC_CURVE* curves = nullptr;
  if (SslEnumEccCurves(provider, &count, &curves, 0) != 0) return false;
  bool found = false;
  for (DWORD i = 0; i < count && !found; ++i) {
    if (EqualsIgnoreCase(ToUtf8(curves[i].szCurveName, MSCRYPT_ECC_MAX_CURVE_NAME_LENGTH), name)) {
      *id = static_cast<std::uint16_t>(curves[i].dwCurveType);
      found = true;
    }
  }
  (void)SslFreeBuffer(curves);
  return found;
}

void SetEnvironment(const char* name, const std::string& value) {
#if defined(_WIN32)
  _putenv_s(name, value.c_str());
#else
  setenv(name, value.c_str(), 1);
#endif
}

}  // namespace

bool TakeOption(Args* args, std::string_view name, std::string* value, bool* ok) {
  for (std::size_t i = 0; i < args->size(); ++i) {
    if ((*args)[i] != name) continue;
    if (i + 1 >= args->size()) {
      std::cerr << "opensslp: option " << name << " needs a value\n";
      *ok = false;
      return false;
    }
    *value = (*args)[i + 1];
    args->erase(args->begin() + static_cast<std::ptrdiff_t>(i), args->begin() + static_cast<std::ptrdiff_t>(i) + 2);
    return true;
  }
  return false;
}

bool TakeFlag(Args* args, std::string_view name) {
  auto it = std::find(args->begin(), args->end(), name);
  if (it == args->end()) return false;
  args->erase(it);
  return true;
}

bool ParseTlsOptions(std::string_view command, Args* args, tlsdriver::Config* config) {
  bool ok = true;
  std::string value;
  if (TakeOption(args, "--min", &value, &ok) && !ParseVersion(value, &config->min_version)) {
    std::cerr << "opensslp " << command << ": --min " << value << ": expected 1.0, 1.1, 1.2 or 1.3\n";
    return false;
  }
  if (TakeOption(args, "--max", &value, &ok) && !ParseVersion(value, &config->max_version)) {
    std::cerr << "opensslp " << command << ": --max " << value << ": expected 1.0, 1.1, 1.2 or 1.3\n";
    return false;
  }
  // --tls1.2 / --tls1.3 pin one version.
  const bool pin12 = TakeFlag(args, "--tls1.2");
  const bool pin13 = TakeFlag(args, "--tls1.3");
  if (pin12 && pin13) {
    std::cerr << "opensslp " << command << ": --tls1.2 and --tls1.3 exclude each other\n";
    return false;
  }
  if (pin12) config->min_version = config->max_version = tlswire::kTls12;
  if (pin13) config->min_version = config->max_version = tlswire::kTls13;
  if (ok && config->min_version > config->max_version) {
    std::cerr << "opensslp " << command << ": --min is above --max\n";
    return false;
  }
  std::string suites;
  std::string groups;
  const bool have_suites = TakeOption(args, "--suites", &suites, &ok);
  const bool have_groups = TakeOption(args, "--groups", &groups, &ok);
  if (TakeFlag(args, "--no-ems")) config->extended_master_secret = false;
  if (TakeFlag(args, "--require-ems")) config->require_extended_master_secret = true;
  if (!ok) return false;
  if (have_suites || have_groups) {
    ProviderHandle provider;
    if (!provider.Open()) return false;
    for (const std::string& name : SplitCommas(suites)) {
      std::uint16_t id = 0;
      if (!LookupSuite(provider.get(), name, &id)) {
        std::cerr << "opensslp " << command << ": unknown cipher suite '" << name << "' (see 'opensslp suites')\n";
        return false;
      }
      config->cipher_suites.push_back(id);
    }
    for (const std::string& name : SplitCommas(groups)) {
      std::uint16_t id = 0;
      if (!LookupGroup(provider.get(), name, &id)) {
        std::cerr << "opensslp " << command << ": unknown group '" << name << "' (see 'opensslp curves')\n";
        return false;
      }
      config->groups.push_back(id);
    }
  }
  return true;
}

bool TakePskOptions(std::string_view command, Args* args, tlsdriver::Config* config) {
  bool ok = true;
  std::string identity, hex, suite;
  const bool have_identity = TakeOption(args, "--psk-identity", &identity, &ok);
  const bool have_key = TakeOption(args, "--psk", &hex, &ok);
  if (!ok) return false;
  if (have_identity != have_key) {
    std::cerr << "opensslp " << command << ": --psk-identity and --psk go together\n";
    return false;
  }
  if (!have_key) return true;
  tlsdriver::ExternalPsk psk;
  psk.identity.assign(identity.begin(), identity.end());
  if (hex.empty() || hex.size() % 2 != 0 || hex.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) {
    std::cerr << "opensslp " << command << ": --psk expects the key in hex\n";
    return false;
  }
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    psk.key.push_back(static_cast<std::uint8_t>(std::stoul(hex.substr(i, 2), nullptr, 16)));
  }
  psk.cipher_suite = 0x1301;  // TLS_AES_128_GCM_SHA256, as openssl s_client/s_server -psk use
  psk.max_early_data = 16384;
  config->external_psk = std::move(psk);
  return true;
}

std::shared_ptr<const tlsdriver::Ticket> FetchTicket(const tlsdriver::Config& config, const std::string& host,
                                                     std::uint16_t port, std::string* error) {
  std::unique_ptr<tlsdriver::Connection> connection = tlsdriver::Connection::Create(config, error);
  if (!connection) return nullptr;
  Socket socket = ConnectTcp(host, port, error);
  if (!socket.valid() || !HandshakeOverSocket(*connection, socket, error)) return nullptr;
  if (connection->info().version != tlswire::kTls13) {
    *error = "the server negotiated " + VersionName(connection->info().version) + ": no TLS 1.3 ticket";
    return nullptr;
  }
  std::vector<std::uint8_t> buffer(1 << 16);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  std::shared_ptr<const tlsdriver::Ticket> ticket;
  while (!(ticket = connection->TakeTicket()) && std::chrono::steady_clock::now() < deadline) {
    if (!socket.WaitReadable(100)) continue;
    const long n = socket.Receive(buffer, error);
    if (n <= 0) break;
    connection->ReceiveBytes(std::span(buffer.data(), static_cast<std::size_t>(n)));
    if (connection->Process() == tlsdriver::State::kFailed) break;
  }
  connection->Close();
  const std::vector<std::uint8_t> out = connection->TakeBytesToSend();
  std::string ignored;
  (void)socket.SendAll(out, &ignored);
  if (!ticket) *error = "the server sent no session ticket";
  return ticket;
}

std::string VersionName(std::uint16_t version) { return ProtocolName(version); }

std::string DescribeFailure(const tlsdriver::Failure& failure) {
  std::string text;
  if (failure.alert_received) {
    text = std::string("the peer sent alert ") + tlswire::AlertName(failure.alert);
  } else if (failure.alert_sent) {
    text = std::string("sent alert ") + tlswire::AlertName(failure.alert);
  }
  // A received alert says it all; our reason would only repeat it.
  if (!failure.reason.empty() && !failure.alert_received) text += (text.empty() ? "" : ": ") + failure.reason;
  if (failure.provider_status != 0) {
    text += " [" + StatusText(static_cast<SECURITY_STATUS>(failure.provider_status)) + "]";
  }
  return text.empty() ? "failed" : text;
}

void PrintSessionSummary(const tlsdriver::SessionInfo& info, bool verified_expected) {
  std::string group = info.group_name.empty() ? "(none: RSA key transport)" : info.group_name;
  if (info.dhe_bits != 0) group = "DHE " + std::to_string(info.dhe_bits) + "-bit";
  std::cerr << "version      : " << VersionName(info.version) << "\n"
            << "cipher suite : " << info.cipher_suite_name << "\n"
            << "group        : " << group << (info.hello_retry_request ? " (after HelloRetryRequest)" : "") << "\n";
  if (info.version <= tlswire::kTls12) {
    std::cerr << "extended master secret : " << (info.extended_master_secret ? "yes" : "no") << "\n";
  } else {
    const char* psk = info.psk == tlsdriver::PskMode::kResumption ? "yes (session ticket)"
                      : info.psk == tlsdriver::PskMode::kExternal ? "external PSK"
                                                                  : "no (full handshake)";
    const char* early = info.early_data == tlsdriver::EarlyData::kAccepted   ? "accepted"
                        : info.early_data == tlsdriver::EarlyData::kRejected ? "rejected"
                                                                             : "not offered";
    std::cerr << "resumed      : " << psk << "\n"
              << "early data   : " << early;
    if (info.early_data == tlsdriver::EarlyData::kAccepted) std::cerr << " (" << info.early_data_bytes << " bytes)";
    std::cerr << "\n";
  }
  if (info.client_certificate || !info.client_subject.empty()) {
    std::cerr << "client cert  : " << (info.client_subject.empty() ? "sent" : info.client_subject + " (verified)")
              << "\n";
  }
  if (info.psk != tlsdriver::PskMode::kNone && info.peer_subject.empty()) {
    // RFC 8446 §2.2: a PSK handshake authenticates the peer by the key, not by a certificate.
    std::cerr << "peer         : authenticated by the "
              << (info.psk == tlsdriver::PskMode::kResumption ? "resumed session" : "external PSK") << "\n";
  } else if (!info.peer_subject.empty() || verified_expected) {
    std::cerr << "peer         : " << (info.peer_subject.empty() ? "(no certificate)" : info.peer_subject)
              << (verified_expected ? (info.peer_verified ? " (verified)" : " (NOT verified)") : "") << "\n";
  }
  std::cerr.flush();
}

bool HandshakeOverSocket(tlsdriver::Connection& connection, Socket& socket, std::string* error) {
  std::vector<std::uint8_t> buffer(1 << 16);
  for (;;) {
    const tlsdriver::State state = connection.Process();
    std::vector<std::uint8_t> out = connection.TakeBytesToSend();
    if (!out.empty() && !socket.SendAll(out, error)) return false;
    if (state == tlsdriver::State::kConnected) return true;
    if (state == tlsdriver::State::kFailed) {
      *error = "handshake failed: " + DescribeFailure(connection.failure());
      return false;
    }
    if (state == tlsdriver::State::kClosed) {
      *error = "handshake failed: the peer closed the connection";
      return false;
    }
    if (!socket.WaitReadable(30000)) {
      *error = "handshake failed: no answer from the peer for 30 s";
      return false;
    }
    const long n = socket.Receive(buffer, error);
    if (n < 0) return false;
    if (n == 0) {
      *error = "handshake failed: the peer closed the TCP connection";
      return false;
    }
    connection.ReceiveBytes(std::span(buffer.data(), static_cast<std::size_t>(n)));
  }
}

namespace {

// stdin is read on its own thread (select() does not work on Windows console handles); the TLS
// connection itself is only touched by the relaying thread.
class StdinReader {
 public:
  StdinReader() : thread_([this] { Run(); }) { thread_.detach(); }
  // Moves what has been read so far into *data; true once stdin has ended.
  bool Take(std::vector<std::uint8_t>* data) {
    std::lock_guard<std::mutex> lock(state_->mutex);
    data->insert(data->end(), state_->pending.begin(), state_->pending.end());
    state_->pending.clear();
    return state_->ended;
  }

 private:
  struct State {
    std::mutex mutex;
    std::vector<std::uint8_t> pending;
    bool ended = false;
  };
  void Run() {
    auto state = state_;  // the thread may outlive the reader (it is detached, blocked in fread)
    char chunk[4096];
    for (;;) {
      const std::size_t n = std::fread(chunk, 1, sizeof(chunk), stdin);
      std::lock_guard<std::mutex> lock(state->mutex);
      state->pending.insert(state->pending.end(), chunk, chunk + n);
      if (n < sizeof(chunk) && (std::feof(stdin) || std::ferror(stdin))) {
        state->ended = true;
        return;
      }
    }
  }
  std::shared_ptr<State> state_ = std::make_shared<State>();
  std::thread thread_;
};

}  // namespace

bool RelayOverSocket(tlsdriver::Connection& connection, Socket& socket, bool echo, std::string* error) {
  std::unique_ptr<StdinReader> stdin_reader;
  if (!echo) stdin_reader = std::make_unique<StdinReader>();
  std::vector<std::uint8_t> buffer(1 << 16);
  bool close_sent = false;
  auto close_deadline = std::chrono::steady_clock::time_point::max();
  for (;;) {
    // Plaintext the driver has decrypted (some may have arrived with the peer's last handshake
    // flight, before this loop started).
    std::vector<std::uint8_t> data = connection.TakeReceivedData();
    if (echo) {
      // After the peer's close_notify nothing more may be sent but our own (RFC 5246 §7.2.1).
      if (!data.empty() && !close_sent && !connection.peer_closed() && !connection.Write(data)) {
        *error = "cannot echo: " + DescribeFailure(connection.failure());
        return false;
      }
    } else if (!data.empty()) {
      std::fwrite(data.data(), 1, data.size(), stdout);
      std::fflush(stdout);
    }
    if (connection.peer_closed() && !close_sent) {
      connection.Close();  // answer close_notify with close_notify (RFC 5246 §7.2.1)
      close_sent = true;
    }
    if (stdin_reader && !close_sent) {
      std::vector<std::uint8_t> input;
      const bool ended = stdin_reader->Take(&input);
      if (!input.empty() && !connection.Write(input)) {
        *error = "cannot send: " + DescribeFailure(connection.failure());
        return false;
      }
      if (ended) {
        connection.Close();
        close_sent = true;
        close_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
      }
    }
    std::vector<std::uint8_t> out = connection.TakeBytesToSend();
    if (!out.empty() && !socket.SendAll(out, error)) return false;
    if (connection.state() == tlsdriver::State::kFailed) {
      *error = DescribeFailure(connection.failure());
      return false;
    }
    if (connection.peer_closed() || (close_sent && std::chrono::steady_clock::now() > close_deadline)) {
      return true;
    }
    if (!socket.WaitReadable(50)) continue;
    const long n = socket.Receive(buffer, error);
    if (n < 0) return false;
    if (n == 0) {
      if (close_sent) return true;  // we said goodbye; the peer just hung up
      // RFC 5246 §7.2.1: a TCP end without close_notify may be a truncation attack.
      *error = "the peer closed the TCP connection without close_notify (data may be truncated)";
      return false;
    }
    connection.ReceiveBytes(std::span(buffer.data(), static_cast<std::size_t>(n)));
    connection.Process();
  }
}

TemporaryKeyStore::~TemporaryKeyStore() {
  if (!directory_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(directory_, ignored);
  }
}

bool TemporaryKeyStore::Create(const std::string& chain_file, const std::string& key_file, std::string* error) {
  // The key store is keyed by the SHA-1 thumbprint of the leaf's DER encoding (docs/key-store.md
  // §3); the leaf is the first certificate of the chain file.
  FILE* file = std::fopen(chain_file.c_str(), "rb");
  if (file == nullptr) {
    *error = "cannot open certificate file '" + chain_file + "'";
    return false;
  }
  X509* leaf = PEM_read_X509(file, nullptr, nullptr, nullptr);
  std::fclose(file);
  if (leaf == nullptr) {
    *error = "'" + chain_file + "' holds no PEM certificate";
    return false;
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_length = 0;
  const int digested = X509_digest(leaf, EVP_sha1(), digest, &digest_length);
  X509_free(leaf);
  if (digested != 1) {
    *error = "cannot compute the certificate's thumbprint";
    return false;
  }
  std::string thumbprint;
  char hex[3];
  for (unsigned i = 0; i < digest_length; ++i) {
    std::snprintf(hex, sizeof(hex), "%02x", digest[i]);
    thumbprint += hex;
  }
  std::error_code ec;
  const std::filesystem::path key_path = std::filesystem::absolute(key_file, ec);
  if (ec || !std::filesystem::exists(key_path)) {
    *error = "key file '" + key_file + "' does not exist";
    return false;
  }
  std::random_device random;
  const std::filesystem::path directory = std::filesystem::temp_directory_path(ec) /
                                          ("opensslp-serve-" + std::to_string(random()) + std::to_string(random()));
  if (ec || !std::filesystem::create_directory(directory, ec)) {
    *error = "cannot create a temporary key-store directory";
    return false;
  }
  std::filesystem::permissions(directory, std::filesystem::perms::owner_all, ec);
  directory_ = directory.string();
  const std::filesystem::path index = directory / "keys.index";
  std::ofstream out(index, std::ios::binary);
  out << "# written by opensslp serve for this process only\n" << thumbprint << " " << key_path.string() << "\n";
  out.close();
  if (!out) {
    *error = "cannot write the temporary key-store index";
    return false;
  }
  SetEnvironment(OPENSSLP_KEY_STORE_ENV, index.string());
  return true;
}

}  // namespace opensslp::cli
