// CSV writer with RFC 4180 quoting (layers.csv, tiles.csv).
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace lpsim::traces {

// One field, quoted when it holds a comma, a double quote, CR or LF, or leading/trailing spaces
// (inner quotes doubled), RFC 4180 §2.
std::string csv_field(std::string_view s);
// Numbers as CSV fields: integers exactly, reals with up to 17 significant digits ("%.17g"
// shortest round-trip form).
std::string csv_number(double v);
std::string csv_number(std::uint64_t v);
std::string csv_number(std::int64_t v);

// Writes the header line at construction and one line per row(). Every row must have as many
// fields as the header (std::invalid_argument otherwise). Line ending "\n" by default (RFC 4180
// says CRLF; pass "\r\n" for strict consumers).
class CsvWriter {
 public:
  CsvWriter(std::ostream& os, std::vector<std::string> header, std::string eol = "\n");
  void row(const std::vector<std::string>& fields);
  // Columns (by header name) whose fields are always quoted, for text columns whose values
  // may or may not need it (a format such as lp<8,2,3,0>): a reader sees one kind of value.
  void quote_always(const std::vector<std::string>& columns);
  std::size_t rows() const { return m_rows; }

 private:
  void line(const std::vector<std::string>& fields);
  std::ostream& m_os;
  std::size_t m_columns;
  std::vector<std::string> m_header;
  std::vector<bool> m_always;
  std::string m_eol;
  std::size_t m_rows = 0;
};

}  // namespace lpsim::traces
