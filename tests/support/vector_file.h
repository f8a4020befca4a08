// vector_file.h - a small, strict reader of key = value test-vector files (BoringSSL FileTest
// style), shared by every vector-driven test.
//
// Format (line-based, UTF-8/ASCII):
//   # source: ...          required: the first two lines are "# source:" and "# license:"
//   # license: ...
//   # anything             comment (anywhere)
//   [name = value]         an "instruction": applies to every following record until another
//                          instruction with the same name replaces it
//   key = value            an attribute of the current record (value may be empty: "key =")
//   (blank line)           ends the current record
// Keys are [A-Za-z0-9_-]+; a key may appear only once per record. Anything else is a syntax
// error with the line number. Records keep their attributes in file order.
//
// Strictness in use: Text()/Hex() mark an attribute as consumed and report a missing key or bad
// hex as a test failure (with file:line); ExpectAllConsumed() fails the test if a record has
// attributes that the test never looked at, so a renamed field cannot be silently ignored.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace opensslp::test {

class VectorRecord {
 public:
  int line() const { return line_; }
  // "path:line" for failure messages.
  std::string Where() const;

  bool Has(std::string_view key) const;
  // The value of `key` (marks it consumed). Missing key: test failure and "".
  std::string Text(std::string_view key) const;
  // The value of `key` decoded from hex (upper or lower case, even length). Failure on a missing
  // key or bad hex; returns {} then.
  std::vector<std::uint8_t> Hex(std::string_view key) const;
  // Unsigned decimal value of `key`; failure and 0 on a missing key or a non-number.
  std::uint64_t Number(std::string_view key) const;

  // Instructions ([name = value]) in force for this record.
  bool HasInstruction(std::string_view name) const;
  std::string Instruction(std::string_view name) const;  // failure and "" if absent

  // Fails the current test for every attribute never read through Text/Hex/Number.
  void ExpectAllConsumed() const;

  const std::vector<std::pair<std::string, std::string>>& attributes() const { return attributes_; }

 private:
  friend class VectorFile;
  const std::string* Find(std::string_view key) const;

  std::string path_;
  int line_ = 0;
  std::vector<std::pair<std::string, std::string>> attributes_;
  std::map<std::string, std::string, std::less<>> instructions_;
  mutable std::set<std::string, std::less<>> consumed_;
};

class VectorFile {
 public:
  // Reads and parses `path`. On failure returns false and sets *error ("path:line: reason").
  static bool Load(const std::string& path, VectorFile* out, std::string* error);
  // Parses text already in memory (`path` only names it in messages).
  static bool Parse(const std::string& path, std::string_view text, VectorFile* out, std::string* error);

  const std::string& path() const { return path_; }
  const std::string& source() const { return source_; }
  const std::string& license() const { return license_; }
  const std::vector<VectorRecord>& records() const { return records_; }

 private:
  std::string path_, source_, license_;
  std::vector<VectorRecord> records_;
};

// Strict hex decoding; false on odd length or a non-hex character.
bool DecodeHex(std::string_view hex, std::vector<std::uint8_t>* out);
std::string EncodeHex(const std::uint8_t* data, std::size_t len);

// Path of a file under tests/vectors/.
std::string VectorPath(std::string_view name);

}  // namespace opensslp::test
