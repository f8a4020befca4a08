// opensslp-selftest.exe - proves that an installed opensslp.dll loads and works, in a process of
// its own, before anything is registered (registry/README.md#self-test). Built for x64 and x86;
// opensslp-register.exe runs the x64 program against System32\opensslp.dll and the x86 one against
// SysWOW64\opensslp.dll (a 32-bit process sees SysWOW64 as its system directory).
//
//   opensslp-selftest.exe [--image FILE | --resolve] [--provider NAME]
//
// It loads the DLL the way ncrypt.dll does (docs/reference/windows-loader.md):
// GetSystemDirectoryW() + "\" + image, LoadLibraryExW(path, NULL, 0). With --resolve the image is
// first read from the provider's registration, Providers\<NAME>\UM\Image, as ncrypt's resolution
// finds it. Then, through the table only: GetSChannelInterface(NAME), OpenProvider(NAME),
// EnumCipherSuites (one `suite NAME` line each, de-duplicated), one TLS 1.2 ECDHE key exchange on
// X25519 between a client and a server side (CreateEphemeralKey, ExportKey/ImportKey of the public
// keys, GenerateMasterKey, GenerateSessionKeys) and one record each way (EncryptPacket on one side,
// DecryptPacket on the other). Both sides are this DLL, so this proves the installed copy works,
// not that its arithmetic is right: that is what the project's test suite proves.
//
// Last line: `selftest: ok (<path>, <bits>-bit)` and exit 0, or `selftest: FAILED: <step>: <why>`
// and exit 1; 2 for a usage error.
#include <windows.h>

#include <cstdio>
#include <cstring>
#include <deque>
#include <set>
#include <string>
#include <vector>

#include "opensslp/opensslp.h"
#include "registry_common.h"
#include "sslprovider.h"

namespace {

using opensslp::registry::Narrow;

[[noreturn]] void Fail(const std::string& step, const std::string& why) {
  std::printf("selftest: FAILED: %s: %s\n", step.c_str(), why.c_str());
  std::fflush(stdout);
  std::exit(1);
}

std::string Hex(SECURITY_STATUS status) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%08lX", static_cast<unsigned long>(status));
  return text;
}

void Check(SECURITY_STATUS status, const char* step) {
  if (status != 0) Fail(step, "returned " + Hex(status));
}

// Handles of the provider, freed through the table in reverse order of creation.
class Session {
 public:
  explicit Session(NCRYPT_SSL_FUNCTION_TABLE* table) : table_(table) {}
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  ~Session() {
    for (auto it = handles_.rbegin(); it != handles_.rend(); ++it) table_->FreeObject(*it, 0);
    if (provider_ != 0) table_->FreeObject(provider_, 0);
  }
  NCRYPT_PROV_HANDLE provider_ = 0;
  NCRYPT_KEY_HANDLE* Hold() {
    handles_.push_back(0);
    return &handles_.back();
  }

 private:
  NCRYPT_SSL_FUNCTION_TABLE* table_;
  std::deque<NCRYPT_KEY_HANDLE> handles_;  // a deque: Hold()'s pointers stay valid
};

// NCRYPTBUFFER_SSL_CLIENT_RANDOM / _SERVER_RANDOM (RFC 5246 §8.1, §6.3).
struct Randoms {
  unsigned char client[32], server[32];
  NCryptBuffer buffers[2];
  NCryptBufferDesc desc;
  Randoms() {
    for (int i = 0; i < 32; ++i) {
      client[i] = static_cast<unsigned char>(i);
      server[i] = static_cast<unsigned char>(0xA0 + i);
    }
    buffers[0] = {sizeof client, NCRYPTBUFFER_SSL_CLIENT_RANDOM, client};
    buffers[1] = {sizeof server, NCRYPTBUFFER_SSL_SERVER_RANDOM, server};
    desc = {NCRYPTBUFFER_VERSION, 2, buffers};
  }
};

}  // namespace

int wmain(int argc, wchar_t** argv) {
  std::setvbuf(stdout, nullptr, _IONBF, 0);
  std::wstring image = opensslp::registry::kImageName;
  std::wstring provider_name = opensslp::registry::kProviderName;
  bool resolve = false;
  for (int i = 1; i < argc; ++i) {
    const std::wstring arg = argv[i];
    if (arg == L"--image" && i + 1 < argc) {
      image = argv[++i];
    } else if (arg == L"--provider" && i + 1 < argc) {
      provider_name = argv[++i];
    } else if (arg == L"--resolve") {
      resolve = true;
    } else {
      std::fprintf(stderr, "usage: opensslp-selftest.exe [--image FILE | --resolve] [--provider NAME]\n");
      return 2;
    }
  }

  if (resolve) {
    // ncrypt asks BCryptResolveProviders; the answer is the registration's UM\Image value.
    const std::wstring key = std::wstring(opensslp::registry::kProvidersKey) + L"\\" + provider_name + L"\\UM";
    auto value = opensslp::registry::ReadString(HKEY_LOCAL_MACHINE, key, L"Image");
    if (!value) Fail("resolve", "HKLM\\" + Narrow(key) + " has no Image value (is the provider registered?)");
    image = *value;
    std::printf("resolved %s -> Image %s\n", Narrow(provider_name).c_str(), Narrow(image).c_str());
  }

  // GetSystemDirectoryW() + "\" + Image, unconditionally: a full path in Image cannot work.
  wchar_t system_dir[MAX_PATH] = {};
  if (GetSystemDirectoryW(system_dir, MAX_PATH) == 0) Fail("GetSystemDirectoryW", "failed");
  const std::wstring path = std::wstring(system_dir) + L"\\" + image;
  HMODULE dll = LoadLibraryExW(path.c_str(), nullptr, 0);
  if (dll == nullptr) {
    const DWORD error = GetLastError();
    Fail("LoadLibraryExW(" + Narrow(path) + ")",
         "error " + std::to_string(error) +
             (error == ERROR_MOD_NOT_FOUND    ? " (not found)"
              : error == ERROR_BAD_EXE_FORMAT ? " (not a DLL of this architecture)"
              : error == ERROR_INVALID_NAME   ? " (not a file name; Image must be a bare file name)"
                                              : ""));
  }
  wchar_t loaded[MAX_PATH] = {};
  GetModuleFileNameW(dll, loaded, MAX_PATH);
  std::printf("loaded %s\n", Narrow(loaded).c_str());

  const auto get_interface =
      reinterpret_cast<GetSChannelInterfaceFn>(reinterpret_cast<void*>(GetProcAddress(dll, "GetSChannelInterface")));
  if (get_interface == nullptr) Fail("GetProcAddress(GetSChannelInterface)", "no such export");
  NCRYPT_SSL_FUNCTION_TABLE* table = nullptr;
  Check(get_interface(provider_name.c_str(), &table, 0), "GetSChannelInterface");
  if (table == nullptr || table->Version.MajorVersion == 0) Fail("GetSChannelInterface", "no table");
  std::printf("table version %u.%u\n", table->Version.MajorVersion, table->Version.MinorVersion);

  Session session(table);
  Check(table->OpenProvider(&session.provider_, provider_name.c_str(), 0), "OpenProvider");

  // The suites, each name once (the provider lists a name once per key type and protocol).
  std::set<std::wstring> seen;
  void* state = nullptr;
  for (;;) {
    NCRYPT_SSL_CIPHER_SUITE* suite = nullptr;
    const SECURITY_STATUS rc = table->EnumCipherSuites(session.provider_, 0, &suite, &state, 0);
    if (rc == NTE_NO_MORE_ITEMS) break;
    Check(rc, "EnumCipherSuites");
    if (seen.insert(suite->szCipherSuite).second) std::printf("suite %s\n", Narrow(suite->szCipherSuite).c_str());
    table->FreeBuffer(suite);
  }
  if (state != nullptr) table->FreeBuffer(state);
  if (seen.empty()) Fail("EnumCipherSuites", "no suites");

  // One ECDHE key exchange (RFC 8422 §5.10 with X25519, RFC 7748) and the master secret on both sides.
  const DWORD protocol = TLS1_2_PROTOCOL_VERSION, cipher_suite = TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256;
  const DWORD x25519 = 29;  // IANA NamedGroup
  NCRYPT_KEY_HANDLE* client_ephemeral = session.Hold();
  Check(
      table->CreateEphemeralKey(session.provider_, client_ephemeral, protocol, cipher_suite, x25519, 0, nullptr, 0, 0),
      "CreateEphemeralKey (client)");
  NCRYPT_KEY_HANDLE* server_ephemeral = session.Hold();
  Check(
      table->CreateEphemeralKey(session.provider_, server_ephemeral, protocol, cipher_suite, x25519, 0, nullptr, 0, 0),
      "CreateEphemeralKey (server)");
  auto export_public = [&](NCRYPT_KEY_HANDLE key, const char* step) {
    std::vector<unsigned char> blob(256);
    DWORD size = 0;
    Check(table->ExportKey(session.provider_, key, SSL_ECCPUBLIC_BLOB, blob.data(), static_cast<DWORD>(blob.size()),
                           &size, 0),
          step);
    blob.resize(size);
    return blob;
  };
  std::vector<unsigned char> client_public = export_public(*client_ephemeral, "ExportKey (client public)");
  std::vector<unsigned char> server_public = export_public(*server_ephemeral, "ExportKey (server public)");
  NCRYPT_KEY_HANDLE* server_public_at_client = session.Hold();
  Check(table->ImportKey(session.provider_, server_public_at_client, SSL_ECCPUBLIC_BLOB, server_public.data(),
                         static_cast<DWORD>(server_public.size()), 0),
        "ImportKey (server public)");
  NCRYPT_KEY_HANDLE* client_public_at_server = session.Hold();
  Check(table->ImportKey(session.provider_, client_public_at_server, SSL_ECCPUBLIC_BLOB, client_public.data(),
                         static_cast<DWORD>(client_public.size()), 0),
        "ImportKey (client public)");

  Randoms randoms;
  NCRYPT_KEY_HANDLE* client_master = session.Hold();
  NCRYPT_KEY_HANDLE* server_master = session.Hold();
  DWORD ignored = 0;
  Check(table->GenerateMasterKey(session.provider_, *client_ephemeral, *server_public_at_client, client_master,
                                 protocol, cipher_suite, &randoms.desc, nullptr, 0, &ignored, NCRYPT_SSL_CLIENT_FLAG),
        "GenerateMasterKey (client)");
  Check(table->GenerateMasterKey(session.provider_, *server_ephemeral, *client_public_at_server, server_master,
                                 protocol, cipher_suite, &randoms.desc, nullptr, 0, &ignored, NCRYPT_SSL_SERVER_FLAG),
        "GenerateMasterKey (server)");
  NCRYPT_KEY_HANDLE* client_read = session.Hold();
  NCRYPT_KEY_HANDLE* client_write = session.Hold();
  NCRYPT_KEY_HANDLE* server_read = session.Hold();
  NCRYPT_KEY_HANDLE* server_write = session.Hold();
  Check(table->GenerateSessionKeys(session.provider_, *client_master, client_read, client_write, &randoms.desc, 0),
        "GenerateSessionKeys (client)");
  Check(table->GenerateSessionKeys(session.provider_, *server_master, server_read, server_write, &randoms.desc, 0),
        "GenerateSessionKeys (server)");

  // One application-data record each way (RFC 5246 §6.2.3.3).
  auto round_trip = [&](NCRYPT_KEY_HANDLE write, NCRYPT_KEY_HANDLE read, const char* text, const char* direction) {
    std::vector<unsigned char> plain(text, text + std::strlen(text));
    std::vector<unsigned char> record(plain.size() + 64);
    DWORD record_size = 0;
    Check(table->EncryptPacket(session.provider_, write, plain.data(), static_cast<DWORD>(plain.size()), record.data(),
                               static_cast<DWORD>(record.size()), &record_size, 0, 23, 0),
          (std::string("EncryptPacket ") + direction).c_str());
    std::vector<unsigned char> opened(record_size);
    DWORD opened_size = 0;
    Check(table->DecryptPacket(session.provider_, read, record.data(), record_size, opened.data(),
                               static_cast<DWORD>(opened.size()), &opened_size, 0, 0),
          (std::string("DecryptPacket ") + direction).c_str());
    // The plaintext alone comes back, at the start of the output (fact sheet of SslDecryptPacket in
    // docs/reference/functions.md).
    if (opened_size != plain.size() || std::memcmp(opened.data(), plain.data(), plain.size()) != 0) {
      Fail(std::string("record ") + direction, "the plaintext did not come back");
    }
  };
  round_trip(*client_write, *server_read, "opensslp self-test: client to server", "client->server");
  round_trip(*server_write, *client_read, "opensslp self-test: server to client", "server->client");
  std::printf("key exchange and records: ok (TLS 1.2, ECDHE X25519, AES-128-GCM)\n");

  std::printf("selftest: ok (%s, %d-bit)\n", Narrow(loaded).c_str(), static_cast<int>(sizeof(void*) * 8));
  return 0;
}
