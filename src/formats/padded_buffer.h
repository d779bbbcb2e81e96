// A byte buffer that always has readable slack after its end, as simdjson requires, so
// slices of it can be parsed in place without copying.
#pragma once

#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>

namespace trailwarden::formats {

class PaddedBuffer {
 public:
  static constexpr size_t kPadding = 64;  // >= SIMDJSON_PADDING

  PaddedBuffer() = default;
  PaddedBuffer(const PaddedBuffer&) = delete;
  PaddedBuffer& operator=(const PaddedBuffer&) = delete;
  PaddedBuffer(PaddedBuffer&&) noexcept = default;
  PaddedBuffer& operator=(PaddedBuffer&&) noexcept = default;

  char* data() { return data_.get(); }
  const char* data() const { return data_.get(); }
  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }
  std::string_view view() const { return {data_.get(), size_}; }

  void clear() { size_ = 0; }
  // Grows capacity (keeping content) so that at least `n` bytes fit.
  void reserve(size_t n) {
    if (n <= capacity_) return;
    size_t cap = capacity_ == 0 ? 4096 : capacity_;
    while (cap < n) cap *= 2;
    auto fresh = std::make_unique_for_overwrite<char[]>(cap + kPadding);
    if (size_ > 0) std::memcpy(fresh.get(), data_.get(), size_);
    std::memset(fresh.get() + cap, 0, kPadding);
    data_ = std::move(fresh);
    capacity_ = cap;
  }
  void resize(size_t n) {
    reserve(n);
    size_ = n;
  }
  void assign(std::string_view s) {
    reserve(s.size());
    if (!s.empty()) std::memcpy(data_.get(), s.data(), s.size());
    size_ = s.size();
  }
  void append(std::string_view s) {
    reserve(size_ + s.size());
    if (!s.empty()) std::memcpy(data_.get() + size_, s.data(), s.size());
    size_ += s.size();
  }

 private:
  std::unique_ptr<char[]> data_;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

}  // namespace trailwarden::formats
