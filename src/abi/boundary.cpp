#include "abi/boundary.h"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#if !defined(_WIN32)
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include "core/configuration.h"
#include "core/library.h"
#include "core/private_key.h"
#include "handles/lookup_log.h"
#include "util/secret.h"

namespace opensslp::abi {

SECURITY_STATUS ToSecurityStatus(Error error) noexcept {
  switch (error) {
    case Error::kInvalidHandle: return NTE_INVALID_HANDLE;
    case Error::kInvalidParameter: return NTE_INVALID_PARAMETER;
    case Error::kBadFlags: return NTE_BAD_FLAGS;
    case Error::kBufferTooSmall: return NTE_BUFFER_TOO_SMALL;
    case Error::kNoMemory: return NTE_NO_MEMORY;
    case Error::kNotSupported: return NTE_NOT_SUPPORTED;
    case Error::kNoMoreItems: return NTE_NO_MORE_ITEMS;
    case Error::kBadData: return NTE_BAD_DATA;
    case Error::kBadKey: return NTE_BAD_KEY;
    case Error::kBadKeyState: return NTE_BAD_KEY_STATE;
    case Error::kBadSignature: return NTE_BAD_SIGNATURE;
    case Error::kBadRecord: return NTE_DECRYPTION_FAILURE;
    case Error::kBuffersOverlap: return NTE_BUFFERS_OVERLAP;
    case Error::kNotFound: return NTE_NOT_FOUND;
    case Error::kBadType: return NTE_BAD_TYPE;
    case Error::kInternal: return NTE_INTERNAL_ERROR;
  }
  return NTE_INTERNAL_ERROR;
}

const char* SecurityStatusName(SECURITY_STATUS status) noexcept {
  switch (status) {
    case NTE_INVALID_HANDLE: return "NTE_INVALID_HANDLE";
    case NTE_INVALID_PARAMETER: return "NTE_INVALID_PARAMETER";
    case NTE_BAD_FLAGS: return "NTE_BAD_FLAGS";
    case NTE_BUFFER_TOO_SMALL: return "NTE_BUFFER_TOO_SMALL";
    case NTE_NO_MEMORY: return "NTE_NO_MEMORY";
    case NTE_NOT_SUPPORTED: return "NTE_NOT_SUPPORTED";
    case NTE_NO_MORE_ITEMS: return "NTE_NO_MORE_ITEMS";
    case NTE_BAD_DATA: return "NTE_BAD_DATA";
    case NTE_BAD_KEY: return "NTE_BAD_KEY";
    case NTE_BAD_KEY_STATE: return "NTE_BAD_KEY_STATE";
    case NTE_BAD_SIGNATURE: return "NTE_BAD_SIGNATURE";
    case NTE_DECRYPTION_FAILURE: return "NTE_DECRYPTION_FAILURE";
    case NTE_BUFFERS_OVERLAP: return "NTE_BUFFERS_OVERLAP";
    case NTE_NOT_FOUND: return "NTE_NOT_FOUND";
    case NTE_BAD_TYPE: return "NTE_BAD_TYPE";
    case NTE_INTERNAL_ERROR: return "NTE_INTERNAL_ERROR";
    default: return "SECURITY_STATUS";
  }
}

void EnterLibrary() noexcept {
  InitializeCryptoLibrary();
  // The administrator's configuration (core/configuration.h) before anything else of the call:
  // the trace it may switch on then covers the process's first call too. One atomic load after
  // the first read.
  config::EnsureLoaded();
}

namespace {

std::int64_t SteadyMicroseconds() noexcept {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// The ids a debugger, Process Explorer, ps or gdb show for this process and thread.
std::uint64_t ProcessId() noexcept {
#if defined(_WIN32)
  return GetCurrentProcessId();
#else
  return static_cast<std::uint64_t>(::getpid());
#endif
}

std::uint64_t ThreadId() noexcept {
#if defined(_WIN32)
  return GetCurrentThreadId();
#elif defined(SYS_gettid)
  return static_cast<std::uint64_t>(::syscall(SYS_gettid));
#else
  return static_cast<std::uint64_t>(::getpid());
#endif
}

}  // namespace

std::int64_t BeginTracedCall() noexcept {
  lookup_log::Reset();
  ClearErrorOrigin();
  return SteadyMicroseconds();
}

void EndTracedCall(const char* function, std::int64_t start, SECURITY_STATUS rc, Error error) noexcept {
  const trace::Level level = trace::CurrentLevel();
  if (level == trace::Level::kOff || (rc == 0 && level != trace::Level::kVerbose)) return;
  trace::Call call;
  call.function = function;
  const std::int64_t elapsed = SteadyMicroseconds() - start;
  call.duration_us = elapsed > 0 ? static_cast<std::uint64_t>(elapsed) : 0;
  call.process_id = ProcessId();
  call.thread_id = ThreadId();
  if (rc != 0) {
    call.status = static_cast<std::uint32_t>(rc);
    call.status_name = SecurityStatusName(rc);
    call.reason = ErrorName(error);
    call.origin = LastErrorOrigin();
  }
  trace::WriteCall(call);
}

void ReportFailure(SECURITY_STATUS rc) noexcept {
#if defined(OPENSSLP_ERROR_TRACE) && OPENSSLP_ERROR_TRACE
  static const bool enabled = [] {
    const char* value = std::getenv("OPENSSLP_ERROR_TRACE");
    return value != nullptr && std::strcmp(value, "1") == 0;
  }();
  if (!enabled) return;
  const ErrorOrigin origin = LastErrorOrigin();
  // The path from src/ on: __FILE__ is however the build named it.
  const char* file = origin.file != nullptr ? origin.file : "?";
  if (const char* src = std::strstr(file, "src/")) file = src;
  char line[512];
  std::snprintf(line, sizeof line, "opensslp: 0x%08lX at %s:%d: %s\n",
                static_cast<unsigned long>(static_cast<std::uint32_t>(rc)), file, origin.line,
                origin.condition != nullptr ? origin.condition : "(no origin recorded)");
  std::fputs(line, stderr);
#if defined(_WIN32)
  OutputDebugStringA(line);
#endif
#else
  (void)rc;
#endif
}

SECURITY_STATUS FinishFailedCall(Error error, const char* function, std::int64_t start) noexcept {
  const Error resolved = ResolveCryptoLibraryFailure(error);  // empties the queue
  const SECURITY_STATUS rc = ToSecurityStatus(resolved);
  ReportFailure(rc);
  if (function != nullptr) [[unlikely]]
    EndTracedCall(function, start, rc, resolved);
  return rc;
}

// Not inlined, so that its frame starts where the finished call's frames did and `dead` covers
// them (boundary.h). The array is never read: SecureWipe's stores are the point, and it is written
// so that the optimiser keeps them.
#if defined(_MSC_VER)
__declspec(noinline)
#else
__attribute__((noinline))
#endif
    void ScrubStack() noexcept {
  std::uint8_t dead[kStackScrubBytes];
  SecureWipe(dead, sizeof dead);
}

void LeaveLibrary() noexcept {
  // Peeks first: far cheaper than clearing on the common, error-free path (bench/README.md).
  ClearCryptoLibraryErrors();
}

Result<std::shared_ptr<Provider>> RequireProvider(NCRYPT_PROV_HANDLE handle) {
  return HandleTable::Global().Lookup<Provider>(static_cast<Handle>(handle));
}

std::optional<Result<std::shared_ptr<PrivateKey>>> ResolveDeferredKey(const Object& object) {
  if (object.kind() != ObjectKind::kDeferredPrivateKey) return std::nullopt;
  return static_cast<const DeferredPrivateKey&>(object).Resolve();
}

Result<std::shared_ptr<const KeyObject>> RequireAnyKey(ULONG_PTR handle) {
  ASSIGN_OR_RETURN(std::shared_ptr<Object> object, HandleTable::Global().LookupAny(static_cast<Handle>(handle)));
  if (auto deferred = ResolveDeferredKey(*object)) {
    ASSIGN_OR_RETURN(std::shared_ptr<PrivateKey> reopened, std::move(*deferred));
    return std::shared_ptr<const KeyObject>(std::move(reopened));
  }
  const KeyObject* key = object->AsKey();
  if (key == nullptr && lookup_log::On()) lookup_log::MarkLastWrongKind(ObjectKind{});  // not a key
  ENSURE(key != nullptr, Error::kInvalidHandle);
  return std::shared_ptr<const KeyObject>(std::move(object), key);  // aliasing: shares ownership
}

Result<std::shared_ptr<PrivateKey>> RequirePrivateKey(ULONG_PTR handle) {
  ASSIGN_OR_RETURN(std::shared_ptr<Object> object, HandleTable::Global().LookupAny(static_cast<Handle>(handle)));
  if (auto deferred = ResolveDeferredKey(*object)) return std::move(*deferred);
  if (object->kind() != ObjectKind::kPrivateKey && lookup_log::On()) {
    lookup_log::MarkLastWrongKind(ObjectKind::kPrivateKey);
  }
  ENSURE(object->kind() == ObjectKind::kPrivateKey, Error::kInvalidHandle);
  return std::static_pointer_cast<PrivateKey>(std::move(object));
}

Result<std::u16string_view> ReadWideString(LPCWSTR text, std::size_t max_chars) {
  if (text == nullptr) return Error::kInvalidParameter;
  const auto* p = reinterpret_cast<const char16_t*>(text);
  std::size_t n = 0;
  while (p[n] != 0) {
    if (++n > max_chars) return Error::kInvalidParameter;
  }
  return std::u16string_view(p, n);
}

}  // namespace opensslp::abi
