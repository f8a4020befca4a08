// trace.h - the per-call diagnostics trace (docs/diagnostics.md; issue #11 §2).
//
// Off by default. When an administrator switches it on (the configuration module reads the
// setting -- Linux: the environment, Windows: HKLM\SOFTWARE\OpenSSLP, docs/operations.md -- and
// calls Configure), every export call that fails writes one line to a file, and at the verbose
// level every call does:
//
//   2026-12-07T18:03:04.123456Z pid=1234 tid=5678 SslFreeObject(stale) -> 0x80090026
//     NTE_INVALID_HANDLE [invalid handle] 12us at src/abi/exports_provider.cpp:77: <condition>
//
// (one line in the file): UTC time, process and thread id, the export, the kinds of the handles it
// resolved in the order it resolved them (handles/lookup_log.h), the status, the reason, the
// call's duration and, for a failure, the check that fired (util/status.h ErrorOrigin).
//
// What a line may contain is fixed by its parts: function names, object kinds, status codes and
// names, static source text (file, line, the condition as written), ids and times. Never a handle
// value, a buffer, a length of secret data, a key byte or plaintext.
//
// The file is opened with the key log's hardened opener (core/key_log_sink.h: POSIX O_NOFOLLOW and
// 0600, files of other users or open to them refused; Windows an ACL for SYSTEM and Administrators
// only). Why a file on Windows too, and not ETW or the event log: docs/diagnostics.md#windows-sink
// and the comment in trace.cpp. A file that cannot be opened or written never fails a call: the
// trace stays off (or the line is lost) and CurrentState() says why.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "util/status.h"

namespace opensslp::trace {

enum class Level : int {
  kOff = 0,
  kFailures = 1,  // one line per failing call
  kVerbose = 2,   // one line per call
};

// What the configuration module hands over.
struct Setting {
  Level level = Level::kOff;
  std::string file;    // UTF-8 path; required unless level is kOff
  std::string source;  // where the setting was read, e.g. "environment OPENSSLP_TRACE"
};

// Applies a setting: at first load and at every reload. Opens the new file before closing the old
// one (under the write lock, so a line being written on another thread finishes first); switching
// off closes the file. A file that cannot be opened leaves the trace off, with the reason in
// CurrentState().error. Never throws; thread-safe.
void Configure(const Setting& setting) noexcept;

namespace detail {
extern constinit std::atomic<int> g_level;
}  // namespace detail

// The level in force: one relaxed atomic load, checked on every call (also per record).
inline Level CurrentLevel() noexcept { return static_cast<Level>(detail::g_level.load(std::memory_order_relaxed)); }

// For `opensslp status` and a provider property.
struct State {
  Level level = Level::kOff;        // the level in force (kOff when the configured file could not be opened)
  std::string file;                 // the configured file
  std::string source;               // where the setting came from
  std::string error;                // why the configured file is not open; empty otherwise
  std::uint64_t lines = 0;          // lines written by this process
  std::uint64_t failed_writes = 0;  // lines lost to a failed write
};
State CurrentState();

// "off", "failures", "verbose".
const char* LevelName(Level level) noexcept;

// One finished export call, as the boundary (abi/boundary.cpp) describes it: the parts that need
// SECURITY_STATUS or the platform are formatted there; the handle kinds come from this thread's
// lookup log.
struct Call {
  const char* function = nullptr;     // the export's name
  std::uint32_t status = 0;           // the SECURITY_STATUS returned, as unsigned bits; 0 = success
  const char* status_name = nullptr;  // "NTE_INVALID_HANDLE", ...; nullptr on success
  const char* reason = nullptr;       // ErrorName of the error; nullptr on success
  ErrorOrigin origin;                 // the failing check (failures only; may be empty)
  std::uint64_t process_id = 0;
  std::uint64_t thread_id = 0;
  std::uint64_t duration_us = 0;  // steady clock, entry to exit
};

// Writes the call's line if the level asks for it (a failure from kFailures on, a success at
// kVerbose). One write per line, under a lock; no allocation. A failed write is counted, never
// reported to the caller.
void WriteCall(const Call& call) noexcept;

// Formats the call's line (without the time stamp's clock read: `unix_us` is the wall-clock time in
// microseconds since 1970) into `out`, '\n'-terminated, cut to fit. Returns its length. For tests
// and WriteCall.
std::size_t FormatLine(const Call& call, std::int64_t unix_us, char* out, std::size_t capacity) noexcept;

}  // namespace opensslp::trace
