// key_log.cpp - see key_log.h.
#include "core/key_log.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <mutex>
#include <new>
#include <string>
#include <utility>

#include "core/configuration.h"
#include "core/key_log_sink.h"
#include "util/secret.h"

namespace opensslp::key_log {
namespace {

constexpr std::size_t kRememberedSessionHashes = 256;
constexpr std::size_t kMaxSessionHashLength = 64;

struct RememberedSessionHash {
  std::array<std::uint8_t, kMaxSessionHashLength> hash{};
  std::size_t length = 0;
  ClientRandom client_random{};
};

struct Log {
  std::atomic<std::intptr_t> handle{-1};
  std::atomic<std::uint64_t> lines{0}, unnamed{0}, failed_writes{0};
  // Serialises this process's writes. The system appends each write() / WriteFile whole on a file
  // opened for appending (across processes too), but Wine's WriteFile was seen to lose lines of
  // concurrent threads (3 067 of 3 200), and a lock taken only for one small write costs nothing.
  std::mutex write_mutex;
  std::mutex mutex;  // guards what follows: the setting's text, the session-hash memory
  KeyLogState state;
  std::array<RememberedSessionHash, kRememberedSessionHashes> session_hashes{};
  std::size_t next_session_hash = 0;
};

// -1: not configured yet; 2: being configured by one thread; 0: off; 1: on. constinit: no static
// initialiser runs at load.
constexpr int kUnknown = -1, kOff = 0, kOn = 1, kConfiguring = 2;
constinit std::atomic<int> g_enabled{kUnknown};
// The configuration generation (core/configuration.h) the log was last configured from: when the
// configuration is read again, the next Enabled() follows it (another file, on, off).
constinit std::atomic<std::uint64_t> g_generation{0};

// The log, made at first use and never destroyed (lines may be written until the process ends);
// nullptr if even that allocation failed (then the log stays off for this call and is tried again).
Log* TheLog() noexcept {
  static std::atomic<Log*> log{nullptr};
  Log* current = log.load(std::memory_order_acquire);
  if (current != nullptr) return current;
  Log* fresh = new (std::nothrow) Log();
  if (fresh == nullptr) return nullptr;
  Log* expected = nullptr;
  if (!log.compare_exchange_strong(expected, fresh, std::memory_order_acq_rel)) {
    delete fresh;
    return expected;
  }
  return fresh;
}

// Takes the setting from the configuration in force and opens its file. Runs on the one thread
// that moved g_enabled to kConfiguring, WITHOUT the mutex: a network path's CreateFileW or the
// event log's RPC may take long, and a thread of ours re-entering the provider meanwhile (in lsass,
// SMB may itself need TLS) must not wait on us -- it sees kConfiguring and goes on with the file
// open before (none at the first configuration). Throws std::bad_alloc (the caller then leaves the
// state kUnknown: tried again next time).
bool Configure(Log& log) {
  const config::Snapshot snapshot = config::CurrentSnapshot();
  const config::KeyLogSetting& setting = snapshot.configuration->key_log;
  std::string open_file;
  {
    std::lock_guard<std::mutex> lock(log.mutex);
    if (log.state.enabled) open_file = log.state.file;
  }
  if (!open_file.empty() && open_file == setting.file) {
    // The same file: keep it open (a re-read for another setting must not reopen it).
    std::string source = setting.source;
    {
      std::lock_guard<std::mutex> lock(log.mutex);
      log.state.source = std::move(source);
    }
    g_generation.store(snapshot.generation, std::memory_order_release);
    return true;
  }
  std::string error;
  std::intptr_t handle = -1;
  if (!setting.file.empty()) handle = sink::OpenForAppend(setting.file, error);
  KeyLogState state;
  try {
    state.file = setting.file;
    state.source = setting.source;
    state.error = error;
    state.enabled = handle != -1;
  } catch (...) {
    if (handle != -1) sink::Close(handle);
    throw;
  }
  {
    std::lock_guard<std::mutex> lock(log.mutex);
    log.state = std::move(state);
  }
  std::intptr_t previous;
  {
    // Under the write lock: no line is being written to the file being closed (Write loads the
    // handle under the same lock).
    std::lock_guard<std::mutex> lock(log.write_mutex);
    previous = log.handle.exchange(handle, std::memory_order_acq_rel);
  }
  if (previous != -1) sink::Close(previous);
  g_generation.store(snapshot.generation, std::memory_order_release);
  if (handle != -1) sink::AnnounceEnabled(setting.file);
  return handle != -1;
}

char HexDigit(unsigned v) noexcept { return "0123456789abcdef"[v & 0xF]; }

std::size_t AppendHex(char* out, Bytes bytes) noexcept {
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    out[2 * i] = HexDigit(bytes[i] >> 4);
    out[2 * i + 1] = HexDigit(bytes[i]);
  }
  return 2 * bytes.size();
}

}  // namespace

bool Enabled() noexcept {
  int known = g_enabled.load(std::memory_order_acquire);
  if (known == kOn || known == kOff) {
    std::uint64_t generation = 0;
    try {
      generation = config::Generation();
    } catch (...) {
      return known == kOn;  // out of memory: go on as configured
    }
    if (generation == g_generation.load(std::memory_order_acquire)) return known == kOn;
    // The configuration was read again: follow it (below).
  }
  Log* log = TheLog();
  if (log == nullptr) return false;
  if (known == kConfiguring) {
    // Another thread is configuring the log: go on with the file open before, if any.
    return log->handle.load(std::memory_order_acquire) != -1;
  }
  if (!g_enabled.compare_exchange_strong(known, kConfiguring, std::memory_order_acq_rel)) {
    return known == kOn || (known == kConfiguring && log->handle.load(std::memory_order_acquire) != -1);
  }
  try {
    const bool on = Configure(*log);
    g_enabled.store(on ? kOn : kOff, std::memory_order_release);
    return on;
  } catch (...) {
    // Out of memory: try again next time; a file open before stays in use meanwhile.
    g_enabled.store(kUnknown, std::memory_order_release);
    return log->handle.load(std::memory_order_acquire) != -1;
  }
}

void Write(std::string_view label, const ClientRandom& client_random, Bytes secret) noexcept {
  if (!Enabled()) return;
  // "LABEL <64 hex> <up to 128 hex>\n": the longest label is 31 characters, the longest secret 64
  // bytes (SHA-512 is not a TLS 1.3 hash; SHA-384's 48 bytes are the longest in use).
  constexpr std::size_t kMaxLabel = 40, kMaxSecret = 64;
  if (label.size() > kMaxLabel || secret.empty() || secret.size() > kMaxSecret) return;
  char line[kMaxLabel + 1 + 2 * 32 + 1 + 2 * kMaxSecret + 1];
  std::size_t n = 0;
  std::memcpy(line, label.data(), label.size());
  n += label.size();
  line[n++] = ' ';
  n += AppendHex(line + n, client_random);
  line[n++] = ' ';
  n += AppendHex(line + n, secret);
  line[n++] = '\n';
  // One write() / WriteFile per line.
  Log* log = TheLog();
  if (log != nullptr) {
    bool written = false;
    {
      std::lock_guard<std::mutex> lock(log->write_mutex);
      const std::intptr_t handle = log->handle.load(std::memory_order_acquire);
      if (handle != -1) written = sink::Append(handle, line, n);
    }
    if (written) {
      log->lines.fetch_add(1, std::memory_order_relaxed);
    } else {
      log->failed_writes.fetch_add(1, std::memory_order_relaxed);
    }
  }
  SecureWipe(line, sizeof line);
}

void WriteIfNamed(std::string_view label, const std::optional<ClientRandom>& client_random, Bytes secret) noexcept {
  if (!Enabled()) return;
  if (client_random.has_value()) {
    Write(label, *client_random, secret);
    return;
  }
  if (Log* log = TheLog()) log->unnamed.fetch_add(1, std::memory_order_relaxed);
}

void RememberSessionHash(Bytes session_hash, const ClientRandom& client_random) noexcept {
  if (!Enabled() || session_hash.empty() || session_hash.size() > kMaxSessionHashLength) return;
  Log* log = TheLog();
  if (log == nullptr) return;
  std::lock_guard<std::mutex> lock(log->mutex);
  RememberedSessionHash& slot = log->session_hashes[log->next_session_hash];
  log->next_session_hash = (log->next_session_hash + 1) % kRememberedSessionHashes;
  std::copy(session_hash.begin(), session_hash.end(), slot.hash.begin());
  slot.length = session_hash.size();
  slot.client_random = client_random;
}

std::optional<ClientRandom> ClientRandomForSessionHash(Bytes session_hash) noexcept {
  if (!Enabled()) return std::nullopt;
  Log* log = TheLog();
  if (log == nullptr) return std::nullopt;
  std::lock_guard<std::mutex> lock(log->mutex);
  for (const RememberedSessionHash& slot : log->session_hashes) {
    // Public values (a digest of handshake messages): no constant-time comparison needed.
    if (slot.length == session_hash.size() && std::equal(session_hash.begin(), session_hash.end(), slot.hash.begin())) {
      return slot.client_random;
    }
  }
  return std::nullopt;
}

KeyLogState State() {
  (void)Enabled();
  Log* log = TheLog();
  if (log == nullptr) return KeyLogState{};
  KeyLogState state;
  {
    std::lock_guard<std::mutex> lock(log->mutex);
    state = log->state;
  }
  state.lines = log->lines.load(std::memory_order_relaxed);
  state.unnamed = log->unnamed.load(std::memory_order_relaxed);
  state.failed_writes = log->failed_writes.load(std::memory_order_relaxed);
  return state;
}

void ResetForTesting() noexcept {
  Log* log = TheLog();
  if (log == nullptr) return;
  // Tests only, with no other thread in the key log.
  const std::intptr_t handle = log->handle.exchange(-1);
  if (handle != -1) sink::Close(handle);
  log->lines = 0;
  log->unnamed = 0;
  log->failed_writes = 0;
  std::lock_guard<std::mutex> lock(log->mutex);
  log->state = KeyLogState{};
  log->session_hashes = {};
  log->next_session_hash = 0;
  g_enabled.store(kUnknown, std::memory_order_release);
  g_generation.store(0, std::memory_order_release);
  config::ResetForTesting();
}

}  // namespace opensslp::key_log
