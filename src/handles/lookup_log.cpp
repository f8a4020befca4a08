// lookup_log.cpp - see lookup_log.h.
#include "handles/lookup_log.h"

#include "handles/handle_table.h"

namespace opensslp::lookup_log {

namespace detail {
constinit std::atomic<bool> g_on{false};
}  // namespace detail

namespace {
// Trivially constructible and destructible with a constant initialiser: on ELF targets the access
// needs no guard and registers no destructor. (mingw's emulated TLS allocates a thread's block at
// its first access; this is reached only while the trace is on.)
constinit thread_local Log t_log{};
}  // namespace

void SetOn(bool on) noexcept { detail::g_on.store(on, std::memory_order_relaxed); }

void Reset() noexcept {
  t_log.count = 0;
  t_log.dropped = 0;
}

void Record(const Entry& entry) noexcept {
  if (t_log.count < kMaxEntries) {
    t_log.entries[t_log.count++] = entry;
  } else {
    ++t_log.dropped;
  }
}

void RecordLookup(std::uintptr_t handle, const Object* object, bool accepted, ObjectKind wanted) noexcept {
  Entry entry;
  if (object != nullptr) {
    entry.found = object->kind();
    entry.outcome = accepted ? Outcome::kFound : Outcome::kWrongKind;
    entry.wanted = wanted;
  } else if (handle == 0) {
    entry.outcome = Outcome::kNull;
  } else if (!HandleTable::LooksLikeToken(handle)) {
    entry.outcome = Outcome::kNotAHandle;
  } else {
    entry.outcome = Outcome::kStale;
  }
  Record(entry);
}

void MarkLastWrongKind(ObjectKind wanted) noexcept {
  if (t_log.count == 0 || t_log.dropped != 0) return;
  Entry& last = t_log.entries[t_log.count - 1];
  if (last.outcome != Outcome::kFound) return;
  last.outcome = Outcome::kWrongKind;
  last.wanted = wanted;
}

const Log& Current() noexcept { return t_log; }

}  // namespace opensslp::lookup_log
