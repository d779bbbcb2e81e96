// Golden tests: testdata/normalizer/NAME.json is one record; NAME.golden is the row it must
// become (or the rejection it must cause). Volatile values are masked. To rewrite goldens
// after a reviewed change: TRAILWARDEN_UPDATE_GOLDENS=1 ./trailwarden_tests
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/text.h"
#include "core/time.h"
#include "formats/cloudtrail/normalizer.h"
#include "formats/padded_buffer.h"
#include "test_util.h"

namespace trailwarden::formats::cloudtrail {
namespace {

namespace fs = std::filesystem;

std::string render_row(const CloudTrailRows& rows, std::string_view input) {
  std::string out;
  for (size_t c = 0; c < kColumnCount; ++c) {
    const auto& spec = kColumns[c];
    const auto& col = rows.column(static_cast<Col>(c));
    out += spec.name;
    out += ": ";
    if (spec.name == "IngestionTime" || spec.name == "Origin") {
      out += "<masked>";
    } else if (spec.name == "RawZ") {
      out += col.str(0) == input ? "<the input bytes, unchanged>" : "<DIFFERENT FROM INPUT>";
    } else if (col.is_null(0)) {
      out += "NULL";
    } else if (spec.type == ColumnType::kTimestamp) {
      out += format_iso8601_micros(col.ints[0]);
    } else if (spec.type == ColumnType::kBool) {
      out += col.ints[0] ? "true" : "false";
    } else if (spec.type == ColumnType::kInt) {
      out += std::to_string(col.ints[0]);
    } else {
      out += json_string(col.str(0));
    }
    out += '\n';
  }
  return out;
}

TEST(NormalizerGolden, EveryRecordMatchesItsGolden) {
  fs::path dir = trailwarden::testing::testdata("formats/cloudtrail/testdata/normalizer");
  std::vector<fs::path> inputs;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".json") inputs.push_back(e.path());
  }
  std::sort(inputs.begin(), inputs.end());
  ASSERT_GE(inputs.size(), 25u);
  const bool update = std::getenv("TRAILWARDEN_UPDATE_GOLDENS") != nullptr;
  CloudTrailNormalizer normalizer;
  for (const auto& input : inputs) {
    SCOPED_TRACE(input.filename().string());
    std::string text = trailwarden::testing::read_file(input);
    while (!text.empty() && (text.back() == '\n')) text.pop_back();
    PaddedBuffer buf;
    buf.assign(text);
    CloudTrailRows rows;
    RecordContext ctx{"golden", 7, 1};
    auto r = normalizer.normalize(buf.view(), ctx, rows);
    std::string actual;
    if (r) {
      ASSERT_EQ(rows.size(), 1u);
      actual = render_row(rows, text);
    } else {
      EXPECT_EQ(rows.size(), 0u) << "a rejected record must leave no partial row";
      actual = "REJECTED " + std::string(reject_reason_name(r.error().reason)) + "\n";
    }
    fs::path golden = input;
    golden.replace_extension(".golden");
    if (update) {
      std::ofstream(golden, std::ios::binary) << actual;
      continue;
    }
    ASSERT_TRUE(fs::exists(golden)) << "missing golden; run with TRAILWARDEN_UPDATE_GOLDENS=1";
    EXPECT_EQ(actual, trailwarden::testing::read_file(golden));
  }
}

}  // namespace
}  // namespace trailwarden::formats::cloudtrail
