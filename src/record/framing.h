// framing.h - the TLS record's framing, apart from its protection: the 5-byte header every TLS
// record starts with (RFC 5246 §6.2.1, RFC 8446 §5.1), the 13-byte pseudo-header TLS 1.0-1.2
// authenticate with each record, the content types and the size limits. The protections
// (record/protection.h) build on these; DTLS's 13-byte header (RFC 6347 §4.1) will sit beside the
// TLS one here.
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/protocol_version.h"
#include "util/bytes.h"
#include "util/status.h"

namespace opensslp {

inline constexpr std::size_t kRecordHeaderLength = 5;
inline constexpr std::size_t kMaxPlaintextLength = std::size_t{1} << 14;         // RFC 5246 §6.2.1
inline constexpr std::size_t kMaxCiphertextLength = kMaxPlaintextLength + 2048;  // RFC 5246 §6.2.3
// Refused as a sequence number: RFC 5246 §6.1 says sequence numbers must not wrap, and the record
// that would carry 2^64-1 is the last one before a wrap the caller cannot signal to us.
inline constexpr std::uint64_t kLastSequenceNumber = ~std::uint64_t{0};

// Record content types (docs/reference/types-and-constants.md#content-types; RFC 5246 §6.2.1).
inline constexpr std::uint8_t kContentChangeCipherSpec = 20;
inline constexpr std::uint8_t kContentAlert = 21;
inline constexpr std::uint8_t kContentHandshake = 22;
inline constexpr std::uint8_t kContentApplicationData = 23;

inline bool ValidContentType(std::uint8_t type) noexcept {
  return type >= kContentChangeCipherSpec && type <= kContentApplicationData;
}

// Writes type(1) ‖ version(2) ‖ length(2, big-endian) at `out`.
inline void WriteTlsHeader(std::uint8_t* out, std::uint8_t type, ProtocolVersion version,
                           std::size_t fragment_len) noexcept {
  out[0] = type;
  StoreBe16(out + 1, static_cast<std::uint16_t>(version));
  StoreBe16(out + 3, static_cast<std::uint16_t>(fragment_len));
}

// Checks the header of a whole record against the key's version: at least a header, a content
// type 20..23, the version, a length field equal to the rest of the input and at most
// kMaxCiphertextLength. Returns the fragment length; kBadData otherwise (public facts: a malformed
// record, not an authentication failure).
inline Result<std::size_t> ReadTlsHeader(Bytes record, ProtocolVersion version) noexcept {
  if (record.size() < kRecordHeaderLength) return Error::kBadData;
  const std::size_t length = LoadBe16(record.data() + 3);
  if (!ValidContentType(record[0]) || LoadBe16(record.data() + 1) != static_cast<std::uint16_t>(version) ||
      length != record.size() - kRecordHeaderLength || length > kMaxCiphertextLength) {
    return Error::kBadData;
  }
  return length;
}

// TLS 1.0-1.2's authenticated pseudo-header: seq_num(8) ‖ type(1) ‖ version(2) ‖ length(2) --
// the AEAD additional_data (RFC 5246 §6.2.3.3) and the head of the CBC suites' MAC input (RFC 5246
// §6.2.3.1), with the plaintext's length.
inline constexpr std::size_t kTls12PseudoHeaderLength = 13;
inline void WriteTls12PseudoHeader(std::uint8_t* out, std::uint64_t seq, std::uint8_t type, ProtocolVersion version,
                                   std::size_t plaintext_len) noexcept {
  StoreBe64(out, seq);
  out[8] = type;
  StoreBe16(out + 9, static_cast<std::uint16_t>(version));
  StoreBe16(out + 11, static_cast<std::uint16_t>(plaintext_len));
}

}  // namespace opensslp
