// boundary.h - the one way into opensslp from the ABI.
//
// Every exported function body runs inside Guard(): it converts the internal Status into a
// SECURITY_STATUS through the single error map, turns std::bad_alloc into NTE_NO_MEMORY and any
// other exception into NTE_INTERNAL_ERROR (no C++ exception ever crosses the ABI), and empties the
// thread's OpenSSL error queue on every return (docs/style.md#rule-1, docs/style.md#rule-2,
// docs/style.md#rule-3). `function` is the export's name (each export passes __func__): the
// per-call trace (core/trace.h, docs/diagnostics.md) names the call with it. While the trace is on,
// the guard empties the thread's lookup log on entry, times the call and writes its line on exit;
// while it is off, the trace costs one relaxed atomic load per call.
#pragma once

#include <cstdint>
#include <memory>
#include <new>
#include <optional>

#include "core/provider.h"
#include "core/trace.h"
#include "handles/handle_table.h"
#include "sslprovider.h"
#include "util/status.h"

#if defined(_WIN32)
#define OPENSSLP_EXPORT  // exported through def/opensslp.def
#else
#define OPENSSLP_EXPORT __attribute__((visibility("default")))
#endif

namespace opensslp {
class PrivateKey;
}  // namespace opensslp

namespace opensslp::abi {

// The error map: the only place an Error becomes a SECURITY_STATUS (docs/errors.md).
SECURITY_STATUS ToSecurityStatus(Error error) noexcept;
inline SECURITY_STATUS ToSecurityStatus(const Status& status) noexcept {
  return status.ok() ? SECURITY_STATUS{0} : ToSecurityStatus(status.error());
}

// The NTE_* name of a status ToSecurityStatus returns ("NTE_INVALID_HANDLE"), for the trace;
// "SECURITY_STATUS" for any other value.
const char* SecurityStatusName(SECURITY_STATUS status) noexcept;

// Called on every entry to and exit from the library.
void EnterLibrary() noexcept;
void LeaveLibrary() noexcept;

// Overwrites the kStackScrubBytes of stack just below the caller's frame with zeros. A call's
// frames (opensslp's and OpenSSL's) are left where they were when it returns, and OpenSSL's code
// does not wipe all of them: its SHA-384/512 block function leaves the last HMAC output (a PRF
// output block: master secret, key block) in its frame, and the key file decoders leave private
// key numbers (found by tests/wipe, docs/soak-and-wipe.md#stack). Guard calls this after every
// export's body, so the frames below the export's own are gone before the call returns to its
// caller (the export's own frame, where the body is inlined, holds only self-wiping types and
// buffers the code cleanses itself); GuardRecord only
// after a failed record call (a record call's cost is measured: bench/README.md). The deepest
// secret found there was about 6 KB below the export's frame; every thread that calls opensslp
// needs this much stack more than the call itself uses.
inline constexpr std::size_t kStackScrubBytes = 16 * 1024;
void ScrubStack() noexcept;

// Debug builds (OPENSSLP_ERROR_TRACE): reports a failed call's error origin (util/status.h) --
// "opensslp: 0x... at src/file.cpp:line: condition" -- on stderr (and, on Windows, to
// OutputDebugString) when the environment variable OPENSSLP_ERROR_TRACE is 1. Release builds:
// nothing (the per-call trace, core/trace.h, reports origins in every build).
void ReportFailure(SECURITY_STATUS rc) noexcept;

// The per-call trace, while it is on. BeginTracedCall empties this thread's lookup log
// (handles/lookup_log.h) and error origin and returns the steady clock's time of entry;
// EndTracedCall writes the call's line if the level asks for it (core/trace.h WriteCall). `error`
// is the final error of a failed call (ignored when rc is 0).
std::int64_t BeginTracedCall() noexcept;
void EndTracedCall(const char* function, std::int64_t start, SECURITY_STATUS rc, Error error) noexcept;

// The failure half of Guard and GuardRecord: if the crypto library recorded an allocation failure
// during the call, the call failed for want of memory whatever error the code it failed in chose
// (an OpenSSL operation that cannot allocate reports its own failure: a key "does not parse", a
// signature "does not verify"), so the error becomes kNoMemory (core/library.h
// ResolveCryptoLibraryFailure, docs/robustness.md). Then maps the error, reports its origin (debug
// builds), leaves the library's error queue empty and, for a traced call (`function` not null),
// writes the trace line.
SECURITY_STATUS FinishFailedCall(Error error, const char* function = nullptr, std::int64_t start = 0) noexcept;

template <class Body>
SECURITY_STATUS Guard(const char* function, Body&& body) noexcept {
  EnterLibrary();  // first: it reads the configuration, which may switch the trace on for this call
  const bool traced = trace::CurrentLevel() != trace::Level::kOff;
  std::int64_t start = 0;
  if (traced) [[unlikely]]
    start = BeginTracedCall();
  ClearErrorOrigin();
  Error error = Error::kInternal;
  bool ok = false;
  try {
    const Status status(body());
    ok = status.ok();
    if (!ok) error = status.error();
  } catch (const std::bad_alloc&) {
    error = Error::kNoMemory;
  } catch (...) {
    error = Error::kInternal;
  }
  // After the try/catch, not in a handler: with the MSVC ABI a catch handler runs on top of the
  // thrower's still-live frames, and a scrub there would land below them.
  ScrubStack();
  if (ok) {
    LeaveLibrary();
    if (traced) [[unlikely]]
      EndTracedCall(function, start, 0, Error::kInternal);
    return 0;
  }
  return FinishFailedCall(error, traced ? function : nullptr, start);
}

// Guard for the per-record exports (SslEncryptPacket, SslDecryptPacket), whose fixed cost is
// measured against raw OpenSSL (bench/README.md): the same error map and exception barrier, but
// (1) no EnterLibrary: a record call needs a live session key, which exists only after the
// library was initialised (any call without one fails on its handles before touching OpenSSL);
// (2) OpenSSL's error queue is emptied only when the call failed: the record path's EVP calls
// leave nothing behind when they succeed (the test harness checks the queue after every test);
// (3) with the trace off, it adds one relaxed load and nothing else: no clock read, no
// thread-local write, no allocation (tests/alloc RecordPathAllocatesNothing).
template <class Body>
SECURITY_STATUS GuardRecord(const char* function, Body&& body) noexcept {
  const bool traced = trace::CurrentLevel() != trace::Level::kOff;
  std::int64_t start = 0;
  if (traced) [[unlikely]]
    start = BeginTracedCall();
#if defined(OPENSSLP_ERROR_TRACE) && OPENSSLP_ERROR_TRACE
  ClearErrorOrigin();  // debug builds' stderr report; release builds clear it only for a traced call
#endif
  Error error;
  try {
    const Status status(body());
    if (status.ok()) {
      if (traced) [[unlikely]]
        EndTracedCall(function, start, 0, Error::kInternal);
      return 0;
    }
    error = status.error();
  } catch (const std::bad_alloc&) {
    error = Error::kNoMemory;
  } catch (...) {
    error = Error::kInternal;
  }
  ScrubStack();
  EnterLibrary();  // (a call with bad handles may be the process's first: keep the init order)
  return FinishFailedCall(error, traced ? function : nullptr, start);
}

// Resolves a provider handle (every export that takes one checks it first).
Result<std::shared_ptr<Provider>> RequireProvider(NCRYPT_PROV_HANDLE handle);

// Resolves a handle to an object of kind T.
template <class T>
Result<std::shared_ptr<T>> Require(ULONG_PTR handle) {
  return HandleTable::Global().Lookup<T>(static_cast<Handle>(handle));
}

// Resolves a handle to any key object (every kind a NCRYPT_KEY_HANDLE can name). A deferred
// private key (core/private_key.h DeferredPrivateKey) resolves to its key opened again, or to the
// error of that attempt (docs/windows.md#deferred-private-keys).
Result<std::shared_ptr<const KeyObject>> RequireAnyKey(ULONG_PTR handle);

// Resolves a handle from SslOpenPrivateKey: the PrivateKey, or for a deferred private key its key
// opened again or the error of that attempt; any other kind is kInvalidHandle.
Result<std::shared_ptr<PrivateKey>> RequirePrivateKey(ULONG_PTR handle);

// If `object` is a deferred private key: DeferredPrivateKey::Resolve(). Else nullopt.
std::optional<Result<std::shared_ptr<PrivateKey>>> ResolveDeferredKey(const Object& object);

// Stores a new object in the handle table and writes its handle to *out. On failure nothing is
// written and the object is destroyed (no half-made handle is left behind).
template <class Out>
Status Publish(std::shared_ptr<Object> object, Out* out) {
  auto handle = HandleTable::Global().Insert(std::move(object));
  if (!handle.ok()) return handle.error();
  *out = static_cast<Out>(handle.value());
  return Status::Ok();
}

// Checks a reserved dwFlags argument.
inline Status RequireNoFlags(DWORD flags) { return flags == 0 ? Status::Ok() : Status(Error::kBadFlags); }

// Length of a NUL-terminated UTF-16 string, refusing strings longer than `max_chars`.
Result<std::u16string_view> ReadWideString(LPCWSTR text, std::size_t max_chars);

}  // namespace opensslp::abi
