// caller_buffers.h - memory opensslp hands to callers, who return it with SslFreeBuffer.
//
// Every such block (enumeration state, cipher-suite structures, property values, curve arrays,
// provider lists) comes from AllocateCallerBuffer and is recorded, so SslFreeBuffer can refuse a
// pointer it never handed out, or one already freed, with NTE_INVALID_PARAMETER instead of
// corrupting the heap. Blocks are zeroed when allocated and wiped when freed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <type_traits>

#include "util/status.h"

namespace opensslp::abi {

// Returns `size` zeroed bytes (size 0 is treated as 1); throws std::bad_alloc on exhaustion.
void* AllocateCallerBuffer(std::size_t size);

// Frees a block from AllocateCallerBuffer; kInvalidParameter for NULL or an unknown pointer.
Status FreeCallerBuffer(void* block);

// True if `block` is a live block of ours of at least `min_size` bytes. Only for a block the
// caller cannot free concurrently with what follows: the answer may be stale once it returns. A
// block that is read or written after the check must go through WithCallerBuffer instead.
bool IsCallerBuffer(const void* block, std::size_t min_size);

// Runs `use(block)` if `block` is a live block of ours of at least `min_size` bytes whose first
// four bytes hold `leading_magic`, and returns whether it ran. The check and `use` happen under
// the registry's lock, as one step: a racing SslFreeBuffer waits until `use` returns, so it can
// neither free the block between the check and the use nor let a new block at the same address
// pass a check made for the old one. `use` must not throw, allocate or free caller buffers (that
// would take the same lock), and should be short: every caller buffer operation waits for it.
bool WithCallerBuffer(void* block, std::size_t min_size, std::uint32_t leading_magic,
                      void (*use)(void* block, void* context), void* context);

template <class Use>
bool WithCallerBuffer(void* block, std::size_t min_size, std::uint32_t leading_magic, Use&& use) {
  return WithCallerBuffer(
      block, min_size, leading_magic, [](void* b, void* context) { (*static_cast<Use*>(context))(b); },
      const_cast<void*>(static_cast<const void*>(&use)));
}

// Owns a caller buffer until it is handed out (release()); frees it otherwise.
struct CallerBufferDeleter {
  void operator()(void* block) const noexcept { (void)FreeCallerBuffer(block); }
};

// Returns a block holding a copy of `size` bytes at `contents`, written before the block is
// registered: no other thread can see it half-written (WithCallerBuffer reads blocks under the
// registry's lock, and a stale caller pointer may name a reused address). Throws std::bad_alloc.
void* AllocateCallerBuffer(const void* contents, std::size_t size);

template <class T>
T* AllocateCallerArray(std::size_t count) {
  return static_cast<T*>(AllocateCallerBuffer(sizeof(T) * (count == 0 ? 1 : count)));
}

template <class T>
T* AllocateCallerObject(const T& contents) {
  static_assert(std::is_trivially_copyable_v<T>);
  return static_cast<T*>(AllocateCallerBuffer(&contents, sizeof(T)));
}

}  // namespace opensslp::abi
