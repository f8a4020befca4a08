// stack_check.cpp - x86 (32-bit) only: every function of opensslp.dll is __stdcall, checked by
// calling it. On i686 a __stdcall callee pops its own arguments (`ret N`), a __cdecl one leaves
// them to the caller; both link silently against the undecorated names of def/opensslp.def, and
// the export table looks the same, so only a call tells them apart.
//
//   opensslp_stack_check Z:/path/to/opensslp.dll
//
// Loads the DLL by path, takes GetSChannelInterface's table, and calls every table member and every
// export (GetProcAddress, all the names of def/opensslp.def) through an assembly thunk that pushes
// the arguments the prototype in sslprovider.h declares (all zero: NULL handles and pointers, which
// the provider refuses cleanly), and compares ESP after the call with where a __stdcall callee
// must leave it; the callee-saved ESI must survive too. Then the same again with a real provider
// handle as the first argument of the functions that take one, to run past the first check. A
// negative control proves the thunk sees a __cdecl function and a wrong argument size.
// Exit status 0 only if every call left the stack as __stdcall requires.
#include <windows.h>

#include <cstdint>
#include <cstdio>
#include <cstring>

#include "opensslp/opensslp.h"
#include "sslprovider.h"

#if !defined(_M_IX86) && !defined(__i386__)
#error "stack_check.cpp is meaningful only on 32-bit x86"
#endif

// int opensslp_call_measure(const void* fn, unsigned arg_bytes, const void* args, unsigned* result)
// Copies arg_bytes bytes of args onto a 16-byte aligned stack, calls fn, stores its EAX in
// *result and returns ESP after the call minus where a __stdcall callee leaves it: 0 for a
// __stdcall function declared with arg_bytes of arguments, -arg_bytes for a __cdecl one.
// 0x7fffffff if the callee did not preserve ESI.
extern "C" int __cdecl opensslp_call_measure(const void* fn, unsigned arg_bytes, const void* args,
                                             unsigned* result);
__asm__(
    ".text\n"
    ".globl _opensslp_call_measure\n"
    "_opensslp_call_measure:\n"
    "  pushl %ebp\n"
    "  movl %esp, %ebp\n"
    "  pushl %ebx\n"
    "  pushl %esi\n"
    "  pushl %edi\n"
    "  movl %esp, %ebx\n"          // restored at the end, whatever the callee did
    "  movl 12(%ebp), %ecx\n"      // arg_bytes
    "  movl %esp, %eax\n"
    "  subl %ecx, %eax\n"
    "  andl $-16, %eax\n"
    "  movl %eax, %esp\n"
    "  movl %esp, %edi\n"
    "  movl 16(%ebp), %esi\n"      // args
    "  cld\n"
    "  rep movsb\n"                // now EDI = ESP + arg_bytes: ESP after a __stdcall return
    "  movl $0x5a5a5a5a, %esi\n"   // callee-saved sentinel
    "  call *8(%ebp)\n"
    "  movl 20(%ebp), %ecx\n"
    "  movl %eax, (%ecx)\n"
    "  movl $0x7fffffff, %eax\n"
    "  cmpl $0x5a5a5a5a, %esi\n"
    "  jne 1f\n"
    "  movl %esp, %eax\n"
    "  subl %edi, %eax\n"
    "1:\n"
    "  movl %ebx, %esp\n"
    "  popl %edi\n"
    "  popl %esi\n"
    "  popl %ebx\n"
    "  popl %ebp\n"
    "  ret\n");

namespace {

// Bytes of arguments a __stdcall function of type F pops: each argument rounded up to 4 bytes
// (a ULONGLONG sequence number counts 8).
template <typename R, typename... A>
constexpr unsigned ArgBytes(R(WINAPI*)(A...)) {
  return (0u + ... + static_cast<unsigned>((sizeof(A) + 3) & ~std::size_t{3}));
}

extern "C" int __cdecl CdeclControl(int a, int b, int c) { return a + b + c; }
extern "C" int WINAPI StdcallControl(int a, int b, int c) { return a + b + c; }

int failures = 0;
int calls = 0;

// One call; `first` is the first argument word (0 or a provider handle).
void Check(const char* how, const char* name, const void* fn, unsigned bytes, std::uintptr_t first) {
  std::uint32_t args[32] = {};
  args[0] = static_cast<std::uint32_t>(first);
  unsigned status = 0;
  ++calls;
  if (fn == nullptr) {
    std::printf("FAIL %-8s %-40s missing\n", how, name);
    ++failures;
    return;
  }
  const int delta = opensslp_call_measure(fn, bytes, args, &status);
  if (delta == 0) {
    std::printf("ok   %-8s %-40s @%-3u status 0x%08x\n", how, name, bytes, status);
  } else if (delta == 0x7fffffff) {
    std::printf("FAIL %-8s %-40s @%-3u ESI not preserved\n", how, name, bytes);
    ++failures;
  } else {
    std::printf("FAIL %-8s %-40s @%-3u ESP off by %d bytes after the call (%s)\n", how, name, bytes, delta,
                delta == -static_cast<int>(bytes) ? "__cdecl: the callee did not pop its arguments"
                                                  : "wrong argument size");
    ++failures;
  }
}

// The negative control: the thunk must tell __cdecl and a wrong size from __stdcall.
bool ControlOk() {
  std::uint32_t args[4] = {1, 2, 3, 0};
  unsigned r = 0;
  const int s = opensslp_call_measure(reinterpret_cast<const void*>(&StdcallControl), 12, args, &r);
  const bool stdcall_ok = s == 0 && r == 6;
  const int c = opensslp_call_measure(reinterpret_cast<const void*>(&CdeclControl), 12, args, &r);
  const bool cdecl_seen = c == -12 && r == 6;
  const int w = opensslp_call_measure(reinterpret_cast<const void*>(&StdcallControl), 16, args, &r);
  const bool size_seen = w == -4;  // the callee popped 12 of the 16 bytes pushed
  std::printf("control: __stdcall delta %d, __cdecl delta %d, 4 bytes too many delta %d\n", s, c, w);
  return stdcall_ok && cdecl_seen && size_seen;
}

struct Export {
  const char* name;
  unsigned bytes;
  bool takes_provider;  // first argument is hSslProvider
};

#define OPENSSLP_EXPORT_ENTRY(name, provider) {#name, ArgBytes(static_cast<name##Fn>(nullptr)), provider}
const Export kExports[] = {
    OPENSSLP_EXPORT_ENTRY(GetSChannelInterface, false),
    OPENSSLP_EXPORT_ENTRY(SslInitializeInterface, false),
    OPENSSLP_EXPORT_ENTRY(SslEnumProtocolProviders, false),
    OPENSSLP_EXPORT_ENTRY(SslIncrementProviderReferenceCount, false),
    OPENSSLP_EXPORT_ENTRY(SslDecrementProviderReferenceCount, false),
    OPENSSLP_EXPORT_ENTRY(SslChangeNotify, false),
    OPENSSLP_EXPORT_ENTRY(SslExpandNextGenTrafficKey, true),
    OPENSSLP_EXPORT_ENTRY(SslComputeClientAuthHash, true),
    OPENSSLP_EXPORT_ENTRY(SslComputeEapKeyBlock, true),
    OPENSSLP_EXPORT_ENTRY(SslComputeFinishedHash, true),
    OPENSSLP_EXPORT_ENTRY(SslCreateEphemeralKey, true),
    OPENSSLP_EXPORT_ENTRY(SslCreateHandshakeHash, true),
    OPENSSLP_EXPORT_ENTRY(SslDecryptPacket, true),
    OPENSSLP_EXPORT_ENTRY(SslEncryptPacket, true),
    OPENSSLP_EXPORT_ENTRY(SslEnumCipherSuites, true),
    OPENSSLP_EXPORT_ENTRY(SslExportKey, true),
    OPENSSLP_EXPORT_ENTRY(SslFreeBuffer, false),
    OPENSSLP_EXPORT_ENTRY(SslFreeObject, false),
    OPENSSLP_EXPORT_ENTRY(SslGenerateMasterKey, true),
    OPENSSLP_EXPORT_ENTRY(SslGenerateSessionKeys, true),
    OPENSSLP_EXPORT_ENTRY(SslGetKeyProperty, false),  // first argument is a key handle
    OPENSSLP_EXPORT_ENTRY(SslGetProviderProperty, true),
    OPENSSLP_EXPORT_ENTRY(SslHashHandshake, true),
    OPENSSLP_EXPORT_ENTRY(SslImportMasterKey, true),
    OPENSSLP_EXPORT_ENTRY(SslImportKey, true),
    OPENSSLP_EXPORT_ENTRY(SslLookupCipherSuiteInfo, true),
    OPENSSLP_EXPORT_ENTRY(SslOpenPrivateKey, true),
    OPENSSLP_EXPORT_ENTRY(SslOpenProvider, false),
    OPENSSLP_EXPORT_ENTRY(SslSignHash, true),
    OPENSSLP_EXPORT_ENTRY(SslVerifySignature, true),
    OPENSSLP_EXPORT_ENTRY(SslLookupCipherLengths, true),
    OPENSSLP_EXPORT_ENTRY(SslCreateClientAuthHash, true),
    OPENSSLP_EXPORT_ENTRY(SslGetCipherSuitePRFHashAlgorithm, true),
    OPENSSLP_EXPORT_ENTRY(SslComputeSessionHash, true),
    OPENSSLP_EXPORT_ENTRY(SslGeneratePreMasterKey, true),
    OPENSSLP_EXPORT_ENTRY(SslEnumEccCurves, true),
    OPENSSLP_EXPORT_ENTRY(SslExportKeyingMaterial, true),
    OPENSSLP_EXPORT_ENTRY(SslExtractEarlyKey, true),
    OPENSSLP_EXPORT_ENTRY(SslExtractHandshakeKey, true),
    OPENSSLP_EXPORT_ENTRY(SslExtractMasterKey, true),
    OPENSSLP_EXPORT_ENTRY(SslExpandTrafficKeys, true),
    OPENSSLP_EXPORT_ENTRY(SslExpandWriteKey, true),
    OPENSSLP_EXPORT_ENTRY(SslExpandExporterMasterKey, true),
    OPENSSLP_EXPORT_ENTRY(SslEnumCipherSuitesEx, true),
    OPENSSLP_EXPORT_ENTRY(SslExpandResumptionMasterKey, true),
    OPENSSLP_EXPORT_ENTRY(SslDuplicateTranscriptHash, true),
    OPENSSLP_EXPORT_ENTRY(SslExpandBinderKey, true),
    OPENSSLP_EXPORT_ENTRY(SslExpandPreSharedKey, true),
};

struct Member {
  const char* name;
  const void* fn;
  unsigned bytes;
};

#define OPENSSLP_TABLE_ENTRY(member)                                     \
  Member {                                                               \
    "table." #member, reinterpret_cast<const void*>(table->member),      \
        ArgBytes(static_cast<Ssl##member##Fn>(nullptr))                  \
  }

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IONBF, 0);
  if (argc != 2) {
    std::fprintf(stderr, "usage: opensslp_stack_check PATH\\TO\\opensslp.dll\n");
    return 2;
  }
  if (!ControlOk()) {
    std::printf("FAIL the thunk's negative control: it cannot tell __cdecl from __stdcall\n");
    return 1;
  }
  HMODULE dll = LoadLibraryA(argv[1]);
  if (dll == nullptr) {
    std::printf("FAIL LoadLibrary(%s): error %lu\n", argv[1], GetLastError());
    return 1;
  }
  const auto get_interface = reinterpret_cast<GetSChannelInterfaceFn>(
      reinterpret_cast<void*>(GetProcAddress(dll, "GetSChannelInterface")));
  NCRYPT_SSL_FUNCTION_TABLE* table = nullptr;
  if (get_interface == nullptr || get_interface(OPENSSLP_PROVIDER_NAME, &table, 0) != 0 || table == nullptr) {
    std::printf("FAIL GetSChannelInterface\n");
    return 1;
  }
  const auto open_provider =
      reinterpret_cast<SslOpenProviderFn>(reinterpret_cast<void*>(GetProcAddress(dll, "SslOpenProvider")));
  NCRYPT_PROV_HANDLE provider = 0;
  if (open_provider == nullptr || open_provider(&provider, OPENSSLP_PROVIDER_NAME, 0) != 0 || provider == 0) {
    std::printf("FAIL SslOpenProvider\n");
    return 1;
  }

  const Member members[] = {
      OPENSSLP_TABLE_ENTRY(ComputeClientAuthHash),   OPENSSLP_TABLE_ENTRY(ComputeEapKeyBlock),
      OPENSSLP_TABLE_ENTRY(ComputeFinishedHash),     OPENSSLP_TABLE_ENTRY(CreateEphemeralKey),
      OPENSSLP_TABLE_ENTRY(CreateHandshakeHash),     OPENSSLP_TABLE_ENTRY(DecryptPacket),
      OPENSSLP_TABLE_ENTRY(EncryptPacket),           OPENSSLP_TABLE_ENTRY(EnumCipherSuites),
      OPENSSLP_TABLE_ENTRY(ExportKey),               OPENSSLP_TABLE_ENTRY(FreeBuffer),
      OPENSSLP_TABLE_ENTRY(FreeObject),              OPENSSLP_TABLE_ENTRY(GenerateMasterKey),
      OPENSSLP_TABLE_ENTRY(GenerateSessionKeys),     OPENSSLP_TABLE_ENTRY(GetKeyProperty),
      OPENSSLP_TABLE_ENTRY(GetProviderProperty),     OPENSSLP_TABLE_ENTRY(HashHandshake),
      OPENSSLP_TABLE_ENTRY(ImportMasterKey),         OPENSSLP_TABLE_ENTRY(ImportKey),
      OPENSSLP_TABLE_ENTRY(LookupCipherSuiteInfo),   OPENSSLP_TABLE_ENTRY(OpenPrivateKey),
      OPENSSLP_TABLE_ENTRY(OpenProvider),            OPENSSLP_TABLE_ENTRY(SignHash),
      OPENSSLP_TABLE_ENTRY(VerifySignature),         OPENSSLP_TABLE_ENTRY(LookupCipherLengths),
      OPENSSLP_TABLE_ENTRY(CreateClientAuthHash),    OPENSSLP_TABLE_ENTRY(GetCipherSuitePRFHashAlgorithm),
      OPENSSLP_TABLE_ENTRY(ComputeSessionHash),      OPENSSLP_TABLE_ENTRY(GeneratePreMasterKey),
      OPENSSLP_TABLE_ENTRY(EnumEccCurves),           OPENSSLP_TABLE_ENTRY(ExportKeyingMaterial),
      OPENSSLP_TABLE_ENTRY(ExtractEarlyKey),         OPENSSLP_TABLE_ENTRY(ExtractHandshakeKey),
      OPENSSLP_TABLE_ENTRY(ExtractMasterKey),        OPENSSLP_TABLE_ENTRY(ExpandTrafficKeys),
      OPENSSLP_TABLE_ENTRY(ExpandWriteKey),          OPENSSLP_TABLE_ENTRY(ExpandExporterMasterKey),
      OPENSSLP_TABLE_ENTRY(EnumCipherSuitesEx),      OPENSSLP_TABLE_ENTRY(ExpandResumptionMasterKey),
      OPENSSLP_TABLE_ENTRY(DuplicateTranscriptHash), OPENSSLP_TABLE_ENTRY(ExpandBinderKey),
      OPENSSLP_TABLE_ENTRY(ExpandPreSharedKey),
  };
  const std::size_t table_members = sizeof members / sizeof members[0];
  // The table is filled up to the version it claims (sslprovider.h: 5 = every member above).
  if (table->Version.MajorVersion < 5) {
    std::printf("FAIL table Version %lu < 5\n", static_cast<unsigned long>(table->Version.MajorVersion));
    return 1;
  }

  // Pass 1: every argument zero.
  for (const Member& m : members) Check("table", m.name, m.fn, m.bytes, 0);
  for (const Export& e : kExports)
    Check("export", e.name, reinterpret_cast<const void*>(GetProcAddress(dll, e.name)), e.bytes, 0);
  // Pass 2: a real provider as the first argument, everything else zero.
  for (const Export& e : kExports) {
    if (!e.takes_provider) continue;
    Check("provider", e.name, reinterpret_cast<const void*>(GetProcAddress(dll, e.name)), e.bytes, provider);
  }

  const auto free_object =
      reinterpret_cast<SslFreeObjectFn>(reinterpret_cast<void*>(GetProcAddress(dll, "SslFreeObject")));
  free_object(provider, 0);
  std::printf("%d calls (%zu table members, %zu exports, with and without a provider): %d left the stack wrong\n",
              calls, table_members, sizeof kExports / sizeof kExports[0], failures);
  return failures == 0 ? 0 : 1;
}
