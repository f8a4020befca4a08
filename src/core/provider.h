// provider.h - the provider object that SslOpenProvider returns.
//
// ncrypt.dll keeps its own reference count per provider; a directly-called opensslp keeps one in
// the object: SslOpenProvider starts it at 1, SslIncrementProviderReferenceCount adds one, and
// SslDecrementProviderReferenceCount and SslFreeObject each drop one. The handle is removed when
// the count reaches zero (docs/api.md).
#pragma once

#include <atomic>
#include <cstdint>

#include "handles/object.h"

namespace opensslp {

inline constexpr char kProviderNameAscii[] = "OpenSSLP Protocol Provider";
inline constexpr char16_t kProviderName[] = u"OpenSSLP Protocol Provider";
inline constexpr char16_t kMicrosoftProviderName[] = u"Microsoft SSL Protocol Provider";

class Provider final : public Object {
 public:
  static constexpr ObjectKind kKind = ObjectKind::kProvider;
  Provider() noexcept : Object(kKind) {}

  // Adds a reference unless the count already reached zero (the provider is being freed: a
  // racing Increment must not resurrect it). Returns false in that case.
  [[nodiscard]] bool AddRef() noexcept {
    std::uint32_t current = refs_.load(std::memory_order_relaxed);
    while (current != 0 && !refs_.compare_exchange_weak(current, current + 1, std::memory_order_acq_rel)) {
    }
    return current != 0;
  }
  // Drops a reference and stores the count left in *remaining. Returns false, changing nothing,
  // when the count had already reached zero (the reference was not there to drop).
  [[nodiscard]] bool Release(std::uint32_t* remaining) noexcept {
    std::uint32_t current = refs_.load(std::memory_order_relaxed);
    while (current != 0 && !refs_.compare_exchange_weak(current, current - 1, std::memory_order_acq_rel)) {
    }
    if (current == 0) return false;
    *remaining = current - 1;
    return true;
  }
  std::uint32_t RefCount() const noexcept { return refs_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint32_t> refs_{1};
};

}  // namespace opensslp
