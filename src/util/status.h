// status.h - opensslp's one internal error type and the Result<T> that carries it.
//
// Every internal function that can fail returns Status or Result<T>. The error codes name the
// cause, not the NTE_* value: abi::ToSecurityStatus (src/abi/boundary.cpp) is the only place that turns an Error into a
// SECURITY_STATUS (docs/errors.md lists the mapping).
#pragma once

#include <cstdint>
#include <type_traits>
#include <utility>
#include <variant>

namespace opensslp {

enum class Error : std::uint8_t {
  kInvalidHandle,     // zero, unknown, stale, freed or wrong-kind handle
  kInvalidParameter,  // a NULL pointer, missing buffer, bad length or unknown name
  kBadFlags,          // reserved or unknown flag bits set
  kBufferTooSmall,    // a caller-allocated output is too small (required size reported)
  kNoMemory,          // allocation failed
  kNotSupported,      // a valid request this provider does not implement (yet, or ever)
  kNoMoreItems,       // an enumeration is finished
  kBadData,           // malformed input (a key blob, a record header, ...)
  kBadKey,            // a key that is well formed but unusable (invalid point, small subgroup)
  kBadKeyState,       // an object used in a state that does not allow the operation
  kBadSignature,      // a signature did not verify
  kBadRecord,         // record authentication failed (tag, MAC or padding): one error for all
  kBuffersOverlap,    // input and output overlap other than at the documented offsets
  kNotFound,          // e.g. no private key for a certificate
  kBadType,           // unknown algorithm or blob type
  kInternal,          // a bug or an unexpected library failure
};

// Human-readable name of an error, for diagnostics. Never contains secret data.
const char* ErrorName(Error error) noexcept;

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(error) {}         // NOLINT(google-explicit-constructor)

  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }
  Error error() const noexcept { return std::get<1>(v_); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }

 private:
  std::variant<T, Error> v_;
};

class [[nodiscard]] Status {
 public:
  Status() noexcept = default;
  Status(Error error) noexcept : ok_(false), error_(error) {}  // NOLINT(google-explicit-constructor)
  template <class T>
  Status(const Result<T>& r) noexcept : ok_(r.ok()), error_(r.ok() ? Error::kInternal : r.error()) {}  // NOLINT

  static Status Ok() noexcept { return Status(); }
  bool ok() const noexcept { return ok_; }
  explicit operator bool() const noexcept { return ok_; }
  Error error() const noexcept { return error_; }

 private:
  bool ok_ = true;
  Error error_ = Error::kInternal;
};

// ---- Error origins ------------------------------------------------------------------------------
// A failing ENSURE records where it fired -- file, line and the condition's source text -- in a
// thread-local slot, and a failing TRY / ASSIGN_OR_RETURN records its own site when nothing deeper
// did (an error returned directly, e.g. `return Error::kBadKey;`, is traced to the first TRY that
// passes it on). The ABI boundary clears the slot on entry (abi/boundary.h), so a bare
// NTE_INVALID_PARAMETER from a function with eleven checks names the one that fired: in the
// per-call trace (core/trace.h, docs/diagnostics.md), and in Debug builds on stderr with
// OPENSSLP_ERROR_TRACE=1 (docs/errors.md). Recorded in every build -- administrators run release
// DLLs -- and only on failure paths, so a successful call pays nothing. Only static strings are
// recorded: source locations and source text, never a runtime value, so a trace cannot carry a
// secret.
struct ErrorOrigin {
  const char* file = nullptr;  // __FILE__ of the check
  int line = 0;
  const char* condition = nullptr;  // the ENSURE condition or the TRY expression, as written
  explicit operator bool() const noexcept { return file != nullptr; }
};

// The origin recorded on this thread since the last ClearErrorOrigin (empty if none).
ErrorOrigin LastErrorOrigin() noexcept;
void ClearErrorOrigin() noexcept;

namespace detail {
// `overwrite`: an ENSURE is an origin and always records; a TRY only fills an empty slot.
void RecordErrorOrigin(const char* file, int line, const char* condition, bool overwrite) noexcept;
}  // namespace detail

namespace detail {
inline bool IsOk(const Status& s) { return s.ok(); }
template <class T>
bool IsOk(const Result<T>& r) {
  return r.ok();
}
inline Error ErrorOf(const Status& s) { return s.error(); }
template <class T>
Error ErrorOf(const Result<T>& r) {
  return r.error();
}
}  // namespace detail

}  // namespace opensslp

#define OPENSSLP_RECORD_ORIGIN(text, overwrite) \
  ::opensslp::detail::RecordErrorOrigin(__FILE__, __LINE__, text, overwrite)

// TRY(expr): evaluate a Status/Result and return its error from the enclosing function on failure.
#define OPENSSLP_TRY(expr)                                      \
  do {                                                          \
    auto&& opensslp_try_result_ = (expr);                       \
    if (!::opensslp::detail::IsOk(opensslp_try_result_)) {      \
      OPENSSLP_RECORD_ORIGIN(#expr, false);                     \
      return ::opensslp::detail::ErrorOf(opensslp_try_result_); \
    }                                                           \
  } while (0)

// ASSIGN_OR_RETURN(lhs, expr): lhs = value of a Result, or return its error.
#define OPENSSLP_CONCAT_INNER(a, b) a##b
#define OPENSSLP_CONCAT(a, b) OPENSSLP_CONCAT_INNER(a, b)
#define OPENSSLP_ASSIGN_OR_RETURN(lhs, expr) \
  OPENSSLP_ASSIGN_OR_RETURN_IMPL(OPENSSLP_CONCAT(opensslp_aor_, __LINE__), lhs, expr)
#define OPENSSLP_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                   \
  if (!tmp.ok()) {                                     \
    OPENSSLP_RECORD_ORIGIN(#expr, false);              \
    return tmp.error();                                \
  }                                                    \
  lhs = std::move(tmp).value()

// ENSURE(cond, error): return `error` unless cond holds.
#define OPENSSLP_ENSURE(cond, error)       \
  do {                                     \
    if (!(cond)) {                         \
      OPENSSLP_RECORD_ORIGIN(#cond, true); \
      return (error);                      \
    }                                      \
  } while (0)

#define TRY OPENSSLP_TRY
#define ENSURE OPENSSLP_ENSURE
#define ASSIGN_OR_RETURN OPENSSLP_ASSIGN_OR_RETURN
