// installed_load.cpp - opensslp.dll in its installed place, loaded by name the way ncrypt.dll
// resolves a provider (docs/building.md#installed-layout): the 64-bit DLL in
// C:\Windows\System32 for 64-bit processes, the 32-bit one in C:\Windows\SysWOW64 for 32-bit
// processes (which see SysWOW64 as System32). Built for both architectures; under Wine
// cmake/wine-run.sh copies the DLL into the prefix's windows/system32 or windows/syswow64 first
// (OPENSSLP_WINE_SYSTEM_DLLS) and removes it afterwards. This program's own directory holds no
// opensslp.dll, and the search is restricted to the system directory.
//
//   opensslp_installed_load VERSION     VERSION: the expected file version, e.g. 0.1.0
//
// Checks: LoadLibraryExW(L"opensslp.dll", LOAD_LIBRARY_SEARCH_SYSTEM32) succeeds and the module
// lies in the system directory; GetSChannelInterface returns a version 5 table whose OpenProvider
// opens the provider; the DLL's VERSIONINFO (read with GetFileVersionInfoW from the installed
// file) has the product name, description, version and copyright of res/opensslp.rc.in.
#include <windows.h>

#include <cstdio>
#include <cstdlib>
#include <cwchar>
#include <string>
#include <vector>

#include "opensslp/opensslp.h"
#include "sslprovider.h"

namespace {

int failures = 0;

void Expect(bool ok, const char* what) {
  std::printf("%s %s\n", ok ? "ok  " : "FAIL", what);
  if (!ok) ++failures;
}

std::wstring Lower(std::wstring s) {
  for (auto& c : s) c = static_cast<wchar_t>(towlower(c));
  return s;
}

// A VERSIONINFO string of the U.S. English / Unicode block (040904B0).
std::wstring VersionString(const std::vector<unsigned char>& info, const wchar_t* name) {
  std::wstring query = std::wstring(L"\\StringFileInfo\\040904B0\\") + name;
  void* value = nullptr;
  UINT len = 0;
  if (!VerQueryValueW(info.data(), query.c_str(), &value, &len) || value == nullptr) return L"";
  return std::wstring(static_cast<const wchar_t*>(value));
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IONBF, 0);
  if (argc != 2) {
    std::fprintf(stderr, "usage: opensslp_installed_load VERSION\n");
    return 2;
  }
  std::printf("%d-bit process\n", static_cast<int>(sizeof(void*) * 8));
  HMODULE dll = LoadLibraryExW(L"opensslp.dll", nullptr, LOAD_LIBRARY_SEARCH_SYSTEM32);
  if (dll == nullptr) {
    std::printf("FAIL LoadLibraryExW(opensslp.dll, LOAD_LIBRARY_SEARCH_SYSTEM32): error %lu\n", GetLastError());
    return 1;
  }
  wchar_t path[MAX_PATH] = {}, sysdir[MAX_PATH] = {}, wowdir[MAX_PATH] = {};
  GetModuleFileNameW(dll, path, MAX_PATH);
  GetSystemDirectoryW(sysdir, MAX_PATH);
  GetSystemWow64DirectoryW(wowdir, MAX_PATH);  // fails (empty) in a 64-bit process
  std::printf("loaded %ls\n", path);
  const std::wstring dir = Lower(std::wstring(path).substr(0, std::wstring(path).find_last_of(L'\\')));
  // A 32-bit process sees SysWOW64 as System32 (file system redirection); Windows reports the
  // module under either name depending on the API, so accept both for it.
  const bool in_system_dir =
      dir == Lower(sysdir) || (sizeof(void*) == 4 && wowdir[0] != 0 && dir == Lower(wowdir));
  Expect(in_system_dir, "opensslp.dll was loaded from the system directory");

  const auto get_interface = reinterpret_cast<GetSChannelInterfaceFn>(
      reinterpret_cast<void*>(GetProcAddress(dll, "GetSChannelInterface")));
  NCRYPT_SSL_FUNCTION_TABLE* table = nullptr;
  Expect(get_interface != nullptr && get_interface(OPENSSLP_PROVIDER_NAME, &table, 0) == 0 && table != nullptr &&
             table->Version.MajorVersion == 5,
         "GetSChannelInterface returns the version 5 table");
  if (table != nullptr && table->OpenProvider != nullptr && table->FreeObject != nullptr) {
    NCRYPT_PROV_HANDLE provider = 0;
    const SECURITY_STATUS rc = table->OpenProvider(&provider, OPENSSLP_PROVIDER_NAME, 0);
    Expect(rc == 0 && provider != 0, "table->OpenProvider opens the provider");
    if (provider != 0) table->FreeObject(provider, 0);
  }

  // VERSIONINFO of the installed file.
  DWORD ignored = 0;
  const DWORD size = GetFileVersionInfoSizeW(path, &ignored);
  std::vector<unsigned char> info(size);
  const bool have_info = size != 0 && GetFileVersionInfoW(path, 0, size, info.data());
  Expect(have_info, "the DLL has a VERSIONINFO resource");
  if (have_info) {
    VS_FIXEDFILEINFO* fixed = nullptr;
    UINT len = 0;
    unsigned major = 0, minor = 0, patch = 0;
    std::sscanf(argv[1], "%u.%u.%u", &major, &minor, &patch);
    const bool fixed_ok = VerQueryValueW(info.data(), L"\\", reinterpret_cast<void**>(&fixed), &len) &&
                          fixed != nullptr && fixed->dwSignature == VS_FFI_SIGNATURE &&
                          fixed->dwFileVersionMS == ((major << 16) | minor) && fixed->dwFileVersionLS == (patch << 16) &&
                          fixed->dwProductVersionMS == fixed->dwFileVersionMS && fixed->dwFileType == VFT_DLL;
    Expect(fixed_ok, "VS_FIXEDFILEINFO: file and product version, VFT_DLL");
    std::wstring expected_version;
    for (const char* p = argv[1]; *p != 0; ++p) expected_version += static_cast<wchar_t>(*p);
    const std::wstring product = VersionString(info, L"ProductName");
    const std::wstring description = VersionString(info, L"FileDescription");
    const std::wstring file_version = VersionString(info, L"FileVersion");
    const std::wstring copyright = VersionString(info, L"LegalCopyright");
    std::printf("ProductName=%ls | FileDescription=%ls | FileVersion=%ls | LegalCopyright=%ls\n", product.c_str(),
                description.c_str(), file_version.c_str(), copyright.c_str());
    Expect(product == L"opensslp", "ProductName is opensslp");
    Expect(description == L"OpenSSLP Protocol Provider (CNG SSL protocol provider on OpenSSL 3)",
           "FileDescription names the provider");
    Expect(file_version == expected_version && VersionString(info, L"ProductVersion") == expected_version,
           "FileVersion and ProductVersion are the project version");
    Expect(copyright.find(L"Copyright") == 0 && copyright.find(L"Apache License") != std::wstring::npos,
           "LegalCopyright is the copyright line");
  }
  FreeLibrary(dll);
  std::printf("%s\n", failures == 0 ? "installed layout: ok" : "installed layout: FAILED");
  return failures == 0 ? 0 : 1;
}
