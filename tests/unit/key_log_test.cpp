// key_log_test.cpp - the key log (core/key_log.h, docs/key-log.md): how the transcript finds the
// ClientHello random (core/client_random.h) in RFC 8448's ClientHellos, the file's form under
// concurrent writers, and what happens when it is off or cannot be opened. The lines a real
// handshake produces are checked against RFC 8448's secrets in tls13_rfc8448_test.cpp and against
// libssl's own key log and tshark in tests/cli/keylog_test.sh.
#include <gtest/gtest.h>

#include <regex>
#if !defined(_WIN32)
#include <sys/stat.h>
#endif
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/client_random.h"
#include "core/key_log.h"
#include "core/transcript.h"
#include "key_log_scope.h"
#include "opensslp/opensslp.h"
#include "sslprovider.h"
#include "support/bytes.h"
#include "support/vector_file.h"
#include "support/wide.h"

namespace opensslp {
namespace {

using test::ByteVec;
using test::Hex;
using test::KeyLogScope;
using test::ReadLines;
using test::TempFile;

ByteVec VectorHex(const char* file_name, const char* key) {
  test::VectorFile file;
  std::string error;
  EXPECT_TRUE(test::VectorFile::Load(test::VectorPath(file_name), &file, &error)) << error;
  return file.records().at(0).Hex(key);
}

// The random as the RFC's ClientHello carries it: bytes 6..37 (4-byte header, legacy_version).
std::string RandomOf(const ByteVec& client_hello) {
  return Hex(ByteVec(client_hello.begin() + 6, client_hello.begin() + 38));
}

std::string ScannedRandom(const std::vector<ByteVec>& pieces) {
  ClientRandomScanner scanner;
  for (const ByteVec& p : pieces) scanner.Feed(p);
  if (!scanner.random()) return "none";
  return Hex(ByteVec(scanner.random()->begin(), scanner.random()->end()));
}

TEST(ClientRandomScanner, FindsTheRandomOfAWholeClientHello) {
  const ByteVec ch = VectorHex("tls13_rfc8448_1rtt.txt", "client_hello");
  EXPECT_EQ(ScannedRandom({ch}), "cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7");
  EXPECT_EQ(ScannedRandom({ch}), RandomOf(ch));
}

TEST(ClientRandomScanner, FindsItAcrossPiecesOfAnySize) {
  const ByteVec ch = VectorHex("tls13_rfc8448_resumption.txt", "client_hello");
  for (std::size_t piece : {1u, 2u, 3u, 5u, 7u, 31u, 37u, 38u}) {
    std::vector<ByteVec> pieces;
    for (std::size_t i = 0; i < ch.size(); i += piece) {
      pieces.emplace_back(ch.begin() + i, ch.begin() + std::min(ch.size(), i + piece));
    }
    EXPECT_EQ(ScannedRandom(pieces), RandomOf(ch)) << "pieces of " << piece;
  }
}

// After a HelloRetryRequest the transcript is message_hash, HelloRetryRequest, ClientHello2
// (RFC 8446 §4.4.1), and ClientHello2 repeats ClientHello1's random (§4.1.2): RFC 8448 §5.
TEST(ClientRandomScanner, SkipsMessageHashAndHelloRetryRequest) {
  const ByteVec ch1 = VectorHex("tls13_rfc8448_hrr.txt", "client_hello_1");
  const ByteVec ch2 = VectorHex("tls13_rfc8448_hrr.txt", "client_hello_2");
  const ByteVec hrr = VectorHex("tls13_rfc8448_hrr.txt", "hello_retry_request");
  ByteVec message_hash = {254, 0, 0, 32};
  message_hash.resize(36, 0xab);
  ByteVec stream = message_hash;
  stream.insert(stream.end(), hrr.begin(), hrr.end());
  stream.insert(stream.end(), ch2.begin(), ch2.end());
  EXPECT_EQ(ScannedRandom({stream}), RandomOf(ch1));
  EXPECT_EQ(ScannedRandom({message_hash, hrr, ch2}), RandomOf(ch2));
}

TEST(ClientRandomScanner, KeepsTheFirstClientHelloOnly) {
  const ByteVec a = VectorHex("tls13_rfc8448_1rtt.txt", "client_hello");
  const ByteVec b = VectorHex("tls13_rfc8448_resumption.txt", "client_hello");
  EXPECT_EQ(ScannedRandom({a, b}), RandomOf(a));
}

TEST(ClientRandomScanner, GivesUpOnWhatIsNoClientHello) {
  const ByteVec sh = VectorHex("tls13_rfc8448_1rtt.txt", "server_hello");
  const ByteVec ch = VectorHex("tls13_rfc8448_1rtt.txt", "client_hello");
  EXPECT_EQ(ScannedRandom({}), "none");
  EXPECT_EQ(ScannedRandom({sh}), "none");
  // A ClientHello too short to hold a random, then a real one: the scanner has given up.
  EXPECT_EQ(ScannedRandom({ByteVec{1, 0, 0, 20}, ByteVec(20, 0), ch}), "none");
  // Four other messages first: it stops looking before the ClientHello.
  EXPECT_EQ(ScannedRandom({sh, sh, sh, sh, ch}), "none");
  EXPECT_EQ(ScannedRandom({sh, sh, sh, ch}), RandomOf(ch));
  // A truncated ClientHello that still holds the random is enough.
  EXPECT_EQ(ScannedRandom({ByteVec(ch.begin(), ch.begin() + 38)}), RandomOf(ch));
  EXPECT_EQ(ScannedRandom({ByteVec(ch.begin(), ch.begin() + 37)}), "none");
}

// The transcript object scans what SslHashHandshake hashes, and a duplicate keeps it.
TEST(ClientRandomScanner, TranscriptsAndTheirDuplicatesKnowTheirRandom) {
  const ByteVec ch = VectorHex("tls13_rfc8448_1rtt.txt", "client_hello");
  auto hash = HandshakeHash::CreateHandshake(TLS1_3_PROTOCOL_VERSION, TLS_AES_128_GCM_SHA256);
  ASSERT_TRUE(hash.ok());
  EXPECT_FALSE(hash.value()->FirstClientRandom().has_value());
  ASSERT_TRUE(hash.value()->Update(ByteVec(ch.begin(), ch.begin() + 10)).ok());
  auto early_copy = hash.value()->Duplicate();
  ASSERT_TRUE(hash.value()->Update(ByteVec(ch.begin() + 10, ch.end())).ok());
  const std::optional<ClientRandom> random = hash.value()->FirstClientRandom();
  ASSERT_TRUE(random.has_value());
  EXPECT_EQ(Hex(ByteVec(random->begin(), random->end())), RandomOf(ch));
  auto late_copy = hash.value()->Duplicate();
  ASSERT_TRUE(late_copy.ok());
  EXPECT_EQ(late_copy.value()->FirstClientRandom(), hash.value()->FirstClientRandom());
  ASSERT_TRUE(early_copy.ok());
  ASSERT_TRUE(early_copy.value()->Update(ByteVec(ch.begin() + 10, ch.end())).ok());
  EXPECT_EQ(early_copy.value()->FirstClientRandom(), hash.value()->FirstClientRandom())
      << "a copy made mid-ClientHello goes on scanning where the original was";
}

// ---- the file ---------------------------------------------------------------------------------

std::string KeyLogProperty() {
  NCRYPT_PROV_HANDLE prov = 0;
  EXPECT_EQ(SslOpenProvider(&prov, nullptr, 0), 0);
  PBYTE out = nullptr;
  DWORD len = 0;
  EXPECT_EQ(SslGetProviderProperty(prov, OPENSSLP_PROPERTY_KEY_LOG, &out, &len, nullptr, 0), 0);
  std::string text;
  for (DWORD i = 0; out != nullptr && i + 1 < len / 2; ++i) {
    text.push_back(static_cast<char>(reinterpret_cast<const char16_t*>(out)[i]));
  }
  SslFreeBuffer(out);
  SslFreeObject(prov, 0);
  return text;
}

TEST(KeyLog, OffWhenNotConfigured) {
  KeyLogScope off("");
  EXPECT_FALSE(key_log::Enabled());
  const ClientRandom random{};
  const ByteVec secret(48, 7);
  key_log::Write("CLIENT_RANDOM", random, secret);  // a no-op
  EXPECT_EQ(key_log::State().lines, 0u);
  EXPECT_EQ(KeyLogProperty(), "off");
}

TEST(KeyLog, LinesInTheNssFormat) {
  TempFile file;
  KeyLogScope on(file.path());
  ASSERT_TRUE(key_log::Enabled()) << key_log::State().error;
  ClientRandom random;
  for (std::size_t i = 0; i < random.size(); ++i) random[i] = static_cast<std::uint8_t>(i);
  ByteVec secret(48);
  for (std::size_t i = 0; i < secret.size(); ++i) secret[i] = static_cast<std::uint8_t>(0xA0 + i % 16);
  key_log::Write("CLIENT_RANDOM", random, secret);
  key_log::WriteIfNamed("EXPORTER_SECRET", std::nullopt, secret);  // no random: not written
  const std::vector<std::string> lines = ReadLines(file.path());
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0],
            "CLIENT_RANDOM 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f "
            "a0a1a2a3a4a5a6a7a8a9aaabacadaeafa0a1a2a3a4a5a6a7a8a9aaabacadaeafa0a1a2a3a4a5a6a7a8a9aaabacadaeaf");
  const key_log::KeyLogState state = key_log::State();
  EXPECT_EQ(state.lines, 1u);
  EXPECT_EQ(state.unnamed, 1u);
  EXPECT_EQ(KeyLogProperty().rfind("on: " + file.path() + " (", 0), 0u) << KeyLogProperty();
}

// Many threads, one file: every line arrives whole (one write per line, O_APPEND /
// FILE_APPEND_DATA), none lost.
TEST(KeyLog, ConcurrentWritersNeverInterleave) {
  TempFile file;
  KeyLogScope on(file.path());
  ASSERT_TRUE(key_log::Enabled());
  constexpr int kThreads = 8, kLines = 400;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t] {
      ClientRandom random;
      random.fill(static_cast<std::uint8_t>(t));
      for (int i = 0; i < kLines; ++i) {
        ByteVec secret(32 + (i % 2) * 16, static_cast<std::uint8_t>(i));
        key_log::Write(i % 2 ? "CLIENT_TRAFFIC_SECRET_0" : "SERVER_HANDSHAKE_TRAFFIC_SECRET", random, secret);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  const std::vector<std::string> lines = ReadLines(file.path());
  ASSERT_EQ(lines.size(), static_cast<std::size_t>(kThreads * kLines));
  const std::regex form("(CLIENT_TRAFFIC_SECRET_0 [0-9a-f]{64} [0-9a-f]{96}|"
                        "SERVER_HANDSHAKE_TRAFFIC_SECRET [0-9a-f]{64} [0-9a-f]{64})");
  std::set<std::string> distinct;
  for (const std::string& line : lines) {
    ASSERT_TRUE(std::regex_match(line, form)) << line;
    distinct.insert(line);
  }
  // Each thread wrote 256 distinct lines (secret byte i mod 256), so 8 * 256 distinct ones.
  EXPECT_EQ(distinct.size(), static_cast<std::size_t>(kThreads * 256));
  EXPECT_EQ(key_log::State().failed_writes, 0u);
}

// A file that cannot be opened: the log stays off, says why, and nothing fails.
TEST(KeyLog, AFileThatCannotBeOpenedLeavesItOffAndSaysWhy) {
  TempFile file;
  KeyLogScope on(file.path() + "/no-such-directory/keylog.txt");
  EXPECT_FALSE(key_log::Enabled());
  const key_log::KeyLogState state = key_log::State();
  EXPECT_FALSE(state.enabled);
  EXPECT_FALSE(state.error.empty());
  EXPECT_EQ(KeyLogProperty().rfind("failed: ", 0), 0u) << KeyLogProperty();
  // A TLS 1.3 derivation goes on working.
  NCRYPT_PROV_HANDLE prov = 0;
  ASSERT_EQ(SslOpenProvider(&prov, nullptr, 0), 0);
  NCRYPT_KEY_HANDLE early = 0;
  EXPECT_EQ(SslExtractEarlyKey(prov, 0, &early, TLS1_3_PROTOCOL_VERSION, TLS_AES_128_GCM_SHA256, nullptr, 0), 0);
  SslFreeObject(early, 0);
  SslFreeObject(prov, 0);
}

#if !defined(_WIN32)
// A write that fails (a full disk: /dev/full) costs the line, never the call, and is counted.
TEST(KeyLog, AFailedWriteIsCountedAndNothingElse) {
  KeyLogScope on("/dev/full");
  ASSERT_TRUE(key_log::Enabled()) << key_log::State().error;
  ClientRandom random{};
  const ByteVec secret(32, 1);
  key_log::Write("CLIENT_TRAFFIC_SECRET_0", random, secret);
  key_log::Write("SERVER_TRAFFIC_SECRET_0", random, secret);
  const key_log::KeyLogState state = key_log::State();
  EXPECT_EQ(state.lines, 0u);
  EXPECT_EQ(state.failed_writes, 2u);
}

// Files the log must not write to: one open to other users (not repaired: whoever opened it while
// it was readable would keep reading), a symbolic link, a FIFO (a writer could block or get
// SIGPIPE), a file with a second hard link. Each leaves the log off and says why.
TEST(KeyLog, RefusesFilesOthersCouldRead) {
  namespace fs = std::filesystem;
  TempFile file, target, fifo, linked;
  {
    std::ofstream create(file.path());
  }
  fs::permissions(file.path(), fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                                   fs::perms::others_read);
  {
    KeyLogScope on(file.path());
    EXPECT_FALSE(key_log::Enabled());
    EXPECT_NE(key_log::State().error.find("open to other users"), std::string::npos) << key_log::State().error;
  }
  {
    std::ofstream create(target.path());
  }
  fs::permissions(target.path(), fs::perms::owner_read | fs::perms::owner_write);
  fs::create_symlink(target.path(), linked.path());
  {
    KeyLogScope on(linked.path());
    EXPECT_FALSE(key_log::Enabled());
    EXPECT_NE(key_log::State().error.find("symbolic link"), std::string::npos) << key_log::State().error;
  }
  fs::remove(linked.path());
  fs::create_hard_link(target.path(), linked.path());
  {
    KeyLogScope on(target.path());
    EXPECT_FALSE(key_log::Enabled());
    EXPECT_NE(key_log::State().error.find("hard link"), std::string::npos) << key_log::State().error;
  }
  ASSERT_EQ(mkfifo(fifo.path().c_str(), 0600), 0);
  {
    // No reader: the non-blocking open fails (ENXIO) instead of waiting; with a reader it would be
    // refused as "not a regular file or a character device".
    KeyLogScope on(fifo.path());
    EXPECT_FALSE(key_log::Enabled());
    EXPECT_FALSE(key_log::State().error.empty());
  }
  // The same file, private and with one link, is used.
  fs::remove(linked.path());
  KeyLogScope on(target.path());
  EXPECT_TRUE(key_log::Enabled()) << key_log::State().error;
}
#endif

// The extended master secret's session hash names its connection once SslComputeSessionHash has
// seen it (the only way when the parameter list has no client random).
TEST(KeyLog, SessionHashesRememberTheirClientRandom) {
  TempFile file;
  KeyLogScope on(file.path());
  ASSERT_TRUE(key_log::Enabled());
  ClientRandom random;
  random.fill(0x42);
  const ByteVec hash(32, 0x17), other(32, 0x18);
  key_log::RememberSessionHash(hash, random);
  EXPECT_EQ(key_log::ClientRandomForSessionHash(hash), random);
  EXPECT_FALSE(key_log::ClientRandomForSessionHash(other).has_value());
  // The memory holds the last 256.
  for (int i = 0; i < 256; ++i) {
    ByteVec h(48, static_cast<std::uint8_t>(i));
    key_log::RememberSessionHash(h, random);
  }
  EXPECT_FALSE(key_log::ClientRandomForSessionHash(hash).has_value());
}

}  // namespace
}  // namespace opensslp
