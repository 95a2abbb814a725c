/*
 * ftlab's own version of <tvm/support/io.h>, which the apache-tvm wheel's runtime sources include
 * but the wheel does not ship. Written for ftlab from how the runtime uses it (upstream TVM's
 * header was read as the specification of the interface; no code was copied).
 *
 * A Stream moves raw bytes; typed values go through Serializer<T>, a template the runtime
 * specializes for its own types (VMFuncInfo, FunctionInfo) with the same shape as here:
 *   static constexpr bool enabled; static void Write(Stream*, const T&); static bool Read(Stream*, T*).
 */
#ifndef TVM_SUPPORT_IO_H_
#define TVM_SUPPORT_IO_H_

#include <cstddef>
#include <cstdint>

namespace tvm {
namespace support {

/*! Serializer<T>: undefined for T until specialized (serializer.h has the common ones). */
template <typename T, typename Enable = void>
struct Serializer {
  static constexpr bool enabled = false;
};

class Stream {
 public:
  virtual ~Stream() = default;
  /*! Reads up to `size` bytes into `ptr`; returns how many were read. */
  virtual size_t Read(void* ptr, size_t size) = 0;
  /*! Writes `size` bytes from `ptr`; returns how many were written. */
  virtual size_t Write(const void* ptr, size_t size) = 0;

  template <typename T>
  void Write(const T& value) {
    static_assert(Serializer<T>::enabled, "tvm::support::Serializer<T> is not specialized for this type");
    Serializer<T>::Write(this, value);
  }

  template <typename T>
  bool Read(T* out) {
    static_assert(Serializer<T>::enabled, "tvm::support::Serializer<T> is not specialized for this type");
    return Serializer<T>::Read(this, out);
  }

  template <typename T>
  void WriteArray(const T* values, size_t count) {
    for (size_t i = 0; i < count; ++i) Write<T>(values[i]);
  }

  template <typename T>
  bool ReadArray(T* out, size_t count) {
    for (size_t i = 0; i < count; ++i) {
      if (!Read<T>(out + i)) return false;
    }
    return true;
  }
};

}  // namespace support
}  // namespace tvm

#endif  // TVM_SUPPORT_IO_H_
