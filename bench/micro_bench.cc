// Per-record costs of the decoding half of ingest, on the bundled sample (real records).
//   build/release/bench/micro_bench
#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "formats/cloudtrail/decoder.h"
#include "formats/cloudtrail/normalizer.h"
#include "store/raw_codec.h"

namespace {

using namespace trailwarden;
namespace ct = formats::cloudtrail;

// All sample records, one Records envelope per file, as read from examples/.
std::vector<std::string> sample_files() {
  std::vector<std::string> out;
  std::filesystem::path dir =
      std::filesystem::path(TRAILWARDEN_SOURCE_DIR) / "examples/invictus-aws/CloudTrail";
  std::vector<std::filesystem::path> paths;
  for (const auto& e : std::filesystem::directory_iterator(dir)) paths.push_back(e.path());
  std::sort(paths.begin(), paths.end());
  for (const auto& p : paths) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    out.push_back(ss.str());
  }
  return out;
}

struct Collect final : ct::RecordSink {
  std::vector<std::string> records;
  void on_record(std::string_view r, int64_t, int64_t) override { records.emplace_back(r); }
  void on_reject(formats::RejectReason, int64_t, std::string_view, std::string_view,
                 std::string_view) override {}
};

const std::vector<std::string>& records() {
  static std::vector<std::string> recs = [] {
    Collect c;
    ct::CloudTrailDecoder d;
    formats::PaddedBuffer buf;
    for (const auto& f : sample_files()) {
      buf.assign(f);
      d.decode(buf, c);
    }
    return c.records;
  }();
  return recs;
}

struct Sink final : ct::RecordSink {
  size_t n = 0;
  void on_record(std::string_view, int64_t, int64_t) override { ++n; }
  void on_reject(formats::RejectReason, int64_t, std::string_view, std::string_view,
                 std::string_view) override {}
};

void BM_DecodeFiles(benchmark::State& state) {
  auto files = sample_files();
  std::vector<formats::PaddedBuffer> bufs(files.size());
  size_t bytes = 0;
  for (size_t i = 0; i < files.size(); ++i) {
    bufs[i].assign(files[i]);
    bytes += files[i].size();
  }
  ct::CloudTrailDecoder d;
  size_t n = 0;
  for (auto _ : state) {
    Sink s;
    for (auto& b : bufs) d.decode(b, s);
    n += s.n;
  }
  state.SetItemsProcessed(static_cast<int64_t>(n));
  state.SetBytesProcessed(static_cast<int64_t>(bytes * state.iterations()));
}
BENCHMARK(BM_DecodeFiles);

void BM_Normalize(benchmark::State& state) {
  const auto& recs = records();
  std::vector<formats::PaddedBuffer> bufs(recs.size());
  for (size_t i = 0; i < recs.size(); ++i) bufs[i].assign(recs[i]);
  ct::CloudTrailNormalizer n;
  ct::CloudTrailRows rows;
  size_t i = 0;
  for (auto _ : state) {
    if (rows.size() >= 65536) rows.clear();
    auto r = n.normalize(bufs[i].view(), {"bench", 0, 0}, rows);
    benchmark::DoNotOptimize(r);
    if (++i == bufs.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Normalize);

void BM_CompressRaw(benchmark::State& state) {
  const auto& recs = records();
  std::vector<std::string_view> samples(recs.begin(), recs.end());
  auto dict = store::train_raw_dictionary(samples, store::kFirstDictionaryId);
  store::RawCompressor c(static_cast<int>(state.range(0)));
  if (dict) c.set_dictionary(&*dict);
  std::string out;
  size_t i = 0, in_bytes = 0, out_bytes = 0;
  for (auto _ : state) {
    out.clear();
    c.compress(recs[i], out);
    in_bytes += recs[i].size();
    out_bytes += out.size();
    if (++i == recs.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["bytes_per_record"] = static_cast<double>(out_bytes) / state.iterations();
  state.counters["ratio"] = static_cast<double>(in_bytes) / out_bytes;
}
BENCHMARK(BM_CompressRaw)->Arg(1)->Arg(3)->Arg(6);

void BM_DecompressRaw(benchmark::State& state) {
  const auto& recs = records();
  std::vector<std::string_view> samples(recs.begin(), recs.end());
  auto dict = store::train_raw_dictionary(samples, store::kFirstDictionaryId);
  store::RawCompressor c;
  store::RawDecompressor d;
  if (dict) {
    c.set_dictionary(&*dict);
    d.add_dictionary(*dict);
  }
  std::vector<std::string> frames(recs.size());
  for (size_t k = 0; k < recs.size(); ++k) c.compress(recs[k], frames[k]);
  std::string out;
  size_t i = 0;
  for (auto _ : state) {
    auto st = d.decompress(frames[i], out);
    benchmark::DoNotOptimize(st);
    if (++i == frames.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecompressRaw);

}  // namespace
