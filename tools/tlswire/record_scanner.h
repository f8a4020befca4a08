// record_scanner.h - splits a TLS byte stream into records (RFC 5246 §6.2.1: 5-byte header, then
// the body) across chunk boundaries, for inspecting traffic in flight. Header-only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace opensslp::tlswire {

class RecordScanner {
 public:
  struct Record {
    std::uint8_t type;
    std::uint16_t version;
    std::size_t length;  // body length
  };
  // Appends a chunk; returns the records completed by it.
  std::vector<Record> Feed(std::span<const std::uint8_t> chunk) {
    buffer_.insert(buffer_.end(), chunk.begin(), chunk.end());
    std::vector<Record> records;
    std::size_t p = 0;
    while (buffer_.size() - p >= 5) {
      const std::size_t len = (static_cast<std::size_t>(buffer_[p + 3]) << 8) | buffer_[p + 4];
      if (buffer_.size() - p < 5 + len) break;
      records.push_back({buffer_[p], static_cast<std::uint16_t>((buffer_[p + 1] << 8) | buffer_[p + 2]), len});
      p += 5 + len;
    }
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(p));
    return records;
  }

 private:
  std::vector<std::uint8_t> buffer_;
};

}  // namespace opensslp::tlswire
