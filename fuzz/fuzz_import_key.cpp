// fuzz_import_key.cpp - SslImportKey of public-key blobs of every type a peer's key arrives in
// (BCRYPT_ECCPUBLIC_BLOB, SSL_ECCPUBLIC_BLOB, BCRYPT_DH_PUBLIC_BLOB, BCRYPT_RSAPUBLIC_BLOB), and the
// private/legacy names it must refuse (docs/keys.md).
//
// Input: byte 0 picks the blob type, the rest is the blob. Oracles: documented statuses only; no
// handle left behind; an imported key exports (size query, too-small buffer untouched, full
// export) and the export imports again to the same bytes (export -> import -> export is exact).
#include <cstdint>
#include <vector>

#include "fuzz_support.h"
#include "opensslp/win_types.h"

using namespace opensslp::fuzz;

namespace {

const LPCWSTR kTypes[] = {
    BCRYPT_ECCPUBLIC_BLOB,  SSL_ECCPUBLIC_BLOB,     BCRYPT_DH_PUBLIC_BLOB, BCRYPT_RSAPUBLIC_BLOB,
    BCRYPT_ECCPRIVATE_BLOB, BCRYPT_RSAPRIVATE_BLOB, LEGACY_RSAPUBLIC_BLOB,
};

std::vector<std::uint8_t> Export(NCRYPT_KEY_HANDLE key, LPCWSTR type) {
  DWORD size = 0;
  if (CheckStatus(SslExportKey(Provider(), key, type, nullptr, 0, &size, 0), "SslExportKey (size)") != 0) return {};
  Require(size > 0 && size < (1u << 20), "SslExportKey size query gives a plausible size");
  if (size > 1) {
    std::vector<std::uint8_t> small(size - 1, 0xA5);
    DWORD got = 0;
    Require(SslExportKey(Provider(), key, type, small.data(), size - 1, &got, 0) == NTE_BUFFER_TOO_SMALL,
            "SslExportKey into a buffer one byte short: NTE_BUFFER_TOO_SMALL");
    for (std::uint8_t b : small) Require(b == 0xA5, "a too-small buffer is left untouched");
  }
  std::vector<std::uint8_t> out(size);
  DWORD got = 0;
  Require(SslExportKey(Provider(), key, type, out.data(), size, &got, 0) == 0 && got == size,
          "SslExportKey into a buffer of the queried size");
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  HandleScope scope;
  const LPCWSTR type = kTypes[data[0] % (sizeof kTypes / sizeof kTypes[0])];
  std::vector<std::uint8_t> blob(data + 1, data + size);
  NCRYPT_KEY_HANDLE key = 0x5A5A;
  const SECURITY_STATUS rc = CheckStatus(
      SslImportKey(Provider(), &key, type, blob.empty() ? nullptr : blob.data(), static_cast<DWORD>(blob.size()), 0),
      "SslImportKey");
  if (rc != 0) {
    Require(key == 0x5A5A || key == 0, "a failed import leaves no handle");
    return 0;
  }
  const std::vector<std::uint8_t> first = Export(key, type);
  Free(key);
  if (first.empty()) return 0;
  NCRYPT_KEY_HANDLE again = 0;
  Require(SslImportKey(Provider(), &again, type, const_cast<std::uint8_t*>(first.data()),
                       static_cast<DWORD>(first.size()), 0) == 0,
          "an exported public key imports again");
  const std::vector<std::uint8_t> second = Export(again, type);
  Free(again);
  ExpectEqual(first, second, "public key export -> import -> export");
  return 0;
}
