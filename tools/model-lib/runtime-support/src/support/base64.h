/*
 * ftlab's own version of TVM's src/support/base64.h (absent from the apache-tvm wheel):
 * standard base64 (RFC 4648 alphabet, '=' padding) as Streams, used by the runtime to put a
 * tensor inside JSON. Base64OutStream encodes what is written to it (call Finish() to flush the
 * last group); Base64InStream decodes one run of base64 text, which ends at whitespace or at the
 * end of the underlying stream.
 */
#ifndef TVM_SUPPORT_BASE64_H_
#define TVM_SUPPORT_BASE64_H_

#include <tvm/ffi/error.h>
#include <tvm/support/io.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <string>

namespace tvm {
namespace support {
namespace base64 {

inline const char* Alphabet() { return "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"; }

/*! The 6-bit value of a base64 character, or -1. */
inline int ValueOf(int ch) {
  if (ch >= 'A' && ch <= 'Z') return ch - 'A';
  if (ch >= 'a' && ch <= 'z') return ch - 'a' + 26;
  if (ch >= '0' && ch <= '9') return ch - '0' + 52;
  if (ch == '+') return 62;
  if (ch == '/') return 63;
  return -1;
}

}  // namespace base64

class Base64OutStream : public Stream {
 public:
  using Stream::Write;
  explicit Base64OutStream(Stream* sink) : sink_(sink) {}

  size_t Write(const void* ptr, size_t size) override {
    const unsigned char* p = static_cast<const unsigned char*>(ptr);
    for (size_t i = 0; i < size; ++i) {
      group_[pending_++] = p[i];
      if (pending_ == 3) EmitGroup();
    }
    return size;
  }

  size_t Read(void*, size_t) override {
    TVM_FFI_THROW(InternalError) << "Base64OutStream is write-only";
    return 0;
  }

  /*! Writes the last, padded group (and `end_char`, unless EOF), then flushes. */
  void Finish(int end_char = EOF) {
    if (pending_ > 0) {
      for (int i = pending_; i < 3; ++i) group_[i] = 0;
      const char* a = base64::Alphabet();
      out_ += a[group_[0] >> 2];
      out_ += a[((group_[0] & 0x3) << 4) | (group_[1] >> 4)];
      out_ += pending_ == 2 ? a[((group_[1] & 0xF) << 2) | (group_[2] >> 6)] : '=';
      out_ += '=';
      pending_ = 0;
    }
    if (end_char != EOF) out_ += static_cast<char>(end_char);
    Flush();
  }

 private:
  void EmitGroup() {
    const char* a = base64::Alphabet();
    out_ += a[group_[0] >> 2];
    out_ += a[((group_[0] & 0x3) << 4) | (group_[1] >> 4)];
    out_ += a[((group_[1] & 0xF) << 2) | (group_[2] >> 6)];
    out_ += a[group_[2] & 0x3F];
    pending_ = 0;
    if (out_.size() >= 4096) Flush();
  }
  void Flush() {
    if (!out_.empty()) sink_->Write(out_.data(), out_.size());
    out_.clear();
  }

  Stream* sink_;
  unsigned char group_[3] = {0, 0, 0};
  int pending_ = 0;
  std::string out_;
};

class Base64InStream : public Stream {
 public:
  using Stream::Read;
  explicit Base64InStream(Stream* source) : source_(source) {}

  /*! Skips leading whitespace and decodes the base64 run that follows (up to whitespace or EOF). */
  void InitPosition() {
    int ch = NextChar();
    while (ch != EOF && std::isspace(ch)) ch = NextChar();
    std::string text;
    while (ch != EOF && !std::isspace(ch)) {
      text += static_cast<char>(ch);
      ch = NextChar();
    }
    Decode(text);
  }

  bool IsEOF() const { return offset_ >= decoded_.size(); }

  size_t Read(void* ptr, size_t size) override {
    size_t n = std::min(size, decoded_.size() - offset_);
    if (n > 0) std::memcpy(ptr, decoded_.data() + offset_, n);
    offset_ += n;
    return n;
  }

  size_t Write(const void*, size_t) override {
    TVM_FFI_THROW(InternalError) << "Base64InStream is read-only";
    return 0;
  }

 private:
  int NextChar() {
    char c;
    return source_->Read(&c, 1) == 1 ? static_cast<unsigned char>(c) : EOF;
  }

  void Decode(const std::string& text) {
    TVM_FFI_ICHECK(text.size() % 4 == 0) << "invalid base64: length " << text.size() << " is not a multiple of 4";
    decoded_.clear();
    offset_ = 0;
    for (size_t i = 0; i < text.size(); i += 4) {
      int v[4];
      int pad = 0;
      for (int j = 0; j < 4; ++j) {
        char c = text[i + j];
        if (c == '=') {
          TVM_FFI_ICHECK(i + 4 == text.size() && j >= 2) << "invalid base64: '=' inside the text";
          v[j] = 0;
          ++pad;
        } else {
          TVM_FFI_ICHECK(pad == 0) << "invalid base64: data after '='";
          v[j] = base64::ValueOf(static_cast<unsigned char>(c));
          TVM_FFI_ICHECK(v[j] >= 0) << "invalid base64 character";
        }
      }
      unsigned bits = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
      decoded_ += static_cast<char>((bits >> 16) & 0xFF);
      if (pad < 2) decoded_ += static_cast<char>((bits >> 8) & 0xFF);
      if (pad < 1) decoded_ += static_cast<char>(bits & 0xFF);
    }
  }

  Stream* source_;
  std::string decoded_;
  size_t offset_ = 0;
};

}  // namespace support
}  // namespace tvm

#endif  // TVM_SUPPORT_BASE64_H_
