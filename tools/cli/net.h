// net.h - the little TCP the command-line tool needs, on POSIX sockets and on Winsock.
//
// Blocking sockets with a readiness wait, so that `connect` and `serve` can relay between a TLS
// connection and stdin/stdout in one thread. Errors come back as one readable line (the caller
// prints it), never as an exception.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace opensslp::cli {

class Socket {
 public:
  Socket() = default;
  explicit Socket(std::intptr_t fd) : fd_(fd) {}
  Socket(Socket&& other) noexcept : fd_(other.fd_) { other.fd_ = kInvalid; }
  Socket& operator=(Socket&& other) noexcept;
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  ~Socket();

  bool valid() const { return fd_ != kInvalid; }
  std::intptr_t fd() const { return fd_; }

  // Sends everything or fails (returns false and sets *error).
  bool SendAll(std::span<const std::uint8_t> data, std::string* error);
  // Receives up to buffer.size() bytes: > 0 bytes read, 0 orderly end of stream, < 0 error.
  long Receive(std::span<std::uint8_t> buffer, std::string* error);
  // Waits until the socket is readable or timeout_ms passes; false on timeout.
  bool WaitReadable(int timeout_ms);
  // The local port (after Listen on port 0).
  std::uint16_t LocalPort() const;

  static constexpr std::intptr_t kInvalid = -1;

 private:
  std::intptr_t fd_ = kInvalid;
};

// Starts Winsock once on Windows; nothing elsewhere.
bool InitializeNetworking(std::string* error);

// "host:port", "[v6addr]:port" -> host and port; false with a reason for anything else.
bool SplitHostPort(const std::string& text, std::string* host, std::uint16_t* port, std::string* error);

// Resolves and connects (every address getaddrinfo returns, in order).
Socket ConnectTcp(const std::string& host, std::uint16_t port, std::string* error);

// Listens on one IPv4 address ("0.0.0.0": all of them; port 0: the system picks one, see
// Socket::LocalPort).
Socket ListenTcp(const std::string& address, std::uint16_t port, std::string* error);
Socket Accept(Socket& listener, std::string* peer, std::string* error);

}  // namespace opensslp::cli
