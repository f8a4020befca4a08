#include "support/vector_file.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace opensslp::test {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool ValidKey(std::string_view key) {
  if (key.empty()) return false;
  for (char c : key) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// Splits "key = value" at the first '='; false if there is none or the key is not valid.
bool SplitAssignment(std::string_view line, std::string* key, std::string* value) {
  const std::size_t eq = line.find('=');
  if (eq == std::string_view::npos) return false;
  const std::string_view k = Trim(line.substr(0, eq));
  if (!ValidKey(k)) return false;
  *key = std::string(k);
  *value = std::string(Trim(line.substr(eq + 1)));
  return true;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool DecodeHex(std::string_view hex, std::vector<std::uint8_t>* out) {
  out->clear();
  if (hex.size() % 2 != 0) return false;
  out->reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const int hi = HexValue(hex[i]), lo = HexValue(hex[i + 1]);
    if (hi < 0 || lo < 0) {
      out->clear();
      return false;
    }
    out->push_back(static_cast<std::uint8_t>(hi * 16 + lo));
  }
  return true;
}

std::string EncodeHex(const std::uint8_t* data, std::size_t len) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  s.reserve(2 * len);
  for (std::size_t i = 0; i < len; ++i) {
    s.push_back(kDigits[data[i] >> 4]);
    s.push_back(kDigits[data[i] & 15]);
  }
  return s;
}

std::string VectorPath(std::string_view name) {
  return std::string(OPENSSLP_TEST_VECTORS_DIR) + "/" + std::string(name);
}

std::string VectorRecord::Where() const { return path_ + ":" + std::to_string(line_); }

const std::string* VectorRecord::Find(std::string_view key) const {
  for (const auto& [k, v] : attributes_)
    if (k == key) return &v;
  return nullptr;
}

bool VectorRecord::Has(std::string_view key) const { return Find(key) != nullptr; }

std::string VectorRecord::Text(std::string_view key) const {
  const std::string* v = Find(key);
  if (v == nullptr) {
    ADD_FAILURE() << Where() << ": missing attribute '" << key << "'";
    return {};
  }
  consumed_.insert(std::string(key));
  return *v;
}

std::vector<std::uint8_t> VectorRecord::Hex(std::string_view key) const {
  const std::string text = Text(key);
  std::vector<std::uint8_t> out;
  if (!DecodeHex(text, &out)) ADD_FAILURE() << Where() << ": attribute '" << key << "' is not valid hex";
  return out;
}

std::uint64_t VectorRecord::Number(std::string_view key) const {
  const std::string text = Text(key);
  if (text.empty() || text.size() > 19 || text.find_first_not_of("0123456789") != std::string::npos) {
    ADD_FAILURE() << Where() << ": attribute '" << key << "' is not a decimal number";
    return 0;
  }
  return std::stoull(text);
}

bool VectorRecord::HasInstruction(std::string_view name) const {
  return instructions_.find(name) != instructions_.end();
}

std::string VectorRecord::Instruction(std::string_view name) const {
  auto it = instructions_.find(name);
  if (it == instructions_.end()) {
    ADD_FAILURE() << Where() << ": no instruction [" << name << "] in force";
    return {};
  }
  return it->second;
}

void VectorRecord::ExpectAllConsumed() const {
  for (const auto& [k, v] : attributes_)
    if (consumed_.find(k) == consumed_.end()) ADD_FAILURE() << Where() << ": attribute '" << k << "' was not used";
}

bool VectorFile::Load(const std::string& path, VectorFile* out, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = path + ": cannot open";
    return false;
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return Parse(path, buffer.str(), out, error);
}

bool VectorFile::Parse(const std::string& path, std::string_view text, VectorFile* out, std::string* error) {
  VectorFile file;
  file.path_ = path;
  std::map<std::string, std::string, std::less<>> instructions;
  VectorRecord current;
  bool in_record = false;
  int line_no = 0;
  auto fail = [&](const std::string& why) {
    *error = path + ":" + std::to_string(line_no) + ": " + why;
    return false;
  };
  auto finish_record = [&]() {
    if (in_record) file.records_.push_back(std::move(current));
    current = VectorRecord();
    in_record = false;
  };

  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view raw = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    const std::string_view line = Trim(raw);
    if (line_no == 1 || line_no == 2) {
      const std::string_view want = line_no == 1 ? "# source:" : "# license:";
      if (line.substr(0, want.size()) != want) return fail("expected a '" + std::string(want) + "' line");
      std::string value(Trim(line.substr(want.size())));
      if (value.empty()) return fail("empty header line");
      (line_no == 1 ? file.source_ : file.license_) = std::move(value);
      continue;
    }
    if (line.empty()) {
      finish_record();
      if (end == text.size()) break;
      continue;
    }
    if (line.front() == '#') continue;
    std::string key, value;
    if (line.front() == '[') {
      if (line.back() != ']' || !SplitAssignment(line.substr(1, line.size() - 2), &key, &value))
        return fail("malformed instruction");
      if (in_record) return fail("instruction inside a record (missing blank line)");
      instructions[key] = value;
      continue;
    }
    if (!SplitAssignment(line, &key, &value)) return fail("expected 'key = value'");
    if (!in_record) {
      in_record = true;
      current.path_ = path;
      current.line_ = line_no;
      current.instructions_ = instructions;
    }
    if (current.Has(key)) return fail("duplicate attribute '" + key + "'");
    current.attributes_.emplace_back(std::move(key), std::move(value));
    if (end == text.size()) break;
  }
  finish_record();
  if (line_no < 2) return fail("missing '# source:' / '# license:' header");
  *out = std::move(file);
  return true;
}

}  // namespace opensslp::test
