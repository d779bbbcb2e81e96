// The simulator's random numbers: xoshiro256** seeded by splitmix64, and small helpers. Written
// here (not <random>'s distributions) so that a seed gives the same bytes with any standard
// library.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace trailwarden::sim {

class Rng {
 public:
  explicit Rng(uint64_t seed) {
    uint64_t x = seed;
    for (auto& s : s_) s = splitmix(x);
  }
  // A generator derived from this seed and labels: independent streams per day, actor, attack.
  static Rng derive(uint64_t seed, uint64_t a, uint64_t b = 0, uint64_t c = 0) {
    uint64_t x = seed ^ 0x9e3779b97f4a7c15ULL;
    uint64_t h = splitmix(x) ^ (a * 0xbf58476d1ce4e5b9ULL);
    h = splitmix(h) ^ (b * 0x94d049bb133111ebULL);
    h = splitmix(h) ^ (c * 0xd6e8feb86659fd93ULL);
    return Rng(splitmix(h));
  }

  uint64_t next() {
    uint64_t result = rotl(s_[1] * 5, 7) * 9;
    uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  // Uniform in [0, n) (n > 0); Lemire's multiply-shift, bias below 2^-32 for our n.
  uint64_t below(uint64_t n) {
    __extension__ using u128 = unsigned __int128;
    return static_cast<uint64_t>((static_cast<u128>(next()) * n) >> 64);
  }
  // Uniform integer in [lo, hi].
  int64_t range(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(below(static_cast<uint64_t>(hi - lo + 1)));
  }
  double real() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  bool chance(double p) { return real() < p; }
  // Exponential with the given mean.
  double exponential(double mean);
  template <typename T>
  const T& pick(const std::vector<T>& v) {
    return v[below(v.size())];
  }
  // Index chosen with the given weights (not all zero).
  size_t weighted(const std::vector<double>& weights);

  // Lower-case hex, upper-case alphanumerics, a random GUID "8-4-4-4-12".
  std::string hex(int n);
  std::string upper_alnum(int n);
  std::string alnum(int n);
  std::string uuid();
  void append_uuid(std::string& out);

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static uint64_t splitmix(uint64_t& x) {
    uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  uint64_t s_[4];
};

}  // namespace trailwarden::sim
