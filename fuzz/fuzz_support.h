// fuzz_support.h - what every fuzz target checks beyond "no crash" (docs/testing.md#fuzzing).
//
//   * Status: every export returns 0 or one of the documented NTE_* codes of the error map
//     (docs/errors.md); NTE_INTERNAL_ERROR or anything else aborts (a bug, whatever the input).
//   * Handles: the handle table holds as many live objects after the input as before it
//     (HandleScope): a failed call leaves no half-made handle, a target frees what it made.
//   * Round trips: ExpectEqual aborts when an export/import round trip is not exact.
// An abort is what libFuzzer reports as a crash, with the input that caused it.
#ifndef OPENSSLP_FUZZ_SUPPORT_H
#define OPENSSLP_FUZZ_SUPPORT_H

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "sslprovider.h"

namespace opensslp::fuzz {

// Aborts with a message naming `what` unless `status` is 0 or a documented NTE_* code.
SECURITY_STATUS CheckStatus(SECURITY_STATUS status, const char* what);
// Aborts with `what` unless `condition` holds.
void Require(bool condition, const char* what);
void ExpectEqual(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b, const char* what);

// The number of live handles; HandleScope aborts in its destructor if it changed.
std::size_t LiveHandles();
class HandleScope {
 public:
  HandleScope();
  HandleScope(const HandleScope&) = delete;
  HandleScope& operator=(const HandleScope&) = delete;
  ~HandleScope();

 private:
  std::size_t before_;
};

// A provider handle for the whole run (opened once, never freed: libFuzzer never returns).
NCRYPT_PROV_HANDLE Provider();

// Frees a handle through SslFreeObject (0 is ignored) and checks the status.
void Free(NCRYPT_HANDLE handle);

}  // namespace opensslp::fuzz

#endif  // OPENSSLP_FUZZ_SUPPORT_H
