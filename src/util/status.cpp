#include "util/status.h"

namespace opensslp {

const char* ErrorName(Error error) noexcept {
  switch (error) {
    case Error::kInvalidHandle: return "invalid handle";
    case Error::kInvalidParameter: return "invalid parameter";
    case Error::kBadFlags: return "bad flags";
    case Error::kBufferTooSmall: return "buffer too small";
    case Error::kNoMemory: return "out of memory";
    case Error::kNotSupported: return "not supported";
    case Error::kNoMoreItems: return "no more items";
    case Error::kBadData: return "malformed data";
    case Error::kBadKey: return "unusable key";
    case Error::kBadKeyState: return "object in wrong state";
    case Error::kBadSignature: return "signature does not verify";
    case Error::kBadRecord: return "record authentication failed";
    case Error::kBuffersOverlap: return "buffers overlap";
    case Error::kNotFound: return "not found";
    case Error::kBadType: return "unknown type";
    case Error::kInternal: return "internal error";
  }
  return "unknown error";
}

namespace {
// Trivially destructible with a constant initialiser: no guard, no destructor to register.
constinit thread_local ErrorOrigin t_origin;
}  // namespace

ErrorOrigin LastErrorOrigin() noexcept { return t_origin; }

void ClearErrorOrigin() noexcept { t_origin = {}; }

namespace detail {
void RecordErrorOrigin(const char* file, int line, const char* condition, bool overwrite) noexcept {
  if (overwrite || !t_origin) t_origin = ErrorOrigin{file, line, condition};
}
}  // namespace detail

}  // namespace opensslp
