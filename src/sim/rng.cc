#include "sim/rng.h"

#include <cmath>

namespace trailwarden::sim {

double Rng::exponential(double mean) {
  double u = real();
  if (u >= 1.0) u = 0.999999999;
  return -std::log1p(-u) * mean;
}

size_t Rng::weighted(const std::vector<double>& weights) {
  double total = 0;
  for (double w : weights) total += w;
  double x = real() * total;
  for (size_t i = 0; i < weights.size(); ++i) {
    if (x < weights[i]) return i;
    x -= weights[i];
  }
  return weights.size() - 1;
}

std::string Rng::hex(int n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n);
  for (int i = 0; i < n; ++i) out += kDigits[below(16)];
  return out;
}

std::string Rng::upper_alnum(int n) {
  static constexpr char kChars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string out;
  out.reserve(n);
  for (int i = 0; i < n; ++i) out += kChars[below(32)];
  return out;
}

std::string Rng::alnum(int n) {
  static constexpr char kChars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string out;
  out.reserve(n);
  for (int i = 0; i < n; ++i) out += kChars[below(62)];
  return out;
}

void Rng::append_uuid(std::string& out) {
  static constexpr char kDigits[] = "0123456789abcdef";
  uint64_t a = next(), b = next();
  char buf[36];
  int k = 0;
  for (int i = 0; i < 32; ++i) {
    if (i == 8 || i == 12 || i == 16 || i == 20) buf[k++] = '-';
    uint64_t word = i < 16 ? a : b;
    int nib = static_cast<int>((word >> ((i % 16) * 4)) & 0xf);
    if (i == 12) nib = 4;              // version 4
    if (i == 16) nib = 8 | (nib & 3);  // variant 10xx
    buf[k++] = kDigits[nib];
  }
  out.append(buf, 36);
}

std::string Rng::uuid() {
  std::string out;
  append_uuid(out);
  return out;
}

}  // namespace trailwarden::sim
