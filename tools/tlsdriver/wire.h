// wire.h - bounds-checked reading and writing of TLS wire structures (RFC 5246 §4), and the one
// error type the driver's protocol code raises.
//
// Every protocol step of the driver either completes or aborts the connection with a fatal
// alert. Rather than threading an error code through every parser and builder, the internal code
// throws TlsAbort; Connection::Process catches it at the one boundary, sends the alert and moves
// to kFailed (the same shape as WIL's catch-at-the-boundary). No exception escapes the public API.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "tls_driver.h"

namespace opensslp::tlsdriver {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

// A fatal condition: the alert to send (or that was received), a one-line reason and, when an
// Ssl* call failed, its SECURITY_STATUS.
struct TlsAbort {
  AlertDescription alert;
  std::string reason;
  std::uint32_t provider_status = 0;
};

[[noreturn]] inline void Abort(AlertDescription alert, std::string reason, std::uint32_t status = 0) {
  throw TlsAbort{alert, std::move(reason), status};
}

// Reads big-endian integers and length-prefixed vectors (RFC 5246 §4.3-§4.4) from a span.
// Running past the end is a decode_error (RFC 5246 §7.2.2: "a message could not be decoded
// because some field was out of the specified range or the length of the message was incorrect").
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
  ByteView Take(std::size_t n) {
    if (n > remaining()) Abort(AlertDescription::kDecodeError, std::string("truncated ") + what_);
    ByteView out = data_.subspan(pos_, n);
    pos_ += n;
    return out;
  }
  ByteView Rest() { return Take(remaining()); }
  // opaque x<min..max> with a 1-, 2- or 3-byte length prefix.
  ByteView Vec8(std::size_t min = 0) { return CheckMin(Take(U8()), min); }
  ByteView Vec16(std::size_t min = 0) { return CheckMin(Take(U16()), min); }
  ByteView Vec24(std::size_t min = 0) { return CheckMin(Take(U24()), min); }
  // The structure must be consumed exactly: trailing bytes are a decode_error too.
  void ExpectEnd() const {
    if (!empty()) Abort(AlertDescription::kDecodeError, std::string("trailing bytes in ") + what_);
  }

 private:
  ByteView CheckMin(ByteView v, std::size_t min) const {
    if (v.size() < min) Abort(AlertDescription::kDecodeError, std::string("short vector in ") + what_);
    return v;
  }
  ByteView data_;
  std::size_t pos_ = 0;
  const char* what_;
};

// Appends big-endian integers and length-prefixed vectors to a byte vector.
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
  void Put(ByteView b) { out_.insert(out_.end(), b.begin(), b.end()); }
  void Vec8(ByteView b) { PutPrefixed(b, 1); }
  void Vec16(ByteView b) { PutPrefixed(b, 2); }
  void Vec24(ByteView b) { PutPrefixed(b, 3); }

  const Bytes& bytes() const { return out_; }
  Bytes Take() { return std::move(out_); }

 private:
  // Our own messages are built from bounded parts; an overlong part is a bug, reported as
  // internal_error rather than silently truncated.
  void PutPrefixed(ByteView b, int prefix) {
    const std::size_t max = (std::size_t{1} << (8 * prefix)) - 1;
    if (b.size() > max) Abort(AlertDescription::kInternalError, "outgoing vector too long");
    if (prefix == 1) U8(static_cast<std::uint8_t>(b.size()));
    if (prefix == 2) U16(static_cast<std::uint16_t>(b.size()));
    if (prefix == 3) U24(static_cast<std::uint32_t>(b.size()));
    Put(b);
  }
  Bytes out_;
};

}  // namespace opensslp::tlsdriver
