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
#include "tlswire/reader.h"

namespace opensslp::tlsdriver {

using tlswire::Bytes;
using tlswire::ByteView;

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

// TLS wire structures (tools/tlswire/reader.h) for the driver: malformed input is a decode_error
// (RFC 5246 §7.2.2: "a message could not be decoded because some field was out of the specified
// range or the length of the message was incorrect"); an outgoing vector too long for its length
// prefix is a bug, reported as internal_error rather than silently truncated.
struct AbortOnWireError {
  [[noreturn]] static void DecodeError(std::string reason) { Abort(AlertDescription::kDecodeError, std::move(reason)); }
  [[noreturn]] static void InternalError(std::string reason) {
    Abort(AlertDescription::kInternalError, std::move(reason));
  }
};
using Reader = tlswire::Reader<AbortOnWireError>;
using Writer = tlswire::Writer<AbortOnWireError>;

}  // namespace opensslp::tlsdriver
