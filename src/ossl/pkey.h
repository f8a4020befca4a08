// pkey.h - an owning, move-only wrapper of an OpenSSL EVP_PKEY that code outside src/ossl/ can
// hold without including OpenSSL headers.
#pragma once

#include <utility>

struct evp_pkey_st;  // OpenSSL's EVP_PKEY

namespace opensslp::ossl {

class PKey {
 public:
  PKey() noexcept = default;
  explicit PKey(evp_pkey_st* pkey) noexcept : pkey_(pkey) {}  // takes ownership
  PKey(const PKey&) = delete;
  PKey& operator=(const PKey&) = delete;
  PKey(PKey&& other) noexcept : pkey_(std::exchange(other.pkey_, nullptr)) {}
  PKey& operator=(PKey&& other) noexcept {
    if (this != &other) {
      Reset();
      pkey_ = std::exchange(other.pkey_, nullptr);
    }
    return *this;
  }
  ~PKey() { Reset(); }

  evp_pkey_st* get() const noexcept { return pkey_; }
  explicit operator bool() const noexcept { return pkey_ != nullptr; }
  evp_pkey_st* release() noexcept { return std::exchange(pkey_, nullptr); }
  void Reset() noexcept;

 private:
  evp_pkey_st* pkey_ = nullptr;
};

}  // namespace opensslp::ossl
