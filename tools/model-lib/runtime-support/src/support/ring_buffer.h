/*
 * ftlab's own version of TVM's src/support/ring_buffer.h (absent from the apache-tvm wheel): the
 * byte queue between the RPC endpoint and its channel. Bytes are kept in one contiguous window
 * [head, head + size) of a growable buffer (compacted to the front when the tail runs out), so
 * the callbacks always get one contiguous span.
 */
#ifndef TVM_SUPPORT_RING_BUFFER_H_
#define TVM_SUPPORT_RING_BUFFER_H_

#include <tvm/ffi/error.h>

#include <algorithm>
#include <cstring>
#include <vector>

namespace tvm {
namespace support {

class RingBuffer {
 public:
  static const int kInitCapacity = 4 << 10;

  RingBuffer() : buf_(kInitCapacity) {}

  size_t bytes_available() const { return size_; }
  size_t capacity() const { return buf_.size(); }

  /*! Makes room for at least `n` bytes in total (queued bytes included). */
  void Reserve(size_t n) {
    if (head_ + n <= buf_.size()) return;
    Compact();
    if (n > buf_.size()) buf_.resize(std::max(n, buf_.size() * 2));
  }

  void Read(void* data, size_t size) {
    TVM_FFI_ICHECK_GE(size_, size) << "RingBuffer: reading more bytes than are queued";
    std::memcpy(data, buf_.data() + head_, size);
    Consume(size);
  }

  /*! Hands up to `max_nbytes` queued bytes to `fsend(ptr, n) -> sent`; drops what was sent. */
  template <typename FSend>
  size_t ReadWithCallback(FSend fsend, size_t max_nbytes) {
    size_t n = std::min(max_nbytes, size_);
    TVM_FFI_ICHECK_NE(n, 0U) << "RingBuffer: nothing to read";
    size_t sent = fsend(buf_.data() + head_, n);
    Consume(sent);
    return sent;
  }

  void Write(const void* data, size_t size) {
    Reserve(size_ + size);
    std::memcpy(buf_.data() + head_ + size_, data, size);
    size_ += size;
  }

  /*! Lets `frecv(ptr, n) -> received` fill up to `max_nbytes` at the tail; queues what it wrote. */
  template <typename FRecv>
  size_t WriteWithCallback(FRecv frecv, size_t max_nbytes) {
    Reserve(size_ + max_nbytes);
    size_t got = frecv(buf_.data() + head_ + size_, max_nbytes);
    size_ += got;
    return got;
  }

 private:
  void Consume(size_t n) {
    head_ += n;
    size_ -= n;
    if (size_ == 0) head_ = 0;
  }
  void Compact() {
    if (head_ == 0) return;
    std::memmove(buf_.data(), buf_.data() + head_, size_);
    head_ = 0;
  }

  std::vector<char> buf_;
  size_t head_ = 0;
  size_t size_ = 0;
};

}  // namespace support
}  // namespace tvm

#endif  // TVM_SUPPORT_RING_BUFFER_H_
