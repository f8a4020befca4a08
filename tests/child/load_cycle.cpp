// load_cycle.cpp - loads the provider library the way ncrypt.dll does (by path, at run time,
// looking up only GetSChannelInterface), uses it and unloads it, many times in one process
// (docs/windows.md#load-safety). This program does not link the library, so each FreeLibrary /
// dlclose really drops the last reference:
//   phase 1: load, look up, unload, with no call in between: the library's load and unload code
//            (runtime start-up, TLS callbacks, static constructors -- there are none of ours)
//            run every cycle, and on Windows the module must be gone after each unload;
//   phase 2: load, GetSChannelInterface (a case variant of the name each cycle), open a provider,
//            create and use a handshake hash and an ECDHE key (so libcrypto initialises), free
//            everything, unload.
//   load_cycle <library path> [cycles]      exit status 0 = every cycle worked
// OpenSSL pins the module that contains it once it initialises (a static libcrypto on Windows:
// GetModuleHandleEx(PIN)), so after the first phase-2 cycle the DLL stays mapped; the program
// reports whether it was pinned, it does not require either.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "sslprovider.h"

#if defined(_WIN32)
#include <windows.h>
#else
#include <dlfcn.h>
#endif

namespace {

#if defined(_WIN32)
using Module = HMODULE;
std::wstring Widen(const char* path) {
  std::wstring out;
  for (const char* p = path; *p != '\0'; ++p) out.push_back(*p == '/' ? L'\\' : static_cast<wchar_t>(*p));
  return out;
}
Module Load(const char* path) { return LoadLibraryExW(Widen(path).c_str(), nullptr, 0); }  // as ncrypt loads it
bool Unload(Module m) { return FreeLibrary(m) != 0; }
void* Symbol(Module m, const char* name) { return reinterpret_cast<void*>(GetProcAddress(m, name)); }
bool StillLoaded(const char* path) {
  std::wstring wide = Widen(path);
  return GetModuleHandleW(wide.c_str()) != nullptr;
}
#else
using Module = void*;
Module Load(const char* path) { return dlopen(path, RTLD_NOW | RTLD_LOCAL); }
bool Unload(Module m) { return dlclose(m) == 0; }
void* Symbol(Module m, const char* name) { return dlsym(m, name); }
bool StillLoaded(const char* path) {
  void* again = dlopen(path, RTLD_NOW | RTLD_NOLOAD);
  if (again != nullptr) dlclose(again);
  return again != nullptr;
}
#endif

// "OpenSSLP Protocol Provider" with its ASCII case changed according to the bits of `n`.
std::u16string NameVariant(unsigned n) {
  std::u16string name = u"OpenSSLP Protocol Provider";
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char16_t c = name[i];
    if (((n >> (i % 16)) & 1) == 0) continue;
    if (c >= u'a' && c <= u'z')
      name[i] = static_cast<char16_t>(c - 32);
    else if (c >= u'A' && c <= u'Z')
      name[i] = static_cast<char16_t>(c + 32);
  }
  return name;
}

int Fail(int cycle, const char* what, long long code = 0) {
  std::fprintf(stderr, "load_cycle: cycle %d: %s (0x%llx)\n", cycle, what, static_cast<unsigned long long>(code));
  return 1;
}

int UseOnce(Module m, int cycle) {
  auto get_interface = reinterpret_cast<GetSChannelInterfaceFn>(Symbol(m, "GetSChannelInterface"));
  if (get_interface == nullptr) return Fail(cycle, "GetSChannelInterface not exported");
  const std::u16string name = NameVariant(static_cast<unsigned>(cycle) * 2654435761u);
  const auto* wname = reinterpret_cast<LPCWSTR>(name.c_str());
  NCRYPT_SSL_FUNCTION_TABLE* table = nullptr;
  const long rc = get_interface(wname, &table, 0);
  if (rc != 0 || table == nullptr) return Fail(cycle, "GetSChannelInterface failed", rc);
  NCRYPT_PROV_HANDLE prov = 0;
  SECURITY_STATUS st = table->OpenProvider(&prov, wname, 0);
  if (st != 0) return Fail(cycle, "OpenProvider failed", st);
  NCRYPT_HASH_HANDLE hash = 0;
  st = table->CreateHandshakeHash(prov, &hash, TLS1_2_PROTOCOL_VERSION, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, 0);
  if (st != 0) return Fail(cycle, "CreateHandshakeHash failed", st);
  BYTE message[] = {1, 0, 0, 1, 0x42};
  st = table->HashHandshake(prov, hash, message, sizeof message, 0);
  if (st != 0) return Fail(cycle, "HashHandshake failed", st);
  NCRYPT_KEY_HANDLE eph = 0;
  st = table->CreateEphemeralKey(prov, &eph, TLS1_2_PROTOCOL_VERSION, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, 23, 256,
                                 nullptr, 0, 0);
  if (st != 0) return Fail(cycle, "CreateEphemeralKey failed", st);
  if ((st = table->FreeObject(eph, 0)) != 0) return Fail(cycle, "FreeObject(ephemeral key) failed", st);
  if ((st = table->FreeObject(hash, 0)) != 0) return Fail(cycle, "FreeObject(hash) failed", st);
  if ((st = table->FreeObject(prov, 0)) != 0) return Fail(cycle, "FreeObject(provider) failed", st);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: load_cycle <library> [cycles]\n");
    return 2;
  }
  const char* path = argv[1];
  const int cycles = argc > 2 ? std::atoi(argv[2]) : 100;
  if (StillLoaded(path)) return Fail(0, "the library is loaded before the first cycle");

  for (int i = 0; i < cycles; ++i) {
    Module m = Load(path);
    if (m == nullptr) return Fail(i, "load failed (phase 1)");
    if (Symbol(m, "GetSChannelInterface") == nullptr) return Fail(i, "GetSChannelInterface not exported");
    if (!Unload(m)) return Fail(i, "unload failed (phase 1)");
#if defined(_WIN32)
    if (StillLoaded(path)) return Fail(i, "still mapped after FreeLibrary with no call made (phase 1)");
#endif
  }
  for (int i = 0; i < cycles; ++i) {
    Module m = Load(path);
    if (m == nullptr) return Fail(i, "load failed (phase 2)");
    if (UseOnce(m, i) != 0) return 1;
    if (!Unload(m)) return Fail(i, "unload failed (phase 2)");
  }
  std::printf("load_cycle: %d bare load/unload cycles, %d load/use/unload cycles: ok; library %s after the last\n",
              cycles, cycles, StillLoaded(path) ? "still mapped (pinned by libcrypto's initialisation)" : "unloaded");
  return 0;
}
