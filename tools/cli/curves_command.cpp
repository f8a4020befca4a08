// curves_command.cpp - `opensslp curves`: the elliptic curves SslEnumEccCurves reports, most
// preferred first, as a table (CNG curve name, IANA NamedGroup id, OID, public key length in bytes
// of the TLS wire form).
#include <cstdio>
#include <iostream>
#include <string>

#include "cli.h"

namespace opensslp::cli {

int RunCurves(const Args& args) {
  if (!NoArguments("curves", args)) return kExitUsage;
  ProviderHandle provider;
  if (!provider.Open()) return kExitFailure;

  DWORD count = 0;
  NCRYPT_SSL_ECC_CURVE* curves = nullptr;
  const SECURITY_STATUS rc = SslEnumEccCurves(provider.get(), &count, &curves, 0);
  if (rc != 0) {
    std::cerr << "opensslp curves: SslEnumEccCurves failed: " << StatusText(rc) << "\n";
    return kExitFailure;
  }
  std::printf("%-12s %-8s %-22s %s\n", "Name", "IANA id", "OID", "PublicKeyLength");
  std::printf("%-12s %-8s %-22s %s\n", "----", "-------", "---", "---------------");
  for (DWORD i = 0; i < count; ++i) {
    const NCRYPT_SSL_ECC_CURVE& c = curves[i];
    const std::string name = ToUtf8(c.szCurveName, MSCRYPT_ECC_MAX_CURVE_NAME_LENGTH);
    std::size_t oid_len = 0;
    while (oid_len < sizeof(c.szOID) && c.szOID[oid_len] != '\0') ++oid_len;
    const std::string oid(c.szOID, oid_len);
    std::printf("%-12s %-8u %-22s %u\n", name.c_str(), static_cast<unsigned>(c.dwCurveType), oid.c_str(),
                static_cast<unsigned>(c.dwPublicKeyLength));
  }
  (void)SslFreeBuffer(curves);
  return kExitOk;
}

}  // namespace opensslp::cli
