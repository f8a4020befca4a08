#include "core/key_store.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <system_error>

#include "ossl/key_files.h"
#include "util/ascii.h"
#include "util/secret.h"

namespace opensslp {
namespace {

namespace fs = std::filesystem;

// The same name as OPENSSLP_KEY_STORE_ENV in include/opensslp/opensslp.h (a unit test checks
// they agree; core/ does not include the ABI headers).
constexpr char kKeyStoreEnv[] = "OPENSSLP_KEY_STORE";

// Directory form: the extensions tried, in order.
struct DirectoryFormat {
  const char* extension;
  ossl::KeyFileFormat format;
};
constexpr DirectoryFormat kDirectoryFormats[] = {
    {".pem", ossl::KeyFileFormat::kAuto},
    {".key", ossl::KeyFileFormat::kAuto},
    {".p8", ossl::KeyFileFormat::kAuto},
    {".p12", ossl::KeyFileFormat::kPkcs12},
};

bool IsRegularFile(const fs::path& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}

// Reads a whole file into wiped-on-free memory. Unbuffered, so no copy of a key is left in a
// stream buffer. nullopt if it cannot be read; kBadData-sized files are refused by the caller.
std::optional<SecretBytes> ReadFileSecret(const fs::path& path, std::size_t max_size, bool* too_large) {
  *too_large = false;
  std::error_code ec;
  const std::uintmax_t size = fs::file_size(path, ec);
  if (ec) return std::nullopt;
  if (size > max_size) {
    *too_large = true;
    return std::nullopt;
  }
  std::ifstream in;
  in.rdbuf()->pubsetbuf(nullptr, 0);
  in.open(path, std::ios::binary);
  if (!in) return std::nullopt;
  SecretBytes data(static_cast<std::size_t>(size));
  if (size != 0 && !in.read(reinterpret_cast<char*>(data.data()), static_cast<std::streamsize>(size))) {
    return std::nullopt;
  }
  return data;
}

// A password file: its contents without one trailing "\n" or "\r\n".
Result<std::optional<SecretBytes>> ReadPassword(const fs::path& path) {
  if (!IsRegularFile(path)) return std::optional<SecretBytes>();
  bool too_large = false;
  std::optional<SecretBytes> data = ReadFileSecret(path, 1024, &too_large);
  if (!data) return Error::kBadKey;
  std::size_t len = data->size();
  if (len > 0 && data->data()[len - 1] == '\n') --len;
  if (len > 0 && data->data()[len - 1] == '\r') --len;
  data->Resize(len);
  return std::optional<SecretBytes>(std::move(*data));
}

Result<ossl::PKey> LoadKeyFile(const fs::path& path, ossl::KeyFileFormat format, const fs::path& password_path) {
  if (!IsRegularFile(path)) return Error::kNotFound;
  bool too_large = false;
  std::optional<SecretBytes> contents = ReadFileSecret(path, kMaxKeyStoreFileSize, &too_large);
  if (!contents) return Error::kBadKey;
  ASSIGN_OR_RETURN(std::optional<SecretBytes> password, ReadPassword(password_path));
  return ossl::DecodePrivateKey(contents->span(), format, password ? &*password : nullptr);
}

bool IsSpace(char c) { return c == ' ' || c == '\t'; }

bool IsLowerHexThumbprint(std::string_view s) {
  if (s.size() != 40) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// An OSSL_STORE URI: "scheme:..." with a scheme of at least two characters (RFC 3986 §3.1
// syntax), so that a Windows drive path such as C:\keys\a.pem is read as a path.
bool LooksLikeUri(std::string_view location) {
  const std::size_t colon = location.find(':');
  if (colon == std::string_view::npos || colon < 2) return false;
  const auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  if (!alpha(location[0])) return false;
  for (std::size_t i = 1; i < colon; ++i) {
    const char c = location[i];
    if (!(alpha(c) || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.')) return false;
  }
  return true;
}

ossl::KeyFileFormat FormatForPath(const fs::path& path) {
  const std::string ext = path.extension().string();
  const bool pkcs12 = EqualsIgnoringAsciiCase(ext, ".p12") || EqualsIgnoringAsciiCase(ext, ".pfx");
  return pkcs12 ? ossl::KeyFileFormat::kPkcs12 : ossl::KeyFileFormat::kAuto;
}

Result<ossl::PKey> FindInDirectory(const fs::path& dir, std::string_view thumbprint) {
  for (const DirectoryFormat& f : kDirectoryFormats) {
    const fs::path path = dir / (std::string(thumbprint) + f.extension);
    if (!IsRegularFile(path)) continue;
    return LoadKeyFile(path, f.format, dir / (std::string(thumbprint) + ".pass"));
  }
  return Error::kNotFound;
}

Result<ossl::PKey> FindInIndex(const fs::path& index, std::string_view thumbprint) {
  bool too_large = false;
  std::optional<SecretBytes> contents = ReadFileSecret(index, kMaxKeyStoreFileSize, &too_large);
  if (too_large) return Error::kBadData;
  if (!contents) return Error::kNotFound;
  std::string_view text(reinterpret_cast<const char*>(contents->data()), contents->size());

  while (!text.empty()) {
    const std::size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);

    while (!line.empty() && (IsSpace(line.front()))) line.remove_prefix(1);
    while (!line.empty() && (IsSpace(line.back()) || line.back() == '\r')) line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;

    std::size_t split = 0;
    while (split < line.size() && !IsSpace(line[split])) ++split;
    std::string key(line.substr(0, split));
    for (char& c : key) c = AsciiLower(c);
    if (!IsLowerHexThumbprint(key) || key != thumbprint) continue;  // malformed lines never match
    std::string_view location = line.substr(split);
    while (!location.empty() && IsSpace(location.front())) location.remove_prefix(1);
    if (location.empty()) continue;

    if (LooksLikeUri(location)) return ossl::LoadPrivateKeyFromUri(std::string(location), nullptr);
    fs::path path{std::string(location)};
    if (path.is_relative()) path = index.parent_path() / path;
    fs::path password = path;
    password += ".pass";
    return LoadKeyFile(path, FormatForPath(path), password);
  }
  return Error::kNotFound;
}

}  // namespace

KeyStore KeyStore::FromEnvironment() {
  const char* value = std::getenv(kKeyStoreEnv);
  return KeyStore(value == nullptr ? std::string() : std::string(value));
}

Result<ossl::PKey> KeyStore::FindPrivateKey(std::string_view thumbprint) const {
  if (!IsLowerHexThumbprint(thumbprint)) return Error::kInvalidParameter;
  if (location_.empty()) return Error::kNotFound;
  const fs::path root{location_};
  std::error_code ec;
  const fs::file_status status = fs::status(root, ec);
  if (ec) return Error::kNotFound;
  if (fs::is_directory(status)) return FindInDirectory(root, thumbprint);
  if (fs::is_regular_file(status)) return FindInIndex(root, thumbprint);
  return Error::kNotFound;
}

}  // namespace opensslp
