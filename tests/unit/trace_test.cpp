// trace_test.cpp - the per-call trace (core/trace.h, docs/diagnostics.md): the lines real export
// calls write -- function, the kinds of the handles each resolved, status, reason, the check that
// fired (file:line: condition, in Debug and Release builds alike), process and thread id,
// duration -- at each level; switching files while running; a file that cannot be opened or
// written; many threads; and that no secret reaches the file.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#if defined(_WIN32)
#include <windows.h>
#else
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include "core/cipher_suites.h"
#include "core/trace.h"
#include "handles/handle_table.h"
#include "handles/lookup_log.h"
#include "record/session_key.h"
#include "sslprovider.h"
#include "support/bytes.h"
#include "support/provider_support.h"

namespace opensslp {
namespace {

using test::ByteVec;

std::uint64_t ThisProcessId() {
#if defined(_WIN32)
  return GetCurrentProcessId();
#else
  return static_cast<std::uint64_t>(getpid());
#endif
}

std::uint64_t ThisThreadId() {
#if defined(_WIN32)
  return GetCurrentThreadId();
#else
  return static_cast<std::uint64_t>(syscall(SYS_gettid));
#endif
}

// One line of the trace, taken apart (see docs/diagnostics.md#format).
struct Line {
  std::string time, function, kinds;
  std::uint64_t pid = 0, tid = 0, duration_us = 0;
  bool ok = false;
  std::string status, status_name, reason;  // failures
  std::string file, condition;              // failures with an origin
  int line = 0;
};

std::optional<Line> Parse(const std::string& text) {
  static const std::regex head(R"(^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z) pid=(\d+) tid=(\d+) (\w+)\((.*)$)");
  static const std::regex ok_tail(R"(^0 ok (\d+)us$)");
  static const std::regex fail_tail(
      R"(^0x([0-9A-F]{8}) (NTE_\w+) \[([a-z ]+)\] (\d+)us(?: at (src/[\w/.]+):(\d+): (.+)| \(no origin recorded\))$)");
  std::smatch m;
  if (!std::regex_match(text, m, head)) return std::nullopt;
  Line line;
  line.time = m[1];
  line.pid = std::stoull(m[2]);
  line.tid = std::stoull(m[3]);
  line.function = m[4];
  const std::string rest = m[5];
  // The kinds end at the first ") -> ": a kind's own parentheses are followed by ',' or ')'.
  const std::size_t arrow = rest.find(") -> ");
  if (arrow == std::string::npos) return std::nullopt;
  line.kinds = rest.substr(0, arrow);
  const std::string tail = rest.substr(arrow + 5);
  if (std::regex_match(tail, m, ok_tail)) {
    line.ok = true;
    line.duration_us = std::stoull(m[1]);
    return line;
  }
  if (!std::regex_match(tail, m, fail_tail)) return std::nullopt;
  line.status = m[1];
  line.status_name = m[2];
  line.reason = m[3];
  line.duration_us = std::stoull(m[4]);
  if (m[5].matched) {
    line.file = m[5];
    line.line = std::stoi(m[6]);
    line.condition = m[7];
  }
  return line;
}

std::vector<std::string> ReadLines(const std::string& file) {
  std::vector<std::string> lines;
  std::ifstream in(file, std::ios::binary);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Line `number` of a source file of this tree (src/...), to check an origin against the code.
std::string SourceLine(const std::string& file, int number) {
  std::ifstream in(std::string(OPENSSLP_TEST_DATA_DIR) + "/../../" + file, std::ios::binary);
  std::string text;
  for (int i = 0; i < number && std::getline(in, text); ++i) {
  }
  return text;
}

// Checks a failing call's line: this process and thread, the function, the handle kinds, the
// status and the origin, whose line in the source must contain the condition text as printed.
void ExpectFailure(const std::string& text, const std::string& function, const std::string& kinds,
                   const std::string& status, const std::string& status_name, const std::string& file,
                   const std::string& condition) {
  SCOPED_TRACE(text);
  const std::optional<Line> line = Parse(text);
  ASSERT_TRUE(line.has_value()) << "not a trace line";
  EXPECT_EQ(line->pid, ThisProcessId());
  EXPECT_EQ(line->tid, ThisThreadId());
  EXPECT_EQ(line->function, function);
  EXPECT_EQ(line->kinds, kinds);
  EXPECT_FALSE(line->ok);
  EXPECT_EQ(line->status, status);
  EXPECT_EQ(line->status_name, status_name);
  EXPECT_FALSE(line->reason.empty());
  EXPECT_LT(line->duration_us, 60u * 1000 * 1000);
  EXPECT_EQ(line->file, file);
  EXPECT_EQ(line->condition, condition);
  EXPECT_NE(SourceLine(line->file, line->line).find(condition), std::string::npos)
      << line->file << ":" << line->line << " is: " << SourceLine(line->file, line->line);
}

void ExpectSuccess(const std::string& text, const std::string& function, const std::string& kinds) {
  SCOPED_TRACE(text);
  const std::optional<Line> line = Parse(text);
  ASSERT_TRUE(line.has_value()) << "not a trace line";
  EXPECT_EQ(line->pid, ThisProcessId());
  EXPECT_EQ(line->tid, ThisThreadId());
  EXPECT_EQ(line->function, function);
  EXPECT_EQ(line->kinds, kinds);
  EXPECT_TRUE(line->ok);
  EXPECT_LT(line->duration_us, 60u * 1000 * 1000);
}

class Trace : public ::testing::Test {
 protected:
  void SetUp() override {
    // The configuration module applies its own trace setting (off, in a test environment) when it
    // first loads, at the first provider call: let that happen before the test switches the trace on.
    NCRYPT_PROV_HANDLE prov = opensslp_test::OpenProvider();
    EXPECT_EQ(SslFreeObject(prov, 0), 0);
    ASSERT_EQ(trace::CurrentLevel(), trace::Level::kOff) << "the trace must be off outside these tests";
    dir_ = std::filesystem::temp_directory_path() /
           ("opensslp-trace-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    trace::Configure(trace::Setting{});
    EXPECT_EQ(trace::CurrentLevel(), trace::Level::kOff);
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::string PathOf(const char* name) const { return (dir_ / name).string(); }
  void On(trace::Level level, const std::string& file) {
    trace::Configure(trace::Setting{level, file, "trace_test"});
    ASSERT_EQ(trace::CurrentLevel(), level) << trace::CurrentState().error;
  }

  // A TLS 1.2 AES-128-GCM record key, made directly (as record_exports_test.cpp does).
  NCRYPT_KEY_HANDLE RecordKey(RecordDirection direction, const ByteVec& key, const ByteVec& salt) {
    SessionKeyMaterial m;
    m.suite = FindCipherSuite(0xC02F);  // TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
    m.version = ProtocolVersion::kTls12;
    m.direction = direction;
    m.enc_key = SecretBytes(key);
    m.iv = SecretBytes(salt);
    auto k = CreateSessionKey(std::move(m));
    EXPECT_TRUE(k.ok());
    auto h = HandleTable::Global().Insert(k.value());
    EXPECT_TRUE(h.ok());
    return static_cast<NCRYPT_KEY_HANDLE>(h.value());
  }

  std::filesystem::path dir_;
};

// The default level: one line per failing call, none for a successful one.
TEST_F(Trace, FailuresLevelWritesOneLinePerFailingCall) {
  const std::string file = PathOf("failures.txt");
  On(trace::Level::kFailures, file);
  NCRYPT_PROV_HANDLE prov = 0;
  EXPECT_EQ(SslOpenProvider(&prov, nullptr, 1), NTE_BAD_FLAGS);
  prov = opensslp_test::OpenProvider();  // succeeds: no line
  const NCRYPT_PROV_HANDLE stale = opensslp_test::StaleProvider();
  EXPECT_EQ(SslFreeObject(stale, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslFreeObject(0, 0), NTE_INVALID_HANDLE);
  NCRYPT_HASH_HANDLE hash = 0;
  ASSERT_EQ(SslCreateHandshakeHash(prov, &hash, TLS1_2_PROTOCOL_VERSION, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, 0), 0);
  EXPECT_EQ(SslIncrementProviderReferenceCount(hash), NTE_INVALID_HANDLE);              // a hash for a provider
  EXPECT_EQ(SslFreeObject(static_cast<NCRYPT_HANDLE>(0x1000), 0), NTE_INVALID_HANDLE);  // no token's shape
  EXPECT_EQ(SslFreeObject(hash, 0), 0);
  EXPECT_EQ(SslFreeObject(prov, 0), 0);

  const std::vector<std::string> lines = ReadLines(file);
  ASSERT_EQ(lines.size(), 5u);
  ExpectFailure(lines[0], "SslOpenProvider", "", "80090009", "NTE_BAD_FLAGS", "src/abi/exports_provider.cpp",
                "RequireNoFlags(dwFlags)");
  ExpectFailure(lines[1], "SslFreeObject", "stale", "80090026", "NTE_INVALID_HANDLE", "src/abi/exports_provider.cpp",
                "table.LookupAny(static_cast<Handle>(hObject))");
  ExpectFailure(lines[2], "SslFreeObject", "null", "80090026", "NTE_INVALID_HANDLE", "src/abi/exports_provider.cpp",
                "table.LookupAny(static_cast<Handle>(hObject))");
  ExpectFailure(lines[3], "SslIncrementProviderReferenceCount", "wrong kind (handshake hash for provider)", "80090026",
                "NTE_INVALID_HANDLE", "src/abi/exports_provider.cpp", "RequireProvider(hSslProvider)");
  ExpectFailure(lines[4], "SslFreeObject", "not a handle", "80090026", "NTE_INVALID_HANDLE",
                "src/abi/exports_provider.cpp", "table.LookupAny(static_cast<Handle>(hObject))");
  EXPECT_NE(lines[0].find(" [bad flags] "), std::string::npos);
  EXPECT_NE(lines[1].find(" [invalid handle] "), std::string::npos);

  const trace::State state = trace::CurrentState();
  EXPECT_EQ(state.level, trace::Level::kFailures);
  EXPECT_EQ(state.file, file);
  EXPECT_EQ(state.source, "trace_test");
  EXPECT_EQ(state.error, "");
  EXPECT_GE(state.lines, 5u);
  EXPECT_EQ(state.failed_writes, 0u);
  for (const std::string& line : lines) std::printf("%s\n", line.c_str());  // for the reader
}

// The verbose level: every call, in call order, successes with "0 ok".
TEST_F(Trace, VerboseLevelWritesEveryCall) {
  const std::string file = PathOf("verbose.txt");
  On(trace::Level::kVerbose, file);
  NCRYPT_PROV_HANDLE prov = opensslp_test::OpenProvider();
  NCRYPT_HASH_HANDLE hash = 0;
  ASSERT_EQ(SslCreateHandshakeHash(prov, &hash, TLS1_2_PROTOCOL_VERSION, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, 0), 0);
  std::uint8_t hello[] = {1, 0, 0, 1, 0};
  EXPECT_EQ(SslHashHandshake(prov, hash, hello, sizeof hello, 0), 0);
  EXPECT_EQ(SslHashHandshake(prov, hash, hello, sizeof hello, 1), NTE_BAD_FLAGS);
  EXPECT_EQ(SslFreeObject(hash, 0), 0);
  EXPECT_EQ(SslFreeObject(prov, 0), 0);

  const std::vector<std::string> lines = ReadLines(file);
  ASSERT_EQ(lines.size(), 6u);
  ExpectSuccess(lines[0], "SslOpenProvider", "");
  ExpectSuccess(lines[1], "SslCreateHandshakeHash", "provider");
  ExpectSuccess(lines[2], "SslHashHandshake", "provider, handshake hash");
  {
    SCOPED_TRACE(lines[3]);
    const std::optional<Line> line = Parse(lines[3]);
    ASSERT_TRUE(line.has_value());
    EXPECT_EQ(line->function, "SslHashHandshake");
    EXPECT_EQ(line->status_name, "NTE_BAD_FLAGS");
    EXPECT_EQ(line->file.rfind("src/abi/", 0), 0u);
    EXPECT_NE(SourceLine(line->file, line->line).find(line->condition), std::string::npos);
  }
  ExpectSuccess(lines[4], "SslFreeObject", "handshake hash");
  ExpectSuccess(lines[5], "SslFreeObject", "provider");
}

TEST_F(Trace, OffWritesNothing) {
  const std::string file = PathOf("off.txt");
  trace::Configure(trace::Setting{trace::Level::kOff, file, "trace_test"});
  EXPECT_EQ(trace::CurrentLevel(), trace::Level::kOff);
  EXPECT_FALSE(lookup_log::On());
  NCRYPT_PROV_HANDLE prov = 0;
  EXPECT_EQ(SslOpenProvider(&prov, nullptr, 1), NTE_BAD_FLAGS);
  EXPECT_EQ(SslFreeObject(0, 0), NTE_INVALID_HANDLE);
  EXPECT_FALSE(std::filesystem::exists(file)) << "the file is not even opened";
  const trace::State state = trace::CurrentState();
  EXPECT_EQ(state.level, trace::Level::kOff);
  EXPECT_EQ(state.error, "");
}

// A reload may move the trace to another file (and level) while calls go on.
TEST_F(Trace, ReconfiguredToAnotherFile) {
  const std::string first = PathOf("first.txt"), second = PathOf("second.txt");
  On(trace::Level::kFailures, first);
  EXPECT_EQ(SslFreeObject(0, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslFreeObject(0, 1), NTE_BAD_FLAGS);
  On(trace::Level::kVerbose, second);
  EXPECT_EQ(SslFreeObject(0, 0), NTE_INVALID_HANDLE);
  NCRYPT_PROV_HANDLE prov = opensslp_test::OpenProvider();
  EXPECT_EQ(SslFreeObject(prov, 0), 0);
  trace::Configure(trace::Setting{});
  EXPECT_EQ(SslFreeObject(0, 0), NTE_INVALID_HANDLE);  // off again: nowhere

  const std::vector<std::string> a = ReadLines(first), b = ReadLines(second);
  ASSERT_EQ(a.size(), 2u);
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(Parse(a[0])->status_name, "NTE_INVALID_HANDLE");
  EXPECT_EQ(Parse(a[1])->status_name, "NTE_BAD_FLAGS");
  EXPECT_EQ(Parse(a[1])->kinds, "") << "the flags are checked before the handle";
  EXPECT_EQ(Parse(b[0])->kinds, "null");
  ExpectSuccess(b[1], "SslOpenProvider", "");
  ExpectSuccess(b[2], "SslFreeObject", "provider");
}

// A file that cannot be opened: the trace stays off and says why; calls are unaffected.
TEST_F(Trace, AFileThatCannotBeOpenedLeavesCallsWorking) {
  const std::string file = PathOf("no-such-directory/trace.txt");
  trace::Configure(trace::Setting{trace::Level::kVerbose, file, "trace_test"});
  EXPECT_EQ(trace::CurrentLevel(), trace::Level::kOff);
  const trace::State state = trace::CurrentState();
  EXPECT_EQ(state.level, trace::Level::kOff);
  EXPECT_EQ(state.file, file);
  EXPECT_FALSE(state.error.empty());
  NCRYPT_PROV_HANDLE prov = 0;
  EXPECT_EQ(SslOpenProvider(&prov, nullptr, 1), NTE_BAD_FLAGS);
  prov = opensslp_test::OpenProvider();
  EXPECT_EQ(SslFreeObject(prov, 0), 0);

  // No file named at all.
  trace::Configure(trace::Setting{trace::Level::kFailures, "", "trace_test"});
  EXPECT_EQ(trace::CurrentLevel(), trace::Level::kOff);
  EXPECT_EQ(trace::CurrentState().error, "no trace file is configured");
}

#if !defined(_WIN32)
// A write that fails (a full disk: /dev/full) costs the line, never the call, and is counted.
TEST_F(Trace, AFailedWriteIsCountedAndNothingElse) {
  On(trace::Level::kFailures, "/dev/full");
  const std::uint64_t failed_before = trace::CurrentState().failed_writes;
  EXPECT_EQ(SslFreeObject(0, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslFreeObject(0, 1), NTE_BAD_FLAGS);
  EXPECT_EQ(trace::CurrentState().failed_writes, failed_before + 2);
  EXPECT_EQ(trace::CurrentState().error, "");
}
#endif

// Many threads failing at once: every line whole, none lost, each with its own thread id.
TEST_F(Trace, ConcurrentCallsWriteWholeLines) {
  const std::string file = PathOf("threads.txt");
  On(trace::Level::kFailures, file);
  constexpr int kThreads = 4, kCalls = 150;
  std::vector<std::thread> threads;
  std::vector<std::uint64_t> tids(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &tids] {
      tids[t] = ThisThreadId();
      for (int i = 0; i < kCalls; ++i) {
        NCRYPT_PROV_HANDLE prov = 0;
        EXPECT_EQ(i % 2 ? SslOpenProvider(&prov, nullptr, 1) : SslFreeObject(0, 0),
                  i % 2 ? NTE_BAD_FLAGS : NTE_INVALID_HANDLE);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  const std::vector<std::string> lines = ReadLines(file);
  ASSERT_EQ(lines.size(), static_cast<std::size_t>(kThreads * kCalls));
  std::map<std::uint64_t, int> per_thread;
  for (const std::string& text : lines) {
    const std::optional<Line> line = Parse(text);
    ASSERT_TRUE(line.has_value()) << text;
    ASSERT_TRUE(line->function == "SslOpenProvider" || line->function == "SslFreeObject") << text;
    EXPECT_EQ(line->pid, ThisProcessId());
    ++per_thread[line->tid];
  }
  ASSERT_EQ(per_thread.size(), static_cast<std::size_t>(kThreads));
  for (std::uint64_t tid : tids) EXPECT_EQ(per_thread[tid], kCalls) << "thread " << tid;
}

// The record path is traced too (GuardRecord): its two handles, and a failing record's origin;
// the key, the plaintext and the record never appear.
TEST_F(Trace, RecordCallsAreTracedWithoutTheirData) {
  const std::string file = PathOf("records.txt");
  const ByteVec key(16, 0xA7), salt(4, 0x5C);
  NCRYPT_PROV_HANDLE prov = opensslp_test::OpenProvider();
  NCRYPT_KEY_HANDLE write = RecordKey(RecordDirection::kWrite, key, salt);
  NCRYPT_KEY_HANDLE read = RecordKey(RecordDirection::kRead, key, salt);
  On(trace::Level::kVerbose, file);

  const std::string secret_text = "attack at dawn, the plaintext nobody may see";
  ByteVec plain(secret_text.begin(), secret_text.end());
  ByteVec record(plain.size() + 64);
  DWORD written = 0;
  ASSERT_EQ(SslEncryptPacket(prov, write, plain.data(), static_cast<DWORD>(plain.size()), record.data(),
                             static_cast<DWORD>(record.size()), &written, 1, 23, 0),
            0);
  record.resize(written);
  ByteVec opened(record.size());
  DWORD opened_len = 0;
  record.back() ^= 1;  // a forged tag
  EXPECT_EQ(SslDecryptPacket(prov, read, record.data(), static_cast<DWORD>(record.size()), opened.data(),
                             static_cast<DWORD>(opened.size()), &opened_len, 1, 0),
            NTE_DECRYPTION_FAILURE);
  EXPECT_EQ(SslEncryptPacket(prov, read, plain.data(), static_cast<DWORD>(plain.size()), opened.data(),
                             static_cast<DWORD>(opened.size()), &written, 2, 23, 0),
            NTE_BAD_KEY_STATE);
  const NCRYPT_KEY_HANDLE stale = write;
  EXPECT_EQ(SslFreeObject(write, 0), 0);
  EXPECT_EQ(SslEncryptPacket(prov, stale, plain.data(), static_cast<DWORD>(plain.size()), opened.data(),
                             static_cast<DWORD>(opened.size()), &written, 3, 23, 0),
            NTE_INVALID_HANDLE);
  EXPECT_EQ(SslFreeObject(read, 0), 0);
  EXPECT_EQ(SslFreeObject(prov, 0), 0);

  const std::vector<std::string> lines = ReadLines(file);
  ASSERT_EQ(lines.size(), 7u);
  ExpectSuccess(lines[0], "SslEncryptPacket", "provider, session key");
  {
    SCOPED_TRACE(lines[1]);
    const std::optional<Line> line = Parse(lines[1]);
    ASSERT_TRUE(line.has_value());
    EXPECT_EQ(line->function, "SslDecryptPacket");
    EXPECT_EQ(line->kinds, "provider, session key");
    EXPECT_EQ(line->status_name, "NTE_DECRYPTION_FAILURE");
    EXPECT_EQ(line->reason, "record authentication failed");
    EXPECT_EQ(line->file.rfind("src/", 0), 0u);
    EXPECT_NE(SourceLine(line->file, line->line).find(line->condition), std::string::npos);
  }
  ExpectFailure(lines[2], "SslEncryptPacket", "provider, session key", "8009000B", "NTE_BAD_KEY_STATE",
                "src/abi/exports_records.cpp", "CanSeal(key->direction())");
  ExpectSuccess(lines[3], "SslFreeObject", "session key");
  ExpectFailure(lines[4], "SslEncryptPacket", "provider, stale", "80090026", "NTE_INVALID_HANDLE",
                "src/abi/exports_records.cpp", "RequireRecordKey(hSslProvider, hKey)");

  // Nothing of the data: the whole file is printable ASCII without the plaintext, the key or the
  // record, raw or in hex.
  std::ifstream in(file, std::ios::binary);
  const std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (char c : all) ASSERT_TRUE(c == '\n' || (c >= 0x20 && c < 0x7f)) << static_cast<int>(c);
  EXPECT_EQ(all.find("attack"), std::string::npos);
  EXPECT_EQ(all.find(test::Hex(ByteVec(plain.begin(), plain.begin() + 8))), std::string::npos);
  EXPECT_EQ(all.find("a7a7a7a7"), std::string::npos);
  EXPECT_EQ(all.find("A7A7A7A7"), std::string::npos);
  EXPECT_EQ(all.find(test::Hex(ByteVec(record.begin() + 5, record.begin() + 13))), std::string::npos);
}

// The line's fields, formatted from fixed inputs: the UTC time stamp (expected values from
// Python's datetime, not from this code), the handle kinds as the lookup log holds them, an origin
// path cut to src/, non-printable text replaced, an overlong line cut.
TEST(TraceFormat, TimeStampKindsAndOrigin) {
  struct Case {
    std::int64_t unix_us;
    const char* expected;
  };
  const Case cases[] = {
      {0, "1970-01-01T00:00:00.000000Z"},
      {1709210096789012, "2024-02-29T12:34:56.789012Z"},
      {1796666584123456, "2026-12-07T18:03:04.123456Z"},
      {951782400000001, "2000-02-29T00:00:00.000001Z"},
      {4102444799999999, "2099-12-31T23:59:59.999999Z"},
  };
  lookup_log::Reset();
  trace::Call call;
  call.function = "SslTest";
  call.process_id = 12;
  call.thread_id = 34;
  call.duration_us = 5;
  char out[1024];
  for (const Case& c : cases) {
    const std::size_t n = trace::FormatLine(call, c.unix_us, out, sizeof out);
    EXPECT_EQ(std::string(out, n), std::string(c.expected) + " pid=12 tid=34 SslTest() -> 0 ok 5us\n");
  }

  lookup_log::Record({lookup_log::Outcome::kFound, ObjectKind::kProvider, ObjectKind{}});
  lookup_log::Record({lookup_log::Outcome::kWrongKind, ObjectKind::kMasterKey, ObjectKind::kSessionKey});
  lookup_log::Record({lookup_log::Outcome::kWrongKind, ObjectKind::kSessionKey, ObjectKind{}});
  lookup_log::Record({lookup_log::Outcome::kStale, ObjectKind{}, ObjectKind{}});
  call.status = 0x80090026u;
  call.status_name = "NTE_INVALID_HANDLE";
  call.reason = "invalid handle";
  call.origin = ErrorOrigin{"/home/someone/src/opensslp/src/abi/exports_x.cpp", 88, "Require<X>(h)\n\x01"};
  std::size_t n = trace::FormatLine(call, 1796666584123456, out, sizeof out);
  EXPECT_EQ(std::string(out, n),
            "2026-12-07T18:03:04.123456Z pid=12 tid=34 SslTest(provider, wrong kind (master key for session key), "
            "wrong kind (session key), stale) -> 0x80090026 NTE_INVALID_HANDLE [invalid handle] 5us at "
            "src/abi/exports_x.cpp:88: Require<X>(h)??\n");

  for (int i = 0; i < 6; ++i) lookup_log::Record({lookup_log::Outcome::kNull, ObjectKind{}, ObjectKind{}});
  call.origin = ErrorOrigin{};
  n = trace::FormatLine(call, 0, out, sizeof out);
  EXPECT_NE(std::string(out, n).find(", null, null, null, null, +2 more) -> "), std::string::npos)
      << std::string(out, n);
  EXPECT_NE(std::string(out, n).find("5us (no origin recorded)\n"), std::string::npos) << std::string(out, n);

  const std::string long_condition(2000, 'x');
  call.origin = ErrorOrigin{"src/a.cpp", 1, long_condition.c_str()};
  n = trace::FormatLine(call, 0, out, sizeof out);
  EXPECT_EQ(n, sizeof out);
  EXPECT_EQ(std::string(out + n - 4, 4), "...\n");
  lookup_log::Reset();
}

}  // namespace
}  // namespace opensslp
