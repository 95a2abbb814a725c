/*
 * ftlab's own version of TVM's src/support/utils.h (absent from the apache-tvm wheel): the small
 * string and environment helpers the web runtime's sources call. (Upstream's process helpers,
 * popen and friends, are left out: nothing in a web build runs a process.)
 */
#ifndef TVM_SUPPORT_UTILS_H_
#define TVM_SUPPORT_UTILS_H_

#include <tvm/ffi/string.h>

#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

namespace tvm {
namespace support {

/*! True for a non-empty string of decimal digits. */
inline bool IsNumber(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

/*! `s` cut at every `delim` (an empty string gives no parts). */
inline std::vector<std::string> Split(const std::string& s, char delim) {
  std::vector<std::string> parts;
  std::string part;
  for (char c : s) {
    if (c == delim) {
      parts.push_back(part);
      part.clear();
    } else {
      part += c;
    }
  }
  if (!part.empty()) parts.push_back(part);
  return parts;
}

inline bool StartsWith(const ffi::String& s, const char* prefix) {
  size_t n = std::strlen(prefix);
  return s.size() >= n && std::memcmp(s.data(), prefix, n) == 0;
}

inline bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

/*! Mixes the hash of `value` into `key` (boost-style combine). */
template <typename T>
inline uint64_t HashCombine(uint64_t key, const T& value) {
  return key ^ (static_cast<uint64_t>(std::hash<T>()(value)) + 0x9e3779b9 + (key << 6) + (key >> 2));
}

/*! An environment variable read as a flag: set and not "0"/"false"/"". */
inline bool BoolEnvironmentVar(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr) return false;
  std::string s(v);
  return !(s.empty() || s == "0" || s == "false" || s == "False" || s == "FALSE");
}

}  // namespace support
}  // namespace tvm

#endif  // TVM_SUPPORT_UTILS_H_
