// wipe_hooks.cpp - see wipe_hooks.h. Linux (glibc) only: execinfo backtraces, aligned_alloc.
#include "wipe/wipe_hooks.h"

#include <execinfo.h>
#include <openssl/crypto.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

namespace opensslp_wipe {
namespace {

// ---- secrets ------------------------------------------------------------------------------------

constexpr std::size_t kMaxSecrets = 2048;
constexpr std::size_t kMaxSecretBytes = 1024;
constexpr std::size_t kNeedleBytes = 16;
constexpr std::size_t kMinSecretBytes = 12;

struct Secret {
  char name[96];
  std::uint8_t bytes[kMaxSecretBytes];
  std::size_t len;
};
Secret g_secrets[kMaxSecrets];
std::atomic<std::size_t> g_secret_count{0};

// ---- hits -----------------------------------------------------------------------------------------

constexpr std::size_t kMaxHits = 64;
constexpr int kFrames = 16;
struct RawHit {
  const Secret* secret;
  std::size_t block_size;
  const char* file;
  int line;
  void* frames[kFrames];
  int depth;
  bool on_stack;
  std::size_t depth_below;
  const void* address;
};
RawHit g_hits[kMaxHits];
std::atomic<std::size_t> g_hit_count{0};
std::atomic<std::uint64_t> g_blocks_scanned{0};
std::atomic<std::uint64_t> g_stack_windows_scanned{0};

thread_local bool t_scanning = false;
thread_local bool t_in_scan = false;

void Scan(const void* p, std::size_t n, const char* file, int line, bool on_stack = false) {
  if (!t_scanning || t_in_scan || p == nullptr || n == 0) return;
  t_in_scan = true;
  if (!on_stack) g_blocks_scanned.fetch_add(1, std::memory_order_relaxed);
  const auto* block = static_cast<const std::uint8_t*>(p);
  const std::size_t count = g_secret_count.load(std::memory_order_acquire);
  for (std::size_t i = 0; i < count; ++i) {
    const Secret& s = g_secrets[i];
    const std::size_t len = s.len < kNeedleBytes ? s.len : kNeedleBytes;
    const void* at = n >= len ? memmem(block, n, s.bytes, len) : nullptr;
    if (at == nullptr && n >= len) at = memmem(block, n, s.bytes + s.len - len, len);
    if (at == nullptr) continue;
    const std::size_t slot = g_hit_count.fetch_add(1);
    if (slot < kMaxHits) {
      RawHit& h = g_hits[slot];
      h.secret = &s;
      h.block_size = n;
      h.file = file;
      h.line = line;
      h.on_stack = on_stack;
      // On the stack: how deep below the end of the window (the caller's frame) the copy lies.
      h.depth_below = on_stack ? static_cast<std::size_t>(block + n - static_cast<const std::uint8_t*>(at)) : 0;
      h.address = at;
      // glibc's backtrace uses malloc, not these hooks. On the stack the hit's backtrace would be the
      // scanner's; `file` names the call instead.
      h.depth = on_stack ? 0 : backtrace(h.frames, kFrames);
    }
    break;  // one hit per block is enough to name it
  }
  t_in_scan = false;
}

// ---- the allocator ----------------------------------------------------------------------------------
// [base ... user): header; the requested size sits in the 8 bytes just before `user`.

constexpr std::size_t kHeader = 16;
constexpr std::uint8_t kFreshByte = 0xA5;
constexpr std::uint8_t kFreedByte = 0xDD;

std::size_t& SizeOf(void* user) {
  return *reinterpret_cast<std::size_t*>(static_cast<char*>(user) - sizeof(std::size_t));
}

void* Allocate(std::size_t n, std::size_t align = 0) {
  const std::size_t header = align > kHeader ? align : kHeader;
  char* base = nullptr;
  if (align == 0) {
    base = static_cast<char*>(std::malloc(header + n));
  } else {
    const std::size_t total = (header + n + align - 1) / align * align;
    base = static_cast<char*>(std::aligned_alloc(align, total));
  }
  if (base == nullptr) return nullptr;
  void* user = base + header;
  SizeOf(user) = n;
  std::memset(user, kFreshByte, n);
  return user;
}

void Release(void* user, const char* file, int line, std::size_t align = 0) {
  if (user == nullptr) return;
  if (file == nullptr) file = "";  // operator delete
  const std::size_t n = SizeOf(user);
  Scan(user, n, file, line);
  std::memset(user, kFreedByte, n);
  const std::size_t header = align > kHeader ? align : kHeader;
  std::free(static_cast<char*>(user) - header);
}

void* OsslMalloc(std::size_t n, const char* /*file*/, int /*line*/) { return Allocate(n); }

// A move, never an in-place resize: the old block is scanned and poisoned like any freed block
// (OpenSSL reallocs a buffer that holds a secret with OPENSSL_clear_realloc, which does not come
// here with the secret still in place).
void* OsslRealloc(void* p, std::size_t n, const char* file, int line) {
  if (p == nullptr) return Allocate(n);
  if (n == 0) {
    Release(p, file, line);
    return nullptr;
  }
  void* q = Allocate(n);
  if (q == nullptr) return nullptr;
  const std::size_t old = SizeOf(p);
  std::memcpy(q, p, old < n ? old : n);
  Release(p, file, line);
  return q;
}

void OsslFree(void* p, const char* file, int line) { Release(p, file != nullptr ? file : "(OpenSSL)", line); }

// Before main: before any test, and before OpenSSL's first allocation.
const bool g_openssl_hooks = CRYPTO_set_mem_functions(OsslMalloc, OsslRealloc, OsslFree) == 1;

}  // namespace

bool OpensslHooksInstalled() { return g_openssl_hooks; }

void AddSecret(std::string_view name, std::span<const std::uint8_t> secret) {
  if (secret.size() < kMinSecretBytes) return;
  const std::size_t i = g_secret_count.load();
  if (i >= kMaxSecrets) {
    std::fprintf(stderr, "wipe: too many secrets\n");
    std::abort();
  }
  Secret& s = g_secrets[i];
  const std::size_t name_len = name.size() < sizeof s.name - 1 ? name.size() : sizeof s.name - 1;
  std::memcpy(s.name, name.data(), name_len);
  s.name[name_len] = '\0';
  s.len = secret.size() < kMaxSecretBytes ? secret.size() : kMaxSecretBytes;
  std::memcpy(s.bytes, secret.data(), s.len);
  g_secret_count.store(i + 1, std::memory_order_release);
}

std::vector<SecretView> Secrets() {
  std::vector<SecretView> out;
  for (std::size_t i = 0; i < g_secret_count.load(); ++i)
    out.push_back(
        {g_secrets[i].name, std::vector<std::uint8_t>(g_secrets[i].bytes, g_secrets[i].bytes + g_secrets[i].len)});
  return out;
}

void ClearSecrets() {
  for (std::size_t i = 0; i < g_secret_count.load(); ++i) OPENSSL_cleanse(&g_secrets[i], sizeof g_secrets[i]);
  g_secret_count.store(0);
}

std::size_t SecretCount() { return g_secret_count.load(); }

std::vector<Hit> TakeHits() {
  std::vector<Hit> out;
  const std::size_t n = g_hit_count.exchange(0);
  for (std::size_t i = 0; i < n && i < kMaxHits; ++i) {
    const RawHit& h = g_hits[i];
    Hit hit{h.secret->name, h.block_size, "operator delete", "", h.on_stack};
    if (h.on_stack) {
      char address[32];
      std::snprintf(address, sizeof address, "%p", h.address);
      hit.where = std::string(h.file) + " (" + std::to_string(h.depth_below) + " bytes below its caller's frame, at " +
                  address + ")";
    } else if (h.file != nullptr && h.file[0] != '\0') {
      hit.where = std::string(h.file) + ":" + std::to_string(h.line);
    }
    char** symbols = backtrace_symbols(h.frames, h.depth);
    for (int f = 0; f < h.depth; ++f) {
      hit.backtrace += "    ";
      hit.backtrace += symbols != nullptr ? symbols[f] : "?";
      hit.backtrace += "\n";
    }
    std::free(symbols);
    out.push_back(std::move(hit));
  }
  return out;
}

std::uint64_t BlocksScanned() { return g_blocks_scanned.load(); }

ScanScope::ScanScope() : previous_(t_scanning) { t_scanning = true; }
ScanScope::~ScanScope() { t_scanning = previous_; }

__attribute__((noinline)) void PoisonStackBelow() {
  unsigned char window[kStackWindow];
  std::memset(window, kFreedByte, sizeof window);
  asm volatile("" : : "r"(window) : "memory");  // the stores are observable: not dead
}

__attribute__((noinline)) void ScanStackBelow(const char* call) {
  unsigned char window[kStackWindow];
  asm volatile("" : : "r"(window) : "memory");  // the bytes are unknown to the compiler
  g_stack_windows_scanned.fetch_add(1, std::memory_order_relaxed);
  Scan(window, sizeof window, call, 0, /*on_stack=*/true);
}

std::uint64_t StackWindowsScanned() { return g_stack_windows_scanned.load(); }

}  // namespace opensslp_wipe

// ---- the global operator new / delete, every form ----------------------------------------------------

namespace {
void* NewOrThrow(std::size_t n, std::size_t align = 0) {
  void* p = opensslp_wipe::Allocate(n == 0 ? 1 : n, align);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
void* NewOrNull(std::size_t n, std::size_t align = 0) noexcept {
  return opensslp_wipe::Allocate(n == 0 ? 1 : n, align);
}
void Delete(void* p, std::size_t align = 0) noexcept { opensslp_wipe::Release(p, nullptr, 0, align); }
std::size_t A(std::align_val_t a) { return static_cast<std::size_t>(a); }
}  // namespace

void* operator new(std::size_t n) { return NewOrThrow(n); }
void* operator new[](std::size_t n) { return NewOrThrow(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return NewOrNull(n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return NewOrNull(n); }
void* operator new(std::size_t n, std::align_val_t a) { return NewOrThrow(n, A(a)); }
void* operator new[](std::size_t n, std::align_val_t a) { return NewOrThrow(n, A(a)); }
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept { return NewOrNull(n, A(a)); }
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept { return NewOrNull(n, A(a)); }

void operator delete(void* p) noexcept { Delete(p); }
void operator delete[](void* p) noexcept { Delete(p); }
void operator delete(void* p, std::size_t) noexcept { Delete(p); }
void operator delete[](void* p, std::size_t) noexcept { Delete(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { Delete(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { Delete(p); }
void operator delete(void* p, std::align_val_t a) noexcept { Delete(p, A(a)); }
void operator delete[](void* p, std::align_val_t a) noexcept { Delete(p, A(a)); }
void operator delete(void* p, std::size_t, std::align_val_t a) noexcept { Delete(p, A(a)); }
void operator delete[](void* p, std::size_t, std::align_val_t a) noexcept { Delete(p, A(a)); }
void operator delete(void* p, std::align_val_t a, const std::nothrow_t&) noexcept { Delete(p, A(a)); }
void operator delete[](void* p, std::align_val_t a, const std::nothrow_t&) noexcept { Delete(p, A(a)); }
