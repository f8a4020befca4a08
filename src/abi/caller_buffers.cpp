#include "abi/caller_buffers.h"

#include <cstring>
#include <mutex>
#include <new>
#include <unordered_map>

#include "util/secret.h"

namespace opensslp::abi {
namespace {

struct Registry {
  std::mutex mutex;
  std::unordered_map<const void*, std::size_t> live;
};

Registry& GetRegistry() {
  static Registry* registry = new Registry();  // never destroyed (see HandleTable::Global)
  return *registry;
}

}  // namespace

void* AllocateCallerBuffer(std::size_t size) { return AllocateCallerBuffer(nullptr, size); }

void* AllocateCallerBuffer(const void* contents, std::size_t size) {
  const std::size_t copy = size;
  if (size == 0) size = 1;
  // operator new, not calloc: the same allocator as every other allocation of ours, so the
  // allocation-failure tests (tests/alloc/) can make this one fail too (docs/robustness.md).
  void* block = ::operator new(size);  // throws std::bad_alloc
  std::memset(block, 0, size);
  if (contents != nullptr && copy != 0) std::memcpy(block, contents, copy);
  Registry& registry = GetRegistry();
  try {
    std::lock_guard lock(registry.mutex);
    registry.live.emplace(block, size);
  } catch (...) {
    ::operator delete(block);
    throw;
  }
  return block;
}

Status FreeCallerBuffer(void* block) {
  if (block == nullptr) return Error::kInvalidParameter;
  Registry& registry = GetRegistry();
  std::size_t size;
  {
    std::lock_guard lock(registry.mutex);
    auto it = registry.live.find(block);
    if (it == registry.live.end()) return Error::kInvalidParameter;
    size = it->second;
    registry.live.erase(it);
  }
  SecureWipe(block, size);
  ::operator delete(block);
  return Status::Ok();
}

bool IsCallerBuffer(const void* block, std::size_t min_size) {
  Registry& registry = GetRegistry();
  std::lock_guard lock(registry.mutex);
  auto it = registry.live.find(block);
  return it != registry.live.end() && it->second >= min_size;
}

bool WithCallerBuffer(void* block, std::size_t min_size, std::uint32_t leading_magic,
                      void (*use)(void* block, void* context), void* context) {
  if (min_size < sizeof(leading_magic)) min_size = sizeof(leading_magic);
  Registry& registry = GetRegistry();
  std::lock_guard lock(registry.mutex);
  auto it = registry.live.find(block);
  if (it == registry.live.end() || it->second < min_size) return false;
  std::uint32_t magic;
  std::memcpy(&magic, block, sizeof magic);
  if (magic != leading_magic) return false;
  use(block, context);
  return true;
}

}  // namespace opensslp::abi
