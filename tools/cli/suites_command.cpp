// suites_command.cpp - `opensslp suites`: every cipher suite the provider enumerates, one block per
// suite in the provider's preference order, in the layout of PowerShell's Get-TlsCipherSuite
// (Format-List). The provider reports one entry per (suite, protocol version); entries of one suite
// are merged into one block whose Protocols line lists the wire versions, e.g. {771, 770, 769}.
#include <iostream>
#include <string>
#include <vector>

#include "cli.h"

namespace opensslp::cli {
namespace {

struct SuiteBlock {
  NCRYPT_SSL_CIPHER_SUITE suite;  // the first entry seen
  std::vector<DWORD> protocols;   // in enumeration order
};

void PrintField(std::string_view name, const std::string& value) {
  std::cout << name;
  for (std::size_t i = name.size(); i < 22; ++i) std::cout << ' ';
  std::cout << ':' << (value.empty() ? "" : " ") << value << "\n";
}

std::string Text(const WCHAR (&field)[NCRYPT_SSL_MAX_NAME_SIZE]) { return ToUtf8(field, NCRYPT_SSL_MAX_NAME_SIZE); }

void PrintBlock(const SuiteBlock& b) {
  const NCRYPT_SSL_CIPHER_SUITE& s = b.suite;
  std::string wire = "{", readable = "(";
  for (std::size_t i = 0; i < b.protocols.size(); ++i) {
    wire += (i ? ", " : "") + std::to_string(b.protocols[i]);
    readable += (i ? ", " : "") + ProtocolName(b.protocols[i]);
  }
  wire += "}";
  readable += ")";
  PrintField("Name", Text(s.szCipherSuite));
  PrintField("CipherSuite", std::to_string(s.dwCipherSuite));
  PrintField("Cipher", Text(s.szCipher));
  PrintField("CipherLength", std::to_string(s.dwCipherLen));
  PrintField("BaseCipherSuite", std::to_string(s.dwBaseCipherSuite));
  PrintField("CipherBlockLength", std::to_string(s.dwCipherBlockLen));
  PrintField("Exchange", Text(s.szExchange));
  PrintField("Certificate", Text(s.szCertificate));
  PrintField("Hash", Text(s.szHash));
  PrintField("HashLength", std::to_string(s.dwHashLen));
  PrintField("Protocols", wire + " " + readable);
  PrintField("KeyType", std::to_string(s.dwKeyType));
  PrintField("MinimumExchangeLength", std::to_string(s.dwMinExchangeLen));
  PrintField("MaximumExchangeLength", std::to_string(s.dwMaxExchangeLen));
}

}  // namespace

int RunSuites(const Args& args) {
  if (!NoArguments("suites", args)) return kExitUsage;
  ProviderHandle provider;
  if (!provider.Open()) return kExitFailure;

  std::vector<SuiteBlock> blocks;
  const bool listed = ForEachCipherSuite(provider.get(), "suites", [&](const NCRYPT_SSL_CIPHER_SUITE& entry) {
    SuiteBlock* block = nullptr;
    for (SuiteBlock& b : blocks) {
      if (b.suite.dwCipherSuite == entry.dwCipherSuite) block = &b;
    }
    if (block == nullptr) {
      blocks.push_back({entry, {}});
      block = &blocks.back();
    }
    block->protocols.push_back(entry.dwProtocol);
  });
  if (!listed) return kExitFailure;
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    if (i) std::cout << "\n";
    PrintBlock(blocks[i]);
  }
  return kExitOk;
}

}  // namespace opensslp::cli
