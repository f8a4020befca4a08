#include "util/bytes.h"

namespace opensslp {

std::u16string AsciiToUtf16(std::string_view ascii) {
  std::u16string out;
  out.reserve(ascii.size());
  for (char c : ascii) out.push_back(static_cast<char16_t>(static_cast<unsigned char>(c)));
  return out;
}

std::string Utf16ToAscii(std::u16string_view utf16) {
  std::string out;
  out.reserve(utf16.size());
  for (char16_t c : utf16) out.push_back(c < 0x80 ? static_cast<char>(c) : '?');
  return out;
}

}  // namespace opensslp
