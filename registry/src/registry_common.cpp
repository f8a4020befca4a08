// registry_common.cpp - see registry_common.h.
#include "registry_common.h"

namespace opensslp::registry {

std::string Narrow(const std::wstring& text) {
  if (text.empty()) return {};
  const int size =
      WideCharToMultiByte(CP_UTF8, 0, text.data(), static_cast<int>(text.size()), nullptr, 0, nullptr, nullptr);
  std::string out(static_cast<size_t>(size > 0 ? size : 0), '\0');
  if (size > 0)
    WideCharToMultiByte(CP_UTF8, 0, text.data(), static_cast<int>(text.size()), out.data(), size, nullptr, nullptr);
  return out;
}

std::wstring Widen(const std::string& text) {
  if (text.empty()) return {};
  const int size = MultiByteToWideChar(CP_UTF8, 0, text.data(), static_cast<int>(text.size()), nullptr, 0);
  std::wstring out(static_cast<size_t>(size > 0 ? size : 0), L'\0');
  if (size > 0) MultiByteToWideChar(CP_UTF8, 0, text.data(), static_cast<int>(text.size()), out.data(), size);
  return out;
}

namespace {

constexpr REGSAM kView = KEY_WOW64_64KEY;

class Key {
 public:
  Key() = default;
  Key(const Key&) = delete;
  Key& operator=(const Key&) = delete;
  ~Key() {
    if (handle_ != nullptr) RegCloseKey(handle_);
  }
  LONG Open(HKEY root, const std::wstring& path, REGSAM access) {
    return RegOpenKeyExW(root, path.c_str(), 0, access | kView, &handle_);
  }
  LONG Create(HKEY root, const std::wstring& path) {
    return RegCreateKeyExW(root, path.c_str(), 0, nullptr, REG_OPTION_NON_VOLATILE, KEY_READ | KEY_WRITE | kView,
                           nullptr, &handle_, nullptr);
  }
  HKEY get() const { return handle_; }

 private:
  HKEY handle_ = nullptr;
};

std::optional<std::vector<wchar_t>> ReadRaw(HKEY root, const std::wstring& path, const wchar_t* value, DWORD want) {
  Key key;
  if (key.Open(root, path, KEY_QUERY_VALUE) != ERROR_SUCCESS) return std::nullopt;
  DWORD type = 0, size = 0;
  if (RegQueryValueExW(key.get(), value, nullptr, &type, nullptr, &size) != ERROR_SUCCESS || type != want) {
    return std::nullopt;
  }
  std::vector<wchar_t> data(size / sizeof(wchar_t) + 2, L'\0');
  if (RegQueryValueExW(key.get(), value, nullptr, &type, reinterpret_cast<BYTE*>(data.data()), &size) !=
          ERROR_SUCCESS ||
      type != want) {
    return std::nullopt;
  }
  data.resize(size / sizeof(wchar_t));
  return data;
}

}  // namespace

std::optional<std::wstring> ReadString(HKEY root, const std::wstring& key, const wchar_t* value) {
  auto raw = ReadRaw(root, key, value, REG_SZ);
  if (!raw) return std::nullopt;
  std::wstring text(raw->begin(), raw->end());
  while (!text.empty() && text.back() == L'\0') text.pop_back();
  return text;
}

std::optional<std::vector<std::wstring>> ReadMultiString(HKEY root, const std::wstring& key, const wchar_t* value) {
  auto raw = ReadRaw(root, key, value, REG_MULTI_SZ);
  if (!raw) return std::nullopt;
  std::vector<std::wstring> out;
  std::wstring current;
  for (wchar_t c : *raw) {
    if (c == L'\0') {
      if (!current.empty()) out.push_back(current);
      current.clear();
    } else {
      current += c;
    }
  }
  if (!current.empty()) out.push_back(current);
  return out;
}

std::optional<DWORD> ReadDword(HKEY root, const std::wstring& path, const wchar_t* value) {
  Key key;
  if (key.Open(root, path, KEY_QUERY_VALUE) != ERROR_SUCCESS) return std::nullopt;
  DWORD type = 0, data = 0, size = sizeof data;
  if (RegQueryValueExW(key.get(), value, nullptr, &type, reinterpret_cast<BYTE*>(&data), &size) != ERROR_SUCCESS ||
      type != REG_DWORD) {
    return std::nullopt;
  }
  return data;
}

bool KeyExists(HKEY root, const std::wstring& path) {
  Key key;
  return key.Open(root, path, KEY_QUERY_VALUE) == ERROR_SUCCESS;
}

std::vector<std::wstring> SubKeys(HKEY root, const std::wstring& path) {
  std::vector<std::wstring> out;
  Key key;
  if (key.Open(root, path, KEY_ENUMERATE_SUB_KEYS) != ERROR_SUCCESS) return out;
  for (DWORD index = 0;; ++index) {
    wchar_t name[256];
    DWORD size = 256;
    if (RegEnumKeyExW(key.get(), index, name, &size, nullptr, nullptr, nullptr, nullptr) != ERROR_SUCCESS) break;
    out.emplace_back(name, size);
  }
  return out;
}

LONG WriteString(HKEY root, const std::wstring& path, const wchar_t* value, const std::wstring& data) {
  Key key;
  if (const LONG rc = key.Create(root, path); rc != ERROR_SUCCESS) return rc;
  return RegSetValueExW(key.get(), value, 0, REG_SZ, reinterpret_cast<const BYTE*>(data.c_str()),
                        static_cast<DWORD>((data.size() + 1) * sizeof(wchar_t)));
}

LONG WriteMultiString(HKEY root, const std::wstring& path, const wchar_t* value,
                      const std::vector<std::wstring>& data) {
  std::wstring flat;
  for (const auto& s : data) {
    flat += s;
    flat += L'\0';
  }
  flat += L'\0';
  Key key;
  if (const LONG rc = key.Create(root, path); rc != ERROR_SUCCESS) return rc;
  return RegSetValueExW(key.get(), value, 0, REG_MULTI_SZ, reinterpret_cast<const BYTE*>(flat.data()),
                        static_cast<DWORD>(flat.size() * sizeof(wchar_t)));
}

LONG WriteDword(HKEY root, const std::wstring& path, const wchar_t* value, DWORD data) {
  Key key;
  if (const LONG rc = key.Create(root, path); rc != ERROR_SUCCESS) return rc;
  return RegSetValueExW(key.get(), value, 0, REG_DWORD, reinterpret_cast<const BYTE*>(&data), sizeof data);
}

LONG DeleteValue(HKEY root, const std::wstring& path, const wchar_t* value) {
  Key key;
  if (const LONG rc = key.Open(root, path, KEY_SET_VALUE); rc != ERROR_SUCCESS) {
    return rc == ERROR_FILE_NOT_FOUND ? ERROR_SUCCESS : rc;
  }
  const LONG rc = RegDeleteValueW(key.get(), value);
  return rc == ERROR_FILE_NOT_FOUND ? ERROR_SUCCESS : rc;
}

LONG DeleteTree(HKEY root, const std::wstring& path) {
  {
    Key key;
    if (key.Open(root, path, KEY_READ) == ERROR_FILE_NOT_FOUND) return ERROR_SUCCESS;
  }
  for (const auto& child : SubKeys(root, path)) {
    if (const LONG rc = DeleteTree(root, path + L"\\" + child); rc != ERROR_SUCCESS) return rc;
  }
  const LONG rc = RegDeleteKeyExW(root, path.c_str(), kView, 0);
  return rc == ERROR_FILE_NOT_FOUND ? ERROR_SUCCESS : rc;
}

LONG DeleteKeyIfEmpty(HKEY root, const std::wstring& path) {
  Key key;
  if (const LONG rc = key.Open(root, path, KEY_READ); rc != ERROR_SUCCESS) {
    return rc == ERROR_FILE_NOT_FOUND ? ERROR_SUCCESS : rc;
  }
  DWORD sub_keys = 0, values = 0;
  if (const LONG rc = RegQueryInfoKeyW(key.get(), nullptr, nullptr, nullptr, &sub_keys, nullptr, nullptr, &values,
                                       nullptr, nullptr, nullptr, nullptr);
      rc != ERROR_SUCCESS) {
    return rc;
  }
  if (sub_keys != 0 || values != 0) return ERROR_SUCCESS;
  const LONG rc = RegDeleteKeyExW(root, path.c_str(), kView, 0);
  return rc == ERROR_FILE_NOT_FOUND ? ERROR_SUCCESS : rc;
}

}  // namespace opensslp::registry
