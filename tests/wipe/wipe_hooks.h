// wipe_hooks.h - the freed-memory inspector of opensslp_wipe_tests (docs/soak-and-wipe.md).
//
// The test executable replaces the global operator new / delete (every form) and installs its own
// allocator in OpenSSL with CRYPTO_set_mem_functions before OpenSSL allocates anything. Every block
// carries its requested size in a header, is filled with 0xA5 when handed out and with 0xDD after
// it is freed, so a block's bytes at free time are exactly what was written into it during its
// life: no stale data of an earlier owner can show up in it.
//
// While a thread is inside a provider call (ScanScope, the P() macro), each block freed by that
// thread is searched for every registered secret before it is poisoned. A secret is registered as
// its first and last 16 bytes (or whole, if shorter; secrets under 12 bytes are not registered: a
// 4-byte TLS 1.2 GCM salt would match by chance), so a copy that was truncated is still found.
// A hit records the secret's name, the block size, OpenSSL's file:line for its own frees, and a
// backtrace.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace opensslp_wipe {

// True if OpenSSL accepted the allocator (it refuses once it has allocated).
bool OpensslHooksInstalled();

// Registers a secret under `name` (copied into static storage; nothing is allocated).
void AddSecret(std::string_view name, std::span<const std::uint8_t> secret);
// Every registered secret's full bytes, for the log checks (names kept alongside).
struct SecretView {
  std::string name;
  std::vector<std::uint8_t> bytes;
};
std::vector<SecretView> Secrets();
void ClearSecrets();
std::size_t SecretCount();

struct Hit {
  std::string secret;
  std::size_t block_size;
  std::string where;  // OpenSSL's file:line, "operator delete", or (on_stack) the provider call
  std::string backtrace;
  bool on_stack = false;  // found in the dead stack a provider call left behind, not a freed block
};
// The hits since the last call (and clears them).
std::vector<Hit> TakeHits();
// Blocks scanned so far (a test that scanned nothing proves nothing).
std::uint64_t BlocksScanned();

// Scanning is on for this thread while a ScanScope lives.
class ScanScope {
 public:
  ScanScope();
  ~ScanScope();
  ScanScope(const ScanScope&) = delete;
  ScanScope& operator=(const ScanScope&) = delete;

 private:
  bool previous_;
};

// The dead stack. A provider call's frames (opensslp's and OpenSSL's) live below its caller's
// frame and are not freed: what a call leaves there stays until the next call overwrites it. Before
// a provider call, PoisonStackBelow fills the kStackWindow bytes below the caller's frame with the
// freed-byte pattern (so nothing earlier, such as the test's own reference computations, is found
// there); after it, ScanStackBelow searches the same bytes, now what the call's frames left, for
// every registered secret. Each is a separate non-inlined function whose frame starts where the
// call's did and whose local array spans the window. Reading that array before writing it is
// reading the dead frames on purpose; the build is unsanitised and the asm barriers keep the
// compiler from assuming anything about the bytes.
constexpr std::size_t kStackWindow = 64 * 1024;
void PoisonStackBelow();
void ScanStackBelow(const char* call);
// Stack windows searched so far.
std::uint64_t StackWindowsScanned();

template <class F>
auto InProvider(const char* call, F&& f) {
  ScanScope scope;
  PoisonStackBelow();
  auto result = f();
  ScanStackBelow(call);
  return result;
}

}  // namespace opensslp_wipe

// P(SslSomething(...)): a provider call during which every freed block is scanned, and after which
// the stack it used is.
#define P(call) ::opensslp_wipe::InProvider(#call, [&] { return (call); })
