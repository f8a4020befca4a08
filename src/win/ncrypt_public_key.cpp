// ncrypt_public_key.cpp - see ncrypt_public_key.h.
#include "win/ncrypt_public_key.h"

#include <cstdint>
#include <cwchar>
#include <vector>

#include "core/key_blobs.h"

namespace opensslp::win {
namespace {

// Bytes at the handle that must be readable before ncrypt is given the value: enough for the
// header ncrypt (and Wine's ncrypt) reads to recognise its objects. Inference: ncrypt's key
// handles are pointers to its own heap objects.
constexpr std::size_t kProbeBytes = 64;

constexpr DWORD kReadable = PAGE_READONLY | PAGE_READWRITE | PAGE_WRITECOPY | PAGE_EXECUTE_READ |
                            PAGE_EXECUTE_READWRITE | PAGE_EXECUTE_WRITECOPY;

// True if [address, address + kProbeBytes) is committed, readable memory of this process.
// A foreign value (garbage, or a stale handle of ours: our handles are slot/generation tokens,
// not pointers) is rejected here instead of faulting inside ncrypt, which dereferences handles
// without a guard (Wine does; Windows is not documented to be safer).
bool LooksLikeObjectPointer(std::uintptr_t address) {
  if (address == 0 || address % alignof(void*) != 0) return false;
  std::uintptr_t at = address;
  const std::uintptr_t end = address + kProbeBytes;
  if (end < address) return false;  // wraps
  while (at < end) {
    MEMORY_BASIC_INFORMATION info = {};
    if (VirtualQuery(reinterpret_cast<LPCVOID>(at), &info, sizeof(info)) != sizeof(info)) return false;
    if (info.State != MEM_COMMIT) return false;
    if ((info.Protect & kReadable) == 0 || (info.Protect & (PAGE_GUARD | PAGE_NOACCESS)) != 0) return false;
    const std::uintptr_t region_end = reinterpret_cast<std::uintptr_t>(info.BaseAddress) + info.RegionSize;
    if (region_end <= at) return false;
    at = region_end;
  }
  return true;
}

// Wine's ncrypt implements NCryptIsKeyHandle as a stub that always answers FALSE (seen with Wine
// 8: even a freshly finalised software-KSP key), so there the check below cannot be used.
bool RunningUnderWine() {
  static const bool wine = [] {
    HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
    return ntdll != nullptr && GetProcAddress(ntdll, "wine_get_version") != nullptr;
  }();
  return wine;
}

}  // namespace

Result<std::shared_ptr<PublicKey>> RsaPublicKeyFromNcryptHandle(NCRYPT_KEY_HANDLE handle) {
  // Best effort only: memory that was freed stays committed, so this does not catch a handle the
  // caller already freed (the handle must stay valid for the call: the caller's contract). It
  // does keep garbage from being dereferenced inside ncrypt.
  ENSURE(LooksLikeObjectPointer(static_cast<std::uintptr_t>(handle)), Error::kInvalidHandle);
  // On Windows, ncrypt's own check (documented: "determines if the specified handle is a CNG key
  // handle"); not under Wine, whose stub always says no.
  if (!RunningUnderWine() && !NCryptIsKeyHandle(handle)) return Error::kInvalidHandle;
  // Only keys have an algorithm group: a provider handle, a secret or any other readable memory
  // fails here.
  wchar_t group[32] = {};
  DWORD group_len = 0;
  if (NCryptGetProperty(handle, NCRYPT_ALGORITHM_GROUP_PROPERTY, reinterpret_cast<PBYTE>(group),
                        sizeof(group) - sizeof(wchar_t), &group_len, NCRYPT_SILENT_FLAG) != ERROR_SUCCESS) {
    return Error::kInvalidHandle;
  }
  ENSURE(std::wcscmp(group, NCRYPT_RSA_ALGORITHM_GROUP) == 0, Error::kInvalidParameter);

  DWORD size = 0;
  if (NCryptExportKey(handle, 0, BCRYPT_RSAPUBLIC_BLOB, nullptr, nullptr, 0, &size, NCRYPT_SILENT_FLAG) !=
          ERROR_SUCCESS ||
      size == 0 || size > kMaxPublicKeyBlobSize) {
    return Error::kBadKey;
  }
  std::vector<std::uint8_t> blob(size);
  if (NCryptExportKey(handle, 0, BCRYPT_RSAPUBLIC_BLOB, nullptr, blob.data(), size, &size, NCRYPT_SILENT_FLAG) !=
          ERROR_SUCCESS ||
      size > blob.size()) {
    return Error::kBadKey;
  }
  blob.resize(size);
  auto key = ImportPublicKeyBlob(KeyBlobType::kRsaPublic, blob);
  if (!key.ok()) return Error::kBadKey;
  return std::move(key).value();
}

}  // namespace opensslp::win
