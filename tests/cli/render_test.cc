#include "cli/render.h"

#include <gtest/gtest.h>

namespace trailwarden::cli {
namespace {

using store::QueryColumn;

store::QueryResult sample() {
  store::QueryResult r;
  r.columns = {{"Name", QueryColumn::Kind::kString},
               {"n", QueryColumn::Kind::kNumber},
               {"ok", QueryColumn::Kind::kBool},
               {"j", QueryColumn::Kind::kJson}};
  r.rows.push_back({std::string("evil\x1b[2J\n\"x\",y"), std::string("42"), std::string("true"),
                    std::string("{\"a\":1}")});
  r.rows.push_back({std::nullopt, std::nullopt, std::nullopt, std::nullopt});
  return r;
}

TEST(Render, TableEscapesControlCharacters) {
  std::string t = render_table(sample());
  EXPECT_EQ(t.find('\x1b'), std::string::npos);
  EXPECT_NE(t.find("evil\\x1b[2J\\n"), std::string::npos);
  EXPECT_NE(t.find("NULL"), std::string::npos);
  EXPECT_NE(t.find("(2 rows)"), std::string::npos);
}

TEST(Render, JsonIsAnArrayOfTypedObjects) {
  std::string j = render_json(sample());
  EXPECT_EQ(j,
            "[\n  {\"Name\": \"evil\\u001b[2J\\n\\\"x\\\",y\", \"n\": 42, \"ok\": true, \"j\": "
            "{\"a\":1}},\n  {\"Name\": null, \"n\": null, \"ok\": null, \"j\": null}\n]\n");
  EXPECT_EQ(render_json(store::QueryResult{}), "[]\n");
}

TEST(Render, CsvQuotes) {
  std::string c = render_csv(sample());
  EXPECT_EQ(c, "Name,n,ok,j\r\n\"evil\x1b[2J\n\"\"x\"\",y\",42,true,\"{\"\"a\"\":1}\"\r\n,,,\r\n");
}

TEST(Render, Commas) {
  EXPECT_EQ(with_commas(0), "0");
  EXPECT_EQ(with_commas(999), "999");
  EXPECT_EQ(with_commas(1234567), "1,234,567");
}

}  // namespace
}  // namespace trailwarden::cli
