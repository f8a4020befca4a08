// handle_table.h - the registry that turns objects into opaque NCRYPT handles and back.
//
// A handle is a token, never a pointer: it encodes a slot index and the slot's generation
// (docs/style.md#rule-11). Lookups check that the slot is live, the generation matches and the kind
// is the one asked for, and return a strong reference (std::shared_ptr), so an SslFreeObject racing
// a call that is using the object cannot free it under that call: the object dies when the last
// reference goes. Zero, unknown, stale, double-freed and wrong-kind handles all fail with
// Error::kInvalidHandle. All operations are thread-safe.
//
// Encoding (64-bit): bits 0..31 = slot + 1, bits 32..61 = generation, bit 62 set, bit 63 clear
// (so no token, live or stale, is ever a user-mode address: LooksLikeToken).
// Encoding (32-bit): bit 0 set, bits 1..15 = slot + 1, bits 16..31 = generation (so no token is
// ever the address of an aligned object; at most 32766 live handles; the generation wraps after
// 65536 reuses of one slot, and a stale handle that old may then alias, the usual 32-bit compromise).
//
// Limit: at most kMaxLiveHandles handles are live at once (64-bit: 2^20 = 1,048,576; 32-bit: the
// encoding's 32766). Insert fails with Error::kNoMemory (NTE_NO_MEMORY) at the limit, and succeeds
// again once handles are freed. A real lsass holds a few handles per TLS connection in flight --
// thousands -- so the limit is reached only by a caller that never frees: it then gets a clean
// error instead of eating the machine's memory (about 100 MiB for 2^20 of the smallest objects).
// docs/robustness.md, docs/errors.md.
//
// While the per-call trace is on, every lookup (not Insert, not Erase) also notes what it found in
// this thread's lookup log (handles/lookup_log.h): the kind, or why there was no object.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <vector>

#include "handles/lookup_log.h"
#include "handles/object.h"
#include "util/rw_lock.h"
#include "util/status.h"

namespace opensslp {

using Handle = std::uintptr_t;

class HandleTable {
 public:
  // The process-wide table the exported functions use.
  static HandleTable& Global();

  // The global table's limit on live handles (see the file comment).
  static constexpr std::size_t kMaxLiveHandles = sizeof(Handle) == 8 ? std::size_t{1} << 20 : 32766;

  // A table that holds at most `max_live` live handles (capped at kMaxLiveHandles).
  explicit HandleTable(std::size_t max_live = kMaxLiveHandles)
      : max_live_(max_live < kMaxLiveHandles ? max_live : kMaxLiveHandles) {}
  HandleTable(const HandleTable&) = delete;
  HandleTable& operator=(const HandleTable&) = delete;

  // Registers an object and returns its new handle (never 0). kNoMemory when max_live() handles
  // are live (or memory runs out); the object is then released, not registered.
  Result<Handle> Insert(std::shared_ptr<Object> object);

  std::size_t max_live() const noexcept { return max_live_; }

  // Looks up any live object.
  Result<std::shared_ptr<Object>> LookupAny(Handle handle) const;

  // Looks up an object of exactly the kind T::kKind (or, for T with a static Accepts(kind),
  // any kind it accepts) and returns it as T.
  template <class T>
  Result<std::shared_ptr<T>> Lookup(Handle handle) const {
    auto any = LookupAny(handle);
    if (!any.ok()) return any.error();
    if (!Accepts<T>(any.value()->kind())) {
      if (lookup_log::On()) [[unlikely]]
        lookup_log::MarkLastWrongKind(WantedKind<T>());
      return Error::kInvalidHandle;
    }
    return std::static_pointer_cast<T>(std::move(any).value());
  }

  // The record path's lookup (SslEncryptPacket / SslDecryptPacket run it per record): checks that
  // `owner` names a live object of kind O and returns the object `handle` names as T, under one
  // read lock and without taking a reference to the owner. Errors as for Lookup; the owner is
  // checked first.
  template <class O, class T>
  Result<std::shared_ptr<T>> LookupWithOwner(Handle owner, Handle handle) const {
    const bool log = lookup_log::On();  // the record path's one extra cost while the trace is off
    std::shared_lock lock(mutex_);
    const Slot* owner_slot = FindLocked(owner);
    const bool owner_ok = owner_slot != nullptr && Accepts<O>(owner_slot->object->kind());
    if (log) [[unlikely]]
      NoteLookup(owner, owner_slot, owner_ok, WantedKind<O>());
    if (!owner_ok) return Error::kInvalidHandle;
    const Slot* slot = FindLocked(handle);
    const bool ok = slot != nullptr && Accepts<T>(slot->object->kind());
    if (log) [[unlikely]]
      NoteLookup(handle, slot, ok, WantedKind<T>());
    if (!ok) return Error::kInvalidHandle;
    return std::static_pointer_cast<T>(slot->object);
  }

  // Removes a handle; the object is destroyed when the last reference to it goes away.
  // Returns the removed object so the caller can inspect it (e.g. its kind).
  Result<std::shared_ptr<Object>> Erase(Handle handle);

  // Removes the handle only if it names an object of kind T.
  template <class T>
  Status EraseIf(Handle handle) {
    auto any = LookupAny(handle);
    if (!any.ok()) return any.error();
    if (!Accepts<T>(any.value()->kind())) {
      if (lookup_log::On()) [[unlikely]]
        lookup_log::MarkLastWrongKind(WantedKind<T>());
      return Error::kInvalidHandle;
    }
    return EraseExact(handle, any.value().get());
  }

  std::size_t LiveCount() const;

  // True if `handle` has the shape of a token this table issues (live or long freed). Such a
  // value is never a pointer to an object (64-bit: not a user-mode address; 32-bit: odd), so code
  // that must decide whether an unknown handle could be another component's pointer
  // (win/ncrypt_public_key.h) asks this first.
  static bool LooksLikeToken(Handle handle) noexcept;

 private:
  template <class T>
  static bool Accepts(ObjectKind kind) {
    if constexpr (requires { T::Accepts(kind); }) {
      return T::Accepts(kind);
    } else {
      return kind == T::kKind;
    }
  }
  // The kind T asks for, for the lookup log: ObjectKind{} for a T that accepts several (as Accepts).
  template <class T>
  static constexpr ObjectKind WantedKind() {
    if constexpr (requires(ObjectKind kind) { T::Accepts(kind); }) {
      return ObjectKind{};
    } else {
      return T::kKind;
    }
  }
  Status EraseExact(Handle handle, const Object* expected);
  Result<std::shared_ptr<Object>> EraseImpl(Handle handle, const Object* expected);

  struct Slot {
    std::uint32_t generation = 1;
    std::shared_ptr<Object> object;
  };
  bool Decode(Handle handle, std::size_t* index, std::uint32_t* generation) const;
  // The live slot `handle` names, or nullptr; mutex_ must be held (shared or exclusive).
  const Slot* FindLocked(Handle handle) const;
  // Notes one lookup in the lookup log (callers check lookup_log::On() first).
  static void NoteLookup(Handle handle, const Slot* slot, bool accepted, ObjectKind wanted) noexcept;
  static Handle Encode(std::size_t index, std::uint32_t generation);

  mutable RwLock mutex_;
  std::vector<Slot> slots_;
  std::vector<std::size_t> free_slots_;
  std::size_t live_ = 0;
  const std::size_t max_live_;
};

}  // namespace opensslp
