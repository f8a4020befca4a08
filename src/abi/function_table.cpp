// function_table.cpp - GetSChannelInterface and SslInitializeInterface: the function table a CNG
// router (ncrypt.dll) loads from a registered SSL protocol provider.
#include <cstring>

#include "abi/boundary.h"
#include "abi/names.h"

namespace opensslp::abi {
namespace {

// Static lifetime: the router keeps the pointer for as long as the DLL is loaded. Member order is
// the ABI (fact sheet §2.2); the table declares interface version 5, so all 41 members are set.
const NCRYPT_SSL_FUNCTION_TABLE kFunctionTable = {
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
};

// The loader asks for the interface by the name the provider was registered under; anything else
// is not us (the Microsoft sample refuses foreign names the same way).
Status CheckInterfaceRequest(LPCWSTR name, const void* out) {
  ENSURE(out != nullptr, Error::kInvalidParameter);
  ASSIGN_OR_RETURN(std::u16string_view view, ReadWideString(name, kMaxProviderNameChars));
  ENSURE(IsOurProviderName(view), Error::kInvalidParameter);
  return Status::Ok();
}

}  // namespace

const NCRYPT_SSL_FUNCTION_TABLE& FunctionTable() noexcept { return kFunctionTable; }

}  // namespace opensslp::abi

using namespace opensslp;
using namespace opensslp::abi;

extern "C" OPENSSLP_EXPORT NTSTATUS WINAPI GetSChannelInterface(LPCWSTR pszProviderName,
                                                               NCRYPT_SSL_FUNCTION_TABLE** ppFunctionTable,
                                                               DWORD dwFlags) {
  return Guard([&]() -> Status {
    TRY(CheckInterfaceRequest(pszProviderName, ppFunctionTable));
    // dwFlags is ignored, as Microsoft's sample provider ignores it: the loader passes 0 today, and
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
  return Guard([&]() -> Status {
    TRY(CheckInterfaceRequest(pszProviderName, pFunctionTable));
    TRY(RequireNoFlags(dwFlags));
    // The whole version-5 table is copied: the caller's structure must be a complete
    // NCRYPT_SSL_FUNCTION_TABLE as this header declares it.
    std::memcpy(pFunctionTable, &kFunctionTable, sizeof(kFunctionTable));
    return Status::Ok();
  });
}
