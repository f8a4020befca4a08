// key_log.cpp - see key_log.h.
#include "core/key_log.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <mutex>
#include <new>

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
  std::mutex mutex;  // guards everything below
  bool configured = false;
  KeyLogState state;
  std::intptr_t handle = -1;
  std::array<RememberedSessionHash, kRememberedSessionHashes> session_hashes{};
  std::size_t next_session_hash = 0;
};

// -1: not configured yet, 0: off, 1: on. constinit: no static initialiser runs at load.
constinit std::atomic<int> g_enabled{-1};

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

void ConfigureLocked(Log& log) {
  log.configured = true;
  sink::Setting setting = sink::ReadSetting();
  log.state.file = setting.file;
  log.state.source = setting.source;
  log.state.error = setting.error;
  log.state.enabled = false;
  if (!setting.error.empty() || setting.file.empty()) return;
  std::string error;
  const std::intptr_t handle = sink::OpenForAppend(setting.file, error);
  if (handle == -1) {
    log.state.error = error;
    return;
  }
  log.handle = handle;
  log.state.enabled = true;
  sink::AnnounceEnabled(setting.file);
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
  const int known = g_enabled.load(std::memory_order_acquire);
  if (known >= 0) return known == 1;
  Log* log = TheLog();
  if (log == nullptr) return false;
  try {
    std::lock_guard<std::mutex> lock(log->mutex);
    if (!log->configured) ConfigureLocked(*log);
    g_enabled.store(log->state.enabled ? 1 : 0, std::memory_order_release);
    return log->state.enabled;
  } catch (...) {
    return false;  // out of memory while reading the setting: off for now, configured next time
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
  Log* log = TheLog();
  if (log != nullptr) {
    std::lock_guard<std::mutex> lock(log->mutex);  // the counters; the write itself is atomic
    if (log->handle != -1 && sink::Append(log->handle, line, n)) {
      ++log->state.lines;
    } else {
      ++log->state.failed_writes;
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
  if (Log* log = TheLog()) {
    std::lock_guard<std::mutex> lock(log->mutex);
    ++log->state.unnamed;
  }
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
    if (slot.length == session_hash.size() &&
        std::equal(session_hash.begin(), session_hash.end(), slot.hash.begin())) {
      return slot.client_random;
    }
  }
  return std::nullopt;
}

KeyLogState State() {
  (void)Enabled();
  Log* log = TheLog();
  if (log == nullptr) return KeyLogState{};
  std::lock_guard<std::mutex> lock(log->mutex);
  return log->state;
}

void ResetForTesting() noexcept {
  Log* log = TheLog();
  if (log == nullptr) return;
  std::lock_guard<std::mutex> lock(log->mutex);
  if (log->handle != -1) sink::Close(log->handle);
  log->handle = -1;
  log->configured = false;
  log->state = KeyLogState{};
  log->session_hashes = {};
  log->next_session_hash = 0;
  g_enabled.store(-1, std::memory_order_release);
}

}  // namespace opensslp::key_log
