/*
 * ftlab's own version of TVM's src/support/arena.h (absent from the apache-tvm wheel): a bump
 * allocator for short-lived objects (the RPC endpoint's per-message scratch). Memory comes in
 * blocks; RecycleAll() makes every block reusable at once; nothing is freed one by one.
 * Destructors of objects made here are never run: only put trivially destructible data in it.
 */
#ifndef TVM_SUPPORT_ARENA_H_
#define TVM_SUPPORT_ARENA_H_

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <utility>
#include <vector>

namespace tvm {
namespace support {

class Arena {
 public:
  static constexpr size_t kBlockSize = 16 << 10;

  Arena() = default;
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;
  ~Arena() {
    for (Block& b : blocks_) std::free(b.data);
  }

  /*! Uninitialized space for `count` values of T. */
  template <typename T>
  T* allocate_(int count = 1) {
    return static_cast<T*>(Alloc(sizeof(T) * static_cast<size_t>(count), alignof(T)));
  }

  /*! A T constructed in the arena. */
  template <typename T, typename... Args>
  T* make(Args&&... args) {
    return new (allocate_<T>()) T(std::forward<Args>(args)...);
  }

  /*! Every allocation so far becomes invalid; the blocks are kept for reuse. */
  void RecycleAll() {
    for (Block& b : blocks_) b.used = 0;
    current_ = 0;
  }

 private:
  struct Block {
    char* data;
    size_t size;
    size_t used;
  };

  void* Alloc(size_t size, size_t align) {
    if (size == 0) size = 1;
    for (; current_ < blocks_.size(); ++current_) {
      Block& b = blocks_[current_];
      size_t start = (b.used + align - 1) / align * align;
      if (start + size <= b.size) {
        b.used = start + size;
        return b.data + start;
      }
    }
    size_t block = size + align > kBlockSize ? size + align : kBlockSize;
    char* data = static_cast<char*>(std::malloc(block));
    if (data == nullptr) throw std::bad_alloc();
    blocks_.push_back(Block{data, block, 0});
    current_ = blocks_.size() - 1;
    Block& b = blocks_.back();
    size_t start = (reinterpret_cast<uintptr_t>(b.data) % align == 0) ? 0 : align - reinterpret_cast<uintptr_t>(b.data) % align;
    b.used = start + size;
    return b.data + start;
  }

  std::vector<Block> blocks_;
  size_t current_ = 0;
};

}  // namespace support
}  // namespace tvm

#endif  // TVM_SUPPORT_ARENA_H_
