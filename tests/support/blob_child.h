// blob_child.h - the second process of the BCRYPT_OPAQUE_KEY_BLOB tests: files to hand it blobs
// and records, and running opensslp_opaque_blob_child (tests/child/opaque_blob_child.cpp). Only
// for opensslp_abi_tests, which defines OPENSSLP_TEST_BLOB_CHILD (the child's path; under Wine a
// Z: path, so the child is another Windows process of the same Wine) and
// OPENSSLP_TEST_SCRATCH_DIR (tests/CMakeLists.txt).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#if defined(_WIN32)
#include <process.h>
#else
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
extern char** environ;
#endif

#include "support/bytes.h"

namespace opensslp_test {

// A file name in the test scratch directory, unique to this process.
inline std::string ScratchPath(const std::string& name) {
#if defined(_WIN32)
  const int pid = _getpid();
#else
  const int pid = static_cast<int>(getpid());
#endif
  return std::string(OPENSSLP_TEST_SCRATCH_DIR) + "/opaque-blob-" + std::to_string(pid) + "-" + name;
}

inline void WriteFile(const std::string& path, const opensslp::test::ByteVec& data) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr) << path;
  ASSERT_EQ(std::fwrite(data.data(), 1, data.size(), f), data.size());
  ASSERT_EQ(std::fclose(f), 0);
}

inline opensslp::test::ByteVec ReadFile(const std::string& path) {
  opensslp::test::ByteVec out;
  std::FILE* f = std::fopen(path.c_str(), "rb");
  EXPECT_NE(f, nullptr) << path;
  if (f == nullptr) return out;
  std::uint8_t buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.insert(out.end(), buf, buf + n);
  std::fclose(f);
  return out;
}

// The records of a child's output file: each is preceded by its 4-byte big-endian length. A
// malformed file is a test failure (and ends the list).
inline std::vector<opensslp::test::ByteVec> SplitRecords(const opensslp::test::ByteVec& file) {
  std::vector<opensslp::test::ByteVec> out;
  std::size_t at = 0;
  while (at < file.size()) {
    if (at + 4 > file.size()) {
      ADD_FAILURE() << "truncated length at " << at;
      break;
    }
    const std::size_t len = (std::size_t{file[at]} << 24) | (std::size_t{file[at + 1]} << 16) |
                            (std::size_t{file[at + 2]} << 8) | file[at + 3];
    if (at + 4 + len > file.size()) {
      ADD_FAILURE() << "truncated record at " << at;
      break;
    }
    out.emplace_back(file.begin() + static_cast<std::ptrdiff_t>(at + 4),
                     file.begin() + static_cast<std::ptrdiff_t>(at + 4 + len));
    at += 4 + len;
  }
  return out;
}

// Runs opensslp_opaque_blob_child with `args` and returns its exit status (-1 if it did not run).
inline int RunChild(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  std::string program = OPENSSLP_TEST_BLOB_CHILD;
  argv.push_back(program.data());
  std::vector<std::string> copies = args;
  for (auto& a : copies) argv.push_back(a.data());
  argv.push_back(nullptr);
#if defined(_WIN32)
  // Under Wine the child is another Windows process of the same Wine; _spawnv waits for it.
  return static_cast<int>(_spawnv(_P_WAIT, program.c_str(), argv.data()));
#else
  pid_t pid = 0;
  if (posix_spawn(&pid, program.c_str(), nullptr, nullptr, argv.data(), environ) != 0) return -1;
  int status = 0;
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
#endif
}

}  // namespace opensslp_test
