// pump.h - connects two sans-I/O TLS endpoints in one thread: Pump() moves the bytes each side
// produces to the other until nothing moves, optionally through a hook that may inspect or alter
// them. Header-only and independent of both the driver and libssl, so either library can use it
// without linking against the other.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

namespace opensslp::tlswire {

enum class Direction { kAToB, kBToA };

// Called with every chunk of bytes in flight before it is delivered; may modify it (tampering,
// record inspection).
using WireHook = std::function<void(Direction, std::vector<std::uint8_t>&)>;

struct PumpStats {
  std::size_t rounds = 0;
  std::size_t bytes_a_to_b = 0;
  std::size_t bytes_b_to_a = 0;
  bool round_limit_hit = false;
};

// Shuttles bytes between two sans-I/O endpoints (a tlsdriver::Connection, a libssl_peer::Peer,
// or anything with ReceiveBytes / Process / TakeBytesToSend) until a whole round moves nothing.
template <typename A, typename B>
PumpStats Pump(A& a, B& b, const WireHook& hook = nullptr, std::size_t max_rounds = 10000) {
  PumpStats stats;
  for (;;) {
    if (++stats.rounds > max_rounds) {
      stats.round_limit_hit = true;
      return stats;
    }
    bool moved = false;
    (void)a.Process();
    std::vector<std::uint8_t> out = a.TakeBytesToSend();
    if (!out.empty()) {
      if (hook) hook(Direction::kAToB, out);
      stats.bytes_a_to_b += out.size();
      b.ReceiveBytes(std::span<const std::uint8_t>(out.data(), out.size()));
      moved = true;
    }
    (void)b.Process();
    out = b.TakeBytesToSend();
    if (!out.empty()) {
      if (hook) hook(Direction::kBToA, out);
      stats.bytes_b_to_a += out.size();
      a.ReceiveBytes(std::span<const std::uint8_t>(out.data(), out.size()));
      moved = true;
    }
    if (!moved) {
      // One more Process on each side so that bytes delivered last are consumed, then stop if
      // still nothing moves.
      (void)a.Process();
      (void)b.Process();
      std::vector<std::uint8_t> a_out = a.TakeBytesToSend();
      std::vector<std::uint8_t> b_out = b.TakeBytesToSend();
      if (a_out.empty() && b_out.empty()) return stats;
      if (!a_out.empty()) {
        if (hook) hook(Direction::kAToB, a_out);
        stats.bytes_a_to_b += a_out.size();
        b.ReceiveBytes(std::span<const std::uint8_t>(a_out.data(), a_out.size()));
      }
      if (!b_out.empty()) {
        if (hook) hook(Direction::kBToA, b_out);
        stats.bytes_b_to_a += b_out.size();
        a.ReceiveBytes(std::span<const std::uint8_t>(b_out.data(), b_out.size()));
      }
    }
  }
}

}  // namespace opensslp::tlswire
