// client_random.cpp - see client_random.h.
#include "core/client_random.h"

#include <algorithm>

namespace opensslp {

void ClientRandomScanner::Feed(Bytes data) noexcept {
  constexpr std::uint8_t kClientHello = 1;  // RFC 8446 §4 HandshakeType client_hello
  while (!done_ && !data.empty()) {
    if (header_len_ < sizeof header_) {
      const std::size_t n = std::min(sizeof header_ - header_len_, data.size());
      std::copy_n(data.begin(), n, header_ + header_len_);
      header_len_ += n;
      data = data.subspan(n);
      if (header_len_ < sizeof header_) return;
      if (++messages_ > kMaxMessagesBeforeClientHello) {
        done_ = true;
        return;
      }
      in_client_hello_ = header_[0] == kClientHello;
      body_remaining_ = (std::uint32_t{header_[1]} << 16) | (std::uint32_t{header_[2]} << 8) | header_[3];
      body_pos_ = 0;
      if (in_client_hello_ && body_remaining_ < kRandomOffset + buffer_.size()) {
        done_ = true;  // too short to hold a random: not a ClientHello we can name a connection by
        return;
      }
      if (body_remaining_ == 0) header_len_ = 0;
      continue;
    }
    const std::size_t n = std::min<std::size_t>(body_remaining_, data.size());
    if (in_client_hello_) {
      // The part of [body_pos_, body_pos_ + n) that falls into the random's bytes.
      const std::size_t begin = std::max(body_pos_, kRandomOffset);
      const std::size_t end = std::min(body_pos_ + n, kRandomOffset + buffer_.size());
      for (std::size_t i = begin; i < end; ++i) buffer_[i - kRandomOffset] = data[i - body_pos_];
      if (body_pos_ + n >= kRandomOffset + buffer_.size()) {
        random_ = buffer_;
        done_ = true;
        return;
      }
    }
    body_pos_ += n;
    body_remaining_ -= static_cast<std::uint32_t>(n);
    data = data.subspan(n);
    if (body_remaining_ == 0) header_len_ = 0;
  }
}

}  // namespace opensslp
