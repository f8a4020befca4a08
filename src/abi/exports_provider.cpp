// exports_provider.cpp - provider lifetime, object and buffer release, provider enumeration and
// the provider / key property queries.
#include <cstring>
#include <string>
#include <string_view>

#include "abi/boundary.h"
#include "abi/caller_buffers.h"
#include "abi/names.h"
#include "core/configuration.h"
#include "core/key_log.h"
#include "core/library.h"
#include "core/trace.h"
#include "opensslp/opensslp.h"
#include "util/bytes.h"

// The public header names the key log's environment variable for users; the core uses its own
// copy (it sees no sslprovider.h types).
static_assert(std::string_view(OPENSSLP_KEY_LOG_ENV) == opensslp::key_log::kEnvironmentVariable);
static_assert(std::string_view(OPENSSLP_KEY_LOG_ENV) == opensslp::config::kSettings[4].environment);
static_assert(std::string_view(OPENSSLP_CONFIG_ENV) == opensslp::config::kConfigFileEnvironment);

using namespace opensslp;       // NOLINT(google-build-using-namespace)
using namespace opensslp::abi;  // NOLINT(google-build-using-namespace)

namespace {

constexpr std::size_t kMaxPropertyNameChars = 256;

// Property-name constants are L"..." (wchar_t, 16-bit) on Windows and u"..." elsewhere.
template <class WideChar>
bool NameIs(std::u16string_view name, const WideChar* expected) {
  static_assert(sizeof(WideChar) == 2, "UTF-16 code units");
  return name == std::u16string_view(reinterpret_cast<const char16_t*>(expected));
}

// Hands `bytes` to the caller in a fresh SslFreeBuffer-able block.
Status ReturnProperty(Bytes bytes, PBYTE* ppbOutput, DWORD* pcbOutput) {
  auto* block = static_cast<PBYTE>(AllocateCallerBuffer(bytes.size()));
  if (!bytes.empty()) std::memcpy(block, bytes.data(), bytes.size());
  *ppbOutput = block;
  *pcbOutput = static_cast<DWORD>(bytes.size());
  return Status::Ok();
}

Status ReturnWideString(std::u16string_view text, PBYTE* ppbOutput, DWORD* pcbOutput) {
  std::u16string with_nul(text);
  with_nul.push_back(u'\0');
  return ReturnProperty(Bytes(reinterpret_cast<const std::uint8_t*>(with_nul.data()), with_nul.size() * 2), ppbOutput,
                        pcbOutput);
}

Status ReturnDword(DWORD value, PBYTE* ppbOutput, DWORD* pcbOutput) {
  // Native byte order, as a DWORD property is on Windows (little-endian everywhere we build).
  return ReturnProperty(Bytes(reinterpret_cast<const std::uint8_t*>(&value), sizeof(value)), ppbOutput, pcbOutput);
}

}  // namespace

extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslOpenProvider(NCRYPT_PROV_HANDLE* phSslProvider,
                                                                  LPCWSTR pszProviderName, DWORD dwFlags) {
  return Guard(__func__, [&]() -> Status {
    ENSURE(phSslProvider != nullptr, Error::kInvalidParameter);
    TRY(RequireNoFlags(dwFlags));
    if (pszProviderName != nullptr) {
      ASSIGN_OR_RETURN(std::u16string_view name, ReadWideString(pszProviderName, kMaxProviderNameChars));
      ENSURE(IsOurProviderName(name) || IsMicrosoftProviderName(name), Error::kInvalidParameter);
    }
    // The configuration is read here at the latest (Schannel opens the provider when it loads
    // it), and looked at again for a change (at most once a second): the registry key's or the
    // file's last write (docs/operations.md#reload). The key log follows it, so an administrator
    // who switched it on sees the announcement then, not at the first handshake (docs/key-log.md).
    config::ReloadIfChanged();
    (void)key_log::Enabled();
    return Publish(std::make_shared<Provider>(), phSslProvider);
  });
}

extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslFreeObject(NCRYPT_HANDLE hObject, DWORD dwFlags) {
  return Guard(__func__, [&]() -> Status {
    TRY(RequireNoFlags(dwFlags));
    HandleTable& table = HandleTable::Global();
    ASSIGN_OR_RETURN(std::shared_ptr<Object> object, table.LookupAny(static_cast<Handle>(hObject)));
    if (object->kind() == ObjectKind::kProvider) {
      // Freeing a provider drops the reference SslOpenProvider (or an Increment) gave.
      auto* provider = static_cast<Provider*>(object.get());
      std::uint32_t remaining = 0;
      ENSURE(provider->Release(&remaining), Error::kInvalidHandle);
      if (remaining != 0) return Status::Ok();
    }
    return Status(table.Erase(static_cast<Handle>(hObject)));
  });
}

extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslFreeBuffer(PVOID pvInput) {
  return Guard(__func__, [&]() -> Status { return FreeCallerBuffer(pvInput); });
}

extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslIncrementProviderReferenceCount(NCRYPT_PROV_HANDLE hSslProvider) {
  return Guard(__func__, [&]() -> Status {
    ASSIGN_OR_RETURN(auto provider, RequireProvider(hSslProvider));
    ENSURE(provider->AddRef(), Error::kInvalidHandle);
    return Status::Ok();
  });
}

extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslDecrementProviderReferenceCount(NCRYPT_PROV_HANDLE hSslProvider) {
  return Guard(__func__, [&]() -> Status {
    ASSIGN_OR_RETURN(auto provider, RequireProvider(hSslProvider));
    std::uint32_t remaining = 0;
    ENSURE(provider->Release(&remaining), Error::kInvalidHandle);
    if (remaining == 0) return HandleTable::Global().EraseIf<Provider>(static_cast<Handle>(hSslProvider));
    return Status::Ok();
  });
}

extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslEnumProtocolProviders(DWORD* pdwProviderCount,
                                                                           NCryptProviderName** ppProviderList,
                                                                           DWORD dwFlags) {
  return Guard(__func__, [&]() -> Status {
    ENSURE(pdwProviderCount != nullptr && ppProviderList != nullptr, Error::kInvalidParameter);
    TRY(RequireNoFlags(dwFlags));
    // One block: the array entry followed by the strings it points to, so one SslFreeBuffer frees
    // everything (the router's list is freed the same way).
    static constexpr char16_t kComment[] = u"OpenSSL-backed CNG SSL protocol provider";
    constexpr std::size_t kNameBytes = sizeof(kProviderName);
    constexpr std::size_t kCommentBytes = sizeof(kComment);
    auto* block =
        static_cast<std::uint8_t*>(AllocateCallerBuffer(sizeof(NCryptProviderName) + kNameBytes + kCommentBytes));
    auto* entry = reinterpret_cast<NCryptProviderName*>(block);
    auto* name = block + sizeof(NCryptProviderName);
    auto* comment = name + kNameBytes;
    std::memcpy(name, kProviderName, kNameBytes);
    std::memcpy(comment, kComment, kCommentBytes);
    entry->pszName = reinterpret_cast<LPWSTR>(name);
    entry->pszComment = reinterpret_cast<LPWSTR>(comment);
    *ppProviderList = entry;
    *pdwProviderCount = 1;
    return Status::Ok();
  });
}

// Windows documents SslChangeNotify as not implemented (docs/reference/functions.md#sslchangenotify),
// and it is not a function-table member: Schannel never reaches a provider's copy. opensslp gives
// its own export one use, under its own flag (opensslp/opensslp.h): re-read the administrator's
// configuration now (docs/operations.md#reload). Everything else stays NTE_NOT_SUPPORTED, as
// documented.
extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslChangeNotify(HANDLE hEvent, DWORD dwFlags) {
  if (dwFlags != OPENSSLP_CHANGE_NOTIFY_RELOAD_CONFIGURATION) return NTE_NOT_SUPPORTED;
  return Guard(__func__, [&]() -> Status {
    ENSURE(hEvent == nullptr, Error::kInvalidParameter);  // no event is signalled: a reload is synchronous
    // A configuration with problems is not applied (the one in force stays): NTE_BAD_DATA, and the
    // problems are in the "ConfigurationProblems" property.
    ENSURE(config::Reload(), Error::kBadData);
    return Status::Ok();
  });
}

extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslGetProviderProperty(NCRYPT_PROV_HANDLE hSslProvider,
                                                                         LPCWSTR pszProperty, PBYTE* ppbOutput,
                                                                         DWORD* pcbOutput, PVOID* ppEnumState,
                                                                         DWORD dwFlags) {
  return Guard(__func__, [&]() -> Status {
    TRY(RequireProvider(hSslProvider));
    ENSURE(ppbOutput != nullptr && pcbOutput != nullptr, Error::kInvalidParameter);
    // Every property is single-valued: there is nothing to enumerate, so a state must start NULL.
    ENSURE(ppEnumState == nullptr || *ppEnumState == nullptr, Error::kInvalidParameter);
    TRY(RequireNoFlags(dwFlags));
    ASSIGN_OR_RETURN(std::u16string_view name, ReadWideString(pszProperty, kMaxPropertyNameChars));
    if (NameIs(name, OPENSSLP_PROPERTY_NAME)) return ReturnWideString(kProviderName, ppbOutput, pcbOutput);
    if (NameIs(name, OPENSSLP_PROPERTY_VERSION)) return ReturnDword(OPENSSLP_VERSION_DWORD, ppbOutput, pcbOutput);
    if (NameIs(name, OPENSSLP_PROPERTY_VERSION_STRING)) {
      std::string text = std::to_string(OPENSSLP_VERSION_MAJOR) + "." + std::to_string(OPENSSLP_VERSION_MINOR) + "." +
                         std::to_string(OPENSSLP_VERSION_PATCH);
      return ReturnWideString(AsciiToUtf16(text), ppbOutput, pcbOutput);
    }
    if (NameIs(name, OPENSSLP_PROPERTY_CRYPTO_LIBRARY))
      return ReturnWideString(AsciiToUtf16(CryptoLibraryVersionText()), ppbOutput, pcbOutput);
    if (NameIs(name, OPENSSLP_PROPERTY_KEY_LOG)) {
      const key_log::KeyLogState state = key_log::State();
      std::string text = "off";
      if (state.enabled) {
        text = "on: " + state.file + " (" + state.source + ")";
      } else if (!state.error.empty()) {
        text = "failed: " + state.error + " (" + state.source + ")";
      }
      return ReturnWideString(Utf8ToUtf16(text), ppbOutput, pcbOutput);
    }
    if (NameIs(name, OPENSSLP_PROPERTY_CONFIGURATION)) {
      return ReturnWideString(Utf8ToUtf16(config::Describe(config::CurrentSnapshot())), ppbOutput, pcbOutput);
    }
    if (NameIs(name, OPENSSLP_PROPERTY_CONFIGURATION_PROBLEMS)) {
      std::string text;
      for (const std::string& problem : config::CurrentSnapshot().problems) text += problem + "\n";
      return ReturnWideString(Utf8ToUtf16(text), ppbOutput, pcbOutput);
    }
    if (NameIs(name, OPENSSLP_PROPERTY_TRACE)) {
      const trace::State state = trace::CurrentState();
      std::string text = "off";
      if (state.level != trace::Level::kOff && state.error.empty()) {
        text = std::string(trace::LevelName(state.level)) + ": " + state.file + " (" + state.source + "); " +
               std::to_string(state.lines) + " lines written, " + std::to_string(state.failed_writes) + " lost";
      } else if (!state.error.empty()) {
        text = "failed: " + state.error + " (" + state.source + ")";
      }
      return ReturnWideString(Utf8ToUtf16(text), ppbOutput, pcbOutput);
    }
    if (NameIs(name, OPENSSLP_PROPERTY_INTERFACE_VERSION)) {
      const BCRYPT_INTERFACE_VERSION version = FunctionTable().Version;
      return ReturnProperty(Bytes(reinterpret_cast<const std::uint8_t*>(&version), sizeof(version)), ppbOutput,
                            pcbOutput);
    }
    return Error::kNotSupported;
  });
}

extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslGetKeyProperty(NCRYPT_KEY_HANDLE hKey, LPCWSTR pszProperty,
                                                                    PBYTE* ppbOutput, DWORD* pcbOutput, DWORD dwFlags) {
  return Guard(__func__, [&]() -> Status {
    ASSIGN_OR_RETURN(std::shared_ptr<const KeyObject> key, RequireAnyKey(hKey));
    ENSURE(ppbOutput != nullptr && pcbOutput != nullptr, Error::kInvalidParameter);
    TRY(RequireNoFlags(dwFlags));
    ASSIGN_OR_RETURN(std::u16string_view name, ReadWideString(pszProperty, kMaxPropertyNameChars));
    const KeyDescription description = key->Describe();
    if (NameIs(name, OPENSSLP_KEY_PROPERTY_KEY_TYPE)) return ReturnDword(description.key_type, ppbOutput, pcbOutput);
    if (NameIs(name, OPENSSLP_KEY_PROPERTY_ALGORITHM))
      return ReturnWideString(description.algorithm, ppbOutput, pcbOutput);
    if (NameIs(name, OPENSSLP_KEY_PROPERTY_LENGTH)) return ReturnDword(description.bits, ppbOutput, pcbOutput);
    return Error::kNotSupported;
  });
}
