// error_origin_test.cpp - every build (Debug and Release: the per-call trace of release DLLs
// prints it, docs/diagnostics.md) names the check that raised an error (util/status.h
// ErrorOrigin): an export that fails one of many argument checks leaves file, line and the
// condition's text behind; a successful call leaves nothing; the trace holds source text only.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "sslprovider.h"
#include "util/status.h"

namespace opensslp {
namespace {

Status FailsInside() {
  ENSURE(1 + 1 == 3, Error::kBadData);
  return Status::Ok();
}
Status PassesItOn() {
  TRY(FailsInside());
  return Status::Ok();
}

TEST(ErrorOrigin, EnsureIsTheOriginAndTryDoesNotOverwriteIt) {
  ClearErrorOrigin();
  EXPECT_EQ(PassesItOn().error(), Error::kBadData);
  const ErrorOrigin origin = LastErrorOrigin();
  ASSERT_TRUE(origin);
  EXPECT_NE(std::strstr(origin.file, "error_origin_test.cpp"), nullptr);
  EXPECT_STREQ(origin.condition, "1 + 1 == 3");
  ClearErrorOrigin();
  EXPECT_FALSE(LastErrorOrigin());
}

// SslGenerateMasterKey checks eleven arguments; a NULL phMasterKey with a bad flag value must be
// traced to the phMasterKey check, the first that fires.
TEST(ErrorOrigin, AnExportNamesTheCheckThatFired) {
  NCRYPT_PROV_HANDLE prov = 0;
  ASSERT_EQ(SslOpenProvider(&prov, nullptr, 0), 0);
  EXPECT_FALSE(LastErrorOrigin()) << "a successful call leaves no origin";
  EXPECT_EQ(SslGenerateMasterKey(prov, 0, 0, nullptr, 0x0303, 0xC02F, nullptr, nullptr, 0, nullptr, 0),
            NTE_INVALID_PARAMETER);
  ErrorOrigin origin = LastErrorOrigin();
  ASSERT_TRUE(origin);
  EXPECT_NE(std::strstr(origin.file, "exports_tls12.cpp"), nullptr) << origin.file;
  EXPECT_STREQ(origin.condition, "phMasterKey != nullptr");

  // The next failing check is reported instead once the first is satisfied.
  NCRYPT_KEY_HANDLE master = 0;
  EXPECT_EQ(SslGenerateMasterKey(prov, 0, 0, &master, 0x0303, 0xC02F, nullptr, nullptr, 0, nullptr, 0), NTE_BAD_FLAGS);
  origin = LastErrorOrigin();
  ASSERT_TRUE(origin);
  EXPECT_EQ(std::string(origin.condition).find("ReadRole"), 0u) << origin.condition;
  EXPECT_EQ(SslFreeObject(prov, 0), 0);
  EXPECT_FALSE(LastErrorOrigin()) << "cleared on entry to the next call";
}

}  // namespace
}  // namespace opensslp
