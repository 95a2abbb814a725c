/*
 * ftlab's own version of <tvm/support/serializer.h> (absent from the apache-tvm wheel).
 *
 * The byte format is fixed by the compiler side: the wheel's C++ library writes VM executables,
 * shader maps and tensors with it, and the web runtime built from these headers reads them back.
 * The format (matching upstream TVM's, checked against its header as a specification):
 *   - arithmetic values: their bytes, little-endian (swapped on a big-endian host);
 *   - enums: as their underlying integer type;
 *   - strings and byte strings: uint64 length, then the bytes;
 *   - sequences (std::vector, ffi::Array): uint64 count, then each element;
 *   - pairs: first then second; maps (std::unordered_map, ffi::Map): uint64 count, then key/value pairs;
 *   - DLDataType: code (u8), bits (u8), lanes (u16); DLDevice: device_type (i32), device_id (i32).
 */
#ifndef TVM_SUPPORT_SERIALIZER_H_
#define TVM_SUPPORT_SERIALIZER_H_

#include <dlpack/dlpack.h>
#include <tvm/ffi/container/array.h>
#include <tvm/ffi/container/map.h>
#include <tvm/ffi/endian.h>
#include <tvm/ffi/string.h>
#include <tvm/support/io.h>

#include <cstdint>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

namespace tvm {
namespace support {
namespace detail {

/*! Writes one little-endian value. */
template <typename T>
inline void WriteLE(Stream* strm, T value) {
  if (!TVM_FFI_IO_NO_ENDIAN_SWAP) ffi::ByteSwap(&value, sizeof(T), 1);
  strm->Write(&value, sizeof(T));
}

/*! Reads one little-endian value; false when the stream ran out. */
template <typename T>
inline bool ReadLE(Stream* strm, T* value) {
  if (strm->Read(value, sizeof(T)) != sizeof(T)) return false;
  if (!TVM_FFI_IO_NO_ENDIAN_SWAP) ffi::ByteSwap(value, sizeof(T), 1);
  return true;
}

/*! A length-prefixed run of bytes (the wire form of every string type). */
inline void WriteBytes(Stream* strm, const char* data, size_t size) {
  WriteLE<uint64_t>(strm, static_cast<uint64_t>(size));
  if (size > 0) strm->Write(data, size);
}

inline bool ReadBytes(Stream* strm, std::string* out) {
  uint64_t size = 0;
  if (!ReadLE(strm, &size)) return false;
  out->resize(static_cast<size_t>(size));
  return size == 0 || strm->Read(&(*out)[0], out->size()) == out->size();
}

}  // namespace detail

template <typename T>
struct Serializer<T, std::enable_if_t<std::is_arithmetic_v<T>>> {
  static constexpr bool enabled = true;
  static void Write(Stream* strm, const T& v) { detail::WriteLE<T>(strm, v); }
  static bool Read(Stream* strm, T* v) { return detail::ReadLE<T>(strm, v); }
};

template <typename T>
struct Serializer<T, std::enable_if_t<std::is_enum_v<T>>> {
  static constexpr bool enabled = true;
  using Int = std::underlying_type_t<T>;
  static void Write(Stream* strm, const T& v) { detail::WriteLE<Int>(strm, static_cast<Int>(v)); }
  static bool Read(Stream* strm, T* v) {
    Int i{};
    if (!detail::ReadLE<Int>(strm, &i)) return false;
    *v = static_cast<T>(i);
    return true;
  }
};

template <>
struct Serializer<std::string> {
  static constexpr bool enabled = true;
  static void Write(Stream* strm, const std::string& s) { detail::WriteBytes(strm, s.data(), s.size()); }
  static bool Read(Stream* strm, std::string* s) { return detail::ReadBytes(strm, s); }
};

template <>
struct Serializer<ffi::String> {
  static constexpr bool enabled = true;
  static void Write(Stream* strm, const ffi::String& s) { detail::WriteBytes(strm, s.data(), s.size()); }
  static bool Read(Stream* strm, ffi::String* s) {
    std::string tmp;
    if (!detail::ReadBytes(strm, &tmp)) return false;
    *s = ffi::String(std::move(tmp));
    return true;
  }
};

template <>
struct Serializer<ffi::Bytes> {
  static constexpr bool enabled = true;
  static void Write(Stream* strm, const ffi::Bytes& b) { detail::WriteBytes(strm, b.data(), b.size()); }
  static bool Read(Stream* strm, ffi::Bytes* b) {
    std::string tmp;
    if (!detail::ReadBytes(strm, &tmp)) return false;
    *b = ffi::Bytes(std::move(tmp));
    return true;
  }
};

template <typename T>
struct Serializer<std::vector<T>> {
  static constexpr bool enabled = true;
  static void Write(Stream* strm, const std::vector<T>& v) {
    detail::WriteLE<uint64_t>(strm, static_cast<uint64_t>(v.size()));
    for (const T& x : v) Serializer<T>::Write(strm, x);
  }
  static bool Read(Stream* strm, std::vector<T>* v) {
    uint64_t n = 0;
    if (!detail::ReadLE(strm, &n)) return false;
    v->clear();
    v->resize(static_cast<size_t>(n));
    for (T& x : *v) {
      if (!Serializer<T>::Read(strm, &x)) return false;
    }
    return true;
  }
};

template <typename T>
struct Serializer<ffi::Array<T>> {
  static constexpr bool enabled = true;
  static void Write(Stream* strm, const ffi::Array<T>& a) {
    detail::WriteLE<uint64_t>(strm, static_cast<uint64_t>(a.size()));
    for (const auto& x : a) Serializer<T>::Write(strm, x);
  }
  static bool Read(Stream* strm, ffi::Array<T>* a) {
    uint64_t n = 0;
    if (!detail::ReadLE(strm, &n)) return false;
    ffi::Array<T> out;
    for (uint64_t i = 0; i < n; ++i) {
      T x;
      if (!Serializer<T>::Read(strm, &x)) return false;
      out.push_back(std::move(x));
    }
    *a = std::move(out);
    return true;
  }
};

template <typename A, typename B>
struct Serializer<std::pair<A, B>> {
  static constexpr bool enabled = true;
  static void Write(Stream* strm, const std::pair<A, B>& p) {
    Serializer<A>::Write(strm, p.first);
    Serializer<B>::Write(strm, p.second);
  }
  static bool Read(Stream* strm, std::pair<A, B>* p) {
    return Serializer<A>::Read(strm, &p->first) && Serializer<B>::Read(strm, &p->second);
  }
};

template <typename K, typename V>
struct Serializer<std::unordered_map<K, V>> {
  static constexpr bool enabled = true;
  static void Write(Stream* strm, const std::unordered_map<K, V>& m) {
    detail::WriteLE<uint64_t>(strm, static_cast<uint64_t>(m.size()));
    for (const auto& kv : m) {
      Serializer<K>::Write(strm, kv.first);
      Serializer<V>::Write(strm, kv.second);
    }
  }
  static bool Read(Stream* strm, std::unordered_map<K, V>* m) {
    uint64_t n = 0;
    if (!detail::ReadLE(strm, &n)) return false;
    m->clear();
    for (uint64_t i = 0; i < n; ++i) {
      K k;
      V v;
      if (!Serializer<K>::Read(strm, &k) || !Serializer<V>::Read(strm, &v)) return false;
      (*m)[std::move(k)] = std::move(v);
    }
    return true;
  }
};

template <typename K, typename V>
struct Serializer<ffi::Map<K, V>> {
  static constexpr bool enabled = true;
  static void Write(Stream* strm, const ffi::Map<K, V>& m) {
    detail::WriteLE<uint64_t>(strm, static_cast<uint64_t>(m.size()));
    for (const auto& kv : m) {
      Serializer<K>::Write(strm, kv.first);
      Serializer<V>::Write(strm, kv.second);
    }
  }
  static bool Read(Stream* strm, ffi::Map<K, V>* m) {
    uint64_t n = 0;
    if (!detail::ReadLE(strm, &n)) return false;
    ffi::Map<K, V> out;
    for (uint64_t i = 0; i < n; ++i) {
      K k;
      V v;
      if (!Serializer<K>::Read(strm, &k) || !Serializer<V>::Read(strm, &v)) return false;
      out.Set(std::move(k), std::move(v));
    }
    *m = std::move(out);
    return true;
  }
};

template <>
struct Serializer<DLDataType> {
  static constexpr bool enabled = true;
  static void Write(Stream* strm, const DLDataType& t) {
    detail::WriteLE<uint8_t>(strm, t.code);
    detail::WriteLE<uint8_t>(strm, t.bits);
    detail::WriteLE<uint16_t>(strm, t.lanes);
  }
  static bool Read(Stream* strm, DLDataType* t) {
    return detail::ReadLE(strm, &t->code) && detail::ReadLE(strm, &t->bits) && detail::ReadLE(strm, &t->lanes);
  }
};

template <>
struct Serializer<DLDevice> {
  static constexpr bool enabled = true;
  static void Write(Stream* strm, const DLDevice& d) {
    detail::WriteLE<int32_t>(strm, static_cast<int32_t>(d.device_type));
    detail::WriteLE<int32_t>(strm, d.device_id);
  }
  static bool Read(Stream* strm, DLDevice* d) {
    int32_t type = 0;
    if (!detail::ReadLE(strm, &type) || !detail::ReadLE(strm, &d->device_id)) return false;
    d->device_type = static_cast<DLDeviceType>(type);
    return true;
  }
};

}  // namespace support
}  // namespace tvm

#endif  // TVM_SUPPORT_SERIALIZER_H_
