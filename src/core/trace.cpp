// trace.cpp - see trace.h.
//
// Where the lines go. Linux: a file named by the administrator. Windows: a file too, chosen over
// the two system alternatives:
//   * ETW (a manifest-based provider or TraceLogging) shows nothing until someone starts a consumer
//     session (logman, wpr, a manifest registered with wevtutil) before the failure happens; an
//     administrator chasing one failing connection rarely has that set up, and it cannot be tested
//     here (Wine has no ETW consumers). It is a possible later addition: the lines are already
//     built from fixed fields.
//   * The event log is for rare, administrator-facing events (the key log announces itself there):
//     a line per failing call would flood it, and the Application log is readable by every user.
// A file with an ACL for SYSTEM and Administrators only (the key log's opener,
// win/key_log_sink.cpp) can be read with Notepad and attached to a bug report.
#include "core/trace.h"

#include <chrono>
#include <cstring>
#include <mutex>
#include <new>
#include <utility>

#include "core/key_log_sink.h"
#include "handles/lookup_log.h"

namespace opensslp::trace {

namespace detail {
constinit std::atomic<int> g_level{static_cast<int>(Level::kOff)};
}  // namespace detail

namespace {

// The longest line written; a longer one (a very long condition text) is cut and ends in "...".
constexpr std::size_t kMaxLine = 1024;

struct Sink {
  // Serialises the writes of this process (one write per line; Wine's WriteFile was seen to lose
  // lines of concurrent unsynchronised writers, core/key_log.cpp) and guards what follows: a
  // writer uses the handle only under it, so Configure may close or replace the file at any time.
  std::mutex mutex;
  std::intptr_t handle = -1;
  State state;  // its counters are the atomics below
  std::atomic<std::uint64_t> lines{0}, failed_writes{0};
};

// Made by the first Configure and never destroyed: a call may write a line until the process ends,
// after static destructors have run.
constinit std::atomic<Sink*> g_sink{nullptr};

Sink& TheSink() {
  Sink* current = g_sink.load(std::memory_order_acquire);
  if (current != nullptr) return *current;
  Sink* fresh = new Sink();  // may throw std::bad_alloc (Configure catches it)
  if (!g_sink.compare_exchange_strong(current, fresh, std::memory_order_acq_rel)) {
    delete fresh;
    return *current;
  }
  return *fresh;
}

Level Clamp(Level level) noexcept {
  const int value = static_cast<int>(level);
  if (value <= 0) return Level::kOff;
  return value >= 2 ? Level::kVerbose : Level::kFailures;
}

void ConfigureOrThrow(const Setting& setting) {
  Sink& sink = TheSink();
  Level level = Clamp(setting.level);
  std::string error;
  std::intptr_t handle = -1;
  if (level != Level::kOff) {
    if (setting.file.empty()) {
      error = "no trace file is configured";
    } else {
      // Outside the lock: opening may take long (a network path), and writers must not wait on it.
      handle = key_log::sink::OpenForAppend(setting.file, error);
    }
    if (handle == -1) level = Level::kOff;
  }
  State state;
  try {
    state.level = level;
    state.file = setting.file;
    state.source = setting.source;
    state.error = std::move(error);
  } catch (...) {
    if (handle != -1) key_log::sink::Close(handle);
    throw;
  }
  std::lock_guard<std::mutex> lock(sink.mutex);
  const std::intptr_t old = sink.handle;
  sink.handle = handle;
  sink.state = std::move(state);
  // A line being written finished before the lock was taken; the next one sees the new file.
  if (old != -1) key_log::sink::Close(old);
  lookup_log::SetOn(level != Level::kOff);
  detail::g_level.store(static_cast<int>(level), std::memory_order_relaxed);
}

// Appends to a fixed buffer, always leaving room for the final '\n'.
class LineWriter {
 public:
  LineWriter(char* out, std::size_t capacity) noexcept : out_(out), limit_(capacity - 1) {}

  void Char(char c) noexcept {
    if (n_ < limit_) {
      out_[n_++] = c;
    } else {
      cut_ = true;
    }
  }
  // Printable ASCII only, so a line stays one line whatever the text holds.
  void Text(const char* text) noexcept {
    for (; *text != 0; ++text) {
      const unsigned char c = static_cast<unsigned char>(*text);
      Char(c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '?');
    }
  }
  void Unsigned(std::uint64_t value, int min_digits = 1) noexcept {
    char digits[20];
    int count = 0;
    do {
      digits[count++] = static_cast<char>('0' + value % 10);
      value /= 10;
    } while (value != 0);
    for (int i = count; i < min_digits; ++i) Char('0');
    while (count > 0) Char(digits[--count]);
  }
  void Hex32(std::uint32_t value) noexcept {
    Text("0x");
    for (int shift = 28; shift >= 0; shift -= 4) Char("0123456789ABCDEF"[(value >> shift) & 0xF]);
  }
  // Ends the line ("..." when it was cut) and returns its length.
  std::size_t Finish() noexcept {
    if (cut_) {
      const std::size_t keep = n_ >= 3 ? n_ - 3 : 0;
      for (std::size_t i = keep; i < n_; ++i) out_[i] = '.';
    }
    out_[n_++] = '\n';
    return n_;
  }

 private:
  char* out_;
  std::size_t limit_;
  std::size_t n_ = 0;
  bool cut_ = false;
};

// "2026-12-07T18:03:04.123456Z": the civil date of a day count from 1970-01-01 (H. Hinnant's
// days_from_civil inverse, exact for the proleptic Gregorian calendar), without gmtime's
// platform variants (gmtime_r / gmtime_s).
void TimeStamp(LineWriter& w, std::int64_t unix_us) noexcept {
  if (unix_us < 0) unix_us = 0;
  const std::int64_t us_per_day = std::int64_t{86400} * 1000000;
  const std::int64_t days = unix_us / us_per_day;
  std::int64_t rest = unix_us % us_per_day;
  const std::int64_t z = days + 719468;
  const std::int64_t era = z / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const auto u = [](std::int64_t v) { return static_cast<std::uint64_t>(v); };
  w.Unsigned(u(year), 4);
  w.Char('-');
  w.Unsigned(u(month), 2);
  w.Char('-');
  w.Unsigned(u(day), 2);
  w.Char('T');
  w.Unsigned(u(rest / 3600000000), 2);
  rest %= 3600000000;
  w.Char(':');
  w.Unsigned(u(rest / 60000000), 2);
  rest %= 60000000;
  w.Char(':');
  w.Unsigned(u(rest / 1000000), 2);
  w.Char('.');
  w.Unsigned(u(rest % 1000000), 6);
  w.Char('Z');
}

// What the lookup log says about one handle.
void HandleKind(LineWriter& w, const lookup_log::Entry& entry) noexcept {
  switch (entry.outcome) {
    case lookup_log::Outcome::kFound: w.Text(ObjectKindName(entry.found)); return;
    case lookup_log::Outcome::kNull: w.Text("null"); return;
    case lookup_log::Outcome::kNotAHandle: w.Text("not a handle"); return;
    case lookup_log::Outcome::kStale: w.Text("stale"); return;
    case lookup_log::Outcome::kWrongKind:
      w.Text("wrong kind (");
      w.Text(ObjectKindName(entry.found));
      if (entry.wanted != ObjectKind{}) {
        w.Text(" for ");
        w.Text(ObjectKindName(entry.wanted));
      }
      w.Char(')');
      return;
  }
  w.Text("?");
}

// The source file from its "src/" on: __FILE__ is however the build named it (an absolute path in
// a Linux build; release DLLs are built with -ffile-prefix-map, CMakeLists.txt).
const char* SourcePath(const char* file) noexcept {
  if (file == nullptr) return "?";
  const char* from = file;
  for (const char* p = file; *p != 0; ++p) {
    if ((p == file || p[-1] == '/' || p[-1] == '\\') && std::strncmp(p, "src", 3) == 0 &&
        (p[3] == '/' || p[3] == '\\')) {
      from = p;
    }
  }
  return from;
}

}  // namespace

void Configure(const Setting& setting) noexcept {
  try {
    ConfigureOrThrow(setting);
  } catch (...) {
    // Out of memory for the setting's text: the trace is off (a call never fails because of it).
    lookup_log::SetOn(false);
    detail::g_level.store(static_cast<int>(Level::kOff), std::memory_order_relaxed);
    if (Sink* sink = g_sink.load(std::memory_order_acquire)) {
      std::lock_guard<std::mutex> lock(sink->mutex);
      if (sink->handle != -1) key_log::sink::Close(sink->handle);
      sink->handle = -1;
      sink->state.level = Level::kOff;
    }
  }
}

State CurrentState() {
  Sink* sink = g_sink.load(std::memory_order_acquire);
  if (sink == nullptr) return State{};
  State state;
  {
    std::lock_guard<std::mutex> lock(sink->mutex);
    state = sink->state;
  }
  state.lines = sink->lines.load(std::memory_order_relaxed);
  state.failed_writes = sink->failed_writes.load(std::memory_order_relaxed);
  return state;
}

const char* LevelName(Level level) noexcept {
  switch (level) {
    case Level::kOff: return "off";
    case Level::kFailures: return "failures";
    case Level::kVerbose: return "verbose";
  }
  return "off";
}

std::size_t FormatLine(const Call& call, std::int64_t unix_us, char* out, std::size_t capacity) noexcept {
  if (capacity < 2) return 0;
  LineWriter w(out, capacity);
  TimeStamp(w, unix_us);
  w.Text(" pid=");
  w.Unsigned(call.process_id);
  w.Text(" tid=");
  w.Unsigned(call.thread_id);
  w.Char(' ');
  w.Text(call.function != nullptr ? call.function : "?");
  w.Char('(');
  const lookup_log::Log& log = lookup_log::Current();
  for (std::size_t i = 0; i < log.count; ++i) {
    if (i != 0) w.Text(", ");
    HandleKind(w, log.entries[i]);
  }
  if (log.dropped != 0) {
    w.Text(", +");
    w.Unsigned(log.dropped);
    w.Text(" more");
  }
  w.Text(") -> ");
  if (call.status == 0) {
    w.Text("0 ok ");
    w.Unsigned(call.duration_us);
    w.Text("us");
    return w.Finish();
  }
  w.Hex32(call.status);
  w.Char(' ');
  w.Text(call.status_name != nullptr ? call.status_name : "?");
  w.Text(" [");
  w.Text(call.reason != nullptr ? call.reason : "?");
  w.Text("] ");
  w.Unsigned(call.duration_us);
  w.Text("us");
  if (call.origin) {
    w.Text(" at ");
    w.Text(SourcePath(call.origin.file));
    w.Char(':');
    w.Unsigned(call.origin.line > 0 ? static_cast<std::uint64_t>(call.origin.line) : 0);
    w.Text(": ");
    w.Text(call.origin.condition != nullptr ? call.origin.condition : "?");
  } else {
    w.Text(" (no origin recorded)");
  }
  return w.Finish();
}

void WriteCall(const Call& call) noexcept {
  const Level level = CurrentLevel();
  // The end of an enumeration (NTE_NO_MORE_ITEMS, 0x8009002A) is how every enumeration ends, not a
  // failure: at the failures level it would add a line per enumeration and hide the real ones.
  constexpr std::uint32_t kNoMoreItems = 0x8009002Au;
  const bool failure = call.status != 0 && call.status != kNoMoreItems;
  if (level == Level::kOff || (!failure && level != Level::kVerbose)) return;
  Sink* sink = g_sink.load(std::memory_order_acquire);
  if (sink == nullptr) return;
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  char line[kMaxLine];
  const std::size_t length =
      FormatLine(call, std::chrono::duration_cast<std::chrono::microseconds>(now).count(), line, sizeof line);
  bool attempted = false, written = false;
  {
    std::lock_guard<std::mutex> lock(sink->mutex);
    if (sink->handle != -1) {
      attempted = true;
      written = key_log::sink::Append(sink->handle, line, length);
    }
  }
  if (written) {
    sink->lines.fetch_add(1, std::memory_order_relaxed);
  } else if (attempted) {
    sink->failed_writes.fetch_add(1, std::memory_order_relaxed);
  }
}

}  // namespace opensslp::trace
