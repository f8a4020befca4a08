// net.cpp - POSIX sockets / Winsock behind the small interface of net.h.
#include "net.h"

#include <algorithm>
#include <cstring>

#if defined(_WIN32)
#include <winsock2.h>
#include <ws2tcpip.h>
#else
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cerrno>
#endif

namespace opensslp::cli {
namespace {

#if defined(_WIN32)
using NativeSocket = SOCKET;
constexpr NativeSocket kNativeInvalid = INVALID_SOCKET;
std::string LastError(const char* what) {
  return std::string(what) + " failed (WSA error " + std::to_string(WSAGetLastError()) + ")";
}
void CloseNative(NativeSocket s) { closesocket(s); }
#else
using NativeSocket = int;
constexpr NativeSocket kNativeInvalid = -1;
std::string LastError(const char* what) { return std::string(what) + ": " + std::strerror(errno); }
void CloseNative(NativeSocket s) { close(s); }
#endif

NativeSocket Native(std::intptr_t fd) { return static_cast<NativeSocket>(fd); }
std::intptr_t Wrap(NativeSocket s) { return s == kNativeInvalid ? Socket::kInvalid : static_cast<std::intptr_t>(s); }

}  // namespace

Socket& Socket::operator=(Socket&& other) noexcept {
  if (this != &other) {
    if (valid()) CloseNative(Native(fd_));
    fd_ = other.fd_;
    other.fd_ = kInvalid;
  }
  return *this;
}

Socket::~Socket() {
  if (valid()) CloseNative(Native(fd_));
}

bool Socket::SendAll(std::span<const std::uint8_t> data, std::string* error) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    std::size_t chunk = std::min<std::size_t>(data.size() - sent, 1 << 20);
#if defined(_WIN32)
    int n = send(Native(fd_), reinterpret_cast<const char*>(data.data() + sent), static_cast<int>(chunk), 0);
#else
    ssize_t n = send(Native(fd_), data.data() + sent, chunk, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
#endif
    if (n <= 0) {
      *error = LastError("send");
      return false;
    }
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

long Socket::Receive(std::span<std::uint8_t> buffer, std::string* error) {
  for (;;) {
#if defined(_WIN32)
    int n = recv(Native(fd_), reinterpret_cast<char*>(buffer.data()), static_cast<int>(buffer.size()), 0);
#else
    ssize_t n = recv(Native(fd_), buffer.data(), buffer.size(), 0);
    if (n < 0 && errno == EINTR) continue;
#endif
    if (n < 0) *error = LastError("recv");
    return static_cast<long>(n);
  }
}

bool Socket::WaitReadable(int timeout_ms) {
#if defined(_WIN32)
  fd_set set;
  FD_ZERO(&set);
  FD_SET(Native(fd_), &set);
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  return select(0, &set, nullptr, nullptr, &tv) > 0;
#else
  pollfd p{Native(fd_), POLLIN, 0};
  int n;
  do {
    n = poll(&p, 1, timeout_ms);
  } while (n < 0 && errno == EINTR);
  return n > 0;
#endif
}

std::uint16_t Socket::LocalPort() const {
  sockaddr_storage address{};
  socklen_t length = sizeof(address);
  if (getsockname(Native(fd_), reinterpret_cast<sockaddr*>(&address), &length) != 0) return 0;
  if (address.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&address)->sin_port);
  if (address.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&address)->sin6_port);
  return 0;
}

bool InitializeNetworking(std::string* error) {
#if defined(_WIN32)
  static const int result = [] {
    WSADATA data;
    return WSAStartup(MAKEWORD(2, 2), &data);
  }();
  if (result != 0) {
    *error = "WSAStartup failed (" + std::to_string(result) + ")";
    return false;
  }
#else
  (void)error;
#endif
  return true;
}

bool SplitHostPort(const std::string& text, std::string* host, std::uint16_t* port, std::string* error) {
  std::string host_part;
  std::string port_part;
  if (!text.empty() && text.front() == '[') {  // [IPv6]:port (RFC 3986 §3.2.2)
    std::size_t close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      *error = "expected [address]:port, got '" + text + "'";
      return false;
    }
    host_part = text.substr(1, close - 1);
    port_part = text.substr(close + 2);
  } else {
    std::size_t colon = text.rfind(':');
    if (colon == std::string::npos || text.find(':') != colon) {
      *error = "expected HOST:PORT, got '" + text + "'";
      return false;
    }
    host_part = text.substr(0, colon);
    port_part = text.substr(colon + 1);
  }
  if (host_part.empty()) {
    *error = "no host name in '" + text + "'";
    return false;
  }
  unsigned long value = 0;
  if (port_part.empty() || port_part.size() > 5 || port_part.find_first_not_of("0123456789") != std::string::npos ||
      (value = std::stoul(port_part)) == 0 || value > 65535) {
    *error = "'" + port_part + "' is not a port number (1-65535)";
    return false;
  }
  *host = host_part;
  *port = static_cast<std::uint16_t>(value);
  return true;
}

Socket ConnectTcp(const std::string& host, std::uint16_t port, std::string* error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_protocol = IPPROTO_TCP;
  addrinfo* list = nullptr;
  const std::string service = std::to_string(port);
  int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &list);
  if (rc != 0) {
#if defined(_WIN32)
    *error = "cannot resolve '" + host + "' (error " + std::to_string(rc) + ")";
#else
    *error = "cannot resolve '" + host + "': " + gai_strerror(rc);
#endif
    return Socket();
  }
  std::string last = "no addresses for '" + host + "'";
  Socket result;
  for (addrinfo* a = list; a != nullptr; a = a->ai_next) {
    NativeSocket s = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (s == kNativeInvalid) {
      last = LastError("socket");
      continue;
    }
    if (connect(s, a->ai_addr, static_cast<socklen_t>(a->ai_addrlen)) == 0) {
      result = Socket(Wrap(s));
      break;
    }
    last = "cannot connect to " + host + ":" + service + " (" + LastError("connect") + ")";
    CloseNative(s);
  }
  freeaddrinfo(list);
  if (!result.valid()) *error = last;
  return result;
}

Socket ListenTcp(const std::string& bind_address, std::uint16_t port, std::string* error) {
  in_addr ip{};
  if (inet_pton(AF_INET, bind_address.c_str(), &ip) != 1) {
    *error = "'" + bind_address + "' is not an IPv4 address";
    return Socket();
  }
  NativeSocket s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  if (s == kNativeInvalid) {
    *error = LastError("socket");
    return Socket();
  }
  Socket owner(Wrap(s));
  int on = 1;
  setsockopt(s, SOL_SOCKET, SO_REUSEADDR, reinterpret_cast<const char*>(&on), sizeof(on));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr = ip;
  address.sin_port = htons(port);
  if (bind(s, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    *error = "cannot listen on " + bind_address + ":" + std::to_string(port) + " (" + LastError("bind") + ")";
    return Socket();
  }
  if (listen(s, 8) != 0) {
    *error = LastError("listen");
    return Socket();
  }
  return owner;
}

Socket Accept(Socket& listener, std::string* peer, std::string* error) {
  sockaddr_storage address{};
  socklen_t length = sizeof(address);
  NativeSocket s = accept(Native(listener.fd()), reinterpret_cast<sockaddr*>(&address), &length);
  if (s == kNativeInvalid) {
    *error = LastError("accept");
    return Socket();
  }
  char text[INET6_ADDRSTRLEN] = "?";
  std::uint16_t port = 0;
  if (address.ss_family == AF_INET) {
    auto* v4 = reinterpret_cast<sockaddr_in*>(&address);
    inet_ntop(AF_INET, &v4->sin_addr, text, sizeof(text));
    port = ntohs(v4->sin_port);
  } else if (address.ss_family == AF_INET6) {
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&address);
    inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof(text));
    port = ntohs(v6->sin6_port);
  }
  *peer = std::string(text) + ":" + std::to_string(port);
  int on = 1;
  setsockopt(s, IPPROTO_TCP, TCP_NODELAY, reinterpret_cast<const char*>(&on), sizeof(on));
  return Socket(Wrap(s));
}

}  // namespace opensslp::cli
