// registry_common.h - names and small Windows helpers shared by opensslp-register.exe and
// opensslp-selftest.exe (registry/README.md). Windows only.
#ifndef OPENSSLP_REGISTRY_COMMON_H
#define OPENSSLP_REGISTRY_COMMON_H

#include <windows.h>

#include <optional>
#include <string>
#include <vector>

namespace opensslp::registry {

inline constexpr const wchar_t* kProviderName = L"OpenSSLP Protocol Provider";
// A bare file name: ncrypt.dll loads GetSystemDirectoryW() + "\" + Image (docs/reference/windows-loader.md).
inline constexpr const wchar_t* kImageName = L"opensslp.dll";
inline constexpr ULONG kSchannelInterface = 0x00010002;  // NCRYPT_SCHANNEL_INTERFACE
inline constexpr const wchar_t* kSslContext = L"SSL";

// Where the CNG configuration store keeps registrations (docs/reference/registration.md). cng.sys
// owns these keys on Windows; the tool writes them directly only under Wine.
inline constexpr const wchar_t* kProvidersKey = L"SYSTEM\\CurrentControlSet\\Control\\Cryptography\\Providers";
inline constexpr const wchar_t* kSslConfigKey =
    L"SYSTEM\\CurrentControlSet\\Control\\Cryptography\\Configuration\\Local\\SSL\\00010002";
inline constexpr const wchar_t* kPolicyOrderKey =
    L"SOFTWARE\\Policies\\Microsoft\\Cryptography\\Configuration\\SSL\\00010002";
// What opensslp-register.exe added, so that uninstall removes exactly that (64-bit registry view).
inline constexpr const wchar_t* kRecordKey = L"SOFTWARE\\OpenSSLP\\Registration";
inline constexpr const wchar_t* kRecordParentKey = L"SOFTWARE\\OpenSSLP";

std::string Narrow(const std::wstring& text);
std::wstring Widen(const std::string& text);

// Registry access in the 64-bit view (KEY_WOW64_64KEY): the x86 and x64 programs see the same keys.
// Reads return nullopt when the key or value is absent (or has another type).
std::optional<std::wstring> ReadString(HKEY root, const std::wstring& key, const wchar_t* value);
std::optional<std::vector<std::wstring>> ReadMultiString(HKEY root, const std::wstring& key, const wchar_t* value);
std::optional<DWORD> ReadDword(HKEY root, const std::wstring& key, const wchar_t* value);
bool KeyExists(HKEY root, const std::wstring& key);
std::vector<std::wstring> SubKeys(HKEY root, const std::wstring& key);
// Writes return a Win32 error code (ERROR_SUCCESS on success); keys are created as needed.
LONG WriteString(HKEY root, const std::wstring& key, const wchar_t* value, const std::wstring& data);
LONG WriteMultiString(HKEY root, const std::wstring& key, const wchar_t* value, const std::vector<std::wstring>& data);
LONG WriteDword(HKEY root, const std::wstring& key, const wchar_t* value, DWORD data);
LONG DeleteValue(HKEY root, const std::wstring& key, const wchar_t* value);
LONG DeleteTree(HKEY root, const std::wstring& key);  // ERROR_SUCCESS when absent
// Deletes `key` when it has neither values nor sub-keys; ERROR_SUCCESS when absent or kept.
LONG DeleteKeyIfEmpty(HKEY root, const std::wstring& key);

}  // namespace opensslp::registry

#endif  // OPENSSLP_REGISTRY_COMMON_H
