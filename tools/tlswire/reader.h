// reader.h - bounds-checked reading and writing of TLS wire structures (RFC 5246 §4): big-endian
// integers and length-prefixed vectors. Header-only and dependency-free.
//
// What happens on malformed input is the user's choice, through a policy type with two static
// functions that must not return (typically they throw):
//   DecodeError(std::string reason)    - input ran past its end, a vector is shorter than its
//                                        minimum, or bytes are left over (RFC 5246 §7.2.2
//                                        decode_error territory);
//   InternalError(std::string reason)  - an outgoing vector is longer than its length prefix can
//                                        say (a bug in the caller, never silently truncated).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace opensslp::tlswire {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

// Reads big-endian integers and length-prefixed vectors (RFC 5246 §4.3-§4.4) from a span.
template <typename Policy>
class Reader {
 public:
  explicit Reader(ByteView data, const char* what = "message") : data_(data), what_(what) {}

  std::size_t remaining() const { return data_.size() - pos_; }
  bool empty() const { return remaining() == 0; }

  std::uint8_t U8() { return Take(1)[0]; }
  std::uint16_t U16() {
    ByteView b = Take(2);
    return static_cast<std::uint16_t>((b[0] << 8) | b[1]);
  }
  std::uint32_t U24() {
    ByteView b = Take(3);
    return (std::uint32_t{b[0]} << 16) | (std::uint32_t{b[1]} << 8) | b[2];
  }
  std::uint32_t U32() {
    ByteView b = Take(4);
    return (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) | b[3];
  }
  // Bytes consumed so far.
  std::size_t position() const { return pos_; }
  ByteView Take(std::size_t n) {
    if (n > remaining()) Policy::DecodeError(std::string("truncated ") + what_);
    ByteView out = data_.subspan(pos_, n);
    pos_ += n;
    return out;
  }
  ByteView Rest() { return Take(remaining()); }
  // opaque x<min..max> with a 1-, 2- or 3-byte length prefix.
  ByteView Vec8(std::size_t min = 0) { return CheckMin(Take(U8()), min); }
  ByteView Vec16(std::size_t min = 0) { return CheckMin(Take(U16()), min); }
  ByteView Vec24(std::size_t min = 0) { return CheckMin(Take(U24()), min); }
  // The structure must be consumed exactly: trailing bytes are a decode error too.
  void ExpectEnd() const {
    if (!empty()) Policy::DecodeError(std::string("trailing bytes in ") + what_);
  }

 private:
  ByteView CheckMin(ByteView v, std::size_t min) const {
    if (v.size() < min) Policy::DecodeError(std::string("short vector in ") + what_);
    return v;
  }
  ByteView data_;
  std::size_t pos_ = 0;
  const char* what_;
};

// Appends big-endian integers and length-prefixed vectors to a byte vector.
template <typename Policy>
class Writer {
 public:
  void U8(std::uint8_t v) { out_.push_back(v); }
  void U16(std::uint16_t v) {
    out_.push_back(static_cast<std::uint8_t>(v >> 8));
    out_.push_back(static_cast<std::uint8_t>(v));
  }
  void U24(std::uint32_t v) {
    out_.push_back(static_cast<std::uint8_t>(v >> 16));
    out_.push_back(static_cast<std::uint8_t>(v >> 8));
    out_.push_back(static_cast<std::uint8_t>(v));
  }
  void U32(std::uint32_t v) {
    U16(static_cast<std::uint16_t>(v >> 16));
    U16(static_cast<std::uint16_t>(v));
  }
  void Put(ByteView b) { out_.insert(out_.end(), b.begin(), b.end()); }
  void Vec8(ByteView b) { PutPrefixed(b, 1); }
  void Vec16(ByteView b) { PutPrefixed(b, 2); }
  void Vec24(ByteView b) { PutPrefixed(b, 3); }

  const Bytes& bytes() const { return out_; }
  Bytes Take() { return std::move(out_); }

 private:
  void PutPrefixed(ByteView b, int prefix) {
    const std::size_t max = (std::size_t{1} << (8 * prefix)) - 1;
    if (b.size() > max) Policy::InternalError("outgoing vector too long");
    if (prefix == 1) U8(static_cast<std::uint8_t>(b.size()));
    if (prefix == 2) U16(static_cast<std::uint16_t>(b.size()));
    if (prefix == 3) U24(static_cast<std::uint32_t>(b.size()));
    Put(b);
  }
  Bytes out_;
};

}  // namespace opensslp::tlswire
