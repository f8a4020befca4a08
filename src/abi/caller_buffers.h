// caller_buffers.h - memory opensslp hands to callers, who return it with SslFreeBuffer.
//
// Every such block (enumeration state, cipher-suite structures, property values, curve arrays,
// provider lists) comes from AllocateCallerBuffer and is recorded, so SslFreeBuffer can refuse a
// pointer it never handed out, or one already freed, with NTE_INVALID_PARAMETER instead of
// corrupting the heap. Blocks are zeroed when allocated and wiped when freed.
#pragma once

#include <cstddef>
#include <cstdint>

#include "util/status.h"

namespace opensslp::abi {

// Returns `size` zeroed bytes (size 0 is treated as 1); throws std::bad_alloc on exhaustion.
void* AllocateCallerBuffer(std::size_t size);

// Frees a block from AllocateCallerBuffer; kInvalidParameter for NULL or an unknown pointer.
Status FreeCallerBuffer(void* block);

// True if `block` is a live block of ours of at least `min_size` bytes (enumeration functions use
// it to validate their state). With `leading_magic`, the block's first four bytes must also hold
// that value; it is read under the registry's lock, so a racing SslFreeBuffer cannot free the
// block while it is being checked.
bool IsCallerBuffer(const void* block, std::size_t min_size);
bool IsCallerBuffer(const void* block, std::size_t min_size, std::uint32_t leading_magic);

template <class T>
T* AllocateCallerArray(std::size_t count) {
  return static_cast<T*>(AllocateCallerBuffer(sizeof(T) * (count == 0 ? 1 : count)));
}

}  // namespace opensslp::abi
