// dynamic_load_test.cpp - load the library the way ncrypt.dll loads a registered provider: by
// path, at run time, looking up only GetSChannelInterface, then drive it through the table.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstring>

#include <string>

#include "opensslp/opensslp.h"
#include "sslprovider.h"
#include "support/wide.h"

#if defined(_WIN32)
#include <windows.h>
#else
#include <dlfcn.h>
#endif

namespace {

#if defined(_WIN32)
struct Library {
  HMODULE module = nullptr;
  explicit Library(const std::wstring& path) : module(LoadLibraryW(path.c_str())) {}
  ~Library() {
    if (module) FreeLibrary(module);
  }
  void* Symbol(const char* name) const { return reinterpret_cast<void*>(GetProcAddress(module, name)); }
  bool ok() const { return module != nullptr; }
};

std::wstring PathOfLoadedProvider() {
  // `&SslOpenProvider` is this program's import thunk on Windows, so ask for the DLL by name.
  HMODULE provider = GetModuleHandleW(L"opensslp.dll");
  if (provider == nullptr) return {};
  wchar_t path[MAX_PATH] = {};
  if (GetModuleFileNameW(provider, path, MAX_PATH) == 0) return {};
  return path;
}
#else
struct Library {
  void* handle = nullptr;
  explicit Library(const std::string& path) : handle(dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL)) {}
  ~Library() {
    if (handle) dlclose(handle);
  }
  void* Symbol(const char* name) const { return dlsym(handle, name); }
  bool ok() const { return handle != nullptr; }
};

std::string PathOfLoadedProvider() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&SslOpenProvider), &info) == 0 || info.dli_fname == nullptr) return {};
  return info.dli_fname;
}
#endif

TEST(DynamicLoad, GetSChannelInterfaceByNameThenUseTheTable) {
  auto path = PathOfLoadedProvider();
  ASSERT_FALSE(path.empty());
  Library lib(path);
  ASSERT_TRUE(lib.ok());
  auto get_interface = reinterpret_cast<GetSChannelInterfaceFn>(lib.Symbol("GetSChannelInterface"));
  ASSERT_NE(get_interface, nullptr);
  EXPECT_EQ(lib.Symbol("GetSChannelInterface@12"), nullptr) << "names are undecorated";

  NCRYPT_SSL_FUNCTION_TABLE* table = nullptr;
  ASSERT_EQ(get_interface(W(u"OpenSSLP Protocol Provider"), &table, 0), 0);
  ASSERT_NE(table, nullptr);
  EXPECT_NE(table->Version.MajorVersion, 0) << "the CNG loader rejects major version 0";
  EXPECT_TRUE(
      BCRYPT_IS_INTERFACE_VERSION_COMPATIBLE(BCRYPT_INTERFACE_VERSION(NCRYPT_SSL_INTERFACE_VERSION_5), table->Version));

  // ncrypt.dll copies Version + 48 pointer slots whatever the version says (docs/reference/
  // windows-loader.md): 41 members, then 7 NULLs. memcpy, as the router does it.
  void* slots[1 + OPENSSLP_ROUTER_TABLE_SLOTS];
  std::memcpy(slots, table, sizeof slots);
  for (std::size_t i = 1; i <= OPENSSLP_TABLE_MEMBERS; ++i) EXPECT_NE(slots[i], nullptr) << "member " << i - 1;
  for (std::size_t i = 1 + OPENSSLP_TABLE_MEMBERS; i <= OPENSSLP_ROUTER_TABLE_SLOTS; ++i) {
    EXPECT_EQ(slots[i], nullptr) << "slot " << i - 1 << " after the table must be NULL";
  }

  NCRYPT_PROV_HANDLE prov = 0;
  ASSERT_EQ(table->OpenProvider(&prov, W(u"OpenSSLP Protocol Provider"), 0), 0);
  NCRYPT_SSL_CIPHER_SUITE* suite = nullptr;
  PVOID state = nullptr;
  SECURITY_STATUS rc = table->EnumCipherSuites(prov, 0, &suite, &state, 0);
  if (rc == 0) {
    EXPECT_NE(suite, nullptr);
    EXPECT_EQ(table->FreeBuffer(suite), 0);
    EXPECT_EQ(table->FreeBuffer(state), 0);
  }
  EXPECT_EQ(table->FreeObject(prov, 0), 0);

  // Every exported Ssl* name resolves to the same function the table holds.
  EXPECT_EQ(lib.Symbol("SslOpenProvider"), reinterpret_cast<void*>(table->OpenProvider));
  EXPECT_EQ(lib.Symbol("SslEnumCipherSuitesEx"), reinterpret_cast<void*>(table->EnumCipherSuitesEx));
  EXPECT_EQ(lib.Symbol("SslExpandPreSharedKey"), reinterpret_cast<void*>(table->ExpandPreSharedKey));
  EXPECT_NE(lib.Symbol("SslEnumProtocolProviders"), nullptr);
  EXPECT_NE(lib.Symbol("SslExpandNextGenTrafficKey"), nullptr);
}

}  // namespace
