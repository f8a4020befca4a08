// function_table.cpp - GetSChannelInterface and SslInitializeInterface: the function table a CNG
// router (ncrypt.dll) loads from a registered SSL protocol provider.
#include <cstddef>
#include <cstring>

#include "abi/boundary.h"
#include "abi/names.h"

namespace opensslp::abi {
namespace {

// The storage behind the table GetSChannelInterface returns: the version-5 table (41 members) and
// seven NULL slots after it. ncrypt.dll copies 8 + 48 pointers (392 bytes on x64) from the returned
// pointer whatever the declared version -- room for the seven ncrypt exports newer than the
// published header (SslExpandNextGenTrafficKey, SslCombineKeys, ...); we assume, without having
// seen it, that it calls them only when the version says so (an inference:
// docs/reference/windows-loader.md). Without the padding those 56 bytes were whatever the linker
// placed after the table (non-NULL pointers, seen in the DLL). NULL is what a router that checks
// a slot before calling it expects from a provider that lacks the function.
struct PaddedFunctionTable {
  NCRYPT_SSL_FUNCTION_TABLE table;
  void* reserved[kRouterTableSlots - kVersion5TableMembers];
};
static_assert(offsetof(PaddedFunctionTable, table) == 0);
static_assert(offsetof(PaddedFunctionTable, reserved) == sizeof(NCRYPT_SSL_FUNCTION_TABLE),
              "the NULL slots must follow the last table member without a gap");
// Version (a 4-byte BCRYPT_INTERFACE_VERSION padded to pointer alignment) + 48 pointers: 392 bytes
// on x64, 196 on x86 -- what the router copies.
static_assert(sizeof(PaddedFunctionTable) == (1 + kRouterTableSlots) * sizeof(void*));
static_assert(sizeof(NCRYPT_SSL_FUNCTION_TABLE) == (1 + kVersion5TableMembers) * sizeof(void*));

// Static lifetime: the router keeps the pointer for as long as the DLL is loaded. Member order is
// the ABI (docs/reference/function-table.md); the table declares interface version 5, so all 41
// members are set, and the reserved slots are NULL.
const PaddedFunctionTable kPaddedTable = {{
                                              NCRYPT_SSL_INTERFACE_VERSION_5,
                                              // v1
                                              SslComputeClientAuthHash,
                                              SslComputeEapKeyBlock,
                                              SslComputeFinishedHash,
                                              SslCreateEphemeralKey,
                                              SslCreateHandshakeHash,
                                              SslDecryptPacket,
                                              SslEncryptPacket,
                                              SslEnumCipherSuites,
                                              SslExportKey,
                                              SslFreeBuffer,
                                              SslFreeObject,
                                              SslGenerateMasterKey,
                                              SslGenerateSessionKeys,
                                              SslGetKeyProperty,
                                              SslGetProviderProperty,
                                              SslHashHandshake,
                                              SslImportMasterKey,
                                              SslImportKey,
                                              SslLookupCipherSuiteInfo,
                                              SslOpenPrivateKey,
                                              SslOpenProvider,
                                              SslSignHash,
                                              SslVerifySignature,
                                              // v2
                                              SslLookupCipherLengths,
                                              SslCreateClientAuthHash,
                                              SslGetCipherSuitePRFHashAlgorithm,
                                              // v3
                                              SslComputeSessionHash,
                                              SslGeneratePreMasterKey,
                                              SslEnumEccCurves,
                                              SslExportKeyingMaterial,
                                              // v4
                                              SslExtractEarlyKey,
                                              SslExtractHandshakeKey,
                                              SslExtractMasterKey,
                                              SslExpandTrafficKeys,
                                              SslExpandWriteKey,
                                              SslExpandExporterMasterKey,
                                              SslEnumCipherSuitesEx,
                                              // v5
                                              SslExpandResumptionMasterKey,
                                              SslDuplicateTranscriptHash,
                                              SslExpandBinderKey,
                                              SslExpandPreSharedKey,
                                          },
                                          {}};
const NCRYPT_SSL_FUNCTION_TABLE& kFunctionTable = kPaddedTable.table;

// The loader asks for the interface by the name the provider was registered under; anything else
// is not us (the CNG SSL provider sample refuses foreign names the same way:
// docs/reference/ecosystem.md#sample-provider).
Status CheckInterfaceRequest(LPCWSTR name, const void* out) {
  ENSURE(out != nullptr, Error::kInvalidParameter);
  ASSIGN_OR_RETURN(std::u16string_view view, ReadWideString(name, kMaxProviderNameChars));
  ENSURE(IsOurProviderName(view), Error::kInvalidParameter);
  return Status::Ok();
}

}  // namespace

const NCRYPT_SSL_FUNCTION_TABLE& FunctionTable() noexcept { return kFunctionTable; }

}  // namespace opensslp::abi

using namespace opensslp;       // NOLINT(google-build-using-namespace)
using namespace opensslp::abi;  // NOLINT(google-build-using-namespace)

extern "C" OPENSSLP_EXPORT NTSTATUS WINAPI GetSChannelInterface(LPCWSTR pszProviderName,
                                                                NCRYPT_SSL_FUNCTION_TABLE** ppFunctionTable,
                                                                DWORD dwFlags) {
  return Guard(__func__, [&]() -> Status {
    TRY(CheckInterfaceRequest(pszProviderName, ppFunctionTable));
    // dwFlags is ignored, as the sample provider ignores it: the loader passes 0 today, and
    // refusing a flag a future loader might pass would make the provider fail to load at all.
    (void)dwFlags;
    // The router never writes through the pointer; the SDK's signature is just not const.
    *ppFunctionTable = const_cast<NCRYPT_SSL_FUNCTION_TABLE*>(&kFunctionTable);
    return Status::Ok();
  });
}

extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslInitializeInterface(LPCWSTR pszProviderName,
                                                                         NCRYPT_SSL_FUNCTION_TABLE* pFunctionTable,
                                                                         DWORD dwFlags) {
  return Guard(__func__, [&]() -> Status {
    TRY(CheckInterfaceRequest(pszProviderName, pFunctionTable));
    TRY(RequireNoFlags(dwFlags));
    // Exactly the version-5 table is copied (sizeof(NCRYPT_SSL_FUNCTION_TABLE), 41 members): the
    // caller's structure is an NCRYPT_SSL_FUNCTION_TABLE as the header declares it, so the
    // reserved NULL slots GetSChannelInterface's storage carries are not written.
    std::memcpy(pFunctionTable, &kFunctionTable, sizeof(kFunctionTable));
    return Status::Ok();
  });
}
