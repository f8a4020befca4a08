// lookup_log.h - the handles one export call resolved, for the per-call trace (core/trace.h,
// docs/diagnostics.md).
//
// While the trace is on, every lookup of the handle table (LookupAny, Lookup<T>, LookupWithOwner,
// EraseIf) appends what it found to a small thread-local log: the object's kind, or why there was
// none (a null handle, a value that is not a handle, a stale handle, a live object of the wrong
// kind). The boundary (abi/boundary.h Guard) empties the log when a traced call enters and the
// trace prints it when the call leaves, so a failing call's line says which of its handles was the
// bad one. Only kinds and outcomes are kept: never a handle value, never anything of the object.
//
// The log is a fixed array (no allocation) and is touched only while On(): with the trace off, a
// lookup costs one relaxed atomic load more than before, and no thread-local is written (the record
// path, SslEncryptPacket / SslDecryptPacket, stays as lean as it was: bench/README.md). handles/ may
// not include core/ (docs/architecture.md#layers), so core/trace.cpp switches this log on and off
// with SetOn alongside its own level.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "handles/object.h"

namespace opensslp::lookup_log {

enum class Outcome : std::uint8_t {
  kFound,       // a live object (its kind in `found`)
  kNull,        // the handle was 0
  kNotAHandle,  // a value without the shape of any token the table issues (HandleTable::LooksLikeToken)
  kStale,       // a token's shape, but no live object: freed, or never issued
  kWrongKind,   // a live object of another kind than the call needs (`found`, and `wanted` if one kind)
};

struct Entry {
  Outcome outcome = Outcome::kFound;
  ObjectKind found{};   // kFound, kWrongKind
  ObjectKind wanted{};  // kWrongKind: the kind asked for; ObjectKind{} when a set of kinds was accepted
};

// Enough for every export (the most handles one resolves is five); further lookups are counted
// in `dropped` and printed as "+N more".
inline constexpr std::size_t kMaxEntries = 8;

struct Log {
  std::size_t count = 0;    // entries kept, at most kMaxEntries
  std::size_t dropped = 0;  // lookups after the first kMaxEntries
  Entry entries[kMaxEntries];
};

namespace detail {
extern constinit std::atomic<bool> g_on;
}  // namespace detail

// True while the trace is on. One relaxed load: checked by every lookup.
inline bool On() noexcept { return detail::g_on.load(std::memory_order_relaxed); }

// Switches the recording on or off (core/trace.cpp Configure).
void SetOn(bool on) noexcept;

// Empties this thread's log (the start of a traced call).
void Reset() noexcept;

// Appends an entry to this thread's log. Callers check On() first.
void Record(const Entry& entry) noexcept;

// Records the lookup of `handle`, whose live object (nullptr: none) was or was not `accepted` by
// the caller's kind check; `wanted` as in Entry. Callers check On() first.
void RecordLookup(std::uintptr_t handle, const Object* object, bool accepted, ObjectKind wanted) noexcept;

// The last entry becomes kWrongKind: a lookup found a live object whose kind the caller's own
// check then refused (abi/boundary.cpp RequirePrivateKey). Nothing when the log is empty or full.
void MarkLastWrongKind(ObjectKind wanted) noexcept;

// This thread's log.
const Log& Current() noexcept;

}  // namespace opensslp::lookup_log
