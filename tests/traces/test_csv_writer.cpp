// CSV: RFC 4180 quoting, checked by an independent RFC 4180 reader.
#include <gtest/gtest.h>

#include <sstream>

#include "traces/csv_writer.hpp"

namespace lpsim::traces {
namespace {

// RFC 4180 reader: records of fields; quoted fields may hold , " CR LF.
std::vector<std::vector<std::string>> read_csv(const std::string& s) {
  std::vector<std::vector<std::string>> rows(1);
  std::string f;
  bool q = false, field_started = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (q) {
      if (c == '"' && i + 1 < s.size() && s[i + 1] == '"') {
        f += '"';
        ++i;
      } else if (c == '"') {
        q = false;
      } else {
        f += c;
      }
    } else if (c == '"' && !field_started) {
      q = field_started = true;
    } else if (c == ',') {
      rows.back().push_back(f);
      f.clear();
      field_started = false;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < s.size() && s[i + 1] == '\n') ++i;
      rows.back().push_back(f);
      f.clear();
      field_started = false;
      rows.emplace_back();
    } else {
      f += c;
      field_started = true;
    }
  }
  if (rows.back().empty()) rows.pop_back();
  return rows;
}

TEST(Csv, FieldQuoting) {
  EXPECT_EQ(csv_field("plain"), "plain");
  EXPECT_EQ(csv_field(""), "");
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_field("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(csv_field("cr\r"), "\"cr\r\"");
  EXPECT_EQ(csv_field(" padded "), "\" padded \"");
  EXPECT_EQ(csv_field("semi;colon"), "semi;colon");
}

TEST(Csv, Numbers) {
  EXPECT_EQ(csv_number(3.0), "3");
  EXPECT_EQ(csv_number(0.1), "0.1");
  EXPECT_EQ(csv_number(-2.5e-7), "-2.5e-07");
  EXPECT_EQ(std::stod(csv_number(1.0 / 3.0)), 1.0 / 3.0);
  EXPECT_EQ(csv_number(std::uint64_t{18446744073709551615ull}), "18446744073709551615");
  EXPECT_EQ(csv_number(std::int64_t{-5}), "-5");
}

TEST(Csv, RowsRoundTripThroughAnRfc4180Reader) {
  const std::vector<std::vector<std::string>> rows = {
      {"layer", "cycles", "note"},
      {"conv1", "115160", ""},
      {"fc, final", "10", "quote \" inside"},
      {"multi\nline", "0", "trailing space "},
  };
  for (const std::string eol : {"\n", "\r\n"}) {
    std::ostringstream os;
    CsvWriter w(os, rows[0], eol);
    for (std::size_t i = 1; i < rows.size(); ++i) w.row(rows[i]);
    EXPECT_EQ(w.rows(), 3u);
    EXPECT_THROW(w.row({"too", "few"}), std::invalid_argument);
    EXPECT_EQ(read_csv(os.str()), rows) << os.str();
    EXPECT_EQ(os.str().substr(0, 17 + eol.size()), "layer,cycles,note" + eol);
  }
  std::ostringstream os;
  EXPECT_THROW(CsvWriter(os, {}), std::invalid_argument);
}

}  // namespace
}  // namespace lpsim::traces
