// Source-IP enrichment throughput: Enricher lookups per second per core, through the per-thread
// Cache as the pipeline uses it and uncached, on a CloudTrail-like mix of sourceIPAddress values.
//
//   geoip_bench [--lookups N] [--threads T] [--geoip FILE]... [--synthetic]
//
// Databases: the ones given, else the default (deps/geoip from scripts/setup), else (or with
// --synthetic) a generated City file of 60,000 networks. Lists: a generated tor_exit (1,500
// addresses), anonymizer (2,000 CIDRs), threat_intel (5,000 indicators), trusted_cidrs and an
// aws_ip_ranges.json of 10,000 prefixes, so every lookup also walks every list.
//
// The mix, per 100 values (CloudTrail in an organisation: few callers, many repeats):
//   30 AWS service names (ec2.amazonaws.com, AWS Internal, ...; 12 distinct)
//    5 private addresses (VPC endpoints; 200 distinct)
//   60 public addresses drawn Zipf(1.1) from 3,000 (people, NAT gateways, CI)
//    5 public addresses seen once (scanners, the long tail)
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "enrich/enricher.h"
#include "enrich/mmdb_writer.h"

using trailwarden::enrich::Enricher;
using trailwarden::enrich::EnrichmentConfig;
using trailwarden::enrich::IpInfo;

namespace {

std::string v4(uint32_t a) {
  return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 255) + "." +
         std::to_string((a >> 8) & 255) + "." + std::to_string(a & 255);
}

// A public-looking IPv4 address (first octet 11..222, not 100/127/169/172/192/198/203).
uint32_t public_v4(std::mt19937_64& rng) {
  while (true) {
    uint32_t a = static_cast<uint32_t>(rng());
    uint32_t o = a >> 24;
    if (o < 11 || o > 222 || o == 100 || o == 127 || o == 169 || o == 172 || o == 192 || o == 198 ||
        o == 203)
      continue;
    return a;
  }
}

std::vector<std::string> make_mix(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const char* services[] = {"ec2.amazonaws.com",
                            "AWS Internal",
                            "lambda.amazonaws.com",
                            "autoscaling.amazonaws.com",
                            "cloudformation.amazonaws.com",
                            "ssm.amazonaws.com",
                            "elasticloadbalancing.amazonaws.com",
                            "config.amazonaws.com",
                            "access-analyzer.amazonaws.com",
                            "sso.amazonaws.com",
                            "ecs.amazonaws.com",
                            "monitoring.amazonaws.com"};
  std::vector<std::string> popular;
  for (int i = 0; i < 3000; ++i) {
    if (i % 10 == 9) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "2a02:%x:%x::%x", static_cast<unsigned>(rng() & 0xffff),
                    static_cast<unsigned>(rng() & 0xffff), static_cast<unsigned>(rng() & 0xffff));
      popular.emplace_back(buf);
    } else {
      popular.push_back(v4(public_v4(rng)));
    }
  }
  // Zipf(1.1) over the popular addresses by inverse CDF.
  std::vector<double> cdf(popular.size());
  double sum = 0;
  for (size_t i = 0; i < popular.size(); ++i) sum += 1.0 / std::pow(double(i + 1), 1.1);
  double acc = 0;
  for (size_t i = 0; i < popular.size(); ++i) {
    acc += 1.0 / std::pow(double(i + 1), 1.1) / sum;
    cdf[i] = acc;
  }
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<std::string> mix;
  mix.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    uint64_t r = rng() % 100;
    if (r < 30) {
      mix.emplace_back(services[rng() % 12]);
    } else if (r < 35) {
      mix.push_back(v4((10u << 24) | static_cast<uint32_t>(rng() % 200)));
    } else if (r < 95) {
      double x = u(rng);
      size_t k = static_cast<size_t>(std::lower_bound(cdf.begin(), cdf.end(), x) - cdf.begin());
      mix.push_back(popular[std::min(k, popular.size() - 1)]);
    } else {
      mix.push_back(v4(public_v4(rng)));
    }
  }
  return mix;
}

std::string synthetic_db(const std::filesystem::path& dir) {
  using namespace trailwarden::enrich;
  std::mt19937_64 rng(7);
  std::vector<MmdbNetwork> nets;
  // 60,000 /16../24 networks spread over the public IPv4 space, 300 cities.
  for (uint32_t i = 0; i < 60000; ++i) {
    uint32_t base = (11u << 24) + i * 0x3000u;  // distinct, non-overlapping /20s
    MmdbNetwork n;
    n.base.version = 4;
    n.base.bytes = {uint8_t(base >> 24), uint8_t(base >> 16), uint8_t(base >> 8), 0};
    n.prefix_bits = 20;
    uint32_t c = i % 300;
    n.record =
        maxmind_city_record("C" + std::to_string(c % 26), "City" + std::to_string(c), -60 + c * 0.4,
                            -170 + c, 20, 1000 + c, "AS org " + std::to_string(c));
    nets.push_back(std::move(n));
  }
  std::string path = (dir / "bench-city.mmdb").string();
  MmdbMetadata meta;
  meta.build_epoch = 1;
  if (auto st = write_mmdb(path, nets, meta); !st) {
    std::fprintf(stderr, "geoip_bench: %s\n", st.error().to_string().c_str());
    std::exit(1);
  }
  return path;
}

void write_lists(const std::filesystem::path& dir) {
  std::mt19937_64 rng(11);
  std::filesystem::create_directories(dir);
  std::ofstream tor(dir / "tor_exit.txt");
  for (int i = 0; i < 1500; ++i) tor << v4(public_v4(rng)) << "\n";
  std::ofstream anon(dir / "anonymizer.txt");
  for (int i = 0; i < 2000; ++i) anon << v4(public_v4(rng) & 0xffffff00u) << "/24\n";
  std::ofstream ti(dir / "threat_intel.csv");
  ti << "indicator,type,confidence,category,source,first_seen,last_seen,valid_until\n";
  for (int i = 0; i < 5000; ++i) ti << v4(public_v4(rng)) << ",ip,70,botnet,feed,,,\n";
  std::ofstream tr(dir / "trusted_cidrs.txt");
  tr << "10.0.0.0/8 vpc\n192.0.2.0/24 office\n";
  std::ofstream aws(dir / "aws_ip_ranges.json");
  aws << "{\"prefixes\":[";
  for (int i = 0; i < 10000; ++i) {
    aws << (i ? "," : "") << "{\"ip_prefix\":\"" << v4(public_v4(rng) & 0xfffff000u)
        << "/20\",\"region\":\"us-east-1\",\"service\":\"AMAZON\"}";
  }
  aws << "],\"ipv6_prefixes\":[]}";
}

// CPU time of the calling thread: the machine is shared, so wall time overstates the cost.
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
  size_t lookups = 2'000'000;
  int threads = 1;
  bool synthetic = false;
  EnrichmentConfig config;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--lookups" && i + 1 < argc)
      lookups = std::stoul(argv[++i]);
    else if (a == "--threads" && i + 1 < argc)
      threads = std::stoi(argv[++i]);
    else if (a == "--geoip" && i + 1 < argc)
      config.geoip.push_back(argv[++i]);
    else if (a == "--synthetic")
      synthetic = true;
    else {
      std::fprintf(
          stderr,
          "usage: geoip_bench [--lookups N] [--threads T] [--geoip FILE]... [--synthetic]\n");
      return 2;
    }
  }
  auto tmp =
      std::filesystem::temp_directory_path() / ("tw-geoip-bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(tmp);
  if (synthetic || (config.geoip.empty() && trailwarden::enrich::default_geoip_paths().empty())) {
    config.geoip = {synthetic_db(tmp)};
  }
  write_lists(tmp / "lists");
  config.lists_dir = (tmp / "lists").string();
  std::vector<std::string> warnings;
  auto opened = Enricher::open(config, warnings);
  if (!opened) {
    std::fprintf(stderr, "geoip_bench: %s\n", opened.error().to_string().c_str());
    return 1;
  }
  std::shared_ptr<Enricher> e = *opened;
  std::printf("databases and lists:\n%s", e->describe().c_str());

  const auto mix = make_mix(lookups, 1);
  using clock = std::chrono::steady_clock;

  // Uncached: every value goes through libmaxminddb and the lists.
  {
    const size_t n = std::min<size_t>(lookups, 300'000);
    IpInfo info;
    uint64_t located = 0;
    auto t0 = clock::now();
    const double c0 = thread_cpu_seconds();
    for (size_t i = 0; i < n; ++i) {
      e->lookup(mix[i], info);
      located += info.located;
    }
    const double cpu = thread_cpu_seconds() - c0;
    double s = std::chrono::duration<double>(clock::now() - t0).count();
    std::printf(
        "uncached, 1 thread: %zu lookups, wall %.3f s, cpu %.3f s = %.2f M lookups/s per core "
        "(%.1f%% located)\n",
        n, s, cpu, n / cpu / 1e6, 100.0 * located / n);
  }
  // Cached, `threads` threads, each with its own Cache (as each decode thread has).
  std::atomic<uint64_t> sink{0};
  std::vector<double> secs(static_cast<size_t>(threads)), cpus(static_cast<size_t>(threads));
  std::vector<uint64_t> hits(static_cast<size_t>(threads)), misses(static_cast<size_t>(threads));
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      Enricher::Cache cache(*e, 4096);
      uint64_t local = 0;
      auto t0 = clock::now();
      double c0 = thread_cpu_seconds();
      for (size_t i = 0; i < mix.size(); ++i) {
        const IpInfo& info = cache.get(mix[i]);
        local += info.located + info.tor_exit + info.aws;
      }
      secs[static_cast<size_t>(t)] = std::chrono::duration<double>(clock::now() - t0).count();
      cpus[static_cast<size_t>(t)] = thread_cpu_seconds() - c0;
      hits[static_cast<size_t>(t)] = cache.hits();
      misses[static_cast<size_t>(t)] = cache.misses();
      sink += local;
    });
  }
  for (auto& th : pool) th.join();
  for (int t = 0; t < threads; ++t) {
    const size_t k = static_cast<size_t>(t);
    std::printf(
        "cached, thread %d of %d: %zu lookups, wall %.3f s (%.2f M/s), cpu %.3f s = %.2f M "
        "lookups/s per core (hit rate %.1f%%)\n",
        t + 1, threads, mix.size(), secs[k], mix.size() / secs[k] / 1e6, cpus[k],
        mix.size() / cpus[k] / 1e6, 100.0 * hits[k] / (hits[k] + misses[k]));
  }
  std::filesystem::remove_all(tmp);
  return sink.load() == 0xffffffffffffffffull ? 1 : 0;
}
