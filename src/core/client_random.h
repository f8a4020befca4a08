// client_random.h - finds the ClientHello random in the handshake messages of a transcript, for
// the key log (core/key_log.h, docs/key-log.md).
//
// The NSS key-log format names every secret by the connection's client random (the 32 bytes after
// legacy_version in the ClientHello: RFC 5246 §7.4.1.2, RFC 8446 §4.1.2). TLS 1.3 exports never
// see the randoms in a parameter list, and TLS 1.2 ones with extended master secret may not
// either (docs/reference/caller-semantics.md), but every ClientHello passes through
// SslHashHandshake as the first message of the transcript. So the transcript object scans the
// bytes it hashes for it.
//
// Messages are TLS handshake messages with their 4-byte header (msg_type, uint24 length), in the
// pieces the caller hashes them in: one message per call, several, or a message split across calls.
// The random of the first client_hello (type 1) is kept. Messages before it are skipped: after a
// HelloRetryRequest the transcript starts with message_hash (type 254, RFC 8446 §4.4.1), and the
// second ClientHello carries the same random as the first (RFC 8446 §4.1.2). The scanner gives up
// after a few messages without a ClientHello, or on a ClientHello too short to hold a random; it
// never fails the hashing. DTLS transcripts (12-byte headers) are not recognised.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "util/bytes.h"

namespace opensslp {

using ClientRandom = std::array<std::uint8_t, 32>;

class ClientRandomScanner {
 public:
  // Feeds the next bytes of the transcript. Cheap: copies at most 32 bytes in all.
  void Feed(Bytes data) noexcept;

  // The random, once the first ClientHello's random has been seen.
  const std::optional<ClientRandom>& random() const noexcept { return random_; }

 private:
  static constexpr std::size_t kMaxMessagesBeforeClientHello = 4;
  static constexpr std::size_t kRandomOffset = 2;  // after legacy_version

  bool done_ = false;
  std::uint8_t header_[4] = {};
  std::size_t header_len_ = 0;
  bool in_client_hello_ = false;
  std::uint32_t body_remaining_ = 0;
  std::size_t body_pos_ = 0;
  std::size_t messages_ = 0;
  ClientRandom buffer_{};
  std::optional<ClientRandom> random_;
};

}  // namespace opensslp
