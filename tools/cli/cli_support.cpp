// cli_support.cpp - text conversion, status names and the provider handle for the opensslp tool.
#include <cstdio>
#include <iostream>

#include "cli.h"
#include "opensslp/opensslp.h"

namespace opensslp::cli {

std::string ToUtf8(const WCHAR* text, std::size_t max_chars) {
  // WCHAR is 16-bit on every platform opensslp builds for (wchar_t on Windows, char16_t elsewhere).
  static_assert(sizeof(WCHAR) == 2, "UTF-16 code units");
  const auto* p = reinterpret_cast<const char16_t*>(text);
  std::string out;
  for (std::size_t i = 0; i < max_chars && p[i] != 0; ++i) {
    char32_t c = p[i];
    if (c >= 0xD800 && c <= 0xDBFF && i + 1 < max_chars && p[i + 1] >= 0xDC00 && p[i + 1] <= 0xDFFF) {
      c = 0x10000 + ((c - 0xD800) << 10) + (p[i + 1] - 0xDC00);
      ++i;
    }
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else if (c < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else if (c < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (c >> 12)));
      out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (c >> 18)));
      out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
  return out;
}

std::string StatusText(SECURITY_STATUS status) {
  const char* name = nullptr;
  switch (static_cast<std::uint32_t>(status)) {
    case 0x80090026u: name = "NTE_INVALID_HANDLE"; break;
    case 0x80090027u: name = "NTE_INVALID_PARAMETER"; break;
    case 0x80090009u: name = "NTE_BAD_FLAGS"; break;
    case 0x80090028u: name = "NTE_BUFFER_TOO_SMALL"; break;
    case 0x8009000Eu: name = "NTE_NO_MEMORY"; break;
    case 0x80090029u: name = "NTE_NOT_SUPPORTED"; break;
    case 0x8009002Au: name = "NTE_NO_MORE_ITEMS"; break;
    case 0x8009002Du: name = "NTE_INTERNAL_ERROR"; break;
    default: break;
  }
  char hex[16];
  std::snprintf(hex, sizeof(hex), "0x%08X", static_cast<unsigned>(status));
  return name ? std::string(hex) + " (" + name + ")" : std::string(hex);
}

std::string ProtocolName(DWORD protocol) {
  switch (protocol) {
    case TLS1_0_PROTOCOL_VERSION: return "TLS 1.0";
    case TLS1_1_PROTOCOL_VERSION: return "TLS 1.1";
    case TLS1_2_PROTOCOL_VERSION: return "TLS 1.2";
    case TLS1_3_PROTOCOL_VERSION: return "TLS 1.3";
    case DTLS1_0_PROTOCOL_VERSION: return "DTLS 1.0";
    case DTLS1_2_PROTOCOL_VERSION: return "DTLS 1.2";
    default: return "protocol " + std::to_string(protocol);
  }
}

bool ForEachCipherSuite(NCRYPT_PROV_HANDLE provider, std::string_view command,
                        const std::function<void(const NCRYPT_SSL_CIPHER_SUITE&)>& visit) {
  void* state = nullptr;
  SECURITY_STATUS rc;
  for (;;) {
    NCRYPT_SSL_CIPHER_SUITE* entry = nullptr;
    rc = SslEnumCipherSuites(provider, 0, &entry, &state, 0);
    if (rc != 0) break;
    visit(*entry);
    (void)SslFreeBuffer(entry);
  }
  if (state != nullptr) (void)SslFreeBuffer(state);
  if (rc != NTE_NO_MORE_ITEMS) {
    std::cerr << "opensslp " << command << ": SslEnumCipherSuites failed: " << StatusText(rc) << "\n";
    return false;
  }
  return true;
}

ProviderHandle::~ProviderHandle() {
  if (handle_ != 0) (void)SslFreeObject(handle_, 0);
}

bool ProviderHandle::Open() {
  const SECURITY_STATUS rc = SslOpenProvider(&handle_, OPENSSLP_PROVIDER_NAME, 0);
  if (rc != 0) {
    handle_ = 0;
    std::cerr << "opensslp: SslOpenProvider failed: " << StatusText(rc) << "\n";
    return false;
  }
  return true;
}

bool NoArguments(std::string_view command, const Args& args) {
  if (args.empty()) return true;
  std::cerr << "opensslp " << command << ": unexpected argument '" << args.front() << "' (try 'opensslp --help')\n";
  return false;
}

}  // namespace opensslp::cli
