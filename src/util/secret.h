// secret.h - self-wiping containers for key material.
//
// SecretBytes (heap) and SecretArray<N> (inline) are move-only and overwrite their contents with
// zeros on destruction, on move-from and on resize. Key material never lives in std::vector,
// std::string or a bare array (docs/style.md#rule-5). OpenSSL 3's OPENSSL_free does not wipe, so we
// cannot rely on the allocator either.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <span>

namespace opensslp {

// SecureWipe writes zeros that the optimiser may not remove.
void SecureWipe(void* data, std::size_t len) noexcept;

// Constant-time equality of two equal-length byte ranges (false if the lengths differ; the length
// itself is not secret).
bool ConstantTimeEqual(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) noexcept;

class SecretBytes {
 public:
  SecretBytes() noexcept = default;
  explicit SecretBytes(std::size_t size) : data_(Allocate(size)), size_(size) {}
  explicit SecretBytes(std::span<const std::uint8_t> bytes) : SecretBytes(bytes.size()) {
    if (!bytes.empty()) std::memcpy(data_, bytes.data(), bytes.size());
  }
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  SecretBytes(SecretBytes&& other) noexcept : data_(other.data_), size_(other.size_) {
    other.data_ = nullptr;
    other.size_ = 0;
  }
  SecretBytes& operator=(SecretBytes&& other) noexcept {
    if (this != &other) {
      Release();
      data_ = other.data_;
      size_ = other.size_;
      other.data_ = nullptr;
      other.size_ = 0;
    }
    return *this;
  }
  ~SecretBytes() { Release(); }

  // An explicit copy, so that duplicating a secret is always visible in the code.
  SecretBytes Clone() const { return SecretBytes(span()); }

  std::uint8_t* data() noexcept { return data_; }
  const std::uint8_t* data() const noexcept { return data_; }
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  std::span<std::uint8_t> span() noexcept { return {data_, size_}; }
  std::span<const std::uint8_t> span() const noexcept { return {data_, size_}; }

  // Shrinks or grows; the old buffer is wiped before it is freed.
  void Resize(std::size_t size) {
    SecretBytes next(size);
    if (size_ != 0 && size != 0) std::memcpy(next.data_, data_, size < size_ ? size : size_);
    *this = std::move(next);
  }

 private:
  static std::uint8_t* Allocate(std::size_t size) {
    if (size == 0) return nullptr;
    auto* p = static_cast<std::uint8_t*>(::operator new(size));
    std::memset(p, 0, size);
    return p;
  }
  void Release() noexcept {
    if (data_ != nullptr) {
      SecureWipe(data_, size_);
      ::operator delete(data_);
    }
    data_ = nullptr;
    size_ = 0;
  }

  std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

template <std::size_t N>
class SecretArray {
 public:
  SecretArray() noexcept { std::memset(bytes_, 0, N); }
  SecretArray(const SecretArray&) = delete;
  SecretArray& operator=(const SecretArray&) = delete;
  SecretArray(SecretArray&& other) noexcept {
    std::memcpy(bytes_, other.bytes_, N);
    SecureWipe(other.bytes_, N);
  }
  SecretArray& operator=(SecretArray&& other) noexcept {
    if (this != &other) {
      std::memcpy(bytes_, other.bytes_, N);
      SecureWipe(other.bytes_, N);
    }
    return *this;
  }
  ~SecretArray() { SecureWipe(bytes_, N); }

  static constexpr std::size_t size() noexcept { return N; }
  std::uint8_t* data() noexcept { return bytes_; }
  const std::uint8_t* data() const noexcept { return bytes_; }
  std::span<std::uint8_t, N> span() noexcept { return std::span<std::uint8_t, N>(bytes_, N); }
  std::span<const std::uint8_t, N> span() const noexcept { return std::span<const std::uint8_t, N>(bytes_, N); }

 private:
  std::uint8_t bytes_[N];
};

}  // namespace opensslp
