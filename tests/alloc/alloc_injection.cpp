// alloc_injection.cpp - see alloc_injection.h. The replacement allocation functions below are the
// executable's, so they also serve libstdc++ and the provider code linked into it (the static
// library); with AddressSanitizer they sit on top of its malloc, so leaks are still reported.
#include "alloc/alloc_injection.h"

#include <openssl/crypto.h>

#include <atomic>
#include <cstdlib>
#include <new>

namespace opensslp::alloc_test {
namespace {

// Per thread, so a stray allocation on another thread neither counts nor fails. Plain values:
// thread_local PODs need no allocation of their own.
thread_local bool t_armed = false;
thread_local long t_count = 0;
thread_local long t_fail_at = 0;
thread_local bool t_fired = false;
thread_local bool t_fired_in_crypto = false;

std::atomic<long> g_live_blocks{0};

// True if this allocation must fail.
bool NextAllocationFails() noexcept {
  if (!t_armed) return false;
  ++t_count;
  if (t_fail_at != 0 && t_count == t_fail_at) {
    t_fired = true;
    return true;
  }
  return false;
}

void* Allocate(std::size_t size, std::size_t alignment, bool crypto = false) noexcept {
  if (NextAllocationFails()) {
    t_fired_in_crypto = crypto;
    return nullptr;
  }
  if (size == 0) size = 1;
  void* p = nullptr;
  if (alignment <= alignof(std::max_align_t)) {
    p = std::malloc(size);
  } else if (posix_memalign(&p, alignment, size) != 0) {
    p = nullptr;
  }
  if (p != nullptr) g_live_blocks.fetch_add(1, std::memory_order_relaxed);
  return p;
}

void Release(void* p) noexcept {
  if (p == nullptr) return;
  g_live_blocks.fetch_sub(1, std::memory_order_relaxed);
  std::free(p);
}

// OpenSSL's hooks, with CRYPTO_malloc's own conventions: a zero-byte request gets NULL (and is
// not an allocation); realloc of NULL allocates; realloc to zero bytes frees.
void* CryptoMalloc(std::size_t size, const char*, int) {
  if (size == 0) return nullptr;
  return Allocate(size, 1, true);
}

void* CryptoRealloc(void* p, std::size_t size, const char* file, int line) {
  if (p == nullptr) return CryptoMalloc(size, file, line);
  if (size == 0) {
    Release(p);
    return nullptr;
  }
  if (NextAllocationFails()) {  // the old block stays valid, as with realloc
    t_fired_in_crypto = true;
    return nullptr;
  }
  return std::realloc(p, size);
}

void CryptoFree(void* p, const char*, int) { Release(p); }

}  // namespace

bool InstallCryptoAllocator() { return CRYPTO_set_mem_functions(CryptoMalloc, CryptoRealloc, CryptoFree) == 1; }

void Arm(long fail_at) {
  t_count = 0;
  t_fail_at = fail_at;
  t_fired = false;
  t_fired_in_crypto = false;
  t_armed = true;
}

Outcome Disarm() {
  t_armed = false;
  return Outcome{t_count, t_fired, t_fired && t_fired_in_crypto};
}

long LiveBlocks() { return g_live_blocks.load(); }

}  // namespace opensslp::alloc_test

// ---- The replaceable allocation functions ([new.delete]) -------------------------------------

namespace {
void* NewOrThrow(std::size_t size, std::size_t alignment) {
  void* p = opensslp::alloc_test::Allocate(size, alignment);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
}  // namespace

void* operator new(std::size_t size) { return NewOrThrow(size, alignof(std::max_align_t)); }
void* operator new[](std::size_t size) { return NewOrThrow(size, alignof(std::max_align_t)); }
void* operator new(std::size_t size, std::align_val_t al) { return NewOrThrow(size, static_cast<std::size_t>(al)); }
void* operator new[](std::size_t size, std::align_val_t al) { return NewOrThrow(size, static_cast<std::size_t>(al)); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  return opensslp::alloc_test::Allocate(size, alignof(std::max_align_t));
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  return opensslp::alloc_test::Allocate(size, alignof(std::max_align_t));
}
void* operator new(std::size_t size, std::align_val_t al, const std::nothrow_t&) noexcept {
  return opensslp::alloc_test::Allocate(size, static_cast<std::size_t>(al));
}
void* operator new[](std::size_t size, std::align_val_t al, const std::nothrow_t&) noexcept {
  return opensslp::alloc_test::Allocate(size, static_cast<std::size_t>(al));
}
void operator delete(void* p) noexcept { opensslp::alloc_test::Release(p); }
void operator delete[](void* p) noexcept { opensslp::alloc_test::Release(p); }
void operator delete(void* p, std::size_t) noexcept { opensslp::alloc_test::Release(p); }
void operator delete[](void* p, std::size_t) noexcept { opensslp::alloc_test::Release(p); }
void operator delete(void* p, std::align_val_t) noexcept { opensslp::alloc_test::Release(p); }
void operator delete[](void* p, std::align_val_t) noexcept { opensslp::alloc_test::Release(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { opensslp::alloc_test::Release(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { opensslp::alloc_test::Release(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { opensslp::alloc_test::Release(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { opensslp::alloc_test::Release(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { opensslp::alloc_test::Release(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { opensslp::alloc_test::Release(p); }
