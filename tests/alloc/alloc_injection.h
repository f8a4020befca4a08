// alloc_injection.h - allocation counting and failure injection for the allocation-failure tests
// (docs/robustness.md).
//
// The test executable replaces the C++ allocation functions (every operator new and delete) and
// installs OpenSSL's allocator hooks (CRYPTO_set_mem_functions), so every allocation the provider
// makes -- its own through operator new, OpenSSL's through OPENSSL_malloc / OPENSSL_realloc --
// passes through one counter. While armed on the calling thread, the counter numbers those
// allocations 1, 2, ... and makes allocation number `fail_at` fail: operator new throws
// std::bad_alloc (the nothrow forms return nullptr), OpenSSL's malloc and realloc return NULL.
// Allocations of other threads are never counted and never fail.
#pragma once

#include <cstddef>

namespace opensslp::alloc_test {

// Installs the OpenSSL hooks. Must run before OpenSSL allocates anything (OpenSSL 3.0 refuses
// CRYPTO_set_mem_functions after its first allocation); false if OpenSSL refused.
bool InstallCryptoAllocator();

// Starts counting this thread's allocations from zero; `fail_at` = 0 counts without failing.
void Arm(long fail_at);

struct Outcome {
  long allocations = 0;    // allocations attempted while armed (the failed one included)
  bool fired = false;      // allocation number fail_at was reached, and failed
  bool in_crypto = false;  // ... and it was OpenSSL's (OPENSSL_malloc / realloc), not operator new
};
// Stops counting and returns what happened since Arm.
Outcome Disarm();

// Blocks currently allocated through the hooked functions, all threads (for leak checks).
long LiveBlocks();

}  // namespace opensslp::alloc_test
